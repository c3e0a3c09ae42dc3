"""Helpers for the behaviour-rule tests: hand-made support tickets, rules from a dict, and
the line and dataset runners.

(A module of its own, not conftest, so that test files can import it by name.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ftprep.checks.behaviour.collector import BehaviourCollector
from ftprep.checks.behaviour.settings import BehaviourRules, RulesSettings, pii_available
from ftprep.checks.registry import Selection
from ftprep.dataset import DatasetCheckSettings, DatasetContext, DatasetFeatures, run_dataset_checks
from ftprep.formats import get_format
from ftprep.report.finding import Finding
from ftprep.validate import FileValidator, ValidateOptions

Record = dict[str, Any]
CHAT = get_format("openai-chat")
# The PII detectors come with ftprep.clean.pii (the convert side of ftprep).
needs_pii = pytest.mark.skipif(not pii_available(), reason="ftprep.clean.pii is not installed")
SYSTEM = "You are Acme's support assistant. Classify the ticket and write the reply."
NAMES = ["Maria", "John", "Aisha", "Chen", "Lukas", "Priya", "Tom", "Sofia", "Omar", "Emma"]
BODIES = {
    "billing": "I was charged twice for my subscription this month.",
    "technical": "The app crashes when I open the settings page.",
    "returns": "The jacket I ordered is too small, how do I send it back?",
    "complaints": "Your courier left my parcel in the rain.",
}
ANSWERS = {
    "billing": "I have refunded the second payment; you will see it within five working days.",
    "technical": "Please update the app and clear its cache; that fixes the crash.",
    "returns": "I have emailed you a prepaid label; the refund follows once it arrives.",
    "complaints": "We are sorry for the trouble. I have passed this on to the courier team.",
}


def house_reply(label: str, i: int = 0, *, body: str | None = None,
                sign_off: str = "Best regards,\nThe Acme Support Team") -> str:
    name = NAMES[i % len(NAMES)]
    return f"Hi {name},\n\n{body or ANSWERS[label]}\n\n{sign_off}"


def chat(user: str, assistant: str | list[Record], *, system: str | None = SYSTEM,
         **extra: Any) -> Record:
    messages: list[Record] = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": user})
    if isinstance(assistant, str):
        messages.append({"role": "assistant", "content": assistant})
    else:
        messages.extend(assistant)
    return {"messages": messages, **extra}


def ticket(label: str, i: int = 0, *, reply: str | None = None, as_json: bool = True,
           user: str | None = None, **extra: Any) -> Record:
    """One support ticket: a user message and a JSON (or plain) reply in the house style."""
    text = reply if reply is not None else house_reply(label, i)
    content = json.dumps({"category": label, "reply": text}) if as_json else text
    return chat(user or f"Ticket {i}: {BODIES[label]}\n\n{NAMES[i % len(NAMES)]}", content,
                **extra)


def dataset(counts: dict[str, int], **kwargs: Any) -> list[Record]:
    return [ticket(label, i, **kwargs) for label, n in counts.items() for i in range(n)]


def rules(settings: dict[str, Any] | None = None, **kwargs: Any) -> BehaviourRules:
    return BehaviourRules(RulesSettings.model_validate(settings or {}), **kwargs)


def line_findings(record: Record | str, rule_set: BehaviourRules,
                  select: tuple[str, ...] = ("FT5",), fmt: str = "openai-chat") -> list[Finding]:
    """What `ftprep validate` reports for one line, FT5xx only by default."""
    options = ValidateOptions(line_format=fmt, rules=rule_set,
                              selection=Selection(select=select))
    raw = record if isinstance(record, str) else json.dumps(record)
    return FileValidator(options).check_line(raw.encode())


def dataset_findings(records: Sequence[Record], rule_set: BehaviourRules,
                     settings: DatasetCheckSettings | None = None,
                     select: tuple[str, ...] = ("FT5",)) -> tuple[list[Finding], DatasetContext]:
    """The DATASET-scope behaviour findings for records (line numbers from 1)."""
    settings = settings or DatasetCheckSettings(label_field=rule_set.label_field,
                                                near_duplicates=False)
    features = DatasetFeatures.from_settings("data.jsonl", settings)
    collector = BehaviourCollector(rule_set)
    for line, record in enumerate(records, start=1):
        features.on_record(line, record, CHAT)
        collector.on_record(line, record, CHAT)
    ctx = DatasetContext(features.finish(), settings, behaviour=collector)
    return run_dataset_checks(ctx, Selection(select=select)), ctx


def codes(findings: Sequence[Finding]) -> list[str]:
    return [f.code for f in findings]


def write_jsonl(path: Path, records: Sequence[Record]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path

"""Helpers for the dataset-level tests: hand-made chat records, in memory or on disk.

(A module of its own, not conftest, so that test files can import it by name.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ftprep.checks.registry import Selection
from ftprep.dataset import (
    DatasetCheckSettings,
    DatasetContext,
    DatasetFeatures,
    extract_features,
    run_dataset_checks,
)
from ftprep.formats import get_format
from ftprep.report.finding import Finding

Record = dict[str, Any]
CHAT = get_format("openai-chat")
SYSTEM = "You are the support triage assistant. Answer briefly."


def chat(user: str, assistant: str, system: str | None = SYSTEM) -> Record:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}


def labelled(user: str, label: str) -> Record:
    return chat(user, json.dumps({"category": label, "reply": f"Thanks, routed to {label}."}))


def ticket(i: int) -> str:
    """Distinct ticket texts: no two are near-duplicates."""
    words = ["invoice", "crash", "parcel", "refund", "login", "courier", "voucher", "screen",
             "password", "export", "blender", "jacket", "rain", "agent", "hold", "update"]
    picked = [words[(i * 7 + k * 3) % len(words)] + str(i * 13 + k) for k in range(6)]
    return f"Ticket {i}: " + " ".join(picked)


def features_of(records: Sequence[Record], settings: DatasetCheckSettings | None = None,
                *, keep_text: bool = False) -> DatasetFeatures:
    settings = settings or DatasetCheckSettings()
    ds = DatasetFeatures.from_settings("data.jsonl", settings, keep_text=keep_text)
    for line, record in enumerate(records, start=1):
        ds.add(extract_features(line, record, CHAT, label_field=settings.label_field))
    return ds.finish()


def run_checks(
    records: Sequence[Record],
    settings: DatasetCheckSettings | None = None,
    *,
    training: Sequence[Record] | None = None,
    select: tuple[str, ...] = (),
) -> list[Finding]:
    settings = settings or DatasetCheckSettings()
    reference = features_of(training, settings) if training is not None else None
    ctx = DatasetContext(features_of(records, settings), settings, reference=reference)
    return run_dataset_checks(ctx, Selection(select=select))


def write_jsonl(path: Path, records: Sequence[Record | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path

"""Lines and a runner for the tests of validate against OpenAI's spec (the QA cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import chat, write_jsonl

from ftprep.report.finding import Finding
from ftprep.validate import ValidateOptions, validate

U = {"role": "user", "content": "hello"}
A = {"role": "assistant", "content": "hi"}


def msgs(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"messages": list(messages), **extra}


def dpo(**preferred: Any) -> dict[str, Any]:
    return {"input": {"messages": [U]},
            "preferred_output": [{"role": "assistant", "content": "good", **preferred}],
            "non_preferred_output": [{"role": "assistant", "content": "bad"}]}


def findings(tmp_path: Path, line: Any, *, target: str | None = None,
             pad: bool = True) -> list[Finding]:
    """The findings on `line`: as line 2 of a valid file, or (pad False) as line 1 of a
    file of 12 copies; the advice on example counts left out."""
    lines = [line] * 12 if not pad else [chat(), line]
    file = write_jsonl(tmp_path / "t.jsonl", lines, pad_to=12 if pad else 0)
    report = validate([file], ValidateOptions(target=target))
    return [f for f in report.findings if f.code not in ("FT124", "FT150")
            and f.line in (None, 2 if pad else 1)]


def only(found: list[Finding], code: str) -> list[Finding]:
    return [f for f in found if f.code == code]


def call(id_: str, name: str = "f", arguments: str = "{}") -> dict[str, Any]:
    return {"id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}


def asks(*calls: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": list(calls)}


def answer(id_: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": id_, "content": "ok"}

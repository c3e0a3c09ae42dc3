"""Every reject of a table row carries the row as read: every column of the file under its
header, whatever the reason and whichever stage rejected it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ftprep.convert import ConvertSettings, convert

HEADER = ["Ticket ID", "Subject", "Description", "Category", "Priority", "Requester"]
ROWS = [
    ["T-1", "Refund", "I was charged twice", "spam", "high", "Jane Doe"],  # label-not-allowed
    ["T-2", "Hi", "ok", "billing", "low", "Bob"],  # too-short
    ["T-3", "Long", "x" * 80, "billing", "low", "Al"],  # too-long
    ["T-4", "Dup", "Where is my parcel?", "returns", "low", "Cy"],
    ["T-5", "Dup", "Where is my parcel?", "returns", "high", "Di"],  # duplicate
    ["T-6", "Two", "Charged and returned", "billing;returns", "low", "Ed"],  # several-labels
    ["T-7", "Empty", "", "billing", "low", "Flo"],  # empty-text
    ["T-8", "No label", "Something odd happened", "", "low", "Gus"],  # missing-label
    ["T-9", "Fine", "My invoice is wrong", "billing", "007", "Hal"],
]


def _rejects(tmp_path: Path, rows: list[list[str]], **options: object) -> list[dict]:
    src = tmp_path / "t.csv"
    with src.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    out = tmp_path / "o.jsonl"
    convert([src], out, ConvertSettings.model_validate({
        "columns": {"text": ["Description"]}, "drop-duplicates": True,
        "clean": {"max-chars": 60}, **options}), allowed_labels=["billing", "returns"])
    text = (tmp_path / "o.rejects.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_every_reason_keeps_the_whole_row(tmp_path: Path) -> None:
    rejects = _rejects(tmp_path, ROWS)
    reasons = {r["record_id"]: r["reason"] for r in rejects}
    assert reasons == {"T-1": "label-not-allowed", "T-2": "too-short", "T-3": "too-long",
                       "T-5": "duplicate", "T-6": "several-labels", "T-7": "empty-text",
                       "T-8": "missing-label"}
    by_id = {row[0]: dict(zip(HEADER, row, strict=True)) for row in ROWS}
    for reject in rejects:
        assert reject["raw"] == by_id[reject["record_id"]], reject["reason"]


def test_a_missing_template_field_keeps_the_whole_row(tmp_path: Path) -> None:
    rejects = _rejects(tmp_path, ROWS[-1:], **{"user-template": "{Channel}: {text}"})
    assert [r["reason"] for r in rejects] == ["template-field-missing"]
    assert rejects[0]["raw"] == dict(zip(HEADER, ROWS[-1], strict=True))

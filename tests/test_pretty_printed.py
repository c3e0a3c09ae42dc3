"""A file that is one pretty-printed JSON object or array gets one error (QA case C7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import chat

from ftprep.validate import validate


# C7: a pretty-printed JSON file is one error, not one per physical line.
@pytest.mark.parametrize(("value", "command"), [
    ([chat(), chat(user="two")], "jq -c '.[]'"),
    (chat(), "jq -c ."),
])
def test_pretty_printed_json_is_one_error(tmp_path: Path, value: Any, command: str) -> None:
    file = tmp_path / "t.jsonl"
    file.write_text(json.dumps(value, indent=2) + "\n")
    report = validate([file])
    (hit,) = [f for f in report.findings if f.code.startswith("FT1")]
    assert hit.code == "FT103" and hit.line == 1
    assert "pretty-printed" in hit.message and command in hit.message


def test_several_pretty_printed_objects_are_one_error(tmp_path: Path) -> None:
    # What `jq . train.jsonl` prints: objects one after the other, each over many lines.
    file = tmp_path / "t.jsonl"
    file.write_text("".join(json.dumps(chat(user=f"q{i}"), indent=2) + "\n" for i in range(3)))
    report = validate([file])
    (hit,) = [f for f in report.findings if f.code.startswith("FT1")]
    assert hit.code == "FT103" and hit.line == 1
    assert "several JSON objects" in hit.message and "jq -c ." in hit.message


def test_objects_then_garbage_keep_per_line_errors(tmp_path: Path) -> None:
    file = tmp_path / "t.jsonl"
    file.write_text(json.dumps(chat(), indent=2) + "\n" + json.dumps(chat(), indent=2) + "\n[1, 2]\n")
    report = validate([file])
    assert len([f for f in report.findings if f.code == "FT103"]) > 1


def test_broken_multiline_json_keeps_per_line_errors(tmp_path: Path) -> None:
    file = tmp_path / "t.jsonl"
    file.write_text('{\n  "messages": [\n')
    report = validate([file])
    assert len([f for f in report.findings if f.code == "FT103"]) == 2


def test_pretty_printed_detection_is_capped(tmp_path: Path, monkeypatch) -> None:
    from ftprep import jsonl

    monkeypatch.setattr(jsonl, "MAX_WHOLE_FILE_BYTES", 10)
    file = tmp_path / "t.jsonl"
    file.write_text(json.dumps(chat(), indent=2) + "\n")
    report = validate([file])
    assert len([f for f in report.findings if f.code == "FT103"]) > 1


def test_pretty_printed_large_file_is_found_before_sharding(tmp_path: Path, monkeypatch) -> None:
    from ftprep import shards

    monkeypatch.setattr(shards, "MIN_SHARD_BYTES", 0)
    file = tmp_path / "t.jsonl"
    file.write_text(json.dumps([chat()] * 30, indent=2) + "\n")
    report = validate([file])
    assert [(f.code, f.line) for f in report.findings] == [("FT103", 1)]

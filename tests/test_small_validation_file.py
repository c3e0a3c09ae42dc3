"""FT123 is OpenAI's minimum for a training file; its documentation says so and how to
validate a small validation file on its own."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import chat, write_jsonl

from ftprep.checks.registry import get


def test_ft123_is_documented_as_the_training_file_minimum() -> None:
    check = get("FT123")
    assert check.summary == "File has fewer than 10 examples, OpenAI's minimum for a training file."
    assert "validation file" in check.doc
    assert "ftprep validate valid.jsonl --ignore FT123,FT124" in check.doc


def test_rules_lists_the_advice(run_cli) -> None:
    result = run_cli("rules")
    assert result.exit_code == 0 and "OpenAI's minimum for a training file" in result.output
    (rule,) = [r for r in json.loads(run_cli("rules", "--format", "json").output)
               if r["code"] == "FT123"]
    assert "--ignore FT123,FT124" in rule["doc"]


def test_a_small_validation_file_validates_as_documented(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "valid.jsonl", [chat(user=f"ticket {i}") for i in range(5)])
    assert run_cli("validate", str(file)).exit_code == 1  # FT123: the error stays
    result = run_cli("validate", str(file), "--ignore", "FT123,FT124")
    assert result.exit_code == 0, result.output


def test_the_message_says_it_is_the_training_file_minimum(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "valid.jsonl", [chat(user=f"ticket {i}") for i in range(5)])
    result = run_cli("validate", str(file), "--format", "json")
    (finding,) = [f for f in json.loads(result.output)["findings"] if f["code"] == "FT123"]
    assert "at least 10 in a training file" in finding["message"]
    assert "for a validation file, --ignore FT123" in finding["message"]

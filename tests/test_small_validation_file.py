"""FT123 is OpenAI's minimum for a training file; its documentation says so and how to
validate a small validation file on its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


# C1: the minimum-count hint names the codes that silence it.
@pytest.mark.parametrize(("target", "codes"), [(None, "FT123,FT124"), ("openai", "FT147,FT150")])
def test_minimum_count_hint_names_codes_that_silence_it(tmp_path: Path, run_cli,
                                                        target: str | None, codes: str) -> None:
    file = write_jsonl(tmp_path / "valid.jsonl", [chat(user=f"ticket {i}") for i in range(3)])
    extra = ("--target", target) if target else ()
    result = run_cli("validate", str(file), *extra, "--format", "json")
    (finding,) = [f for f in json.loads(result.output)["findings"]
                  if f["code"] in ("FT123", "FT147")]
    assert f"--ignore {codes}" in finding["message"]
    assert run_cli("validate", str(file), *extra, "--ignore", codes).exit_code == 0


def test_readme_ft123_text_stays_true() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert "--ignore FT123,FT124" in readme and "--ignore FT147,FT150" in readme


def test_check_validation_leaves_out_the_targets_advice_too(tmp_path: Path, run_cli) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [chat(user=f"train {i}") for i in range(60)])
    valid = write_jsonl(tmp_path / "valid.jsonl", [chat(user=f"valid {i}") for i in range(12)])
    result = run_cli("check", str(train), "--validation", str(valid), "--target", "openai",
                     "-f", "json")
    codes = [(f["code"], f["file"]) for f in json.loads(result.output)["findings"]]
    assert not [c for c in codes if c[0] == "FT150"], codes

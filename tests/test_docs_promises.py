"""What README promises, where a QA pass against the docs (2026-11-29) found otherwise:
figures independent of --select/--ignore, NO_COLOR, `-` for the outputs, directories
without rejects files, prefixes that name no check, invisible-only text."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import chat, write_jsonl

ROOT = Path(__file__).parents[1]


def _answered_and_not(tmp_path: Path) -> Path:
    """10 examples to train on and 10 lines with no reply (FT110, left out of figures)."""
    answered = [chat(user=f"question number {i} about my invoice") for i in range(10)]
    unanswered = [{"messages": [{"role": "user", "content": f"no answer here {i}"}]}
                  for i in range(10)]
    return write_jsonl(tmp_path / "mixed.jsonl", answered + unanswered)


@pytest.mark.parametrize("narrowing", [(), ("--select", "FT6"), ("--ignore", "FT110"),
                                       ("--ignore", "FT1")])
def test_figures_do_not_depend_on_what_is_reported(tmp_path: Path, run_cli,
                                                   narrowing: tuple[str, ...]) -> None:
    result = run_cli("cost", str(_answered_and_not(tmp_path)), "-f", "json", *narrowing)
    report = json.loads(result.stdout)
    row = report["stats"]["cost"]["rows"][0]
    assert (row["n_examples"], report["stats"]["tokens"]["examples"]) == (10, 10)
    codes = {f["code"] for f in report["findings"]}
    assert ("FT110" in codes) == (narrowing == ())
    assert report["files"][0]["invalid_examples"] == 10


def test_a_severity_override_changes_the_report_not_the_figures(tmp_path: Path) -> None:
    from ftprep.checks.registry import Selection
    from ftprep.report.finding import Severity
    from ftprep.validate import ValidateOptions, validate

    path = _answered_and_not(tmp_path)
    options = ValidateOptions(selection=Selection(severity={"FT110": Severity.WARNING}))
    report = validate([path], options)
    assert {f.severity for f in report.findings if f.code == "FT110"} == {Severity.WARNING}
    assert report.files[0].invalid == 10


def test_a_prefix_that_names_no_check_is_refused(tmp_path: Path) -> None:
    path = _answered_and_not(tmp_path)
    for option in ("--select", "--ignore"):
        result = _invoke("validate", str(path), option, "FT7")
        assert result.exit_code == 2 and "unknown check code or name: FT7" in result.output


def _invoke(*args: str) -> Any:
    """The CLI's result, usage errors (exit 2) included."""
    from click.testing import CliRunner

    from ftprep.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_no_color_is_respected_unless_colour_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from ftprep.report.finding import Report
    from ftprep.report.reporters.text import TextReporter

    report = Report(command="validate")
    report.io_errors.append("cannot read x.jsonl")
    monkeypatch.setenv("FORCE_COLOR", "1")  # as on a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    rendered = {}
    for color in (None, True):
        out = io.StringIO()
        TextReporter(color=color).render(report, out)
        rendered[color] = out.getvalue()
    assert "\x1b[31m" not in rendered[None] and "\x1b[1;31m" not in rendered[None]
    assert "31m" in rendered[True]  # --color always wins over NO_COLOR


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE is POSIX")
@pytest.mark.parametrize("command", ["export", "import"])
def test_export_and_import_to_a_reader_that_goes_away_exit_141(tmp_path: Path,
                                                               command: str) -> None:
    records = [{"conversations": [{"from": "human", "value": f"hello {i}"},
                                  {"from": "gpt", "value": "hi"}]} for i in range(3000)]
    source = write_jsonl(tmp_path / "in.jsonl", records if command == "import" else
                         [chat(user=f"hello {i}") for i in range(3000)])
    how = ["--from", "sharegpt"] if command == "import" else ["--target", "sharegpt"]
    proc = subprocess.Popen([sys.executable, "-m", "ftprep", command, str(source), *how, "-o", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, stderr
    assert "Traceback" not in stderr and "Broken pipe" not in stderr


def test_export_to_stdout_names_it_so(tmp_path: Path, run_cli) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat()] * 3)
    result = run_cli("export", str(source), "--target", "sharegpt", "-o", "-")
    assert "to sharegpt: <stdout>" in result.stderr


@pytest.mark.parametrize("option", ["-o", "--validation-out", "--rejects"])
def test_split_refuses_dash_for_its_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          option: str) -> None:
    monkeypatch.chdir(tmp_path)
    source = write_jsonl(tmp_path / "in.jsonl", [chat(user=f"t {i}") for i in range(40)])
    files = {"-o": "t.jsonl", "--validation-out": "v.jsonl", "--rejects": "r.jsonl"}
    files[option] = "-"
    result = _invoke("split", str(source), *(x for kv in files.items() for x in kv))
    assert result.exit_code == 2 and "split writes files" in result.output
    assert not (tmp_path / "-").exists()


def test_a_directory_is_validated_without_its_rejects_files(tmp_path: Path) -> None:
    from ftprep.jsonl import InputError, expand_inputs

    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "train.jsonl", [chat()])
    (tmp_path / "data" / "train.rejects.jsonl").write_text('{"line": 1}\n', encoding="utf-8")
    assert expand_inputs([tmp_path / "data"]) == [str(tmp_path / "data" / "train.jsonl")]
    assert expand_inputs([tmp_path / "data" / "train.rejects.jsonl"]) == [
        str(tmp_path / "data" / "train.rejects.jsonl")]  # named, it is read
    (tmp_path / "data" / "train.jsonl").unlink()
    with pytest.raises(InputError, match="rejects files"):
        expand_inputs([tmp_path / "data"])


@pytest.mark.parametrize("text", ["\u200e\u200e\u200e", "\u00ad\u00ad", "\u2800", "\u3164",
                                  "\u202a\u202c", "\ufe0f"])
def test_text_of_invisible_marks_only_is_blank(tmp_path: Path, text: str) -> None:
    from ftprep.validate import ValidateOptions, validate

    path = write_jsonl(tmp_path / "t.jsonl", [chat(reply=text)], pad_to=12)
    codes = [f.code for f in validate([path], ValidateOptions()).findings]
    assert "FT111" in codes


def test_ft601_says_only_why_the_model_cannot_be_trained(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    import ftprep.cost as cost
    from ftprep.checks.cost_checks import cost_findings
    from ftprep.checks.registry import Selection

    class Later(date):
        @classmethod
        def today(cls) -> Later:
            return cls(2027, 2, 1)

    monkeypatch.setattr(cost, "date", Later)
    estimate = cost.estimate_cost(1000, 337, "gpt-4o-mini-2024-07-18", prices=cost.load_prices())
    (finding,) = [f for f in cost_findings(estimate, Selection(), "x.jsonl") if f.code == "FT601"]
    assert "since 2027-01-06, no customer can create new fine-tuning jobs" in finding.message
    assert "epochs" not in finding.message and "token counts" not in finding.message


def test_export_merges_leading_system_messages_for_one_system_prompt(tmp_path: Path) -> None:
    two = {"messages": [{"role": "system", "content": "You are Acme support."},
                        {"role": "system", "content": "Answer in English."},
                        {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    late = {"messages": [{"role": "system", "content": "A"}, {"role": "user", "content": "hi"},
                         {"role": "system", "content": "B"}, {"role": "assistant", "content": "ok"}]}
    source = write_jsonl(tmp_path / "in.jsonl", [two, late])
    out = tmp_path / "out.jsonl"
    result = _invoke("export", str(source), "--target", "together", "-o", str(out))
    (line,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["messages"][0] == {"role": "system",
                                   "content": "You are Acme support.\n\nAnswer in English."}
    assert "system merged at $.messages[1]" in result.output
    assert "rejected line 2: together would refuse the converted line: FT142" in result.output
    result = _invoke("export", str(source), "--target", "openai", "-o", str(out))
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2  # OpenAI takes both as they are


def test_a_foreign_tokenizer_does_not_price_openai_models(tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(["my invoice is wrong billing"], trainers.WordLevelTrainer(
        special_tokens=["[UNK]"]))
    tok.save(str(tmp_path / "tokenizer.json"))
    source = write_jsonl(tmp_path / "in.jsonl", [chat(user=f"invoice {i}") for i in range(12)])
    result = _invoke("cost", str(source), "--tokenizer", str(tmp_path / "tokenizer.json"),
                     "-f", "json")
    report = json.loads(result.stdout)
    assert report["stats"]["cost"]["rows"] == []
    assert any(f["code"] == "FT603" and "--tokenizer" in f["message"] for f in report["findings"])


def test_import_from_an_unknown_name_lists_targets_and_formats(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat()])
    result = _invoke("import", str(source), "--from", "nope", "-o", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2
    assert "neither a target (openai, together" in result.output
    assert "nor a line format (openai-chat" in result.output

"""`ftprep export`, `ftprep import` and `ftprep targets` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ftprep.cli import cli
from ftprep.targets import TARGETS, get_target
from ftprep.targets.table import markdown_table, target_row, target_rows

DOCS = Path(__file__).resolve().parent.parent / "docs" / "targets.md"
GOLDEN = Path(__file__).resolve().parent / "golden" / "targets"


def _write(path: Path, records: list[Any], tail: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail, encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _chat(i: int, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "system", "content": "Be kind."},
                         {"role": "user", "content": f"question {i}"},
                         {"role": "assistant", "content": f"answer {i}", **extra}]}


def test_export_then_import_round_trips(tmp_path: Path) -> None:
    source = _write(tmp_path / "train.jsonl", [_chat(i) for i in range(10)])
    runner = CliRunner()
    for target in ("vertex-gemini", "bedrock-nova", "bedrock-claude", "sharegpt", "alpaca",
                   "trl", "together", "mistral"):
        out = tmp_path / f"{target}.jsonl"
        result = runner.invoke(cli, ["export", str(source), "--target", target, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "converted 10 of 10 line(s)" in result.stderr
        assert "dropped: nothing" in result.stderr
        assert runner.invoke(cli, ["validate", "--target", target, str(out)]).exit_code == 0
        back = tmp_path / f"{target}-back.jsonl"
        result = runner.invoke(cli, ["import", str(out), "--from", target, "-o", str(back)])
        assert result.exit_code == 0, result.output
        assert _read(back) == _read(source)


def test_export_reports_drops_per_line_and_rejects(tmp_path: Path) -> None:
    partly = _chat(0, weight=0)
    partly["messages"] += [{"role": "user", "content": "more"}, {"role": "assistant", "content": "yes"}]
    records = [partly, _chat(1), {"messages": [{"role": "user", "content": "q"}]}]
    source = _write(tmp_path / "in.jsonl", records, tail="{broken\n")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    result = CliRunner().invoke(cli, ["export", str(source), "-t", "alpaca", "-o", str(out),
                                      "--rejects", str(rejects)])
    assert result.exit_code == 1  # some lines could not be converted
    err = result.stderr
    assert "converted 2 of 4 line(s) from openai-chat to alpaca (2 rejected)" in err
    assert "dropped: weight on 1 line(s)" in err
    assert "line 1: weight at $.messages[2].weight (was 0: this reply is now trained on)" in err
    assert "rejected line 3: alpaca cannot express this conversation" in err
    assert "rejected line 4: not valid JSON" in err
    assert len(_read(out)) == 2
    assert [r["line"] for r in _read(rejects)] == [3, 4]


def test_export_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [_chat(0)])
    before = source.read_bytes()
    result = CliRunner().invoke(cli, ["export", str(source), "-t", "sharegpt", "-o", str(source)])
    assert result.exit_code == 2
    assert "is the input file" in result.output
    assert source.read_bytes() == before


def test_export_usage_errors(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [_chat(0)])
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(source), "-t", "azure", "-o", "x.jsonl"])
    assert result.exit_code == 2 and "use one of openai" in result.output
    result = runner.invoke(cli, ["export", str(source), "-t", "vertex-gemini", "--line-format",
                                 "alpaca", "-o", "x.jsonl"])
    assert result.exit_code == 2 and "vertex-gemini takes vertex-gemini" in result.output
    result = runner.invoke(cli, ["export", str(tmp_path / "missing.jsonl"), "-t", "trl", "-o",
                                 str(tmp_path / "x.jsonl")])
    assert result.exit_code != 0 and not (tmp_path / "x.jsonl").exists()


def test_export_chooses_among_the_targets_formats(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [_chat(0, weight=1)])
    out = tmp_path / "pc.jsonl"
    result = CliRunner().invoke(cli, ["export", str(source), "-t", "trl", "--line-format",
                                      "trl-prompt-completion", "-o", str(out)])
    assert result.exit_code == 0
    assert _read(out) == [{"prompt": _chat(0)["messages"][:2],
                           "completion": [{"role": "assistant", "content": "answer 0"}]}]
    assert "weight on 1 line(s)" in result.stderr  # TRL documents no weight


def test_export_to_together_keeps_tool_calls(tmp_path: Path) -> None:
    line = json.loads((GOLDEN / "openai" / "valid.jsonl").read_text().splitlines()[2])
    source = _write(tmp_path / "in.jsonl", [line])
    out = tmp_path / "together.jsonl"
    result = CliRunner().invoke(cli, ["export", str(source), "-t", "together", "-o", str(out)])
    assert result.exit_code == 0
    assert "tool" not in result.stderr  # nothing dropped: Together documents function calling
    assert _read(out) == [line]


def test_import_reads_any_format_of_the_named_target(tmp_path: Path) -> None:
    out = tmp_path / "chat.jsonl"
    result = CliRunner().invoke(cli, ["import", str(GOLDEN / "trl" / "valid-prompt-completion.jsonl"),
                                      "--from", "trl", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [m["role"] for m in _read(out)[0]["messages"]] == ["user", "assistant"]
    result = CliRunner().invoke(cli, ["import", str(GOLDEN / "alpaca" / "valid.jsonl"),
                                      "--from", "sharegpt", "-o", str(out)])
    assert result.exit_code == 1 and "line is not in sharegpt" in result.stderr
    result = CliRunner().invoke(cli, ["import", "x.jsonl", "--from", "nope", "-o", str(out)])
    assert result.exit_code == 2


def test_export_to_stdout(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [_chat(0)])
    result = CliRunner().invoke(cli, ["export", str(source), "-t", "bedrock-claude", "-o", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"system": "Be kind.", "messages": _chat(0)["messages"][1:]}


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_targets_lists_every_target(fmt: str) -> None:
    result = CliRunner().invoke(cli, ["targets", "-f", fmt])
    assert result.exit_code == 0
    for name in TARGETS:
        assert name in result.stdout
    if fmt == "json":
        rows = json.loads(result.stdout)
        assert {r["name"] for r in rows} == set(TARGETS)


def test_targets_detail_shows_notes_and_unverified() -> None:
    result = CliRunner().invoke(cli, ["targets", "together"])
    assert result.exit_code == 0
    assert "50.1 GiB (unverified)" in result.stdout
    assert "Semantic checks run on the server" in result.stdout
    assert "ftprep validate --target together FILE" in result.stdout
    assert CliRunner().invoke(cli, ["targets", "nope"]).exit_code == 2


def test_price_lookup_is_pluggable_and_tolerant() -> None:
    nova = get_target("bedrock-nova")
    row = target_row(nova, price_lookup=lambda t: [
        {"provider": "aws", "model": "nova-micro", "training_per_1m": 1.5, "unit": "USD/1M"}])
    assert row["prices"] == ["nova-micro 1.5 USD/1M"]
    assert isinstance(target_row(nova)["prices"], list)  # with or without prices.json


def test_docs_table_is_current() -> None:
    text = DOCS.read_text(encoding="utf-8")
    begin = "<!-- targets:begin (generated by `ftprep targets --format markdown`) -->\n"
    start = text.index(begin) + len(begin)
    end = text.index("<!-- targets:end -->")
    assert text[start:end] == markdown_table(target_rows()), (
        "docs/targets.md is stale: paste `ftprep targets --format markdown` between the markers")
    for name in TARGETS:
        assert f"--target {name}" in text, f"docs/targets.md has no command for {name}"


def test_validate_takes_the_target_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "ftprep.toml"
    config.write_text('target = "bedrock-nova"\n', encoding="utf-8")
    source = _write(tmp_path / "chat.jsonl", [_chat(i) for i in range(10)])
    result = CliRunner().invoke(cli, ["validate", "--config", str(config), "-f", "json",
                                      str(source)])
    assert result.exit_code == 1
    assert "FT140" in {f["code"] for f in json.loads(result.stdout)["findings"]}
    # The default target in GeneralConfig is not a choice the user made: no target rules.
    config.write_text("strict = false\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--config", str(config), str(source)])
    assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["validate", "--target", "azure", str(source)])
    assert result.exit_code == 2 and "use one of openai" in result.output


def test_export_rejects_lines_the_target_would_refuse(tmp_path: Path) -> None:
    # Assistant first is fine for OpenAI but not for Bedrock Nova: rejected with the
    # target's own finding, so that what export writes passes `validate --target`.
    first = {"messages": [{"role": "assistant", "content": "Hello!"},
                          {"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]}
    source = _write(tmp_path / "in.jsonl", [_chat(0), first])
    out, rejects = tmp_path / "nova.jsonl", tmp_path / "r.jsonl"
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(source), "-t", "bedrock-nova", "-o", str(out),
                                 "--rejects", str(rejects)])
    assert result.exit_code == 1
    assert "rejected line 2: bedrock-nova would refuse the converted line: FT144" in result.stderr
    assert len(_read(out)) == 1 and [r["line"] for r in _read(rejects)] == [2]
    assert runner.invoke(cli, ["validate", "--target", "bedrock-nova", str(out), "--select",
                               "FT144"]).exit_code == 0


def test_export_passes_preference_lines_through_and_guards_every_output(tmp_path: Path) -> None:
    dpo = {"input": {"messages": [{"role": "user", "content": "q"}]},
           "preferred_output": [{"role": "assistant", "content": "good"}],
           "non_preferred_output": [{"role": "assistant", "content": "bad"}]}
    source = _write(tmp_path / "dpo.jsonl", [dpo])
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(source), "-t", "openai", "--line-format",
                                 "openai-dpo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _read(out) == [dpo]
    before = source.read_bytes()
    clash = runner.invoke(cli, ["export", str(source), "-t", "openai", "-o", str(out),
                                "--rejects", str(source)])
    assert clash.exit_code == 2 and "rejects file" in clash.output and source.read_bytes() == before
    missing = runner.invoke(cli, ["import", str(tmp_path / "nope.jsonl"), "--from", "alpaca",
                                  "-o", str(out)])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_prompt_completion_says_which_replies_stop_being_trained(tmp_path: Path) -> None:
    two_turns = {"messages": [{"role": "user", "content": "q1"},
                              {"role": "assistant", "content": "a1"},
                              {"role": "user", "content": "q2"},
                              {"role": "assistant", "content": "a2"}]}
    source = _write(tmp_path / "in.jsonl", [two_turns])
    out, back = tmp_path / "pc.jsonl", tmp_path / "back.jsonl"
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(source), "-t", "trl", "--line-format",
                                 "trl-prompt-completion", "-o", str(out)])
    assert result.exit_code == 0
    assert "trained turns at $.messages[1] (an earlier reply goes into the prompt" in result.stderr
    assert runner.invoke(cli, ["import", str(out), "--from", "trl", "-o", str(back)]).exit_code == 0
    # Back in chat format the prompt's reply says it is not trained on.
    assert _read(back)[0]["messages"][1] == {"role": "assistant", "content": "a1", "weight": 0}

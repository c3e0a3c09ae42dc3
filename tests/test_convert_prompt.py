"""A system prompt is in every line: convert redacts its PII as validate's FT510 judges it
(the same detector and allow list), so that no line it writes is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROWS = "text,label\n" + "".join(f"My invoice number {i} is wrong,billing\n" for i in range(12))
PROMPT = "You are Acme support.\n  Indented line stays.\nContact: ops@acme.example"


def _run(tmp_path: Path, run_cli, config: str = "") -> tuple[object, Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text(ROWS, encoding="utf-8")
    (tmp_path / "prompt.txt").write_text(PROMPT, encoding="utf-8")
    cfg = tmp_path / "ftprep.toml"
    cfg.write_text(config, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = run_cli("convert", str(src), "-o", str(out), "--config", str(cfg), "-f", "json",
                     "--system-prompt", f"@{tmp_path / 'prompt.txt'}")
    return result, out, cfg


def test_pii_in_the_system_prompt_is_redacted_and_said(tmp_path: Path, run_cli) -> None:
    result, out, cfg = _run(tmp_path, run_cli)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["messages"][0]["content"] == PROMPT.replace("ops@acme.example", "[EMAIL]")
    assert summary["redactions"] == {"EMAIL": 1}  # once, not once a line
    assert any("system prompt" in w for w in summary["warnings"])
    assert "ops@acme.example" not in result.stdout
    assert run_cli("validate", str(out), "--config", str(cfg)).exit_code == 0


def test_an_allowed_value_stays_in_the_system_prompt(tmp_path: Path, run_cli) -> None:
    result, out, cfg = _run(tmp_path, run_cli, '[rules.pii]\nallow = ["ops@acme.example"]\n')
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["messages"][0]["content"] == PROMPT
    assert json.loads(result.stdout)["redactions"] == {}
    assert run_cli("validate", str(out), "--config", str(cfg)).exit_code == 0


def _convert(tmp_path: Path, run_cli, *args: str) -> tuple[object, Path]:
    src = tmp_path / "in.csv"
    src.write_text(ROWS, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    return run_cli("convert", str(src), "-o", str(out), *args), out


@pytest.mark.parametrize(("inline", "content"), [("   ", None), ("", None), (None, "   \n"),
                                                 (None, ""), (None, "\n")])
def test_an_empty_system_prompt_is_a_usage_error(tmp_path: Path, run_cli, inline: str | None,
                                                 content: str | None) -> None:
    prompt = tmp_path / "prompt.txt"
    if content is not None:
        prompt.write_text(content, encoding="utf-8")
    value = inline if inline is not None else f"@{prompt}"
    result, out = _convert(tmp_path, run_cli, "--system-prompt", value)
    assert result.exit_code == 2
    shown = f"@{prompt}" if inline is None else repr(inline)
    assert f"the system prompt ({shown}) is empty: write one or leave the option out" in result.output
    assert not out.exists() and not (tmp_path / "o.rejects.jsonl").exists()


def test_an_empty_system_prompt_in_the_config_names_the_file(tmp_path: Path, run_cli) -> None:
    cfg = tmp_path / "ftprep.toml"
    cfg.write_text('[convert]\nsystem-prompt = " "\n', encoding="utf-8")
    result, out = _convert(tmp_path, run_cli, "--config", str(cfg))
    assert result.exit_code == 2
    assert f"{cfg}: system-prompt in [convert]: the system prompt (' ') is empty" in result.output
    assert "leave the key out" in result.output and not out.exists()


@pytest.mark.parametrize(("encoding", "looks"), [("utf-16", "UTF-16 with a byte-order mark"),
                                                 ("utf-16-le", "UTF-16-LE"),
                                                 ("cp1252", "cp1252")])
def test_a_prompt_file_not_in_utf8_says_what_it_looks_like(tmp_path: Path, run_cli,
                                                          encoding: str, looks: str) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("You are the support team of Café Müller. Answer politely and briefly.",
                      encoding=encoding)
    result, out = _convert(tmp_path, run_cli, "--system-prompt", f"@{prompt}")
    assert result.exit_code == 2
    assert f"{prompt}: the system prompt file is not UTF-8 (it looks like {looks}" in result.output
    assert "save it as UTF-8" in result.output and not out.exists()


def test_a_prompt_file_with_a_utf8_bom_is_read_without_it(tmp_path: Path, run_cli) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("You are Acme support.", encoding="utf-8-sig")
    result, out = _convert(tmp_path, run_cli, "--system-prompt", f"@{prompt}")
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["messages"][0]["content"] == "You are Acme support."

"""A system prompt is in every line: convert redacts its PII as validate's FT510 judges it
(the same detector and allow list), so that no line it writes is refused."""

from __future__ import annotations

import json
from pathlib import Path

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

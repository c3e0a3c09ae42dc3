"""`ftprep export` against each target's documented rules (the QA report of 2026-11-29):
what it rejects, what it changes and what it says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ftprep.cli import cli


def _write(path: Path, lines: list[Any]) -> Path:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _export(tmp_path: Path, lines: list[Any], target: str, *extra: str) -> tuple[Any, Path]:
    source = _write(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["export", str(source), "-t", target, "-o", str(out),
                                      *extra])
    return result, out


def _msgs(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"messages": [{"role": role, "content": text} for role, text in pairs]}


def test_a_repeated_key_rejects_the_line_with_ft109(tmp_path: Path) -> None:
    lines = [
        '{"messages": [{"role": "user", "content": "Refund please"}, {"role": "assistant", '
        '"content": "Refund issued."}], "messages": [{"role": "user", "content": "Other"}, '
        '{"role": "assistant", "content": "Other answer."}]}',
        '{"messages": [{"role": "user", "content": "Hi", "role": "assistant"}, '
        '{"role": "assistant", "content": "Hello"}]}',
    ]
    for target in ("openai", "sharegpt", "vertex-gemini"):
        result, out = _export(tmp_path, lines, target)
        assert result.exit_code == 1, result.stderr
        assert out.read_text() == ""
        assert "rejected line 1: FT109 $: key \"messages\" appears 2 times" in result.stderr
        assert "rejected line 2: FT109 $.messages[0]: key \"role\"" in result.stderr
        assert "remove the extra key" in result.stderr

"""Where reports go and what they survive: `-o -`, file names that are not UTF-8, and
consoles that cannot encode every character."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import chat, write_jsonl

ROOT = Path(__file__).parents[1]


@pytest.mark.skipif(sys.platform == "win32", reason="Windows file names are always Unicode")
@pytest.mark.parametrize(("command", "output_format"), [
    ("validate", "json"), ("validate", "text"), ("validate", "github"),
    ("check", "markdown"), ("check", "html"),
])
def test_report_file_for_an_input_whose_name_is_not_utf8(tmp_path: Path, run_cli, command: str,
                                                         output_format: str) -> None:
    name = os.fsdecode(b"bad\xffname.jsonl")
    write_jsonl(tmp_path / name, [chat()] * 12)
    report = tmp_path / f"report.{output_format}"
    result = run_cli(command, str(tmp_path / name), "-f", output_format, "-o", str(report))
    assert result.exit_code == 0, result.output
    text = report.read_text(encoding="utf-8")
    if output_format == "json":  # a real backslash, so the JSON stays valid
        assert json.loads(text)["files"][0]["path"].endswith("bad\\xffname.jsonl")
    else:
        assert "bad\\xffname" in text


@pytest.mark.parametrize(("output_format", "expected"), [
    ("text", "\\u00e9t\\u00e9"), ("markdown", "\\u274c"), ("json", "\\u00e9t\\u00e9"),
    ("github", "\\u00e9t\\u00e9"), ("html", "<!DOCTYPE html>"),
])
def test_a_stdout_that_is_not_utf8_gets_escapes_not_a_traceback(tmp_path: Path, output_format: str,
                                                                expected: str) -> None:
    file = write_jsonl(tmp_path / "été.jsonl", [chat(user="café ☕ 東京", reply="billing")] * 3)
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "ftprep", "cost", str(file), "-f", output_format],
                         capture_output=True, env=env, cwd=tmp_path)
    assert b"Traceback" not in run.stderr, run.stderr.decode("ascii", "replace")
    assert run.returncode == 1  # 3 examples: too few, a finding, not a crash
    out = run.stdout.decode("ascii")
    assert expected in out
    if output_format == "json":  # the escapes are JSON's own: it still parses, names intact
        assert json.loads(out)["files"][0]["path"].endswith("été.jsonl")
    if output_format == "text":  # ftprep's own bars are drawn in ASCII, not escaped
        assert "\\u2588" not in out and "####" in out


def test_output_dash_is_stdout(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    file = write_jsonl(tmp_path / "ok.jsonl", [chat(user=f"ticket {i}") for i in range(60)])
    result = run_cli("validate", str(file), "-f", "json", "-o", "-")
    assert result.exit_code == 0 and json.loads(result.stdout)["summary"]["errors"] == 0
    assert not (tmp_path / "-").exists()
    train, val = tmp_path / "t.jsonl", tmp_path / "v.jsonl"
    split = run_cli("split", str(file), "-o", str(train), "--validation-out", str(val), "-f", "json",
                    "--report", "-")
    assert split.exit_code == 0 and json.loads(split.stdout)["stats"]["split"]["train"] == 48
    assert not (tmp_path / "-").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE is POSIX")
@pytest.mark.parametrize("args", [("rules",), ("validate", "{big}", "-f", "json"),
                                  ("validate", "{big}", "--max-per-code", "0")])
def test_a_reader_that_goes_away_ends_the_run_quietly_with_141(tmp_path: Path,
                                                              args: tuple[str, ...]) -> None:
    big = write_jsonl(tmp_path / "big.jsonl", [{"messages": [{"role": "user", "content": ""}]}] * 3000)
    command = [sys.executable, "-m", "ftprep", *(a.format(big=big) for a in args)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # As `| head -c 1`: the reader takes a byte, or none, and closes the pipe.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr

"""The hook as pre-commit runs it: entry + args + the staged files its pattern matches."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml  # pre-commit depends on PyYAML
from helpers import REPO, chat, write_jsonl

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())


def run_hook(hook: dict, files: list[Path]) -> subprocess.CompletedProcess[str]:
    matched = [str(f) for f in files if re.search(hook["files"], str(f))]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "ftprep"
    cmd = [sys.executable, "-m", "ftprep", *entry[1:], *hook.get("args", []), *matched]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_hook_definition() -> None:
    (hook,) = HOOKS
    assert hook["id"] == "ftprep-validate" and hook["language"] == "python"
    assert re.search(hook["files"], "data/train.jsonl")
    assert not re.search(hook["files"], "data/train.json")
    assert "ftprep-validate" in (REPO / "README.md").read_text()


def test_hook_passes_good_and_fails_bad_files(tmp_path: Path) -> None:
    (hook,) = HOOKS
    good = write_jsonl(tmp_path / "good.jsonl", [chat()] * 60)
    notes = tmp_path / "notes.txt"
    notes.write_text("not jsonl")
    ok = run_hook(hook, [good, notes])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = write_jsonl(tmp_path / "bad.jsonl", [chat(), "{oops"], pad_to=60)
    failed = run_hook(hook, [good, bad])
    assert failed.returncode == 1
    assert "bad.jsonl" in failed.stdout and "FT103" in failed.stdout
    assert "Traceback" not in failed.stderr

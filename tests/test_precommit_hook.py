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
    matched = [str(f) for f in files if re.search(hook["files"], str(f))
               and not re.search(hook.get("exclude", "^$"), str(f))]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "ftprep"
    cmd = [sys.executable, "-m", "ftprep", *entry[1:], *hook.get("args", []), *matched]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_hook_definition() -> None:
    (hook,) = HOOKS
    assert hook["id"] == "ftprep-validate" and hook["language"] == "python"
    assert re.search(hook["files"], "data/train.jsonl")
    assert not re.search(hook["files"], "data/train.json")
    # What convert and split reject is kept beside their output, and fails by design.
    assert re.search(hook["exclude"], "data/train.rejects.jsonl")
    assert not re.search(hook["exclude"], "data/train.jsonl")
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


def test_real_pre_commit_runs_the_hook(tmp_path: Path) -> None:
    """pre-commit itself: installs ftprep from this checkout into its own environment
    (from the package index, as a user's machine would) and runs the hook on staged files."""
    import os
    import shutil

    if shutil.which("git") is None or not (REPO / ".git").exists():
        import pytest

        pytest.skip("needs git and a git checkout of ftprep")
    work = tmp_path / "repo"
    work.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    write_jsonl(work / "good.jsonl", [chat()] * 60)
    write_jsonl(work / "bad.jsonl", [chat(), "{oops"], pad_to=60)
    (work / "notes.md").write_text("not checked")
    subprocess.run(["git", "add", "."], cwd=work, check=True)
    result = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "ftprep-validate",
                             "--all-files"], cwd=work, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bad.jsonl" in result.stdout and "FT103" in result.stdout
    assert "notes.md" not in result.stdout.split("ftprep validate")[-1]

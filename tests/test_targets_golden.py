"""Golden files: tests/golden/targets/<target>/valid*.jsonl pass `ftprep validate
--target <target>` (exit 0); invalid-<CODE>-*.jsonl fail (exit 1) naming CODE."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ftprep.cli import cli
from ftprep.targets import TARGETS

GOLDEN = Path(__file__).resolve().parent / "golden" / "targets"
FILES = sorted(GOLDEN.glob("*/*.jsonl"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _validate(path: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["validate", "--target", path.parent.name, "-f", "json",
                                      str(path)])
    return result.exit_code, json.loads(result.stdout)


def test_every_target_has_valid_and_invalid_golden_files() -> None:
    for name in TARGETS:
        stems = [p.stem for p in (GOLDEN / name).glob("*.jsonl")]
        assert any(s.startswith("valid") for s in stems), name
        assert any(s.startswith("invalid-FT") for s in stems), name


@pytest.mark.parametrize("path", [p for p in FILES if p.stem.startswith("valid")], ids=_id)
def test_valid_file_passes(path: Path) -> None:
    code, report = _validate(path)
    errors = [f for f in report["findings"] if f["severity"] == "error"]  # type: ignore[union-attr]
    assert code == 0, errors
    [summary] = report["files"]  # type: ignore[misc]
    assert path.parent.name in summary["accepted_by"]


@pytest.mark.parametrize("path", [p for p in FILES if p.stem.startswith("invalid")], ids=_id)
def test_invalid_file_fails_with_its_code(path: Path) -> None:
    match = re.match(r"invalid-(FT\d{3})-", path.stem)
    assert match, f"name invalid files invalid-FTnnn-what.jsonl: {path.name}"
    code, report = _validate(path)
    assert code == 1
    found = {f["code"] for f in report["findings"] if f["severity"] == "error"}  # type: ignore[union-attr]
    assert match.group(1) in found

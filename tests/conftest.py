from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import corpus_dir


@pytest.fixture
def corpus() -> Path:
    path = corpus_dir()
    if not path.is_dir():
        pytest.skip(f"third-party corpus not found at {path} (set FTPREP_CORPUS)")
    return path


@pytest.fixture
def run_cli():
    from ftprep.cli import cli

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run

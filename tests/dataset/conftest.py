"""Fixtures of the dataset-level tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from dataset_helpers import Record, write_jsonl


@pytest.fixture
def jsonl(tmp_path: Path) -> Callable[..., Path]:
    def make(records: Sequence[Record | str], name: str = "data.jsonl") -> Path:
        return write_jsonl(tmp_path / name, records)
    return make

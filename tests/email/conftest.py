"""Fixtures for the email loader tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from email_helpers import CORPUS

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def emails_corpus() -> Path:
    path = CORPUS / "emails"
    if not path.is_dir():
        pytest.skip(f"third-party email corpus not found at {path} (set FTPREP_CORPUS)")
    return path

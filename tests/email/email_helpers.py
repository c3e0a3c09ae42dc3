"""Paths and helpers shared by the email loader tests (imported as a plain module)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftprep.loaders.email import EmailOptions, load_email
from ftprep.records import Example, Rejected

if TYPE_CHECKING:
    from collections.abc import Sequence

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
# The repo is /work/<tree>; the third-party corpus is /work/shared/corpus.
CORPUS = Path(os.environ.get("FTPREP_CORPUS") or REPO.parent / "shared" / "corpus")


def load(paths: Sequence[Path], **options: Any) -> tuple[list[Example], list[Rejected]]:
    """Examples and rejects, checking that nothing else comes out."""
    examples: list[Example] = []
    rejected: list[Rejected] = []
    for record in load_email(list(paths), EmailOptions(**options)):
        if isinstance(record, Example):
            examples.append(record)
        else:
            assert isinstance(record, Rejected)
            rejected.append(record)
    return examples, rejected


def message_count(examples: list[Example], rejected: list[Rejected]) -> int:
    """Messages read, by the loader's accounting rule: examples + merged + rejected."""
    return len(examples) + sum(len(e.merged) for e in examples) + len(rejected)

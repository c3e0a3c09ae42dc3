"""Helpers shared by the tests (a module of its own: test folders have their own conftest)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path:
    """The third-party corpus: $FTPREP_CORPUS, or ../shared/corpus beside the checkout."""
    env = os.environ.get("FTPREP_CORPUS")
    return Path(env) if env else REPO.parent / "shared" / "corpus"


def chat(user: str = "My invoice is wrong", reply: str = "billing", **extra: Any) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "Classify the ticket."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": reply},
        ],
        **extra,
    }


def write_jsonl(path: Path, records: list[Any], *, pad_to: int = 0) -> Path:
    """Write records (dicts are JSON-encoded, str/bytes written raw), padded with valid
    examples up to `pad_to` lines so that example-count checks stay quiet."""
    lines: list[bytes] = []
    for record in records:
        if isinstance(record, bytes):
            lines.append(record)
        elif isinstance(record, str):
            lines.append(record.encode("utf-8"))
        else:
            lines.append(json.dumps(record).encode("utf-8"))
    while len(lines) < pad_to:
        lines.append(json.dumps(chat(user=f"padding example {len(lines)}")).encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path

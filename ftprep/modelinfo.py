"""Model -> tokenizer and training limits, from the declarative table in data/models.json.

Resolution is longest-prefix-first on the *base* model name, so fine-tuned names such as
`ft:gpt-4.1-mini-2025-04-14:org::id` resolve through `gpt-4.1-mini` (tiktoken's own
prefix list sends `ft:gpt-4.1...` to cl100k_base via its `ft:gpt-4` entry).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

#: Used for models the table does not know. An estimate: the caller must label it.
FALLBACK_ENCODING = "o200k_base"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What ftprep knows about one model name."""

    name: str
    base: str
    matched: str | None
    encoding: str
    exact: bool
    max_tokens_per_example: int | None
    trainable_until: date | None
    notes: tuple[str, ...]
    source: str
    # Listed for vision fine-tuning (images in training examples) in ftprep's sources.
    vision: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base": self.base,
            "matched": self.matched,
            "encoding": self.encoding,
            "exact": self.exact,
            "max_tokens_per_example": self.max_tokens_per_example,
            "trainable_until": self.trainable_until.isoformat() if self.trainable_until else None,
            "notes": list(self.notes),
            "source": self.source,
            "vision": self.vision,
        }


@dataclass(frozen=True, slots=True)
class _Row:
    prefix: str
    encoding: str
    max_tokens_per_example: int | None
    trainable_until: date | None
    source: str
    notes: tuple[str, ...]
    vision: bool


@functools.cache
def _rows() -> tuple[_Row, ...]:
    text = resources.files("ftprep").joinpath("data/models.json").read_text(encoding="utf-8")
    rows = []
    for raw in json.loads(text)["rows"]:
        until = raw.get("trainable_until")
        rows.append(
            _Row(
                prefix=raw["prefix"],
                encoding=raw["encoding"],
                max_tokens_per_example=raw.get("max_tokens_per_example"),
                trainable_until=date.fromisoformat(until) if until else None,
                source=raw.get("source", ""),
                notes=tuple(raw.get("notes", ())),
                vision=bool(raw.get("vision", False)),
            )
        )
    # Longest prefix first, so gpt-4.1-mini wins over gpt-4.1 and gpt-4o over gpt-4.
    rows.sort(key=lambda r: len(r.prefix), reverse=True)
    return tuple(rows)


def base_model(model: str) -> str:
    """The base model behind a (possibly fine-tuned) model name, lower-cased.

    `ft:gpt-4o-mini-2024-07-18:org:suffix:id` -> `gpt-4o-mini-2024-07-18`;
    Azure's `gpt-4o-mini-2024-07-18.ft-abc123` -> `gpt-4o-mini-2024-07-18`.
    """
    name = model.strip().lower()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    dot_ft = name.find(".ft-")
    if dot_ft > 0:
        name = name[:dot_ft]
    return name


def matches_prefix(name: str, prefix: str) -> bool:
    """True if `name` is `prefix` or continues it with '-' (a snapshot or variant).

    The boundary keeps `gpt-4` from claiming `gpt-4o` or `gpt-4.7`: an unknown name
    must fall through to the labelled estimate rather than a confident wrong tokenizer.
    """
    return name == prefix or name.startswith(prefix + "-")


def _find(model: str) -> tuple[str, _Row | None]:
    base = base_model(model)
    for row in _rows():
        if matches_prefix(base, row.prefix):
            return base, row
    return base, None


def encoding_name_for_model(model: str) -> tuple[str, bool]:
    """(tiktoken encoding name, exact?) for a model name. Unknown models get
    o200k_base with exact=False: the count is an estimate and must be labelled so."""
    _, row = _find(model)
    if row is None:
        return FALLBACK_ENCODING, False
    return row.encoding, True


def model_info(model: str) -> ModelInfo:
    """Everything the model table says about `model` (see data/models.json)."""
    base, row = _find(model)
    if row is None:
        return ModelInfo(
            name=model,
            base=base,
            matched=None,
            encoding=FALLBACK_ENCODING,
            exact=False,
            max_tokens_per_example=None,
            trainable_until=None,
            notes=(f"unknown model {model!r}: counted with {FALLBACK_ENCODING} as an estimate",),
            source="",
        )
    return ModelInfo(
        name=model,
        base=base,
        matched=row.prefix,
        encoding=row.encoding,
        exact=True,
        max_tokens_per_example=row.max_tokens_per_example,
        trainable_until=row.trainable_until,
        notes=row.notes,
        source=row.source,
        vision=row.vision,
    )

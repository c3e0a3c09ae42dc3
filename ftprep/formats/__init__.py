"""Line formats: the shape of one JSONL line for each training target.

Each format is a TypedDict validated by a pydantic TypeAdapter (built on first use, so
that importing this package stays cheap), a set of keys that identify it, and a function
that returns the conversation the line-level checks look at.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import TypeAdapter

Record = dict[str, Any]


def _chat_conversation(record: Record) -> list[Record]:
    messages: list[Record] = record["messages"]
    return messages


def _dpo_conversation(record: Record) -> list[Record]:
    messages: list[Record] = record["input"]["messages"]
    return [*messages, *record["preferred_output"]]


def _dpo_rejected(record: Record) -> tuple[list[Record], int, str]:
    messages: list[Record] = record["input"]["messages"]
    return [*messages, *record["non_preferred_output"]], len(messages), "$.non_preferred_output"


def _chat_message_path(record: Record, index: int) -> str:
    return f"$.messages[{index}]"


def _dpo_message_path(record: Record, index: int) -> str:
    n_input = len(record["input"]["messages"])
    return f"$.input.messages[{index}]" if index < n_input else "$.preferred_output[0]"


@dataclass(frozen=True)
class LineFormat:
    name: str
    title: str
    type_path: str  # "module:TypedDict", imported on first use
    keys: frozenset[str]  # top-level keys that identify a line of this format
    conversation: Callable[[Record], list[Record]]
    # JSON path of the message at a place in `conversation(record)`.
    message_path: Callable[[Record, int], str]
    description: str = ""
    # Optional test beyond the keys, for formats that share keys with another one
    # (bedrock-claude is `messages` plus a string `system`); see detect_format.
    claims: Callable[[Record], bool] | None = None
    # Formats whose messages are not OpenAI-shaped map a check's path relative to the
    # canonical message (".content[1].text") onto their own: (record, index, relative).
    field_path: Callable[[Record, int, str], str] | None = None
    # A second conversation the line trains on, not in `conversation` (a preference
    # line's rejected answer): (messages, index of its first own message, JSON path of
    # the array those messages are in). The message checks run on it too.
    rejected: Callable[[Record], tuple[list[Record], int, str]] | None = None
    # Fix suggestions by field name for schema errors, where OpenAI's do not fit.
    fixes: Mapping[str, str] = field(default_factory=dict)
    # Regex of the paths where the format takes a message `weight`; None: it has none.
    weight_on: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def adapter(self) -> TypeAdapter[Any]:
        adapter = self._cache.get("adapter")
        if adapter is None:
            from pydantic import TypeAdapter

            module, _, name = self.type_path.partition(":")
            adapter = TypeAdapter(getattr(importlib.import_module(module), name))
            self._cache["adapter"] = adapter
        return adapter

    def json_schema(self) -> dict[str, Any]:
        schema = self.adapter().json_schema()
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://ftprep.dev/schemas/{self.name}.schema.json",
            "description": self.description,
            **schema,
        }


LINE_FORMATS: dict[str, LineFormat] = {}


def register_format(fmt: LineFormat) -> LineFormat:
    if fmt.name in LINE_FORMATS:
        raise ValueError(f"line format {fmt.name!r} is already registered")
    LINE_FORMATS[fmt.name] = fmt
    return fmt


register_format(
    LineFormat(
        name="openai-chat",
        title="OpenAI chat (supervised fine-tuning)",
        type_path="ftprep.formats.openai_chat:ChatRecord",
        keys=frozenset({"messages"}),
        conversation=_chat_conversation,
        message_path=_chat_message_path,
        description="One line of an OpenAI chat fine-tuning file: messages, optional tools.",
        weight_on=r"\$\.messages\[\d+\]\.weight",
    )
)
register_format(
    LineFormat(
        name="openai-dpo",
        title="OpenAI preference (DPO)",
        type_path="ftprep.formats.openai_dpo:DpoRecord",
        keys=frozenset({"input", "preferred_output", "non_preferred_output"}),
        conversation=_dpo_conversation,
        message_path=_dpo_message_path,
        rejected=_dpo_rejected,
        description="One line of an OpenAI preference (DPO) fine-tuning file.",
    )
)


_VARIANTS: dict[tuple[str, str], LineFormat] = {}


def schema_variant(fmt: LineFormat, type_path: str) -> LineFormat:
    """`fmt` validated against another TypedDict (a target that takes the same lines in
    a looser shape: ftprep.formats.hf_chat). The name stays, so every check and
    conversion treats its lines as `fmt`'s."""
    key = (fmt.name, type_path)
    variant = _VARIANTS.get(key)
    if variant is None:
        variant = _VARIANTS[key] = replace(fmt, type_path=type_path, _cache={})
    return variant


def shaped(fmt: LineFormat, schemas: Iterable[tuple[str, str]]) -> LineFormat:
    """`fmt` in the shape `schemas` ((format name, "module:TypedDict") pairs, as a
    target's `schemas`) give it, or `fmt` itself when they name none for it."""
    for name, type_path in schemas:
        if name == fmt.name:
            return schema_variant(fmt, type_path)
    return fmt


def get_format(name: str) -> LineFormat:
    try:
        return LINE_FORMATS[name]
    except KeyError:
        known = ", ".join(LINE_FORMATS)
        raise KeyError(f"unknown line format {name!r}: use one of {known}") from None


def detect_format(obj: Record, prefer: Iterable[str] | None = None) -> LineFormat | None:
    """The format whose identifying keys the object has; the most specific wins, and a
    format whose `claims` test passes beats one without.

    With `prefer` (a target's formats, used on a file's first line only), a preferred
    format whose keys match and whose schema the object satisfies wins: under --target
    bedrock-claude a line without its optional `system` is a bedrock-claude line. Else a
    valid line of another format keeps that format (so the target can say it does not
    accept it), and an invalid one is explained against the target's own format."""
    found = _most_specific(obj, LINE_FORMATS.values())
    if prefer is None:
        return found
    candidates = sorted((LINE_FORMATS[n] for n in prefer if n in LINE_FORMATS
                         and LINE_FORMATS[n].keys <= obj.keys()), key=lambda f: -len(f.keys))
    for fmt in candidates:
        if _fits(fmt, obj):
            return fmt
    if found is None or found in candidates or not candidates or _fits(found, obj):
        return found
    return candidates[0]


def _fits(fmt: LineFormat, obj: Record) -> bool:
    try:
        fmt.adapter().validate_python(obj)
    except ValueError:
        return False
    return True


def _most_specific(obj: Record, formats: Iterable[LineFormat]) -> LineFormat | None:
    best: LineFormat | None = None
    best_rank = (-1, False)
    for fmt in formats:
        if not fmt.keys <= obj.keys():
            continue
        claimed = fmt.claims is not None and fmt.claims(obj)
        if fmt.claims is not None and not claimed:
            continue
        rank = (len(fmt.keys), claimed)
        if rank > best_rank:
            best, best_rank = fmt, rank
    return best


# The formats of the other training targets (Vertex, Bedrock, ShareGPT, Alpaca, TRL).
from ftprep.formats import peer_formats  # noqa: E402, F401

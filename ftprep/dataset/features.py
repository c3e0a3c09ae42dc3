"""Per-example features: what the dataset checks need from one line, computed once.

An example is split in two: its *input* (every message before the last assistant
message, roles included) and its *output* (the last assistant message). From these come
three 64-bit hashes and a label; the MinHash signature for near-duplicates is computed
later, in batches (see `DatasetFeatures`).

What counts as "the same" text (`normalise`): Unicode NFKC, then case-folded, every run
of punctuation or symbols becomes a space, and whitespace runs collapse to one space. So
"Invoice #4411 -- overdue!" and "invoice 4411 overdue" are the same input; "4411" and
"4412" are not (digits are kept), and neither are two texts that differ by a word.
Images count by a hash of their URL, tool calls by name and arguments, and the example's
`tools` definitions are part of its input hash (the same question with other tools is
another input). The exact hash is over the canonical JSON (sorted keys, no spaces), so
two lines that differ only in key order or spacing are exact duplicates.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ftprep.dataset.near_dupes import MinHashParams
    from ftprep.formats import LineFormat

Record = dict[str, Any]

# JSON fields of a structured reply that hold its class, tried in this order.
LABEL_FIELDS = ("category", "label", "intent", "class")
# What a DatasetFeatures keeps of each reply once hashed: enough to quote it in FT403.
PREVIEW_CHARS = 64

_PUNCT = re.compile(r"[^\w\s]+")
# ASCII text (most of it) goes through one byte table that lower-cases and blanks
# punctuation: the same result as the regex path, several times faster.
_ASCII_TABLE = bytes(
    32 if _PUNCT.fullmatch(chr(c)) else ord(chr(c).lower()) if c < 128 else c
    for c in range(256)
)


def normalise(text: str) -> str:
    """The form in which two texts count as the same (see the module docstring)."""
    if text.isascii():
        text = text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    else:
        text = _PUNCT.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(text.split())


# System prompts repeat on every line; normalising each once saves a third of the time.
_normalise_cached = functools.lru_cache(maxsize=64)(normalise)


def spelling_variants(counts: Mapping[str, int]) -> list[list[str]]:
    """Groups of labels that `normalise` to the same text ("Billing", "billing."), each
    most common first (ties by name): one class written several ways."""
    groups: dict[str, list[str]] = {}
    for label in counts:
        groups.setdefault(normalise(label), []).append(label)
    return [sorted(g, key=lambda s: (-counts[s], s)) for g in groups.values() if len(g) > 1]


def hash64(data: bytes | str) -> int:
    """A 64-bit digest for telling texts apart within one run (Python's SipHash: 0.3 µs
    for a typical example, where SHA-1 took 3 µs). Values differ between runs, and are
    never stored; a forked worker shares its parent's hash key, so its values agree."""
    return hash(data)


def content_text(content: Any) -> str:
    """A message's content as plain text: parts joined by newlines, images as a short
    hash of their URL (so two different images are two different inputs)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    out: list[str] = []
    for part in content:
        if part.get("type") == "text":
            out.append(part.get("text", ""))
        elif part.get("type") == "image_url":
            url = (part.get("image_url") or {}).get("url", "")
            out.append(f"[image {hashlib.blake2b(url.encode(), digest_size=6).hexdigest()}]")
    return "\n".join(out)


def message_text(message: Record) -> str:
    """Content plus tool calls, which are part of what an assistant message says."""
    content = message.get("content")
    if content.__class__ is str and "tool_calls" not in message and "function_call" not in message:
        return content.strip()  # the common case, without the general path's work
    text = content_text(content)
    calls = [c.get("function", {}) for c in message.get("tool_calls") or ()]
    if message.get("function_call"):
        calls.append(message["function_call"])
    for call in calls:
        arguments = call.get("arguments", "")
        if not isinstance(arguments, str):  # an object (--target trl): as its JSON text
            arguments = json.dumps(arguments, ensure_ascii=False)
        text += f"\ncall {call.get('name', '')}({arguments})"
    return text.strip()


def preview(text: str, width: int = 60) -> str:
    """A one-line quotation of a text for messages."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def differing_previews(texts: list[str], width: int = 60) -> list[str]:
    """One-line quotations of texts that start alike ("Hi Aisha, I have checked your
    account ... 17 EUR" against "... 14 EUR"): each from a little before where it first
    differs from the first text (the first from its earliest difference), so that the
    quotations differ wherever the texts do."""
    flat = [" ".join(t.split()) for t in texts]
    if len(flat) < 2:
        return [preview(t, width) for t in flat]
    starts = [len(os.path.commonprefix([flat[0], t])) for t in flat[1:]]  # noqa: RUF071 (characters are meant)
    starts.insert(0, min(starts))
    out = []
    for text, differs in zip(flat, starts, strict=True):
        # A few words of context before the difference; from the start if it is near.
        cut = 0 if differs < width // 2 else text.rfind(" ", 0, differs - 12) + 1
        out.append(preview(text, width) if cut <= 0 else "…" + preview(text[cut:], width - 1))
    return out


@dataclass(slots=True)
class ExampleFeatures:
    """The small summary of one example that dataset checks use instead of the record.

    `input_text` is normalised, one "role: text" line per message; `output_text` is the
    last assistant message as written. `label` is that message's text, or one field of it
    when it is a JSON object (`label_field` names the field). `signature` is the MinHash
    of the input, computed on demand by `minhash()` (`DatasetFeatures` keeps one matrix
    for all its examples instead: `signature_of`).
    """

    line: int
    input_text: str
    output_text: str
    label: str | None
    exact_hash: int
    input_hash: int
    output_hash: int
    label_field: str | None = None
    signature: NDArray[np.uint32] | None = None

    @property
    def shingle_text(self) -> str:
        """The text near-duplicates are measured on: the input's messages without their
        roles and without system messages (a dataset usually shares one system prompt,
        which would make every pair look alike). Falls back to the whole input when it
        has nothing but system messages."""
        pairs = [line.partition(": ") for line in self.input_text.split("\n")]
        texts = [text for _, _, text in pairs]
        return shingles(texts, [text for role, _, text in pairs if role != "system"])

    def minhash(self, params: MinHashParams | None = None) -> NDArray[np.uint32]:
        """The MinHash signature of `shingle_text`, computed on first use."""
        if self.signature is None:
            from ftprep.dataset.near_dupes import MinHashParams, signatures

            self.signature = signatures([self.shingle_text], params or MinHashParams())[0]
        return self.signature


def extract_features(
    line: int, record: Record, fmt: LineFormat | None, *, label_field: str | None = None
) -> ExampleFeatures:
    """Summarise one validated record. `fmt` gives its conversation (chat messages, or a
    preference example's input plus preferred output); without one, `messages` is used.

    `label_field`: the JSON field of a structured reply that holds the label; None tries
    category, label, intent and class, and falls back to the whole reply."""
    return features_and_shingles(line, record, fmt, label_field=label_field)[0]


def features_and_shingles(
    line: int, record: Record, fmt: LineFormat | None, *, label_field: str | None = None
) -> tuple[ExampleFeatures, str]:
    """`extract_features` and the example's `shingle_text`, built in the same loop."""
    messages: list[Record] = fmt.conversation(record) if fmt else record.get("messages") or []
    last = last_assistant(messages)
    input_lines = []
    texts = []
    spoken = []  # the texts of messages other than system prompts
    for message in messages[:last]:
        role = message.get("role", "")
        text = (_normalise_cached if role == "system" else normalise)(message_text(message))
        input_lines.append(f"{role}: {text}")
        texts.append(text)
        if role != "system":
            spoken.append(text)
    input_text = "\n".join(input_lines)
    output_text = message_text(messages[last]) if last < len(messages) else ""

    tools = record.get("tools") or (record.get("input") or {}).get("tools")
    input_key: bytes | str = input_text
    if tools:
        input_key = input_text.encode() + b"\x00" + _canonical(tools)
    label, field, output_hash = _output_facts(output_text, label_field)
    example = ExampleFeatures(
        line=line,
        input_text=input_text,
        output_text=output_text,
        label=label,
        exact_hash=hash64(_canonical(record)),
        input_hash=hash64(input_key),
        output_hash=output_hash,
        label_field=field,
    )
    return example, shingles(texts, spoken)


def shingles(texts: list[str], spoken: list[str]) -> str:
    """`shingle_text` from an input's normalised texts and those of its non-system
    messages: the latter, unless they are all empty."""
    return "\n".join(spoken if any(spoken) else texts)


def reply_label(messages: list[Record], *, label_field: str | None = None) -> str | None:
    """The label `extract_features` gives a conversation: its last assistant message, or
    one field of it (for the line checks that need a label without the dataset)."""
    last = last_assistant(messages)
    if last == len(messages):
        return None
    return _label(message_text(messages[last]), label_field)[0]


def last_assistant(messages: list[Record]) -> int:
    """Index of the last assistant message (len(messages) when there is none)."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "assistant":
            return i
    return len(messages)


def _canonical(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


@functools.lru_cache(maxsize=16_384)
def _output_facts(output: str, label_field: str | None) -> tuple[str | None, str | None, int]:
    """(label, its JSON field, hash of the normalised reply): replies repeat (a label, a
    template), so each distinct one is read once."""
    return (*_label(output, label_field), reply_hash(output))


def reply_hash(output: str) -> int:
    """`ExampleFeatures.output_hash` of a reply: replies that differ only in spelling
    (case, spacing, punctuation) hash alike."""
    return hash64(normalise(output))


def _label(output: str, label_field: str | None) -> tuple[str | None, str | None]:
    """(label, the JSON field it came from)."""
    text = output.strip()
    if text.startswith("{"):
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            for key in (label_field,) if label_field else LABEL_FIELDS:
                if key in obj:
                    value = obj[key]
                    if isinstance(value, str):
                        return _intern(value.strip()), key
                    if isinstance(value, bool | int | float):
                        return _intern(json.dumps(value)), key
                    return None, key  # a list or object is not a class
            if label_field:
                return None, None  # the configured field is missing: unlabelled
    return _intern(text), None


def _intern(label: str) -> str | None:
    if not label:
        return None
    # Labels repeat; one shared string per class keeps 100k examples' labels small.
    return sys.intern(label) if len(label) <= 100 else label

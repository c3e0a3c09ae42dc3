"""Canonical chat records <-> each line format, with every loss reported.

The canonical record is an OpenAI chat line ({"messages": [...], "tools"?, ...}), the
richest shape ftprep reads. `from_canonical` first strips what the destination cannot
carry (`strip`, which records a `Drop` for each thing it removes), then encodes what is
left; each encoder is lossless on what it receives. So a conversion either reports a
loss or is a faithful round trip: `to_canonical(from_canonical(r)) == normalize(r)`
when no drop was reported (tests/test_targets_transform.py checks it with hypothesis).

Normal form (`normalize`): a content list holding exactly one text part is the same as a
plain string; Vertex and Nova write both as one text part.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

from ftprep.checks.conversation import blank_content
from ftprep.formats import Record, get_format
from ftprep.formats.errors import explain
from ftprep.formats.peer_formats import ALPACA_INPUT_SEPARATOR
from ftprep.targets import FEATURES

_MESSAGE_PATH = re.compile(r"^\$\.messages\[(\d+)\](.*)$")
# How system messages are merged for a one-system-prompt format, and text parts joined
# for a string-only one: a blank line keeps their boundary.
SYSTEM_JOIN = "\n\n"

# Message keys -> the canonical feature they belong to (ftprep.targets.FEATURES).
_KEY_FEATURE = {"weight": "weight", "name": "name", "refusal": "refusal",
                "tool_calls": "tool calls", "function_call": "tool calls",
                "tool_call_id": "tool calls"}
_RECORD_TOOLS = ("tools", "parallel_tool_calls", "functions")
ALL = frozenset(FEATURES)


@dataclass(frozen=True, slots=True)
class Drop:
    """Something a conversion removed or changed: its kind (a feature name, or "system
    position", "system merged", "parts joined", "input merged", "system role", "empty
    message", "empty system prompt", "extra key", "developer role", "tool call id",
    "tool call arguments"), the
    JSON path in the record converted from, and a note."""

    kind: str
    path: str
    detail: str = ""

    def describe(self) -> str:
        return f"{self.kind} at {self.path}" + (f" ({self.detail})" if self.detail else "")


@dataclass(slots=True)
class Converted:
    record: Record
    drops: list[Drop] = field(default_factory=list)


class ConversionError(ValueError):
    """A record the destination format cannot express at all (the line is rejected)."""


@dataclass(frozen=True)
class Codec:
    format: str
    keeps: frozenset[str]  # features the format can carry
    # System messages anywhere; one leading prompt (later ones dropped); or one prompt
    # that every system message is merged into.
    system: Literal["inline", "single", "merged"]
    content: Literal["parts", "text-parts", "string"]
    encode: Callable[[list[Record], Record], Record]  # (messages, record extras) -> line
    decode: Callable[[Record], Converted]
    # Returns why a (stripped) conversation cannot be written, or None.
    shape: Callable[[list[Record]], str | None] = lambda messages: None


# --- stripping ---------------------------------------------------------------------------

def strip(record: Record, codec: Codec, unsupported: frozenset[str] = frozenset()
          ) -> tuple[list[Record], Record, list[Drop]]:
    """The messages and record-level extras `codec` can write, and what was dropped."""
    keeps = codec.keeps - unsupported
    drops: list[Drop] = []
    extras = {}
    for key in _RECORD_TOOLS:
        if key in record:
            if "tools" in keeps:
                extras[key] = copy.deepcopy(record[key])
            else:
                drops.append(Drop("tools", f"$.{key}"))
    kept: list[tuple[int, Record]] = []
    for i, message in enumerate(record["messages"]):
        result = _strip_message(i, message, keeps, codec.content, drops)
        if result is not None:
            kept.append((i, result))
    _no_new_repeats(kept, codec)
    messages = _place_system(kept, codec, drops)
    if not any(m["role"] != "system" for m in messages):
        raise ConversionError("nothing but a system prompt is left to convert")
    reason = codec.shape(messages)
    if reason:
        raise ConversionError(f"{codec.format} cannot express this conversation: {reason}")
    return messages, extras, drops


def _no_new_repeats(kept: list[tuple[int, Record]], codec: Codec) -> None:
    """Reject a conversation where what was dropped between two turns of one role leaves
    them in a row: the input never said that, and the second turn may rest on what went."""
    turns = [(i, m["role"]) for i, m in kept if codec.system == "inline" or m["role"] != "system"]
    for (i, role), (j, other) in pairwise(turns):
        if role == other and role != "tool" and j > i + 1:
            raise ConversionError(
                f"{codec.format} cannot express this conversation: dropping what lies "
                f"between $.messages[{i}] and $.messages[{j}] leaves two "
                f"{role} turns in a row, which the input did not have; merge the two turns, "
                "or export to a target that keeps what lies between (tool calls ...)")


def _strip_message(i: int, message: Record, keeps: frozenset[str], mode: str,
                   drops: list[Drop]) -> Record | None:
    path = f"$.messages[{i}]"
    role = message["role"]
    if role in ("tool", "function") and "tool calls" not in keeps:
        drops.append(Drop("tool calls", path, f"{role} message"))
        return None
    content = message.get("content")
    if isinstance(content, list):
        parts = []
        for j, part in enumerate(content):
            if part.get("type") == "image_url" and "images" not in keeps:
                drops.append(Drop("images", f"{path}.content[{j}]"))
            else:
                parts.append(copy.deepcopy(part))
        content = _content_for(parts, mode, path, drops)
    out: Record = {"role": role}
    if "content" in message:
        out["content"] = content
    for key, value in message.items():
        feature = _KEY_FEATURE.get(key, key)
        if key in ("role", "content"):
            continue
        if feature in keeps:
            out[key] = copy.deepcopy(value)
        elif key == "weight":
            drops.append(Drop(feature, f"{path}.{key}", "was 0: this reply is now trained on"
                              if value == 0 else "was 1, the default: no effect"))
        else:
            drops.append(Drop(feature, f"{path}.{key}"))
    if content is None and not (out.get("tool_calls") or out.get("function_call")):
        if mode == "parts" and "content" in message and "refusal" in out:
            return out  # a refusal-only reply is valid as it is
        if message.get("tool_calls") or message.get("function_call"):
            # One drop for the whole message rather than one for its calls and another.
            drops[:] = [d for d in drops if not d.path.startswith(f"{path}.")]
            drops.append(Drop("tool calls", path, "an assistant message that only calls tools"))
        else:
            drops.append(Drop("empty message", path, "no text left after the drops"))
        return None
    return out


def _content_for(parts: list[Record], mode: str, path: str, drops: list[Drop]) -> Any:
    if not parts:
        return ""
    if mode == "parts":
        return parts
    if len(parts) == 1:
        return parts[0]["text"]
    if mode == "string":
        drops.append(Drop("parts joined", f"{path}.content", f"{len(parts)} text parts, "
                          "joined with a blank line"))
        return SYSTEM_JOIN.join(p["text"] for p in parts)
    return parts


def _place_system(kept: list[tuple[int, Record]], codec: Codec, drops: list[Drop]
                  ) -> list[Record]:
    if codec.system == "inline":
        return [m for _, m in kept]
    # The system prompt is an optional field here: leave out an empty one (which the
    # target would refuse) rather than the whole conversation.
    blank = {i for i, m in kept if m["role"] == "system" and blank_content(m.get("content"))}
    drops.extend(Drop("empty system prompt", f"$.messages[{i}]", "dropped: the system prompt "
                      "is optional") for i in sorted(blank))
    kept = [(i, m) for i, m in kept if i not in blank]
    leading: list[tuple[int, Record]] = []
    rest: list[Record] = []
    late: set[int] = set()  # system messages after the conversation started
    for i, message in kept:
        if message["role"] != "system":
            rest.append(message)
        elif rest and codec.system == "single":
            drops.append(Drop("system position", f"$.messages[{i}]",
                              "a system message after the conversation started"))
        else:
            leading.append((i, message))
            if rest:
                late.add(i)
    drops.extend(Drop("system merged", f"$.messages[{i}]", "a system message after the "
                      "conversation started, moved into the system prompt")
                 for i, _ in leading if i in late)
    if len(leading) > 1:
        drops.extend(Drop("system merged", f"$.messages[{i}]", "merged into the first system "
                          "message") for i, _ in leading[1:] if i not in late)
        merged = merge_system([m["content"] for _, m in leading], codec.content)
        leading = [(leading[0][0], {"role": "system", "content": merged})]
    return [m for _, m in leading] + rest


def merge_system(contents: list[Any], mode: str) -> Any:
    """System message contents as one: strings joined by a blank line ("string"), or one
    list of parts ("parts")."""
    if mode == "string":
        return SYSTEM_JOIN.join(contents)
    parts: list[Record] = []
    for content in contents:
        parts.extend([{"type": "text", "text": content}] if isinstance(content, str) else content)
    return parts


# --- canonical forms ---------------------------------------------------------------------

def normalize(record: Record) -> Record:
    """The canonical normal form: one-text-part content lists become strings."""
    out = copy.deepcopy(record)
    for message in out.get("messages", ()):
        content = message.get("content")
        if isinstance(content, list) and len(content) == 1 and content[0].get("type") == "text":
            message["content"] = content[0]["text"]
    return out


def _canonical(fmt: str, record: Record, drops: list[Drop] | None = None) -> Converted:
    messages = copy.deepcopy(get_format(fmt).conversation(record))
    return Converted({"messages": messages}, drops or [])


def _texts(content: Any) -> list[Record]:
    if isinstance(content, str):
        return [{"text": content}]
    return [{"text": p["text"]} for p in content]


# --- encoders and decoders ---------------------------------------------------------------

def _split_system(messages: list[Record]) -> tuple[Record | None, list[Record]]:
    if messages and messages[0]["role"] == "system":
        return messages[0], messages[1:]
    return None, messages


def _enc_openai(messages: list[Record], extras: Record) -> Record:
    return {"messages": messages, **extras}


def _enc_vertex(messages: list[Record], extras: Record) -> Record:
    system, rest = _split_system(messages)
    out: Record = {}
    if system is not None:
        out["systemInstruction"] = {"role": "system", "parts": _texts(system["content"])}
    out["contents"] = [{"role": "model" if m["role"] == "assistant" else "user",
                        "parts": _texts(m["content"])} for m in rest]
    return out


def _dec_vertex(record: Record) -> Converted:
    role = record.get("systemInstruction", {}).get("role", "system")
    drops = [] if role == "system" else [Drop("system role", "$.systemInstruction.role",
                                              "Google ignores it")]
    return _canonical("vertex-gemini", record, drops)


def _enc_nova(messages: list[Record], extras: Record) -> Record:
    system, rest = _split_system(messages)
    out: Record = {"schemaVersion": "bedrock-conversation-2024"}
    if system is not None:
        out["system"] = _texts(system["content"])
    out["messages"] = [{"role": m["role"], "content": _texts(m["content"])} for m in rest]
    return out


def _enc_claude(messages: list[Record], extras: Record) -> Record:
    system, rest = _split_system(messages)
    out: Record = {} if system is None else {"system": system["content"]}
    out["messages"] = [{"role": m["role"], "content": m["content"]} for m in rest]
    return out


_FROM = {"user": "human", "assistant": "gpt", "system": "system"}


def _enc_sharegpt(messages: list[Record], extras: Record) -> Record:
    system, rest = _split_system(messages)
    out: Record = {"conversations": [{"from": _FROM[m["role"]], "value": m["content"]}
                                     for m in rest]}
    if system is not None:
        out["system"] = system["content"]
    return out


def _dec_sharegpt(record: Record) -> Converted:
    drops = [Drop("tools", "$.tools", "LLaMA-Factory tool string")] if "tools" in record else []
    return _canonical("sharegpt", record, drops)


def _pairs(messages: list[Record], names: tuple[str, str] = ("user", "assistant")
           ) -> str | None:
    """LLaMA-Factory reads a conversation as (prompt, reply) pairs and skips any other."""
    _, rest = _split_system(messages)
    roles = [m["role"] for m in rest]
    if len(roles) % 2 or roles != ["user", "assistant"] * (len(roles) // 2):
        first, second = names
        found = ", ".join({"user": first, "assistant": second}.get(r, r) for r in roles)
        return (f"it needs {first}/{second} pairs: turns alternating from {first}, ending "
                f"with {second} (it has {found})")
    return None


def _enc_alpaca(messages: list[Record], extras: Record) -> Record:
    system, rest = _split_system(messages)
    out: Record = {"instruction": rest[-2]["content"], "input": "", "output": rest[-1]["content"]}
    if system is not None:
        out["system"] = system["content"]
    if len(rest) > 2:
        out["history"] = [[rest[k]["content"], rest[k + 1]["content"]]
                          for k in range(0, len(rest) - 2, 2)]
    return out


def _dec_alpaca(record: Record) -> Converted:
    drops = []
    if record.get("input"):
        drops.append(Drop("input merged", "$.input",
                          f"appended to the instruction after {ALPACA_INPUT_SEPARATOR!r}"))
    return _canonical("alpaca", record, drops)


def _completion_start(messages: list[Record]) -> int:
    k = len(messages)
    while k > 0 and messages[k - 1]["role"] == "assistant":
        k -= 1
    return k


def _pc_shape(messages: list[Record]) -> str | None:
    k = _completion_start(messages)
    if k == len(messages):
        return "it does not end with an assistant message (the completion)"
    if k == 0:
        return "it has no prompt before the assistant's reply"
    return None


def _enc_pc(messages: list[Record], extras: Record) -> Record:
    k = _completion_start(messages)
    return {"prompt": messages[:k], "completion": messages[k:]}


def _dec_pc(record: Record) -> Converted:
    """A prompt's assistant turns are context, not trained on: weight 0 says so."""
    converted = _canonical("trl-prompt-completion", record)
    for message in converted.record["messages"][:len(record["prompt"])]:
        if message.get("role") == "assistant":
            message["weight"] = 0
    return converted


def _prompt_turns(messages: list[Record]) -> list[Drop]:
    """Assistant replies before the completion go into the prompt, where TRL does not
    train on them: a loss of training signal export must report."""
    k = _completion_start(messages)
    return [Drop("trained turns", f"$.messages[{i}]", "an earlier reply goes into the prompt, "
                 "which is not trained on") for i, m in enumerate(messages[:k])
            if m.get("role") == "assistant" and m.get("weight", 1) != 0]


def _identity(record: Record) -> Converted:
    return Converted(copy.deepcopy(record))


CODECS: dict[str, Codec] = {c.format: c for c in (
    Codec("openai-chat", ALL, "inline", "parts", _enc_openai, _identity),
    Codec("vertex-gemini", frozenset(), "single", "text-parts", _enc_vertex, _dec_vertex),
    Codec("bedrock-nova", frozenset(), "single", "text-parts", _enc_nova,
          lambda r: _canonical("bedrock-nova", r)),
    Codec("bedrock-claude", frozenset(), "single", "string", _enc_claude,
          lambda r: _canonical("bedrock-claude", r)),
    Codec("sharegpt", frozenset(), "merged", "string", _enc_sharegpt, _dec_sharegpt,
          lambda messages: _pairs(messages, ("human", "gpt"))),
    Codec("alpaca", frozenset(), "single", "string", _enc_alpaca, _dec_alpaca, _pairs),
    Codec("trl-prompt-completion", ALL - {"tools"}, "inline", "parts", _enc_pc,
          lambda r: _dec_pc(r), _pc_shape),
)}


def get_codec(line_format: str) -> Codec:
    try:
        return CODECS[line_format]
    except KeyError:
        known = ", ".join(CODECS)
        raise KeyError(f"no conversion for line format {line_format!r}; ftprep converts "
                       f"{known}") from None


def to_canonical(record: Record, line_format: str) -> Converted:
    """A valid line of `line_format` as a canonical chat record."""
    return get_codec(line_format).decode(record)


def from_canonical(record: Record, line_format: str,
                   unsupported: frozenset[str] = frozenset()) -> Converted:
    """A canonical chat record as a line of `line_format`, dropping (and reporting) what
    it cannot carry and what the target does not support (`unsupported`).

    Raises ConversionError when the conversation itself cannot be expressed, or when
    what is left is not a valid line (Bedrock Claude needs two messages)."""
    codec = get_codec(line_format)
    messages, extras, drops = strip(record, codec, unsupported)
    if line_format == "trl-prompt-completion":
        # A weight-0 reply that goes into the prompt stays untrained: its weight is no loss.
        k = _completion_start(record["messages"])
        untrained = {f"$.messages[{i}].weight" for i, m in enumerate(record["messages"][:k])
                     if m.get("weight") == 0}
        drops = [d for d in drops if d.path not in untrained] + _prompt_turns(record["messages"])
    line = codec.encode(messages, extras)
    fmt = get_format(line_format)
    try:
        fmt.adapter().validate_python(line)
    except ValueError as exc:
        from ftprep.targets.tool_shapes import hf_chat_record

        if hf_chat_record(line, line_format) is not None:
            # Tool calls as chat templates take them: the target's rules decide.
            return Converted(line, drops)
        errors = exc.errors() if hasattr(exc, "errors") else []
        why = "; ".join(f"{path}: {message}" for path, message in explain(errors, fmt.fixes)[:2])
        raise ConversionError(f"the converted line is not a valid {line_format} line "
                              f"({why or exc})") from None
    return Converted(line, drops)


def convert_record(record: Record, source: str, destination: str,
                   unsupported: frozenset[str] = frozenset()) -> Converted:
    """One valid line from one format to another, through the canonical form."""
    if source == destination and (not unsupported or source not in CODECS):
        # A format without a codec (openai-dpo) passes through to itself only; the
        # target's line rules (ftprep export checks them) say what it would refuse.
        return Converted(copy.deepcopy(record))
    canonical = to_canonical(record, source)
    out = from_canonical(canonical.record, destination, unsupported)
    if source != "openai-chat":
        # Point the export's drops at the source line's own keys, not the canonical ones.
        out.drops = [Drop(d.kind, source_path(source, record, d.path), d.detail)
                     for d in out.drops]
    return Converted(out.record, canonical.drops + out.drops)


def source_path(line_format: str, record: Record, canonical_path: str) -> str:
    """`$.messages[i]...` of the canonical record as a path into a `line_format` line."""
    match = _MESSAGE_PATH.match(canonical_path)
    if not match:
        return canonical_path
    fmt = get_format(line_format)
    index, relative = int(match.group(1)), match.group(2)
    if fmt.field_path is not None:
        return fmt.field_path(record, index, relative)
    return fmt.message_path(record, index) + relative

"""Convert a JSONL file between line formats: `ftprep export` and `ftprep import`.

Every input line ends either in the output or among the rejected lines with a reason
(read = converted + rejected), and every loss on a converted line is listed with its
line number and JSON path. The output is written atomically; the input is never the
output.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ftprep.formats import LineFormat, detect_format, get_format
from ftprep.formats.duplicate_keys import key_count, may_repeat_keys, repeated_keys, shown
from ftprep.formats.errors import explain, unreadable_json
from ftprep.jsonl import BOM, STDIN, AtomicWriter, display_name, iter_lines, open_binary, output_clash
from ftprep.targets.tool_shapes import TOOL_CALL_FORMATS, hf_chat_record, reshape_tools
from ftprep.targets.transform import (
    ConversionError,
    Converted,
    Drop,
    convert_record,
    get_codec,
)
from ftprep.targets.transform import merge_system as merge_system_contents


@dataclass
class ConversionSummary:
    source: str
    destination: str
    to_format: str
    from_format: str | None = None
    read: int = 0  # non-blank lines
    blank: int = 0  # blank lines, skipped
    bom: bool = False  # the input started with a UTF-8 byte-order mark, removed
    converted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # (line number, drops) for each converted line that lost something.
    drops: list[tuple[int, list[Drop]]] = field(default_factory=list)

    def drop_counts(self) -> Counter[str]:
        """Kind of loss -> number of lines with it."""
        counts: Counter[str] = Counter()
        for _, drops in self.drops:
            counts.update({d.kind for d in drops})
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "destination": self.destination,
            "from_format": self.from_format, "to_format": self.to_format,
            "read": self.read, "blank": self.blank, "bom": self.bom,
            "converted": self.converted,
            "rejected": [{"line": n, "reason": r} for n, r in self.rejected],
            "dropped": dict(self.drop_counts()),
            "lines_with_drops": [{"line": n, "drops": [d.describe() for d in ds]}
                                 for n, ds in self.drops],
        }


def convert_file(
    source: str | Path,
    destination: str | Path,
    to_format: str,
    *,
    from_formats: Iterable[str] | None = None,
    unsupported: frozenset[str] = frozenset(),
    rejects: str | Path | None = None,
    line_errors: Callable[[str], Callable[[bytes, int], list[str]]] | None = None,
    keep_formats: tuple[str, ...] = (),
    tool_call_id: str | None = None,
    tool_shape: str | None = None,
    merge_system: bool = False,
    destination_name: str | None = None,
) -> ConversionSummary:
    """Convert `source` (any format ftprep converts; `from_formats` narrows the guess) to
    `to_format`, dropping `unsupported` features too; an input in one of `keep_formats`
    stays in its format instead; tool-call ids not matching `tool_call_id` are rewritten.
    Tool calls in the shape Hugging Face chat templates take are read too; `tool_shape`
    "openai" writes them in OpenAI's, "objects" writes arguments as objects (None: as
    they come; see ftprep.targets.tool_shapes). `merge_system`: a chat line's leading
    system messages become one (a target that takes one system prompt, first).
    `destination_name` names the destination in messages (the target), else `to_format`.
    `line_errors(format)(line, number)` names what the destination would refuse in a
    converted line: such a line is rejected with it. Raises ValueError when the output
    would overwrite the input (or the rejects file would overwrite either), or
    `to_format` is unknown, and ftprep.jsonl.InputError when the input cannot be read."""
    _known_destination(to_format)  # fail before touching any file
    clash = output_clash([source], [(destination, "output"),
                                    *([(rejects, "rejects file")] if rejects else [])])
    if clash:
        raise ValueError(clash)
    prefer = tuple(from_formats) if from_formats is not None else None
    written = "<stdout>" if str(destination) == STDIN else str(destination)
    summary = ConversionSummary(display_name(source), written, to_format)
    rejected_lines: list[str] = []
    with open_binary(source) as stream, _output(destination) as out:
        fmt: LineFormat | None = None
        refusals = line_errors(to_format) if line_errors else None
        for number, raw in iter_lines(stream):
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
                summary.bom = True
            if not raw.strip():
                summary.blank += 1  # no example: not counted as read
                continue
            summary.read += 1
            try:
                obj = _parse(raw)
                if fmt is None:
                    fmt = _detect(obj, prefer)
                    summary.from_format = fmt.name
                    if fmt.name in keep_formats and fmt.name != to_format:
                        to_format = summary.to_format = fmt.name
                        refusals = line_errors(to_format) if line_errors else None
                record, loosened = _read_record(obj, fmt, to_format)
                _something_to_learn(fmt, record)
                reshaped = (reshape_tools(record, tool_shape) if tool_shape is not None
                            and to_format in TOOL_CALL_FORMATS else [])
                result = convert_record(record, fmt.name, to_format, unsupported)
                result.drops[:0] = reshaped
                if merge_system and to_format == "openai-chat":
                    result.drops += _merge_leading_system(result.record)
                if tool_call_id is not None:
                    _rewrite_ids(result, tool_call_id)
                line = json.dumps(result.record, ensure_ascii=False)
                encoded = _utf8(line)
                refused = refusals(encoded, number) if refusals else []
                if refused:
                    raise _BadLine(f"{destination_name or to_format} would refuse the "
                                   "converted line: "
                                   + "; ".join(refused))
            except (ConversionError, _BadLine) as exc:
                summary.rejected.append((number, str(exc)))
                rejected_lines.append(raw.decode("utf-8", "replace"))
                continue
            out.write(line + "\n")
            summary.converted += 1
            if loosened or result.drops:
                summary.drops.append((number, loosened + result.drops))
    if rejects is not None and rejected_lines:
        with AtomicWriter(rejects, mode="w") as handle:
            for (number, reason), text in zip(summary.rejected, rejected_lines, strict=True):
                handle.write(json.dumps({"line": number, "reason": reason, "text": text},
                                        ensure_ascii=False) + "\n")
    return summary


class _BadLine(Exception):
    """A line that is not valid input: it is rejected with this message."""


def _utf8(line: str) -> bytes:
    # Python's json reads a lone "\ud800" escape, which no UTF-8 file can hold.
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _BadLine(f"holds an unpaired UTF-16 surrogate ({line[exc.start]!a}), which stands "
                       "for no character: remove it or give the whole pair") from None


def _known_destination(to_format: str) -> None:
    """A format ftprep converts to, or one that only passes through to itself."""
    try:
        get_codec(to_format)
    except KeyError:
        try:
            get_format(to_format)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # syntax, encoding, huge numbers, nesting
        raise _BadLine(f"not valid JSON ({unreadable_json(exc)}); run `ftprep validate` to see "
                       "why") from None
    if not isinstance(obj, dict):
        raise _BadLine("not a JSON object")
    _no_repeated_keys(raw, obj)
    return obj


def _detect(obj: dict[str, Any], prefer: tuple[str, ...] | None) -> LineFormat:
    fmt = detect_format(obj, prefer)
    if fmt is None or (prefer is not None and fmt.name not in prefer):
        wanted = ", ".join(prefer) if prefer else "a known line format"
        raise _BadLine(f"line is not in {wanted} (keys: {', '.join(sorted(obj)[:6])})")
    return fmt


def _read_record(obj: dict[str, Any], fmt: LineFormat, to_format: str
                 ) -> tuple[dict[str, Any], list[Drop]]:
    """The line as a valid record of `fmt`, and what was dropped to read it."""
    if fmt.name != to_format:
        try:
            get_codec(fmt.name)
        except KeyError as exc:  # a format with no conversion (openai-dpo)
            raise _BadLine(str(exc.args[0])) from None
    loosened: list[Drop] = []
    if fmt.name == "openai-chat" and to_format not in _OPENAI_FORMATS:
        obj, loosened = _loosen(obj)
    try:
        record: dict[str, Any] = fmt.adapter().validate_python(obj)
    except ValueError as exc:
        hf_shaped = hf_chat_record(obj, fmt.name)
        if hf_shaped is not None:
            return hf_shaped, loosened
        errors = exc.errors() if hasattr(exc, "errors") else []
        first = explain(errors, fmt.fixes)[:1]
        why = f"{first[0][0]}: {first[0][1]}" if first else str(exc)
        raise _BadLine(f"not a valid {fmt.name} line ({why}); run `ftprep validate` for "
                       "every problem") from None
    return record, loosened


# Destinations that are OpenAI's own formats: there an extra key or a `developer` role
# is refused as OpenAI refuses it.
_OPENAI_FORMATS = ("openai-chat", "openai-dpo")


def _loosen(obj: dict[str, Any]) -> tuple[dict[str, Any], list[Drop]]:
    """A chat line bound for a non-OpenAI format: keys a chat line does not have
    (metadata ...) are dropped, since the destination never sees them, and a `developer`
    message is read as the system message it is."""
    from ftprep.formats.openai_chat import ChatRecord

    known = ChatRecord.__required_keys__ | ChatRecord.__optional_keys__
    drops = [Drop("extra key", f"$.{key}", "not part of a chat line") for key in obj
             if key not in known]
    out = {key: value for key, value in obj.items() if key in known}
    messages = out.get("messages")
    if isinstance(messages, list):
        out["messages"] = [dict(m, role="system") if isinstance(m, dict) and
                           m.get("role") == "developer" else m for m in messages]
        drops += [Drop("developer role", f"$.messages[{i}].role", "read as a system message")
                  for i, m in enumerate(messages)
                  if isinstance(m, dict) and m.get("role") == "developer"]
    return out, drops


def _no_repeated_keys(raw: bytes, obj: dict[str, Any]) -> None:
    """Reject a line with a key twice in one object (FT109): json kept only the last
    value, so converting it would silently lose, or reassign, what came first."""
    if not may_repeat_keys(raw, key_count(obj)):
        return
    repeats = repeated_keys(raw.decode("utf-8", "replace"))
    if repeats:
        raise _BadLine("; ".join(
            f"FT109 {path}: key {json.dumps(key)} appears {len(dropped) + 1} times in one "
            f"object; a parser keeping the last value would drop {shown(dropped)}: remove "
            "the extra key or rename it" for path, key, dropped in repeats))


def _something_to_learn(fmt: LineFormat, record: dict[str, Any]) -> None:
    """Reject a line whose replies all have weight 0 (FT110), for every target alike: a
    format without weights would otherwise train on what the source says not to learn."""
    replies = [m for m in fmt.conversation(record) if m.get("role") == "assistant"]
    if replies and all(m.get("weight") == 0 for m in replies):
        raise _BadLine("FT110 $: nothing to train on: all its assistant messages have "
                       "weight 0; set weight 1 on the replies to learn, or remove the line")


def _merge_leading_system(record: dict[str, Any]) -> list[Drop]:
    """In place: the system messages that open the conversation, merged into the first
    (strings joined by a blank line, as for the formats with one system prompt)."""
    messages = record["messages"]
    count = 0
    while count < len(messages) and messages[count].get("role") == "system":
        count += 1
    if count < 2:
        return []
    contents = [m.get("content") or "" for m in messages[:count]]
    mode = "string" if all(isinstance(c, str) for c in contents) else "parts"
    messages[:count] = [{"role": "system", "content": merge_system_contents(contents, mode)}]
    return [Drop("system merged", f"$.messages[{i}]", "merged into the first system message")
            for i in range(1, count)]


def _rewrite_ids(result: Converted, pattern: str) -> None:
    """Give each tool-call id the target refuses one it takes, in the call and its tool
    message alike, and report each change."""
    messages = result.record.get("messages")
    if not isinstance(messages, list):
        return
    valid = re.compile(pattern)
    ids = {c.get("id") for m in messages for c in m.get("tool_calls") or ()}
    ids |= {m.get("tool_call_id") for m in messages}
    ids = {i for i in ids if isinstance(i, str)}
    taken = {i for i in ids if valid.fullmatch(i)}
    new: dict[str, str] = {}
    for old in sorted(ids - taken):
        new[old] = _fresh_id(old, taken, valid)
        taken.add(new[old])
    for i, message in enumerate(messages):
        for k, call in enumerate(message.get("tool_calls") or ()):
            if call.get("id") in new:
                result.drops.append(Drop("tool call id", f"$.messages[{i}].tool_calls[{k}].id",
                                         f"{call['id']!r} rewritten as {new[call['id']]!r}"))
                call["id"] = new[call["id"]]
        if message.get("tool_call_id") in new:
            old = message["tool_call_id"]
            result.drops.append(Drop("tool call id", f"$.messages[{i}].tool_call_id",
                                     f"{old!r} rewritten as {new[old]!r}"))
            message["tool_call_id"] = new[old]


_ID_ALPHABET = string.ascii_letters + string.digits


def _fresh_id(old: str, taken: set[str], valid: re.Pattern[str]) -> str:
    """Nine letters or digits derived from `old`, so a rerun writes the same ids."""
    for salt in range(100):
        n = int.from_bytes(hashlib.sha256(f"{salt}:{old}".encode()).digest()[:8], "big")
        candidate = "".join(_ID_ALPHABET[(n >> (6 * k)) % 62] for k in range(9))
        if candidate not in taken and valid.fullmatch(candidate):
            return candidate
    raise ConversionError(f"cannot rewrite tool call id {old!r} to match {valid.pattern}")


class _output:
    """An AtomicWriter for a path, or stdout for "-"."""

    def __init__(self, destination: str | Path) -> None:
        self.writer = None if str(destination) == STDIN else AtomicWriter(destination, mode="w")

    def __enter__(self) -> IO[str]:
        if self.writer is None:
            return sys.stdout
        handle: IO[str] = self.writer.__enter__()
        return handle

    def __exit__(self, *exc: Any) -> None:
        if self.writer is not None:
            self.writer.__exit__(*exc)


def source_format_names(name: str) -> tuple[str, ...]:
    """The line formats `--from NAME` means: a target's formats, or one format."""
    from ftprep.targets import TARGETS

    if name in TARGETS:
        return TARGETS[name].formats
    try:
        get_format(name)
    except KeyError:
        from ftprep.formats import LINE_FORMATS

        raise KeyError(f"{name!r} is neither a target ({', '.join(TARGETS)}) nor a line "
                       f"format ({', '.join(LINE_FORMATS)})") from None
    return (name,)

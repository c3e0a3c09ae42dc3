"""The validation pipeline: JSONL lines -> format -> schema -> line checks -> findings.

Each line is validated straight from its bytes by the format's pydantic adapter (about
the cost of `json.loads`); only a line that fails is parsed again, slowly, to say exactly
why. Memory stays flat: nothing is kept per line except what a caller's `on_record`
keeps.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ftprep.checks import structure as st
from ftprep.checks.conversation import UNTRAINED, is_blank
from ftprep.checks.registry import Check, Hit, Scope, Selection, checks_in_scope
from ftprep.formats import LINE_FORMATS, LineFormat, detect_format, get_format
from ftprep.formats.duplicate_keys import key_count, may_repeat_keys, repeated_keys, shown
from ftprep.formats.errors import explain, unreadable_json
from ftprep.jsonl import (
    BOM,
    STDIN,
    InputError,
    detect_pretty_printed,
    display_name,
    first_line_suspect,
    iter_lines,
    open_binary,
)
from ftprep.report.finding import FileSummary, Finding, Report, Severity
from ftprep.targets import DEFAULT_TARGET, get_target, targets_accepting

if TYPE_CHECKING:
    from ftprep.checks.behaviour.line import RulesRunner
    from ftprep.checks.targets import TargetRules
    from ftprep.shards import ShardCollector

Record = dict[str, Any]
# How many non-blank lines at the start of a file decide its format (by majority).
FORMAT_WINDOW = 10
# Called with each valid line (no format error, FT1xx) once its checks have run.
RecordHook = Callable[[int, Record, LineFormat], None]


@dataclass
class ValidateOptions:
    line_format: str = "auto"
    selection: Selection = field(default_factory=Selection)
    # A training target (ftprep.targets): its rules (FT140-FT152) replace OpenAI's
    # example-count and file-size defaults.
    target: str | None = None
    # Behaviour rules (ftprep.checks.behaviour.settings.BehaviourRules): the FT5xx line
    # checks run only when given; the CLI passes the config's (PII detection by default).
    rules: Any = None


def validate(
    inputs: Sequence[str | Path],
    options: ValidateOptions | None = None,
    *,
    on_record: RecordHook | None = None,
    report: Report | None = None,
    collectors: Sequence[ShardCollector] | None = None,
) -> Report:
    """Validate JSONL files (or "-" for stdin) and return a Report of every problem.

    A large file is validated on two cores (ftprep.shards) when nothing is collected
    (`on_record` None) or when `collectors` lists everything `on_record` writes to."""
    from ftprep.jsonl import expand_inputs
    from ftprep.shards import can_shard, run_sharded

    options = options or ValidateOptions()
    report = report or Report(command="validate")
    validator = FileValidator(options)
    sources: list[str] = []
    for item in inputs:
        try:
            sources.extend(expand_inputs([item]))
        except InputError as exc:
            report.io_errors.append(str(exc))
    shardable = on_record is None or collectors is not None
    for source in sources:
        try:
            result = None
            if shardable and source != STDIN and can_shard(source):
                result = validator.run_pretty_printed(source)
                if result is None:
                    result = run_sharded(validator, source, display_name(source), on_record,
                                         collectors or ())
            if result is None:
                with open_binary(source) as stream:
                    result = validator.run(display_name(source), stream, on_record)
            summary, findings = result
        except InputError as exc:
            report.io_errors.append(str(exc))
            continue
        if source != STDIN and validator.target_rules is not None:
            findings.extend(validator.target_rules.size_findings(
                summary.path, Path(source).stat().st_size))
        elif source != STDIN and _openai_defaults_apply(summary.line_format):
            size = Path(source).stat().st_size
            if size > st.MAX_FILE_BYTES:
                findings.extend(options.selection.emit(
                    st.FILE_TOO_LARGE, f"file is {size / 1024**2:.0f} MB; the upload limit is "
                    "512 MB: split it", file=summary.path))
        report.files.append(summary)
        report.extend(findings)
    return report


@dataclass
class FileState:
    """What validating a file carries from one line to the next."""

    fmt: LineFormat | None = None
    examples: int = 0  # non-blank lines: each is meant as an example
    valid: int = 0  # examples without an error of the format rules (FT1xx)
    image_examples: int = 0
    last_line: int = 0
    first_valid_line: int | None = None
    # The target's format rule ran (or is someone else's job, for a later piece).
    format_checked: bool = False


class FileValidator:
    """Validates one file at a time; holds what is shared across files (the checks
    selected, the cache of results per conversation shape)."""

    def __init__(self, options: ValidateOptions) -> None:
        self.options = options
        # Which lines are valid, and so counted, priced and compared, must not depend on
        # what is reported (--select, --ignore, severities): every check runs at its own
        # severity, and the user's selection filters the findings at the end of a file.
        self.user_selection = options.selection
        self.selection = Selection() if options.selection.narrows() else options.selection
        self.forced_format = (
            None if options.line_format == "auto" else get_format(options.line_format)
        )
        line_checks = [c for c in checks_in_scope(Scope.LINE) if self.selection.enabled(c)]
        self.shape_checks = [c for c in line_checks if c.view == "shape"]
        self.record_checks = [c for c in line_checks if c.view == "record"]
        self._shape_hits: dict[tuple[str, tuple[str, ...]], list[tuple[Check, Hit]]] = {}
        self._record_checks_for: dict[tuple[str, frozenset[str]], list[Check]] = {}
        self.target_rules: TargetRules | None = None
        if options.target is not None:
            from ftprep.checks.targets import TargetRules

            self.target_rules = TargetRules(options.target, self.selection)
            if self.forced_format is not None:
                self.forced_format = self.target_rules.own_shape(self.forced_format)
        self.behaviour: RulesRunner | None = None
        if options.rules is not None:
            from ftprep.checks.behaviour.line import RulesRunner

            # Its findings (FT5xx) do not decide validity: only what is reported runs.
            self.behaviour = RulesRunner(options.rules, self.user_selection) or None

    def run(
        self, name: str, stream: IO[bytes], on_record: RecordHook | None = None
    ) -> tuple[FileSummary, list[Finding]]:
        lines, pretty_printed = detect_pretty_printed(iter_lines(stream))
        if pretty_printed is not None:
            return self._pretty_printed(name, lines, pretty_printed)
        state = FileState(self.forced_format)
        findings = self.run_lines(name, lines, state, on_record)
        return self.finish_file(name, state, findings)

    def run_pretty_printed(self, source: str) -> tuple[FileSummary, list[Finding]] | None:
        """`run`'s result for a file that is one pretty-printed JSON value, else None
        (the file is read whole only when its first line starts such a value)."""
        if not first_line_suspect(source):
            return None
        with open_binary(source) as stream:
            lines, pretty_printed = detect_pretty_printed(iter_lines(stream))
            if pretty_printed is None:
                return None
            return self._pretty_printed(display_name(source), lines, pretty_printed)

    def _pretty_printed(self, name: str, lines: Iterable[tuple[int, bytes]], message: str
                        ) -> tuple[FileSummary, list[Finding]]:
        # One error, not one per physical line; the file is one would-be example.
        state = FileState(examples=1, last_line=max((n for n, _ in lines), default=1))
        found = list(self.selection.emit(st.INVALID_JSON, message, file=name, line=1))
        return self.finish_file(name, state, found)

    def run_lines(
        self,
        name: str,
        lines: Iterable[tuple[int, bytes]],
        state: FileState,
        on_record: RecordHook | None = None,
    ) -> list[Finding]:
        """Validate numbered lines of one file, updating `state`; a file may be run in
        pieces (ftprep.shards) as long as each piece starts with the state the lines
        before it left."""
        sel = self.selection
        findings: list[Finding] = []
        if state.fmt is None and state.last_line == 0:
            # The file's format is the one most of its first lines have, so that one odd
            # line among them is the one flagged (FT106), not all the others.
            ahead, state.fmt = self.settle_format(lines)
            lines = itertools.chain(ahead, lines)
        fmt = state.fmt
        adapter = fmt.adapter() if fmt else None
        for number, raw in lines:
            state.last_line = number
            if number == 1 and raw.startswith(BOM):
                findings.extend(sel.emit(st.BYTE_ORDER_MARK, "file starts with a UTF-8 "
                                "byte-order mark; save it as UTF-8 without BOM",
                                file=name, line=1))
                raw = raw[len(BOM):]
            if not raw or raw.isspace():
                findings.extend(sel.emit(st.BLANK_LINE, "blank line; delete it",
                                         file=name, line=number))
                continue
            state.examples += 1
            record: Record | None = None
            if adapter is not None:
                try:
                    record = adapter.validate_json(raw)
                except ValueError as exc:  # pydantic's ValidationError
                    findings.extend(self._explain_bad_line(name, number, raw, fmt, exc))
                # pydantic's JSON parser accepts NaN and Infinity, which JSON (and the
                # services) do not. The schemas are strict, so only a tool's free-form
                # parameter schema can hold one: only such lines are scanned for them.
                if (record is not None and _has_tool_schemas(record)
                        and (b"NaN" in raw or b"Infinity" in raw)
                        and self._parse(name, number, raw, findings) is None):
                    continue
            else:
                fmt, record = self._first_record(name, number, raw, findings)
                adapter = fmt.adapter() if fmt else None
                state.fmt = fmt
            if record is None or fmt is None:
                continue
            if state.first_valid_line is None:
                state.first_valid_line = number
                if not state.format_checked and self.target_rules is not None:
                    findings.extend(self.target_rules.format_findings(name, fmt.name, number))
            messages = fmt.conversation(record)
            before = len(findings)
            has_image = self._line_checks(name, number, record, messages, fmt, findings, raw)
            valid = len(findings) == before or not _has_format_error(findings, before)
            state.valid += valid
            state.image_examples += has_image
            # Only what the service would take is counted, priced and compared.
            if on_record is not None and valid:
                on_record(number, record, fmt)
        return findings

    def finish_file(
        self, name: str, state: FileState, findings: list[Finding]
    ) -> tuple[FileSummary, list[Finding]]:
        """The file-level checks, once every line has been run."""
        fmt = state.fmt
        # The example-count rules count the valid examples: deleting the broken lines
        # must not leave a file that is too small.
        counted = _example_count(state)
        if state.examples and not state.valid:
            pass  # no line is valid: its errors say it all, a count would add nothing
        elif self.target_rules is not None:
            findings.extend(self.target_rules.file_findings(name, state.valid, counted))
        elif _openai_defaults_apply(fmt.name if fmt else None):
            findings.extend(self._file_checks(name, state.valid, counted, state.image_examples))
        summary = FileSummary(path=name, lines=state.last_line, examples=state.examples,
                              invalid=state.examples - state.valid,
                              line_format=fmt.name if fmt else None,
                              accepted_by=targets_accepting(fmt.name) if fmt else ())
        return summary, self.user_selection.reported(findings)

    def check_line(self, raw: bytes, *, name: str = "<record>", number: int = 1) -> list[Finding]:
        """Findings for one line in the forced format: how convert proves that what it
        writes would pass `ftprep validate`."""
        fmt = self.forced_format
        if fmt is None:
            raise ValueError("check_line needs a fixed line format")
        findings: list[Finding] = []
        try:
            record = fmt.adapter().validate_json(raw)
        except ValueError as exc:
            return self.user_selection.reported(self._explain_bad_line(name, number, raw, fmt, exc))
        self._line_checks(name, number, record, fmt.conversation(record), fmt, findings)
        return self.user_selection.reported(findings)

    def _first_record(
        self, name: str, number: int, raw: bytes, findings: list[Finding]
    ) -> tuple[LineFormat | None, Record | None]:
        """Before the file's format is known: parse, detect, then validate."""
        obj = self._parse(name, number, raw, findings)
        if obj is None:
            return None, None
        fmt = self._format_of(obj) or _partial_format(obj)
        if fmt is None:
            findings.extend(self._repeated_keys(name, number, raw))
            keys = ", ".join(sorted(obj)[:6]) or "none"
            expected = "; ".join(f"{f.name}: {', '.join(sorted(f.keys))}"
                                 for f in LINE_FORMATS.values())
            findings.extend(self.selection.emit(
                st.UNKNOWN_FORMAT, f"line matches no known format (keys: {keys}); expected "
                f"keys for {expected}", file=name, line=number, path="$"))
            return None, None
        try:
            return fmt, fmt.adapter().validate_json(raw)
        except ValueError as exc:
            findings.extend(self._repeated_keys(name, number, raw))
            findings.extend(self._schema_findings(name, number, exc, fmt, raw))
            return fmt, None

    def settle_format(
        self, lines: Iterable[tuple[int, bytes]]
    ) -> tuple[list[tuple[int, bytes]], LineFormat | None]:
        """The format of a file from its first FORMAT_WINDOW non-blank lines: the one most
        of them have (on a tie, the first line's), None if none has one. Returns the lines
        read, to be run, and the format (the forced one, reading nothing, if forced)."""
        if self.forced_format is not None:
            return [], self.forced_format
        read: list[tuple[int, bytes]] = []
        votes: dict[str, int] = {}  # by format name, in order of first appearance
        formats: dict[str, LineFormat] = {}
        seen = 0
        for number, raw in lines:
            read.append((number, raw))
            body = raw[len(BOM):] if number == 1 and raw.startswith(BOM) else raw
            if not body or body.isspace():
                continue
            obj = self._parse("", 0, body, [])
            fmt = None if obj is None else self._format_of(obj)
            if fmt is not None:
                votes[fmt.name] = votes.get(fmt.name, 0) + 1
                formats[fmt.name] = fmt
            seen += 1
            if seen == FORMAT_WINDOW:
                break
        return read, formats[max(votes, key=votes.__getitem__)] if votes else None

    def _format_of(self, obj: Any) -> LineFormat | None:
        if self.target_rules is None:
            return detect_format(obj)
        fmt = detect_format(obj, self.target_rules.formats)
        return self.target_rules.own_shape(fmt) if fmt is not None else None

    def _parse(self, name: str, number: int, raw: bytes, findings: list[Finding]) -> Any:
        sel = self.selection
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            utf16 = b"\x00" in raw or raw.startswith((b"\xff\xfe", b"\xfe\xff"))
            findings.extend(sel.emit(
                st.INVALID_UTF8, f"invalid UTF-8 byte {raw[exc.start]:#04x} at column "
                f"{exc.start + 1}; re-save the file as UTF-8"
                + (" (it looks like UTF-16, which Windows calls \"Unicode\")" if utf16 else ""),
                file=name, line=number, column=exc.start + 1))
            return None
        try:
            obj = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data" and "\r" in text[max(0, exc.pos - 3):exc.pos]:
                # Records separated by CR alone (classic Mac) read as one line.
                findings.extend(sel.emit(
                    st.INVALID_JSON, f"invalid JSON: a second record at column {exc.colno}, "
                    "after a CR: the file uses CR line endings, so its lines read as one; "
                    "save it with LF line endings", file=name, line=number, column=exc.colno))
                return None
            what = exc.msg.removesuffix(" at")  # "Invalid control character at"
            findings.extend(sel.emit(
                st.INVALID_JSON, f"invalid JSON: {what} at column {exc.colno}; one record "
                "per line, each a complete JSON object", file=name, line=number,
                column=exc.colno))
            return None
        except (ValueError, RecursionError) as exc:
            findings.extend(sel.emit(st.INVALID_JSON, f"invalid JSON: {unreadable_json(exc)}",
                                     file=name, line=number))
            return None
        if not isinstance(obj, dict):
            kind = "an array" if isinstance(obj, list) else "a string" if isinstance(obj, str) else (
                "a scalar")
            findings.extend(sel.emit(
                st.NOT_AN_OBJECT, f"line is {kind}, not a JSON object; each line must be one "
                "object such as {\"messages\": [...]}", file=name, line=number, path="$"))
            return None
        return obj

    def _repeated_keys(self, name: str, number: int, raw: bytes) -> list[Finding]:
        out: list[Finding] = []
        for path, key, dropped in repeated_keys(raw.decode("utf-8", "replace")):
            lost = shown(dropped)
            out.extend(self.selection.emit(
                st.DUPLICATE_KEY, f"key {json.dumps(key)} appears {len(dropped) + 1} times in "
                f"one object; most JSON parsers keep only the last value, so {lost} is dropped: "
                "remove the extra key or rename it", file=name, line=number, path=path))
        return out

    def _explain_bad_line(
        self, name: str, number: int, raw: bytes, fmt: LineFormat | None, exc: ValueError
    ) -> list[Finding]:
        findings: list[Finding] = []
        obj = self._parse(name, number, raw, findings)
        if obj is None:
            return findings
        # A repeated key may be why the line fails (its last value is the one checked).
        findings.extend(self._repeated_keys(name, number, raw))
        other = detect_format(obj)
        if fmt is not None and other is not None and other is not fmt and not (
            fmt.keys <= obj.keys()
        ):
            why = "--line-format" if self.forced_format is fmt else "as most of its first lines are"
            findings.extend(self.selection.emit(
                st.MIXED_FORMATS, f"line is in {other.name} format but the file is "
                f"{fmt.name} ({why}); keep one format per file",
                file=name, line=number, path="$"))
            return findings
        schema = self._schema_findings(name, number, exc, fmt, raw)
        if (schema and fmt is not None and b'"tool' in raw
                and (self.target_rules is None or not self.target_rules.target.schemas)):
            schema[0] = _hint_hf_shape(schema[0], obj, fmt)
        findings.extend(schema)
        return findings

    def _schema_findings(
        self, name: str, number: int, exc: ValueError, fmt: LineFormat | None = None,
        raw: bytes = b"",
    ) -> list[Finding]:
        surrogate = _LONE_SURROGATE.search(raw)
        if surrogate is not None:
            # Python's json accepts it, pydantic does not; it cannot be encoded as UTF-8.
            escape, column = surrogate.group().decode(), surrogate.start() + 1
            return list(self.selection.emit(
                st.INVALID_JSON, f"invalid JSON: unpaired UTF-16 surrogate {escape} at column "
                f"{column}; it stands for no character: remove it or give the whole pair",
                file=name, line=number, column=column))
        errors = exc.errors() if hasattr(exc, "errors") else []
        out: list[Finding] = []
        explained = (explain(errors, fmt.fixes, weight_on=fmt.weight_on, title=fmt.title)
                     if fmt else explain(errors))
        for path, message in explained:
            out.extend(self.selection.emit(st.SCHEMA_VIOLATION, message, file=name,
                                           line=number, path=path))
        return out

    def _line_checks(
        self,
        name: str,
        number: int,
        record: Record,
        messages: list[Record],
        fmt: LineFormat,
        findings: list[Finding],
        raw: bytes | None = None,
    ) -> bool:
        """Run the line checks (and the duplicate-key screen on `raw`, the line's bytes,
        when given); return whether the example has an image."""
        shape, triggers = _shape_and_triggers(record, messages)
        if raw is not None:
            if fmt.name == "openai-chat" and len(record) == 1:
                # Only parts and tool calls nest objects in a chat message.
                keys = 1 + (sum(map(len, messages)) if "parts" not in triggers
                            and "tools" not in triggers else key_count(messages))
                repeats = may_repeat_keys(raw, keys, plain_names=True)
            else:
                repeats = may_repeat_keys(raw, key_count(record))
            if repeats:
                findings.extend(self._repeated_keys(name, number, raw))

        key = (fmt.name, tuple(shape))
        shape_hits = self._shape_hits.get(key)
        if shape_hits is None:
            shape_hits = [(c, h) for c in self.shape_checks if c.applies_to(fmt.name)
                          for h in c.func(key[1])]  # type: ignore[misc]
            self._shape_hits[key] = shape_hits
        hits = list(shape_hits)
        for check in self._checks_for(fmt.name, frozenset(triggers)):
            hits.extend((check, h) for h in check.func(record, messages))  # type: ignore[misc]
        if self.target_rules is not None:
            hits.extend(self.target_rules.line_hits(record, messages, key[1]))
        for check, hit in hits:
            if hit.message_index is not None:
                if fmt.field_path is not None:
                    path = fmt.field_path(record, hit.message_index, hit.path or "")
                else:
                    path = fmt.message_path(record, hit.message_index) + (hit.path or "")
                hit = Hit(hit.message, path=path, column=hit.column)
            findings.append(self.selection.finding(check, hit, file=name, line=number))
        if fmt.rejected is not None:
            self._rejected_checks(name, number, record, fmt, findings)
        if self.behaviour is not None:
            findings.extend(self.behaviour.findings(name, number, record, messages, fmt))
        return "parts" in triggers and _has_image(messages)

    def _rejected_checks(self, name: str, number: int, record: Record, fmt: LineFormat,
                         findings: list[Finding]) -> None:
        """The message checks on a preference line's rejected answer: the model is trained
        away from it, but an image or a broken tool call there fails the same way."""
        assert fmt.rejected is not None
        messages, start, array = fmt.rejected(record)
        _, triggers = _shape_and_triggers(record, messages)
        for check in self._checks_for(fmt.name, frozenset(triggers)):
            for hit in check.func(record, messages):  # type: ignore[misc]
                # Hits on the input, or on the whole line, came from the first pass.
                if hit.message_index is not None and hit.message_index >= start:
                    path = f"{array}[{hit.message_index - start}]{hit.path or ''}"
                    findings.append(self.selection.finding(
                        check, Hit(hit.message, path=path, column=hit.column),
                        file=name, line=number))

    def _checks_for(self, fmt: str, triggers: frozenset[str]) -> list[Check]:
        key = (fmt, triggers)
        checks = self._record_checks_for.get(key)
        if checks is None:
            checks = [c for c in self.record_checks if c.applies_to(fmt)
                      and (c.trigger is None or c.trigger in triggers)]
            self._record_checks_for[key] = checks
        return checks

    def _file_checks(self, name: str, examples: int, counted: str,
                     image_examples: int) -> Iterable[Finding]:
        sel = self.selection
        if examples < st.MIN_EXAMPLES:
            yield from sel.emit(st.TOO_FEW_EXAMPLES, f"{counted}; OpenAI requires at least "
                                f"{st.MIN_EXAMPLES} in a training file: add more (for a "
                                f"validation file, --ignore {st.TOO_FEW_EXAMPLES.code},"
                                f"{st.FEW_EXAMPLES.code})", file=name)
        elif examples < st.RECOMMENDED_EXAMPLES:
            yield from sel.emit(st.FEW_EXAMPLES, f"{counted}; results usually "
                                f"show from {st.RECOMMENDED_EXAMPLES}-100: add more", file=name)
        if image_examples > st.MAX_IMAGE_EXAMPLES:
            yield from sel.emit(st.TOO_MANY_IMAGE_EXAMPLES, f"{image_examples:,} examples "
                                f"contain images; at most {st.MAX_IMAGE_EXAMPLES:,} are "
                                "allowed: move the extra image examples to another file",
                                file=name)


def _hint_hf_shape(finding: Finding, obj: Any, fmt: LineFormat) -> Finding:
    """`finding`, saying so when the line's tool calls have the shape Hugging Face chat
    templates take (valid for --target trl, not for OpenAI)."""
    from dataclasses import replace

    from ftprep.targets.tool_shapes import hf_chat_record

    if hf_chat_record(obj, fmt.name) is None:
        return finding
    return replace(finding, message=f"{finding.message} (the line's tool calls have the shape "
                   "Hugging Face chat templates take: for TRL, validate with --target trl; "
                   "`ftprep export --target openai` rewrites them in OpenAI's)")


def _has_format_error(findings: list[Finding], start: int) -> bool:
    """Whether findings[start:] hold an error of the format rules (FT1xx): the line would
    be refused as it is. Behaviour errors (PII, FT5xx) are fixed in place, not counted."""
    return any(f.severity is Severity.ERROR and f.code.startswith("FT1")
               for f in findings[start:])


def _has_tool_schemas(record: Record) -> bool:
    """Whether the line defines tools (or functions), whose `parameters` are the one
    place a schema takes any JSON value."""
    inner = record.get("input")
    return ("tools" in record or "functions" in record
            or (inner.__class__ is dict and ("tools" in inner or "functions" in inner)))


def _example_count(state: FileState) -> str:
    """ "12 example(s)", or "9 valid example(s) (11 lines, 2 invalid)"."""
    invalid = state.examples - state.valid
    if not invalid:
        return f"{state.valid} example(s)"
    return f"{state.valid} valid example(s) ({state.examples} lines, {invalid} invalid)"


def _shape_and_triggers(record: Record, messages: list[Record]) -> tuple[list[str], set[str]]:
    """The conversation's roles (a reply with weight 0 as UNTRAINED) and what the line
    holds that some record checks look for (empty texts, parts, tools, deprecated keys)."""
    shape: list[str] = []
    triggers: set[str] = set()
    for message in messages:
        role = message["role"]
        content = message.get("content")
        if role == "assistant" and message.get("weight") == 0:
            role = UNTRAINED
        shape.append(role)
        if content.__class__ is str:
            if is_blank(content):
                triggers.add("empty")
        elif content is None:
            if role != "user":
                triggers.add("empty")
        else:
            triggers.add("parts")
            triggers.add("empty")
        if "tool_calls" in message or role == "tool":
            triggers.add("tools")
        if "function_call" in message:
            triggers.update(("tools", "deprecated"))
        if role == "function":
            triggers.add("deprecated")
    if "functions" in record:
        triggers.add("deprecated")
    if _has_tool_schemas(record):
        triggers.add("tooldefs")
    return shape, triggers


def _partial_format(obj: Record) -> LineFormat | None:
    """The one format some of whose identifying keys the object has (a preference line
    without `input`), so that its schema says what is missing; None if not just one."""
    found = [f for f in LINE_FORMATS.values() if f.keys & obj.keys()]
    return found[0] if len(found) == 1 else None


def _openai_defaults_apply(line_format: str | None) -> bool:
    """Without --target, OpenAI's file limits apply to OpenAI's formats only; a Nova or
    ShareGPT file gets its target's limits with --target."""
    return line_format is None or line_format in get_target(DEFAULT_TARGET).formats


def _has_image(messages: list[Record]) -> bool:
    return any(
        isinstance(m.get("content"), list)
        and any(p.get("type") == "image_url" for p in m["content"])
        for m in messages
    )


# A \\uD800-\\uDBFF escape not followed by a \\uDC00-\\uDFFF one, or the latter alone (an
# escaped backslash before it is not counted: good enough for a message).
_LONE_SURROGATE = re.compile(
    rb"(?<!\\)\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON; use null or a number")


__all__ = ["FileValidator", "ValidateOptions", "validate"]

"""The convert pipeline: sources -> Example stream -> cleaning -> PII redaction -> builder ->
validated chat JSONL, plus a rejects file. Every input record ends in the output, in the
rejects (with a reason), or folded into another example (an agent's reply in a thread):
read = written + merged + rejected, and the summary says so.

Examples are cleaned and redacted in batches (the cleaners screen a whole batch at C
speed and do exact work only on the few texts that need it); output order is input order.
A table's rows arrive as columns (ExampleColumns), and the rows that need no decision of
their own are built, proved valid (ftprep.chatlines) and written a column at a time.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import operator
import shlex
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ftprep.build import BuildError, BuildSettings, assistant_texts, build_contents
from ftprep.chatlines import ChatLines
from ftprep.clean.batch import Joined
from ftprep.clean.text import STEPS, CleanOptions, TextCleaner
from ftprep.jsonl import AtomicWriter, default_rejects_path, output_clash
from ftprep.loaders.columns import ColumnMapping, ResolvedColumns
from ftprep.loaders.email.options import EmailOptions
from ftprep.records import Example, ExampleColumns, Rejected

BATCH = 1000
# Texts shorter than this are rejected as too-short ("ok", "?"): not a ticket.
CONVERT_MIN_CHARS = 3
# Distinct labels and template-field values remembered cleaned (labels repeat).
_VALUE_MEMO = 65_536
_NOTHING_FOUND: Counter[str] = Counter()
# A record from the loaders; a table's good rows come as columns.
Item = Example | Rejected | ExampleColumns


class ConvertSettings(BaseModel):
    """`[tool.ftprep.convert]`, overridden by command-line options."""

    # strict: a TOML value of the wrong type ("yes" for a bool) is a mistake to report.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    columns: ColumnMapping = Field(default_factory=ColumnMapping)
    preset: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    email: EmailOptions = Field(default_factory=EmailOptions)
    system_prompt: str | None = Field(default=None, alias="system-prompt")
    user_template: str = Field(default="{text}", alias="user-template")
    assistant: str = "label"
    json_label_key: str = Field(default="category", alias="json-label-key")
    json_reply_key: str = Field(default="reply", alias="json-reply-key")
    # Each cleaning step is switchable in [tool.ftprep.convert.clean].
    clean: CleanOptions = Field(default_factory=lambda: CleanOptions(min_chars=CONVERT_MIN_CHARS))
    redact_pii: bool = Field(default=True, alias="redact-pii")
    drop_duplicates: bool = Field(default=False, alias="drop-duplicates")
    # Keep examples without a label (only meaningful with --assistant reply).
    allow_unlabelled: bool = Field(default=False, alias="allow-unlabelled")

    @field_validator("clean", mode="before")
    @classmethod
    def _convert_min_chars(cls, value: object) -> object:
        # A [convert.clean] table that does not set min-chars keeps convert's default (a
        # table with only `html = false` must not let 1-character texts through).
        if isinstance(value, dict) and not {"min-chars", "min_chars"} & value.keys():
            return {**value, "min-chars": CONVERT_MIN_CHARS}
        return value


@dataclass
class ConvertSummary:
    sources: list[str]
    output: str
    rejects: str
    read: int = 0
    written: int = 0
    merged: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    redactions: Counter[str] = field(default_factory=Counter)
    cleaning: dict[str, int] = field(default_factory=dict)
    # What the email loader did to the messages read: attachments skipped, bodies whose
    # charset had to be guessed or repaired.
    email: Counter[str] = field(default_factory=Counter)
    # What the written data suggests was meant otherwise (label spellings, a label map
    # entry that matched nothing ...), for the user to look at.
    warnings: list[str] = field(default_factory=list)
    # Per table file, the column read for each role ("text": "Subject + Description").
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def balanced(self) -> bool:
        return self.read == self.written + self.merged + self.rejected_total

    def note_columns(self, file: str, cols: ResolvedColumns) -> None:
        """Which columns a table file is read with: shown, as a wrong guess (the channel
        column taken for the label) is otherwise invisible."""
        roles = {"text": " + ".join(cols.text), "label": cols.label, "reply": cols.reply,
                 "id": cols.id, "date": cols.date, "fields": ", ".join(cols.fields)}
        self.columns[file] = {role: name for role, name in roles.items() if name}

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "output": self.output,
            "rejects": self.rejects,
            "read": self.read,
            "written": self.written,
            "merged": self.merged,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(self.rejected.most_common()),
            "balanced": self.balanced,
            "labels": dict(self.labels.most_common()),
            # Most first, ties by name: the same order on every run.
            "redactions": dict(sorted(self.redactions.items(), key=lambda kv: (-kv[1], kv[0]))),
            "cleaning": self.cleaning,
            "email": dict(sorted(self.email.items())),
            "warnings": self.warnings,
            "columns": self.columns,
        }


class ConvertError(Exception):
    """The conversion cannot start or go on (bad settings, an unreadable source, an
    output that would overwrite an input ...)."""


def convert(
    sources: Sequence[Path],
    output: Path,
    settings: ConvertSettings | None = None,
    *,
    rejects: Path | None = None,
    label_map: dict[str, str] | None = None,
    allowed_labels: Sequence[str] = (),
    pii: Any = None,
    pii_allow: Sequence[str] = (),
    on_progress: Callable[[int], None] | None = None,
    target: str | None = None,
) -> ConvertSummary:
    """Convert labelled sources to chat JSONL at `output`; rejects go to `rejects`.
    `pii` is a ftprep.clean.pii.PiiSettings ([tool.ftprep.pii]); `pii_allow` the values
    validate's FT510 allows (`[tool.ftprep.rules.pii] allow`), which the system prompt may
    hold (it is redacted like the texts otherwise). With a `target`, a line
    that target's own rules refuse (Bedrock Nova's forbidden words ...) is rejected too."""
    from ftprep.loaders import load_chunks
    from ftprep.loaders.columns import LoaderError, no_reply_column
    from ftprep.loaders.email.labels import LabelMapError

    settings = settings or ConvertSettings()
    rejects = rejects or default_rejects_path(output)
    check_outputs(sources, [(output, "output"), (rejects, "rejects file")])
    build = _build_settings(settings, label_map, allowed_labels)
    # Of a message's several mail labels, the one allowed is its label.
    settings = settings.model_copy(update={"email": settings.email.with_allowed_labels(
        build.allowed_labels, build.label_map)})
    stages = _Stages(settings, pii, build, target, pii_allow)
    summary = ConvertSummary([str(s) for s in sources], str(output), str(rejects))
    heard = _LoaderWarnings()

    def on_columns(file: str, cols: ResolvedColumns) -> None:
        # A table without replies would reject every row as missing-reply: a usage error,
        # raised before its first row (the writers then keep nothing).
        if build.needs_reply and cols.reply is None:
            raise LoaderError(file, no_reply_column(
                cols, f"--assistant {build.assistant} writes each example's approved reply"))
        summary.note_columns(file, cols)

    try:
        with heard, AtomicWriter(output) as out, AtomicWriter(rejects) as rej:
            for batch in _batches(load_chunks(sources, settings, on_columns, stages.per_row),
                                  BATCH):
                lines, bad = stages.run(batch, summary)
                # One write per batch, not one per line.
                if lines:
                    out.write(b"\n".join(lines) + b"\n")
                    summary.written += len(lines)
                for item in bad:
                    summary.rejected[item.reason] += 1
                    rej.write(_dumps(item.to_dict()) + b"\n")
                if on_progress is not None:
                    on_progress(summary.read)
    except (LoaderError, LabelMapError, OSError) as exc:  # the writers kept nothing
        raise ConvertError(str(exc)) from None
    summary.cleaning = stages.cleaning_summary()
    summary.redactions.update(stages.prompt_found)  # once: it is one text
    summary.warnings = [*heard.messages, *_prompt_warnings(stages.prompt_found),
                        *label_warnings(summary.labels, build),
                        *_size_warnings(summary, target)]
    return summary


class _LoaderWarnings(logging.Handler):
    """What the loaders warned about (an encoding guessed, a title above the header
    skipped ...), kept for the summary, so that --summary-json has it too; while it
    listens, Python prints none of it on its own."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self._logger = logging.getLogger("ftprep.loaders")

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> _LoaderWarnings:
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        if exc[0] is not None:
            # The run failed: say what was heard before, as it may be why.
            for message in self.messages:
                sys.stderr.write(f"warning: {message}\n")


def _redact_prompt(detector: Any, text: str, allow: Sequence[str]) -> tuple[str, Counter[str]]:
    """The system prompt redacted as FT510 judges it: the detector's matches, but for the
    values FT510 allows (the company's own address or hotline), which stay."""
    from ftprep.checks.behaviour.pii_check import is_allowed_pii
    from ftprep.checks.behaviour.settings import allowed_pii

    allowed = allowed_pii(allow)
    redacted: tuple[str, Counter[str]] = detector.redact(
        text, keep=(lambda m: is_allowed_pii(m.text, allowed)) if allowed else None)
    return redacted


def _prompt_warnings(found: Counter[str]) -> list[str]:
    if not found:
        return []
    shown = ", ".join(f"{kind} {n}" for kind, n in sorted(found.items()))
    return [f"the system prompt held personal data, redacted in every line ({shown}): write "
            "placeholders in it, or list your own address or number in [tool.ftprep.rules.pii] "
            "allow to keep it"]


def _size_warnings(summary: ConvertSummary, target: str | None) -> list[str]:
    """Too few examples written for the service to take the file (validate's FT123)."""
    from ftprep.checks.structure import MIN_EXAMPLES
    from ftprep.targets import get_target

    title, least = "OpenAI", MIN_EXAMPLES
    if target is not None and target != "openai":
        chosen = get_target(target)
        title, least = chosen.title, chosen.min_examples or 0
    if 0 < summary.written < least:
        return [f"{summary.written} example(s) written; {title} needs at least {least}, so "
                "the file will be refused as it is: add examples"]
    return []


def label_warnings(labels: Counter[str], build: BuildSettings) -> list[str]:
    """Labels written that look unintended: one class spelt several ways, label-map
    entries that matched nothing. (Several labels in one cell are rejected: build.)"""
    from ftprep.dataset.features import spelling_variants

    out = []
    if not build.allowed_labels:  # an allowed list already folds the spellings together
        # "billing, returns" written because "returns" came later in the file: several
        # labels, not a spelling of one ("Returns/Refunds" is one, and not named).
        joined = {s: parts for s in labels if s not in build.label_map.values()
                  and (parts := build.joined_labels(s, labels))}
        for spelling, parts in joined.items():
            out.append(f"label {spelling!r} ({labels[spelling]}) looks like several labels "
                       f"({', '.join(map(repr, parts))}, each a label too): an example gets one; "
                       f"map it to one with --label-map {shlex.quote(spelling + '=LABEL')}, or list it in "
                       "--labels if it is one class")
        single = Counter({s: n for s, n in labels.items() if s not in joined})
        for spellings in spelling_variants(single):
            shown = ", ".join(f"{s!r} ({labels[s]})" for s in spellings)
            out.append(f"labels that differ only in case, spacing or punctuation: {shown}; map "
                       "them to one spelling with --label-map, or list the right ones with --labels")
    unused = build.unused_label_map()
    if unused:
        shown = ", ".join(repr(s) for s in unused[:5]) + (" ..." if len(unused) > 5 else "")
        out.append(f"{len(unused)} of {len(build.label_map)} label-map entries matched no label "
                   f"({shown}): check their spelling against the labels in the file")
    return out


def check_outputs(sources: Sequence[Path], outputs: Sequence[tuple[Path, str]]) -> None:
    """Raise ConvertError when a file to be written ((path, what) pairs) is an input, or
    two are the same (ftprep.jsonl.output_clash)."""
    clash = output_clash(sources, outputs)
    if clash:
        raise ConvertError(clash)


# What cleaning and redaction did to one text or value: the steps that changed it and the
# PII it had redacted. Counted in the summary only when the text is written.
_Note = tuple[frozenset[str], Counter[str]]
_NO_NOTE: _Note = (frozenset(), _NOTHING_FOUND)


@dataclass
class _BatchNotes:
    """Notes on a batch's texts and replies, by position, for the changed ones only."""

    texts: dict[int, _Note]
    replies: dict[int, _Note]


class _Stages:
    """Clean, filter, redact, build and validate one batch of loader output."""

    def __init__(self, settings: ConvertSettings, pii: Any, build: BuildSettings,
                 target: str | None = None, pii_allow: Sequence[str] = ()) -> None:
        self.settings = settings
        self.build = build
        self.cleaner = TextCleaner(settings.clean)
        # A reply's sign-off is house style to learn, not noise: only quotes are cut.
        self.reply_cleaner = TextCleaner(settings.clean, keep_signatures=True)
        # Mail bodies had their HTML, quotes and signatures dealt with by the mail loader,
        # as its own options say: the cleaner leaves those alone.
        self.mail_cleaner = TextCleaner(settings.clean, html=False, strip_quotes="off")
        self.redactor: Any = None
        if settings.redact_pii:
            from ftprep.clean.pii import PiiDetector, PiiSettings

            self.redactor = PiiDetector.from_settings(pii or PiiSettings())
        # The system prompt is in every line: validate's FT510 would refuse them all.
        self.prompt_found: Counter[str] = Counter()
        if self.redactor is not None and build.system_prompt:
            build.system_prompt, self.prompt_found = _redact_prompt(
                self.redactor, build.system_prompt, pii_allow)
        self.lines = ChatLines(build.system_prompt, _line_validator(target))
        self.seen: dict[bytes, str] = {}
        # Labels and template fields reach the messages too: cleaned and redacted like
        # the texts, each distinct value once.
        self._field_cleaner = TextCleaner(settings.clean)
        self._cleaned_values: dict[str, tuple[str | None, _Note]] = {}
        self._template_fields = [] if build.plain_template else build.template_fields
        # The summary counts what is written: the steps that changed, and the PII
        # redacted in, the texts, replies, labels and template fields of written examples.
        self._writes = {name: build.writes(name) for name in ("text", "reply", "label")}
        # What a table row's is read only for the rows that need a decision of their own.
        self.per_row = ("id", "date") if self._writes["reply"] else ("id", "date", "reply")
        self.cleaned: Counter[str] = Counter()

    def run(self, batch: list[Item],
            summary: ConvertSummary) -> tuple[list[bytes], list[Rejected]]:
        """The batch's output lines and rejects, each in input order."""
        texts: list[str] = []
        replies: list[str] = []
        mail: list[int] = []  # positions of mail texts, the others are table cells
        for item in batch:
            if isinstance(item, ExampleColumns):
                texts += item.texts
                # "" for no reply, as below; and for every row when replies are not written.
                replies += item.replies if self._writes["reply"] else [""] * len(item)
            elif isinstance(item, Example):
                mail.append(len(texts))
                texts.append(item.text)
                replies.append(item.reply or "")
        texts, text_steps, joined = self._clean(self.cleaner, texts, mail)
        reply_notes: dict[int, _Note] = {}
        if self._writes["reply"]:
            # A reply that is not written (--assistant label) is read by nothing else:
            # it is not cleaned or redacted (a fifth of convert's time otherwise).
            replies, reply_steps, joined_replies = self._clean(self.reply_cleaner, replies, mail)
            reply_notes = self._redact(replies, reply_steps, joined_replies)
        notes = _BatchNotes(self._redact(texts, text_steps, joined), reply_notes)
        # Every label of the batch is noted before any is judged: "billing, returns" is
        # several labels when "returns" is one, wherever in the batch it comes.
        cleaned: list[list[str | None] | str | None] = []
        for item in batch:
            if isinstance(item, ExampleColumns):
                values = self._values(list(item.labels) if item.labels else [None] * len(item))
                self.build.note_labels(values)
                cleaned.append(values)
            elif isinstance(item, Example):
                label = self._value(item.label)
                self.build.note_labels((label,))
                cleaned.append(label)
            else:
                cleaned.append(None)
        lines: list[bytes] = []
        bad: list[Rejected] = []
        labels = summary.labels
        at = 0  # position of the item's texts in `texts`
        for item, item_labels in zip(batch, cleaned, strict=True):
            if isinstance(item, Rejected):
                summary.read += 1
                bad.append(item)
                continue
            if isinstance(item, ExampleColumns):
                n = len(item)
                summary.read += n
                raw_labels: list[str | None] = list(item.labels) if item.labels else [None] * n
                cleaned_labels = cast("list[str | None]", item_labels)
                dropped = self._columns(item, texts[at:at + n], replies[at:at + n],
                                        cleaned_labels, lines, bad, summary)
                self._count_rows(summary, notes, at, n, dropped, raw_labels)
                at += n
                continue
            _count_email_notes(item.fields, summary.email)
            merged = len(item.merged)
            summary.read += 1 + merged
            label = cast("str | None", item_labels)
            line = self._one(item, texts[at], replies[at], label)
            if isinstance(line, Rejected):
                bad.append(line)
                # What was folded into a rejected ticket (its reply, a customer's earlier
                # mail) is rejected with it, each on a line of its own, not counted merged.
                bad.extend(_parent_rejected(item, line))
            else:
                summary.merged += merged
                lines.append(line[0])
                labels[line[1] or "(none)"] += 1
                self._count_rows(summary, notes, at, 1, set(), [item.label])
                self._count(summary, line[2], fields=True)
            at += 1
        return lines, bad

    def _redact(self, texts: list[str], steps: dict[int, frozenset[str]],
                joined: Joined | None) -> dict[int, _Note]:
        """Redact `texts` in place; the notes of the texts that cleaning or redaction
        changed. `joined`: the texts before cleaning (which changed those in `steps`)."""
        found: dict[int, Counter[str]] = {}
        if self.redactor is not None:
            texts[:], found = self.redactor.redact_each(texts, joined, steps)
        return {i: (steps.get(i, frozenset()), found.get(i, _NOTHING_FOUND))
                for i in steps.keys() | found.keys()}

    def _count_rows(self, summary: ConvertSummary, notes: _BatchNotes, at: int, n: int,
                    dropped: set[int], raw_labels: Sequence[str | None]) -> None:
        """Count the notes of rows at..at+n of the batch that were written (not `dropped`)."""
        written = n - len(dropped)
        for role, by_position in (("text", notes.texts), ("reply", notes.replies)):
            if not self._writes[role]:
                continue
            self.cleaned["texts"] += written
            for pos, note in by_position.items():
                if at <= pos < at + n and pos - at not in dropped:
                    self._count(summary, (note,))
        if self._writes["label"]:
            values = {value: self._cleaned(value) for value in set(raw_labels)}
            if all(note is _NO_NOTE and cleaned is not None for cleaned, note in values.values()):
                self.cleaned["texts"] += written  # the usual case: no per-row work
                return
            for i, value in enumerate(raw_labels):
                cleaned, note = values[value]
                if i not in dropped and cleaned is not None:
                    self.cleaned["texts"] += 1
                    self._count(summary, (note,))

    def _count(self, summary: ConvertSummary, notes: Sequence[_Note], *, fields: bool = False) -> None:
        if fields:  # a written example's template fields, one text each
            self.cleaned["texts"] += len(notes)
        for steps, found in notes:
            self.cleaned.update(steps)
            if found:
                summary.redactions.update(found)

    def _clean(self, cleaner: TextCleaner, texts: list[str], mail: list[int]
               ) -> tuple[list[str], dict[int, frozenset[str]], Joined | None]:
        """Table cells through `cleaner`, mail texts (at positions `mail`) through the
        mail cleaner, in order; the steps that changed each changed text; and, for a
        batch of table cells, the texts as read joined, which the PII screen reuses."""
        if not mail:
            joined = Joined(texts)
            return (*cleaner.clean_many_noted(texts, joined), joined)
        if len(mail) == len(texts):
            return (*self.mail_cleaner.clean_many_noted(texts), None)
        is_mail = [False] * len(texts)
        for i in mail:
            is_mail[i] = True
        cell_at = list(itertools.compress(range(len(texts)), map(operator.not_, is_mail)))
        cells, cell_steps = cleaner.clean_many_noted([texts[i] for i in cell_at])
        mails, mail_steps = self.mail_cleaner.clean_many_noted([texts[i] for i in mail])
        out = list(texts)
        steps: dict[int, frozenset[str]] = {}
        for positions, cleaned, changed in ((cell_at, cells, cell_steps), (mail, mails, mail_steps)):
            for k, i in enumerate(positions):
                out[i] = cleaned[k]
            steps.update((positions[k], step) for k, step in changed.items())
        return out, steps, None

    def _values(self, values: list[str | None]) -> list[str | None]:
        """`_value` over a column: each distinct value looked up once."""
        done = {value: self._cleaned(value)[0] for value in set(values)}
        return list(map(done.__getitem__, values))

    def _value(self, value: str | None) -> str | None:
        """A label or template field as it may appear in a message: cleaned, and redacted
        when redaction is on."""
        return self._cleaned(value)[0]

    def _cleaned(self, value: str | None) -> tuple[str | None, _Note]:
        if value is None or value.__class__ is not str:
            return value, _NO_NOTE
        done = self._cleaned_values.get(value)
        if done is None:
            if len(self._cleaned_values) >= _VALUE_MEMO:
                self._cleaned_values.clear()
            cleaned, steps = self._field_cleaner.clean_noted(value)
            found = _NOTHING_FOUND
            if self.redactor is not None:
                cleaned, found = self.redactor.redact(cleaned)
            note = (steps, found) if steps or found else _NO_NOTE
            done = self._cleaned_values[value] = (cleaned, note)
        return done

    def _columns(self, cols: ExampleColumns, texts: list[str], replies: list[str],
                 cleaned_labels: list[str | None], lines: list[bytes], bad: list[Rejected],
                 summary: ConvertSummary) -> set[int]:
        """`_one` over a table's cleaned columns, adding to `lines` and `bad`: the rows
        that need no decision of their own (the usual case) are built and validated a
        column at a time; the others, and whole slices the column path does not cover,
        go through `_one`. The rows not written (rejected), by index."""
        n = len(cols)
        build, opts = self.build, self.cleaner.options
        if not build.plain_template or self.settings.drop_duplicates:
            return self._finish(cols, texts, replies, cleaned_labels, set(range(n)), [], [], [],
                                lines, bad, summary)
        # A superset of the rows _one would reject (or handle otherwise): text blank after
        # cleaning, length out of bounds, a label that does not normalise, no reply.
        # Each test looks at whole columns first (C-level `in`, min, set) and lists rows
        # only when one is hit.
        users = list(map(str.strip, texts))
        special = _rows_equal(users, "")
        sizes = list(map(len, texts))
        low = opts.min_chars
        high = opts.max_chars if opts.max_chars is not None else float("inf")
        if sizes and (min(sizes) < low or max(sizes) > high):
            special.update(i for i, size in enumerate(sizes) if not low <= size <= high)
        labels = build.normalise_labels(cleaned_labels)
        need_label = build.needs_label or build.require_label
        for label in set(labels):
            if label.__class__ is not str and (label is not None or need_label):
                special |= _rows_equal(labels, label)
        # The replies, stripped, where the assistant's answer holds them (--assistant label
        # reads none).
        stripped: list[str | None] = list(map(str.strip, replies)) if build.needs_reply else list(replies)
        if build.needs_reply:
            special |= _rows_equal(stripped, "")
        good: Sequence[int] = range(n)
        if special:
            keep = [True] * n
            for i in special:
                keep[i] = False
            users = list(compress(users, keep))
            labels = list(compress(labels, keep))
            stripped = list(compress(stripped, keep))
            good = list(compress(good, keep))
        written = cast("list[str | None]", labels)  # no BuildError is left
        assistants = assistant_texts(written, stripped, build)
        built = self.lines.lines(users, assistants)
        if good and not self.lines.all_pass(built, users, assistants):
            special, good, built, written = set(range(n)), [], [], []  # prove each line alone
        return self._finish(cols, texts, replies, cleaned_labels, special, good, built, written,
                            lines, bad, summary)

    def _finish(self, cols: ExampleColumns, texts: list[str], replies: list[str],
                cleaned_labels: list[str | None], special: set[int], good: Sequence[int],
                built: list[bytes], written: list[str | None], lines: list[bytes],
                bad: list[Rejected], summary: ConvertSummary) -> set[int]:
        """Add the `good` rows (already built as `built`, with labels `written`) and the
        `special` ones, through `_one`, to `lines` and `bad` in input order; the rows
        rejected, by index."""
        dropped: set[int] = set()
        if special:
            # The special rows in order; the good rows between two of them, a slice of
            # `built` each (not a Python step per row).
            merged: list[bytes] = []
            labels: list[str | None] = []
            start = taken = 0  # the next row, and the good rows taken so far
            for i in sorted(special):
                merged += built[taken:taken + i - start]
                labels += written[taken:taken + i - start]
                taken += i - start
                start = i + 1
                result = self._one(cols.example(i), texts[i], replies[i], cleaned_labels[i])
                if isinstance(result, Rejected):
                    # The row as the file holds it, as the loader's own rejects carry it.
                    raw = cols.raw(i)
                    bad.append(result if raw is None else replace(result, raw=raw))
                    dropped.add(i)
                else:
                    merged.append(result[0])
                    labels.append(result[1])
                    if len(result) > 2:
                        self._count(summary, result[2], fields=True)
            built, written = merged + built[taken:], labels + written[taken:]
        lines += built
        if None in written:
            summary.labels.update(label or "(none)" for label in written)
        else:
            summary.labels.update(cast("list[str]", written))  # C-level counting
        return dropped

    def _template_values(self, fields: dict[str, Any]) -> tuple[dict[str, Any], list[_Note]]:
        """The template's fields, cleaned: "{subject}" takes a table's "Subject" column
        (headers are matched as the column options match them); and their notes."""
        from ftprep.loaders.columns import find_header

        out = {}
        notes: list[_Note] = []
        for name in self._template_fields:
            key = name if name in fields else find_header(list(fields), name)
            if key is not None:
                out[name], note = self._cleaned(fields[key])
                notes.append(note)
        return out, notes

    def _one(self, example: Example, text: str, reply: str,
             label: str | None) -> tuple[bytes, str | None, list[_Note]] | Rejected:
        """The line, normalised label and template fields' notes of one example (`text`,
        `reply` and `label` cleaned), or why it is rejected."""
        if not text.strip():
            return Rejected(example.source, "empty-text", "no text left after cleaning",
                            _raw(example))
        too = self.cleaner.check_length(text)
        if too is not None:
            return Rejected(example.source, too, self.cleaner.length_detail(text), _raw(example))
        notes: list[_Note] = []
        try:
            fields = example.fields
            if self._template_fields:
                values, notes = self._template_values(fields)
                fields = {**fields, **values}
            label, user, assistant = build_contents(text, label, reply or None, fields,
                                                    self.build)
        except BuildError as exc:
            detail = exc.detail
            if exc.reason == "missing-label" and "label_source" in example.fields:
                from ftprep.loaders.email.labels import MISSING_LABEL

                detail = MISSING_LABEL  # a message: it has no label column to map
            return Rejected(example.source, exc.reason, detail, _raw(example))
        line = self.lines.line(user, assistant)
        if self.settings.drop_duplicates:
            key = hashlib.blake2b(line, digest_size=16).digest()
            first = self.seen.get(key)
            if first is not None:
                return Rejected(example.source, "duplicate", f"the same example as {first}",
                                _raw(example))
            self.seen[key] = example.source.describe()
        errors = self.lines.errors(line, user, assistant)
        if errors:
            return Rejected(example.source, "invalid-example", "; ".join(
                f"{f.code} {f.path or ''}: {f.message}" for f in errors), _raw(example))
        return line, label, notes

    def cleaning_summary(self) -> dict[str, int]:
        """Texts in the written examples (tickets, replies, labels and template fields
        that appear in a message), then how many of them each step changed."""
        keys = ("texts", *STEPS)
        return {k: self.cleaned[k] for k in keys if self.cleaned[k]}


def _build_settings(settings: ConvertSettings, label_map: dict[str, str] | None,
                    allowed_labels: Sequence[str]) -> BuildSettings:
    try:
        return BuildSettings(
            system_prompt=read_system_prompt(settings.system_prompt),
            user_template=settings.user_template,
            assistant=settings.assistant,  # type: ignore[arg-type]
            json_label_key=settings.json_label_key,
            json_reply_key=settings.json_reply_key,
            label_map=dict(label_map or {}),
            allowed_labels=list(allowed_labels),
            require_label=not settings.allow_unlabelled,
        )
    except ValueError as exc:
        raise ConvertError(str(exc)) from None


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Batches of `size` records, a table's columns cut to fit."""
    batch: list[Item] = []
    room = size
    for item in items:
        if isinstance(item, ExampleColumns):
            start = 0
            while len(item) - start > room:
                batch.append(item.slice(start, start + room))
                yield batch
                start += room
                batch, room = [], size
            item = item.slice(start, len(item)) if start else item
        batch.append(item)
        room -= len(item) if isinstance(item, ExampleColumns) else 1
        if room <= 0:
            yield batch
            batch, room = [], size
    if batch:
        yield batch


def _count_email_notes(fields: dict[str, Any], counts: Counter[str]) -> None:
    attachments = fields.get("attachments")
    if isinstance(attachments, int) and attachments > 0:
        counts["attachments_skipped"] += attachments
    if fields.get("charset_recovered"):
        counts["charsets_recovered"] += 1


def _rows_equal(values: list[Any], value: Any) -> set[int]:
    return {i for i, v in enumerate(values) if v == value} if value in values else set()


def _line_validator(target: str | None = None) -> Any:
    from ftprep.checks.registry import Selection
    from ftprep.validate import FileValidator, ValidateOptions

    return FileValidator(ValidateOptions(line_format="openai-chat", selection=Selection(),
                                         target=target))


def _dumps(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value, default=str)


def _parent_rejected(example: Example, ticket: Rejected) -> list[Rejected]:
    return [Rejected(ref, "parent-rejected", f"belongs to the ticket {example.source.describe()}, "
                     f"which was rejected ({ticket.reason}): fix it there") for ref in example.merged]


def _raw(example: Example) -> dict[str, Any]:
    return {"text": example.text, "label": example.label, "reply": example.reply,
            "fields": {k: v for k, v in example.fields.items()
                       if isinstance(v, str | int | float | bool | list | dict) or v is None}}


def read_system_prompt(value: str | None, leave_out: str = "leave the option out") -> str | None:
    """The system prompt: the text, or `@path` read from a UTF-8 file (as curl does).
    Raises ConvertError, naming the file or the value, for a prompt that is empty or only
    whitespace (it would reject every line, or vanish) and for a file that is not UTF-8."""
    if value is None:
        return None
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConvertError(f"{path}: cannot read the system prompt file ({exc.strerror})") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConvertError(f"{path}: the system prompt file is not UTF-8 (it looks like "
                               f"{_looks_like(path)}): save it as UTF-8") from None
    text = text.strip()
    if not text:
        shown = value if value.startswith("@") else repr(value)
        raise ConvertError(f"the system prompt ({shown}) is empty: write one or {leave_out}")
    return text


def _looks_like(path: Path) -> str:
    """What a file that is not UTF-8 seems to be, in words, for the fix."""
    from ftprep.loaders.encoding import detect_encoding

    found = detect_encoding(path)
    if found.how == "bom":
        return f"{found.name.upper()} with a byte-order mark"
    if found.how == "detected":
        return found.name.upper().replace("_", "-") if found.name.startswith("utf") else found.name
    return "a single-byte Windows encoding such as cp1252"

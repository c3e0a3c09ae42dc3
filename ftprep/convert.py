"""The convert pipeline: sources -> Example stream -> cleaning -> PII redaction -> builder ->
validated chat JSONL, plus a rejects file. Every input record ends in the output, in the
rejects (with a reason), or folded into another example (an agent's reply in a thread):
read = written + merged + rejected, and the summary says so.

Examples are cleaned and redacted in batches (the cleaners screen a whole batch at C
speed and do exact work only on the few texts that need it); output order is input order.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ftprep.build import BuildError, BuildSettings, build_record
from ftprep.clean.text import CleanOptions
from ftprep.jsonl import AtomicWriter, default_rejects_path, same_file
from ftprep.loaders.columns import ColumnMapping
from ftprep.loaders.email.options import EmailOptions
from ftprep.records import Example, Rejected

BATCH = 1000


class ConvertSettings(BaseModel):
    """`[tool.ftprep.convert]`, overridden by command-line options."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

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
    clean: CleanOptions = Field(default_factory=lambda: CleanOptions(min_chars=3))
    redact_pii: bool = Field(default=True, alias="redact-pii")
    drop_duplicates: bool = Field(default=False, alias="drop-duplicates")
    # Keep examples without a label (only meaningful with --assistant reply).
    allow_unlabelled: bool = Field(default=False, alias="allow-unlabelled")


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

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def balanced(self) -> bool:
        return self.read == self.written + self.merged + self.rejected_total

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
            "redactions": dict(self.redactions.most_common()),
            "cleaning": self.cleaning,
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
    on_progress: Callable[[int], None] | None = None,
) -> ConvertSummary:
    """Convert labelled sources to chat JSONL at `output`; rejects go to `rejects`.
    `pii` is a ftprep.clean.pii.PiiSettings ([tool.ftprep.pii])."""
    from ftprep.loaders import load_sources
    from ftprep.loaders.columns import LoaderError

    settings = settings or ConvertSettings()
    rejects = rejects or default_rejects_path(output)
    for source in sources:
        for target in (output, rejects):
            if same_file(source, target):
                raise ConvertError(f"{target} is an input; refusing to overwrite it")
    if Path(output).resolve() == Path(rejects).resolve():
        raise ConvertError("the output and the rejects file must differ")
    build = _build_settings(settings, label_map, allowed_labels)
    stages = _Stages(settings, pii, build)
    summary = ConvertSummary([str(s) for s in sources], str(output), str(rejects))
    try:
        with AtomicWriter(output) as out, AtomicWriter(rejects) as rej:
            for batch in _batches(load_sources(sources, settings), BATCH):
                for line, bad in stages.run(batch, summary):
                    if bad is not None:
                        summary.rejected[bad.reason] += 1
                        rej.write(_dumps(bad.to_dict()) + b"\n")
                    else:
                        out.write(line + b"\n")
                        summary.written += 1
                if on_progress is not None:
                    on_progress(summary.read)
    except (LoaderError, OSError) as exc:
        raise ConvertError(str(exc)) from None
    summary.cleaning = stages.cleaning_summary()
    return summary


class _Stages:
    """Clean, filter, redact, build and validate one batch of loader output."""

    def __init__(self, settings: ConvertSettings, pii: Any, build: BuildSettings) -> None:
        from ftprep.clean.text import TextCleaner

        self.settings = settings
        self.build = build
        self.cleaner = TextCleaner(settings.clean)
        self.redactor: Any = None
        if settings.redact_pii:
            from ftprep.clean.pii import PiiDetector, PiiSettings

            self.redactor = PiiDetector.from_settings(pii or PiiSettings())
        self.validator = _line_validator()
        self.seen: dict[bytes, str] = {}

    def run(self, batch: list[Example | Rejected],
            summary: ConvertSummary) -> Iterator[tuple[bytes, Rejected | None]]:
        examples = [item for item in batch if isinstance(item, Example)]
        texts = self.cleaner.clean_many([e.text for e in examples])
        replies = self.cleaner.clean_many([e.reply or "" for e in examples])
        if self.redactor is not None:
            texts, found = self.redactor.redact_many(texts)
            summary.redactions.update(found)
            replies, found = self.redactor.redact_many(replies)
            summary.redactions.update(found)
        cleaned = iter(zip(examples, texts, replies, strict=True))
        for item in batch:
            if isinstance(item, Rejected):
                summary.read += 1
                yield b"", item
                continue
            example, text, reply = next(cleaned)
            summary.read += 1 + len(item.merged)
            summary.merged += len(item.merged)
            yield self._one(example, text, reply, summary)

    def _one(self, example: Example, text: str, reply: str,
             summary: ConvertSummary) -> tuple[bytes, Rejected | None]:
        def reject(reason: str, detail: str) -> tuple[bytes, Rejected]:
            return b"", Rejected(example.source, reason, detail, _raw(example))

        if not text.strip():
            return reject("empty-text", "no text left after cleaning")
        too = self.cleaner.check_length(text)
        if too is not None:
            return reject(too, self.cleaner.length_detail(text))
        cleaned = Example(text=text, source=example.source, label=example.label,
                          reply=reply or None, fields=example.fields, merged=example.merged)
        try:
            record = build_record(cleaned, self.build)
        except BuildError as exc:
            return reject(exc.reason, exc.detail)
        line = _dumps(record)
        if self.settings.drop_duplicates:
            key = hashlib.blake2b(line, digest_size=16).digest()
            first = self.seen.setdefault(key, example.source.describe())
            if first != example.source.describe():
                return reject("duplicate", f"the same example as {first}")
        errors = [f for f in self.validator.check_line(line) if f.severity.label == "error"]
        if errors:
            return reject("invalid-example",
                          "; ".join(f"{f.code} {f.path or ''}: {f.message}" for f in errors))
        summary.labels[self.build.normalise_label(example.label) or "(none)"] += 1
        return line, None

    def cleaning_summary(self) -> dict[str, int]:
        return {k: v for k, v in self.cleaner.summary().items() if v}


def _build_settings(settings: ConvertSettings, label_map: dict[str, str] | None,
                    allowed_labels: Sequence[str]) -> BuildSettings:
    try:
        return BuildSettings(
            system_prompt=_read_text_option(settings.system_prompt),
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


def _batches(items: Iterable[Example | Rejected], size: int) -> Iterator[list[Example | Rejected]]:
    batch: list[Example | Rejected] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _line_validator() -> Any:
    from ftprep.checks.registry import Selection
    from ftprep.validate import FileValidator, ValidateOptions

    return FileValidator(ValidateOptions(line_format="openai-chat", selection=Selection()))


def _dumps(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value, default=str)


def _raw(example: Example) -> dict[str, Any]:
    return {"text": example.text, "label": example.label, "reply": example.reply,
            "fields": {k: v for k, v in example.fields.items()
                       if isinstance(v, str | int | float | bool | list | dict) or v is None}}


def _read_text_option(value: str | None) -> str | None:
    """`@path` reads the text from a file, as curl does."""
    if value and value.startswith("@"):
        path = Path(value[1:])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConvertError(f"{path}: cannot read the system prompt file ({exc.strerror})") from None
    return value

"""The convert pipeline: sources -> Example stream -> cleaning -> PII redaction -> builder ->
validated chat JSONL, plus a rejects file. Every input record ends in the output, in the
rejects (with a reason), or folded into another example (an agent's reply in a thread):
read = written + merged + rejected, and the summary says so."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ftprep.build import BuildError, BuildSettings, build_record
from ftprep.jsonl import AtomicWriter, same_file
from ftprep.records import Example, Rejected, SourceRef


class ConvertSettings(BaseModel):
    """`[tool.ftprep.convert]`, overridden by command-line options."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    # Columns (tables); with none given, common names are recognised.
    text: list[str] = Field(default_factory=list)
    label: str | None = None
    reply: str | None = None
    id: str | None = None
    date: str | None = None
    preset: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    # Email.
    label_header: str | None = Field(default=None, alias="label-header")
    label_map_file: str | None = Field(default=None, alias="label-map-file")
    agent_addresses: list[str] = Field(default_factory=list, alias="agent-addresses")
    agent_domains: list[str] = Field(default_factory=list, alias="agent-domains")
    include_subject: bool = Field(default=True, alias="include-subject")
    # Building.
    system_prompt: str | None = Field(default=None, alias="system-prompt")
    user_template: str = Field(default="{text}", alias="user-template")
    assistant: str = "label"
    json_label_key: str = Field(default="category", alias="json-label-key")
    json_reply_key: str = Field(default="reply", alias="json-reply-key")
    # Cleaning: each step switchable.
    clean: bool = True
    fix_mojibake: bool = Field(default=True, alias="fix-mojibake")
    redact_pii: bool = Field(default=True, alias="redact-pii")
    min_chars: int = Field(default=3, alias="min-chars")
    max_chars: int = Field(default=20_000, alias="max-chars")
    drop_duplicates: bool = Field(default=False, alias="drop-duplicates")


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
    cleaning: Counter[str] = field(default_factory=Counter)

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
            "cleaning": dict(self.cleaning.most_common()),
        }


class ConvertError(Exception):
    """The conversion cannot start (bad settings, output would overwrite an input...)."""


def default_rejects_path(output: Path) -> Path:
    return output.with_name(output.stem + ".rejects.jsonl")


def convert(
    sources: Sequence[Path],
    output: Path,
    settings: ConvertSettings,
    *,
    rejects: Path | None = None,
    label_map: dict[str, str] | None = None,
    allowed_labels: Sequence[str] = (),
    pii_settings: Any = None,
    on_progress: Callable[[int], None] | None = None,
) -> ConvertSummary:
    """Convert labelled sources to chat JSONL at `output`; rejects go to `rejects`."""
    rejects = rejects or default_rejects_path(output)
    for source in sources:
        for target in (output, rejects):
            if same_file(source, target):
                raise ConvertError(f"{target} is an input; refusing to overwrite it")
    try:
        build = BuildSettings(
            system_prompt=_read_text_option(settings.system_prompt),
            user_template=settings.user_template,
            assistant=settings.assistant,  # type: ignore[arg-type]
            json_label_key=settings.json_label_key,
            json_reply_key=settings.json_reply_key,
            label_map=dict(label_map or {}),
            allowed_labels=list(allowed_labels),
        )
    except ValueError as exc:
        raise ConvertError(str(exc)) from None
    steps = _Steps(settings, pii_settings)
    summary = ConvertSummary([str(s) for s in sources], str(output), str(rejects))
    validator = _line_validator()
    seen: dict[bytes, str] = {}
    with AtomicWriter(output) as out, AtomicWriter(rejects) as rej:
        from ftprep.loaders import load_sources

        for item in load_sources(sources, settings):
            if isinstance(item, Rejected):
                summary.read += 1
                _reject(rej, summary, item)
            else:
                summary.read += 1 + len(item.merged)
                summary.merged += len(item.merged)
                _write_example(item, out, rej, summary, steps, build, validator, seen,
                               settings.drop_duplicates)
            if on_progress is not None:
                on_progress(summary.read)
    return summary


def _write_example(
    example: Example,
    out: Any,
    rej: Any,
    summary: ConvertSummary,
    steps: _Steps,
    build: BuildSettings,
    validator: Any,
    seen: dict[bytes, str],
    drop_duplicates: bool,
) -> None:
    import orjson

    cleaned = steps.apply(example, summary)
    if isinstance(cleaned, Rejected):
        _reject(rej, summary, cleaned)
        return
    try:
        record = build_record(cleaned, build)
    except BuildError as exc:
        _reject(rej, summary, Rejected(example.source, exc.reason, exc.detail, _raw(example)))
        return
    raw = orjson.dumps(record)
    if drop_duplicates:
        key = hashlib.blake2b(raw, digest_size=16).digest()
        first = seen.setdefault(key, example.source.describe())
        if first != example.source.describe():
            _reject(rej, summary, Rejected(example.source, "duplicate",
                                           f"same example as {first}", _raw(example)))
            return
    errors = [f for f in validator.check_line(raw) if f.severity.label == "error"]
    if errors:
        detail = "; ".join(f"{f.code} {f.path or ''}: {f.message}" for f in errors)
        _reject(rej, summary, Rejected(example.source, "invalid-example", detail, _raw(example)))
        return
    out.write(raw + b"\n")
    summary.written += 1
    summary.labels[record["messages"][-1]["content"] if build.assistant == "label"
                   else (cleaned.label or "(none)")] += 1


class _Steps:
    """Cleaning, length filters and PII redaction, in that order."""

    def __init__(self, settings: ConvertSettings, pii_settings: Any) -> None:
        self.settings = settings
        self.cleaner: Any = None
        self.redactor: Any = None
        if settings.clean:
            from ftprep.clean.text import TextCleaner

            self.cleaner = TextCleaner.from_settings(settings)
        if settings.redact_pii:
            from ftprep.clean.pii import Redactor

            self.redactor = Redactor.from_settings(pii_settings)

    def apply(self, example: Example, summary: ConvertSummary) -> Example | Rejected:
        text, reply = example.text, example.reply
        if self.cleaner is not None:
            text = self.cleaner.clean(text, summary.cleaning)
            reply = self.cleaner.clean(reply, summary.cleaning) if reply else reply
        if not text.strip():
            return Rejected(example.source, "empty-text", "no text left after cleaning", _raw(example))
        if len(text) < self.settings.min_chars:
            return Rejected(example.source, "too-short",
                            f"{len(text)} characters; the minimum is {self.settings.min_chars}",
                            _raw(example))
        if len(text) > self.settings.max_chars:
            return Rejected(example.source, "too-long",
                            f"{len(text)} characters; the maximum is {self.settings.max_chars}",
                            _raw(example))
        if self.redactor is not None:
            text = self.redactor.redact(text, summary.redactions)
            reply = self.redactor.redact(reply, summary.redactions) if reply else reply
        return Example(text=text, source=example.source, label=example.label, reply=reply,
                       fields=example.fields, merged=example.merged)


def _line_validator() -> Any:
    from ftprep.checks.registry import Selection
    from ftprep.validate import FileValidator, ValidateOptions

    return FileValidator(ValidateOptions(line_format="openai-chat", selection=Selection()))


def _reject(stream: Any, summary: ConvertSummary, rejected: Rejected) -> None:
    import orjson

    summary.rejected[rejected.reason] += 1
    stream.write(orjson.dumps(rejected.to_dict(), default=str) + b"\n")


def _raw(example: Example) -> dict[str, Any]:
    return {"text": example.text, "label": example.label, "reply": example.reply,
            "fields": {k: v for k, v in example.fields.items() if _jsonable(v)}}


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict) or value is None


def _read_text_option(value: str | None) -> str | None:
    """`@path` reads the text from a file, as curl does."""
    if value and value.startswith("@"):
        path = Path(value[1:])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConvertError(f"{path}: cannot read system prompt file ({exc.strerror})") from None
    return value


def iter_source_refs(items: Iterable[Example | Rejected]) -> Iterator[SourceRef]:
    for item in items:
        yield item.source

"""Collect per-example features in one streaming pass, and run the dataset checks.

The check command does, per file (training first, one DatasetFeatures per file, since
line numbers are per file):

    settings = DatasetCheckSettings.from_config(config)
    train, report = collect_features(path, settings, options=..., report=report)
    ctx = DatasetContext(train, settings)
    report.extend(run_dataset_checks(ctx, selection))
    report.stats["labels"] = label_stats(ctx)            # ftprep.checks.labels
    report.stats["duplicates"] = duplicate_stats(ctx)    # ftprep.checks.duplicates

and for a validation file the same with `DatasetContext(val, settings, reference=train)`,
which adds the leakage checks (stats under "validation_labels" and
"validation_duplicates"). `DatasetFeatures.on_record` is the `on_record` hook of
`ftprep.validate.validate` for callers that run the validation themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ftprep.checks.registry import Scope, Selection, checks_in_scope
from ftprep.config import unique_labels
from ftprep.dataset.features import (
    PREVIEW_CHARS,
    ExampleFeatures,
    features_and_shingles,
    hash64,
    last_assistant,
    message_text,
    reply_hash,
)
from ftprep.dataset.near_dupes import MinHashParams
from ftprep.jsonl import BOM

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ftprep.config import Config
    from ftprep.dataset.near_dupes import NearDuplicateIndex
    from ftprep.formats import LineFormat
    from ftprep.report.finding import Finding, Report
    from ftprep.shards import ShardCollector
    from ftprep.validate import RecordHook, ValidateOptions

T = TypeVar("T")
# Shingle characters buffered before a batch of signatures is computed.
_SIGNATURE_BATCH_CHARS = 1 << 20
# Below this, near-duplicate clustering takes less time than forking a child for it.
_PREFETCH_EXAMPLES = 20_000


class DatasetCheckSettings(BaseModel):
    """Settings of the FT3xx and FT4xx checks, from `[tool.ftprep.check]`.

    The check command's own model for that table should inherit from this one (together
    with the token settings), so that one model validates the whole table."""

    # strict: `min-label-count = true` must not quietly become 1 (ftprep.config).
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    # Allowed labels (FT303); empty means the `labels` of [tool.ftprep].
    labels: list[str] = Field(default_factory=list)
    # JSON field of a structured reply that holds the label; None tries category, label,
    # intent, class, then takes the whole reply.
    label_field: str | None = Field(default=None, alias="label-field")
    min_label_count: int = Field(default=10, ge=1, alias="min-label-count")
    max_imbalance: float = Field(default=10.0, gt=1.0, alias="max-imbalance")
    near_duplicates: bool = Field(default=True, alias="near-duplicates")
    near_duplicate_threshold: float = Field(default=0.8, gt=0.0, le=1.0,
                                            alias="near-duplicate-threshold")
    num_perm: int = Field(default=128, ge=16, le=512, alias="num-perm")

    @field_validator("labels")
    @classmethod
    def _labels_once(cls, value: list[str]) -> list[str]:
        return unique_labels(value)

    @classmethod
    def from_config(cls, config: Config) -> DatasetCheckSettings:
        settings = config.section("check", cls)
        if not settings.labels and config.general.labels:
            settings = settings.model_copy(update={"labels": list(config.general.labels)})
        return settings

    def minhash_params(self) -> MinHashParams | None:
        if not self.near_duplicates:
            return None
        return MinHashParams(num_perm=self.num_perm, threshold=self.near_duplicate_threshold)


class DatasetFeatures:
    """The features of one file's examples, in line order, plus what is computed from
    all of them (duplicate groups, MinHash signatures, near-duplicate clusters).

    MinHash signatures are computed in batches as examples arrive, once per distinct
    input (exact repeats share one; `signature_of(i)`). Unless `keep_text`, each example's
    `input_text` is then dropped and `output_text` cut to a preview, so memory per example
    is its hashes, label and one row of a uint32 matrix."""

    def __init__(
        self,
        path: str | None = None,
        *,
        label_field: str | None = None,
        params: MinHashParams | None = None,
        keep_text: bool = False,
        source: str | Path | None = None,
    ) -> None:
        self.path = path
        # The file itself, to read back the few whole replies a message quotes.
        self.source = source
        self.line_format: LineFormat | None = None
        self.label_field = label_field
        self.params = params
        self.keep_text = keep_text
        self.examples: list[ExampleFeatures] = []
        # Example i's input is row text_row[i] of `signatures` (distinct inputs only).
        self.text_row: list[int] = []
        self._rows: dict[int, int] = {}
        self._pending: list[str] = []
        self._pending_chars = 0
        self._chunks: list[NDArray[np.uint32]] = []
        self._signatures: NDArray[np.uint32] | None = None
        self._memo: dict[str, Any] = {}

    @classmethod
    def from_settings(cls, path: str | None, settings: DatasetCheckSettings,
                      *, keep_text: bool = False, source: str | Path | None = None
                      ) -> DatasetFeatures:
        return cls(path, label_field=settings.label_field, params=settings.minhash_params(),
                   keep_text=keep_text, source=source)

    def __len__(self) -> int:
        return len(self.examples)

    def on_record(self, line: int, record: dict[str, Any], fmt: LineFormat) -> None:
        """The `on_record` hook of `ftprep.validate.validate`."""
        self.line_format = fmt
        self.add(*features_and_shingles(line, record, fmt, label_field=self.label_field))

    def add(self, example: ExampleFeatures, shingle_text: str | None = None) -> None:
        """Keep one example; `shingle_text` saves recomputing its `shingle_text`."""
        if self._signatures is not None:
            raise RuntimeError("DatasetFeatures is finished; create a new one")
        text = example.shingle_text if shingle_text is None else shingle_text
        key = hash64(text)
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = len(self._rows)
            if self.params is not None:
                self._pending.append(text)
                self._pending_chars += len(text)
                if self._pending_chars >= _SIGNATURE_BATCH_CHARS:
                    self._flush()
        self.text_row.append(row)
        if not self.keep_text:
            example.input_text = ""
            example.output_text = example.output_text[:PREVIEW_CHARS]
        self.examples.append(example)

    def _flush(self) -> None:
        if self._pending and self.params is not None:
            from ftprep.dataset.near_dupes import signatures

            self._chunks.append(signatures(self._pending, self.params))
        self._pending, self._pending_chars = [], 0

    def finish(self) -> DatasetFeatures:
        """Compute the last signatures; called by every analysis below."""
        if self._signatures is None and self.params is not None:
            import numpy as np

            self._flush()
            self._signatures = (np.concatenate(self._chunks) if self._chunks else
                                np.empty((0, self.params.num_perm), dtype=np.uint32))
            self._chunks = []
        return self

    def shard_state(self) -> dict[str, Any]:
        """This piece's features, for ftprep.shards: its signatures are computed here,
        in the worker, and travel as one matrix rather than a row per example."""
        self.finish()
        # Plain tuples pickle at C speed; the dataclass instances would not.
        examples = [(e.line, e.input_text, e.output_text, e.label, e.exact_hash, e.input_hash,
                     e.output_hash, e.label_field) for e in self.examples]
        return {"examples": examples, "text_row": self.text_row, "rows": self._rows,
                "signatures": self._signatures}

    def merge_shard(self, state: dict[str, Any]) -> None:
        """Append a later piece's examples; an input seen in both keeps one row."""
        import numpy as np

        self.finish()
        later_rows: dict[int, int] = state["rows"]
        remap = [0] * len(later_rows)
        new_rows: list[int] = []
        for key, row in later_rows.items():
            mine = self._rows.get(key)
            if mine is None:
                mine = self._rows[key] = len(self._rows)
                new_rows.append(row)
            remap[row] = mine
        self.examples.extend(ExampleFeatures(*fields) for fields in state["examples"])
        self.text_row.extend(remap[row] for row in state["text_row"])
        if self._signatures is not None and state["signatures"] is not None:
            self._signatures = np.concatenate([self._signatures, state["signatures"][new_rows]])
        self._memo.clear()

    def signature_of(self, i: int) -> NDArray[np.uint32]:
        """Example i's MinHash signature (a row of `signatures`; examples hold none, which
        saves a numpy view per example)."""
        return self.signatures[self.text_row[i]]

    @property
    def signatures(self) -> NDArray[np.uint32]:
        """One signature per distinct input (rows indexed by `text_row`)."""
        self.finish()
        if self._signatures is None:
            raise RuntimeError("near-duplicate detection is off (no MinHash parameters)")
        return self._signatures

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute once per dataset what several checks and the stats share."""
        if key not in self._memo:
            self._memo[key] = compute()
        value: T = self._memo[key]
        return value

    def groups(self, attr: str) -> list[list[int]]:
        """Indices of examples sharing the value of a hash attribute (exact_hash,
        input_hash, output_hash), groups of two or more, in line order."""
        def compute() -> list[list[int]]:
            import numpy as np

            from ftprep.dataset.near_dupes import equal_groups

            values = np.fromiter((getattr(e, attr) for e in self.examples), dtype=np.int64,
                                 count=len(self.examples))
            return equal_groups(values)
        return self.memo(f"groups:{attr}", compute)

    def index(self) -> NearDuplicateIndex:
        from ftprep.dataset.near_dupes import NearDuplicateIndex

        params = self.params
        if params is None:
            raise RuntimeError("near-duplicate detection is off (no MinHash parameters)")
        return self.memo("index", lambda: NearDuplicateIndex(self.signatures, params))

    def near_clusters(self) -> list[list[int]]:
        """Example indices whose inputs are near-duplicates of each other: clusters of
        at least two *different* inputs (exact repeats alone are not near-duplicates),
        with every example of those inputs. Empty when detection is off."""
        pending = self._memo.pop("near_clusters:pending", None)
        if pending is not None:
            self._memo["near_clusters"] = pending()
        return self.memo("near_clusters", self._near_clusters)

    def prefetch_near_clusters(self) -> None:
        """Start `near_clusters` on the other core (ftprep.shards.start) for a large
        dataset, so that it overlaps the checks that run before the first one needs it."""
        if self.params is None or len(self) < _PREFETCH_EXAMPLES or "near_clusters" in self._memo:
            return
        from ftprep.shards import start

        self.finish()
        self._memo["near_clusters:pending"] = start(self._near_clusters)

    def _near_clusters(self) -> list[list[int]]:
        if self.params is None:
            return []
        by_row: dict[int, list[int]] = {}
        for i, row in enumerate(self.text_row):
            by_row.setdefault(row, []).append(i)
        clusters = [sorted(i for row in rows for i in by_row[row])
                    for rows in self.index().clusters()]
        return sorted(clusters, key=lambda c: c[0])

    def lines(self, indices: list[int]) -> tuple[int, ...]:
        return tuple(self.examples[i].line for i in indices)

    def whole_replies(self, indices: Sequence[int]) -> dict[int, str]:
        """The whole reply (`output_text`) of these examples, by index. Only a preview
        of each is kept, so the lines are read back from the file (one pass, only they
        are parsed); a reply that cannot be had again (standard input, a file changed
        since) stays a preview."""
        out = {i: self.examples[i].output_text for i in indices}
        # A reply shorter than a preview was kept whole.
        wanted = {self.examples[i].line: i for i in indices if len(out[i]) >= PREVIEW_CHARS}
        if self.keep_text or self.source is None or not wanted or str(self.source) == "-":
            return out
        from ftprep.jsonl import open_binary

        last = max(wanted)
        try:
            with open_binary(self.source) as stream:
                for number, raw in enumerate(stream, start=1):
                    i = wanted.get(number)
                    if i is not None:
                        text = _reply_of(raw.rstrip(b"\r\n"), self.line_format)
                        if text is not None and reply_hash(text) == self.examples[i].output_hash:
                            out[i] = text
                    if number >= last:
                        break
        except Exception:  # unreadable now, in any way: the previews will do
            pass
        return out


def _reply_of(raw: bytes, fmt: LineFormat | None) -> str | None:
    """The `output_text` of a JSONL line as `features_and_shingles` takes it."""
    import orjson

    from ftprep.formats import detect_format

    record = orjson.loads(raw.removeprefix(BOM))
    if not isinstance(record, dict):
        return None
    fmt = fmt or detect_format(record)
    if fmt is None:
        return None
    messages = fmt.conversation(record)
    last = last_assistant(messages)
    return message_text(messages[last]) if last < len(messages) else ""


@dataclass
class DatasetContext:
    """What a dataset check sees: one file's features, the settings and, when that file
    is a validation set, the training set's features as `reference`."""

    features: DatasetFeatures
    settings: DatasetCheckSettings
    reference: DatasetFeatures | None = None
    # The FT5xx figures of the same file (ftprep.checks.behaviour.collector), when the
    # behaviour rules run; their checks stay silent without them.
    behaviour: Any = None

    @property
    def is_validation(self) -> bool:
        return self.reference is not None


def run_dataset_checks(ctx: DatasetContext, selection: Selection | None = None) -> list[Finding]:
    """Run every enabled DATASET-scope check; findings are placed in the context's file."""
    from ftprep.checks.duplicates import near_duplicates, near_duplicates_labelled_differently

    selection = selection or Selection()
    checks = [c for c in checks_in_scope(Scope.DATASET)
              if c.func is not None and selection.enabled(c)]
    # The near-duplicate checks run last, so that clustering started on the other core
    # (DatasetFeatures.prefetch_near_clusters) overlaps every other check; the findings
    # keep the registry's order.
    last = (near_duplicates, near_duplicates_labelled_differently)
    found: dict[str, list[Finding]] = {}
    for check in sorted(checks, key=lambda c: c.func in last):
        hits: Iterator[Any] = iter(check.func(ctx))  # type: ignore[misc]
        found[check.code] = [selection.finding(check, hit, file=ctx.features.path)
                             for hit in hits]
    return [finding for check in checks for finding in found[check.code]]


def collect_features(
    path: str | Path,
    settings: DatasetCheckSettings | None = None,
    *,
    options: ValidateOptions | None = None,
    report: Report | None = None,
    keep_text: bool = False,
    on_record: RecordHook | None = None,
    writes_to: Sequence[ShardCollector] | None = None,
) -> tuple[DatasetFeatures, Report]:
    """Validate one file and collect the features of its valid examples in the same
    pass. The report gets the validation findings (FT1xx); lines that fail validation
    have no features. `on_record` also sees each valid record (token counts, say), so
    the file is read once; a large file runs on two cores (ftprep.shards) when
    `writes_to` lists what `on_record` writes to (or there is no `on_record`)."""
    from ftprep.jsonl import display_name
    from ftprep.validate import validate

    settings = settings or DatasetCheckSettings()
    features = DatasetFeatures.from_settings(display_name(path), settings, keep_text=keep_text,
                                             source=path)
    hook = features.on_record
    collectors = None if on_record is not None and writes_to is None else [features, *(writes_to or ())]
    if on_record is not None:
        extra = on_record

        def hook(line: int, record: dict[str, Any], fmt: LineFormat) -> None:
            features.on_record(line, record, fmt)
            extra(line, record, fmt)

    report = validate([path], options, on_record=hook, report=report, collectors=collectors)
    return features.finish(), report

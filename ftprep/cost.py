"""Training cost estimates from a dated, sourced price table (ftprep/data/prices.json).

cost = price per 1M tokens / 1M x billed tokens x epochs, where billed tokens are the
per-example totals each capped at the model's limit. Prices and platform availability
dates live in the data file, never in code; a user file can override rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ftprep.modelinfo import base_model, matches_prefix
from ftprep.report.blocks import plural

if TYPE_CHECKING:
    from collections.abc import Iterable

# The OpenAI cookbook's default-epoch heuristic (Chat_finetuning_data_prep.ipynb).
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25

PACKAGED = "ftprep/data/prices.json (packaged)"
_AS_OF = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_SNAPSHOT = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Key = tuple[str, str, str]


MAX_PRICE_USD = 1_000_000


class PriceFileError(ValueError):
    """A price file cannot be read or has a bad row; the message names file and row."""


class PriceRow(BaseModel):
    """One training price. price_usd None means known but unpriced (unverified)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = Field(min_length=1)
    model: str = Field(min_length=1)
    method: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    unit: Literal["1M tokens", "hour"]
    # Finite and at most $1M a unit: a larger figure is a typo, and 1e308 overflowed the cost.
    price_usd: float | None = Field(ge=0, le=MAX_PRICE_USD, allow_inf_nan=False)
    source: str = Field(min_length=1)
    as_of: str | None = None
    notes: list[str] = Field(default_factory=list)

    @field_validator("as_of")
    @classmethod
    def _check_as_of(cls, value: str | None) -> str | None:
        if value is not None and not _AS_OF.match(value):
            raise ValueError("as_of must be YYYY-MM or YYYY-MM-DD")
        return value

    @property
    def key(self) -> Key:
        return (self.provider.lower(), self.model.lower(), self.method)


class Availability(BaseModel):
    """A dated platform rule. scope: 'all' stops every customer; 'new' and 'inactive'
    stop some organisations only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = Field(min_length=1)
    date: date
    scope: Literal["all", "new", "inactive"]
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)


class _PriceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: str | None = None
    comment: str | None = None
    rows: list[PriceRow] = Field(default_factory=list)
    availability: list[Availability] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Merged price rows keyed by (provider, model, method), each with the file it came from."""

    rows: tuple[PriceRow, ...]
    origins: tuple[str, ...]  # parallel to rows
    availability: tuple[Availability, ...] = ()
    files: tuple[str, ...] = ()

    def find(
        self, model: str, *, provider: str = "openai", method: str | None = None
    ) -> tuple[PriceRow, str, str | None] | None:
        """(row, origin, note) for `model`, or None. The longest row model that the base
        name equals or continues with '-' wins; an undated alias (`gpt-4o-mini`) falls
        back to the single dated snapshot priced for it, with a note saying so.
        Without `method`, an sft row is preferred."""
        name = base_model(model)
        candidates = [
            (row, origin)
            for row, origin in zip(self.rows, self.origins, strict=True)
            if row.provider.lower() == provider.lower() and (method is None or row.method == method)
        ]
        ranked = sorted(candidates, key=lambda c: (c[0].method != "sft", -len(c[0].model)))
        for row, origin in ranked:
            if matches_prefix(name, row.model.lower()):
                return row, origin, None
        aliases = [
            (row, origin)
            for row, origin in ranked
            if row.model.lower().startswith(name + "-")
            and _SNAPSHOT.match(row.model.lower()[len(name) + 1 :])
        ]
        if len({row.model for row, _ in aliases}) == 1:
            row, origin = aliases[0]
            return row, origin, f"{model!r} priced as its snapshot {row.model}"
        return None

    def for_provider(self, provider: str) -> list[Availability]:
        return [a for a in self.availability if a.provider.lower() == provider.lower()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "rows": [
                {**row.model_dump(), "file": origin}
                for row, origin in zip(self.rows, self.origins, strict=True)
            ],
            "availability": [a.model_dump(mode="json") for a in self.availability],
        }


def _read(text: str, origin: str) -> _PriceFile:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PriceFileError(
            f"{origin}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from None
    try:
        parsed = _PriceFile.model_validate(raw)
    except ValidationError as exc:
        raise PriceFileError(_explain(exc, raw, origin)) from None
    for index, row in enumerate(parsed.rows):
        if row.as_of is None:
            if parsed.as_of is None:
                raise PriceFileError(
                    f"{origin}: row {index + 1} ({_ident(row.model_dump())}): no as_of "
                    f"date; give the row or the file an as_of (YYYY-MM)"
                )
            parsed.rows[index] = row.model_copy(update={"as_of": parsed.as_of})
    return parsed


def _ident(row: Any) -> str:
    if not isinstance(row, dict):
        return "not an object"
    return "/".join(str(row.get(k, "?")) for k in ("provider", "model", "method"))


def _explain(exc: ValidationError, raw: Any, origin: str) -> str:
    problems = []
    for error in exc.errors():
        loc = error["loc"]
        where = ".".join(str(part) for part in loc) or "file"
        if len(loc) >= 2 and loc[0] in ("rows", "availability") and isinstance(loc[1], int):
            items = raw.get(loc[0]) if isinstance(raw, dict) else None
            item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
            field_name = ".".join(str(part) for part in loc[2:]) or "value"
            if loc[0] == "rows":
                where = f"row {loc[1] + 1} ({_ident(item)}): {field_name}"
            else:
                where = f"availability entry {loc[1] + 1}: {field_name}"
        problems.append(f"{where}: {error['msg']}")
    return f"{origin}: bad price file: " + "; ".join(problems)


def load_prices(path: Path | None = None) -> PriceTable:
    """The packaged price table, with rows from `path` (same JSON shape) overriding rows
    with the same (provider, model, method). Raises PriceFileError naming file and row."""
    packaged = resources.files("ftprep").joinpath("data/prices.json").read_text(encoding="utf-8")
    layers = [(_read(packaged, PACKAGED), PACKAGED)]
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PriceFileError(f"{path}: cannot read the price file: {exc}") from None
        layers.append((_read(text, str(path)), str(path)))
    merged: dict[Key, tuple[PriceRow, str]] = {}
    rules: dict[tuple[str, date, str], Availability] = {}
    for parsed, origin in layers:
        for row in parsed.rows:
            merged[row.key] = (row, origin)
        for rule in parsed.availability:
            rules[(rule.provider.lower(), rule.date, rule.scope)] = rule
    return PriceTable(
        rows=tuple(row for row, _ in merged.values()),
        origins=tuple(origin for _, origin in merged.values()),
        availability=tuple(sorted(rules.values(), key=lambda r: (r.provider, r.date))),
        files=tuple(origin for _, origin in layers),
    )


def default_epochs(n_examples: int) -> int:
    """Epochs when none are given, by the OpenAI cookbook's heuristic: 3, raised so that
    examples x epochs reaches 100, lowered so it stays under 25,000, within 1..25.
    This mirrors the cookbook; that OpenAI's server-side "auto" does the same is unverified."""
    if n_examples < 0:
        raise ValueError("n_examples must be >= 0")
    if n_examples == 0:
        return TARGET_EPOCHS  # nothing to train; avoid dividing by zero
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


def billed_tokens(per_example_totals: Iterable[int], cap: int | None) -> int:
    """Sum of per-example token totals, each capped at the model's per-example limit
    (OpenAI truncates longer examples and bills the truncated length). None: no cap."""
    if cap is None:
        return sum(per_example_totals)
    return sum(min(total, cap) for total in per_example_totals)


@dataclass(slots=True)
class CostEstimate:
    """One model's estimated training cost. cost_usd is None when it cannot be priced
    per token; `reason` then says why."""

    model: str
    provider: str
    method: str | None
    epochs: int
    epochs_source: Literal["given", "heuristic"]
    n_examples: int
    billed_tokens: int
    trained_tokens: int
    validation_tokens: int
    unit: str | None
    price_usd: float | None
    price_per_1m: float | None
    cost_usd: float | None
    reason: str | None
    available: bool
    as_of: str | None
    source: str | None
    file: str | None
    notes: list[str] = field(default_factory=list)
    # Availability rules of the price file that take effect after `today`.
    announced: list[str] = field(default_factory=list)
    # Those in force by `today` (why `available` is False, when it is).
    in_force: list[str] = field(default_factory=list)
    # False when ftprep's sources do not list the model as fine-tunable at all;
    # `available` is then False too, and `availability_note` says why.
    fine_tunable: bool = True
    availability_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _not_fine_tunable(model: str) -> str | None:
    """Why an OpenAI model without a price row is not known to be fine-tunable, or None
    when the model table gives it a date until which new training jobs can be created
    (a new snapshot of a fine-tunable family)."""
    from ftprep.modelinfo import model_info

    info = model_info(model)
    if info.trainable_until is not None:
        return None
    if not info.exact:
        return f"not known to be fine-tunable ({model} is not in ftprep's model table)"
    return (f"not known to be fine-tunable (ftprep's sources list no fine-tuning for {model}; "
            "data/models.json gives it no training date)")


def _availability_notes(
    prices: PriceTable, provider: str, today: date
) -> tuple[bool, list[str], list[str]]:
    """(available today, rules in force, rules announced for later)."""
    available = True
    past, ahead = [], []
    for rule in prices.for_provider(provider):
        when = rule.date.isoformat()
        if rule.date <= today:
            available = available and rule.scope != "all"
            past.append(f"since {when}, {rule.text} ({provider})")
        else:
            ahead.append(f"from {when}, {rule.text} ({provider})")
    return available, past, ahead


def estimate_cost(
    billed_tokens: int,
    n_examples: int,
    model: str,
    *,
    epochs: int | None = None,
    prices: PriceTable | None = None,
    validation_tokens: int = 0,
    provider: str = "openai",
    method: str | None = None,
    tokens_exact: bool = True,
    today: date | None = None,
) -> CostEstimate:
    """Estimated training cost of `billed_tokens` (already capped per example) for
    `model`. epochs None: the cookbook heuristic on `n_examples`."""
    if billed_tokens < 0 or validation_tokens < 0:
        raise ValueError("token counts must be >= 0")
    prices = prices if prices is not None else load_prices()
    today = today or date.today()
    epochs_source: Literal["given", "heuristic"]
    if epochs is None:
        n_epochs, epochs_source = default_epochs(n_examples), "heuristic"
    elif epochs < 1:
        raise ValueError("epochs must be >= 1")
    else:
        n_epochs, epochs_source = epochs, "given"
    notes: list[str] = []
    if not n_examples:
        notes.append("no examples: nothing would be trained")
    elif epochs_source == "heuristic":
        notes.append(
            f"{plural(n_epochs, 'epoch')} from the OpenAI cookbook heuristic for "
            f"{plural(n_examples, 'example')}; OpenAI's own default is unverified"
        )
    notes.append("token counts are exact" if tokens_exact else "token counts include estimates")
    if validation_tokens and provider.lower() == "openai":
        notes.append(f"validation tokens ({validation_tokens:,}) are not billed")
    available, in_force, announced = _availability_notes(prices, provider, today)
    rule_notes = in_force + announced
    trained = billed_tokens * n_epochs
    est = CostEstimate(
        model=model,
        provider=provider,
        method=method,
        epochs=n_epochs,
        epochs_source=epochs_source,
        n_examples=n_examples,
        billed_tokens=billed_tokens,
        trained_tokens=trained,
        validation_tokens=validation_tokens,
        unit=None,
        price_usd=None,
        price_per_1m=None,
        cost_usd=None,
        reason=None,
        available=available,
        as_of=None,
        source=None,
        file=None,
        notes=notes,
        announced=announced,
        in_force=in_force,
    )
    found = prices.find(model, provider=provider, method=method)
    if found is None:
        wanted = f"{provider}/{model}" + (f"/{method}" if method else "")
        est.reason = (
            f"no price for {wanted} in {', '.join(prices.files)}; "
            "add a row to a price file to price it"
        )
        why_not = _not_fine_tunable(model) if provider.lower() == "openai" else None
        if why_not:
            # The provider's dates are about the models it fine-tunes: they would read as
            # if this one could be trained until then.
            est.available, est.fine_tunable, est.announced, est.in_force = False, False, [], []
            est.availability_note = why_not
        elif provider.lower() == "openai":
            est.notes.extend(rule_notes)
        else:
            est.available, est.announced, est.in_force = True, [], []
        return est
    row, origin, alias_note = found
    est.method, est.unit, est.price_usd = row.method, row.unit, row.price_usd
    est.as_of, est.source, est.file = row.as_of, row.source, origin
    if alias_note:
        est.notes.append(alias_note)
    est.notes.extend(row.notes)
    est.notes.extend(rule_notes)
    if row.price_usd is None:
        est.reason = f"the {row.provider} price for {row.model} ({row.method}) is unverified"
    elif row.unit != "1M tokens":
        est.reason = (
            f"{row.model} {row.method.upper()} is billed at ${row.price_usd:g} per {row.unit} "
            "of training time, not per token: it cannot be priced from token counts"
        )
    else:
        est.price_per_1m = row.price_usd
        est.cost_usd = round(trained * row.price_usd / 1_000_000, 6)
    return est


def estimate_all(
    billed_tokens: int | Mapping[str, int],
    n_examples: int,
    *,
    epochs: int | None = None,
    prices: PriceTable | None = None,
    validation_tokens: int = 0,
    provider: str | None = None,
    tokens_exact: bool = True,
    today: date | None = None,
) -> list[CostEstimate]:
    """One estimate per row of the price table (of `provider`, if given), including rows
    that cannot be priced per token. `billed_tokens` is one count for every model, or a
    mapping from the row's model name to its count (tokenizers and caps differ);
    rows missing from the mapping are skipped."""
    prices = prices if prices is not None else load_prices()
    out = []
    for row in prices.rows:
        if provider is not None and row.provider.lower() != provider.lower():
            continue
        if isinstance(billed_tokens, Mapping):
            if row.model not in billed_tokens:
                continue
            tokens = billed_tokens[row.model]
        else:
            tokens = billed_tokens
        out.append(
            estimate_cost(
                tokens,
                n_examples,
                row.model,
                epochs=epochs,
                prices=prices,
                validation_tokens=validation_tokens,
                provider=row.provider,
                method=row.method,
                tokens_exact=tokens_exact,
                today=today,
            )
        )
    return out

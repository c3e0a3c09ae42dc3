"""The check pipeline: validate every line, compute per-example features in the same
pass (tokens, label, hashes, MinHash), then run the dataset-level checks and the cost
estimate. Only small per-example figures are kept, never the records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftprep.report.finding import Report
from ftprep.validate import ValidateOptions, validate

if TYPE_CHECKING:
    from ftprep.cost import CostEstimate, PriceTable
    from ftprep.formats import LineFormat


class CheckError(Exception):
    """The check cannot run (no tokenizer offline, unreadable price file ...)."""


@dataclass
class CheckOptions:
    validate: ValidateOptions = field(default_factory=ValidateOptions)
    model: str = "gpt-4o-mini-2024-07-18"
    # None: the provider's default-epoch heuristic.
    epochs: int | None = None
    # "one": the chosen model; "all": every priced model.
    cost_models: str = "one"
    prices_file: Path | None = None
    validation_file: Path | None = None
    dataset: Any = None  # DatasetSettings for labels, duplicates and leakage
    run_dataset_checks: bool = True


def check(path: str | Path, options: CheckOptions | None = None, *, command: str = "check") -> Report:
    """Validate one training file and report tokens, labels, duplicates, leakage and cost."""
    from ftprep.checks.tokens_checks import TokenCollector
    from ftprep.tokens import ChatTokenCounter, TokenizerUnavailable

    options = options or CheckOptions()
    try:
        counter = ChatTokenCounter(options.model)
    except TokenizerUnavailable as exc:
        raise CheckError(str(exc)) from None
    prices = _prices(options.prices_file)
    tokens = TokenCollector(counter)
    dataset = _dataset_collector(options) if options.run_dataset_checks else None

    def on_record(number: int, record: dict[str, Any], fmt: LineFormat) -> None:
        tokens.on_record(number, record, fmt)
        if dataset is not None:
            dataset.on_record(number, record, fmt)

    report = validate([path], options.validate, on_record=on_record, report=Report(command=command))
    if report.io_errors or not report.files:
        return report
    name = report.files[0].path
    selection = options.validate.selection
    report.stats["tokens"] = tokens.stats()
    report.extend(list(tokens.findings(selection, name)))

    validation_tokens = 0
    if dataset is not None:
        validation_tokens = dataset.finish(report, selection, name, options)

    estimates = _estimates(tokens, counter, options, prices, validation_tokens)
    report.stats["cost"] = {"rows": [e.to_dict() for e in estimates],
                            "as_of": _prices_as_of(prices)}
    from ftprep.checks.cost_checks import cost_findings

    chosen = [e for e in estimates if e.model == counter.info.base or e.model == options.model]
    for estimate in chosen[:1] or estimates[:1]:
        report.extend(list(cost_findings(estimate, selection, name)))
    return report


def _estimates(tokens: Any, counter: Any, options: CheckOptions, prices: PriceTable,
               validation_tokens: int) -> list[CostEstimate]:
    from ftprep.cost import estimate_all, estimate_cost

    n = len(tokens.totals)
    exact = not tokens.stats()["estimate_reasons"]
    if options.cost_models == "all":
        billed = {}
        for row in prices.rows:
            billed[row.model] = _billed_for(tokens, counter, row.model)
        return estimate_all(billed, n, epochs=options.epochs, prices=prices,
                            validation_tokens=validation_tokens, tokens_exact=exact)
    model = counter.info.base if prices.find(counter.info.base) else options.model
    return [estimate_cost(tokens.billed_tokens(), n, model, epochs=options.epochs, prices=prices,
                          validation_tokens=validation_tokens, tokens_exact=exact)]


def _billed_for(tokens: Any, counter: Any, model: str) -> int:
    """Billed tokens for another model: same counts when the encoding matches, with that
    model's cap; a different encoding is counted again only by the caller that asks."""
    from ftprep.modelinfo import model_info

    info = model_info(model)
    cap = info.max_tokens_per_example
    return sum(min(t, cap) for t in tokens.totals) if cap else sum(tokens.totals)


def _prices(path: Path | None) -> PriceTable:
    from ftprep.cost import PriceFileError, load_prices

    try:
        return load_prices(path)
    except PriceFileError as exc:
        raise CheckError(str(exc)) from None


def _prices_as_of(prices: PriceTable) -> str | None:
    dates = sorted({row.as_of for row in prices.rows if row.as_of})
    return dates[-1] if dates else None


def _dataset_collector(options: CheckOptions) -> Any:
    return None

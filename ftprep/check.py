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
    # A training target (ftprep targets) and a local Hugging Face tokenizer for open models.
    target: str | None = None
    tokenizer: str | None = None


def check(path: str | Path, options: CheckOptions | None = None, *, command: str = "check") -> Report:
    """Validate one training file and report tokens, labels, duplicates, leakage and cost."""
    from ftprep.checks.tokens_checks import TokenCollector
    from ftprep.target_tokens import counter_for
    from ftprep.targets import get_target
    from ftprep.tokenizers_hf import ChatTemplateError, TokenizerNotFound
    from ftprep.tokens import TokenizerUnavailable

    options = options or CheckOptions()
    try:
        target = get_target(options.target) if options.target else None
        counter = counter_for(target, options.model, options.tokenizer)
    except KeyError as exc:
        raise CheckError(str(exc.args[0])) from None
    except (TokenizerUnavailable, TokenizerNotFound, ChatTemplateError) as exc:
        raise CheckError(str(exc)) from None
    prices = _prices(options.prices_file)
    tokens = TokenCollector(counter)
    dataset = _dataset_features(path, options) if options.run_dataset_checks else None
    behaviour = _behaviour(options) if dataset is not None else None

    # `cost --model all`: models on another encoding are counted in the same pass.
    by_encoding = {counter.encoding_name: tokens}
    if options.cost_models == "all":
        by_encoding.update(_collectors_per_encoding(prices, by_encoding))
    extra = [c for c in by_encoding.values() if c is not tokens]

    def on_record(number: int, record: dict[str, Any], fmt: LineFormat) -> None:
        tokens.on_record(number, record, fmt)
        for collector in extra:
            collector.on_record(number, record, fmt)
        if dataset is not None:
            dataset.on_record(number, record, fmt)
        if behaviour is not None:
            behaviour.on_record(number, record, fmt)

    collectors = [tokens, *extra, *(c for c in (dataset, behaviour) if c is not None)]
    report = validate([path], options.validate, on_record=on_record, report=Report(command=command),
                      collectors=collectors)
    if report.io_errors or not report.files:
        return report
    name = report.files[0].path
    selection = options.validate.selection
    report.stats["tokens"] = tokens.stats()
    report.extend(list(tokens.findings(selection, name,
                                       openai=target is None or target.name == "openai")))

    validation_tokens = 0
    if dataset is not None:
        validation_tokens = _dataset_checks(dataset, tokens, report, options, behaviour)

    from ftprep.checks.cost_checks import NOT_PRICED, cost_findings

    if target is not None and target.name != "openai":
        estimates = _target_estimates(tokens, target, options, prices, validation_tokens)
        if not estimates:
            providers = target.price_providers
            how = (f"add a row with provider {providers[0]!r} to a --prices file" if providers
                   else "it trains on hardware you run, which ftprep does not price")
            report.extend(list(selection.emit(
                NOT_PRICED, f"{target.title}: ftprep has no verified per-token price; {how}",
                file=name)))
        priced = estimates[:1]
    elif options.tokenizer:
        # Counts from another model's tokenizer would misprice OpenAI's models.
        estimates, priced = [], []
        report.extend(list(selection.emit(
            NOT_PRICED, f"tokens are counted with {options.tokenizer} (--tokenizer), which "
            "is not how OpenAI's models count; give --target (together, fireworks, mistral, "
            "trl ...) to price the provider that trains it", file=name)))
    else:
        estimates = _estimates(tokens, by_encoding, counter, options, prices, validation_tokens)
        chosen = [e for e in estimates if e.model in (counter.info.base, options.model)]
        priced = chosen[:1] or estimates[:1]
        others = estimates if options.cost_models == "all" else ()
        for estimate in priced:
            report.extend(list(cost_findings(estimate, selection, name, others=others)))
    report.stats["cost"] = {"rows": [e.to_dict() for e in estimates],
                            "as_of": _prices_as_of(prices)}
    if behaviour is not None:
        from ftprep.checks.behaviour.stats import system_prompt_report

        stats = report.stats.setdefault("behaviour", {})
        report.extend(system_prompt_report(stats, tokens, next(iter(priced), None), behaviour,
                                           selection, name))
    if target is not None:
        report.stats["target"] = {"name": target.name, "title": target.title,
                                  "max_tokens_per_example": target.max_tokens_per_example}
    return report


def _target_estimates(tokens: Any, target: Any, options: CheckOptions, prices: PriceTable,
                      validation_tokens: int) -> list[CostEstimate]:
    from ftprep.cost import estimate_all

    out: list[CostEstimate] = []
    for provider in target.price_providers:
        out.extend(estimate_all(tokens.billed_tokens(), len(tokens.totals), epochs=options.epochs,
                                prices=prices, validation_tokens=validation_tokens, provider=provider,
                                tokens_exact=not tokens.stats()["estimate_reasons"]))
    return out


def _estimates(tokens: Any, by_encoding: dict[str, Any], counter: Any, options: CheckOptions,
               prices: PriceTable, validation_tokens: int) -> list[CostEstimate]:
    from ftprep.cost import billed_tokens, estimate_all, estimate_cost
    from ftprep.modelinfo import model_info

    n = len(tokens.totals)
    exact = not tokens.stats()["estimate_reasons"]
    if options.cost_models == "all":
        billed = {}
        uncapped = set()
        for row in prices.rows:
            info = model_info(row.model)
            collector = by_encoding.get(info.encoding, tokens)
            billed[row.model] = billed_tokens(collector.totals, info.max_tokens_per_example)
            if info.max_tokens_per_example is None:
                uncapped.add(row.model)
        estimates = estimate_all(billed, n, epochs=options.epochs, prices=prices,
                                 validation_tokens=validation_tokens, tokens_exact=exact)
        for estimate in estimates:
            if estimate.model in uncapped:
                estimate.notes.append(f"per-example token limit of {estimate.model} unknown: "
                                      "examples are not capped, so long ones may be overstated")
        return estimates
    model = counter.info.base if prices.find(counter.info.base) else options.model
    return [estimate_cost(tokens.billed_tokens(), n, model, epochs=options.epochs, prices=prices,
                          validation_tokens=validation_tokens, tokens_exact=exact)]


def _collectors_per_encoding(prices: PriceTable, have: dict[str, Any]) -> dict[str, Any]:
    from ftprep.checks.tokens_checks import TokenCollector
    from ftprep.modelinfo import model_info
    from ftprep.tokens import ChatTokenCounter

    out: dict[str, Any] = {}
    for row in prices.rows:
        info = model_info(row.model)
        if info.exact and info.encoding not in have and info.encoding not in out:
            out[info.encoding] = TokenCollector(ChatTokenCounter(row.model))
    return out


def _prices(path: Path | None) -> PriceTable:
    from ftprep.cost import PriceFileError, load_prices

    try:
        return load_prices(path)
    except PriceFileError as exc:
        raise CheckError(str(exc)) from None


def _prices_as_of(prices: PriceTable) -> str | None:
    dates = sorted({row.as_of for row in prices.rows if row.as_of})
    return dates[-1] if dates else None


def _dataset_features(path: str | Path, options: CheckOptions) -> Any:
    from ftprep.dataset import DatasetCheckSettings, DatasetFeatures
    from ftprep.jsonl import display_name

    settings = options.dataset or DatasetCheckSettings()
    options.dataset = settings
    return DatasetFeatures.from_settings(display_name(path), settings, source=path)


def _behaviour(options: CheckOptions) -> Any:
    """The FT5xx per-example collector, when behaviour rules were given."""
    if options.validate.rules is None:
        return None
    from ftprep.checks.behaviour.collector import BehaviourCollector

    return BehaviourCollector(options.validate.rules)


def _dataset_checks(train: Any, tokens: Any, report: Report, options: CheckOptions,
                    behaviour: Any = None) -> int:
    """Labels, duplicates and, with a validation file, leakage. Returns the validation
    file's token count (reported with the cost: validation tokens are not billed)."""
    from ftprep.checks.duplicates import duplicate_stats
    from ftprep.checks.labels import label_stats
    from ftprep.checks.tokens_checks import TokenCollector
    from ftprep.dataset import DatasetContext, collect_features, run_dataset_checks

    selection = options.validate.selection
    train.prefetch_near_clusters()  # FT404 and FT407 need it after the other checks
    ctx = DatasetContext(train, options.dataset, behaviour=behaviour)
    report.extend(run_dataset_checks(ctx, selection))
    report.stats["labels"] = label_stats(ctx)
    report.stats["duplicates"] = duplicate_stats(ctx)
    if behaviour is not None:
        from ftprep.checks.behaviour.stats import behaviour_stats

        report.stats["behaviour"] = behaviour_stats(ctx)
    if options.validation_file is None:
        return 0
    from ftprep.checks.structure import FEW_EXAMPLES
    from ftprep.checks.targets import FEW_EXAMPLES as TARGET_FEW_EXAMPLES

    counter = tokens.counter
    val_tokens = TokenCollector(counter)
    before = len(report.findings)
    validation, _ = collect_features(options.validation_file, options.dataset, options=options.validate,
                                     report=report, on_record=val_tokens.on_record,
                                     writes_to=[val_tokens])
    # "Fewer than 50 examples" is advice for training data; validation sets are small.
    advice = (FEW_EXAMPLES.code, TARGET_FEW_EXAMPLES.code)
    report.findings[before:] = [f for f in report.findings[before:] if f.code not in advice]
    val_ctx = DatasetContext(validation, options.dataset, reference=train)
    report.extend(run_dataset_checks(val_ctx, selection))
    report.stats["validation_labels"] = label_stats(val_ctx)
    report.stats["validation_duplicates"] = duplicate_stats(val_ctx)
    return sum(val_tokens.totals)

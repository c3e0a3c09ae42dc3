"""`ftprep check FILE` and `ftprep cost FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ftprep.cli.options import (
    CannotRun,
    finding_options,
    finish,
    load,
    make_selection,
    render,
    report_options,
    resolve_line_format,
    resolve_target,
    rules_from,
)
from ftprep.config import Config, ConfigError


def _epochs(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None or value == "auto":
        return None
    try:
        epochs = int(value)
    except ValueError:
        raise click.BadParameter("use a whole number from 1 to 50, or auto") from None
    if not 1 <= epochs <= 50:
        raise click.BadParameter("OpenAI accepts 1 to 50 epochs")
    return epochs


def _common(func):  # type: ignore[no-untyped-def]
    for decorator in reversed((
        click.argument("input_file", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True)),
        click.option("--model", default=None, help="Model to count tokens and price for "
                     "(default from the config: gpt-4o-mini-2024-07-18)."),
        click.option("--epochs", default=None, callback=_epochs, metavar="N|auto",
                     help="Epochs for the cost estimate (default: the OpenAI cookbook's heuristic)."),
        click.option("--prices", "prices_file", type=click.Path(dir_okay=False, exists=True,
                     path_type=Path), default=None,
                     help="A price file whose rows override the packaged prices."),
        click.option("--line-format", default=None, help="Line format (default: detect)."),
        click.option("--target", "-t", default=None, help="Training target: its rules, limits, "
                     "tokenizer and prices (see `ftprep targets`; default openai)."),
        click.option("--tokenizer", default=None, metavar="PATH|NAME",
                     help="A local Hugging Face tokenizer.json (or its folder, or a model in the "
                     "local HF cache) for exact counts on open models."),
    )):
        func = decorator(func)
    return func


@click.command("check")
@_common
@click.option("--validation", "validation_file", type=click.Path(dir_okay=False, exists=True,
              path_type=Path), default=None,
              help="Validation file: report its examples that leak from the training file.")
@report_options()
@finding_options
def check_command(**options: Any) -> None:
    """Validate a training file and report tokens, labels, duplicates, leakage and cost."""
    if options["model"] == "all":
        raise click.BadParameter("check counts for one model; `ftprep cost FILE --model all` "
                                 "prices every model", param_hint="--model")
    _run("check", cost_models="one", **options)


@click.command("cost")
@_common
@report_options()
@finding_options
def cost_command(model: str | None, **options: Any) -> None:
    """Estimate the training cost of a file for one model, or for every priced model (--model all)."""
    everything = model == "all"
    _run("cost", model=None if everything else model, validation_file=None,
         cost_models="all" if everything else "one", **options)


def _run(command: str, *, input_file: str, model: str | None, epochs: int | None,
         prices_file: Path | None, line_format: str | None, validation_file: Path | None,
         output_format: str, output_path: str | None, color: str, max_per_code: int,
         select: tuple[str, ...],
         ignore: tuple[str, ...], strict: bool | None, exit_zero: bool, config_path: Path | None,
         cost_models: str, target: str | None, tokenizer: str | None) -> None:
    from ftprep.check import CheckError, CheckOptions, check
    from ftprep.jsonl import same_file
    from ftprep.validate import ValidateOptions

    if validation_file is not None and input_file != "-" and same_file(input_file, validation_file):
        raise click.BadParameter("names the training file itself, so every example would be "
                                 "reported as leaked: give the held-out file (`ftprep split` "
                                 "makes one)", param_hint="--validation")
    if model is not None and not model.strip():
        raise click.BadParameter("empty model name; leave --model out for the configured default",
                                 param_hint="--model")
    config = load(config_path)
    target = resolve_target(config, target)
    options = CheckOptions(
        validate=ValidateOptions(line_format=resolve_line_format(config, line_format),
                                 selection=make_selection(config, select, ignore), target=target),
        model=model or config.general.model,
        epochs=epochs,
        cost_models=cost_models,
        prices_file=prices_file,
        validation_file=validation_file,
        run_dataset_checks=command == "check",
        target=target,
        tokenizer=tokenizer,
    )
    try:
        options.dataset = _dataset_settings(config)
        if command == "check":
            options.validate.rules = rules_from(config, label_field=options.dataset.label_field)
        report = check(input_file, options, command=command)
    except (CheckError, ValueError) as exc:
        raise CannotRun(str(exc)) from None
    render(report, output_format, output_path, color, max_per_code)
    finish(report, strict=config.general.strict if strict is None else strict, exit_zero=exit_zero)


def _dataset_settings(config: Config) -> Any:
    from ftprep.dataset import DatasetCheckSettings

    try:
        return DatasetCheckSettings.from_config(config)
    except ConfigError as exc:
        raise CannotRun(str(exc)) from None

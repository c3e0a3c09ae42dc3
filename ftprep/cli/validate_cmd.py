"""`ftprep validate FILE...`"""

from __future__ import annotations

from pathlib import Path

import click

from ftprep.cli.options import (
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


@click.command("validate")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@click.option("--line-format", default=None,
              help="Line format of the files: auto (detect), openai-chat, openai-dpo ...")
@click.option("--target", "-t", default=None, metavar="NAME",
              help="Apply a training target's rules (openai, together, vertex-gemini, "
              "bedrock-nova ...; `ftprep targets` lists them).")
@report_options(("text", "json", "github"))
@finding_options
def validate_command(
    inputs: tuple[str, ...],
    line_format: str | None,
    target: str | None,
    output_format: str,
    output_path: str | None,
    color: str,
    max_per_code: int,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool | None,
    exit_zero: bool,
    config_path: Path | None,
) -> None:
    """Validate chat-format JSONL files (directories are searched for *.jsonl; - reads stdin).

    Reports every problem with file, line, JSON path and how to fix it.
    """
    from ftprep.validate import ValidateOptions, validate

    config = load(config_path)
    line_format = resolve_line_format(config, line_format)
    target = resolve_target(config, target)
    options = ValidateOptions(line_format=line_format, target=target,
                              selection=make_selection(config, select, ignore),
                              rules=rules_from(config))
    report = validate(list(inputs), options)
    render(report, output_format, output_path, color, max_per_code)
    finish(report, strict=config.general.strict if strict is None else strict,
           exit_zero=exit_zero)


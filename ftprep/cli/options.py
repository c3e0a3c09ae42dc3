"""Options shared by several commands, as decorators, and the helpers that turn them
into library objects."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from ftprep.config import Config, ConfigError, load_config
from ftprep.exitcodes import EXIT_OK, EXIT_USAGE
from ftprep.report.finding import Report, Severity
from ftprep.report.reporters import ESCAPE_ERRORS, REPORTERS, get_reporter

F = TypeVar("F", bound=Callable[..., Any])

# Enough to see the pattern of a problem; the machine formats list every finding.
DEFAULT_MAX_PER_CODE = 50


class CannotRun(click.ClickException):
    """The command could not run as asked (bad settings, an unreadable input, an output
    that would overwrite an input): "Error: ..." on stderr, exit code 2 as documented."""

    exit_code = EXIT_USAGE


def _apply(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def wrap(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return wrap


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code.strip() for item in value for code in item.split(",") if code.strip())


def report_options(formats: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """--format, --output, --color: how a report is rendered and where it goes."""
    choices = formats or tuple(REPORTERS)
    return _apply(
        click.option("--format", "-f", "output_format", type=click.Choice(choices),
                     default="text", show_default=True, help="Report format."),
        click.option("--output", "-o", "output_path", type=click.Path(dir_okay=False, allow_dash=True),
                     default=None, help="Write the report to a file instead of stdout (- for stdout)."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]),
                     default="auto", show_default=True,
                     help="Colour in the text report (NO_COLOR is respected)."),
        click.option("--max-per-code", type=click.IntRange(min=0), default=DEFAULT_MAX_PER_CODE,
                     show_default=True,
                     help="Text report: findings of one code shown per file (0: all)."),
    )


def finding_options(func: F) -> F:
    """--select, --ignore, --strict, --exit-zero, --config."""
    return _apply(
        click.option("--select", multiple=True, callback=_codes, metavar="CODES",
                     help="Only run these checks: codes, names or prefixes (FT4), comma-separated."),
        click.option("--ignore", multiple=True, callback=_codes, metavar="CODES",
                     help="Skip these checks: codes, names or prefixes, comma-separated."),
        click.option("--strict/--no-strict", default=None,
                     help="Exit 1 on warnings too."),
        click.option("--exit-zero", is_flag=True,
                     help="Exit 0 even when errors are found (usage and I/O errors still exit 2)."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="Config file (default: nearest ftprep.toml or "
                     "pyproject.toml with [tool.ftprep])."),
    )(func)


def load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise CannotRun(str(exc)) from None


def _in_config(config: Config, key: str, problem: str) -> CannotRun:
    """A bad value in the config file, named by file and key: the user gave no option."""
    return CannotRun(f"{config.source or '<config>'}: {key}: {problem}")


def make_selection(config: Config, select: tuple[str, ...], ignore: tuple[str, ...]) -> Any:
    from ftprep.checks.registry import Selection, unknown_tokens

    general = config.general
    for key, tokens in (("select", general.select), ("ignore", general.ignore),
                        ("severity", list(general.severity))):
        unknown = unknown_tokens(tokens)
        if unknown:
            raise _in_config(config, key, f"unknown check code or name: {', '.join(unknown)} "
                             "(run `ftprep rules` to list them)")
    try:
        severity = {code: Severity.parse(level) for code, level in general.severity.items()}
    except ValueError as exc:
        raise _in_config(config, "severity", str(exc)) from None
    try:
        return Selection(select=select or tuple(general.select), ignore=(*general.ignore, *ignore),
                         severity=severity)
    except ValueError as exc:
        # Unknown codes in the config were caught above: this is an option or the overrides.
        if unknown_tokens((*select, *ignore)):
            raise click.UsageError(str(exc)) from None
        raise _in_config(config, "severity", str(exc)) from None


def rules_from(config: Config, *, label_field: str | None = None) -> Any:
    """The behaviour rules (FT5xx) of the config; defaults (PII detection) without any."""
    from ftprep.checks.behaviour.settings import load_rules

    try:
        return load_rules(config, label_field=label_field)
    except ConfigError as exc:
        raise CannotRun(str(exc)) from None


def render(report: Report, output_format: str, output_path: str | None, color: str,
           max_per_code: int = DEFAULT_MAX_PER_CODE, *, written: Sequence[str] = ()) -> None:
    """Render the report to stdout or `output_path` ("-" is stdout too), which may be
    neither an input of the report nor one of the files the command `written`."""
    use_color = {"always": True, "never": False}.get(color)
    reporter = get_reporter(output_format, color=use_color, max_per_code=max_per_code or None)
    if not output_path or output_path == "-":
        stream: IO[str] = sys.stdout
        reporter.render(report, stream)
        return
    from ftprep.jsonl import AtomicWriter, output_clash

    clash = output_clash([f.path for f in report.files],
                         [*((path, "output") for path in written), (output_path, "report")])
    if clash:
        raise CannotRun(clash)
    try:
        with AtomicWriter(output_path, mode="wb") as raw:
            # UTF-8 whatever the locale; a file name that is not UTF-8 is written escaped.
            text = io.TextIOWrapper(raw, encoding="utf-8", errors=ESCAPE_ERRORS)
            reporter.render(report, text)
            text.flush()
            text.detach()  # the writer closes the file and renames it into place
    except OSError as exc:
        raise CannotRun(f"cannot write the report to {output_path}: "
                        f"{exc.strerror or exc}") from None
    click.echo(f"report written to {output_path}", err=True)


def escape_unencodable_output() -> None:
    """Let stdout and stderr escape what they cannot encode (a cp1252 console, LANG=C,
    a file name that is not UTF-8) instead of failing in the middle of a report."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=ESCAPE_ERRORS)


def check_workers_env() -> None:
    """Stop on an FTPREP_WORKERS value ftprep.shards would not understand."""
    from ftprep.shards import one_process_asked

    try:
        one_process_asked()
    except ValueError as exc:
        raise CannotRun(str(exc)) from None


def finish(report: Report, *, strict: bool, exit_zero: bool) -> None:
    code = report.exit_code(strict=strict)
    if exit_zero and code != EXIT_USAGE:
        code = EXIT_OK
    sys.exit(code)


def resolve_line_format(config: Config, line_format: str | None) -> str:
    from ftprep.formats import LINE_FORMATS

    chosen = line_format or config.general.line_format
    if chosen != "auto" and chosen not in LINE_FORMATS:
        problem = f"{chosen!r}; use auto or one of {', '.join(LINE_FORMATS)}"
        if line_format is None:
            raise _in_config(config, "line-format", f"unknown line format {problem}")
        raise click.BadParameter(problem, param_hint="--line-format")
    return chosen


def resolve_target(config: Config, target: str | None) -> str | None:
    """--target, else a target set in the config file (its built-in default "openai" is
    not a choice the user made), checked against the registry."""
    from_config = target is None
    if from_config and "target" in config.general.model_fields_set:
        target = config.general.target
    if target is None:
        return None
    from ftprep.targets import TARGETS

    name = target.strip().lower()
    if name not in TARGETS:
        problem = f"{target!r}; use one of {', '.join(TARGETS)}"
        if from_config:
            raise _in_config(config, "target", f"unknown target {problem}")
        raise click.BadParameter(problem, param_hint="--target")
    return name

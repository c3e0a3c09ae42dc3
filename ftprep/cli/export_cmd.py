"""`ftprep export FILE --target NAME -o OUT` and `ftprep import FILE --from NAME -o OUT`:
convert between the canonical chat format and each target's line format."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from ftprep.exitcodes import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:
    from ftprep.targets import Target
    from ftprep.targets.convert import ConversionSummary

_SHOWN = 20  # lines of per-line detail printed without --verbose


def _output_options(func: click.decorators.FC) -> click.decorators.FC:
    func = click.option("--verbose", "-v", is_flag=True,
                        help="List every line that lost something (default: the first 20).")(func)
    func = click.option("--rejects", type=click.Path(dir_okay=False), default=None,
                        help="Also write the rejected lines, with their reasons, to this JSONL.")(func)
    func = click.option("--output", "-o", "output_path", required=True,
                        type=click.Path(dir_okay=False, allow_dash=True),
                        help="Output JSONL (- for stdout). Never the input file.")(func)
    return func


@click.command("export")
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--target", "-t", "target_name", required=True, metavar="NAME",
              help="Target to write for: openai, together, vertex-gemini, bedrock-nova, "
              "bedrock-claude, mistral, trl, sharegpt, alpaca ... (`ftprep targets`).")
@click.option("--line-format", default=None, metavar="FORMAT",
              help="One of the target's formats (default: the input's when the target "
              "takes it, else the target's first), e.g. trl-prompt-completion for --target trl.")
@click.option("--tool-arguments", type=click.Choice(["object", "string"]), default=None,
              help="Write tool-call arguments as JSON objects (chat templates that use "
              "tojson, e.g. Llama 3's; --target trl only) or as JSON strings in OpenAI's "
              "shape (ids added, results paired by position). Default: OpenAI's shape for "
              "targets that need it, as they come for trl.")
@_output_options
def export_command(source: str, target_name: str, line_format: str | None,
                   tool_arguments: str | None, output_path: str, rejects: str | None,
                   verbose: bool) -> None:
    """Convert FILE (any format ftprep reads) into the line format a target takes.

    What the target's format cannot hold (weights, tool calls, images, names ...) is
    dropped and reported per line on stderr. Run `ftprep validate --target NAME` on the
    output before uploading.
    """
    from ftprep.targets import TARGETS

    target = TARGETS.get(target_name.strip().lower())
    if target is None:
        raise click.BadParameter(f"{target_name!r}; use one of {', '.join(TARGETS)}",
                                 param_hint="--target")
    to_format = line_format or target.export_format
    if to_format not in target.formats:
        raise click.BadParameter(f"{to_format!r}; {target.name} takes "
                                 f"{', '.join(target.formats)}", param_hint="--line-format")
    # Without --line-format, an input already in one of the target's formats stays in it.
    keep = () if line_format else target.formats
    summary = _run(source, output_path, to_format, None, target.unsupported, rejects, verbose,
                   line_errors=lambda fmt: _target_line_errors(target.name, fmt),
                   keep_formats=keep, tool_call_id=target.tool_call_id,
                   tool_shape=_tool_shape(target, tool_arguments),
                   merge_system=target.system == "first" or target.max_system_messages == 1,
                   destination_name=target.name)
    _advise(summary, target)
    if target.min_examples is not None and 0 < summary.converted < target.min_examples:
        _stderr(f"warning: {summary.destination} holds {summary.converted} example(s); "
                f"{target.title} needs at least {target.min_examples} (FT147): add examples "
                "before uploading")
    sys.exit(EXIT_FINDINGS if summary.rejected else EXIT_OK)


@click.command("import")
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--from", "from_name", required=True, metavar="NAME",
              help="Target or line format FILE is in: vertex-gemini, bedrock-nova, "
              "bedrock-claude, sharegpt, alpaca, trl ...")
@_output_options
def import_command(source: str, from_name: str, output_path: str, rejects: str | None,
                   verbose: bool) -> None:
    """Convert FILE from a target's line format into canonical OpenAI chat JSONL, the
    format every ftprep command reads."""
    from ftprep.targets.convert import source_format_names

    try:
        formats = source_format_names(from_name.strip().lower())
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--from") from None
    summary = _run(source, output_path, "openai-chat", formats, frozenset(), rejects, verbose)
    sys.exit(EXIT_FINDINGS if summary.rejected else EXIT_OK)


def _target_line_errors(target: str, to_format: str) -> Callable[[bytes, int], list[str]]:
    """What `ftprep validate --target` would call an error in one exported line."""
    from ftprep.checks.registry import Selection
    from ftprep.report.finding import Severity
    from ftprep.validate import FileValidator, ValidateOptions

    validator = FileValidator(ValidateOptions(line_format=to_format, target=target,
                                              selection=Selection()))

    def errors(line: bytes, number: int) -> list[str]:
        return [f"{f.code} {f.path or ''}: {f.message}".replace(" :", ":")
                for f in validator.check_line(line, number=number) if f.severity == Severity.ERROR]
    return errors


def _tool_shape(target: Target, tool_arguments: str | None) -> str | None:
    """How export writes tool calls (ftprep.targets.tool_shapes) for this target."""
    if tool_arguments == "string":
        return "openai"
    if target.schemas:  # it takes calls as chat templates do (trl): as they come, or objects
        return "objects" if tool_arguments == "object" else None
    if tool_arguments == "object":
        raise click.BadParameter(f"{target.name} does not take tool-call arguments as "
                                 "objects; `object` is for --target trl",
                                 param_hint="--tool-arguments")
    return "openai"


def _run(source: str, output_path: str, to_format: str, from_formats: tuple[str, ...] | None,
         unsupported: frozenset[str], rejects: str | None, verbose: bool,
         line_errors: Callable[[str], Callable[[bytes, int], list[str]]] | None = None,
         keep_formats: tuple[str, ...] = (), tool_call_id: str | None = None,
         tool_shape: str | None = None, merge_system: bool = False,
         destination_name: str | None = None) -> ConversionSummary:
    from ftprep.cli.options import CannotRun
    from ftprep.jsonl import InputError
    from ftprep.targets.convert import convert_file

    if rejects == "-":
        raise click.BadParameter("the rejects need a file: name one", param_hint="--rejects")

    try:
        summary = convert_file(source, output_path, to_format, from_formats=from_formats,
                               unsupported=unsupported, rejects=rejects, line_errors=line_errors,
                               keep_formats=keep_formats, tool_call_id=tool_call_id,
                               tool_shape=tool_shape, merge_system=merge_system,
                               destination_name=destination_name)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except BrokenPipeError:
        raise  # -o - into a reader that went away: exit 141 (ftprep.cli)
    except (InputError, OSError) as exc:
        raise CannotRun(str(exc)) from None
    echo = _stderr
    rejected = f" ({len(summary.rejected)} rejected)" if summary.rejected else ""
    blank = f", {summary.blank} blank line(s) skipped" if summary.blank else ""
    echo(f"converted {summary.converted} of {summary.read} line(s) from "
         f"{summary.from_format or 'unknown format'} to {summary.to_format}{rejected}{blank}: "
         f"{summary.destination}")
    if summary.read == 0:
        echo(f"warning: {summary.source} holds no examples: nothing was written")
    if summary.bom:
        echo("note: line 1 starts with a UTF-8 byte-order mark, which export removed; "
             "`ftprep validate` calls it FT101: save the file as UTF-8 without BOM")
    counts = summary.drop_counts()
    if counts:
        listed = ", ".join(f"{kind} on {n} line(s)" for kind, n in counts.most_common())
        echo(f"dropped: {listed}")
        shown = summary.drops if verbose else summary.drops[:_SHOWN]
        for number, drops in shown:
            echo(f"  line {number}: " + "; ".join(d.describe() for d in drops))
        if len(shown) < len(summary.drops):
            echo(f"  ... {len(summary.drops) - len(shown)} more line(s); -v lists them all")
    else:
        echo("dropped: nothing")
    for number, reason in summary.rejected[: None if verbose else _SHOWN]:
        echo(f"  rejected line {number}: {reason}")
    if not verbose and len(summary.rejected) > _SHOWN:
        echo(f"  ... {len(summary.rejected) - _SHOWN} more rejected line(s); -v lists them all")
    return summary


def _advise(summary: ConversionSummary, target: Target) -> None:
    """What to do when the input's format is one export cannot convert."""
    from ftprep.targets.transform import CODECS

    fmt = summary.from_format
    if fmt is None or fmt == summary.to_format or not summary.rejected or fmt in CODECS:
        return
    if fmt in target.formats:
        _stderr(f"the input is {fmt}, which {target.name} takes: export it with "
                f"--line-format {fmt}")
    else:
        _stderr(f"the input is {fmt}; {target.name} takes {', '.join(target.formats)}, and "
                f"ftprep does not convert {fmt} lines: pick a target that takes {fmt}")


def _stderr(text: str) -> None:
    click.echo(text, err=True)

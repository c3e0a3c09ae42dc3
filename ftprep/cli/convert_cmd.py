"""`ftprep convert SOURCE... -o OUT.jsonl`"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from ftprep.cli.options import CannotRun, load, resolve_target
from ftprep.exitcodes import EXIT_FINDINGS, EXIT_OK
from ftprep.jsonl import default_rejects_path


def _pairs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in value:
        raw, sep, label = item.rpartition("=")
        if not sep or not raw.strip() or not label.strip():
            raise click.BadParameter(f"{item!r}: use RAW=LABEL, e.g. 'Billing inquiry=billing'")
        out[raw.strip()] = label.strip()
    return out


@click.command("convert")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path),
                metavar="SOURCE...")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The chat JSONL file to write; - is stdout (then name --rejects FILE).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Rejected records with reasons (default: OUT.rejects.jsonl beside the output).")
@click.option("--summary-json", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the summary as JSON here.")
@click.option("--text", "text_columns", multiple=True, metavar="COL",
              help="Text column (repeat to join several, e.g. subject then body).")
@click.option("--label", "label_column", default=None, metavar="COL", help="Label column.")
@click.option("--reply", "reply_column", default=None, metavar="COL", help="Approved-reply column.")
@click.option("--id", "id_column", default=None, metavar="COL", help="Record id column.")
@click.option("--preset", type=click.Choice(["zendesk", "freshdesk", "text-label"]), default=None,
              help="Column names of a helpdesk export.")
@click.option("--encoding", default=None, metavar="NAME",
              help="Encoding of CSV/TSV files (cp1252, utf-16 ...); detected when omitted.")
@click.option("--sheet", default=None, metavar="NAME",
              help="XLSX sheet to read (default: the first visible one).")
@click.option("--system-prompt", default=None, metavar="TEXT|@FILE", help="System prompt for every example.")
@click.option("--user-template", default=None, metavar="TEMPLATE",
              help="User message template over the record's fields, e.g. 'Subject: {subject}\\n\\n{text}'.")
@click.option("--assistant", type=click.Choice(["label", "reply", "label+reply", "json"]), default=None,
              help="What the assistant answers (default: label).")
@click.option("--label-map", "label_map", multiple=True, callback=_pairs, metavar="RAW=LABEL",
              help="Normalise a raw label (repeatable).")
@click.option("--labels", "allowed", default=None, metavar="A,B,...",
              help="Allowed labels; others are rejected with a reason.")
@click.option("--no-redact", is_flag=True, help="Keep PII (emails, phones, cards, IBANs, IPs) as is.")
@click.option("--no-fix-mojibake", is_flag=True, help="Leave mojibake as it is.")
@click.option("--min-chars", type=click.IntRange(min=0), default=None,
              help="Reject texts shorter than this after cleaning (default: [convert.clean] "
              "min-chars, else 3).")
@click.option("--max-chars", type=click.IntRange(min=1), default=None, help="Reject longer texts.")
@click.option("--drop-duplicates", is_flag=True, help="Reject exact duplicate examples.")
@click.option("--target", "-t", default=None, help="Write the target's line format (ftprep targets).")
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Summary format on stdout.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Config file (default: nearest ftprep.toml or pyproject.toml with "
              "[tool.ftprep]).")
def convert_command(sources: tuple[Path, ...], output: Path, rejects: Path | None,
                    summary_json: Path | None, output_format: str, config_path: Path | None,
                    target: str | None, **options: Any) -> None:
    """Turn labelled CSV/TSV/XLSX/Parquet/JSON tables, helpdesk exports and email
    (eml, mbox, Maildir, Thunderbird, msg) into validated chat JSONL.

    Every record ends in the output or in the rejects file with a reason; the summary
    says read = written + merged + rejected.
    """
    from ftprep.checks.behaviour.settings import RulesSettings
    from ftprep.clean.pii import PiiSettings
    from ftprep.config import ConfigError
    from ftprep.convert import ConvertError, ConvertSettings, check_outputs, convert

    to_stdout = _check_dashes(output, rejects, summary_json)
    config = load(config_path)
    target = resolve_target(config, target)
    try:
        from ftprep.loaders.email.options import EmailOptions

        settings = _apply_options(config.section("convert", ConvertSettings), options)
        settings = settings.model_copy(update={"email": EmailOptions.from_config(config)})
        pii = config.section("pii", PiiSettings)
        # What validate's FT510 allows may stay in the system prompt.
        pii_allow = config.section("rules", RulesSettings).pii.allow
    except ConfigError as exc:
        raise CannotRun(str(exc)) from None
    _check_system_prompt(config, settings.system_prompt, from_option=options["system_prompt"] is not None)
    label_map = {**config.general.label_map, **options["label_map"]}
    allowed = ([x.strip() for x in options["allowed"].split(",") if x.strip()]
               if options["allowed"] else config.general.labels)
    _check_label_map(config, label_map, options["label_map"], allowed,
                     from_option=bool(options["allowed"]))
    if to_stdout:
        # Written to a temporary file first, as to any output: a run that stops half-way
        # (a usage error in the third file) leaves no half output in the pipe.
        spool = tempfile.TemporaryDirectory(prefix="ftprep-convert-")
        output = Path(spool.name) / "stdout.jsonl"
    canonical = output if target in (None, "openai") else output.with_suffix(".chat.jsonl.tmp")
    rejects = rejects or default_rejects_path(output)
    try:
        # The files convert() itself never sees: the target's output, the summary.
        check_outputs(list(sources), [
            (output, "output"), (rejects, "rejects file"),
            *([(canonical, "canonical file")] if canonical != output else []),
            *([(summary_json, "summary")] if summary_json else [])])
        with _progress() as tick:
            summary = convert(list(sources), canonical, settings,
                              rejects=rejects, label_map=label_map,
                              allowed_labels=allowed, pii=pii, pii_allow=pii_allow,
                              on_progress=tick,
                              target=None if canonical == output else target)
    except ConvertError as exc:
        raise CannotRun(str(exc)) from None
    result = summary.to_dict()
    if canonical != output:
        result["export"] = _export(canonical, output, target)
        result["output"] = str(output)
    if to_stdout:
        result["output"] = "-"
    if summary_json:
        from ftprep.jsonl import AtomicWriter

        with AtomicWriter(summary_json, mode="w") as handle:
            json.dump(result, handle, indent=2, ensure_ascii=False)
    if to_stdout:
        with output.open("rb") as spooled:
            sys.stdout.flush()
            shutil.copyfileobj(spooled, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        spool.cleanup()
    if output_format == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False), err=to_stdout)
    else:
        _print_summary(result, err=to_stdout)
    if summary.written == 0:
        hint = ""
        if not summary.read and any(s.is_dir() and _holds_tables(s) for s in sources):
            hint = (" (a folder is read as a mailbox: eml files, Maildir or Thunderbird; "
                    "pass table files themselves)")
        elif summary.read:
            hint = f" (every one was rejected: the reasons are above, the records in {rejects})"
        click.echo(f"nothing was written: {summary.read} record(s) read{hint}", err=True)
    sys.exit(EXIT_OK if summary.balanced and summary.written else EXIT_FINDINGS)


def _check_dashes(output: Path, rejects: Path | None, summary_json: Path | None) -> bool:
    """Whether the examples go to stdout (`-o -`); the rejects and the JSON summary then
    need files of their own, and `-` for either is refused rather than made a file."""
    if str(rejects) == "-":
        raise click.BadParameter("the rejects need a file: name one (default: OUT.rejects.jsonl)",
                                 param_hint="--rejects")
    if str(summary_json) == "-":
        raise click.BadParameter("name a file; -f json prints the summary itself",
                                 param_hint="--summary-json")
    if str(output) != "-":
        return False
    if rejects is None:
        raise click.UsageError("-o - writes the examples to stdout (and the summary to stderr): "
                               "name the rejects file with --rejects FILE")
    return True


def _check_label_map(config: Any, label_map: dict[str, str], given: dict[str, str],
                     allowed: list[str], *, from_option: bool) -> None:
    """A label-map target that is not an allowed label would reject every row it maps: a
    configuration error before anything is read, naming the entry and the labels."""
    import difflib

    from ftprep.config import table_name

    if not allowed:
        return
    folded = {label.casefold(): label for label in allowed}
    source = config.source or "<config>"
    labels = (f"--labels ({', '.join(allowed)})" if from_option
              else f"labels ({', '.join(allowed)}) in {source}")
    problems = []
    for raw, target in label_map.items():
        if target.casefold() in folded:
            continue
        if raw in given:
            entry = f"--label-map {shlex.quote(f'{raw}={target}')}"
        else:
            table = table_name(config.source, "label-map")
            entry = f"{source}: {table} {json.dumps(raw)} = {json.dumps(target)}"
        close = difflib.get_close_matches(target.casefold(), list(folded), n=1)
        hint = f"; did you mean {folded[close[0]]!r}?" if close else ""
        problems.append(f"{entry}: {target!r} is not one of the allowed {labels}{hint}")
    if problems:
        raise CannotRun("\n".join([*problems, "Fix the label map's target, or add the label "
                                   "to the allowed labels: every row it maps would be rejected"]))


def _check_system_prompt(config: Any, prompt: str | None, *, from_option: bool) -> None:
    """An empty or unreadable system prompt stops the run before anything is read; one
    from the config is named by file and key."""
    from ftprep.config import table_name
    from ftprep.convert import ConvertError, read_system_prompt

    try:
        read_system_prompt(prompt, "leave the option out" if from_option else "leave the key out")
    except ConvertError as exc:
        if from_option:
            raise CannotRun(str(exc)) from None
        where = f"{config.source or '<config>'}: system-prompt in {table_name(config.source, 'convert')}"
        raise CannotRun(f"{where}: {exc}") from None


def _holds_tables(folder: Path, limit: int = 10_000) -> bool:
    """Whether a folder given as a source holds table files (it was read as a mailbox)."""
    from itertools import islice

    from ftprep.loaders import TABLE_SUFFIXES

    suffixes = TABLE_SUFFIXES - {".txt"}  # a Maildir or a profile may hold notes
    return any(p.suffix.lower() in suffixes for p in islice(folder.rglob("*"), limit))


def _apply_options(settings: Any, options: dict[str, Any]) -> Any:
    columns = settings.columns.model_dump(exclude_unset=True)
    for key, option in (("text", "text_columns"), ("label", "label_column"), ("reply", "reply_column"),
                        ("id", "id_column")):
        if options[option]:
            columns[key] = options[option]
    update: dict[str, Any] = {"columns": type(settings.columns).model_validate(columns)}
    for key in ("preset", "encoding", "sheet", "system_prompt", "user_template", "assistant"):
        if options[key] is not None:
            update[key] = options[key]
    if options["user_template"] is not None:
        update["user_template"] = _unescape(options["user_template"])
    clean = settings.clean.model_dump()
    if options["no_fix_mojibake"]:
        clean["fix_mojibake"] = False
    for key in ("min_chars", "max_chars"):
        if options[key] is not None:
            clean[key] = options[key]
    update["clean"] = type(settings.clean).model_validate(clean)
    if options["no_redact"]:
        update["redact_pii"] = False
    if options["drop_duplicates"]:
        update["drop_duplicates"] = True
    return settings.model_copy(update=update)


def _unescape(template: str) -> str:
    r"""`\n` and `\t` typed in a shell, as the --user-template help shows them: a newline
    and a tab (`\\` keeps a backslash)."""
    escapes = {"n": "\n", "t": "\t", "\\": "\\"}
    out: list[str] = []
    chars = iter(template)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append(escapes.get(following, char + following))
        else:
            out.append(char)
    return "".join(out)


def _export(canonical: Path, output: Path, target: str | None) -> dict[str, Any]:
    from ftprep.targets import get_target
    from ftprep.targets.convert import convert_file

    assert target is not None
    chosen = get_target(target)
    try:
        result = convert_file(canonical, output, chosen.export_format, unsupported=chosen.unsupported)
    finally:
        canonical.unlink(missing_ok=True)
    return {"target": chosen.name, "format": chosen.export_format, "converted": result.converted,
            "rejected": len(result.rejected), "dropped": dict(result.drop_counts())}


class _progress:
    """A progress line on stderr for long inputs, only on a terminal."""

    def __enter__(self) -> Any:
        self._bar: Any = None
        if not sys.stderr.isatty():
            return lambda n: None
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(SpinnerColumn(), TextColumn("converting: {task.completed:,} records read"),
                             TimeElapsedColumn(), transient=True, console=_stderr_console())
        self._bar.start()
        task = self._bar.add_task("convert", total=None)
        return lambda n: self._bar.update(task, completed=n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _print_summary(result: dict[str, Any], *, err: bool = False) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True, stderr=err)
    ok = "[green]balanced[/]" if result["balanced"] else "[bold red]NOT balanced[/]"
    console.print(f"[bold]{escape(', '.join(result['sources']))}[/] -> {escape(result['output'])}")
    console.print(f"  read {result['read']:,} = written {result['written']:,} + merged "
                  f"{result['merged']:,} + rejected {result['rejected']:,}  ({ok})")
    for reason, n in result["rejected_by_reason"].items():
        console.print(f"    rejected {escape(reason)}: {n:,}")
    if result["rejected"]:
        console.print(f"  rejects with reasons: {escape(result['rejects'])}")
    for file, roles in result["columns"].items():
        shown = ", ".join(f"{role} {escape(name)}" for role, name in roles.items())
        console.print(f"  columns of {escape(file)}: {shown}")
    if result["labels"]:
        console.print("  labels: " + ", ".join(f"{escape(_one_line(k))} {v:,}"
                                               for k, v in result["labels"].items()))
    if result["redactions"]:
        console.print("  PII redacted (in what was written): "
                      + ", ".join(f"{k} {v:,}" for k, v in result["redactions"].items()))
    if result["cleaning"]:
        # "texts" counts the texts in written examples; the other keys, those a step changed.
        changed = {k: v for k, v in result["cleaning"].items() if k != "texts"}
        console.print(f"  cleaning ({result['cleaning'].get('texts', 0):,} texts written): "
                      + (", ".join(f"{k} {v:,}" for k, v in changed.items()) or "nothing to change"))
    if result["email"]:
        console.print("  email: " + ", ".join(f"{k.replace('_', ' ')} {v:,}"
                                              for k, v in result["email"].items()))
    for warning in result["warnings"]:
        console.print(f"  [yellow]warning[/]: {escape(warning)}")
    export = result.get("export")
    if export:
        console.print(f"  exported to {export['target']} ({export['format']}): {export['converted']:,} lines"
                      + (f", dropped {export['dropped']}" if export["dropped"] else ""))


def _one_line(text: str) -> str:
    """A label on one console line: a newline or another control character as its
    escape ("billing\\nreturns"), other characters as they are."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)

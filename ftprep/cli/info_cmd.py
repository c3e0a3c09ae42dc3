"""`ftprep schema NAME` and `ftprep rules`: what the tool knows, printed."""

from __future__ import annotations

import json

import click


@click.command("schema")
@click.argument("name", required=False)
def schema_command(name: str | None) -> None:
    """Print the JSON Schema of a line format (no NAME: list the formats)."""
    from ftprep.formats import LINE_FORMATS, get_format

    if name is None:
        for fmt in LINE_FORMATS.values():
            click.echo(f"{fmt.name:<16} {fmt.title}")
        return
    try:
        fmt = get_format(name)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="NAME") from None
    click.echo(json.dumps(fmt.json_schema(), indent=2, sort_keys=True))


@click.command("rules")
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="text to read, json for tools, markdown "
              "for docs (the README's tables).")
def rules_command(output_format: str) -> None:
    """List every check: code, name, default severity and what it finds (json adds its
    scope and whole documentation)."""
    from ftprep.checks.registry import all_checks, describe
    from ftprep.checks.rules_doc import rules_markdown

    checks = all_checks()
    if output_format == "json":
        click.echo(json.dumps([describe(c) for c in checks], indent=2))
    elif output_format == "markdown":
        click.echo(rules_markdown(checks), nl=False)
    else:
        for check in checks:
            click.echo(f"{check.code}  {check.name:<40} {check.severity.label:<8} {check.summary}")

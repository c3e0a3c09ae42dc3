"""`ftprep targets [NAME]`: every training target with its formats, rules, limits,
tokenizer and prices."""

from __future__ import annotations

import json
from typing import Any

import click


@click.command("targets")
@click.argument("name", required=False)
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="text to read, json for tools, markdown "
              "for docs (the README's tables).")
def targets_command(name: str | None, output_format: str) -> None:
    """List the training targets (NAME: one target in full, with notes and sources; in
    markdown, its row of the table).

    Values marked "unverified" are not confirmed by ftprep's sources; limits left blank
    are not documented in them."""
    from ftprep.targets import TARGETS
    from ftprep.targets.table import markdown_table, target_row, target_rows

    if name is not None:
        target = TARGETS.get(name.strip().lower())
        if target is None:
            raise click.BadParameter(f"{name!r}; use one of {', '.join(TARGETS)}",
                                     param_hint="NAME")
        rows = [target_row(target)]
    else:
        rows = target_rows()
    if output_format == "json":
        click.echo(json.dumps(rows if name is None else rows[0], indent=2, default=str))
    elif output_format == "markdown":
        click.echo(markdown_table(rows), nl=False)
    elif name is not None:
        _details(rows[0])
    else:
        _table(rows)


def _table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ftprep.targets.table import limits_text

    console = Console(highlight=False)
    if console.width < 120:
        # Too narrow for six columns: one short block per target.
        for r in rows:
            lines = [f"[bold]{r['name']}[/]  {escape(r['title'])}",
                     f"  formats: {escape(r['formats_text'])}",
                     f"  roles: {', '.join(r['roles'])}; system prompt: {escape(r['system'])}"
                     + (f"; {r['order']}" if r["order"] else ""),
                     f"  limits: {escape(limits_text(r))}",
                     f"  tokenizer: {escape(r['tokenizer'])}"]
            if r["prices"]:
                lines.append(f"  prices: {escape(', '.join(r['prices']))}")
            for line in lines:
                console.print(line, soft_wrap=True)
    else:
        table = Table(show_lines=True)
        table.add_column("target", no_wrap=True)
        table.add_column("formats", no_wrap=True)
        for column in ("roles / system", "limits", "tokenizer", "prices"):
            table.add_column(column)
        for r in rows:
            roles = ", ".join(r["roles"]) + f"\nsystem: {r['system']}"
            if r["order"]:
                roles += f"\n{r['order']}"
            prices = "\n".join(r["prices"]) or ("-" if not r["price_providers"] else
                                                f"no rows for {r['price_providers'][0]}")
            formats = "\n".join(r["formats"]) + (
                "\n(unverified)" if "formats" in r["unverified"] else "")
            table.add_row(r["name"], formats, escape(roles), escape(limits_text(r)),
                          r["tokenizer"], escape(prices))
        console.print(table)
    console.print("Details: ftprep targets NAME. Before uploading: "
                  "ftprep validate --target NAME FILE", soft_wrap=True)


def _details(r: dict[str, Any]) -> None:
    from ftprep.targets.table import limits_text

    echo = click.echo
    echo(f"{r['name']}: {r['title']}")
    echo(f"  formats:    {r['formats_text']}")
    echo(f"  roles:      {', '.join(r['roles'])}; system prompt: {r['system']}")
    if r["order"]:
        echo(f"  order:      {r['order']}")
    echo(f"  limits:     {limits_text(r)}")
    if r["recommended_examples"]:
        echo(f"  recommends: at least {r['recommended_examples']} examples")
    echo(f"  tokenizer:  {r['tokenizer']}")
    if r["export_drops"]:
        echo(f"  export drops: {', '.join(r['export_drops'])} (not supported)")
    echo(f"  prices:     {', '.join(r['prices']) or 'none in the price table'}")
    if r["unverified"]:
        echo(f"  unverified: {', '.join(r['unverified'])}")
    echo(f"  docs:       {r['docs_url'] or '-'}")
    for source in r["sources"]:
        echo(f"  source:     {source}")
    for note in r["notes"]:
        echo(f"  - {note}")
    echo(f"Check a file: ftprep validate --target {r['name']} FILE")

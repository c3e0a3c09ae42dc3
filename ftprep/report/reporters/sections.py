"""Text (rich) renderers of the stats sections of `check` and `cost`: tokens, labels,
duplicates, cost and behaviour. What each section shows comes from `report.views`;
this module only draws it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ftprep.report.blocks import (
    Bar,
    Chart,
    Facts,
    Note,
    SectionView,
    Table,
    Tone,
    bar_text,
    draws_blocks,
    fmt,
)
from ftprep.report.views import SECTION_ORDER, section_view

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

_TONE_STYLE: dict[Tone, str] = {"": "", "ok": "green", "warn": "yellow", "bad": "bold red", "muted": "dim"}
_BAR_WIDTH = 20


def render_view(console: Console, view: SectionView) -> None:
    from rich.text import Text

    heading = Text()
    heading.append(view.title, style="bold underline")
    if view.subtitle:
        heading.append(f"  {view.subtitle}", style="dim")
    for badge in view.badges:
        heading.append("  ")
        heading.append(badge.text, style=_TONE_STYLE[badge.tone] or "bold")
    console.print()
    console.print(heading)
    for block in view.blocks:
        if isinstance(block, Facts):
            _facts(console, block)
        elif isinstance(block, Table):
            _table(console, block)
        elif isinstance(block, Chart):
            if block.in_text:
                _chart(console, block)
        else:
            _note(console, block)


def _facts(console: Console, facts: Facts) -> None:
    from rich.text import Text

    if facts.title:
        _indented(console, _text(facts.title, style="bold"))
    # Plain padded lines rather than a grid: no trailing blanks, and long values wrap.
    width = max((len(fact.label) for fact in facts.items), default=0)
    for fact in facts.items:
        line = Text()
        line.append(fact.label.ljust(width + 2), style="dim")
        line.append_text(_text(fact.value, fact.tone))
        _indented(console, line)


def _table(console: Console, table: Table) -> None:
    from rich import box
    from rich.measure import Measurement
    from rich.table import Table as RichTable

    out = RichTable(title=table.title or None, title_justify="left", title_style="bold",
                    box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    ascii_only = not draws_blocks(console.encoding)
    # Long free text (notes) would squeeze every other column: it becomes a footnote.
    footnotes: list[str] = []
    long = [i for i, column in enumerate(table.columns) if column.long]
    for i, column in enumerate(table.columns):
        if i not in long:
            out.add_column(column.name, justify=column.align, overflow="fold")
    if long:
        out.add_column("", no_wrap=True)
    for row in table.rows:
        cells = [_cell(cell, row.tone, ascii_only) for i, cell in enumerate(row.cells)
                 if i not in long]
        texts = [str(row.cells[i]) for i in long if i < len(row.cells) and str(row.cells[i])]
        if long:
            if texts:
                footnotes.append("; ".join(texts))
            cells.append(_text(f"[{len(footnotes)}]" if texts else "", style="dim"))
        out.add_row(*cells)
    if Measurement.get(console, console.options, out).maximum > console.width - 2:
        _stacked(console, table)
        return
    _indented(console, out)
    for number, text in enumerate(footnotes, 1):
        _indented(console, _text(f"[{number}] {text}", "muted"))
    if table.note:
        _indented(console, _text(table.note, "muted"))


def _stacked(console: Console, table: Table) -> None:
    """A table too wide for the console, one row per paragraph: the leading text
    columns as a heading, then `column value` pairs, then the notes."""
    from rich.text import Text

    lead = next((i for i, c in enumerate(table.columns) if c.align == "right" or c.long), 1) or 1
    if table.title:
        _indented(console, _text(table.title, style="bold"))
    for row in table.rows:
        cells = list(zip(table.columns, row.cells, strict=False))
        head = " · ".join(str(cell) for _, cell in cells[:lead] if str(cell))
        _indented(console, _text(head, row.tone, style="" if row.tone else "bold"))
        pairs = Text()
        for column, cell in cells[lead:]:
            if column.long or isinstance(cell, Bar) or not cell:
                continue
            if pairs:
                pairs.append("  ")
            pairs.append(f"{column.name} ", style="dim")
            pairs.append_text(_text(cell, row.tone))
        notes = "; ".join(str(cell) for column, cell in cells if column.long and str(cell))
        _indented(console, Text("  ").append_text(pairs))
        if notes:
            _indented(console, _text(f"  {notes}", "muted"))
    if table.note:
        _indented(console, _text(table.note, "muted"))


def _cell(cell: str | Bar, tone: Tone, ascii_only: bool = False) -> Text:
    if isinstance(cell, Bar):
        return _text(bar_text(cell.fraction, _BAR_WIDTH, ascii_only=ascii_only),
                     style="dim" if tone == "muted" else "cyan")
    return _text(cell, tone)


def _chart(console: Console, chart: Chart) -> None:
    from rich.table import Table as RichTable

    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(justify="right", style="dim")
    grid.add_column()
    grid.add_column(justify="right")
    widest = max(chart.values, default=0.0) or 1.0
    ascii_only = not draws_blocks(console.encoding)
    for label, value in zip(chart.labels, chart.values, strict=False):
        bar = bar_text(value / widest, _BAR_WIDTH, ascii_only=ascii_only).ljust(_BAR_WIDTH)
        grid.add_row(_text(label), _text(bar, style="cyan"), _text(fmt(value)))
    _indented(console, _text(chart.title, style="bold"))
    _indented(console, grid)


def _note(console: Console, note: Note) -> None:
    _indented(console, _text(note.text, note.tone or "muted"))


def _text(value: str, tone: Tone = "", *, style: str = "") -> Text:
    from rich.text import Text

    # Text objects, not markup strings: data such as "[bold]" must print as typed.
    return Text(value, style=style or _TONE_STYLE[tone])


def _indented(console: Console, renderable: Any) -> None:
    from rich.padding import Padding
    from rich.text import Text

    if isinstance(renderable, Text):
        # Printed as a line, so the console's soft wrapping applies and nothing is cropped.
        console.print(Text("  ").append_text(renderable))
    else:
        console.print(Padding(renderable, (0, 0, 0, 2), expand=False))


def renderer(key: str) -> Callable[[Console, Any], None]:
    def render(console: Console, data: Any) -> None:
        render_view(console, section_view(key, data))

    render.__name__ = f"render_{key}"
    return render


RENDERERS: dict[str, Callable[[Console, Any], None]] = {key: renderer(key) for key in SECTION_ORDER}

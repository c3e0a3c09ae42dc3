"""The building blocks of a format-neutral report view (facts, tables, charts, notes) and
the tolerant accessors and number formats shared by every reporter.

Stats come from several pipelines and may be partial or malformed: the accessors here
accept any value and fall back to empty or a dash instead of raising.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Tone = Literal["", "ok", "warn", "bad", "muted"]
Align = Literal["left", "right"]

DASH = "—"
MAX_ROWS = 50
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Bar:
    """A table cell drawn as a bar: `fraction` of the widest bar (0..1)."""

    fraction: float


Cell = str | Bar


@dataclass(frozen=True, slots=True)
class Column:
    """`long` marks free text (notes) that a narrow text table prints as footnotes."""

    name: str
    align: Align = "left"
    long: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    tone: Tone = ""


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    title: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str
    tone: Tone = ""


@dataclass(frozen=True, slots=True)
class Facts:
    items: tuple[Fact, ...]
    title: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    """Bars with a label and a value each. A histogram also has bin `edges` and may mark
    one x position (the token limit); `in_text` says whether text and markdown, which
    have no graphics, should print it as rows of bar characters."""

    kind: Literal["histogram", "bars"]
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    tones: tuple[Tone, ...] = ()
    edges: tuple[float, ...] = ()
    marker: tuple[float, str] | None = None
    in_text: bool = True


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    tone: Tone = ""


Block = Facts | Table | Chart | Note


@dataclass(frozen=True, slots=True)
class Badge:
    text: str
    tone: Tone = ""


@dataclass(frozen=True, slots=True)
class SectionView:
    key: str
    title: str
    subtitle: str = ""
    badges: tuple[Badge, ...] = ()
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True, slots=True)
class Card:
    label: str
    value: str
    sub: str = ""
    tone: Tone = ""


@dataclass(slots=True)
class Builder:
    """Collects a section's blocks, dropping empty facts and tables so that a partial
    section prints no empty headings."""

    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block | None) -> None:
        if block is not None and not (isinstance(block, Facts | Table) and not _has_items(block)):
            self.blocks.append(block)


def _has_items(block: Facts | Table) -> bool:
    return bool(block.items) if isinstance(block, Facts) else bool(block.rows)


# ---- tolerant accessors and formatting -------------------------------------------------


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def number(value: Any) -> float | None:
    """A finite int or float as float; anything else (bool, str, NaN, 10**400) is None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


# Control characters (a terminal escape sequence starts with one) and bidi overrides
# (U+202E shows text reversed) in data would act on the reader's screen, not print.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with control and bidi-override characters shown as escapes (\\u202e)."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_LINE_BREAKS = str.maketrans({"\n": "\\n", "\t": "\\t"})  # visible() leaves these two


def one_line(text: str) -> str:
    """visible(), with line breaks and tabs escaped too: a finding's message quoting a
    key or label with a newline stays on its line."""
    return visible(text).translate(_LINE_BREAKS)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Text from the data, ready to show in one cell or line: visible, line breaks and
    tabs escaped (a label "line\\nbreak" must not split a table row), and cut to `limit`
    characters."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fmt(value: Any) -> str:
    """Any stats value as short text: numbers with thousands separators, lists joined."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    num = number(value)
    if num is not None:
        if num.is_integer() and abs(num) < 1e15:
            return f"{int(num):,}"
        return f"{num:,.1f}" if abs(num) >= 10 else f"{num:,.3g}"
    if isinstance(value, str):
        return clip(value)
    if isinstance(value, list | tuple):
        return clip(", ".join(fmt(item) for item in value)) or DASH
    try:
        return clip(json.dumps(value, ensure_ascii=False, default=str, sort_keys=True))
    except (TypeError, ValueError):  # mixed key types cannot be sorted
        return clip(str(value))


def plural(count: int, noun: str) -> str:
    """ "1 epoch", "3 epochs", "1,200 examples"."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def fmt_pct(value: Any) -> str:
    num = number(value)
    return DASH if num is None else f"{num * 100:.1f}%"


def fmt_usd(value: Any) -> str:
    num = number(value)
    if num is None:
        return DASH
    # Small datasets cost fractions of a cent; two decimals would print $0.00.
    return f"${num:,.4f}" if 0 < abs(num) < 0.01 else f"${num:,.2f}"


def fmt_lines(lines: Any, limit: int = 10) -> str:
    items = [fmt(n) for n in as_list(lines)]
    more = f", … (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


_ACRONYMS = {"usd": "USD", "pii": "PII", "json": "JSON", "id": "ID", "ip": "IP"}


def _words(key: object) -> str:
    parts = clip(str(key)).replace("_", " ").replace("-", " ").split()
    return " ".join(_ACRONYMS.get(w, w) for w in parts)


def humanise(key: object) -> str:
    """A stats key as a title: "system_prompt" -> "System prompt"."""
    text = _words(key)
    return text[:1].upper() + text[1:] if text else DASH


_FIELD_NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")


def heading(key: object) -> str:
    """A key of unknown origin as a column or fact name, in the lower case the other
    tables use: a snake_case field name as words ("usd_per_epoch" -> "USD per epoch");
    anything else (a label from the data) as it is, escaped and clipped."""
    text = str(key)
    return _words(text) if _FIELD_NAME.fullmatch(text) else clip(text, 80)


def compact(value: Any) -> str:
    """Axis-sized numbers: 950, 1.2k, 16k, 1.5M."""
    num = number(value)
    if num is None:
        return DASH
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(num) >= size:
            scaled = num / size
            return f"{scaled:.0f}{suffix}" if scaled >= 10 or scaled.is_integer() else f"{scaled:.1f}{suffix}"
    return f"{num:.0f}" if num.is_integer() else f"{num:.3g}"


def compact_all(values: list[float] | tuple[float, ...]) -> list[str]:
    """compact() for each of a series of axis values, or fmt() for all of them when
    compact would print two different values alike (14,000 and 14,250 as "14k")."""
    short = [compact(v) for v in values]
    distinct = all(a != b for a, b, x, y in zip(short, short[1:], values, values[1:], strict=False)
                   if x != y)
    return short if distinct else [fmt(v) for v in values]


def fmt_stat(value: Any) -> str:
    """A figure of a distribution (min, p95, mean ...): one decimal, or none when the
    rounded value is whole, so that 10,963 and 10,962.9 sit together in one column."""
    num = number(value)
    if num is None:
        return fmt(value)
    rounded = round(num, 1)
    return f"{int(rounded):,}" if rounded.is_integer() and abs(rounded) < 1e15 else f"{rounded:,.1f}"


_EIGHTHS = " ▏▎▍▌▋▊▉"


ASCII_BAR = "#"


def bar_text(fraction: float, width: int = 20, *, ascii_only: bool = False) -> str:
    """A bar of block characters, in eighths of a character; a non-zero value always
    shows at least a sliver so that rare classes stay visible. `ascii_only`: whole
    characters of ASCII_BAR, for a stream that cannot encode the blocks."""
    fraction = min(max(fraction, 0.0), 1.0) if math.isfinite(fraction) else 0.0
    steps = 1 if ascii_only else 8
    parts = round(fraction * width * steps)
    if fraction > 0 and parts == 0:
        parts = 1
    if ascii_only:
        return ASCII_BAR * parts
    full, rest = divmod(parts, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def draws_blocks(encoding: str | None) -> bool:
    """Whether a stream in `encoding` can show bar_text's block characters (a cp1252
    console cannot: they would come out as \\u2588 escapes)."""
    if not encoding:
        return True
    try:
        ("█" + _EIGHTHS.strip()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True

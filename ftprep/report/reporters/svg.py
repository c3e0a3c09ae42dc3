"""Inline SVG charts for the html report, drawn in Python: a histogram of tokens per
example and a horizontal bar chart of examples per label.

No xmlns and no external references: the SVG lives inside the HTML page. Every label
is escaped, in text and in attributes alike.
"""

from __future__ import annotations

import math
from html import escape
from itertools import pairwise

from ftprep.report.blocks import Chart, clip, compact, compact_all, fmt, fmt_pct

WIDTH = 640


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _n(value: float) -> str:
    """Coordinates with one decimal: short output, stable for tests."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_step(top: float, ticks: int = 4) -> float:
    raw = max(top, 1.0) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return max(factor * power, 1.0)
    return 10 * power  # pragma: no cover (the loop always returns)


def histogram(chart: Chart, *, width: int = WIDTH, height: int = 260) -> str:
    left, right, top, bottom = 48, 14, 26, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    count = len(chart.values)
    step = _nice_step(max(chart.values, default=0.0))
    ymax = step * max(1, math.ceil(max(chart.values, default=0.0) / step))
    slot = plot_w / max(count, 1)
    gap = min(6.0, slot * 0.18)
    out = [f'<svg class="chart histogram" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{_e(chart.title)}" preserveAspectRatio="xMidYMid meet">',
           f"<title>{_e(chart.title)}</title>"]
    for i in range(round(ymax / step) + 1):
        y = top + plot_h - plot_h * (i * step / ymax)
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_n(y)}" y2="{_n(y)}"/>')
        out.append(f'<text class="axis" x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">'
                   f"{_e(compact(i * step))}</text>")
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=False)):
        h = plot_h * value / ymax
        x = left + i * slot + gap / 2
        tip = f"{label} tokens: {fmt(value)} example(s)"
        out.append(f'<rect class="bar" data-bin="{i}" x="{_n(x)}" y="{_n(top + plot_h - h)}" '
                   f'width="{_n(slot - gap)}" height="{_n(h)}" rx="2"><title>{_e(tip)}</title></rect>')
        if value and slot >= 26:
            out.append(f'<text class="value" x="{_n(x + (slot - gap) / 2)}" y="{_n(top + plot_h - h - 4)}" '
                       f'text-anchor="middle">{_e(compact(value))}</text>')
    out.append(f'<line class="axis-line" x1="{left}" x2="{width - right}" '
               f'y1="{top + plot_h}" y2="{top + plot_h}"/>')
    out += _x_labels(chart, left, top + plot_h, slot)
    out += _marker(chart, left, top, plot_h, slot)
    out.append(f'<text class="axis-title" x="{left + plot_w / 2:.0f}" y="{height - 6}" '
               'text-anchor="middle">tokens per example</text>')
    out.append("</svg>")
    return "".join(out)


def _x_labels(chart: Chart, left: float, base: float, slot: float) -> list[str]:
    out = []
    # Bins of one whole value each ("32", "33") are labelled under the bar, not at its edges.
    single = all(hi - lo == 1 and lo == int(lo) for lo, hi in pairwise(chart.edges))
    if chart.edges and not single:
        every = max(1, math.ceil(len(chart.edges) / 9))
        shown = [i for i in range(len(chart.edges)) if i % every == 0 or i == len(chart.edges) - 1]
        # Ticks sit on bin boundaries; labels precise enough that no two read the same.
        texts = compact_all([chart.edges[i] for i in shown])
        for i, text in zip(shown, texts, strict=True):
            out.append(f'<text class="axis" x="{_n(left + i * slot)}" y="{_n(base + 16)}" '
                       f'text-anchor="middle">{_e(text)}</text>')
    else:
        every = max(1, math.ceil(len(chart.labels) / 9))
        for i, label in enumerate(chart.labels):
            if i % every == 0:
                out.append(f'<text class="axis" x="{_n(left + (i + 0.5) * slot)}" y="{_n(base + 16)}" '
                           f'text-anchor="middle">{_e(clip(label, 12))}</text>')
    return out


def _marker(chart: Chart, left: float, top: float, plot_h: float, slot: float) -> list[str]:
    if chart.marker is None or len(chart.edges) < 2:
        return []
    position, text = chart.marker
    for i in range(len(chart.edges) - 1):
        lo, hi = chart.edges[i], chart.edges[i + 1]
        if lo <= position <= hi:
            x = left + (i + ((position - lo) / (hi - lo) if hi > lo else 0.0)) * slot
            anchor = "end" if x > left + slot * len(chart.values) * 0.75 else "start"
            dx = -5 if anchor == "end" else 5
            return [f'<line class="marker" x1="{_n(x)}" x2="{_n(x)}" y1="{_n(top - 8)}" '
                    f'y2="{_n(top + plot_h)}"/>',
                    f'<text class="marker-label" x="{_n(x + dx)}" y="{_n(top - 1)}" '
                    f'text-anchor="{anchor}">{_e(text)}</text>']
    return []


def bars(chart: Chart, *, width: int = WIDTH) -> str:
    row, top, label_w, value_w = 28, 6, 190, 104
    plot_w = width - label_w - value_w
    height = top * 2 + row * len(chart.values)
    widest = max(chart.values, default=0.0) or 1.0
    total = sum(chart.values) or 1.0
    tones = chart.tones or ("",) * len(chart.values)
    out = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{_e(chart.title)}" preserveAspectRatio="xMidYMid meet">',
           f"<title>{_e(chart.title)}</title>"]
    for i, (label, value, tone) in enumerate(zip(chart.labels, chart.values, tones, strict=False)):
        y = top + i * row
        w = max(plot_w * value / widest, 2.0 if value else 0.0)
        cls = f"bar {tone}".strip()
        tip = f"{label}: {fmt(value)} example(s), {fmt_pct(value / total)}"
        out.append(f'<text class="label" x="{label_w - 10}" y="{_n(y + row / 2 + 4)}" '
                   f'text-anchor="end">{_e(clip(label, 26))}</text>')
        out.append(f'<rect class="{_e(cls)}" data-label="{_e(label)}" x="{label_w}" y="{_n(y + 5)}" '
                   f'width="{_n(w)}" height="{row - 10}" rx="3"><title>{_e(tip)}</title></rect>')
        out.append(f'<text class="value" x="{_n(label_w + w + 8)}" y="{_n(y + row / 2 + 4)}">'
                   f"{_e(fmt(value))} · {_e(fmt_pct(value / total))}</text>")
    out.append("</svg>")
    return "".join(out)

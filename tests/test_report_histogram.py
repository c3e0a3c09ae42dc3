"""The tokens-per-example histogram and the token distribution: the bins hold exactly the
counts their labels name, stop at the data, and read the same in json, text, markdown
and html; the distribution's figures follow one rounding rule in every format."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftprep.checks.tokens_checks import HISTOGRAM_BINS, distribution, histogram
from ftprep.report.blocks import Chart, Table
from ftprep.report.finding import Report
from ftprep.report.reporters import get_reporter
from ftprep.report.views import tokens_view

# Shapes of the QA files: two values (labels.jsonl), a narrow integer range with its max
# one past a round edge (tickets.jsonl), a wide range whose compact labels collided
# (long.jsonl), and a value on the old fractional edge 104.25 (rich.jsonl).
LABELS = [32] * 84 + [33] * 6
TICKETS = [53, 53, 53, 54, 54, *range(55, 70), 71]
LONG = [23, 28, 34, 60, 78, 95, 700, 3500, 3900, 4100, 6500, 17_013]
RICH = [28, 30, 45, 60, 80, 99, 104, 110, 140, 150, 170, 200, 1553]


def holds(label: str) -> range:
    """The token counts a bin label names: "32" or "1,491–1,553" (inclusive)."""
    ends = [int(part.replace(",", "")) for part in label.split("–")]
    return range(ends[0], ends[-1] + 1)


@pytest.mark.parametrize("values", [LABELS, TICKETS, LONG, RICH], ids=["labels", "tickets", "long", "rich"])
def test_bins_stop_at_the_data_and_labels_say_which_counts_they_hold(values: list[int]) -> None:
    hist = histogram(values)
    edges, counts = hist["edges"], hist["counts"]
    assert all(isinstance(e, int) for e in edges)
    assert edges[0] == min(values) and edges[-1] == max(values) + 1
    assert len(counts) <= min(HISTOGRAM_BINS, max(values) - min(values) + 1)
    assert counts[0] and counts[-1]  # no empty bin before the first or after the last value
    chart = next(b for b in tokens_view({"examples": len(values), "histogram": hist}).blocks
                 if isinstance(b, Chart))
    ranges = [holds(label) for label in chart.labels]
    assert [sum(v in r for v in values) for r in ranges] == counts
    # Neighbouring bins neither overlap nor leave a gap, and no label reads "14k–14k".
    assert all(a[-1] + 1 == b[0] for a, b in pairwise(ranges))
    assert ranges[0][0] == min(values) and ranges[-1][-1] == max(values)


def test_the_qa_cases() -> None:
    assert histogram(LABELS) == {"edges": [32, 33, 34], "counts": [84, 6]}
    tickets = histogram(TICKETS)
    assert tickets["edges"][-1] == 72 and tickets["counts"][-1] == 1  # 71 is in the last bin
    rich = tokens_view({"examples": len(RICH), "histogram": histogram(RICH)})
    labels = next(b for b in rich.blocks if isinstance(b, Chart)).labels
    assert next(label for label in labels if 104 in holds(label)) == labels[0]


@given(st.lists(st.integers(min_value=0, max_value=200_000), min_size=1, max_size=300))
def test_every_value_is_counted_in_the_bin_its_edges_give(values: list[int]) -> None:
    hist = histogram(values)
    edges, counts = hist["edges"], hist["counts"]
    assert sum(counts) == len(values) and counts[0] and counts[-1]
    assert len(counts) <= min(HISTOGRAM_BINS, max(values) - min(values) + 1)
    assert counts == [sum(lo <= v < hi for v in values) for lo, hi in pairwise(edges)]


def _report(values: list[int]) -> Report:
    stats = {"model": "gpt-4o-mini-2024-07-18", "encoding": "o200k_base", "exact": True,
             "examples": len(values), "total_tokens": sum(values), "per_example": distribution(values),
             "histogram": histogram(values)}
    return Report(command="check", stats={"tokens": stats})


def _render(report: Report, name: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "160")
    out = io.StringIO()
    get_reporter(name, color=False).render(report, out)
    return out.getvalue()


def test_the_histogram_is_the_same_in_every_format(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report(LONG)
    hist = json.loads(_render(report, "json", monkeypatch))["stats"]["tokens"]["histogram"]
    assert hist == histogram(LONG)
    chart = next(b for b in tokens_view(report.stats["tokens"]).blocks if isinstance(b, Chart))
    pairs = list(zip(chart.labels, hist["counts"], strict=True))
    text = [re.sub(r"[\s█▏▎▍▌▋▊▉]+", " ", line).strip()
            for line in _render(report, "text", monkeypatch).splitlines()]
    markdown = _render(report, "markdown", monkeypatch)
    tips = re.findall(r'<rect class="bar" data-bin="\d+"[^>]*><title>([^<]*)</title>',
                      _render(report, "html", monkeypatch))
    assert [unescape(t) for t in tips] == [f"{label} tokens: {count:,} example(s)" for label, count in pairs]
    for label, count in pairs:
        assert f"{label} {count}" in text
        assert re.search(rf"\| {re.escape(label)} \| {count} \|", markdown)


def test_svg_axis_labels_never_read_alike() -> None:
    from ftprep.report.blocks import compact_all

    assert compact_all([14_000, 14_250, 14_500]) == ["14,000", "14,250", "14,500"]
    assert compact_all([0, 1000, 2000]) == ["0", "1k", "2k"]
    html = _render_html(_report([14_000, 14_100, 14_600, 15_999]))
    ticks = re.findall(r'<text class="axis" x="[\d.]+" y="230"[^>]*>([^<]*)</text>', html)
    assert ticks and len(set(ticks)) == len(ticks)


def test_bins_of_one_value_are_labelled_under_their_bars() -> None:
    html = _render_html(_report(LABELS))
    ticks = re.findall(r'<text class="axis" x="[\d.]+" y="230"[^>]*>([^<]*)</text>', html)
    assert ticks == ["32", "33"]  # not a boundary tick "34" past the data


def _render_html(report: Report) -> str:
    out = io.StringIO()
    get_reporter("html").render(report, out)
    return out.getvalue()


# ---- the distribution: integers as integers, anything else with one decimal ------------

def test_distribution_rounds_to_one_decimal_and_keeps_whole_numbers_whole() -> None:
    values = [23, 28, 34, 60, 78, 95, 700, 3500, 3900, 4100, 6500, 17_013]
    dist = distribution(values)
    assert dist == {"min": 23, "p5": 25.8, "median": 397.5, "mean": 3002.6, "p95": 11_230.8, "max": 17_013}
    assert isinstance(dist["min"], int) and isinstance(dist["max"], int)
    near_whole = distribution([10, 10_963, 10_963, 10_963, 10_963, 10_963, 10_963, 10_963, 10_963,
                               10_963, 10_963, 10_963, 10_963, 10_963, 10_963, 10_963, 10_963,
                               10_963, 10_963, 10_963, 10_964])
    assert near_whole["p95"] == 10_963 and isinstance(near_whole["p95"], int)


@pytest.mark.parametrize(("stats", "cells"), [
    ({"min": 23.0, "p5": 28.5, "median": 78.0, "mean": 2973.75, "p95": 10_962.95, "max": 17_013.0},
     ["23", "28.5", "78", "2,973.8", "10,963", "17,013"]),
    ({"min": 1, "p5": 1, "median": 1, "mean": 1.0833, "p95": 2, "max": 2}, ["1", "1", "1", "1.1", "2", "2"]),
])
def test_distribution_cells_follow_one_rule(stats: dict[str, float], cells: list[str]) -> None:
    table = next(b for b in tokens_view({"examples": 3, "per_example": stats}).blocks if isinstance(b, Table))
    assert list(table.rows[0].cells[1:]) == cells


def test_distribution_reads_the_same_in_json_text_markdown_and_html(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report(LONG)
    dist = json.loads(_render(report, "json", monkeypatch))["stats"]["tokens"]["per_example"]
    assert dist["p95"] == 11_230.8 and dist["max"] == 17_013
    row = "23 25.8 397.5 3,002.6 11,230.8 17,013"
    text = [re.sub(r"\s+", " ", line).strip() for line in _render(report, "text", monkeypatch).splitlines()]
    assert f"per example (total) {row}" in text
    assert f"| per example (total) | {row.replace(' ', ' | ')} |" in _render(report, "markdown", monkeypatch)
    html = _render(report, "html", monkeypatch)
    assert all(f">{cell}</td>" in html for cell in row.split())

"""The format-neutral section views, and every reporter on partial or malformed stats."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_samples import check_report, check_stats

from ftprep.report.blocks import (
    Bar,
    Chart,
    Fact,
    Facts,
    Table,
    bar_text,
    compact,
    draws_blocks,
    fmt,
    fmt_pct,
    fmt_usd,
    number,
)
from ftprep.report.finding import Report
from ftprep.report.reporters import REPORTERS, get_reporter
from ftprep.report.views import SECTION_ORDER, section_view, section_views, summary_cards, verdict


@pytest.mark.parametrize(("value", "text"), [
    (None, "—"), (True, "yes"), (1234567, "1,234,567"), (3.0, "3"), (401.75, "401.8"), (0.125, "0.125"),
    ("text", "text"), ([1, 2000], "1, 2,000"), ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'),
    (float("nan"), "NaN"), (10**400, str(10**400)[:199] + "…"),
])
def test_fmt(value: Any, text: str) -> None:
    assert fmt(value) == text


def test_number_formats() -> None:
    assert number(True) is None and number("3") is None and number(float("inf")) is None
    assert fmt_pct(0.184) == "18.4%" and fmt_pct(None) == "—"
    assert fmt_usd(0.4311) == "$0.43" and fmt_usd(0.0042) == "$0.0042" and fmt_usd(1234.5) == "$1,234.50"
    assert [compact(v) for v in (950, 1024, 16384, 1_500_000, 0.5)] == ["950", "1.0k", "16k", "1.5M", "0.5"]


def test_bar_text() -> None:
    assert bar_text(1.0, 4) == "████"
    assert bar_text(0.5, 3) == "█▌"
    assert bar_text(0.001, 20) == "▏"  # a rare class stays visible
    assert bar_text(0.0) == "" and bar_text(float("nan")) == ""


def test_ascii_bar_text_for_a_stream_without_block_characters() -> None:
    assert bar_text(1.0, 4, ascii_only=True) == "####"
    assert bar_text(0.5, 3, ascii_only=True) == "##"  # whole characters, rounded
    assert bar_text(0.001, 20, ascii_only=True) == "#"  # still a sliver
    assert bar_text(0.0, ascii_only=True) == ""
    assert draws_blocks("utf-8") and draws_blocks(None)
    assert not draws_blocks("cp1252") and not draws_blocks("ascii")
    assert not draws_blocks("no-such-codec")


def test_verdict_and_cards() -> None:
    report = check_report()
    assert verdict(report) == ("failed", "bad")
    assert verdict(Report(command="check")) == ("passed", "ok")
    # A split that was written (exit 0) did not fail: its errors are the lines it rejected.
    split = check_report()
    split.command = "split"
    assert verdict(split) == ("written; lines with errors went to the rejects", "warn")
    assert verdict(Report(command="split")) == ("written", "ok")
    cards = {card.label: card for card in summary_cards(report)}
    assert cards["Errors"].value == "1" and cards["Errors"].tone == "bad"
    assert cards["Tokens"].value == "48k" and cards["Tokens"].sub == "exact"
    # The unavailable OpenAI row and the unpriced Mistral row leave one priced option.
    assert cards["Training cost"].value == "$0.07"


def test_sections_in_fixed_order_then_unknown() -> None:
    stats = {"zzz": {"a": 1}, "cost": {}, "tokens": {}}
    assert [v.key for v in section_views(stats)] == ["tokens", "cost", "zzz"]
    assert [v.title for v in section_views(check_stats())] == [
        "Tokens", "Labels", "Duplicates and leakage", "Cost", "Behaviour", "Validation file: leakage"]


def test_leakage_facts_read_what_duplicate_stats_writes() -> None:
    view = section_view("validation_duplicates", check_stats()["validation_duplicates"])
    facts = {f.label: (f.value, f.tone) for block in view.blocks for f in getattr(block, "items", ())}
    assert facts["also in the training file"] == ("1 exact (copies or the same input), 0 near", "bad")
    assert not any(label.startswith("near duplicates") for label in facts)  # detection was off


def test_tokens_estimate_badge_and_histogram() -> None:
    data = check_stats()["tokens"] | {"exact": False, "estimate_reasons": ["no vocabulary for model x"]}
    view = section_view("tokens", data)
    assert view.badges[0].text == "ESTIMATE (no vocabulary for model x)"
    chart = next(b for b in view.blocks if isinstance(b, Chart))
    assert len(chart.values) == 8 and chart.labels[0] == "0–255" and chart.marker == (16384, "limit 16,384")
    # Edges that do not match the counts are dropped, not trusted.
    bad = section_view("tokens", {"histogram": {"edges": [0, 1], "counts": [1, 2, 3]}})
    chart = next(b for b in bad.blocks if isinstance(b, Chart))
    assert chart.edges == () and chart.labels == ("bin 1", "bin 2", "bin 3")


def test_labels_sorted_by_count_with_flags() -> None:
    view = section_view("labels", check_stats()["labels"])
    table = next(b for b in view.blocks if isinstance(b, Table))
    assert [row.cells[0] for row in table.rows] == ["billing", "technical", "returns", "complaints", "legal"]
    assert table.rows[-1].cells[-1] == "below minimum, singleton" and table.rows[-1].tone == "warn"
    assert isinstance(table.rows[0].cells[3], Bar) and table.rows[0].cells[3].fraction == 1.0
    ties = section_view("labels", {"counts": {"b": 2, "a": 2, "c": 5}})
    assert [r.cells[0] for r in next(b for b in ties.blocks if isinstance(b, Table)).rows] == ["c", "a", "b"]


def test_many_labels_are_capped() -> None:
    view = section_view("labels", {"counts": {f"l{i:03}": i + 1 for i in range(70)}})
    table = next(b for b in view.blocks if isinstance(b, Table))
    assert len(table.rows) == 50 and table.note == "20 more label(s) not shown"


def test_cost_shows_as_of_per_row_only_when_dates_differ() -> None:
    same = section_view("cost", check_stats()["cost"])
    assert same.subtitle == "prices as of 2025-06-01"
    assert "as of" not in [c.name for c in next(b for b in same.blocks if isinstance(b, Table)).columns]
    rows = [{"model": "a", "as_of": "2025-01-01"}, {"model": "b", "as_of": "2025-06-01"}]
    mixed = section_view("cost", {"rows": rows})
    table = next(b for b in mixed.blocks if isinstance(b, Table))
    assert mixed.subtitle == "" and "as of" in [c.name for c in table.columns]


def test_cost_note_for_unavailable_and_unpriced() -> None:
    table = next(b for b in section_view("cost", check_stats()["cost"]).blocks if isinstance(b, Table))
    notes = [row.cells[-1] for row in table.rows]
    assert notes == ["not available: no new OpenAI jobs from 2027-01-06", "minimum charge may apply",
                     "no published price"]
    assert [row.tone for row in table.rows] == ["muted", "", ""]


def test_generic_view_for_behaviour_and_unknown_sections() -> None:
    view = section_view("behaviour", check_stats()["behaviour"])
    facts = [b for b in view.blocks if isinstance(b, Facts)]
    assert facts[0].items[0].label == "Knowledge share" and facts[0].items[0].value == "7.0%"
    table = next(b for b in view.blocks if isinstance(b, Table))
    assert [c.name for c in table.columns] == ["", "median", "p95"]
    assert section_view("weird", [1, 2]).blocks == (Facts((Fact("Weird", "1, 2"),)),)


_LEAF = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12))
_JSON = st.recursive(_LEAF, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)
_KEYS = ["model", "encoding", "exact", "estimate_reasons", "examples", "total_tokens", "per_example",
         "over_limit", "system_share", "histogram", "counts", "shares", "imbalance_ratio", "below_minimum",
         "singletons", "exact_duplicates", "same_input_and_answer", "conflicting_inputs",
         "near_duplicates", "groups", "redundant", "clusters", "enabled", "exact_copies",
         "same_input", "near", "threshold", "leakage", "rows", "as_of", "limit", "count", "lines",
         "edges", "cost_usd", "available", "epochs"]
_SECTION = st.recursive(_JSON, lambda inner: st.dictionaries(st.sampled_from(_KEYS), inner, max_size=6),
                        max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*SECTION_ORDER, "validation_duplicates", "other"]), _SECTION,
                       max_size=6))
def test_reporters_never_crash_on_malformed_stats(stats: dict[str, Any]) -> None:
    report = Report(command="check", stats=stats)
    for name in REPORTERS:
        out = io.StringIO()
        get_reporter(name, color=False).render(report, out)
        assert out.getvalue()
    json.loads(_render("json", report))


def _render(name: str, report: Report) -> str:
    out = io.StringIO()
    get_reporter(name).render(report, out)
    return out.getvalue()


def test_clip_keeps_data_on_one_line_and_heading_humanises_field_names() -> None:
    from ftprep.report.blocks import clip, heading, humanise

    assert clip("line\nbreak\ttab\r") == "line\\nbreak\\ttab\\u000d"
    assert clip("a\x1b[31mb") == "a\\u001b[31mb"
    assert heading("usd_per_epoch") == "USD per epoch" and heading("with_facts") == "with facts"
    # Not a field name: a label from the data, shown as written (escaped).
    assert heading("Billing Team") == "Billing Team" and heading("a\nb") == "a\\nb"
    assert humanise("system_prompt_savings") == "System prompt savings"


def test_generic_tables_humanise_columns_and_align_text_left() -> None:
    view = section_view("behaviour", {"coverage": {
        "billing": {"examples": 5, "stage": "below minimum (FT301)", "add_for_target": 95},
        "line\nbreak": {"examples": 7, "stage": "useful", "add_for_target": 93}}})
    (table,) = [b for b in view.blocks if isinstance(b, Table)]
    assert [(c.name, c.align) for c in table.columns] == [
        ("", "left"), ("examples", "right"), ("stage", "left"), ("add for target", "right")]
    assert table.rows[1].cells[0] == "line\\nbreak"


@pytest.mark.parametrize("key", ["tokens", "cost", "behaviour"])
def test_no_examples_means_no_made_up_figures(key: str) -> None:
    from report_samples import empty_file_stats

    view = section_view(key, empty_file_stats()[key])
    assert [type(b).__name__ for b in view.blocks] == ["Note"]
    assert "No examples" in view.blocks[0].text  # type: ignore[union-attr]
    text = _render("text", Report(command="check", stats={key: empty_file_stats()[key]}))
    assert "epochs" not in text and "median" not in text


def test_split_view_has_one_escaped_row_per_label() -> None:
    view = section_view("split", {"train": 8, "validation": 2, "label_counts": {
        "train": {"billing": 3, "tech\x1b[31mRED": 5}, "validation": {"billing": 1, "tech\x1b[31mRED": 1}}})
    (table,) = [b for b in view.blocks if isinstance(b, Table)]
    assert [c.name for c in table.columns] == ["label", "train", "validation"]
    assert [r.cells for r in table.rows] == [("tech\\u001b[31mRED", "5", "1"), ("billing", "3", "1")]
    for name in ("text", "markdown", "html"):
        assert "\x1b" not in _render(name, Report(command="split", stats={"split": {
            "label_counts": {"train": {"a\x1b]0;TITLE\x07b": 1}}}}))

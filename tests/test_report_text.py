"""The text (rich) renderers of the stats sections, captured from the text reporter."""

from __future__ import annotations

import io
import re

import pytest
from report_samples import check_report, check_stats

from ftprep.report.finding import Report
from ftprep.report.reporters.text import STATS_RENDERERS, TextReporter


def render(report: Report, width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(width))  # rich sizes a non-terminal console from COLUMNS
    out = io.StringIO()
    TextReporter(color=False).render(report, out)
    return out.getvalue()


def squeeze(text: str) -> list[str]:
    """Lines with runs of blanks made single, so table padding does not matter."""
    return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]


def test_every_section_has_a_renderer() -> None:
    assert {"tokens", "labels", "duplicates", "cost", "behaviour"} <= set(STATS_RENDERERS)


def test_check_report_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    text = render(check_report(), 140, monkeypatch)
    lines = squeeze(text)
    assert "Tokens gpt-4o-mini · o200k_base exact" in lines
    assert "over limit 1 example(s) over 16,384 tokens (lines 88)" in lines
    assert "system prompts 18.4% of all tokens" in lines
    assert "tokens min p5 median mean p95 max" in lines
    assert "per example (total) 38 61 312 401.8 1,180 17,020" in lines
    assert "assistant (trained) 1 1 2 2.4 4 9" in lines
    assert "256–511 ████████████████████ 42" in lines and "8,192–16,383 0" in lines
    labels = [line for line in lines if re.match(r"[a-z]+ \d+ [\d.]+%", line)]
    assert labels == ["billing 52 43.3% ████████████████████", "technical 38 31.7% ██████████████▋",
                      "returns 21 17.5% ████████▏", "complaints 8 6.7% ███▏ below minimum",
                      "legal 1 0.8% ▍ below minimum, singleton"]
    assert "imbalance (largest : smallest) 52.0 : 1" in lines
    assert "near duplicates (est. similarity ≥ 0.90) 1 cluster(s), 3 example(s)" in lines
    assert "Cost prices as of 2025-06-01" in lines
    assert "openai gpt-4o-mini-2024-07-18 sft 3 epochs (default) 47,900 143,700 $3.00 $0.43 [1]" in lines
    assert "mistral mistral-small sft 2 epochs (--epochs) 47,900 95,800 — no price [3]" in lines
    assert "[1] not available: no new OpenAI jobs from 2027-01-06" in lines
    assert "Knowledge share 7.0%" in lines
    # Sections come after the findings and before the summary line.
    assert text.index("FT201") < text.index("Tokens") < text.index("1 file(s), 120 example(s)")


def test_duplicates_section_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    report = Report(command="check", stats={"duplicates": check_stats()["duplicates"]})
    assert render(report, 100, monkeypatch) == (
        "\n"
        "Duplicates and leakage\n"
        "  exact duplicates                          2 group(s), 5 example(s)\n"
        "  same input, same answer                   3 group(s), 3 example(s)\n"
        "  same input, different answers             1 group(s), 2 example(s)\n"
        "  near duplicates (est. similarity ≥ 0.90)  1 cluster(s), 3 example(s)\n"
        "0 file(s), 0 example(s): 0 error(s), 0 warning(s), 0 info\n"
    )


def test_narrow_console_stacks_the_cost_table(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = squeeze(render(Report(command="cost", stats={"cost": check_stats()["cost"]}), 70, monkeypatch))
    assert lines[lines.index("openai · gpt-4o-mini-2024-07-18 · sft") + 1] == (
        "training 3 epochs (default) billed tokens 47,900 billed × epochs 143,700 $ / 1M $3.00 cost $0.43")
    assert "not available: no new OpenAI jobs from 2027-01-06" in lines
    assert "mistral · mistral-small · sft" in lines and "no published price" in lines


def test_estimate_label_and_literal_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    stats = {"tokens": {"model": "[bold]m[/bold]", "exact": False, "estimate_reasons": ["no vocabulary"]},
             "labels": {"counts": {"[red]x[/red]": 2}}}
    text = render(Report(command="check", stats=stats), 100, monkeypatch)
    assert "Tokens  [bold]m[/bold]  ESTIMATE (no vocabulary)" in text
    assert "[red]x[/red]" in text


def test_finding_text_from_the_data_is_shown_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from ftprep.report.finding import Finding, Severity

    finding = Finding(code="FT502", name="forbidden-phrase", severity=Severity.ERROR,
                      message=r"contains /\[(?:internal|todo)\b/ and [bold]x[/bold]",
                      file="t.jsonl", line=4, path="$['[red]k']")
    text = render(Report(command="validate", findings=[finding]), 120, monkeypatch)
    assert r"/\[(?:internal|todo)\b/ and [bold]x[/bold]" in text  # a regex keeps its backslash
    assert "$['[red]k']" in text


def test_colour_marks_estimates_and_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    out = io.StringIO()
    stats = {"tokens": {"exact": False, "over_limit": {"limit": 10, "count": 2, "lines": [1, 2]}}}
    TextReporter(color=True).render(Report(command="check", stats=stats), out)
    assert "\x1b[33mESTIMATE\x1b[0m" in out.getvalue()  # yellow
    assert "\x1b[1;31m2 example(s) over 10 tokens (lines 1, 2)\x1b[0m" in out.getvalue()  # bold red


@pytest.mark.parametrize("stats", [
    {"tokens": {}, "labels": {}, "duplicates": {}, "cost": {}, "behaviour": {}},
    {"tokens": {"per_example": "n/a", "histogram": {"counts": [1, "x"]}}, "labels": {"counts": None},
     "duplicates": 5, "cost": {"rows": "nope"}, "behaviour": [1, {"a": 2}]},
    {"cost": {"rows": [{}, None, {"cost_usd": "free", "available": False}]}},
])
def test_partial_or_malformed_sections_do_not_crash(stats: dict[str, object],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    text = render(Report(command="check", stats=stats), 80, monkeypatch)
    assert text.rstrip().endswith("0 info")


def test_a_label_with_a_line_break_stays_on_its_row(monkeypatch: pytest.MonkeyPatch) -> None:
    stats = {"labels": {"task": "classification", "counts": {"line\nbreak": 5, "billing": 50}},
             "behaviour": {"coverage": {"line\nbreak": {"examples": 5, "stage": "below minimum"}}}}
    text = render(Report(command="check", stats=stats), 140, monkeypatch)
    rows = [line for line in squeeze(text) if "break" in line]
    assert rows and all(line.startswith("line\\nbreak") for line in rows), rows


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_bars_are_ascii_on_a_console_that_cannot_encode_blocks(encoding: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from ftprep.report.reporters import ESCAPE_ERRORS

    monkeypatch.setenv("COLUMNS", "140")
    raw = io.BytesIO()
    # As escape_unencodable_output sets up a cp1252 stdout.
    stream = io.TextIOWrapper(raw, encoding=encoding, errors=ESCAPE_ERRORS)
    TextReporter(color=False).render(check_report(), stream)
    stream.flush()
    text = raw.getvalue().decode(encoding)
    for escape in ("\\u2588", "\\u258", "\\u2589"):
        assert escape not in text
    lines = squeeze(text.replace("|", " "))  # rich draws the table's box in ASCII too
    assert "billing 52 43.3% ####################" in lines  # the labels table
    assert any(re.fullmatch(r"256.+511 #################### 42", line) for line in lines)  # histogram

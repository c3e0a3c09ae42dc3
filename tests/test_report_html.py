"""The html reporter, read back with html.parser: escaping, no network, one SVG bar per
label and per histogram bin, the script allowed by its CSP hash."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_samples import NASTY_FILE, XSS, check_report, hostile_report, small_report

from ftprep.report.finding import Finding, Report, Severity
from ftprep.report.reporters.html import HtmlReporter


class Page(HTMLParser):
    """Every start tag with its attributes, the text, and the raw script and style."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._raw: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("script", "style"):
            self._raw = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw == "script":
            self.scripts.append(data)
        elif self._raw == "style":
            self.styles.append(data)
        else:
            self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(
            a.get(k.rstrip("_")) == v or v in a.get(k.rstrip("_"), "").split() for k, v in attrs.items())]


def render(report: Report, **options: object) -> str:
    out = io.StringIO()
    HtmlReporter(**options).render(report, out)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile() -> tuple[str, Page]:
    text = render(hostile_report())
    return text, Page(text)


def test_values_from_the_data_are_never_raw(hostile: tuple[str, Page]) -> None:
    text, page = hostile
    assert XSS not in text and NASTY_FILE not in text
    assert "<img" not in text and "<svg onload" not in text and "<b>" not in text
    # ...but they are shown, as text, exactly as they were.
    shown = "".join(page.text)
    assert XSS in shown and NASTY_FILE in shown and "\"><svg onload=alert(1)>" in shown
    assert [tag for tag, _ in page.tags].count("script") == 1
    allowed = {"html", "head", "meta", "title", "style", "body", "header", "div", "h1", "h2", "h3", "span",
               "p", "main", "section", "nav", "a", "ul", "li", "strong", "table", "thead", "tbody", "tr",
               "th", "td", "caption", "dl", "dt", "dd", "figure", "figcaption", "svg", "line", "text",
               "rect", "label", "input", "select", "option", "code", "footer", "script"}
    assert {tag for tag, _ in page.tags} <= allowed
    assert not [name for _, attrs in page.tags for name in attrs if name.startswith("on")]


def test_attribute_values_are_escaped(hostile: tuple[str, Page]) -> None:
    _, page = hostile
    assert page.find("tbody", **{"data-file": NASTY_FILE})
    assert page.find("rect", **{"data-label": XSS})
    assert page.find("tr", **{"data-code": XSS})
    assert page.find("option", value=XSS)


def test_nothing_to_load_from_the_network(hostile: tuple[str, Page]) -> None:
    _, page = hostile
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not re.search(r"https?:|//|url\(", value, re.I), (tag, name, value)
    assert not [tag for tag, _ in page.tags if tag in {"link", "img", "iframe", "object", "embed", "base"}]
    assert all("url(" not in css and "@import" not in css for css in page.styles)
    assert not re.search(r"fetch|XMLHttpRequest|import\(|src\s*=", "".join(page.scripts))
    # The only http(s) text is the escaped data: the price source and a finding's message.
    hits = [chunk for chunk in page.text if re.search(r"https?://", chunk)]
    assert hits and all("example.com/<img" in hit or "http://evil" in hit for hit in hits)


def test_csp_forbids_network_and_pins_the_script(hostile: tuple[str, Page]) -> None:
    _, page = hostile
    (meta,) = page.find("meta", **{"http-equiv": "Content-Security-Policy"})
    policy = dict(part.strip().split(" ", 1) for part in meta["content"].split(";"))
    assert policy["default-src"] == "'none'" and policy["img-src"] == "data:"
    assert policy["style-src"] == "'unsafe-inline'"
    (script,) = page.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert policy["script-src"] == f"'sha256-{digest}'"


def test_one_svg_bar_per_label_and_per_histogram_bin() -> None:
    report = check_report()
    page = Page(render(report))
    labels = report.stats["labels"]["counts"]
    bars = page.find("rect", class_="bar", **{})
    label_bars = [a for a in bars if "data-label" in a]
    assert [a["data-label"] for a in label_bars] == sorted(labels, key=lambda k: -labels[k])
    assert [a["class"] for a in label_bars][-2:] == ["bar warn", "bar warn"]  # below the minimum
    bins = [a for a in bars if "data-bin" in a]
    assert len(bins) == len(report.stats["tokens"]["histogram"]["counts"]) == 8
    assert [a["data-bin"] for a in bins] == [str(i) for i in range(8)]
    assert float(bins[6]["height"]) == 0  # an empty bin keeps its slot
    heights = [float(a["height"]) for a in bins]
    assert heights.index(max(heights)) == 1
    assert "limit 16,384" in "".join(page.text)


def test_sections_cards_and_findings() -> None:
    page = Page(render(small_report()))
    ids = [a["id"] for _, a in page.tags if "id" in a]
    for anchor in ("files", "sec-tokens", "sec-labels", "sec-duplicates", "sec-cost", "sec-behaviour",
                   "findings", "findings-table", "filters"):
        assert anchor in ids
    text = " ".join(page.text)
    assert "Failed" in text and "ESTIMATE (tool definitions counted approximately)" in text
    assert "not available: no new OpenAI jobs from 2027-01-06" in text
    rows = page.find("tr", **{"data-severity": "error"})
    assert [r["data-code"] for r in rows] == ["FT201"]
    assert len(page.find("tr", **{"data-severity": "warning"})) == 1
    # Bars in tables are left to the SVG chart.
    assert "█" not in text


def test_clean_empty_report() -> None:
    text = render(Report(command="validate"))
    page = Page(text)
    assert "No findings." in page.text and "Passed" in page.text
    assert not page.find("svg") and not page.find("table")


def test_findings_capped_per_file() -> None:
    report = Report(command="check")
    report.extend([Finding("FT401", "duplicate-example", Severity.WARNING, "dup", file="a.jsonl", line=i)
                   for i in range(1, 13)])
    page = Page(render(report, max_per_file=10))
    assert len(page.find("tr", **{"data-severity": "warning"})) == 10
    assert any("2 more in this file" in chunk for chunk in page.text)


def test_written_through_the_cli_render_helper(tmp_path: Path) -> None:
    from ftprep.cli.options import render as cli_render

    target = tmp_path / "report.html"
    cli_render(small_report(), "html", str(target), "never")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

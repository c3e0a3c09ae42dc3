"""The html report in a real headless Chromium: it renders its sections, its one script
runs under the CSP, and it makes no network request, even when markup is injected into
the page by hand. A local canary server sees every request the browser would make.

Skipped when no Chromium is installed (set FTPREP_CHROMIUM to point at one).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from report_samples import check_report, hostile_report

from ftprep.report.finding import Report
from ftprep.report.reporters.html import HtmlReporter

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _find_chromium() -> str | None:
    configured = os.environ.get("FTPREP_CHROMIUM")
    if configured:
        return configured
    return next((path for name in _NAMES if (path := shutil.which(name))), None)


CHROMIUM = _find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason=f"no Chromium binary found (looked for {', '.join(_NAMES)}; "
                             "set FTPREP_CHROMIUM, or apt-get install chromium)")


def browse(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2000", *extra, page.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def write_page(report: Report, path: Path) -> Path:
    out = io.StringIO()
    HtmlReporter().render(report, out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


class _Canary(BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def canary() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_Canary,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_renders_sections_and_runs_its_script(tmp_path: Path) -> None:
    page = write_page(check_report(), tmp_path / "report.html")
    result = browse(page, tmp_path, "--dump-dom")
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    for anchor in ('id="sec-tokens"', 'id="sec-labels"', 'id="sec-duplicates"', 'id="sec-cost"',
                   'id="sec-behaviour"', 'id="findings-table"', 'class="chart histogram"',
                   'class="chart bars"'):
        assert anchor in dom
    # The filter bar is revealed and filled in by the script: the CSP hash let it run.
    assert '<div class="filters" id="filters">' in dom
    assert '<span id="f-shown">4 of 4 shown</span>' in dom


def test_screenshot(tmp_path: Path) -> None:
    page = write_page(check_report(), tmp_path / "report.html")
    shot = tmp_path / "report.png"
    result = browse(page, tmp_path, f"--screenshot={shot}")
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000


def _inject(html: str, base: str) -> str:
    """What escaping must never let through, placed raw into the page by hand."""
    raw = (f'<img src="{base}/img"><link rel="stylesheet" href="{base}/css">'
           f'<script src="{base}/js"></script><iframe src="{base}/frame"></iframe>'
           '<script>document.title = "injected script ran"</script>')
    return html.replace("<body>", f"<body>{raw}", 1)


def test_no_network_requests_even_with_injected_markup(tmp_path: Path,
                                                       canary: tuple[str, list[str]]) -> None:
    base, seen = canary
    report = hostile_report()
    report.stats["labels"]["counts"][f'<img src="{base}/escaped-label">'] = 4
    html = (write_page(report, tmp_path / "plain.html")).read_text(encoding="utf-8")

    # Control: without its CSP the injected markup does reach the canary, so the
    # canary can see requests from this browser.
    control = tmp_path / "control.html"
    unprotected = _inject(html, base).replace("Content-Security-Policy", "x-no-policy")
    control.write_text(unprotected, encoding="utf-8")
    control_dom = browse(control, tmp_path, "--dump-dom").stdout
    assert "/img" in seen, f"canary saw no request from the control page: {seen}"
    assert "<title>injected script ran</title>" in control_dom

    seen.clear()
    page = tmp_path / "report.html"
    page.write_text(_inject(html, base), encoding="utf-8")
    result = browse(page, tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert seen == []
    assert "injected script ran" not in result.stdout.split("</title>")[0]
    assert 'id="sec-labels"' in result.stdout and "escaped-label" in result.stdout


# Measures the histogram's x-axis labels in the laid-out page: each label's box, and
# whether two neighbours overlap. Run with the page's CSP removed, as in the control above.
_MEASURE = """<script>
addEventListener("load", () => {
  const ticks = [...document.querySelectorAll("svg.histogram text.axis")]
    .filter(t => t.getAttribute("y") === "230").map(t => t.getBoundingClientRect());
  const overlaps = ticks.slice(1).filter((box, i) => box.left < ticks[i].right).length;
  document.title = `ticks=${ticks.length} overlaps=${overlaps}`;
});
</script>"""


@pytest.mark.parametrize("values", [
    [23, 28, 34, 60, 78, 95, 700, 3500, 3900, 4100, 6500, 17_013],  # long.jsonl: "14k–14k" before
    [14_000, 14_100, 14_600, 15_999],  # compact would print every tick as "14k"/"15k"/"16k"
    [32] * 84 + [33] * 6,  # one value per bin: labelled under the bars
])
def test_histogram_axis_labels_are_distinct_and_do_not_overlap(tmp_path: Path, values: list[int]) -> None:
    from ftprep.checks.tokens_checks import distribution, histogram

    report = Report(command="check", stats={"tokens": {
        "examples": len(values), "exact": True, "per_example": distribution(values),
        "histogram": histogram(values)}})
    html = write_page(report, tmp_path / "plain.html").read_text(encoding="utf-8")
    page = tmp_path / "report.html"
    page.write_text(html.replace("Content-Security-Policy", "x-no-policy")
                    .replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    result = browse(page, tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    title = result.stdout.split("<title>")[1].split("</title>")[0]
    ticks = int(title.split("ticks=")[1].split()[0])
    assert ticks >= 2 and title.endswith("overlaps=0"), title

"""The markdown reporter: exact output on a hand-built report, escaping, caps."""

from __future__ import annotations

import io
import re

from report_samples import NASTY_FILE, XSS, hostile_report, small_report

from ftprep.report.finding import Finding, Report, Severity
from ftprep.report.reporters import get_reporter
from ftprep.report.reporters.markdown import MarkdownReporter, md

EXPECTED = r"""<!-- ftprep:check -->
## ❌ ftprep check: failed

1 file(s), 12 example(s): 1 error(s), 1 warning(s), 1 info

| Files | Examples | Errors | Warnings | Info | Tokens | Labels |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| **1** | **12** | **1** | **1** | **1** | **3.4k** (estimate) | **2** (imbalance 3.0 : 1) |

| File | Lines | Examples | Format |
| --- | ---: | ---: | --- |
| train.jsonl | 12 | 12 | openai-chat |

### Tokens

gpt-4o-mini · o200k\_base · ⚠️ **ESTIMATE (tool definitions counted approximately)**

- examples: 12
- total tokens: 3,400
- billed tokens: 3,400
- system prompts: 25.0% of all tokens
- over limit: ❌ 2 example(s) over 512 tokens (lines 4, 9)

**Token distribution**

| tokens | min | p5 | median | mean | p95 | max |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| per example (total) | 90 | 95 | 280 | 283.3 | 600 | 640 |

<details><summary>Tokens per example</summary>

| Bin | Count | |
| --- | ---: | --- |
| 0–255 | 5 | ████████████████████ |
| 256–511 | 5 | ████████████████████ |
| 512–767 | 2 | ████████ |

</details>

### Labels

classification

- labelled examples: 12
- distinct labels: 2
- imbalance (largest : smallest): 3.0 : 1

**Class balance**

| label | count | share | balance |
| --- | ---: | ---: | --- |
| billing | 9 | 75.0% | ████████████████████ |
| returns | 3 | 25.0% | ██████▋ |

### Duplicates and leakage

- exact duplicates: 0 group(s), 0 example(s)
- same input, different answers: ❌ 1 group(s), 2 example(s)

### Cost

prices as of 2025-06-01

**Estimated training cost**

| provider | model | method | training | billed tokens | billed × epochs | \$ / 1M | cost | note |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |
| openai | gpt-4o-mini | sft | 4 epochs (default) | 3,400 | 13,600 | \$3.00 | \$0.04 | not available: no new OpenAI jobs from 2027-01-06 |

### Behaviour

- Knowledge share: 50.0%

### Findings

#### train.jsonl (2)

| Line | Severity | Code | Message |
| ---: | --- | --- | --- |
| 7 | ⚠️ warning | FT402 conflicting-answers | Same input as line 2, different answer. (lines 2) |
| 9 | ❌ error | FT201 over-token-limit | Example has 640 tokens; the limit is 512. (at \$.messages) |

#### &lt;dataset&gt; (1)

| Line | Severity | Code | Message |
| ---: | --- | --- | --- |
| — | ℹ️ info | FT301 class-imbalance | Largest class is 3x the smallest. |
"""  # noqa: E501 (tables are as wide as their data)


def render(report: Report, **options: object) -> str:
    out = io.StringIO()
    MarkdownReporter(**options).render(report, out)  # type: ignore[arg-type]
    return out.getvalue()


def test_exact_output() -> None:
    assert render(small_report()) == EXPECTED


def test_registered_as_markdown() -> None:
    out = io.StringIO()
    get_reporter("markdown", color=None).render(small_report(), out)
    assert out.getvalue() == EXPECTED


def test_clean_report_passes() -> None:
    assert render(Report(command="validate")) == (
        "<!-- ftprep:validate -->\n"
        "## ✅ ftprep validate: passed\n"
        "\n"
        "0 file(s), 0 example(s): 0 error(s), 0 warning(s), 0 info\n"
        "\n"
        "| Files | Examples | Errors | Warnings | Info |\n"
        "| ---: | ---: | ---: | ---: | ---: |\n"
        "| **0** | **0** | **0** | **0** | **0** |\n"
    )


def test_warnings_only_is_a_pass_with_warnings() -> None:
    report = Report(command="check", findings=[Finding("FT301", "rare-label", Severity.WARNING, "x")])
    assert "## ⚠️ ftprep check: passed with warnings\n" in render(report)


def test_md_escapes_markup_from_the_data() -> None:
    assert md("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md('a|b`c*d_e[f](g)~h#i$j\\k') == 'a\\|b\\`c\\*d\\_e\\[f\\](g)\\~h\\#i\\$j\\\\k'
    assert md("x &amp; y") == "x &amp;amp; y"
    assert md("two\nlines\r\n here") == "two lines here"
    assert md("@octo-org/team") == "@\u200bocto-org/team"


def _cells(line: str) -> int:
    """Columns of a table row: pipes not escaped by a backslash."""
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def test_hostile_report_stays_inside_its_tables() -> None:
    text = render(hostile_report())
    assert XSS not in text and NASTY_FILE not in text and "<img" not in text and "<svg" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "x\\|y\\`z" in text and "@\u200bteam \\[link\\](javascript:x)" in text
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("| ---"):
            width = _cells(line)
            body = lines[i + 2:]
            rows = body[: next((k for k, row in enumerate(body) if not row.startswith("|")), len(body))]
            assert all(_cells(row) == width for row in rows), (line, rows)
    # The only raw HTML is our own: the comment marker and the histogram's <details>.
    tags = set(re.findall(r"<(/?[a-z!][^ >]*)", text))
    assert tags <= {"!--", "details", "/details", "summary", "/summary"}


def test_findings_capped_per_file_and_in_total() -> None:
    report = Report(command="check")
    report.extend([Finding("FT401", "duplicate-example", Severity.WARNING, f"dup {i}", file="a.jsonl", line=i)
                   for i in range(1, 61)])
    report.extend([Finding("FT401", "duplicate-example", Severity.WARNING, "dup", file="b.jsonl", line=i)
                   for i in range(1, 4)])
    text = render(report)
    assert text.count("| ⚠️ warning |") == 53
    assert "_… 10 more in this file (see `--format json` for all)._" in text
    capped = render(report, max_per_file=50, max_findings=51)
    assert capped.count("| ⚠️ warning |") == 51
    assert "_… 2 more in this file" in capped


def test_urls_from_the_data_are_not_autolinked() -> None:
    assert md("see https://evil.example/login") == "see https\u200b://evil.example/login"
    assert md("WWW.phish.example and ftp://x") == "WWW\u200b.phish.example and ftp\u200b://x"
    assert md("wwwhat.example") == "wwwhat.example"  # not an autolink, left alone


def test_the_whole_report_stays_under_the_comment_limit() -> None:
    report = Report(command="check")
    label = "L" + "x" * 3000
    report.extend([Finding("FT301", "rare-label", Severity.WARNING, f"label {label}{i!r} is rare",
                           file="a.jsonl", line=i) for i in range(1, 201)])
    text = render(report, max_per_file=None, max_findings=None, max_chars=20_000)
    assert len(text) <= 20_000 and text.startswith("<!-- ftprep:check -->\n")
    shown = text.count("| ⚠️ warning |")
    assert 10 < shown < 200
    assert f"_… {200 - shown} more finding(s) not shown: GitHub rejects comments over 65,536" in text
    assert "`--format json` has all" in text
    # A long message is clipped, not the reason the budget runs out after a few rows.
    assert max(len(line) for line in text.splitlines()) < 700
    assert len(render(report)) <= 60_000


def test_the_cut_counts_findings_already_announced_as_more_in_this_file() -> None:
    report = Report(command="check")
    report.extend([Finding("FT401", "duplicate-example", Severity.WARNING, "d" * 400, file=f"{f}.jsonl",
                           line=i) for f in "ab" for i in range(1, 31)])
    text = render(report, max_per_file=10, max_chars=7_000)
    shown = text.count("| ⚠️ warning |")
    assert "_… 20 more in this file" in text  # a.jsonl: 10 shown, 20 counted
    assert f"_… {60 - 20 - shown} more finding(s) not shown" in text

"""The summary's redaction and cleaning counts describe what is written: rows rejected
at any stage and texts that no message holds (an unused reply) are left out."""

from __future__ import annotations

import json
from pathlib import Path

from ftprep.convert import ConvertSettings, convert

ROWS = (
    "id,text,label,reply\n"
    "1,Mail me at a@b.com please,billing,Reply to c@d.com\n"
    "2,Mail me at e@f.com please,,x\n"  # missing-label (the loader)
    "3,Mail me at a@b.com please,billing,Reply to c@d.com\n"  # duplicate
    "4,Call 212-736-5000 now,spam,y\n"  # label-not-allowed
    "5,Nothing personal here,billing,Card 4111 1111 1111 1111\n"
)


def _convert(tmp_path: Path, rows: str, **options: object) -> tuple[dict, list[dict]]:
    src = tmp_path / "c.csv"
    src.write_text(rows, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    summary = convert([src], out, ConvertSettings.model_validate(options),
                      allowed_labels=["billing"])
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return summary.to_dict(), written


def _placeholders(written: list[dict], kind: str) -> int:
    return sum(m["content"].count(f"[{kind}]") for r in written for m in r["messages"])


def test_redactions_count_only_written_messages(tmp_path: Path) -> None:
    summary, written = _convert(tmp_path, ROWS, **{"drop-duplicates": True})
    assert summary["written"] == 2
    # The reply is not written (--assistant label): its email and card are not counted,
    # nor are the rejected rows' email and phone.
    assert summary["redactions"] == {"EMAIL": 1} == {"EMAIL": _placeholders(written, "EMAIL")}


def test_redactions_of_written_replies_count(tmp_path: Path) -> None:
    summary, written = _convert(tmp_path, ROWS, assistant="json")
    assert summary["written"] == 3
    assert summary["redactions"] == {"EMAIL": 4, "CARD": 1}
    assert _placeholders(written, "EMAIL") == 4 and _placeholders(written, "CARD") == 1


def test_cleaning_counts_only_written_texts(tmp_path: Path) -> None:
    rows = ("text,label,reply\n"
            "\"Hello  \n\n\n\nthere\",billing,\"Done  \nok\"\n"  # whitespace, in text and reply
            "\"Bye   \",spam,x\n"  # rejected: label-not-allowed
            "\"Mojibake cafÃ©\",billing,y\n")
    summary, _ = _convert(tmp_path, rows)
    # Written: two tickets and their labels (the reply is not written with --assistant label).
    assert summary["cleaning"] == {"texts": 4, "whitespace": 1, "mojibake": 1}
    summary, _ = _convert(tmp_path, rows, assistant="reply")
    assert summary["cleaning"] == {"texts": 4, "whitespace": 2, "mojibake": 1}


def test_template_fields_count_in_cleaning_and_redactions(tmp_path: Path) -> None:
    rows = ("text,label,Segment\n"
            "<p>I paid twice.</p><p>Mail me</p>,billing,<b>VIP</b> &amp; gold\n"
            "Body only here,billing,x@y.org\n")
    summary, written = _convert(tmp_path, rows, **{"user-template": "[{Segment}] {text}"})
    assert written[0]["messages"][0]["content"] == "[VIP & gold] I paid twice.\n\nMail me"
    # Two tickets, two labels, two template fields; html in a ticket and in a field.
    assert summary["cleaning"] == {"texts": 6, "html": 2}
    assert summary["redactions"] == {"EMAIL": 1}

"""A body whose transfer encoding is corrupt is rejected as `undecodable-body`, never
"recovered" into a guessed charset; a harmless defect that still decodes cleanly stays."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

import pytest
from email_helpers import load

if TYPE_CHECKING:
    from pathlib import Path

HEAD = (b"From: c@cust.example\nTo: support@acme.example\nSubject: B64\nMessage-ID: <m1@x>\n"
        b"X-Label: billing\nMIME-Version: 1.0\n")
PLAIN = b"Content-Type: text/plain; charset=utf-8\n"


def _one(tmp_path: Path, raw: bytes) -> tuple[list, list]:
    path = tmp_path / "m.eml"
    path.write_bytes(raw)
    return load([path], label_header="X-Label")


@pytest.mark.parametrize(
    ("body", "defect"),
    [
        # The QA case: no base64 at all; its letters decode to bytes no charset reads.
        (b"Content-Transfer-Encoding: base64\n\n!!!!not base64 at all====\n",
         "InvalidBase64CharactersDefect"),
        # Cut inside a letter: "K\xc3" is no UTF-8 (and no guess may make it so).
        (b"Content-Transfer-Encoding: base64\n\nS8O\n", "InvalidBase64PaddingDefect"),
        # A length base64 cannot have: nothing was decoded, the base64 is no text.
        (b"Content-Transfer-Encoding: base64\n\nSGVsbG8gdGhlc\n", "InvalidBase64LengthDefect"),
        # A quoted-printable escape cut short: "caf=C3=A" is no UTF-8.
        (b"Content-Transfer-Encoding: quoted-printable\n\nThe caf=C3=A\n",
         "invalid quoted-printable escape"),
    ],
)
def test_corrupt_transfer_encoding_is_rejected(tmp_path: Path, body: bytes, defect: str) -> None:
    examples, rejected = _one(tmp_path, HEAD + PLAIN + body)
    assert examples == []
    assert [r.reason for r in rejected] == ["undecodable-body"]
    assert defect in rejected[0].detail and "text/plain" in rejected[0].detail


def test_the_corrupt_part_of_a_multipart_message_is_named(tmp_path: Path) -> None:
    raw = (HEAD + b"Content-Type: multipart/mixed; boundary=B\n\n--B\n" + PLAIN
           + b"Content-Transfer-Encoding: base64\n\n!!!!not base64 at all====\n--B--\n")
    examples, rejected = _one(tmp_path, raw)
    assert examples == [] and [r.reason for r in rejected] == ["undecodable-body"]
    assert "part 2 (text/plain" in rejected[0].detail


@pytest.mark.parametrize(
    ("body", "text"),
    [
        # Padding left off: every byte is still decoded exactly.
        (b"Content-Transfer-Encoding: base64\n\n"
         + base64.b64encode("Grüße, Rechnung".encode()).rstrip(b"=") + b"\n", "Grüße, Rechnung"),
        # A stray character between groups is skipped and the rest decodes cleanly.
        (b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(b"Hello there") + b"!\n",
         "Hello there"),
        # A bad escape in ASCII text: the text is still the text.
        (b"Content-Transfer-Encoding: quoted-printable\n\nTotal =ZZ 5 EUR\n", "Total =ZZ 5 EUR"),
    ],
)
def test_a_harmless_defect_that_decodes_cleanly_stays(tmp_path: Path, body: bytes, text: str) -> None:
    examples, rejected = _one(tmp_path, HEAD + PLAIN + body)
    assert rejected == []
    assert [e.text for e in examples] == [text]
    assert "charset_recovered" not in examples[0].fields


def test_convert_rejects_it_and_counts_no_charset_recovered(tmp_path: Path, run_cli) -> None:
    folder = tmp_path / "billing"
    folder.mkdir()
    (folder / "bad.eml").write_bytes(HEAD + PLAIN + b"Content-Transfer-Encoding: base64\n\n"
                                     b"!!!!not base64 at all====\n")
    cfg = tmp_path / "ftprep.toml"
    cfg.write_text("[convert.email]\neml-folder-labels = true\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = run_cli("convert", str(folder), "-o", str(out), "--config", str(cfg), "-f", "json")
    summary = json.loads(result.stdout)
    assert summary["written"] == 0 and summary["rejected_by_reason"] == {"undecodable-body": 1}
    assert "charsets_recovered" not in summary["email"]
    assert out.read_text(encoding="utf-8") == ""

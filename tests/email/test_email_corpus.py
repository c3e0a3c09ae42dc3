"""Every file of the third-party email corpus parses or is rejected with a reason."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest
from email_helpers import load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftprep.loaders.email import EmailOptions, load_email
from ftprep.records import Example, Rejected

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.corpus

KNOWN_REASONS = {
    "not-an-email", "no-text-body", "empty-body", "delivery-report", "auto-reply",
    "parse-error", "unreadable-file", "mbox-preamble", "duplicate-message-id",
}  # fmt: skip


def test_every_corpus_file(emails_corpus: Path) -> None:
    files = sorted(p for p in emails_corpus.rglob("*") if p.is_file())
    assert len(files) > 150
    reasons: Counter[str] = Counter()
    examples = 0
    for path in files:
        records = list(load_email([path], EmailOptions()))
        assert records, f"{path}: nothing came out"
        for record in records:
            if isinstance(record, Example):
                assert record.text.strip(), path
                examples += 1
            else:
                assert isinstance(record, Rejected)
                assert record.reason in KNOWN_REASONS, (path, record.reason, record.detail)
                assert "Traceback" not in record.detail
                reasons[record.reason] += 1
    print(f"\n{len(files)} files: {examples} examples, rejected {dict(sorted(reasons.items()))}")
    # No message of the corpus makes the parser give up.
    assert reasons["parse-error"] == 0
    # Every real email of mikel/mail, talon's replies and cpython's mbox gives something.
    assert examples >= 95


def test_whole_corpus_in_one_load(emails_corpus: Path) -> None:
    # A folder walk skips what is not mail (licences, .html fixtures) and threads the rest:
    # mikel/mail has variants of one message under one Message-ID, and the RFC 2822
    # examples answer each other.
    examples, rejected = load([emails_corpus], agent_domains=["acme.example"])
    reasons = Counter(r.reason for r in rejected)
    print(f"\none load: {len(examples)} examples, {sum(len(e.merged) for e in examples)} "
          f"replies merged, rejected {dict(sorted(reasons.items()))}")  # fmt: skip
    assert reasons["duplicate-message-id"] > 0 and reasons["parse-error"] == 0
    assert "not-an-email" not in reasons  # non-mail files are skipped in a walk
    assert len(examples) >= 60


@pytest.mark.parametrize(
    ("relative", "fragment"),
    [
        ("multi_charset/japanese_iso_2022.eml", "すみません。"),
        ("multi_charset/japanese_shift_jis.eml", "あいうえお"),
        ("multi_charset/ks_c_5601-1987.eml", "스티해"),
        ("rfc6532/utf8_headers.eml", "body"),
        ("mime_emails/raw_email_with_quoted_illegal_boundary.eml", "This is an outlook test"),
        ("plain_emails/raw_email_simple.eml", "Hello Mikel"),  # .eml with an envelope line
    ],
)
def test_charsets_and_broken_mime(emails_corpus: Path, relative: str, fragment: str) -> None:
    path = emails_corpus / "mikel-mail" / "spec" / "fixtures" / "emails" / relative
    [example], rejected = load([path])
    assert fragment in example.text and not rejected


def test_bounces_are_rejected(emails_corpus: Path) -> None:
    folder = emails_corpus / "mikel-mail/spec/fixtures/emails/multipart_report_emails"
    for path in sorted(folder.glob("*.eml")):
        _, rejected = load([path])
        assert [r.reason for r in rejected] == ["delivery-report"], path.name


def test_cpython_mbox(emails_corpus: Path) -> None:
    [example], rejected = load([emails_corpus / "cpython" / "mailbox_01.mbox"])
    assert not rejected
    assert example.text == "Hello\n\nFrom time to time"
    assert example.source.row == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.lists(
            st.sampled_from([
                b"From a@b Mon Jan  1 00:00:00 2024\n", b"Subject: x\n", b"From: a@b\n",
                b"Content-Type: multipart/mixed; boundary=b\n", b"--b\n", b"--b--\n", b"\n",
                b"Content-Transfer-Encoding: base64\n", b"=?utf-8?q?x?=\n", b"\xff\xfe\x00",
                b"In-Reply-To: <a@b>\n", b"Message-ID: <a@b>\n", b"<p>x</p>\n", b">From x\n",
            ]),
            max_size=30,
        ).map(b"".join),
    )
)  # fmt: skip
def test_arbitrary_bytes_never_raise(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "input.mbox"
    path.write_bytes(data)
    for record in load_email([path], EmailOptions(agent_domains=["b"])):
        assert isinstance(record, (Example, Rejected))

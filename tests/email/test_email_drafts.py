"""Drafts are never the approved reply: the reply actually sent is used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from email_helpers import load, message_count

if TYPE_CHECKING:
    from pathlib import Path

AGENT = "Support <support@acme.example>"


def _write(path: Path, mid: str, body: str, *, sender: str = "Ann <ann@c.example>",
           parent: str | None = None, date: str = "Mon, 11 Mar 2024 09:00:00 +0000",
           extra: str = "") -> None:  # fmt: skip
    head = f"Date: {date}\nMessage-ID: <{mid}>\nSubject: Help\nFrom: {sender}\n"
    if parent:
        head += f"In-Reply-To: <{parent}>\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{extra}Content-Type: text/plain; charset=utf-8\n\n{body}\n")


def _maildir(root: Path, *folders: str) -> None:
    for folder in ("", *folders):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)


def test_a_maildir_draft_is_rejected_and_the_sent_reply_used(tmp_path: Path) -> None:
    box = tmp_path / "box"
    _maildir(box, ".Billing", ".Drafts", ".Sent")
    _write(box / ".Billing" / "new" / "1.mail", "c@c", "Refund my order, please.")
    _write(box / ".Drafts" / "cur" / "2.mail:2,DS", "d@acme", "DRAFT NOT SENT", sender=AGENT,
           parent="c@c", date="Mon, 11 Mar 2024 09:30:00 +0000")  # fmt: skip
    _write(box / ".Sent" / "cur" / "3.mail:2,S", "r@acme", "Refunded today.", sender=AGENT,
           parent="c@c", date="Mon, 11 Mar 2024 10:00:00 +0000")  # fmt: skip
    for options in ({}, {"agent_domains": ["acme.example"]}):
        examples, rejected = load([box], **options)
        [example] = examples
        assert (example.label, example.reply) == ("Billing", "Refunded today.")
        assert [(r.reason, r.source.record_id) for r in rejected] == [("draft", "d@acme")]
        assert "Drafts folder" in rejected[0].detail
        assert message_count(examples, rejected) == 3


def test_the_maildir_draft_flag_outside_a_drafts_folder(tmp_path: Path) -> None:
    box = tmp_path / "box"
    _maildir(box, ".Billing", ".Sent")
    _write(box / ".Billing" / "cur" / "1.mail:2,S", "c@c", "Refund my order, please.")
    _write(box / ".Sent" / "cur" / "2.mail:2,DS", "d@acme", "DRAFT", sender=AGENT,
           parent="c@c", date="Mon, 11 Mar 2024 09:30:00 +0000")  # fmt: skip
    _write(box / ".Sent" / "cur" / "3.mail:2,RS", "r@acme", "Refunded.", sender=AGENT,
           parent="c@c", date="Mon, 11 Mar 2024 10:00:00 +0000")  # fmt: skip
    examples, rejected = load([box], agent_domains=["acme.example"])
    assert [e.reply for e in examples] == ["Refunded."]
    assert [(r.reason, r.detail.split(";")[0]) for r in rejected] == [
        ("draft", "an unsent draft (Maildir flag D)")
    ]


def test_a_thunderbird_or_gmail_draft_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path / "1.eml", "c@c", "Where is my parcel?", extra="X-Gmail-Labels: Returns\n")
    _write(tmp_path / "2.eml", "d1@acme", "Draft one", sender=AGENT, parent="c@c",
           date="Mon, 11 Mar 2024 09:10:00 +0000",
           extra="X-Mozilla-Draft-Info: internal/draft; vcard=0\n")  # fmt: skip
    _write(tmp_path / "3.eml", "d2@acme", "Draft two", sender=AGENT, parent="c@c",
           date="Mon, 11 Mar 2024 09:20:00 +0000", extra="X-Gmail-Labels: Entwürfe\n")
    _write(tmp_path / "4.eml", "r@acme", "It left today.", sender=AGENT, parent="c@c",
           date="Mon, 11 Mar 2024 09:30:00 +0000", extra="X-Gmail-Labels: Sent\n")
    examples, rejected = load([tmp_path])
    assert [(e.label, e.reply) for e in examples] == [("Returns", "It left today.")]
    assert sorted((r.reason, r.source.record_id) for r in rejected) == [
        ("draft", "d1@acme"), ("draft", "d2@acme")
    ]


def test_a_thunderbird_drafts_folder(tmp_path: Path) -> None:
    profile = tmp_path / "Local Folders"
    profile.mkdir()
    for name in ("Billing", "Drafts", "Sent"):
        (profile / f"{name}.msf").write_text("")
    (profile / "Billing").write_text(
        "From - Mon Mar 11 09:00:00 2024\nFrom: Ann <ann@c.example>\nMessage-ID: <c@c>\n"
        "Date: Mon, 11 Mar 2024 09:00:00 +0000\nSubject: Help\n\nRefund please.\n\n")
    (profile / "Drafts").write_text(
        f"From - Mon Mar 11 09:10:00 2024\nFrom: {AGENT}\nMessage-ID: <d@acme>\n"
        "In-Reply-To: <c@c>\nDate: Mon, 11 Mar 2024 09:10:00 +0000\nSubject: Re: Help\n\n"
        "Not sent.\n\n")
    (profile / "Sent").write_text(
        f"From - Mon Mar 11 09:20:00 2024\nFrom: {AGENT}\nMessage-ID: <r@acme>\n"
        "In-Reply-To: <c@c>\nDate: Mon, 11 Mar 2024 09:20:00 +0000\nSubject: Re: Help\n\n"
        "Refunded.\n\n")
    examples, rejected = load([tmp_path])
    assert [(e.label, e.reply) for e in examples] == [("Billing", "Refunded.")]
    assert [r.reason for r in rejected] == ["draft"]

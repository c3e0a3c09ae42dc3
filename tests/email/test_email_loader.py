"""load_email end to end: sources, labels, threading, accounting, options, .msg."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from email_helpers import FIXTURES, load, message_count

from ftprep.config import Config, ConfigError
from ftprep.loaders.email import EmailOptions, load_email
from ftprep.records import Example


def _eml(path: Path, mid: str, body: str, *, sender: str = "Ann <ann@c.example>",
         parent: str | None = None, extra: str = "", date: str = "Mon, 11 Mar 2024 09:00:00 +0000",
         ) -> Path:  # fmt: skip
    headers = f"Date: {date}\nMessage-ID: <{mid}>\nSubject: Help\nFrom: {sender}\n"
    if parent:
        headers += f"In-Reply-To: <{parent}>\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{headers}{extra}Content-Type: text/plain; charset=utf-8\n\n{body}\n")
    return path


AGENT = "Support <support@acme.example>"


def test_takeout_mbox() -> None:
    examples, rejected = load([FIXTURES / "takeout.mbox"], label_priority=["returns"])
    assert message_count(examples, rejected) == 5
    jane, jose, kim = examples
    assert jane.label == "billing" and jane.fields["label_source"] == "x-gmail-labels"
    assert jane.text == (
        "Hi,\n\nI was charged twice for order 1001.\n\n"
        "From what I can tell both charges went through on Friday."  # >From unquoted
    )
    assert jane.reply == "Hi Jane,\n\nThe second charge is refunded; you will see it in 3-5 days."
    assert [r.record_id for r in jane.merged] == ["r1.billing@shop.example"]
    assert jane.fields["reply_count"] == 2 and jane.fields["thread_id"] == "1792650112113364871"
    [extra] = rejected
    assert (extra.reason, extra.source.row) == ("extra-reply", 3)
    assert jose.label == "returns" and jose.fields["other_labels"] == ["Support, Tier 2"]
    assert jose.fields["subject"] == "Return the blue kettle"  # "Fwd: Re:" stripped
    assert jose.text == "I'd like to return the blue kettle from order 1002."
    assert (kim.label, kim.fields["label_source"]) == (None, "none")
    assert kim.text.endswith("From time to time I visit the shop in person.")


def test_several_gmail_labels_are_rejected_with_a_fix(tmp_path: Path) -> None:
    # Jose's message has two user labels: without label-priority or an allowed list
    # that leaves one, it is rejected (QA: the alphabetically first one was taken).
    examples, rejected = load([FIXTURES / "takeout.mbox"])
    assert [e.source.record_id for e in examples] == ["c1.billing@customer.example",
                                                      "c3.none@customer.example"]
    several = [r for r in rejected if r.reason == "several-labels"]
    assert [r.source.record_id for r in several] == ["c2.returns@customer.example"]
    assert "label-priority" in several[0].detail and "'returns'" in several[0].detail
    allowed = EmailOptions().with_allowed_labels(["billing", "returns"])
    records = list(load_email([FIXTURES / "takeout.mbox"], allowed))
    jose = next(r for r in records if r.source.record_id == "c2.returns@customer.example")
    assert isinstance(jose, Example) and jose.label == "returns"


def test_convert_takes_the_one_allowed_gmail_label(tmp_path: Path) -> None:
    from ftprep.convert import convert

    box = tmp_path / "m.mbox"
    box.write_text(
        "From x@y Mon Mar 11 09:00:00 2024\nFrom: Ann <ann@c.example>\nSubject: Kettle\n"
        "Message-ID: <x1@c>\nX-Gmail-Labels: Inbox,Follow-up,returns\n\nSend it back.\n\n"
        "From x@y Mon Mar 11 09:00:00 2024\nFrom: Ann <ann@c.example>\nSubject: Kettle\n"
        "Message-ID: <x2@c>\nX-Gmail-Labels: Inbox,Follow-up,Returns Dept\n\nSend it back!\n")
    summary = convert([box], tmp_path / "o.jsonl", allowed_labels=["billing", "returns"],
                      label_map={"Returns Dept": "returns"})  # fmt: skip
    assert summary.written == 2 and dict(summary.labels) == {"returns": 2}


def test_takeout_with_label_priority_and_subject() -> None:
    examples, _ = load([FIXTURES / "takeout.mbox"], label_priority=["Support, Tier 2"],
                       include_subject=True)  # fmt: skip
    assert examples[1].label == "Support, Tier 2"
    assert examples[1].text.startswith("Return the blue kettle\n\nI'd like")


def test_agents_configured_same_result_on_takeout() -> None:
    plain = load([FIXTURES / "takeout.mbox"])
    configured = load([FIXTURES / "takeout.mbox"], agent_domains=["shop.example"])
    assert [(e.text, e.reply) for e in plain[0]] == [(e.text, e.reply) for e in configured[0]]


def test_thread_of_eml_files() -> None:
    examples, rejected = load([FIXTURES / "thread"], agent_addresses=["support@acme.example"])
    assert not rejected
    first, followup = examples
    # The customer's "-- " signature goes; the reply's wrapped "On ... wrote:" quote too.
    assert first.text.endswith("Version 4.2.1 on Windows 11.")
    assert first.reply == "Hi Ravi,\n\nThis is fixed in version 4.2.2, out today."
    assert first.merged[0].file.endswith("02-agent.eml")
    # A customer answering the agent is a new example; its Outlook quote is removed.
    assert followup.text == "Updated, and the export works now. Thank you!"
    assert followup.reply is None and followup.fields["reply_count"] == 0


def test_maildir_folders_are_labels() -> None:
    examples, rejected = load([FIXTURES / "maildir"])
    assert not rejected
    assert [(e.label, e.fields["folder"]) for e in examples] == [
        ("billing", "billing"), ("billing", "billing"), ("returns", "returns"),
    ]  # fmt: skip
    # The agent's answer sits in Sent/ and is found through In-Reply-To.
    assert examples[0].reply == "Hi Ann,\n\nDone, refunded today."
    assert "Sent" in examples[0].merged[0].file


def test_maildir_given_directly(tmp_path: Path) -> None:
    box = tmp_path / "complaints"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    _eml(box / "new" / "1.mail", "x1@c", "Late again.")
    _eml(box / "tmp" / "2.mail", "x2@c", "Still being delivered.")  # tmp/ is not mail yet
    examples, _ = load([box])
    assert [(e.label, e.text) for e in examples] == [("complaints", "Late again.")]


def test_thunderbird_profile() -> None:
    examples, rejected = load([FIXTURES / "thunderbird"])
    assert not rejected
    assert [(e.label, e.fields["folder"]) for e in examples] == [
        (None, "Local Folders/Inbox"),
        ("billing", "Local Folders/billing"),
        ("billing", "Local Folders/billing"),
        ("refunds", "Local Folders/billing/refunds"),
    ]
    assert [e.source.row for e in examples] == [1, 1, 2, 1]


def test_eml_folder_labels_option(tmp_path: Path) -> None:
    _eml(tmp_path / "billing" / "a.eml", "a@c", "Refund?")
    _eml(tmp_path / "returns" / "deep" / "b.eml", "b@c", "Return?")
    assert [e.label for e in load([tmp_path])[0]] == [None, None]
    assert [e.label for e in load([tmp_path], eml_folder_labels=True)[0]] == ["billing", "deep"]


def test_duplicates_keep_the_labelled_copy(tmp_path: Path) -> None:
    _eml(tmp_path / "inbox" / "a.eml", "dup@c", "Refund please.")
    copy = tmp_path / "billing" / "cur" / "a.mail"
    (tmp_path / "billing" / "new").mkdir(parents=True)
    _eml(copy, "dup@c", "Refund please.")
    examples, rejected = load([tmp_path / "inbox", tmp_path / "billing"])
    assert [e.label for e in examples] == ["billing"]
    assert [(r.reason, r.source.file) for r in rejected] == [
        ("duplicate-message-id", str(tmp_path / "inbox" / "a.eml"))
    ]
    # The same file given twice: the second read is a duplicate.
    examples, rejected = load([FIXTURES / "html_only.eml", FIXTURES / "html_only.eml"])
    assert len(examples) == 1 and [r.reason for r in rejected] == ["duplicate-message-id"]


def test_orphans_and_agent_messages(tmp_path: Path) -> None:
    _eml(tmp_path / "1.eml", "orphan@acme", "We replied to something.", sender=AGENT,
         parent="missing@c")  # fmt: skip
    _eml(tmp_path / "2.eml", "news@acme", "Our newsletter.", sender=AGENT)
    _eml(tmp_path / "3.eml", "cust-orphan@c", "About your last email...", parent="gone@acme")
    examples, rejected = load([tmp_path], agent_domains=["acme.example"])
    assert [e.text for e in examples] == ["About your last email..."]
    assert [r.reason for r in rejected] == ["orphan-reply", "agent-message"]
    # Without agents configured, every one of them is a standalone message.
    examples, rejected = load([tmp_path])
    assert len(examples) == 3 and not rejected


def test_reply_choice_auto_replies_and_failures(tmp_path: Path) -> None:
    _eml(tmp_path / "1.eml", "q@c", "My order is late.")
    _eml(
        tmp_path / "2.eml",
        "ack@acme",
        "We got your ticket #12.",
        sender=AGENT,
        parent="q@c",
        extra="Auto-Submitted: auto-replied\n",
        date="Mon, 11 Mar 2024 09:01:00 +0000",
    )
    _eml(
        tmp_path / "3.eml",
        "empty@acme",
        "On Mon, 11 Mar 2024, Ann <ann@c.example> wrote:\n> My order is late.",
        sender=AGENT,
        parent="q@c",
        date="Mon, 11 Mar 2024 10:00:00 +0000",
    )
    _eml(
        tmp_path / "4.eml",
        "real@acme",
        "It ships today.",
        sender=AGENT,
        parent="q@c",
        date="Mon, 11 Mar 2024 11:00:00 +0000",
    )
    _eml(tmp_path / "5.eml", "late@acme", "Did it arrive?", sender=AGENT, parent="q@c",
         date="Mon, 11 Mar 2024 12:00:00 +0000")  # fmt: skip
    examples, rejected = load([tmp_path], agent_domains=["acme.example"])
    [example] = examples
    assert example.reply == "It ships today."
    assert example.fields["reply_count"] == 3  # the auto-reply is not a candidate
    # Replies are accounted for where their customer message is; the auto-reply in place.
    assert [(r.reason, r.source.record_id) for r in rejected] == [
        ("empty-body", "empty@acme"), ("extra-reply", "late@acme"), ("auto-reply", "ack@acme"),
    ]  # fmt: skip
    assert message_count(examples, rejected) == 5


def test_reply_to_a_rejected_message(tmp_path: Path) -> None:
    _eml(tmp_path / "1.eml", "q@c", "-- \nAnn's signature only")
    _eml(tmp_path / "2.eml", "a@acme", "Sure.", sender=AGENT, parent="q@c")
    examples, rejected = load([tmp_path])
    assert not examples
    assert [r.reason for r in rejected] == ["empty-body", "parent-rejected"]


def test_label_header_and_map_file(tmp_path: Path) -> None:
    _eml(tmp_path / "a.eml", "a@c", "Refund.", extra="X-Ticket-Category: billing\n")
    _eml(tmp_path / "b.eml", "b@c", "Return.", extra="X-Ticket-Category: billing\n")
    (tmp_path / "labels.csv").write_text("message_id,label\n<b@c>,returns\n")
    examples, _ = load([tmp_path / "a.eml", tmp_path / "b.eml"], label_header="X-Ticket-Category",
                       label_map_file=tmp_path / "labels.csv")  # fmt: skip
    assert [(e.label, e.fields["label_source"]) for e in examples] == [
        ("billing", "header"), ("returns", "label-map"),
    ]  # fmt: skip


def test_label_map_entries_no_message_has_are_named(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    _eml(tmp_path / "b.eml", "b@c", "Return.")
    (tmp_path / "labels.csv").write_text("message_id,label\n<b@c>,returns\n<bb@c>,billing\n")
    with caplog.at_level("WARNING"):
        [example], _ = load([tmp_path / "b.eml"], label_map_file=tmp_path / "labels.csv")
    assert example.label == "returns"
    assert "1 of 2 label-map entries match no message (bb@c)" in caplog.text


def test_strip_options_off() -> None:
    [example], _ = load([FIXTURES / "thread" / "02-agent.eml"], strip_quotes=False,
                        strip_signatures=False)  # fmt: skip
    assert "wrote:" in example.text and "Kind regards," in example.text


def test_not_email_and_empty_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Just some notes, no headers at all.\n")
    (tmp_path / "empty.eml").write_bytes(b"")
    _, rejected = load([tmp_path / "notes.txt", tmp_path / "empty.eml"])
    assert [r.reason for r in rejected] == ["not-an-email", "not-an-email"]
    # In a folder walk, files that are not mail are skipped, not rejected.
    assert load([tmp_path]) == ([], [r for r in rejected if r.source.file.endswith(".eml")])


def test_missing_path_raises_at_call_time(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_email([tmp_path / "nope.mbox"], EmailOptions())
    with pytest.raises(ValueError, match="cannot read label map"):
        load_email([FIXTURES], EmailOptions(label_map_file=tmp_path / "nope.csv"))


def test_mbox_detected_by_content(tmp_path: Path) -> None:
    target = tmp_path / "All mail Including Spam and Trash"  # no extension
    shutil.copy(FIXTURES / "takeout.mbox", target)
    assert message_count(*load([target])) == 5
    assert message_count(*load([tmp_path])) == 5  # folder walk sniffs extensionless files too


def test_msg_without_extract_msg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "extract_msg", None)  # import fails as if absent
    (tmp_path / "a.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (tmp_path / "b.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    examples, rejected = load([tmp_path])
    assert not examples
    assert [r.reason for r in rejected] == ["msg-support-not-installed"] * 2
    assert "pip install ftprep[msg]" in rejected[0].detail


class _FakeMsg:
    """Just the attributes of extract_msg.Message that the loader reads."""

    def __init__(self, path: str) -> None:
        self.subject = "RE: Broken kettle"
        self.sender = "Zoe <zoe@c.example>"
        self.messageId = "<msg1@c.example>"
        self.inReplyTo = None
        self.date = None
        self.header = None
        self.body = "The kettle leaks.\r\n\r\nSent from my iPhone"
        self.htmlBody = b"<p>The kettle <b>leaks</b>.</p>"
        self.attachments = [object()]
        self.categories = ["returns"]
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_msg_with_extract_msg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("extract_msg")
    fake.openMsg = _FakeMsg  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "extract_msg", fake)
    (tmp_path / "a.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    [example], _ = load([tmp_path / "a.msg"])
    assert example.text == "The kettle leaks."
    assert (example.label, example.fields["label_source"]) == ("returns", "msg-categories")
    assert example.fields["subject"] == "Broken kettle"
    assert example.fields["attachments"] == 1
    [example], _ = load([tmp_path / "a.msg"], prefer="html")
    assert example.text == "The kettle leaks." and example.fields["body_type"] == "html"


def test_options_from_config(tmp_path: Path) -> None:
    config = Config(
        raw_sections={"convert": {"output": "x.jsonl", "email": {
            "agent-domains": ["@Acme.example"], "label-map-file": "labels.csv",
            "strip_quotes": False}}},
        source=tmp_path / "ftprep.toml",
    )  # fmt: skip
    options = EmailOptions.from_config(config)
    assert options.agent_domains == ["acme.example"]
    assert options.label_map_file == tmp_path / "labels.csv"
    assert options.strip_quotes is False
    assert EmailOptions.from_config(Config()) == EmailOptions()
    bad = Config(raw_sections={"convert": {"email": {"agent-domain": ["x"]}}})
    with pytest.raises(ConfigError, match="agent-domain"):
        EmailOptions.from_config(bad)


def test_agent_matching() -> None:
    options = EmailOptions(agent_addresses=["Help@Shop.example"], agent_domains=["acme.example"])
    assert options.is_agent("help@shop.example")
    assert options.is_agent("sam@acme.example") and options.is_agent("x@eu.acme.example")
    assert not options.is_agent("x@notacme.example") and not options.is_agent("")


def test_broken_encoded_words_stay_raw(tmp_path: Path) -> None:
    # Found by mutating corpus files: decode_header raises HeaderParseError here.
    path = tmp_path / "a.eml"
    path.write_bytes(
        b"Subject: =?utf-8?b?abc?=\nFrom: =?x-unknown?q?Ann?= <ann@c.example>\n"
        b"Message-ID: <b@c>\n\nHello\n"
    )
    [example], _ = load([path])
    assert example.fields["subject"] == "=?utf-8?b?abc?="
    assert example.fields["sender"] == "ann@c.example"


@pytest.mark.parametrize(
    ("extra", "subject", "sender", "reason"),
    [
        # qmail's bounce: null Return-Path, MAILER-DAEMON, "failure notice"
        ("Return-Path: <>\n", "failure notice", "MAILER-DAEMON@mx.c.example", "delivery-report"),
        ("", "Undelivered Mail Returned to Sender", "postmaster@mx.c.example", "delivery-report"),
        ("Return-Path: <>\n", "Undeliverable: Re: Invoice", "Ann <ann@c.example>",
         "delivery-report"),
        ("X-Auto-Response-Suppress: All\n", "Automatic reply: Re: Invoice", "Ann <ann@c.example>",
         "auto-reply"),
        ("", "Out of Office: Re: Invoice", "Ann <ann@c.example>", "auto-reply"),
        ("", "Abwesenheitsnotiz: Rechnung", "Ann <ann@c.example>", "auto-reply"),
        # Not proof: Exchange sets the header on other mail; a person writes these subjects.
        ("X-Auto-Response-Suppress: All\n", "Invoice", "Ann <ann@c.example>", None),
        ("", "Out of office hours support?", "Ann <ann@c.example>", None),
        ("", "Undelivered parcel", "Ann <ann@c.example>", None),
        ("", "failure notice", "Postmaster Pat <postmaster@c.example>", "delivery-report"),
        ("", "Question", "Postmaster Pat <postmaster@c.example>", None),
    ],
)
def test_bounces_and_auto_replies_by_sender_and_subject(
    tmp_path: Path, extra: str, subject: str, sender: str, reason: str | None
) -> None:
    path = tmp_path / "m.eml"
    path.write_text(f"From: {sender}\nSubject: {subject}\nMessage-ID: <m@c>\n{extra}"
                    "\nI am away / I could not deliver your message.\n")  # fmt: skip
    examples, rejected = load([path])
    assert [r.reason for r in rejected] == ([reason] if reason else [])
    assert len(examples) == (0 if reason else 1)


@pytest.mark.parametrize(
    "marker",
    ["---------- Forwarded message ---------", "Begin forwarded message:",
     "-------- Weitergeleitete Nachricht --------"],
)
def test_a_forward_with_no_text_of_its_own_is_the_forwarded_text(tmp_path: Path,
                                                                  marker: str) -> None:
    # QA: rejected as empty-body, though the forwarded text is the ticket.
    body = (f"{marker}\nFrom: Alice <alice@work.example>\nDate: Mon, Apr 29, 2024 at 10:15 AM\n"
            "Subject: Broken heater\nTo: <support@acme.example>\n\n"
            "My heater is broken since Monday, please send a technician.\n\n"
            "On Sun, Apr 28, 2024 at 9:00 AM Acme <support@acme.example> wrote:\n> Old news.")
    _eml(tmp_path / "f.eml", "f@c", body)
    [example], rejected = load([tmp_path / "f.eml"])
    assert not rejected
    assert example.text == "My heater is broken since Monday, please send a technician."
    # A note above the forward is the message, as before.
    _eml(tmp_path / "g.eml", "g@c", "Please see below.\n\n" + body)
    assert load([tmp_path / "g.eml"])[0][0].text == "Please see below."


def test_a_reply_that_is_only_a_quote_is_still_empty(tmp_path: Path) -> None:
    _eml(tmp_path / "q.eml", "q@c", "-----Original Message-----\nFrom: Acme <s@acme.example>\n"
         "Sent: Monday\nSubject: Re: x\n\nYour order shipped.")  # fmt: skip
    assert [r.reason for r in load([tmp_path / "q.eml"])[1]] == ["empty-body"]


def test_a_guessed_header_charset_is_guessed_once_per_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raw 8-bit headers that are not UTF-8 go to charset-normalizer; both passes read
    them (the first for auto-replies and the sender, the second for the fields), and the
    second reuses the first's decoding: the same fields, one guess per value."""
    import charset_normalizer

    from ftprep.loaders.email.headers import decode_value

    subjects = [f"Заказ {k} не пришёл, помогите".encode("cp1251") for k in range(3)]
    expected = [decode_value(s) for s in subjects]
    box = tmp_path / "a.mbox"
    box.write_bytes(b"".join(
        b"From x@y Mon Mar 11 09:00:00 2024\nFrom: " + "Анна".encode("cp1251")
        + b" <ann@c.example>\nSubject: " + subject
        + f"\nMessage-ID: <q{k}@c>\nX-Gmail-Labels: Inbox,billing\n\nWhere is it?\n\n".encode()
        for k, subject in enumerate(subjects)))  # fmt: skip
    calls: list[bytes] = []
    real = charset_normalizer.from_bytes

    def counting(payload: bytes, *args: Any, **kwargs: Any) -> Any:
        calls.append(payload)
        return real(payload, *args, **kwargs)

    monkeypatch.setattr(charset_normalizer, "from_bytes", counting)
    examples, rejected = load([box])
    assert not rejected
    assert [e.fields["subject"] for e in examples] == expected
    assert [e.fields["sender"] for e in examples] == ["ann@c.example"] * 3
    assert len(calls) == len(set(calls)) == 4  # each subject, and the one From value

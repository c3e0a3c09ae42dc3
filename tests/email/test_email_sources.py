"""Finding the mail: which files are mailboxes, .eml or .msg, and walking folders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from email_helpers import load, message_count

from ftprep.loaders.email.mbox import count_message_starts
from ftprep.loaders.email.sources import discover

if TYPE_CHECKING:
    from pathlib import Path


def _message(mid: str, body: str, envelope: bool = True) -> str:
    head = "From - Mon Mar  4 10:15:00 2024\n" if envelope else ""
    return (f"{head}From: Jane <jane@example.com>\nSubject: Help\nMessage-ID: <{mid}>\n"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n\n")  # fmt: skip


def test_count_message_starts_anywhere_in_the_head() -> None:
    head = (b"X-Junk: 1\n\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: 1\n\nFrom time to time\n"
            b"From a@b Mon Jan  1 00:00:00 2024\nnot a header\n")  # fmt: skip
    assert count_message_starts(head) == 1
    assert count_message_starts(b"") == 0


def test_thunderbird_folder_whose_first_message_lost_its_from_line(tmp_path: Path) -> None:
    folder = tmp_path / "Local Folders"
    folder.mkdir()
    box = folder / "returns"
    box.write_text(_message("t1@x", "First, a refund.", envelope=False)
                   + _message("t2@x", "Second.") + _message("t3@x", "Third."))  # fmt: skip
    (folder / "returns.msf").write_text("x")
    [source] = discover([folder])
    assert (source.kind, source.folder) == ("mbox", "returns")
    examples, rejected = load([folder])
    assert not rejected
    assert [e.text for e in examples] == ["First, a refund.", "Second.", "Third."]
    assert {e.label for e in examples} == {"returns"}
    # The folder file named by itself is labelled the same way.
    [alone] = discover([box])
    assert (alone.kind, alone.folder) == ("mbox", "returns")
    assert {e.label for e in load([box])[0]} == {"returns"}


def test_one_separator_without_msf_is_still_one_eml(tmp_path: Path) -> None:
    # A saved message quoting an mbox line once is not a mailbox.
    path = tmp_path / "saved"
    path.write_text(_message("s1@x", "Hi", envelope=False) + _message("s2@x", "Quoted."))
    [source] = discover([path])
    assert source.kind == "eml"


def test_extensionless_mbox_with_junk_before_the_first_from_line(tmp_path: Path) -> None:
    path = tmp_path / "export"
    path.write_text("X-Junk: 1\n\n" + _message("j1@x", "One.") + _message("j2@x", "Two."))
    [source] = discover([path])
    assert source.kind == "mbox"
    examples, rejected = load([path])
    assert [e.text for e in examples] == ["One.", "Two."]
    assert [r.reason for r in rejected] == ["mbox-preamble"]
    assert message_count(examples, rejected) == 3


def test_text_email_named_msg_is_read_as_eml(tmp_path: Path) -> None:
    (tmp_path / "fake.msg").write_text(_message("m1@x", "Plain text saved as .msg.", False))
    (tmp_path / "junk.msg").write_bytes(b"\x00\x01 not mail")
    examples, rejected = load([tmp_path])
    assert [e.text for e in examples] == ["Plain text saved as .msg."]
    assert [r.reason for r in rejected] == ["not-an-email"]


def test_empty_mbox_holds_no_messages(tmp_path: Path) -> None:
    (tmp_path / "empty.mbox").write_bytes(b"")
    (tmp_path / "blank.mbox").write_bytes(b"\n\n")
    assert load([tmp_path / "empty.mbox"]) == ([], [])
    assert load([tmp_path]) == ([], [])


@pytest.mark.parametrize("body", ["", "\n", "\n   \n"])
def test_headers_only_message_is_an_empty_body(tmp_path: Path, body: str) -> None:
    path = tmp_path / "a.eml"
    path.write_text("From: Jane <jane@example.com>\nSubject: Help\n"
                    "Content-Type: text/plain; charset=utf-8\n" + body)  # fmt: skip
    [], [rejected] = load([path])
    assert (rejected.reason, rejected.detail) == ("empty-body", "the text part has no text")


@pytest.mark.parametrize("multipart", [False, True])
def test_eml_starting_with_a_utf8_bom(tmp_path: Path, multipart: bool) -> None:
    text = _message("bom@x", "Hello from Notepad.", envelope=False)
    if multipart:
        head, body = text.split("\n\n", 1)
        head = head.replace("Content-Type: text/plain; charset=utf-8",
                            "Content-Type: multipart/mixed; boundary=B")  # fmt: skip
        text = f"{head}\n\n--B\nContent-Type: text/plain\n\n{body}--B--\n"
    path = tmp_path / "bom.eml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    [example], [] = load([path])
    assert example.text == "Hello from Notepad."
    assert example.fields["subject"] == "Help"


def test_directory_symlink_loops_are_walked_once(tmp_path: Path) -> None:
    (tmp_path / "sig.eml").write_text(_message("loop@x", "Once.", envelope=False))
    (tmp_path / "self").symlink_to(".")
    maildir = tmp_path / "md"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1.mail").write_text(_message("md@x", "Maildir.", envelope=False))
    (maildir / ".again").symlink_to(".")  # a Maildir++ "subfolder" that is the root
    examples, rejected = load([tmp_path])
    assert sorted(e.text for e in examples) == ["Maildir.", "Once."]
    assert not rejected


def _tb_folder(path: Path, mid: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"From - Mon Mar 11 09:00:00 2024\nFrom: Ann <ann@c.example>\n"
                    f"Message-ID: <{mid}>\nSubject: Help\n\n{body}\n\n")


def test_a_thunderbird_folder_without_its_msf_keeps_its_label(tmp_path: Path) -> None:
    profile = tmp_path / "Mail"
    _tb_folder(profile / "Billing", "b@c", "Charged twice.")
    (profile / "Billing.msf").write_text("")
    _tb_folder(profile / "Returns", "r@c", "Return my shoes.")  # its .msf was deleted
    _tb_folder(tmp_path / "Local Folders" / "Shipping", "s@c", "Where is it?")
    _tb_folder(tmp_path / "Other" / "Billing.sbd" / "Refunds", "f@c", "Refund?")
    examples, rejected = load([tmp_path])
    assert not rejected
    assert sorted((e.label, e.fields["folder"]) for e in examples) == [
        ("Billing", "Mail/Billing"), ("Refunds", "Other/Billing/Refunds"),
        ("Returns", "Mail/Returns"), ("Shipping", "Local Folders/Shipping"),
    ]  # fmt: skip
    # An mbox file with no Thunderbird folder beside it is no folder: no label.
    examples, _ = load([tmp_path / "Other" / "Billing.sbd" / "Refunds"])
    assert [e.label for e in examples] == [None]
    _tb_folder(tmp_path / "plain" / "archive", "a@c", "Old mail.")
    examples, _ = load([tmp_path / "plain"])
    assert [e.label for e in examples] == [None]

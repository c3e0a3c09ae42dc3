"""Threading over the on-disk message table: pairing, copies, loops, collisions, memory."""

from __future__ import annotations

import gc
import math
import tracemalloc
from collections import deque
from typing import TYPE_CHECKING, Any

import pytest
from email_helpers import FIXTURES, load, message_count

from ftprep.loaders.email import EmailOptions, load_email, table
from ftprep.loaders.email.table import Entry, MessageTable

if TYPE_CHECKING:
    from pathlib import Path

AGENT = "Support <support@acme.example>"


def _mbox(path: Path, messages: list[dict[str, str]]) -> Path:
    """An mbox of plain-text messages; keys: id, parent, refs, sender, label (a user label
    beside Inbox), labels (the whole X-Gmail-Labels value), date, body."""
    parts = []
    for m in messages:
        head = [f"From: {m.get('sender', 'Ann <ann@c.example>')}", "Subject: Help",
                f"Date: {m.get('date', 'Mon, 11 Mar 2024 09:00:00 +0000')}"]  # fmt: skip
        if "id" in m:
            head.append(f"Message-ID: <{m['id']}>")
        if "parent" in m:
            head.append(f"In-Reply-To: <{m['parent']}>")
        if "refs" in m:
            head.append(f"References: {m['refs']}")
        if "label" in m:
            head.append(f"X-Gmail-Labels: Inbox,{m['label']}")
        if "labels" in m:
            head.append(f"X-Gmail-Labels: {m['labels']}")
        body = m.get("body", "Where is my order?")
        parts.append("From x@y Mon Mar 11 09:00:00 2024\n" + "\n".join(head) + f"\n\n{body}\n\n")
    path.write_text("".join(parts))
    return path


def _records(paths: list[Path], **options: Any) -> list[str]:
    examples, rejected = load(paths, **options)
    return [repr(r) for r in examples] + [repr(r) for r in rejected]


def test_copies_keep_the_first_labelled_and_replies_pair_with_it(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "q@c", "body": "The same text."},
        {"id": "q@c", "label": "billing", "body": "The same text."},
        {"id": "q@c", "label": "returns", "body": "The same text."},
        {"id": "r@acme", "parent": "q@c", "sender": AGENT, "body": "Refunded.",
         "date": "Mon, 11 Mar 2024 10:00:00 +0000"},
    ])  # fmt: skip
    examples, rejected = load([box], agent_domains=["acme.example"])
    [example] = examples
    assert (example.text, example.label, example.reply) == (
        "The same text.", "billing", "Refunded.")
    assert [(r.reason, r.source.row) for r in rejected] == [
        ("duplicate-message-id", 1), ("duplicate-message-id", 3)]
    assert rejected[0].detail == f"Message-ID <q@c> already read from {box}, row 2, id q@c"


def test_candidates_by_date_then_position_and_self_replies(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "late@acme", "parent": "q@c", "sender": AGENT, "body": "Later answer.",
         "date": "Mon, 11 Mar 2024 12:00:00 +0000"},
        {"id": "q@c", "body": "My order is late."},
        {"id": "early@acme", "parent": "q@c", "sender": AGENT, "body": "Early answer.",
         "date": "Mon, 11 Mar 2024 10:00:00 +0000"},
        {"id": "same@acme", "parent": "q@c", "sender": AGENT, "body": "Same time.",
         "date": "Mon, 11 Mar 2024 10:00:00 +0000"},
        {"id": "self@c", "parent": "self@c", "body": "I answer myself."},
    ])  # fmt: skip
    examples, rejected = load([box], agent_domains=["acme.example"])
    assert [(e.text, e.reply, e.fields["reply_count"]) for e in examples] == [
        ("My order is late.", "Early answer.", 3), ("I answer myself.", None, 0)]
    assert [(r.reason, r.source.record_id) for r in rejected] == [
        ("extra-reply", "same@acme"), ("extra-reply", "late@acme")]


@pytest.mark.parametrize("agent_first", [False, True])
def test_a_loop_of_replies_breaks_where_the_walk_closes_it(tmp_path: Path,
                                                          agent_first: bool) -> None:
    # Each answers the other. The walk starts at the first message of the file and breaks
    # the loop at the last one it reaches, which is decided as if it answered nothing.
    customer = {"id": "q@c", "parent": "a@acme", "body": "Customer text."}
    agent = {"id": "a@acme", "parent": "q@c", "sender": AGENT, "body": "Agent text."}
    box = _mbox(tmp_path / "a.mbox", [agent, customer] if agent_first else [customer, agent])
    examples, rejected = load([box], agent_domains=["acme.example"])
    [example] = examples
    if agent_first:
        assert example.reply == "Agent text." and not rejected
    else:
        assert example.reply is None and [r.reason for r in rejected] == ["agent-message"]


def test_a_hash_collision_is_caught_and_threading_redone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": f"q{k}@c", "label": "billing", "body": f"Question {k}."} for k in range(6)
    ] + [
        {"id": f"a{k}@acme", "parent": f"q{k}@c", "sender": AGENT, "body": f"Answer {k}."}
        for k in range(6)
    ] + [{"id": "q1@c", "body": "A real duplicate."}])  # fmt: skip
    sources = [box, FIXTURES / "takeout.mbox", FIXTURES / "thread"]
    expected = _records(sources, agent_domains=["acme.example"])
    # The first key hashes every id to 1 or 2: copies and parents collide everywhere.
    real_key, real_hash = table.new_key, table.id_hash
    weak = object()
    keys = iter([weak])
    rekeys: list[int] = []
    monkeypatch.setattr(table, "new_key", lambda: next(keys, None) or real_key())
    monkeypatch.setattr(table, "id_hash",
                        lambda key, v: 1 + len(v) % 2 if key is weak else real_hash(key, v))
    real_rekey = MessageTable.rekey
    monkeypatch.setattr(MessageTable, "rekey", lambda self: (rekeys.append(1), real_rekey(self)))
    assert _records(sources, agent_domains=["acme.example"]) == expected
    assert rekeys == [1]


def test_records_round_trip(tmp_path: Path) -> None:
    entries = [
        Entry(0, 0, -1, None),
        Entry(1, 10, 99, 3, "a@b", "p\udcff@x", True, -5, True, 1.5e9, True, "auto-reply",
              None, ("r2@x", "r1@x")),
        Entry(2, 1 << 40, (1 << 40) + 7, 0, "ünï@cödé", None, False, 0, False, math.inf, False,
              "delivery-report", ("not-an-email", "no header")),
    ]  # fmt: skip
    t = MessageTable()
    try:
        for e in entries:
            t.add(e)
        t.seal()
        assert [t.entry(i) for i in range(len(t))] == entries
        columns = t.columns()
        columns["role"][1] = 5
        del columns
        t.release()  # dropping mapped pages keeps what was written to them
        assert [t.entry(i) for i in range(len(t))] == entries
        assert [t.record(i).role for i in range(len(t))] == [0, 5, 0]
    finally:
        t.close()


def test_an_empty_load(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()  # no message at all: nothing to map
    assert load([tmp_path / "empty"]) == ([], [])


def _peak(path: Path) -> int:
    """Peak traced memory of reading every record of `path` (and keeping none)."""
    gc.collect()
    tracemalloc.start()
    try:
        deque(load_email([path], EmailOptions(agent_domains=["acme.example"])), maxlen=0)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_messages(tmp_path: Path) -> None:
    def thread(k: int) -> list[dict[str, str]]:
        return [{"id": f"q{k}@c.example", "label": "billing", "body": f"Order {k} is late."},
                {"id": f"a{k}@acme.example", "parent": f"q{k}@c.example", "sender": AGENT,
                 "body": f"Order {k} ships today."}]  # fmt: skip

    small = _mbox(tmp_path / "small.mbox", [m for k in range(300) for m in thread(k)])
    large = _mbox(tmp_path / "large.mbox", [m for k in range(2300) for m in thread(k)])
    _peak(small)  # warm caches and lazy imports
    grown = _peak(large) - _peak(small)
    # An object per message cost ~550 bytes a message (2.2 MB more here); with the table
    # outside the process, threading briefly holds ~50 bytes a message at this size.
    assert grown < 4000 * 150, grown


@pytest.mark.parametrize(
    "irt",
    ["<ann@c.example>'s message of Mon, 11 Mar 2024", "<gone@nowhere>"],
)
def test_in_reply_to_not_in_the_mail_falls_back_to_references(tmp_path: Path, irt: str) -> None:
    # An obsolete-form In-Reply-To names the customer's address; References is right.
    box = tmp_path / "box.mbox"
    box.write_text(
        "From x@y Mon Mar 11 09:00:00 2024\nFrom: Ann <ann@c.example>\nSubject: Help\n"
        "Message-ID: <c1@c>\nX-Gmail-Labels: billing\n\nWhere is my refund?\n\n"
        f"From x@y Mon Mar 11 09:00:00 2024\nFrom: {AGENT}\nSubject: Re: Help\n"
        f"Message-ID: <a1@acme>\nIn-Reply-To: {irt}\nReferences: <c1@c> <missing@x>\n\n"
        "It is on its way.\n\n"
    )
    [example], rejected = load([box], agent_domains=["acme.example"])
    assert not rejected
    assert example.reply == "It is on its way."


def test_in_reply_to_in_the_mail_wins_over_references(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "box.mbox", [
        {"id": "c1@c", "label": "billing", "body": "First."},
        {"id": "c2@c", "label": "billing", "body": "Second.", "sender": "Bo <bo@c.example>"},
        {"id": "a1@acme", "parent": "c2@c", "refs": "<c1@c>", "sender": AGENT, "body": "Yes."},
    ])  # fmt: skip
    examples, _ = load([box], agent_domains=["acme.example"])
    assert [(e.text, e.reply) for e in examples] == [("First.", None), ("Second.", "Yes.")]


def test_agent_started_thread_without_agent_config(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    # Takeout marks what the account sent with the system label Sent: that is the
    # support team, so the customer's answer to a shipping notice is the ticket (QA:
    # the notice was taken as the ticket and the complaint merged into it, then lost).
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "ship@acme", "sender": AGENT, "labels": "Sent", "body": "Your order shipped."},
        {"id": "tp@c", "parent": "ship@acme", "labels": "Inbox,Returns",
         "date": "Mon, 11 Mar 2024 10:00:00 +0000", "body": "It arrived broken."},
        {"id": "rp@acme", "parent": "tp@c", "sender": AGENT, "labels": "Sent",
         "date": "Mon, 11 Mar 2024 11:00:00 +0000", "body": "Return label attached."},
        # The agent's follow-up to its own reply, not labelled: the same address.
        {"id": "fu@acme", "parent": "rp@acme", "sender": AGENT,
         "date": "Mon, 11 Mar 2024 12:00:00 +0000", "body": "Did the label arrive?"},
    ])  # fmt: skip
    examples, rejected = load([box])
    [example] = examples
    assert (example.text, example.label, example.reply) == (
        "It arrived broken.", "Returns", "Return label attached.")
    assert [(r.reason, r.source.record_id) for r in rejected] == [
        ("agent-message", "ship@acme"), ("agent-message", "fu@acme")]
    assert "Gmail label Sent" in caplog.text and "agent-domains" in caplog.text
    # The same as with the agents configured.
    configured = load([box], agent_domains=["acme.example"])
    assert configured[0] == examples
    assert [r.source for r in configured[1]] == [r.source for r in rejected]


def test_guessed_roles_are_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "q@c", "body": "Where is my order?"},
        {"id": "r@acme", "parent": "q@c", "sender": AGENT, "body": "It ships today."},
    ])  # fmt: skip
    [example], _ = load([box])
    assert example.reply == "It ships today."
    assert "taken as the agent's reply" in caplog.text and "agent-domains" in caplog.text
    caplog.clear()
    load([box], agent_domains=["acme.example"])
    assert not caplog.text


@pytest.mark.parametrize(("irt", "refs"), [("tl@c", ""), ("", "References: other@x tl@c\n")])
def test_bare_ids_without_angle_brackets_thread(tmp_path: Path, irt: str, refs: str) -> None:
    # QA: `In-Reply-To: tl@c` was not threaded, though bare Message-IDs are read.
    box = tmp_path / "box.mbox"
    head = f"In-Reply-To: {irt}\n" if irt else ""
    box.write_text(
        "From x@y Mon Mar 11 09:00:00 2024\nFrom: Ann <ann@c.example>\nSubject: Help\n"
        "Message-ID: <tl@c>\n\nCharged after cancelling.\n\n"
        f"From x@y Mon Mar 11 09:00:00 2024\nFrom: {AGENT}\nSubject: Re: Help\n"
        f"Message-ID: <rl@acme>\n{head}{refs}\nRefunded.\n\n"
    )
    [example], rejected = load([box], agent_domains=["acme.example"])
    assert not rejected and example.reply == "Refunded."


def test_an_address_the_mailbox_also_received_mail_from_is_not_taken_as_an_agent(
        tmp_path: Path) -> None:  # fmt: skip
    # A message labelled Sent is the mailbox's own whoever sent it; but an address it
    # also received mail from (labels without Sent) does not make all its mail agent mail.
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "s1@c", "labels": "Sent,Billing", "body": "Sent to myself."},
        {"id": "q1@c", "labels": "Inbox,Billing", "body": "Refund please."},
        {"id": "q2@c", "body": "No labels at all."},
    ])  # fmt: skip
    examples, rejected = load([box])
    assert [e.source.record_id for e in examples] == ["q1@c", "q2@c"]
    assert [(r.reason, r.source.record_id) for r in rejected] == [("agent-message", "s1@c")]


def test_ids_differing_only_in_the_case_of_their_domain_thread(tmp_path: Path) -> None:
    # RFC 5322: a msg-id's domain part is a domain, so its case does not matter; the ids
    # written stay as the messages spell them.
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "q1@Example.COM", "label": "billing", "body": "Charged twice."},
        {"id": "r1@acme", "parent": "q1@example.com", "sender": AGENT, "body": "Refunded."},
        {"id": "q2@c.example", "label": "billing", "body": "Wrong size.",
         "sender": "Bo <bo@c.example>"},
        {"id": "r2@acme", "parent": "gone@nowhere", "refs": "<q2@C.Example>", "sender": AGENT,
         "body": "Exchange sent."},
    ])  # fmt: skip
    examples, rejected = load([box], agent_domains=["acme.example"])
    assert not rejected
    assert [(e.source.record_id, e.reply, e.fields["reply_message_id"]) for e in examples] == [
        ("q1@Example.COM", "Refunded.", "r1@acme"), ("q2@c.example", "Exchange sent.", "r2@acme")]


def test_ids_differing_in_the_case_of_their_local_part_do_not_thread(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "Q1@example.com", "label": "billing", "body": "Charged twice."},
        {"id": "r1@acme", "parent": "q1@EXAMPLE.com", "sender": AGENT, "body": "Refunded."},
    ])  # fmt: skip
    [example], [orphan] = load([box], agent_domains=["acme.example"])
    assert example.reply is None
    assert (orphan.reason, orphan.detail) == (
        "orphan-reply", "answers <q1@EXAMPLE.com>, which is not in the mail read")


def test_copies_of_an_id_may_differ_in_the_case_of_its_domain(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "q@c.EXAMPLE", "label": "billing", "body": "The same text."},
        {"id": "q@c.example", "label": "billing", "body": "The same text."},
    ])  # fmt: skip
    [example], [copy] = load([box])
    assert example.source.record_id == "q@c.EXAMPLE"
    assert copy.reason == "duplicate-message-id" and copy.source.record_id == "q@c.example"
    assert copy.detail.startswith("Message-ID <q@c.example> already read from")


def _dated(hour: int) -> str:
    return f"Mon, 11 Mar 2024 {hour:02d}:00:00 +0000"


def test_a_customer_writing_twice_before_the_answer_is_one_example(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "c2@c", "parent": "c1@c", "label": "Login", "date": _dated(9),
         "body": "Also: error E42.\n\nOn Mon, Ann <ann@c.example> wrote:\n> I cannot log in."},
        {"id": "c1@c", "label": "Login", "date": _dated(8), "body": "I cannot log in."},
        {"id": "c3@c", "parent": "c2@c", "label": "Login", "date": _dated(10),
         "body": "And on the phone too."},
        {"id": "r@acme", "parent": "c3@c", "sender": AGENT, "date": _dated(11),
         "body": "Fixed, try again."},
    ])  # fmt: skip
    for options in ({}, {"agent_domains": ["acme.example"]}):
        examples, rejected = load([box], **options)
        [example] = examples
        assert not rejected
        assert example.text == "I cannot log in.\n\nAlso: error E42.\n\nAnd on the phone too."
        assert example.reply == "Fixed, try again."
        assert [r.record_id for r in example.merged] == ["c1@c", "c2@c", "r@acme"]
        assert example.fields["joined_message_ids"] == ["c1@c", "c2@c"]
        assert message_count(examples, rejected) == 4


def test_only_the_same_sender_unanswered_is_joined(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        # Answered before the follow-up: two examples.
        {"id": "a1@c", "label": "Login", "date": _dated(8), "body": "Cannot log in."},
        {"id": "ra@acme", "parent": "a1@c", "sender": AGENT, "date": _dated(9),
         "body": "Reset your password."},
        {"id": "a2@c", "parent": "a1@c", "label": "Login", "date": _dated(10),
         "body": "Still broken."},
        # Another customer's message in the thread: not joined.
        {"id": "b1@c", "label": "Login", "date": _dated(8), "body": "Me neither."},
        {"id": "b2@c", "parent": "b1@c", "sender": "Bob <bob@d.example>", "label": "Login",
         "date": _dated(9), "body": "Same here."},
    ])  # fmt: skip
    examples, _ = load([box], agent_domains=["acme.example"])
    assert sorted(e.text for e in examples) == [
        "Cannot log in.", "Me neither.", "Same here.", "Still broken."]
    assert not any("joined_message_ids" in e.fields for e in examples)


def test_a_rejected_follow_up_rejects_the_message_joined_to_it(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "c1@c", "label": "Login", "date": _dated(8), "body": "I cannot log in."},
        {"id": "c2@c", "parent": "c1@c", "labels": "Login,Billing", "date": _dated(9),
         "body": "Also E42."},
        {"id": "r@acme", "parent": "c2@c", "sender": AGENT, "date": _dated(10), "body": "Ok."},
    ])  # fmt: skip
    examples, rejected = load([box], agent_domains=["acme.example"])
    assert not examples
    assert [(r.reason, r.source.record_id) for r in rejected] == [
        ("several-labels", "c2@c"), ("parent-rejected", "r@acme"), ("parent-rejected", "c1@c")]
    assert "follow-up" in rejected[2].detail


def test_different_messages_sharing_a_message_id_are_both_kept(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "a.mbox", [
        {"id": "form@web", "body": "Web form: my order 1 is late."},
        {"id": "form@web", "label": "billing", "body": "Web form: refund order 2."},
        {"id": "form@web", "label": "returns", "body": "Web form: refund order 2."},  # a copy
        {"id": "form@web", "body": "Web form: my order 1 is late.",
         "date": "Tue, 12 Mar 2024 09:00:00 +0000"},  # another Date: not a copy
        {"id": "r@acme", "parent": "form@web", "sender": AGENT, "body": "Refunded.",
         "date": "Mon, 11 Mar 2024 10:00:00 +0000"},
    ])  # fmt: skip
    examples, rejected = load([box], agent_domains=["acme.example"])
    # The reply answers the copy kept (the first labelled), never the other messages.
    assert [(e.text, e.label, e.reply) for e in examples] == [
        ("Web form: my order 1 is late.", None, None),
        ("Web form: refund order 2.", "billing", "Refunded."),
        ("Web form: my order 1 is late.", None, None),
    ]
    assert [(r.reason, r.source.row) for r in rejected] == [("duplicate-message-id", 3)]
    assert message_count(examples, rejected) == 5

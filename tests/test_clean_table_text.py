"""HTML, quoted mail and signatures in table texts: the `html` and `strip-quotes` steps."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

# The cleaner imports its html and quotes modules on first use: import them
# here, so that hypothesis does not time that import as one of its examples.
import ftprep.clean.html
import ftprep.clean.quotes  # noqa: F401
from ftprep.clean.text import CleanOptions, TextCleaner
from ftprep.convert import ConvertSettings, convert

QUOTE_HEADER = "On Mon, Jan 1, 2024 at 10:00 AM Support <support@acme.com> wrote:"


def steps(cleaner: TextCleaner) -> set[str]:
    return {k for k, v in cleaner.summary().items() if v and k != "texts"}


def assert_unchanged(text: str) -> None:
    """Both paths (per text and batch) leave `text` as it is, and count no step."""
    cleaner = TextCleaner()
    assert cleaner.clean(text) == text
    assert cleaner.clean_many([text]) == [text]
    assert steps(cleaner) == set()


# --- HTML --------------------------------------------------------------------------------

HTML = [
    # Freshdesk description_html: blocks, <br>, &nbsp;
    ("<div>Hi team,<br><br>Please refund order 5512.&nbsp;Thanks!<br></div>",
     "Hi team,\n\nPlease refund order 5512. Thanks!"),
    ('<div dir="ltr">Can&#39;t log in &amp; reset fails</div>', "Can't log in & reset fails"),
    # Intercom body: paragraphs
    ("<p>Hi, I was charged twice for my plan&nbsp;this month.</p><p>Thanks</p>",
     "Hi, I was charged twice for my plan this month.\n\nThanks"),
    # a subject joined to an HTML body keeps its blank line
    ("Refund please\n\n<div>Hi team,<br>refund me</div>", "Refund please\n\nHi team,\nrefund me"),
    # inline tags only: the text's own newlines are its layout
    ("Hello,\n\nI was charged <b>twice</b>.\nThanks", "Hello,\n\nI was charged twice.\nThanks"),
    ("Line one<br/>Line two", "Line one\nLine two"),
    ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
    ("<P>Old Outlook</P><P>markup</P>", "Old Outlook\n\nmarkup"),
    ("<p>hi</p><script>alert(1)</script><style>p{}</style>", "hi"),
    # entities without tags: decoded, layout kept
    ("Q&amp;A session\n\nit&#39;s &quot;broken&quot;", 'Q&A session\n\nit\'s "broken"'),
    # in markup, a "<" that opens no tag of real HTML is text: placeholders, addresses,
    # comparisons survive
    ("Hi <NAME>,<br>my card <CARD_NUMBER> was charged twice",
     "Hi <NAME>,\nmy card <CARD_NUMBER> was charged twice"),
    ("Hello,<br>please contact John <john@example.com>", "Hello,\nplease contact John <john@example.com>"),
    ("Line 1<br>if x<y then the total is wrong", "Line 1\nif x<y then the total is wrong"),
    ("<p>if a<b then</p><p>ok</p>", "if a<b then\n\nok"),
    # an image with a description keeps it; a lone image needs no other tag to be HTML
    ('<p>It shows this:</p><p><img src="x.png" alt="Order screenshot"></p>',
     "It shows this:\n\n[image: Order screenshot]"),
    ('Wrong total <img src="cid:1" alt="Invoice 5512">', "Wrong total [image: Invoice 5512]"),
]


@pytest.mark.parametrize(("raw", "expected"), HTML)
def test_html_becomes_plain_text(raw: str, expected: str) -> None:
    cleaner = TextCleaner()
    assert cleaner.clean(raw) == expected
    assert steps(cleaner) >= {"html"}


NOT_HTML = [
    "a < b and c > d",
    "I <3 this app",
    "Contact <EMAIL> or <PHONE>",
    "From <ADDRESS> to <ADDRESS>",  # an anonymiser's placeholders, upper case
    "Vec<u8> and Map<a, b> do not compile",
    "if x <b and c> d",  # one tag-like thing is not markup
    "my <div> does not render",
    "mail me at <jane@example.com> or <https://acme.example/help>",
    "AT&T and R&D and Q&A",
    "&notice; is not an entity, nor &foo;",
    "[EMAIL] and [PHONE] placeholders",
]


@pytest.mark.parametrize("text", NOT_HTML)
def test_text_with_a_lone_angle_bracket_or_ampersand_is_left_alone(text: str) -> None:
    assert_unchanged(text)


def test_html_step_can_be_switched_off() -> None:
    raw = "<p>a</p><p>b</p>"
    assert TextCleaner(CleanOptions.model_validate({"html": False})).clean(raw) == raw


# --- quotes and signatures ---------------------------------------------------------------

SAFE = [
    # top-posted: the quote under the answer goes
    (f"App crashes on start.\n\n{QUOTE_HEADER}\n> Have you tried restarting?\n> Thanks",
     "App crashes on start."),
    # bottom-posted: the answer under the quote stays
    (f"Crash\n\n{QUOTE_HEADER}\n> Have you tried restarting?\n\nYes, it still crashes.",
     "Crash\n\nYes, it still crashes."),
    # a header wrapped over two lines
    ("Still broken.\n\nOn Mon, Jan 1, 2024 at 10:00 AM Support\n<support@acme.com> wrote:\n> Hi",
     "Still broken."),
    ("Please help.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nHi",
     "Please help."),
]


@pytest.mark.parametrize(("raw", "expected"), SAFE)
def test_unambiguous_quotes_are_cut(raw: str, expected: str) -> None:
    cleaner = TextCleaner()
    assert cleaner.clean(raw) == expected
    assert cleaner.clean_many([raw]) == [expected]
    assert "quotes" in steps(cleaner)


KEPT = [
    # a log excerpt: ">" lines, but no attribution with a date above them
    "The server says:\n> 500 Internal Server Error\n> at 10:02:11\n\nPlease fix.",
    # "wrote:" in the ticket itself, without a quote under it
    "On 3 May my colleague wrote: the invoice total is wrong.",
    "My boss wrote:\n> fix the printer",  # no date: could be anything
    # "--" dividing the steps of a bug report
    "Steps:\n--\n1. Open the app\n2. Tap Save",
    "Crash after update\n--\n- open app\n- crash",
    # "--" far from the end
    "Hi\n--\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6",
    # nothing but a quote: still what the customer sent
    f"{QUOTE_HEADER}\n> Have you tried restarting?",
    "-----Original Message-----\nFrom: Support\nHello",
    # sign-offs, mobile footers and signatures stay in safe mode: "--" also divides steps,
    # order details or an address from the rest of a ticket
    "Please refund.\n\nThanks,\nJane\n\nSent from my iPhone",
    "I'd like to return the shoes.\n\n--\nJohn Smith\nSent from my iPhone",
    "Problem description\n--\nStep 1: login\nStep 2: pay\nStep 3: crash",
    "Please ship the replacement to\n--\nJohn Smith\nMain St 5\n12345 Berlin",
    # the customer quoting their own earlier message: no "On <date> ..." attribution
    "In my email of 2 May I wrote:\n> please cancel my subscription 4471\nthen you charged me.",
    "Your T&C (version of 1.1.2024) said:\n> refunds within 14 days\nso please refund me.",
]


@pytest.mark.parametrize("text", KEPT)
def test_safe_mode_keeps_what_might_be_the_ticket(text: str) -> None:
    assert_unchanged(text)


def test_mail_mode_cuts_what_the_mail_loader_cuts() -> None:
    cleaner = TextCleaner(CleanOptions.model_validate({"strip-quotes": "mail"}))
    assert cleaner.clean("Please refund.\n\nThanks,\nJane\n\nSent from my iPhone") == "Please refund."
    assert cleaner.clean("Hi\n\nJohn <john@x.example> wrote:\n> old text") == "Hi"


@pytest.mark.parametrize(("value", "mode"), [(False, "off"), (True, "safe"), ("mail", "mail")])
def test_strip_quotes_switch(value: object, mode: str) -> None:
    options = CleanOptions.model_validate({"strip-quotes": value})
    assert options.strip_quotes == mode
    text = f"Hi\n\n{QUOTE_HEADER}\n> q"
    assert (TextCleaner(options).clean(text) == text) == (mode == "off")


def test_strip_quotes_rejects_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="strip"):
        CleanOptions.model_validate({"strip-quotes": "all"})


# --- the batch path agrees with the per-text path ----------------------------------------

PIECES = [QUOTE_HEADER, "> quoted", "--", "-- ", "John", "- item", "<p>", "</p>", "<br>",
          "&amp;", "a < b", "x", "Hello there", "-----Original Message-----", " ", "\t", "é"]


@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("\n".join), max_size=10))
def test_clean_many_matches_clean_on_markup_and_quotes(texts: list[str]) -> None:
    batch, single = TextCleaner(), TextCleaner()
    assert batch.clean_many(texts) == [single.clean(t) for t in texts]
    assert batch.summary() == single.summary()
    for text in batch.clean_many(texts):
        assert single.clean(text) == text  # idempotent


# --- convert -----------------------------------------------------------------------------


def test_convert_cleans_table_cells_and_counts_it(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    rows = [["Subject", "Description", "Type", "Reply"],
            ["Refund", "<p>Charged&nbsp;twice</p><p>Thanks</p>", "billing",
             "<div>Hi,<br>refunded.</div>"],
            ["Crash", f"It crashes.\n\n{QUOTE_HEADER}\n> Restart it?", "technical",
             f"Update the app.\n-- \nAcme Support\n\n{QUOTE_HEADER}\n> It crashes."],
            ["Login", "Cannot log in.\n\nOn 2 May 2024, Support <s@acme.example> wrote:\n> Hi",
             "technical", "Reset it."]]
    with src.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    out = tmp_path / "o.jsonl"
    summary = convert([src], out, ConvertSettings.model_validate({"assistant": "label+reply"}))
    written = [json.loads(line)["messages"] for line in out.read_text().splitlines()]
    assert written[0][0]["content"] == "Refund\n\nCharged twice\n\nThanks"
    assert written[0][1]["content"].endswith("Hi,\nrefunded.")
    assert written[1][0]["content"] == "Crash\n\nIt crashes."
    # a reply loses the quote under it but keeps its sign-off: that is house style
    assert written[1][1]["content"].endswith("Update the app.\n--\nAcme Support")
    assert written[2][0]["content"] == "Login\n\nCannot log in."
    assert summary.cleaning["html"] == 2 and summary.cleaning["quotes"] == 3


def test_convert_leaves_mail_bodies_to_the_mail_loader(tmp_path: Path) -> None:
    # A plain-text message whose body shows markup is plain text: the mail loader decides.
    mbox = tmp_path / "m.mbox"
    mbox.write_bytes(b"From a@b Mon Jan  1 00:00:00 2024\nFrom: c@d.example\nSubject: x\n"
                     b"Message-ID: <1@x>\nX-Gmail-Labels: billing\n\n"
                     b"Why does <p>one</p><p>two</p> show up?\n")
    out = tmp_path / "o.jsonl"
    summary = convert([mbox], out, ConvertSettings())
    [line] = [json.loads(x) for x in out.read_text().splitlines()]
    assert line["messages"][0]["content"] == "Why does <p>one</p><p>two</p> show up?"
    assert "html" not in summary.cleaning


# --- whitespace keeps code and YAML ------------------------------------------------------

def test_convert_keeps_indentation_in_tickets_replies_and_pre(tmp_path: Path) -> None:
    """Code in a ticket, YAML in a reply and an HTML <pre> block keep their indentation and
    inner runs of spaces; trailing spaces and extra blank lines still go."""
    src = tmp_path / "t.csv"
    rows = [
        {"id": "1", "text": "My script fails:\nfor i in range(3):\n    print(i)  \nprint('done')",
         "label": "technical",
         "reply": "Use this config:\nserver:\n  port: 8080\n\n\n\n  debug: true"},
        {"id": "2", "text": "<p>Config:</p><pre>server:\n  port: 8080\n  x  =  1</pre>",
         "label": "technical", "reply": "Name    Qty\nA       1"},
    ]
    with src.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "o.jsonl"
    convert([src], out, ConvertSettings.model_validate({"assistant": "reply"}))
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    user = [r["messages"][0]["content"] for r in written]
    reply = [r["messages"][1]["content"] for r in written]
    assert user[0] == "My script fails:\nfor i in range(3):\n    print(i)\nprint('done')"
    assert reply[0] == "Use this config:\nserver:\n  port: 8080\n\n  debug: true"
    assert user[1] == "Config:\n\nserver:\n  port: 8080\n  x  =  1"
    assert reply[1] == "Name    Qty\nA       1"


def test_pre_blocks_keep_their_tabs_through_the_cleaner() -> None:
    """A stack trace or a tab-separated log pasted in <pre> keeps its tabs; the rest of the
    whitespace step still applies (spaces at line ends go)."""
    raw = "<p>It fails:</p><pre>Traceback:\n\tat Foo.bar()  \n\t\tat Baz()\nid\tqty</pre>"
    expected = "It fails:\n\nTraceback:\n\tat Foo.bar()\n\t\tat Baz()\nid\tqty"
    assert TextCleaner().clean(raw) == expected
    assert TextCleaner().clean_many([raw]) == [expected]


def test_an_indented_quote_is_still_found() -> None:
    text = f"Thanks!\n\n  {QUOTE_HEADER}\n  > How can we help?\n  > Best"
    cleaner = TextCleaner()
    assert cleaner.clean(text) == "Thanks!"
    assert TextCleaner().clean_many([text]) == ["Thanks!"]

"""Body extraction: part choice, charset recovery, HTML to text, attachments."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import pytest
from email_helpers import FIXTURES, load

from ftprep.clean.html import html_to_text
from ftprep.loaders.email.body import decode_text, extract, extract_simple, parse
from ftprep.loaders.email.headers import decode_value, scan

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("payload", "declared", "text", "note"),
    [
        ("Grüße".encode(), "utf-8", "Grüße", None),
        ("Grüße".encode("latin-1"), "iso-8859-1", "Grüße", None),
        ("€49.99 – café".encode("cp1252"), "utf-8", "€49.99 – café", "read as cp1252"),
        ("café".encode(), "us-ascii", "café", "read as utf-8"),
        ("café".encode(), "x-unknown", "café", "read as utf-8"),
        (b"plain ascii", None, "plain ascii", None),
        (b"plain ascii", "x-unknown", "plain ascii", None),
        ("すみません".encode("shift_jis"), "shift_jis", "すみません", None),
        ("스티해".encode("euc-kr"), "ks_c_5601-1987", "스티해", None),
    ],
)
def test_decode_text(payload: bytes, declared: str | None, text: str, note: str | None) -> None:
    got, got_note = decode_text(payload, declared)
    assert got == text
    if note is None:
        assert got_note is None
    else:
        assert got_note is not None and note in got_note


def test_decode_text_never_raises_on_garbage() -> None:
    text, note = decode_text(bytes(range(256)) * 3, "utf-8")
    assert isinstance(text, str) and note


def test_cp1252_body_declared_as_utf8() -> None:
    [example], _ = load([FIXTURES / "cp1252_as_utf8.eml"])
    assert "J’ai été débité de 49,99 € deux fois" in example.text
    assert "cp1252" in example.fields["charset_recovered"]
    assert example.fields["subject"] == "Débit en double"


@pytest.mark.corpus
def test_unknown_charset_from_corpus(emails_corpus: Path) -> None:
    # get_content() raises LookupError: unknown encoding: X-UNKNOWN on this file.
    path = emails_corpus / "mikel-mail/spec/fixtures/emails/plain_emails/raw_email10.eml"
    [example], rejected = load([path])
    assert not rejected
    assert example.text.startswith("Test test. Hi. Waving. m")
    assert "x-unknown" in example.fields["charset_recovered"]


def test_html_only_message() -> None:
    [example], _ = load([FIXTURES / "html_only.eml"])
    assert example.fields["body_type"] == "html"
    assert example.text == (
        "Hello,\n\nThe sync is stuck at 99% since yesterday.\n\n- restarted\n- signed out\n\nGrace"
    )


def test_attachments_are_counted_not_read() -> None:
    [example], _ = load([FIXTURES / "attachments.eml"])
    # PDF, inline PNG, attached .txt and a forwarded message/rfc822.
    assert example.fields["attachments"] == 4
    assert example.text == "The attached invoice shows the wrong amount; screenshot attached too."
    assert "Q-77" not in example.text


def test_prefer_html() -> None:
    [example], _ = load([FIXTURES / "attachments.eml"], prefer="html")
    assert example.fields["body_type"] == "html"
    assert example.text == "The attached invoice shows the wrong amount; screenshot attached too."


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<div>Line</div><div>Next</div>", "Line\nNext"),
        ("<div>Line</div><div><br></div><div>After blank</div>", "Line\n\nAfter blank"),
        ("a<br>b<br><br>c", "a\nb\n\nc"),
        ("<ul><li>one</li><li>two <b>bold</b></li></ul>", "- one\n- two bold"),
        ("<pre>code\n  indented</pre>after", "code\n  indented\n\nafter"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<style>p{}</style><script>x()</script><p>kept &amp; &lt;ok&gt;</p>", "kept & <ok>"),
        ("Hello\n   world,\tspaces", "Hello world, spaces"),
        ("<p>x&nbsp;y</p>", "x y"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p>See <img src="cid:a" alt="Order screenshot"> above</p>',
         "See [image: Order screenshot] above"),
        ('<div>Error:</div><div><img alt=" Error\n dialog "></div>', "Error:\n[image: Error dialog]"),
        ('<p><img alt="Before"><img alt="After">.</p>', "[image: Before] [image: After]."),
        # Spaced from words and elements next to it, not from punctuation.
        ('<p>See<img alt="the dialog">, then<img alt="b">it</p>',
         "See [image: the dialog], then [image: b] it"),
        ('<p><img alt="logo"><b>Acme</b></p>', "[image: logo] Acme"),
        ('<p>No alt <img src="x.png"> here</p>', "No alt here"),
        ('<p>Empty <img src="x.png" alt=""> alt</p>', "Empty alt"),
        ('<p>Blank <img src="x.png" alt="  "> alt</p>', "Blank alt"),
        # Tracking pixels and hidden images say nothing, alt or not.
        ('<p>Hi<img src="t.gif" width="1" height="1" alt="pixel"></p>', "Hi"),
        ('<p>Hi<img src="t.gif" width="0" alt="pixel"></p>', "Hi"),
        ('<p>Hi<img src="t.gif" style="width:1px;height:1px" alt="pixel"></p>', "Hi"),
        ('<p>Hi<img src="t.gif" style="display: none" alt="pixel"></p>', "Hi"),
        # An alt that is only the file's name or a cid: reference describes nothing.
        ('<p>Hi <img src="cid:image001.png@01DA" alt="image001.png"></p>', "Hi"),
        ('<p>Hi <img src="cid:image001.png@01DA" alt="cid:image001.png@01DA"></p>', "Hi"),
    ],
)
def test_html_image_alt_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # Tabs and indentation in <pre> are kept exactly, the first line's too.
        ("<pre>\tat Foo.bar()\n\t\tat Baz()</pre>", "\tat Foo.bar()\n\t\tat Baz()"),
        ("<p>Log:</p><pre>name\tqty\n  a\t\t1</pre>", "Log:\n\nname\tqty\n  a\t\t1"),
        ("<pre>    def f():\n        return 1</pre>", "    def f():\n        return 1"),
        ("<div>x</div><pre>\n\tfirst\n\n\tthird</pre>", "x\n\n\tfirst\n\n\tthird"),
        # Outside <pre>, whitespace is still collapsed.
        ("<p>a\t\tb\n  c</p><pre>x\ty</pre><p>d\t e</p>", "a b c\n\nx\ty\n\nd e"),
    ],
)
def test_html_pre_keeps_tabs_and_indentation(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_html_quotes_dropped_on_request() -> None:
    html = (
        '<div>Thanks!</div><div class="gmail_quote">On Mon, Ann wrote:'
        "<blockquote><div>old</div><blockquote>older</blockquote></blockquote></div>"
    )
    assert html_to_text(html, drop_quotes=True) == "Thanks!"
    assert "older" in html_to_text(html)


def _simple(raw: bytes) -> str | None:
    body = extract_simple(raw, scan(raw))
    return None if body is None else body.text


def test_fast_path_matches_the_parser() -> None:
    cases = [
        b"Subject: x\nContent-Type: text/plain; charset=utf-8\n\nplain \xc3\xa9\n",
        b"Subject: x\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 soft=\nbreak\n",
        b'Subject: x\nContent-Type: text/plain; charset="iso-8859-1"\n'
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes("Grüße".encode("latin-1")),
    ]
    for raw in cases:
        assert _simple(raw) == extract(parse(raw)).text


def test_fast_path_declines_what_it_does_not_handle() -> None:
    assert _simple(b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n") is None
    assert _simple(b"Content-Type: text/html\n\n<p>x</p>\n") is None
    assert _simple(b"Content-Disposition: attachment\n\nfile\n") is None
    assert _simple(b"Content-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n") is None


def test_parsed_headers_share_one_class_per_kind() -> None:
    # policy.default makes a new class per header parsed; the loader's policy makes one
    # per kind, so parsing leaves no classes for the garbage collector.
    def message(k: int) -> bytes:
        return (f"From: A{k} <a{k}@b.example>\nTo: c{k}@d.example\nSubject: Case {k}\n"
                f"Content-Type: text/plain; charset=utf-{k % 2 + 7}\n\nBody {k}\n").encode()

    first, second = parse(message(0)), parse(message(1))
    for name in ("from", "to", "subject", "content-type"):
        assert type(first[name]) is type(second[name])
    assert str(second["from"]) == "A1 <a1@b.example>"
    assert second.get_content_charset() == "utf-8"


def test_outlook_web_reply_drops_header_block_and_everything_after() -> None:
    html = (
        '<div>The part still has not arrived.</div><div><br></div>\n'
        '<hr style="display:inline-block;width:98%">\n'
        '<div id="divRplyFwdMsg"><b>From:</b> Support &lt;s@acme.example&gt;<br>'
        "<b>Sent:</b> Monday<br><b>Subject:</b> RE: part</div>"
        "<div><div>Hi Jane, we shipped it today.</div></div>"
    )
    assert html_to_text(html, drop_quotes=True) == "The part still has not arrived."
    # Nested: the header block sits in a wrapper, the quoted body after the wrapper.
    nested = f"<div><p>New text.</p><div>{html}</div></div><p>Quoted tail.</p>"
    assert html_to_text(nested, drop_quotes=True) == "New text.\n\nThe part still has not arrived."
    assert "shipped" in html_to_text(html)  # kept when quotes are kept


_PROSE = b"Hello, my order 5521 has not arrived yet. Could you please check where it is?\n"
_NOT_B64 = b"Subject: x\nContent-Transfer-Encoding: base64\n\n" + _PROSE


def test_plain_text_declared_base64_is_read_as_it_is() -> None:
    multipart = (b"Subject: x\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
                 b"Content-Transfer-Encoding: base64\n\n" + _PROSE + b"--B--\n")  # fmt: skip
    assert _simple(_NOT_B64) == _PROSE.decode()
    for raw in (_NOT_B64, multipart):
        body = extract(parse(raw))
        assert body.text.strip() == _PROSE.decode().strip()
        assert body.charset_note == "declared base64 but is plain text; read as it is"


def test_real_base64_of_binary_looking_text_is_still_decoded() -> None:
    # UTF-16 text decodes to NUL-rich bytes, but its raw base64 has no spaces: decode it.
    encoded = base64.encodebytes("Grüße".encode("utf-16"))
    raw = (b'Subject: x\nContent-Type: text/plain; charset="utf-16"\n'
           b"Content-Transfer-Encoding: base64\n\n" + encoded)  # fmt: skip
    assert extract(parse(raw)).text == "Grüße"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # One word in an unknown charset no longer leaves the valid one raw.
        (b"=?x-unknown?Q?Caf=E9_bill?= =?utf-8?B?w6kgcmVmdW5k?=", "Café billé refund"),
        (b"Re: =?ISO-8859-1?Q?Gr=FC=DFe?= an alle", "Re: Grüße an alle"),
        (b"=?utf-8?q?a?=  \t=?utf-8?q?b?= c", "ab c"),  # blanks between words are not text
        (b"=?utf-8*en?Q?hi?=", "hi"),  # RFC 2231 language tag
        (b"=?utf-8?b?abc?= =?utf-8?Q?ok?=", "=?utf-8?b?abc?=ok"),  # bad padding: kept, alone
        (b"plain =? text", "plain =? text"),
        ("Grüße".encode("cp1252"), "Grüße"),  # raw 8-bit, not UTF-8
        # One UTF-8 character split over two words (RFC 2047 6.2: join, then decode).
        (b"=?utf-8?q?R=C3?= =?utf-8?q?=BCckgabe?=", "Rückgabe"),
        (b"=?UTF-8?B?UsM=?=\n =?UTF-8?B?vGNrZ2FiZQ==?=", "Rückgabe"),
        (b"=?utf-8?Q?R=C3?= =?UTF-8?B?vGNrZ2FiZQ==?= x", "Rückgabe x"),  # Q then B, one charset
        (b"=?iso-8859-1?q?M=FC?= =?utf-8?q?=C3=BC?=", "Müü"),  # charsets differ: each its own
    ],
)
def test_header_words_decoded_one_by_one(raw: bytes, expected: str) -> None:
    assert decode_value(raw) == expected


_RUSSIAN = "Привет, мой заказ не пришёл. Помогите пожалуйста, уже неделя прошла."


@pytest.mark.parametrize(("codec", "declared"), [("koi8-r", "x-unknown-foo"), ("koi8-r", None),
                                                 ("cp1251", None)])  # fmt: skip
def test_short_cyrillic_is_not_read_as_cjk(codec: str, declared: str | None) -> None:
    text, note = decode_text(_RUSSIAN.encode(codec), declared)
    assert text == _RUSSIAN
    assert note is not None and note.endswith(codec.replace("-", "_"))


def test_short_japanese_guess_is_kept() -> None:
    text, _ = decode_text("すみません、注文が届きません".encode("shift_jis"), None)
    assert text == "すみません、注文が届きません"


def _alternative(plain: str, html: str) -> bytes:
    return (b'Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b"\n\n'
            b"--b\nContent-Type: text/plain; charset=utf-8\n\n" + plain.encode()
            + b"\n--b\nContent-Type: text/html; charset=utf-8\n\n" + html.encode()
            + b"\n--b--\n")  # fmt: skip


@pytest.mark.parametrize(
    ("plain", "html", "kind"),
    [
        # QA: the stub was written as the ticket, the content being only in the HTML.
        ("This message is in HTML format. Please use an HTML capable mail reader.",
         "<p>My parcel is damaged.</p>", "html"),
        ("Your email client does not support HTML. View this email in your browser.",
         "<p>Refund please.</p>", "html"),
        # Far shorter than the HTML's text: a truncated plain part.
        ("Hi,", "<p>Hi,</p><p>" + "The kettle I bought last week leaks from the base. " * 4
         + "</p>", "html"),
        # Parts that say much the same: the plain one, as preferred.
        ("My parcel is damaged.", "<div dir='ltr'><p>My parcel is damaged.</p></div>", "plain"),
        ("Plain part says A.", "<p>HTML part says B.</p>", "plain"),
        # Quoted history only in the HTML does not make the plain part short.
        ("Thanks, fixed.", "<p>Thanks, fixed.</p><blockquote>" + "old text " * 60
         + "</blockquote>", "plain"),
    ],
)
def test_plain_stub_gives_way_to_the_html(plain: str, html: str, kind: str) -> None:
    body = extract(parse(_alternative(plain, html)))
    assert body.kind == kind
    assert (body.text == plain) == (kind == "plain")


@pytest.mark.parametrize(("html", "text"), [
    ('<p>See <a href="https://acme.example/kb/42">this article</a> please</p>',
     "See this article (https://acme.example/kb/42) please"),
    ('<p>Go to <a href="https://acme.example">https://acme.example</a>.</p>',
     "Go to https://acme.example."),  # the text is the address already
    ('<p><a href="#top">top</a> and <a href="mailto:help@acme.example">mail us</a></p>',
     "top and mail us"),  # no web address to keep
])
def test_links_keep_their_web_address(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize("closing", ["--mimepart_1a-", "--mimepart_1a---", "--mimepart_1a-\r"])
def test_a_malformed_closing_boundary_is_not_text(tmp_path: Path, closing: str) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(
        b"From: Ann <ann@c.example>\nSubject: Help\nMessage-ID: <m@c>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="mimepart_1a"\n\n'
        b"--mimepart_1a\nContent-Type: text/plain; charset=utf-8\n\n"
        b"My parcel is late.\nRef --mimepart_1a- on the label.\n"
        + closing.encode() + b"\n")
    [example], _ = load([path])
    assert example.text == "My parcel is late.\nRef --mimepart_1a- on the label."

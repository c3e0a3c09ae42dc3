"""HTML bodies to plain text with selectolax: scripts dropped, block elements on own lines,
images as their alt text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode as Node

# Breaks we insert are marked with private characters, so that the whitespace of the HTML
# source (insignificant) can be collapsed first: P around paragraphs, L around other
# blocks (a Gmail line is a <div>), B for <br>; <pre>'s own spaces and tabs are marked too.
_P, _L, _B, _SPACE, _TAB = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"
_DROP = "script, style, head, title, noscript, template, object, svg"
_PARAGRAPHS = "p, h1, h2, h3, h4, h5, h6, blockquote, table, ul, ol, dl, hr"
_LINES = (
    "div, tr, dt, dd, section, article, header, footer, address, center, form, "
    "fieldset, figure, main, nav"
)
# Quoted history as mail clients mark it up: Gmail, Apple Mail/Thunderbird (type=cite),
# Yahoo, Outlook on the web, Thunderbird's attribution line.
_QUOTES = (
    "blockquote, .gmail_quote, .gmail_extra, .yahoo_quoted, "
    "#appendonsend ~ *, .moz-cite-prefix, div[name=quote], .OutlookMessageHeader"
)
# Outlook on the web's header block (From/Sent/To/Subject) of the quoted message: the
# quoted body follows it as siblings, not inside it, so the cut runs to the end.
_HISTORY_START = "#divRplyFwdMsg"
_TOP = frozenset({"body", "html", "-document"})
_SPACES = re.compile(r"[ \t\r\n\f\v\u200b]+")
# An image is its alt text, which says what a screenshot shows; a tracking pixel, a
# hidden image, or an alt that only names the file (Outlook's "image001.png", a cid:
# reference) says nothing.
_TINY = re.compile(r"[01](?:\.0*)?(?:\s*px)?")  # fullmatch on the stripped value: no backtracking
_TINY_STYLE = re.compile(r"(?:^|;)\s*(?:(?:width|height)\s*:\s*[01](?:px)?\s*(?:;|$)|display\s*:\s*none)",
                         re.IGNORECASE)
_FILE_NAME = re.compile(r"^(?:cid:\S*|[\w.-]+\.(?:png|jpe?g|gif|bmp|webp|svg|tiff?))$", re.IGNORECASE)
_BREAKS = re.compile(f" *[{_P}{_L}{_B}][ {_P}{_L}{_B}]*")


def _break(match: re.Match[str]) -> str:
    run = match.group()
    # A paragraph, a <br> alone in its own block (Gmail's blank line) or two <br>s.
    blank = _P in run or run.count(_B) >= 2 or (_B in run and _L in run)
    return "\n\n" if blank else "\n"


def html_to_text(html: str, *, drop_quotes: bool = False) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    # Innermost first: a node inside an already removed one must not be touched.
    for node in reversed(tree.css(_DROP)):
        node.decompose()
    if drop_quotes:
        start = tree.css_first(_HISTORY_START)
        if start is not None:
            _drop_rest(start)
        for node in reversed(tree.css(_QUOTES)):
            node.decompose()
    for node in reversed(tree.css("pre")):
        # Preformatted text keeps its line breaks, indentation and tabs (code, logs).
        text = node.text(deep=True).replace(" ", _SPACE).replace("\t", _TAB).replace("\n", _B)
        node.replace_with(_P + text + _P)
    for node in tree.css("a[href]"):
        # The target of a link is part of what a reply says ("see this article"): keep
        # it after the link's text, unless that text is the address already.
        href = (node.attributes.get("href") or "").strip()
        if href.startswith(("http://", "https://")) and href not in node.text(deep=True):
            node.insert_after(f" ({href})")
    for node in tree.css("img"):
        alt = _alt(node)
        if alt:
            # Spaced from the words around it (not from punctuation after it); the
            # collapse below leaves one space.
            after = node.next
            punctuation = after is not None and after.tag == "-text" and not (
                after.text() or "")[:1].isalnum()
            node.replace_with(f" [image: {alt}]" + ("" if punctuation else " "))
    for node in tree.css("br"):
        node.replace_with(_B)
    for node in tree.css("li"):
        node.insert_before(_L + "- ")
        node.insert_after(_L)
    for selector, mark in ((_PARAGRAPHS, _P), (_LINES, _L)):
        for node in tree.css(selector):
            node.insert_before(mark)
            node.insert_after(mark)
    for node in tree.css("td, th"):
        node.insert_after(" ")
    root = tree.body or tree.root
    raw = root.text(deep=True) if root is not None else ""
    text = _SPACES.sub(" ", raw.replace("\xa0", " "))
    return _BREAKS.sub(_break, text).strip().replace(_SPACE, " ").replace(_TAB, "\t")


def _alt(node: Node) -> str:
    """The alt text of an image worth keeping, whitespace collapsed; else ""."""
    attrs = node.attributes
    alt = " ".join((attrs.get("alt") or "").split())
    if not alt or _FILE_NAME.match(alt):
        return ""
    if any(_TINY.fullmatch((attrs.get(side) or "x").strip()) for side in ("width", "height")):
        return ""
    return "" if _TINY_STYLE.search(attrs.get("style") or "") else alt


def _drop_rest(node: Node) -> None:
    """Remove `node`, the <hr> Outlook puts just before it, and everything after it."""
    before = node.prev
    while before is not None and before.tag == "-text" and not (before.text() or "").strip():
        before = before.prev
    if before is not None and before.tag == "hr":
        before.decompose()
    current: Node | None = node
    while current is not None and current.tag not in _TOP:
        parent = current.parent
        while current.next is not None:
            current.next.decompose()
        if current is node:
            node.decompose()
        current = parent

"""HTML and quoted mail in table texts: helpdesk exports hold rich-text bodies (Freshdesk
and Zendesk `html_body`, Intercom `body`, HubSpot and Salesforce rich text) and the
e-mails customers answered with, quotes and signatures included. The conversions are
ftprep.clean.html and ftprep.clean.quotes, which the mail loader uses too; this module
decides when a text needs them, cheaply, and never on a text that merely holds a "<"
("a < b", "<3", "<EMAIL>").
"""

from __future__ import annotations

import re
from html.entities import html5
from itertools import islice
from typing import Literal

QuoteMode = Literal["safe", "mail", "off"]

# Element names of real HTML, lower case, and the upper-case ones old HTML (Outlook, Word)
# writes; a placeholder such as <EMAIL> or <NAME> is none of them, nor is "x <b and c>"
# one tag short of markup (see looks_like_html).
_NAMES = (
    "p|br|div|span|a|b|i|u|s|em|strong|small|big|sub|sup|font|center|ul|ol|li|dl|dt|dd|"
    "table|thead|tbody|tfoot|tr|td|th|caption|col|colgroup|h[1-6]|blockquote|pre|code|hr|img|"
    "html|head|body|meta|title|style|script|section|article|header|footer|nav|main|figure|"
    "figcaption|label|strike|del|ins|tt|o:p"
)
_UPPER = "P|BR|DIV|SPAN|FONT|TABLE|TBODY|TR|TD|TH|LI|UL|OL|HR|IMG|HTML|BODY|STRONG|BLOCKQUOTE"
_TAG = re.compile(rf"</?(?:{_NAMES}|{_UPPER})(?=[\s/>])[^<>]*>")
# One of these is HTML on its own: a line break, a rule, an image, a comment, a doctype.
_ALONE = re.compile(r"<(?:br|BR|hr|HR|img|IMG)(?=[\s/>])|<!--|<!DOCTYPE html", re.IGNORECASE)
# Markup that breaks lines; without any, the text's own newlines are its line breaks.
_BREAKING = re.compile(r"<(?:br|p|div|li|tr|h[1-6]|blockquote|pre|table|ul|ol|hr)(?=[\s/>])",
                       re.IGNORECASE)
_LT = re.compile("<")
_INDENTED_MARK = re.compile(r"\n[ \t]+[>-]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def looks_like_html(text: str) -> bool:
    """Two tags of real HTML, or one that is HTML on its own (<br>, <img ...>)."""
    if "<" not in text:
        return False
    if len(list(islice(_TAG.finditer(text), 2))) == 2:
        return True
    return _ALONE.search(text) is not None


def html_to_plain(text: str, *, drop_quotes: bool = False) -> str:
    """The text of an HTML-looking text, paragraphs and line breaks kept; a text with
    only entities (`&amp;`, `&#39;`, `&nbsp;`) has them decoded and its layout kept. Any
    other text comes back as it is."""
    if looks_like_html(text):
        from ftprep.clean.html import html_to_text

        # Plain paragraphs before and after the markup (a subject joined to an HTML body
        # with a blank line) stay paragraphs: HTML would fold their blank line away.
        blocks = text.split("\n\n")
        marked = [i for i, block in enumerate(blocks) if "<" in block and _markup(block)]
        first, last = (marked[0], marked[-1] + 1) if marked else (0, len(blocks))
        markup = "\n\n".join(blocks[first:last])
        if "\n" in markup and not _BREAKING.search(markup):
            markup = markup.replace("\n", "<br>")  # inline tags only: newlines are the layout
        parts = [*map(_entities, blocks[:first]),
                 html_to_text(_escape_stray_brackets(markup), drop_quotes=drop_quotes),
                 *map(_entities, blocks[last:])]
        return "\n\n".join(part for part in parts if part.strip())
    return _entities(text)


def _escape_stray_brackets(markup: str) -> str:
    """Every "<" that does not open a tag of real HTML (or a comment) as "&lt;": an HTML
    parser would drop "<NAME>", "<john@example.com>" or all after "if x<y" as markup."""
    def keep(match: re.Match[str]) -> str:
        at = match.start()
        return "<" if _TAG.match(markup, at) or markup.startswith("<!", at) else "&lt;"
    return _LT.sub(keep, markup) if "<" in markup else markup


def _markup(block: str) -> bool:
    return _TAG.search(block) is not None or _ALONE.search(block) is not None


def _entities(text: str) -> str:
    if "&" in text and ";" in text:
        return _ENTITY.sub(_entity, text)
    return text


def _entity(match: re.Match[str]) -> str:
    ref = match.group()
    if ref[1] == "#":
        from html import unescape

        return unescape(ref)
    # Whole names only: html.unescape would also read "&notice;" as "¬ice;".
    return html5.get(ref[1:], ref)


def may_hold_quote(text: str, mode: QuoteMode) -> bool:
    """Cheap test: "safe" needs a line starting with ">" or "-", indented or not (the
    whitespace step keeps indentation); "mail" two lines at least. clean.text screens
    batches for the same bytes."""
    if mode == "safe":
        return ("\n>" in text or "\n-" in text or text.lstrip(" \t").startswith((">", "-"))
                or (("\n " in text or "\n\t" in text) and _INDENTED_MARK.search(text) is not None))
    return mode == "mail" and "\n" in text


def strip_quoted(text: str, mode: QuoteMode, *, signatures: bool = True) -> str:
    """The text without quoted history ("safe": its unambiguous forms only) or, "mail",
    without all the mail loader removes, signature too unless `signatures` is false. A text that
    would be left empty stays whole: a table cell holding nothing but a quote is still
    what the customer sent."""
    from ftprep.clean import quotes

    if mode == "safe":
        # No signature: a "--" line also divides steps, order details or an address
        # from the rest, and losing those is worse than keeping a sign-off.
        out = quotes.strip_quote_blocks(text)
    elif mode == "mail":
        out = quotes.strip_quotes(text)
        out = quotes.strip_signature(out) if signatures else out
    else:
        return text
    return out if out.strip() else text

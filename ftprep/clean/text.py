"""Text cleaning for example texts and replies, with counts of what each step changed.

Steps, each switchable:
- HTML to plain text (ftprep.clean.markup): a text that looks like HTML (real tags, not a
  lone "<") becomes its text, paragraphs kept; a text with only entities has them decoded;
- control characters removed: C0 (except tab and newline; a terminal escape sequence
  such as "\x1b[31m" whole), DEL, stray BOMs and zero-width
  spaces first; C1 controls only after the mojibake repair, which reads them as evidence
  of a wrong Latin-1 decode;
- Unicode NFC normalisation, before and (if ftfy changed anything) after the repair;
- mojibake repair (ftfy, conservative: encoding fixes only; quotes, HTML entities,
  ligatures and widths are left alone);
- whitespace, only what cannot carry meaning: CR LF, CR, U+2028/U+2029 (and, with the
  control step off, VT and FF) to LF; no-break and other Unicode spaces (U+00A0,
  U+2000-U+200A, U+202F, U+205F) to a plain space, one for one; spaces and tabs at line
  ends removed; runs of blank lines to one; the text trimmed at both ends. Indentation
  and runs of spaces or tabs inside a line stay (code, YAML, aligned columns);
- quoted mail ("On <date> ... wrote:" with the ">" lines under it) and "-- " signatures
  cut (`strip-quotes = "safe"`), or all that the mail loader cuts (`"mail"`).
The order makes `clean` idempotent: cleaning a cleaned text changes nothing.

Length filters (`min_chars`, `max_chars`) do not change a text: `check_length` returns a
reason (`too-short`, `too-long`) for the caller's Rejected.

Most support text is plain ASCII, so every step has a cheap test that skips it, and
`clean_many` screens a whole batch with byte and numpy operations so that only the texts
that need work reach the per-text code (see ftprep.clean.batch).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ftprep.clean.batch import Joined, TextMemo
from ftprep.clean.markup import QuoteMode, html_to_plain, may_hold_quote, strip_quoted

if TYPE_CHECKING:
    from collections.abc import Sequence

STEPS = ("html", "mojibake", "nfc", "control", "whitespace", "quotes")

# UTF-8 read as cp1252/Latin-1 leaves a lead byte (Â..ô) followed by a continuation byte
# (\x80..\xbf) or its cp1252 look-alike; C1 controls come from the same mistake. Only such
# texts are handed to ftfy, which then decides (and leaves "café’s" alone).
_MOJIBAKE_HINT = re.compile(
    "[\x80-\x9f]|[\u00c2-\u00f4][\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2122]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_C1 = re.compile("[\x80-\x9f]")
# A terminal escape (colour, cursor) pasted from a console: the whole CSI sequence goes,
# not only its ESC ("\x1b[31m" would leave "[31m").
_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_ASCII_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# What clean_many's batch screen (TextCleaner._suspects) flags: an ASCII text needs work
# only if it has a control (tab and CR included), a space at a line's end, three newlines
# in a row, or whitespace at either end; with quotes "safe", a line that starts with ">",
# "-" or a space.
# Unicode spaces that are a plain space in a ticket (no-break, thin, figure ...): each
# becomes one " ", so aligned text keeps its width.
_SPACE_LIKE = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
_TO_SPACE = str.maketrans(dict.fromkeys(_SPACE_LIKE, " "))
# Line breaks other than LF: CR, VT, FF (the last two only when controls are kept).
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n\n", "\x0b": "\n", "\x0c": "\n"})
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")
_NON_ASCII_WORK = re.compile(f"[\u2028\u2029{_SPACE_LIKE}]")


class CleanOptions(BaseModel):
    """`[tool.ftprep.convert.clean]`; keys may use hyphens (`min-chars`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    nfc: bool = True
    fix_mojibake: bool = Field(default=True, alias="fix-mojibake")
    control_chars: bool = Field(default=True, alias="control-chars")
    whitespace: bool = True
    # A text that looks like HTML (tags such as <p>, <br>, <div>; or entities) to text.
    html: bool = True
    # Quoted mail and signatures: "safe" cuts only an "On <date> ... wrote:" line with the
    # ">" lines under it, an "-----Original Message-----" block under text, and a "-- "
    # signature; "mail" all the mail loader cuts (sign-offs, "Sent from my iPhone",
    # Outlook header blocks ...); "off" (false) none.
    strip_quotes: QuoteMode = Field(default="safe", alias="strip-quotes")
    # Texts shorter than this after cleaning are rejected as too-short.
    min_chars: int = Field(default=1, ge=0, alias="min-chars")
    # Texts longer than this are rejected as too-long; None: no limit.
    max_chars: int | None = Field(default=None, ge=1, alias="max-chars")

    @field_validator("strip_quotes", mode="before")
    @classmethod
    def _switch(cls, value: object) -> object:
        return {True: "safe", False: "off"}.get(value, value) if isinstance(value, bool) else value


class TextCleaner:
    """Clean texts one at a time; `stats` counts texts seen and changed per step."""

    def __init__(self, options: CleanOptions | None = None, *, keep_signatures: bool = False,
                 **overrides: Any) -> None:
        """`keep_signatures`: cut quotes but not signatures (for approved replies, whose
        sign-off is part of the house style a model is to learn)."""
        base = options or CleanOptions()
        self.keep_signatures = keep_signatures
        self.options = (
            CleanOptions.model_validate({**base.model_dump(), **overrides}) if overrides else base
        )
        self.stats: Counter[str] = Counter()
        self._ftfy_config: Any = None
        self._remembered = TextMemo(self._clean)  # see clean_many
        # Texts with DEL, or with "<" or "&", go to the per-text path, as texts with
        # controls do.
        self._rare = b"\x7f<&" if self.options.html else b"\x7f"

    def clean(self, text: str) -> str:
        out, changed = self._clean(text)
        self.stats["texts"] += 1
        self.stats.update(changed)
        return out

    def _clean(self, text: str) -> tuple[str, frozenset[str]]:
        changed: set[str] = set()
        if self.options.html and ("<" in text or "&" in text):
            # Once, first: decoding twice would turn "&amp;lt;" (a literal "&lt;") into "<".
            plain = html_to_plain(text, drop_quotes=self.options.strip_quotes == "mail")
            if plain != text:
                changed.add("html")
                text = plain
        out = self._pass(text, changed)
        # ftfy judges by context, so removing a control or a space can expose mojibake it
        # left alone; a few more passes make `clean` idempotent. Plain ASCII never needs it.
        for _ in range(2):
            if out == text or out.isascii():
                break
            text, out = out, self._pass(out, changed)
        return out, frozenset(changed)

    def _pass(self, text: str, changed: set[str]) -> str:
        text = self._ascii_pass(text, changed) if text.isascii() else self._other_pass(text, changed)
        mode = self.options.strip_quotes
        if mode != "off" and may_hold_quote(text, mode):  # after whitespace: lines start clean
            cut = strip_quoted(text, mode, signatures=not self.keep_signatures)
            if cut != text:
                changed.add("quotes")
                text = cut
        return text

    def _other_pass(self, text: str, changed: set[str]) -> str:
        opts = self.options
        if opts.control_chars and _CONTROL.search(text):
            text = _CONTROL.sub("", _CSI.sub("", text) if "\x1b" in text else text)
            changed.add("control")
        if not text.isascii():
            if opts.nfc and not unicodedata.is_normalized("NFC", text):
                text = unicodedata.normalize("NFC", text)
                changed.add("nfc")
            if opts.fix_mojibake and _MOJIBAKE_HINT.search(text):
                fixed = self._fix_mojibake(text)
                if fixed != text:
                    changed.add("mojibake")
                    text = unicodedata.normalize("NFC", fixed) if opts.nfc else fixed
            if opts.control_chars and _C1.search(text):
                text = _C1.sub("", text)
                changed.add("control")
        if opts.whitespace:
            cleaned = _normalise_whitespace(text)
            if cleaned != text:
                changed.add("whitespace")
                text = cleaned
        return text

    def clean_many(self, texts: Sequence[str]) -> list[str]:
        """`clean` over a batch: same results, far cheaper per text (see clean.batch)."""
        out, changes = self.clean_many_noted(texts)
        self.stats["texts"] += len(texts)
        for changed in changes.values():
            self.stats.update(changed)
        return out

    def clean_many_noted(self, texts: Sequence[str], joined: Joined | None = None
                         ) -> tuple[list[str], dict[int, frozenset[str]]]:
        """`clean_many` without counting: the texts, and the steps that changed each
        text that changed (by position), for a caller that counts only some of them.
        `joined`: Joined(texts), when the caller screens them for something else too."""
        out = list(texts)
        changes: dict[int, frozenset[str]] = {}
        for i in self._suspects(texts, joined):
            out[i], changed = self._remembered(texts[i])
            if changed:
                changes[i] = changed
        return out, changes

    def clean_noted(self, text: str) -> tuple[str, frozenset[str]]:
        """`clean` without counting: the text and the steps that changed it."""
        return self._remembered(text)

    def _suspects(self, texts: Sequence[str], joined: Joined | None = None) -> set[int] | range:
        import numpy as np

        opts = self.options
        joined = joined or Joined(texts)
        found: set[int] = set(joined.others)  # non-ASCII: the per-text path decides
        quotes = opts.strip_quotes
        if not (opts.control_chars or opts.whitespace or opts.html or quotes != "off") or (
                not joined.data):
            return found
        # Every test looks at the bytes below a space (the NULs between texts, newlines,
        # tabs, CRs, other controls: a few in a hundred), found in one numpy pass, and at
        # their neighbours; the rare "<", "&" and DEL are found with memchr. A pass over
        # every byte per test cost five times as much.
        b = np.frombuffer(joined.data + b"\x00", np.uint8)  # a NUL after the last text too
        at = np.flatnonzero(b < 32)
        kind = b[at]
        nul = at[kind == 0]
        joined.nuls = len(nul) - 1  # less the one added
        if len(nul) != joined.pieces:
            return range(len(texts))  # a text holds NUL itself: check every text
        newline = at[kind == 10]
        hits = [at[(kind != 0) & (kind != 10)], joined.positions(self._rare)]
        first = np.concatenate(([0], nul[:-1] + 1))  # where each text starts
        lead = b[first]  # its first byte (NUL: the text is empty)
        if opts.whitespace:
            # A space at a line's end, or three newlines in a row (tabs and CRs are
            # controls, above); runs of spaces inside a line are left as they are.
            inner = newline[newline > 0]
            hits.append(inner[b[inner - 1] == 32])
            hits.append(newline[:-2][newline[2:] - newline[:-2] == 2])
            # A text that starts or ends with a space or newline (other whitespace: above).
            last = b[nul - 1]  # its last byte (NUL, or b[-1] for the first text: empty)
            edge = (lead == 32) | (lead == 10) | (last == 32) | (last == 10)
            found |= joined.original(np.flatnonzero(edge).tolist())
        if quotes == "safe":
            # A line starting with ">" or "-", or indented: it may be an indented quote
            # (markup.may_hold_quote); so may a text that starts so.
            after = b[newline + 1]
            hits.append(newline[(after == 62) | (after == 45) | (after == 32)])
            found |= joined.original(
                np.flatnonzero((lead == 62) | (lead == 45) | (lead == 32)).tolist())
        elif quotes == "mail":
            hits.append(newline)  # two lines or more
        bad = np.concatenate(hits)
        if len(bad):
            found |= joined.original(np.unique(np.searchsorted(nul, bad)).tolist())
        return found

    def check_length(self, text: str) -> str | None:
        """`too-short` or `too-long` when the text is outside the limits, else None."""
        n = len(text)
        if n < self.options.min_chars:
            self.stats["too-short"] += 1
            return "too-short"
        if self.options.max_chars is not None and n > self.options.max_chars:
            self.stats["too-long"] += 1
            return "too-long"
        return None

    def length_detail(self, text: str) -> str:
        """A message for a Rejected of a text that failed check_length."""
        opts = self.options
        return (
            f"{len(text)} characters; allowed {opts.min_chars} to "
            f"{opts.max_chars if opts.max_chars is not None else 'any'} (min-chars/max-chars)"
        )

    def summary(self) -> dict[str, int]:
        """Counts for the convert summary: texts, then changes per step and rejections."""
        keys = ("texts", *STEPS, "too-short", "too-long")
        return {k: self.stats[k] for k in keys}

    def _ascii_pass(self, text: str, changed: set[str]) -> str:
        # Most support text is ASCII: no mojibake or NFC work, and C-speed tests instead of
        # regex scans (the regex engine costs 20-100 ns a character, these about 1 ns).
        if self.options.control_chars:
            raw = text.encode("ascii")
            if len(raw.translate(None, _ASCII_CONTROLS)) != len(raw):
                text = _CONTROL.sub("", _CSI.sub("", text) if "\x1b" in text else text)
                changed.add("control")
        if self.options.whitespace:
            cleaned = _normalise_whitespace(text)
            if cleaned != text:
                changed.add("whitespace")
                text = cleaned
        return text

    def _fix_mojibake(self, text: str) -> str:
        from ftfy import TextFixerConfig, fix_text

        if self._ftfy_config is None:
            self._ftfy_config = TextFixerConfig(
                unescape_html=False,
                remove_terminal_escapes=False,
                fix_latin_ligatures=False,
                fix_character_width=False,
                uncurl_quotes=False,
                fix_line_breaks=False,
                remove_control_chars=False,
                normalization=None,
                explain=False,
            )
        result: str = fix_text(text, self._ftfy_config)
        return result


def _normalise_whitespace(text: str) -> str:
    """See the module docstring: line breaks, Unicode spaces, line ends, blank lines and
    the text's ends; never the spaces that start or fill a line (code, YAML, tables)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x0b" in text or "\x0c" in text or (not text.isascii() and _NON_ASCII_WORK.search(text)):
        text = text.translate(_LINE_BREAKS).translate(_TO_SPACE)
    if " \n" in text or "\t\n" in text:
        text = _TRAILING.sub("", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()

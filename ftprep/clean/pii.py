"""Personal data in ticket text: detection shared by redaction (convert) and checks.

Built-in kinds and how each is confirmed, so that look-alikes are left alone:
- EMAIL: a regex for local@domain.tld (any letters; not a file name such as logo@2x.png
  or a git remote such as git@host:org/repo);
- PHONE: `phonenumbers.PhoneNumberMatcher`, valid numbers only, per configured region;
  `+` international numbers are found whatever the region, and so are national numbers
  of common regions right after a phone word ("Handy:", "call me on"); not a number that an
  identifier's name precedes (order, Bestellnr., n°...) or that is glued to a code, a
  URL, a path, a parameter or a file name;
- CARD: 13-19 digits grouped as cards are printed (spaces, dashes or dots), with an
  issuer's prefix and length, passing the Luhn check;
- IBAN: country code, check digits and 11-30 alphanumerics passing the mod-97 check;
- IP: IPv4 with octets 0-255 not inside a longer dotted run (so `1.2.3.4.5` is not one)
  nor named as a version, IPv6 validated by `ipaddress`.
Custom kinds are regexes from `[tool.ftprep.pii] patterns = {ORDER_ID = "ORD-\\d{6}"}`.

Overlaps go to the longest match, then the more specific kind (custom, EMAIL, IBAN, CARD,
IP, PHONE). Texts are screened with byte operations first, so most texts never meet a
regex; the phone matcher, by far the slowest step, only runs on texts with a phone-shaped
run of 7+ digits that is not a date or a code such as INV-2024061.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ftprep.clean.batch import MEMO_LINES, Joined, TextMemo
from ftprep.clean.widths import fold_full_width

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

BUILTIN_KINDS = ("EMAIL", "PHONE", "CARD", "IBAN", "IP")
_PRIORITY = {"EMAIL": 1, "IBAN": 2, "CARD": 3, "IP": 4, "PHONE": 5}  # custom kinds: 0
_MAX_PASSES = 3
# Texts up to this long are redacted line by line (_redact_by_line): each failed phone
# candidate of such a text costs the matcher at most 26 of its 65535 tries per char.
_BY_LINE_CHARS = 2000

# Local parts and domains may hold any letters (jürgen.müller@gmx.de). Each part is
# bounded (64 characters, as RFC 5321 allows): an unbounded one made a long run of
# letters before an "@" cost quadratic time (minutes for one 70 KB line). The local part
# takes the characters addresses are written with (o'brien+tag@), not RFC 5322's rarer
# / = & ? ..., which in tickets join a URL, a path or a parameter to the address.
_EMAIL = re.compile(
    r"[\w%'+-]{1,64}(?:\.[\w%'+-]{1,64}){0,16}"
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}[^\W\d_]{2,63}(?![\w-])"
    r"(?!:[\w~/])"  # git@github.com:org/repo is a remote, not an address
)
# "logo@2x.png": a file name at a display density, not an address.
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "avif", "ico"})
# 13-19 digits, in groups joined by a space, dash or dot (up to three of them: "4111 -
# 1111", "4111  1111"); _is_card then checks the grouping, the issuer and Luhn.
_CARD = re.compile(r"(?<![0-9])[2-6](?:[ .-]{0,3}[0-9]){12,18}(?![0-9])")
_CARD_SEPARATORS = re.compile(r"[ .-]+")
# As printed (DE44 5001 ...), with a space after the country (DE 44 ...), or in lower
# case (de44...): the last two are checked against the country's IBAN length too.
_IBAN = re.compile(r"\b(?:[A-Z]{2} ?|[a-z]{2})[0-9]{2}(?: ?[A-Za-z0-9]){11,30}\b")
# The spaced form's start, capitals only: "on 12 March" is everywhere in tickets, and
# sending every such text to the detectors made convert three times slower.
SPACED_IBAN_START = re.compile(r"[A-Z]{2} [0-9]{2}")
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30,
    "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29,
    "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?<![0-9.]){_OCTET}(?:\.{_OCTET}){{3}}(?![0-9]|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f]{0,4})(?![0-9A-Za-z:.])"
)
# At least 7 digits joined by phone punctuation: the gate for the (slow) phone matcher.
# Not glued to a word or a code prefix (INV-2024061, A-1234567).
_PHONE_HINT = re.compile(r"(?<![A-Za-z0-9])(?<![A-Za-z]-)[0-9](?:[ ().\-/]{0,3}[0-9]){6}")
# An identifier's name just before a number makes it that identifier, not a phone number:
# "order 4823910576", "invoice no. 2024061234", "ticket #5550123" (a valid US number each).
_ID_BEFORE = re.compile(
    r"(?:\b(?:order|invoice|ticket|case|ref|reference|tracking|account|acct|booking|reservation"
    r"|confirmation|transaction|receipt|serial|sku|policy|claim|customer|member|parcel"
    r"|shipment|contract|request|po|imei|voucher|coupon|gift[ \t-]?card|promo"
    # German, French, Spanish: Bestellnr., Kundennummer, commande n°, número de pedido ...
    r"|bestell\w*|kunden\w*|rechnungs\w*|rechnung|auftrag\w*|sendung\w*|vorgang\w*"
    r"|commande|facture|dossier|colis|pedido|factura|cliente|referencia|env[ií]o)s?\b"
    r"(?:[ \t-]*(?:no\.?|nr\.?|n[°º]|number|num|nummer|num[ée]ro|id|code))?"
    r"(?:[ \t]+(?:is|was|ist|est|es|de))?|\bn[°º])[ \t]*[#:.]?[ \t]*\(?"
    # ... and the numbers of a list after it: "orders 4158672309, 3125550187 and ".
    r"(?:[0-9][0-9 ()./-]{4,24}[0-9]\)?[ \t]*(?:,|&|/|\band\b|\bund\b|\bet\b|\by\b)[ \t]*)*\Z",
    re.IGNORECASE,
)
# The international prefix 00 before a country code (not inside a longer number).
_IDD_00 = re.compile(r"(?<![0-9+])00(?=[1-9])")
# A number glued to a code's prefix (ORD-2024-000123, INV2024061, ORD_2024061), or
# inside a URL, a path, a parameter or a file name (/orders/2127365000/status,
# ?id=4155552671, IMG_20240305_2127365000.jpg), is part of that, not a phone number.
# A "/" after a digit is kept apart: "212-736-5000/5001" lists two numbers.
_GLUED_BEFORE = re.compile(r"[A-Za-z]-?\Z|[A-Za-z0-9]-\Z|[_=?&#]\Z|[A-Za-z/]/\Z")
_GLUED_AFTER = re.compile(r"[_/][A-Za-z]|\.[A-Za-z]{2,4}\b")
# A version's name just before a dotted quad makes it a version, not an IP address:
# "version 10.2.3.4", "firmware 1.0.0.12", "v2.1.0.3", "app 10.2.0.1", "upgraded to
# 3.0.0.1", and the second of "10.2.0.1 -> 10.2.0.2". Both look on the same line only.
_VERSION_BEFORE = re.compile(
    r"(?:\b(?:version|ver\.?|versi[oó]n|vers[aã]o|versione|versie|wersja|firmware|fw|build"
    r"|release|kernel|driver|patch|app|sdk|client|plugin|installed|install(?:ing)?"
    r"|(?:up(?:date|grade)|rolled[ \t]+back)[ds]?(?:[ \t]+(?:to|auf|à|a))?"
    r"|clause|section|chapter|paragraph|abschnitt|kapitel|absatz|article|artikel)"
    r"(?:[ \t]*(?::|=|-|is|ist|est|to|auf|à))?[ \t]*\(?|\bv[ \t]?"
    r"|\b[0-9]+(?:\.[0-9]+){3}[ \t]*(?:→|->|=>|to|bis|à|a)[ \t]*)\Z",
    re.IGNORECASE,
)
_CONTEXT_CHARS = 80
# A word that announces a phone number, in the languages of _ID_BEFORE; the number must
# start within _ANNOUNCED_GAP characters of it. Tried in _OTHER_REGIONS (most common
# first) when the configured regions find nothing there.
_PHONE_WORD = re.compile(
    r"\b(?:phone|tel|telephone|mobile|mob|cell|cellphone|whatsapp|fax"
    r"|(?:my|our|contact|home|work|direct|callback)[ \t]+(?:number|no|nr)"
    r"|call(?:ed)?[ \t]+(?:me|us)(?:[ \t]+back)?[ \t]+(?:on|at)|ring[ \t]+(?:me|us)[ \t]+(?:on|at)"
    r"|reach[ \t]+(?:me|us)[ \t]+(?:on|at)|telefon\w*|handy\w*|mobil\w*|rufnummer|festnetz\w*"
    r"|t[ée]l[ée]phone|t[ée]l|portable|fixe|tel[ée]fono|m[óo]vil|celular|cellulare|telefoonnummer"
    r"|mobiel\w*)\b\.?(?:[ \t]*(?:no|nr|number|nummer|num[ée]ro|n[°º])(?![^\W\d_])\.?)?"
    r"(?:[ \t]+(?:is|ist|est|es|è)(?![^\W\d_]))?[ \t]*[:=-]?[ \t]*",
    re.IGNORECASE,
)
_ANNOUNCED_GAP = 3
# The digits after a phone word, as phone punctuation joins them (a trailing ")" kept).
_NUMBER_RUN = re.compile(r"[ \t]*(\+?\(?[0-9](?:[ ().\-/]{0,2}[0-9])*\)?)")
_SPACES = re.compile(r"[ \t]+")
_LEFTOVER_DIGITS = 2
# E.164 allows 15 digits; with a count after it (see above) a run of more is no phone.
_MAX_RUN_DIGITS = 17
# Years side by side ("2019-2020 models", "2022 2023") read as a number in some region.
_YEARS = re.compile(r"(?:19|20)[0-9]{2}(?:[ \-/–]+(?:19|20)[0-9]{2})+")
_OTHER_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "AT", "CH", "IE", "PT",
                  "SE", "DK", "NO", "FI", "PL", "CA", "AU", "NZ", "IN", "BR", "MX", "ZA")
# Four or more dot-joined numbers (Chrome 122.0.6261.112) are a version, not a phone;
# but five pairs from a 0 are how the French write a phone number (06.12.34.56.78).
_DOTTED_VERSION = re.compile(r"(?!0[0-9](?:\.[0-9]{2}){4}$)[0-9]+(?:\.[0-9]+){3,}")
# A whole date (not the start of a dotted number such as "06.12.34.56.78"), with its time.
_DATES = re.compile(
    r"(?<![0-9.\-/])(?:[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}"
    r"|[0-9]{1,2}(?:[-/]|\. ?)[0-9]{1,2}(?:[-/]|\. ?)[0-9]{2,4})"  # "05. 03. 2024" too
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?(?![.\-/]?[0-9])"
)
# Every text is screened with C-speed byte operations before any regex runs: digits map
# to 9 and letters to A, so "is there a run of 7 digits" becomes `b"9999999" in digits`
# once phone punctuation is deleted. Python's regex engine costs 20-100 ns per character;
# these cost about 1 ns. Each screen flags a superset of what the exact code would find.
_SHAPE = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", b"9" * 10 + b"A" * 52
)
PHONE_PUNCT = b" ().-/"  # deleted before looking for a run of digits
_SEVEN_DIGITS = b"9" * 7
_CARD_DIGITS = b"9" * 12  # 13, less a first digit _digit_runs may have dropped
_DOTTED_QUAD = re.compile(rb"9\.9+\.9+\.9")  # a literal prefix keeps the scan fast
# Any IPv6 address has two colons at most four hex digits apart; JSON text has colons too,
# so the (slow) IPv6 pattern runs only where this cheap one finds such a pair.
IPV6_COLONS = re.compile(r":[0-9A-Fa-f]{0,4}:")


def _shape(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass").translate(_SHAPE)


def _digit_runs(shape: bytes) -> bytes:
    """Phone punctuation deleted, so a phone or card number is a run of 9s. A digit glued
    to a letter (ORD2024061, INV-2024061) is dropped first: the phone regex never starts
    there, and codes like these are too common to send every such text to the matcher."""
    return shape.replace(b"A-9", b"A-x").replace(b"A9", b"Ax").translate(None, PHONE_PUNCT)


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class PiiMatch:
    kind: str
    start: int
    end: int
    text: str


class PiiSettings(BaseModel):
    """`[tool.ftprep.pii]`: which kinds to find, phone regions, custom patterns."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kinds: list[str] | None = None  # None: every built-in and custom kind
    regions: list[str] = ["US"]
    patterns: dict[str, str] = {}

    @field_validator("patterns")
    @classmethod
    def _check_patterns(cls, value: dict[str, str]) -> dict[str, str]:
        out = {}
        for name, pattern in value.items():
            if not _NAME.fullmatch(name):
                raise ValueError(f"pattern name {name!r}: use letters, digits and _")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {name}: invalid regex {pattern!r}: {exc}") from None
            out[name.upper()] = pattern
        return out

    @field_validator("regions")
    @classmethod
    def _check_regions(cls, value: list[str]) -> list[str]:
        import phonenumbers

        regions = [r.upper() for r in value]
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown phone region(s) {unknown}: use ISO codes such as US, GB")
        return regions

    @model_validator(mode="after")
    def _check_kinds(self) -> PiiSettings:
        if self.kinds is not None:
            self.kinds = [k.upper() for k in self.kinds]
            known = {*BUILTIN_KINDS, *self.patterns}
            if unknown := [k for k in self.kinds if k not in known]:
                raise ValueError(f"unknown kind(s) {unknown}: use {sorted(known)}")
        return self


class PiiDetector:
    """Finds and redacts PII; build once and reuse (regexes are compiled here)."""

    def __init__(
        self,
        *,
        kinds: Iterable[str] | None = None,
        regions: str | Sequence[str] = ("US",),
        custom: Mapping[str, str | re.Pattern[str]] | None = None,
        screen: bool = True,
    ) -> None:
        # screen=False runs every detector on every text: slow, for tests and debugging.
        self.screen = screen
        self.custom = {
            name.upper(): re.compile(p) if isinstance(p, str) else p
            for name, p in (custom or {}).items()
        }
        wanted = {k.upper() for k in kinds} if kinds is not None else None
        self.kinds = frozenset(
            k for k in (*BUILTIN_KINDS, *self.custom) if wanted is None or k in wanted
        )
        self.custom = {k: p for k, p in self.custom.items() if k in self.kinds}
        self.regions = (regions,) if isinstance(regions, str) else tuple(regions)
        self._remembered = TextMemo(self.redact)  # see redact_many
        self._line_passes = TextMemo(self._passes, MEMO_LINES)  # see _redact_by_line

    @classmethod
    def from_settings(cls, settings: PiiSettings) -> PiiDetector:
        return cls(kinds=settings.kinds, regions=settings.regions, custom=settings.patterns)

    def find(self, text: str) -> list[PiiMatch]:
        """Non-overlapping matches, in text order (full-width forms read as ASCII)."""
        original, text = text, fold_full_width(text)
        found: list[tuple[int, int, str]] = []
        for name, pattern in self.custom.items():
            found += [
                (m.start(), m.end(), name) for m in pattern.finditer(text) if m.end() > m.start()
            ]
        kinds = self.kinds
        if "@" in text and "EMAIL" in kinds:
            found += [(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)
                      if m.group().rpartition(".")[2].lower() not in _FILE_SUFFIXES]
        everything = not self.screen
        shape = _shape(text)
        if b"9" in shape or everything:
            if "IBAN" in kinds and (b"AA99" in shape or everything or (
                    b"AA 99" in shape and SPACED_IBAN_START.search(text))):
                found += _ibans(text)
            if "IP" in kinds:
                found += _ips(text, shape, everything)
            digits = _digit_runs(shape)
            if _SEVEN_DIGITS in digits or everything:
                if "CARD" in kinds and (_CARD_DIGITS in digits or everything):
                    found += [(m.start(), m.end(), "CARD") for m in _CARD.finditer(text)
                              if _is_card(m.group())]  # fmt: skip
                if "PHONE" in kinds:
                    found += self._phones(text, found)
        if not found:
            return []
        return [PiiMatch(kind, s, e, original[s:e]) for s, e, kind in _resolve(found)]

    def redact(self, text: str, keep: Callable[[PiiMatch], bool] | None = None
               ) -> tuple[str, Counter[str]]:
        """The text with each match replaced by `[KIND]`, and the count per kind; a
        match `keep` accepts stays (an allowed address).

        Repeats (up to 3 passes) while a replacement exposes a new match: the phone
        matcher judges a number by the text around it, and that text has changed.
        """
        if keep is None and not self.custom and "\n" in text and len(text) <= _BY_LINE_CHARS:
            return self._redact_by_line(text)
        text, passes = self._passes(text, keep)
        counts: Counter[str] = Counter()
        for kinds in passes:
            counts.update(kinds)
        return text, counts

    def _passes(self, text: str, keep: Callable[[PiiMatch], bool] | None = None
                ) -> tuple[str, list[list[str]]]:
        """`redact`'s text, and the kinds it replaced in each pass, in text order."""
        passes: list[list[str]] = []
        for _ in range(_MAX_PASSES):
            matches = self.find(text)
            if keep is not None:
                matches = [m for m in matches if not keep(m)]
            if not matches:
                break
            pieces: list[str] = []
            pos = 0
            for m in matches:
                pieces += (text[pos : m.start], f"[{m.kind}]")
                pos = m.end
            pieces.append(text[pos:])
            text = "".join(pieces)
            passes.append([m.kind for m in matches])
        return text, passes

    def _redact_by_line(self, text: str) -> tuple[str, Counter[str]]:
        """`redact`, each line on its own and each distinct line once (a signature's
        hotline, a template's sentence recur from ticket to ticket; the phone matcher
        costs ~250 us a number). The same result: no built-in pattern, and no test of
        the text around a match, reads across a newline (their spaces are [ \t]; for
        \b and the lookbehinds a newline is a non-word character, like the text's ends),
        so a pass finds in each line what it finds there in the whole text, and a line's
        later passes depend on that line alone. The counts are added pass by pass, as
        the whole text's passes add them. The phone matcher gives up after 65535 failed
        tries per text, fewer than a text of _BY_LINE_CHARS can cost; a longer text is
        redacted whole."""
        done = list(map(self._line_passes, text.split("\n")))
        redacted = [passes for _, passes in done if passes]
        counts: Counter[str] = Counter()
        if not redacted:
            return text, counts
        for depth in range(_MAX_PASSES):
            for passes in redacted:
                if depth < len(passes):
                    counts.update(passes[depth])
        return "\n".join([line for line, _ in done]), counts

    def find_many(self, texts: Sequence[str]) -> list[list[PiiMatch]]:
        """`find` over a batch; texts the batch screen clears are not scanned one by one."""
        out: list[list[PiiMatch]] = [[] for _ in texts]
        for i in self._suspects(Joined(texts)):
            out[i] = self.find(texts[i])
        return out

    def redact_many(self, texts: Sequence[str]) -> tuple[list[str], Counter[str]]:
        """`redact` over a batch: the texts, and the counts per kind for the whole batch."""
        out, each = self.redact_each(texts)
        counts: Counter[str] = Counter()
        for found in each.values():
            counts.update(found)
        return out, counts

    def redact_each(self, texts: Sequence[str], before: Joined | None = None,
                    changed: Iterable[int] = ()) -> tuple[list[str], dict[int, Counter[str]]]:
        """`redact` over a batch: the texts, and the counts of each text that had any
        (by position, in input order). `before`: the Joined of the texts as they were
        before a step (cleaning) that changed only those at `changed`; its screen is
        reused, and only the changed texts are screened again."""
        out = list(texts)
        each: dict[int, Counter[str]] = {}
        if before is None:
            suspects = self._suspects(Joined(texts))
        else:
            suspects = self._suspects(before)
            again = sorted(changed)
            if again and not isinstance(suspects, range):
                suspects |= {again[k] for k in self._suspects(Joined([texts[i] for i in again]))}
        # In input order, so that kinds with equal counts are listed in a stable order.
        for i in sorted(suspects):
            out[i], found = self._remembered(texts[i])
            if found:
                each[i] = found
        return out, each

    def _suspects(self, joined: Joined) -> set[int] | range:
        """Indices of joined.texts that the screen cannot clear."""
        if self.custom or not self.screen or not joined.ok:
            return range(len(joined.texts))  # user regexes are run on every text
        kinds = self.kinds
        found: set[int] = set(joined.others)  # non-ASCII texts are checked one by one
        if "EMAIL" in kinds and "@" in joined.text:
            found |= joined.containing(b"@")
        from ftprep.clean.pii_screen import digit_suspects  # numpy: imported when needed

        digits = digit_suspects(joined, kinds)
        if digits is None:
            return found
        found |= digits
        if "IP" in kinds:  # IPv6 needs two colons in one text
            found |= joined.pieces_counting(b":", 2)
        return found

    def _phones(self, text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        # Blank what other detectors found (a card is not a phone number) and dates, which
        # look like phone numbers to the hint; the matcher runs only if a hint is left.
        for start, end, _ in found:
            text = text[:start] + " " * (end - start) + text[end:]
        if not _PHONE_HINT.search(text):
            return []
        # A date is no phone number, though "05.03.2024" is a valid German one: the
        # matcher sees dates blanked (same length, so the offsets hold).
        text = _DATES.sub(lambda m: " " * len(m.group()), text)
        if not _PHONE_HINT.search(text):
            return []
        from phonenumbers import Leniency, PhoneNumberMatcher

        # "0044 20 7946 0958": most of the world dials abroad with 00, which the matcher
        # reads as "+" only for those regions. Read " +" in its place (same length, so the
        # offsets hold) and give the match its first 0 back.
        probe = _IDD_00.sub(" +", text) if "00" in text else text
        out = []
        for region in self.regions:
            for m in PhoneNumberMatcher(probe, region, leniency=Leniency.VALID):
                start = m.start - 1 if probe[m.start] == "+" and text[m.start] == "0" else m.start
                if self._phone_at(text, start, m.end):
                    out.append((start, m.end, "PHONE"))
        return out + self._announced_phones(text, out)

    def _announced_phones(self, text: str, have: list[tuple[int, int, str]]
                          ) -> list[tuple[int, int, str]]:
        """National numbers of other regions right after a phone word ("Handy: 0176
        12345678", "call me on 07700 900123"): the word says what the number is, so any
        region where it is valid will do."""
        out: list[tuple[int, int, str]] = []
        for word in _PHONE_WORD.finditer(text):
            at = word.end()
            if any(s <= at < e or at <= s < at + _ANNOUNCED_GAP for s, e, _ in have):
                continue  # a configured region found it
            run = _NUMBER_RUN.match(text, at)
            if run is None or run.start(1) - at > _ANNOUNCED_GAP or _YEARS.fullmatch(run.group(1)):
                continue
            # The number is the whole run of digits, or the run less a short count after
            # a space ("07700 900123 5 times"), never less: a region that reads only the
            # head of "020 7946 0018" would leave the number's last digits behind.
            number, start = run.group(1), run.start(1)
            if sum(c.isdigit() for c in number) > _MAX_RUN_DIGITS:
                continue  # no phone number is that long: a table of figures, an id list
            for end in (len(number), *(m.start() for m in reversed(list(_SPACES.finditer(number))))):
                if sum(c.isdigit() for c in number[end:]) > _LEFTOVER_DIGITS:
                    break
                # National: no 00 prefix to read as "+"; a parse of the piece as a whole
                # (a quarter of the matcher's cost) is enough once a word announced it.
                if any(_valid_in(number[:end], region) for region in _OTHER_REGIONS
                       if region not in self.regions):
                    if self._phone_at(text, start, start + end):
                        out.append((start, start + end, "PHONE"))
                    break
        return out

    @staticmethod
    def _phone_at(text: str, start: int, end: int) -> bool:
        """Whether a valid number at text[start:end] is a phone number, not part of an
        identifier, a code, a URL or a version."""
        before = max(0, start - _CONTEXT_CHARS)
        return not (_ID_BEFORE.search(text, before, start)
                    or _GLUED_BEFORE.search(text, before, start)
                    or _GLUED_AFTER.match(text, end)
                    or _in_dotted_version(text, start, end))


def _valid_in(piece: str, region: str) -> bool:
    """Whether the whole of `piece` is a valid phone number of `region`."""
    import phonenumbers

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(piece, region))
    except phonenumbers.NumberParseException:
        return False


# Issuer prefixes and the lengths their cards have: (first, last prefix), (lengths).
# Luhn alone let through IMEI numbers, EAN barcodes and order numbers.
_ISSUERS = (
    ((4, 4), (16, 19)),  # Visa (13-digit cards are no longer issued; EANs are 13 digits)
    ((51, 55), (16,)), ((2221, 2720), (16,)),  # Mastercard
    ((34, 34), (15,)), ((37, 37), (15,)),  # American Express
    ((300, 305), (14, 15, 16, 17, 18, 19)), ((36, 36), (14, 15, 16, 17, 18, 19)),  # Diners
    ((38, 39), (16, 17, 18, 19)),  # Diners
    ((6011, 6011), (16, 17, 18, 19)), ((644, 649), (16, 17, 18, 19)), ((65, 65), (16, 17, 18, 19)),
    ((62, 62), (16, 17, 18, 19)),  # UnionPay
    ((3528, 3589), (16, 17, 18, 19)),  # JCB
    ((2200, 2204), (16, 17, 18, 19)),  # Mir
    ((5018, 5018), (13, 14, 15, 16, 17, 18, 19)), ((5020, 5020), (13, 14, 15, 16, 17, 18, 19)),
    ((5038, 5038), (13, 14, 15, 16, 17, 18, 19)), ((5893, 5893), (13, 14, 15, 16, 17, 18, 19)),
    ((6304, 6304), (13, 14, 15, 16, 17, 18, 19)), ((6759, 6759), (13, 14, 15, 16, 17, 18, 19)),
    ((6761, 6763), (13, 14, 15, 16, 17, 18, 19)),  # Maestro
    ((50, 50), (13, 14, 15, 16, 17, 18, 19)), ((56, 58), (13, 14, 15, 16, 17, 18, 19)),
    ((63, 63), (13, 14, 15, 16, 17, 18, 19)), ((67, 67), (13, 14, 15, 16, 17, 18, 19)),  # Maestro
)  # fmt: skip


def _is_card(candidate: str) -> bool:
    groups = _CARD_SEPARATORS.split(candidate)
    digits = "".join(groups)
    if not 13 <= len(digits) <= 19 or digits.count(digits[0]) == len(digits):
        return False
    if len(groups) > 1 and not _card_grouping([len(g) for g in groups]):
        return False  # 114-2345678-9012345 is an order number, however it checks out
    if not any(lo <= int(digits[:len(str(lo))]) <= hi and len(digits) in lengths
               for (lo, hi), lengths in _ISSUERS):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _in_dotted_version(text: str, start: int, end: int) -> bool:
    lo = start
    while lo > 0 and (text[lo - 1].isdigit() or text[lo - 1] == "."):
        lo -= 1
    hi = end
    while hi < len(text) and (text[hi].isdigit() or text[hi] == "."):
        hi += 1
    return _DOTTED_VERSION.fullmatch(text[lo:hi].strip(".")) is not None


def _card_grouping(sizes: list[int]) -> bool:
    """How cards are printed: fours with a shorter last group (4-4-4-4, 4-4-4-4-3), or
    American Express and Diners' 4-6-5 and 4-6-4."""
    return (all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4) or sizes in (
        [4, 6, 5], [4, 6, 4])


def _as_printed_or_known(candidate: str) -> bool:
    """An IBAN in lower case or with a space after its country ("at 10 am on ...") must
    have that country's length and mostly digits after the check digits, as real ones do."""
    if candidate[2] != " " and not candidate[:2].islower():
        return True
    compact = candidate.replace(" ", "").upper()
    bban = compact[4:]
    return (_IBAN_LENGTHS.get(compact[:2]) == len(compact)
            and sum(c.isdigit() for c in bban) * 2 >= len(bban))


def _is_iban(compact: str) -> bool:
    compact = compact.upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def _ibans(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _IBAN.finditer(text):
        candidate = m.group()
        # The regex may run on into following capitals ("... 00 BIC"): drop trailing groups.
        while candidate:
            if _is_iban(candidate.replace(" ", "")) and _as_printed_or_known(candidate):
                out.append((m.start(), m.start() + len(candidate), "IBAN"))
                break
            cut = candidate.rfind(" ")
            candidate = candidate[:cut] if cut > 0 else ""
    return out


def _ips(text: str, shape: bytes, everything: bool = False) -> list[tuple[int, int, str]]:
    out = []
    if everything or (b"9.9" in shape and _DOTTED_QUAD.search(shape)):
        out += [(m.start(), m.end(), "IP") for m in _IPV4.finditer(text)
                if not _VERSION_BEFORE.search(text, max(0, m.start() - _CONTEXT_CHARS), m.start())]
    if text.count(":") >= 2 and IPV6_COLONS.search(text):
        for m in _IPV6.finditer(text):
            candidate = m.group()
            if not any(c.isdigit() for c in candidate):
                continue  # "Foo::Bar"-style names; real addresses carry digits
            try:
                ipaddress.IPv6Address(candidate)
            except ValueError:
                continue
            out.append((m.start(), m.end(), "IP"))
    return out


def _resolve(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    if len(found) == 1:
        return found
    ranked = sorted(found, key=lambda f: (f[0] - f[1], _PRIORITY.get(f[2], 0), f[0]))
    kept: list[tuple[int, int, str]] = []
    for cand in ranked:
        if all(cand[1] <= k[0] or cand[0] >= k[1] for k in kept):
            kept.append(cand)
    return sorted(kept)


@functools.lru_cache(maxsize=32)
def _detector(
    kinds: tuple[str, ...] | None, regions: tuple[str, ...], custom: tuple[tuple[str, Any], ...]
) -> PiiDetector:
    return PiiDetector(kinds=kinds, regions=regions, custom=dict(custom))


def _cached(
    kinds: Iterable[str] | None,
    region: str | Sequence[str],
    custom: Mapping[str, str | re.Pattern[str]] | None,
) -> PiiDetector:
    regions = (region,) if isinstance(region, str) else tuple(region)
    return _detector(
        tuple(sorted(kinds)) if kinds is not None else None,
        regions,
        tuple(sorted((custom or {}).items(), key=lambda kv: kv[0])),
    )


def find_pii(
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    region: str | Sequence[str] = "US",
    custom: Mapping[str, str | re.Pattern[str]] | None = None,
) -> list[PiiMatch]:
    """PII in `text`, in order. `region` may be several phone regions, e.g. ("US", "GB")."""
    return _cached(kinds, region, custom).find(text)


def redact(
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    region: str | Sequence[str] = "US",
    custom: Mapping[str, str | re.Pattern[str]] | None = None,
) -> tuple[str, Counter[str]]:
    """`text` with PII replaced by [EMAIL], [PHONE], [CARD], [IBAN], [IP] or [NAME]."""
    text, counts = _cached(kinds, region, custom).redact(text)
    return text, counts

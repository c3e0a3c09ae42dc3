"""Which encoding a table file is in: a byte-order mark, UTF-8 (with stray Windows-1252
bytes tolerated and named), UTF-16 without a mark, or a guessed single-byte code page
(cp1252 or cp1250, told apart by how letters read), else cp1252."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ftprep.loaders.columns import LoaderError

if TYPE_CHECKING:
    from pathlib import Path

# Where to tell users to set the encoding.
ENCODING_FIX = ('pass --encoding cp1252 (or the right one), or set encoding = "cp1252" under '
                "[convert] in a --config file or [tool.ftprep.convert] in pyproject.toml")
# Error handler for UTF-8 files with stray Windows-1252 bytes (rows pasted in from an
# older export): each byte that is not UTF-8 is read as cp1252, the rest as UTF-8.
CP1252_BYTES = "ftprep-cp1252"

# Latin-script single-byte guesses that charset-normalizer often picks for short
# Windows-1252 samples (curly quotes read as mac_iceland, ...); cp1252 is far likelier.
_LATIN_GUESSES = re.compile(r"^(mac_(?!cyrillic|greek|arabic)|cp(437|85\d|775|125[027])$|"
                            r"iso8859_(1|2|3|4|9|10|13|14|15|16)$|latin_1$)")  # fmt: skip
# Non-ASCII symbols that sit next to letters in real text (quotes, `…` after a word,
# `n°`, `5€`, `2×`).
_TEXT_SYMBOLS = frozenset("\u2018\u2019\u201a\u201c\u201d\u201e\u00b4\u00ab\u00bb\u00bf\u00a1\u00ad"
                          "\u2026\u00b0\u00ba\u00aa\u20ac\u00a3\u00a7\u2013\u2014\u2022\u00d7"
                          "\u00b7\u2122\u00ae\u00a9")
_EXCEL_CODE_PAGES = ("cp1252", "cp1250")
# Hungarian's letters as cp1252 reads cp1250 bytes: ő and ű come out as õ and û, the rest
# (á é í ó ö ú ü) are the same in both code pages.
_HUNGARIAN_AS_CP1252 = frozenset("áéíóöõúüûÁÉÍÓÖÕÚÜÛ")


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str
    errors: str = "strict"
    how: str = "given"  # given, bom, utf-8, detected, fallback
    # Why the file is not read strictly, for a warning: "line 3012: not valid UTF-8 ...".
    note: str = ""


def detect_encoding(path: Path, given: str | None = None) -> Encoding:
    """BOM, else UTF-8 if the whole file decodes, else charset-normalizer, else cp1252."""
    if given:
        check_encoding(path, given)
        return Encoding(given)
    with path.open("rb") as fh:
        head = fh.read(4)
    bom = bom_encoding(head)
    if bom is not None and bom != "utf-8-sig":
        if _decodes(path, bom):
            return Encoding(bom, "strict", "bom")
        return Encoding(bom, "replace", "bom", f"not all valid {bom} (cut short?): the "
                        "bytes that are not were replaced with U+FFFD")  # fmt: skip
    utf16 = None if bom else _bomless_utf16(path)
    if utf16 is not None:
        return Encoding(utf16, "strict" if _decodes(path, utf16) else "replace", "detected")
    bad = _utf8_error_offset(path)
    if bad is None:
        return Encoding(bom or "utf-8", "strict", "bom" if bom else "utf-8")
    if bom or _has_utf8_text(path, bad):
        line = _line_of(path, bad)
        return Encoding(bom or "utf-8", CP1252_BYTES, "bom" if bom else "utf-8",
                        f"UTF-8, but line {line} (and maybe others) holds bytes that are not: "
                        "they were read as cp1252")  # fmt: skip
    from charset_normalizer import from_path

    matches = list(from_path(path))
    guess = matches[0].encoding if matches else None
    if guess and not _LATIN_GUESSES.match(guess):
        return Encoding(guess, "replace", "detected")
    # A Latin script: Excel's "CSV" is cp1252 (Western) or cp1250 (Central European).
    # The Mac and DOS code pages charset-normalizer also offers lost to them on every
    # sample but read French `ç` as `Á` when they won; both are measured here.
    matches = list(from_path(path, cp_isolation=list(_EXCEL_CODE_PAGES)))
    # A match stands for every encoding that reads the file the same way.
    # Measures rounded: on a short file a few hundredths are noise (Italian `è` costs
    # cp1252 0.04 of chaos).
    ranked = {name: (round(m.chaos, 1), -round(m.coherence, 1)) for m in reversed(matches)
              for name in m.could_be_from_charset}  # fmt: skip
    chosen = _latin_code_page(path, ranked)
    return Encoding(chosen or "cp1252", "replace", "detected" if chosen else "fallback")


def unknown_encoding(name: str) -> str:
    return f"unknown encoding {name!r}: {_CODEC_NAMES}"


_CODEC_NAMES = ("use a Python codec name such as utf-8, cp1252 (Western European), cp1250 "
                "(Central European), cp1251 (Cyrillic), utf-16, or leave --encoding out to "
                "detect it")


def check_encoding(path: Path, name: str) -> None:
    """A LoaderError, naming the file and what to pass, for an --encoding (or config
    `encoding`) that cannot read it: unknown, not a text encoding (rot13, base64 turn
    bytes into bytes), a codec that cannot replace what it cannot read (idna), or UTF-16
    or UTF-32 on a file without a byte-order mark. The readers would otherwise stop on a
    UnicodeError or LookupError deep in a read."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise LoaderError(str(path), unknown_encoding(name)) from None
    if not info._is_text_encoding:
        raise LoaderError(str(path), f"--encoding {name!r} cannot read a text file: it is "
                          f"not a text encoding; {_CODEC_NAMES}")  # fmt: skip
    base = info.name.replace("_", "-")
    if base in ("utf-16", "utf-32"):
        with path.open("rb") as fh:
            head = fh.read(4)
        if bom_encoding(head) != base:
            raise LoaderError(str(path), f"not {name}: the file has no byte-order mark, which "
                              f"{name} needs (it starts with {head[:4]!r}). Fix: leave --encoding "
                              "out (the encoding is detected, UTF-16 without a mark too), or pass "
                              f"{base}-le or {base}-be if you know it is {base.upper()} without "
                              "a mark")  # fmt: skip
    try:
        with path.open(encoding=name, errors="replace", newline="") as fh:
            fh.read(4096)
    except (UnicodeError, LookupError, TypeError) as exc:
        raise LoaderError(str(path), f"--encoding {name!r} cannot read a text file ({exc}); "
                          + _CODEC_NAMES) from None


def _latin_code_page(
    path: Path, ranked: dict[str, tuple[float, float]], sample: int = 1 << 20
) -> str | None:
    """The Latin single-byte code page whose reading of the file looks most like text.

    Nearly every byte string decodes in every such code page, so decoding proves
    nothing, and on a short file charset-normalizer often ranks several alike (curly
    quotes read as mac_iceland; Italian as cp1250, which turns `è` into `č`). So its
    Latin picks and cp1252 are compared: first by how many non-ASCII symbols sit next
    to a letter (Polish `zapłaciłem` read as cp1252 is `zap³aci³em`), then by
    charset-normalizer's own measures (`ranked`: chaos, then coherence), and a tie goes
    to cp1252, Western Excel's "CSV", unless the file has š or ž. Central European
    files (Excel "CSV" on a Polish, Czech or Hungarian Windows: cp1250) win when cp1252
    shows symbols in words, does not decode, or reads less coherently. Short Hungarian
    files are told apart by their letters (_hungarian), as the measures cannot.
    """
    with path.open("rb") as fh:
        data = fh.read(sample)
    # š and ž have the same bytes in both code pages: common in Czech, Slovak, Slovenian
    # and Croatian, rare in Western European text, they settle a tie for cp1250.
    preferred = "cp1250" if any(b in data for b in (b"\x8a", b"\x8e", b"\x9a", b"\x9e")) else "cp1252"
    hungarian = _hungarian(data.decode("cp1252", "replace"))
    worst = (1.0, 0.0)
    scored: list[tuple[int, bool, tuple[float, float], bool, str]] = []
    for name in _EXCEL_CODE_PAGES:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        scored.append((_odd_symbols(text), hungarian and name != "cp1250",
                       ranked.get(name, worst), name != preferred, name))  # fmt: skip
    return min(scored)[4] if scored else None


def _hungarian(text: str) -> bool:
    """Whether cp1252's reading of a file is Hungarian in cp1250: every accented letter
    is a Hungarian one, with õ or û (ő, ű) and ö or ü among them. õ alone is Portuguese
    (which has ã and ç too) or Estonian (ä), û alone French (é, è, à ... and no ö or ü)."""
    letters = {c for c in text if not c.isascii() and c.isalpha()}
    return (bool(letters) and letters <= _HUNGARIAN_AS_CP1252
            and not letters.isdisjoint("õûÕÛ") and not letters.isdisjoint("öüÖÜ"))  # fmt: skip


def _odd_symbols(text: str) -> int:
    """Non-ASCII symbols with a letter beside them: what a wrong code page makes of
    letters (`³`, `¹` inside words). Quotes, apostrophes and ¿ ¡ do not count."""
    odd = 0
    for at, char in enumerate(text):
        if char.isascii() or char.isalpha() or char in _TEXT_SYMBOLS:
            continue
        if text[at - 1 : at].isalpha() or text[at + 1 : at + 2].isalpha():
            odd += 1
    return odd


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark at the start of `head` announces."""
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if head.startswith(bom):
            return name
    return None


def _bomless_utf16(path: Path, sample: int = 4096) -> str | None:
    """UTF-16 without a byte-order mark (some exporters write it so): mostly-Latin text
    then has a zero in every other byte, which is also valid UTF-8 and would be read as
    text full of NULs."""
    with path.open("rb") as fh:
        head = fh.read(sample)
    half = len(head) // 2
    if half < 2 or b"\x00" not in head:
        return None
    even, odd = head[0:2 * half:2].count(0) / half, head[1:2 * half:2].count(0) / half
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("cp1252", "replace"), exc.end


codecs.register_error(CP1252_BYTES, _cp1252_bytes)


def _utf8_error_offset(path: Path, block: int = 1 << 20) -> int | None:
    """The file offset of the first byte that is not UTF-8; None for a UTF-8 file."""
    if _is_utf8(path, block):
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while data := fh.read(block):
            # ASCII blocks need no decoding unless a sequence is pending from the last one.
            if not (data.isascii() and not decoder.getstate()[0]):
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(data)
                except UnicodeDecodeError as exc:
                    return offset - pending + exc.start
            offset += len(data)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset - len(decoder.getstate()[0])
    return None


def _is_utf8(path: Path, block: int = 1 << 20) -> bool:
    """Whether the file is UTF-8, the decoder reading its non-ASCII bytes only, with
    one ASCII byte for each run of them between: an ASCII byte is valid wherever a
    sequence may start and an error inside one, however many of them follow, so the
    verdict is the whole file's. On mostly-ASCII text this is a few times cheaper than
    decoding every block; a block that is mostly non-ASCII is decoded as it is."""
    import numpy as np

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while data := fh.read(block):
                if data.isascii():
                    decoder.decode(b"A")
                    continue
                b = np.frombuffer(data, np.uint8)
                high = np.flatnonzero(b >= 0x80)
                if len(high) * 8 > len(b):
                    decoder.decode(data)
                    continue
                # An "A" before each run of non-ASCII bytes that ASCII bytes precede,
                # and one at the end if the block ends in ASCII.
                gap = np.flatnonzero(np.diff(high, prepend=-1) > 1)
                kept = np.insert(b[high], gap, ord("A"))
                decoder.decode(kept.tobytes() + (b"A" if high[-1] < len(b) - 1 else b""))
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _has_utf8_text(path: Path, end: int) -> bool:
    """Whether the bytes before `end` hold non-ASCII UTF-8: then a later stray byte is an
    odd one out, not a sign that the whole file is in a single-byte encoding."""
    with path.open("rb") as fh:
        return not fh.read(end).isascii()


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def _decodes(path: Path, encoding: str) -> bool:
    try:
        with path.open(encoding=encoding) as fh:
            while fh.read(1 << 20):
                pass
    except UnicodeDecodeError:
        return False
    return True

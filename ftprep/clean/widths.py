"""Full-width forms (U+FF01-U+FF5E, and the ideographic space) as their ASCII letters,
digits and signs, one character for one: Japanese, Chinese and Korean input methods type
"０１７６ １２３４５６７８" or "ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", which the PII detectors, written
for ASCII, would not see. Offsets are kept, so a match is cut from the original text."""

from __future__ import annotations

_FOLD = {0x3000: " ", **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}}


def fold_full_width(text: str) -> str:
    """`text` with full-width forms as ASCII; the same string when it has none (a `max`
    over the characters, C speed, decides: most texts are spared the translate)."""
    if text.isascii() or max(text) < "\u3000":
        return text
    return text.translate(_FOLD)

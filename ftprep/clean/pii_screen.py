"""The batch screen for the PII kinds that need digits: IBAN, IPv4, card and phone numbers.

A batch's ASCII texts joined with NUL (clean.batch.Joined) hold few digits. numpy finds
them in two cheap passes over the bytes, and every test below then looks only at the
bytes around them, where byte-string screens (translate to a shape, delete punctuation,
find) cost several slow passes over the whole batch. Each test flags exactly the texts
that pass the gate PiiDetector.find applies to one text (pii._shape, pii._digit_runs):
- IBAN: "AA99" in the shape, i.e. two letters then two digits, or two capitals, a
  space and two digits (pii.SPACED_IBAN_START);
- IPv4: the shape regex 9\\.9+\\.9+\\.9, tried where a digit, dot, digit starts;
- card or phone: 7 digits in a row once phone punctuation is deleted, a digit right
  after a letter (or after letter and dash) not counting.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from ftprep.clean.pii import PHONE_PUNCT

if TYPE_CHECKING:
    from collections.abc import Collection

    from ftprep.clean.batch import Joined

_PUNCT = np.zeros(256, dtype=bool)
_PUNCT[list(PHONE_PUNCT)] = True
_DOTTED_QUAD = re.compile(rb"[0-9]\.[0-9]+\.[0-9]+\.[0-9]")  # on the text, not its shape
_RUN = 7  # digits in a row that may be a phone or card number
_NEAR = 3  # gaps between two digits up to this many bytes are tested in bulk
_PAD = 3  # NULs before the batch, so that every digit has three bytes before it


def digit_suspects(joined: Joined, kinds: Collection[str]) -> set[int] | None:
    """Indices (into joined.texts) flagged for IBAN, IP (v4), CARD and PHONE, as far as
    `kinds` asks for them; None when the batch has no digit at all."""
    b = np.frombuffer(bytes(_PAD) + joined.data + bytes(_NEAR + 2), np.uint8)
    digit = (b - 48) < 10  # uint8 wraps below "0"
    at = np.flatnonzero(digit)
    if not len(at):
        return None
    found: set[int] = set()
    before = b[at - 1]
    after_letter = _letter(before)  # the digit is glued to a word (or ends "AA99")
    if "IBAN" in kinds:
        # Two letters then two digits, or two capitals, a space and two digits: the
        # tests on bytes further back run only where the byte before fits.
        maybe = at[(after_letter | (before == 32)) & digit[at + 1]]
        one, two, three = b[maybe - 1], b[maybe - 2], b[maybe - 3]
        glued = maybe[_letter(one) & _letter(two)] - 2
        spaced = maybe[(one == 32) & _capital(two) & _capital(three)] - 3
        start = np.concatenate([glued, spaced])
        if len(start):
            found |= joined.pieces_at(start - _PAD)
    if "IP" in kinds:
        found |= _dotted_quads(joined, b, at, digit)
    if "CARD" in kinds or "PHONE" in kinds:
        found |= _runs(joined, b, at, before, after_letter)
    return found


def _dotted_quads(joined: Joined, b: Any, at: Any, digit: Any) -> set[int]:
    """The pieces where _DOTTED_QUAD matches: at a digit, dot, digit (a price such as
    "129.00" is one, so they are many) whose next two such triples follow with only
    digits between: the bytes from this triple's second digit to the next triple's first
    are digits when the digits counted there fill the span."""
    import numpy as np

    dotted = at[(b[at + 1] == ord(".")) & digit[at + 2]]
    if len(dotted) < 3:
        return set()
    lo, hi = dotted[:-1] + 2, dotted[1:]  # each span, both ends included
    filled = np.searchsorted(at, hi, "right") - np.searchsorted(at, lo) == hi - lo + 1
    linked = filled & (hi >= lo)
    first = dotted[:-2][linked[:-1] & linked[1:]]
    return joined.pieces_at(first - _PAD) if len(first) else set()


def _capital(x: Any) -> Any:
    return (x - ord("A")) < 26  # uint8 wraps below "A"


def _letter(x: Any) -> Any:
    return ((x | 0x20) - ord("a")) < 26  # uint8 wraps below "a"


def _runs(joined: Joined, b: Any, at: Any, before: Any, after_letter: Any) -> set[int]:
    """The pieces with a phone- or card-like run (see the module docstring); `before`
    holds the byte before each digit, `after_letter` whether it is a letter."""
    glued = after_letter | ((before == ord("-")) & _letter(b[at - 2]))
    counted = at[~glued]
    if len(counted) < _RUN:
        return set()
    gap = np.diff(counted) - 1  # bytes between one counted digit and the next
    punct = np.ones(len(gap), dtype=bool)  # every byte between, up to _NEAR, is punctuation
    for k in range(1, _NEAR + 1):
        punct &= (gap < k) | _PUNCT[b[counted[:-1] + k]]
    linked = punct & (gap <= _NEAR)
    for i in np.flatnonzero(punct & (gap > _NEAR)).tolist():  # rare: a long run of them
        between = b[counted[i] + 1 : counted[i + 1]].tobytes()
        linked[i] = not between.translate(None, PHONE_PUNCT)
    # _RUN digits in a row: _RUN - 1 links in a row.
    n = len(linked) - (_RUN - 2)
    if n <= 0:
        return set()
    run = linked[:n].copy()
    for k in range(1, _RUN - 1):
        run &= linked[k : n + k]
    first = counted[:n][run]
    return joined.pieces_at(first - _PAD) if len(first) else set()

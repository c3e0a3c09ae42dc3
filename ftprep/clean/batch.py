"""Screen many texts at once with C-speed string operations.

Python's regex engine costs 20-100 ns per character and a per-text call costs about a
microsecond, more than pandas needs to parse the text. So the batch APIs
(`TextCleaner.clean_many`, `PiiDetector.find_many`/`redact_many`) join a batch of texts
with NUL, run `in`, `find`, `bytes.translate` and numpy operations over the joined buffer
(about 1 ns per character or less), and hand only the texts that might need work to the
per-text code.
The screens may flag too much, never too little: a flagged text is checked exactly.
"""

from __future__ import annotations

import itertools
import operator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

SEP = "\x00"
T = TypeVar("T")
# TextMemo keeps the result for at most this many texts, each at most this long.
MEMO_TEXTS, MEMO_CHARS = 1024, 2000
# Joined.positions looks for a byte with memchr up to this many times, then with numpy.
_MEMCHR_HITS = 64
# ... or this many, for a memo of lines (they are short and repeat more than texts).
MEMO_LINES = 8192


class TextMemo(Generic[T]):
    """`compute(text)`, remembered for texts that repeat across batches (templates,
    auto-replies, quoted mail), where the slow per-text step (ftfy, the phone matcher)
    would otherwise run again on each copy."""

    def __init__(self, compute: Callable[[str], T], size: int = MEMO_TEXTS) -> None:
        self._compute = compute
        self._size = size
        self._done: dict[str, T] = {}

    def __call__(self, text: str) -> T:
        result = self._done.get(text)
        if result is None:
            if len(self._done) >= self._size:
                self._done.clear()
            result = self._compute(text)
            if len(text) <= MEMO_CHARS:
                self._done[text] = result
        return result


class Joined:
    """The ASCII texts of a batch joined with NUL, with helpers to map hits back to texts.

    Non-ASCII texts are left out (`others`): one of them would widen the joined string to
    2 or 4 bytes a character and make every scan and the encoding several times slower,
    and they are rare enough to be checked one by one.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self.others: list[int] = []
        # Original index of each joined piece; None when every text is ASCII.
        self.order: list[int] | None = None
        self.ascii: Sequence[str] = texts  # the joined pieces
        # Test each text first: most batches hold a non-ASCII text or two, and joining
        # the batch twice costs more than a C-level map.
        flags = list(map(str.isascii, texts))
        if not all(flags):
            everyone = range(len(texts))
            self.order = list(itertools.compress(everyone, flags))
            self.others = list(itertools.compress(everyone, map(operator.not_, flags)))
            self.ascii = list(itertools.compress(texts, flags))
        joined = SEP.join(self.ascii)
        self.text = joined
        self.pieces = len(self.order) if self.order is not None else len(texts)
        self.data = joined.encode("ascii")  # a copy of an ASCII string: nearly free
        self._starts: Any = None
        # The NUL bytes in .data, once counted (a screen that finds them sets it).
        self.nuls: int | None = None

    @property
    def ok(self) -> bool:
        """False when a text holds NUL itself, which would shift every later index."""
        import numpy as np

        if self.nuls is None:  # numpy: faster than bytes.count
            self.nuls = int(np.count_nonzero(np.frombuffer(self.data, np.uint8) == 0))
        return self.nuls == max(self.pieces - 1, 0)

    def original(self, pieces: Iterable[int]) -> set[int]:
        """Indices into `texts` of joined pieces."""
        order = self.order
        return set(pieces) if order is None else {order[i] for i in pieces}

    def containing(self, byte: bytes) -> set[int]:
        """Indices (into `texts`) of the texts that contain `byte`, a rare one."""
        at = self.positions(byte)
        return self.pieces_at(at) if len(at) else set()

    def positions(self, needles: bytes) -> Any:
        """Positions in .data (a numpy array) of each of these bytes, which are rare:
        memchr finds them; a byte that turns out common is found with numpy instead."""
        import numpy as np

        data = self.data
        out: list[int] = []
        for byte in needles:
            pos = data.find(byte)
            while pos >= 0 and len(out) < _MEMCHR_HITS:
                out.append(pos)
                pos = data.find(byte, pos + 1)
            if pos >= 0:  # common after all: a numpy pass for every byte asked for
                b = np.frombuffer(data, np.uint8)
                return np.flatnonzero(np.isin(b, np.frombuffer(needles, np.uint8)))
        return np.array(out, np.int64)

    def pieces_at(self, positions: Any) -> set[int]:
        """Indices (into `texts`) of the pieces holding these positions (a numpy array)
        of .data, or of a transform of it of the same length."""
        import numpy as np

        return self.original(np.unique(self._piece_of(positions)).tolist())

    def pieces_counting(self, byte: bytes, least: int) -> set[int]:
        """Indices (into `texts`) whose piece holds `byte` at least `least` times."""
        import numpy as np

        at = np.flatnonzero(np.frombuffer(self.data, np.uint8) == ord(byte))
        if len(at) < least:
            return set()
        counts = np.bincount(self._piece_of(at))
        return self.original(np.flatnonzero(counts >= least).tolist())

    def _piece_of(self, positions: Any) -> Any:
        import numpy as np

        if self._starts is None:  # where each piece starts, from the lengths alone
            lengths = np.fromiter(map(len, self.ascii), np.int64, self.pieces)
            self._starts = np.zeros(self.pieces, np.int64)
            np.cumsum(lengths[:-1] + 1, out=self._starts[1:])
        return np.searchsorted(self._starts, positions, side="right") - 1


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

import functools
import itertools
import operator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterable, Sequence

SEP = "\x00"
T = TypeVar("T")
# TextMemo keeps the result for at most this many texts, each at most this long.
MEMO_TEXTS, MEMO_CHARS = 1024, 2000


class TextMemo(Generic[T]):
    """`compute(text)`, remembered for texts that repeat across batches (templates,
    auto-replies, quoted mail), where the slow per-text step (ftfy, the phone matcher)
    would otherwise run again on each copy."""

    def __init__(self, compute: Callable[[str], T]) -> None:
        self._compute = compute
        self._done: dict[str, T] = {}

    def __call__(self, text: str) -> T:
        result = self._done.get(text)
        if result is None:
            if len(self._done) >= MEMO_TEXTS:
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

    @property
    def ok(self) -> bool:
        """False when a text holds NUL itself, which would shift every later index."""
        import numpy as np

        nuls = np.count_nonzero(np.frombuffer(self.data, np.uint8) == 0)  # numpy: faster than bytes.count
        return bool(nuls == max(self.pieces - 1, 0))

    def original(self, pieces: Iterable[int]) -> set[int]:
        """Indices into `texts` of joined pieces."""
        order = self.order
        return set(pieces) if order is None else {order[i] for i in pieces}

    def containing(self, needle: bytes) -> set[int]:
        """Indices (into `texts`) of the texts that contain `needle`. Hits are rare, so
        find them and count NULs on the way rather than split the whole batch."""
        data = self.data
        found: set[int] = set()
        index = counted = 0
        pos = data.find(needle)
        while pos >= 0:
            index += data.count(b"\x00", counted, pos)
            found.add(index)
            counted = data.find(b"\x00", pos)  # on to the next text
            if counted < 0:
                break
            pos = data.find(needle, counted)
        return self.original(found)

    def pieces_at(self, positions: Any) -> set[int]:
        """Indices (into `texts`) of the pieces holding these positions (a numpy array)
        of .data, or of a transform of it of the same length."""
        import numpy as np

        return self.original(np.unique(self._piece_of(positions)).tolist())

    def pieces_matching(self, positions: Any, pattern: re.Pattern[bytes]) -> set[int]:
        """Indices (into `texts`) of the pieces where `pattern`, which cannot match a NUL,
        matches at one of these positions of .data."""
        import numpy as np

        match = functools.partial(pattern.match, self.data)
        return self.pieces_at(np.array([p for p in positions.tolist() if match(p)], np.int64))

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


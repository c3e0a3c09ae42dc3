"""What the dataset-level behaviour checks keep of each example, collected in the check
pipeline's single pass (`on_record`, beside the token and dataset features):

- the reply's length in words, its first and last few normalised words and its language
  (consistency);
- 64-bit hashes of the number-like tokens of the reply that its input does not contain
  (knowledge), with a bounded sample of the tokens themselves to quote;
- a count per distinct system prompt.

The reply is the last assistant message, read through its JSON text field when it is
a structured reply (see `LineView.reply`). Labels come later, from the FT3xx summary.
"""

from __future__ import annotations

import functools
import operator
import re
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftprep.checks.behaviour.language import guess_language
from ftprep.checks.behaviour.line import LineView

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ftprep.checks.behaviour.settings import BehaviourRules
    from ftprep.dataset.collect import DatasetContext
    from ftprep.formats import LineFormat

Record = dict[str, Any]
ALL_REPLIES = "*"
# Examples whose fact tokens are kept as text, to quote in messages.
SAMPLE_EXAMPLES = 200
_STRIP = ".,;:!?()[]{}<>\"'“”‘’*"
_CURRENCY = "#$€£¥"
# From a token's first digit to its end; the few characters before the digit are found by
# walking back (a pattern that starts at the token's start cannot use sre's fast scan).
_NUMBER_TOKEN = re.compile(r"[0-9]\S*")
_DAY = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?")
_WORD = re.compile(r"[^\W_]+")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_MONTH_AFTER = re.compile(rf"(?:st|nd|rd|th)?\.?\s+({_MONTHS})[a-z]*\b", re.IGNORECASE)
_SHARD_FIELDS = ("lines", "words", "has_reply", "openings", "closings", "languages", "facts",
                 "fact_start", "samples", "system_prompts")
_MONTH_BEFORE = re.compile(rf"\b({_MONTHS})[a-z]*\.?\s+$", re.IGNORECASE)
# (words, opening, closing, number tokens, language, the distinct tokens when none is a
# date, whether they are caseless) of one reply text; bounded like the token memo.
ReplySummary = tuple[int, str, str, tuple[tuple[str, str | None], ...], str,
                     tuple[str, ...] | None, bool]
_NO_REPLY: ReplySummary = (0, "", "", (), "", (), True)
_CONTENT = operator.itemgetter("content")
_MEMO_MAX_ENTRIES = 16_384


class BehaviourCollector:
    """Per-example figures for FT520-FT540, in arrays and short interned strings."""

    def __init__(self, rules: BehaviourRules) -> None:
        self.rules = rules
        self.edge = rules.settings.consistency.edge_words
        self.lines = array("I")
        self.words = array("I")
        self.has_reply = bytearray()
        self.openings: list[str] = []
        self.closings: list[str] = []
        self.languages: list[str] = []  # "en", "de" ... or "" (checks.behaviour.language)
        # Example i's fact hashes are facts[fact_start[i]:fact_start[i + 1]].
        self.facts = array("q")
        self.fact_start = array("I", [0])
        self.samples: dict[int, tuple[str, ...]] = {}
        self.system_prompts: Counter[int] = Counter()
        self._memo: dict[str, ReplySummary] = {}

    def __len__(self) -> int:
        return len(self.lines)

    def on_record(self, number: int, record: Record, fmt: LineFormat) -> None:
        """The `on_record` hook of ftprep.validate.validate. Never raises on odd input."""
        messages = fmt.conversation(record)
        last = None
        system = None
        for i, message in enumerate(messages):  # one pass: the reply and the system prompt
            role = message.get("role")
            if role == "assistant":
                last = i
            elif role == "system" and system is None:
                system = message
        summary = _NO_REPLY
        if last is not None:
            # Replies repeat (a label, a template): a repeated one costs a dict look-up.
            content = messages[last].get("content")
            known = self._memo.get(content) if content.__class__ is str else None
            summary = known or self._reply_summary(LineView(self.rules, record, messages, fmt),
                                                   last)
        words, opening, closing, found, language, plain, caseless = summary
        self.lines.append(number)
        self.has_reply.append(words > 0)
        self.words.append(words)
        self.openings.append(opening)
        self.closings.append(closing)
        self.languages.append(language)
        if found:  # only then is the input needed (found is empty without a reply)
            source = _joined_text(messages[:last])
            if plain is None:
                facts = facts_not_in(found, source)
            else:  # facts_not_in without dates, in short: the tokens the input lacks
                if not caseless:
                    source = source.lower()
                facts = [token for token in plain if token not in source]
            if facts:
                self.facts.extend(map(hash, facts))
                if len(self.samples) < SAMPLE_EXAMPLES:
                    self.samples[len(self.lines) - 1] = tuple(facts)
        self.fact_start.append(len(self.facts))
        if system is not None:
            content = system.get("content")
            self.system_prompts[hash(content if content.__class__ is str else _text(system))] += 1

    def _reply_summary(self, view: LineView, last: int) -> ReplySummary:
        """Words, opening, closing and number tokens of the reply, once per distinct
        content (on_record looks in the memo first): replies repeat (a label, a template),
        and this is most of the work."""
        text = view.reply(last).text
        raw = text.split()
        edge = self.edge
        found = tuple(_number_tokens(text))
        plain: tuple[str, ...] | None = ()
        if found:
            plain = (None if any(date is not None for _, date in found)
                     else tuple(dict.fromkeys(token for token, _ in found)))
        # A few spare words: punctuation-only words vanish when normalised.
        summary = (len(raw), _edge(raw[: edge + 2], edge, first=True),
                   _edge(raw[-(edge + 2):], edge, first=False), found, guess_language(text),
                   plain, plain is not None and all(map(_caseless, plain)))
        content = view.messages[last].get("content")
        if content.__class__ is str:
            if len(self._memo) >= _MEMO_MAX_ENTRIES:
                self._memo.clear()
            self._memo[content] = summary
        return summary

    def shard_state(self) -> dict[str, Any]:
        """What this collector kept, for ftprep.shards (the rules stay here)."""
        return {name: getattr(self, name) for name in _SHARD_FIELDS}

    def merge_shard(self, state: dict[str, Any]) -> None:
        """Append what the collector of a later piece of the file kept."""
        offset, fact_offset = len(self.lines), len(self.facts)
        self.lines.extend(state["lines"])
        self.words.extend(state["words"])
        self.has_reply.extend(state["has_reply"])
        self.openings.extend(state["openings"])
        self.closings.extend(state["closings"])
        self.languages.extend(state["languages"])
        self.facts.extend(state["facts"])
        self.fact_start.extend(start + fact_offset for start in state["fact_start"][1:])
        for i, sample in state["samples"].items():
            if len(self.samples) >= SAMPLE_EXAMPLES:
                break
            self.samples[offset + i] = sample
        self.system_prompts.update(state["system_prompts"])


def _text(message: Record) -> str:
    """A message's text, as `LineView.text` reads it."""
    content = message.get("content")
    if content.__class__ is str:
        return content
    from ftprep.dataset.features import content_text

    return content_text(content)


def _caseless(token: str) -> bool:
    """ASCII without letters ("4.10", "#123"): no character lower-cases to one of these
    but itself, so the token is in a text exactly when it is in the lower-cased text."""
    return token.isascii() and token.lower() == token.upper()


def _joined_text(messages: list[Record]) -> str:
    """The messages' texts joined by newlines, at C speed when every content is a string."""
    try:
        return "\n".join(map(_CONTENT, messages))
    except (KeyError, TypeError):  # no content, None or parts: read as LineView.text does
        return "\n".join(map(_text, messages))


def _edge(words: list[str], n: int, *, first: bool) -> str:
    """The first (or last) n words, lower-cased, without punctuation, e.g. "hi maria" or
    "acme support team"."""
    return _edge_of(" ".join(words), n, first)


@functools.lru_cache(maxsize=4096)
def _edge_of(joined: str, n: int, first: bool) -> str:
    # Cached: closings ("Best regards, The Acme Support Team") repeat across a dataset.
    kept = _WORD.findall(joined.casefold())
    return sys.intern(" ".join(kept[:n] if first else kept[-n:]))


def reply_facts(reply: str, source: str | Callable[[], str]) -> list[str]:
    """Number-like tokens of the reply (order and account numbers, amounts, dates, codes)
    that the input does not contain, so the model could not have copied them: distinct,
    lower-cased, in order. Tokens under three characters (5 days, 12 items, router X2)
    are not facts; a day with its month is ("14 mar"). `source` may be a function that builds the
    input text: it is called only when the reply has numbers."""
    found = _number_tokens(reply)
    return facts_not_in(found, source) if found else []


def facts_not_in(found: Sequence[tuple[str, str | None]], source: str | Callable[[], str]
                 ) -> list[str]:
    """The tokens of `found` (from `_number_tokens` of a reply) that `source` lacks."""
    source = source if isinstance(source, str) else source()
    source_lower = source.lower()
    source_dates: set[str] | None = None
    out: dict[str, None] = {}
    for token, date in found:
        if date is not None:
            if source_dates is None:
                source_dates = {d for _, d in _number_tokens(source) if d is not None}
            if date not in source_dates:
                out[date] = None
        elif token not in source_lower:
            out[token] = None
    return list(out)


def _number_tokens(text: str) -> list[tuple[str, str | None]]:
    """(token, None) for each whitespace-delimited token with a digit and at least three
    characters once stripped of punctuation and currency signs; ("", "14 mar") for a day
    (14, 14th) next to a month name. One regex finds the tokens at C speed; the month
    patterns are anchored next to the day, so they look at a few characters only."""
    found: list[tuple[str, str | None]] = []
    for match in _NUMBER_TOKEN.finditer(text):
        start = match.start()
        while start and not text[start - 1].isspace():
            start -= 1
        token = text[start:match.end()].strip(_STRIP).lstrip(_CURRENCY).rstrip(_STRIP).lower()
        day = _DAY.fullmatch(token) if len(token) <= 4 else None
        if day is not None:
            run_end = text.index(day.group(1), start) + len(day.group(1))
            after = _MONTH_AFTER.match(text, run_end)
            before = None if after else _MONTH_BEFORE.search(text, max(0, start - 12), start)
            month = after.group(1) if after else before.group(1) if before else None
            if month is not None:
                found.append(("", f"{int(day.group(1))} {month[:3].lower()}"))
                continue
        if len(token) >= 3:  # "x2", "5", "12" name a model or count things, not a customer
            found.append((token, None))
    return found


@dataclass(frozen=True)
class ReplyGroups:
    """The collector's examples (indices) grouped by label, or all in one group "*" for a
    generation task; `note` says why there is nothing to compare."""

    by_label: dict[str, list[int]]
    labelled: bool
    note: str | None = None


def reply_groups(ctx: DatasetContext) -> ReplyGroups | None:
    """None unless the rules ran on a training file; memoised per dataset."""
    data: BehaviourCollector | None = ctx.behaviour
    if data is None or ctx.is_validation:
        return None

    def compute() -> ReplyGroups:
        import numpy as np

        from ftprep.checks.labels import CLASSIFICATION, label_summary

        summary = label_summary(ctx.features, ctx.settings)
        replied = np.flatnonzero(np.frombuffer(data.has_reply, dtype=np.uint8))
        if summary.label_field is not None:
            lines = np.asarray(data.lines, dtype=np.int64)[replied]
            groups = {label: replied[at].tolist()
                      for label, at in _positions_by_label(lines, summary.lines).items()}
            return ReplyGroups(groups, True)
        if summary.task == CLASSIFICATION and len(summary.counts) * 3 < max(len(data), 1):
            return ReplyGroups({}, False, "the replies are the labels themselves")
        indices = replied.tolist()
        return ReplyGroups({ALL_REPLIES: indices} if indices else {}, False)

    groups: ReplyGroups = ctx.features.memo("behaviour:groups", compute)
    return groups


def _positions_by_label(lines: NDArray[np.int64], by_label: dict[str, list[int]]
                        ) -> dict[str, NDArray[np.intp]]:
    """For each label (sorted) that has any, the positions in `lines` of its lines, in
    order. One sorted array of every labelled line, looked up at once, and one stable
    sort by label: no loop over the lines."""
    import numpy as np

    labels = sorted(by_label)
    at = np.concatenate([np.asarray(by_label[label], dtype=np.int64) for label in labels]
                        or [np.empty(0, dtype=np.int64)])
    ids = np.repeat(np.arange(len(labels)), [len(by_label[label]) for label in labels])
    order = np.argsort(at, kind="stable")
    at, ids = at[order], ids[order]
    found = np.minimum(np.searchsorted(at, lines), max(len(at) - 1, 0))
    label_of = (np.where(at[found] == lines, ids[found], -1) if len(at)
                else np.full(len(lines), -1))
    order = np.argsort(label_of, kind="stable")
    ranked = label_of[order]
    starts = np.searchsorted(ranked, np.arange(len(labels)), side="left")
    ends = np.searchsorted(ranked, np.arange(len(labels)), side="right")
    return {label: order[start:end] for label, start, end in zip(labels, starts, ends, strict=True)
            if end > start}


def group_name(label: str) -> str:
    return "all replies" if label == ALL_REPLIES else f"replies labelled {label!r}"

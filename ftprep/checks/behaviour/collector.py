"""What the dataset-level behaviour checks keep of each example, collected in the check
pipeline's single pass (`on_record`, beside the token and dataset features):

- the reply's length in words and its first and last few normalised words (consistency);
- 64-bit hashes of the number-like tokens of the reply that its input does not contain
  (knowledge), with a bounded sample of the tokens themselves to quote;
- a count per distinct system prompt.

The reply is the last assistant message, read through its JSON text field when it is
a structured reply (see `LineView.reply`). Labels come later, from the FT3xx summary.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftprep.checks.behaviour.line import LineView

if TYPE_CHECKING:
    from ftprep.checks.behaviour.settings import BehaviourRules
    from ftprep.dataset.collect import DatasetContext
    from ftprep.formats import LineFormat

Record = dict[str, Any]
ALL_REPLIES = "*"
# Examples whose fact tokens are kept as text, to quote in messages.
SAMPLE_EXAMPLES = 200
_STRIP = ".,;:!?()[]{}<>\"'“”‘’*"
_CURRENCY = "#$€£¥"
_TOKEN_REST = re.compile(r"\S*")
_WORD = re.compile(r"[^\W_]+")
_NOT_DIGITS = bytes(c for c in range(256) if not 48 <= c <= 57)
_DIGIT_RUN = re.compile(r"[0-9]+")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_MONTH_AFTER = re.compile(rf"(?:st|nd|rd|th)?\.?\s+({_MONTHS})[a-z]*\b", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"\b({_MONTHS})[a-z]*\.?\s+$", re.IGNORECASE)


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
        # Example i's fact hashes are facts[fact_start[i]:fact_start[i + 1]].
        self.facts = array("q")
        self.fact_start = array("I", [0])
        self.samples: dict[int, tuple[str, ...]] = {}
        self.system_prompts: Counter[int] = Counter()

    def __len__(self) -> int:
        return len(self.lines)

    def on_record(self, number: int, record: Record, fmt: LineFormat) -> None:
        """The `on_record` hook of ftprep.validate.validate. Never raises on odd input."""
        messages = fmt.conversation(record)
        view = LineView(self.rules, record, messages, fmt)
        last = None
        system = None
        for i, message in enumerate(messages):  # one pass: the reply and the system prompt
            role = message.get("role")
            if role == "assistant":
                last = i
            elif role == "system" and system is None:
                system = view.text(i)
        text = view.reply(last).text if last is not None else ""
        raw = text.split()
        self.lines.append(number)
        self.has_reply.append(bool(raw))
        self.words.append(len(raw))
        edge = self.edge
        # A few spare words: punctuation-only words vanish when normalised.
        self.openings.append(_edge(raw[: edge + 2], edge, first=True))
        self.closings.append(_edge(raw[-(edge + 2):], edge, first=False))
        facts = reply_facts(text, lambda: "\n".join(view.text(i) for i in range(
            last if last is not None else len(messages))))
        if facts:
            self.facts.extend(hash(f) for f in facts)
            if len(self.samples) < SAMPLE_EXAMPLES:
                self.samples[len(self.lines) - 1] = tuple(facts)
        self.fact_start.append(len(self.facts))
        if system is not None:
            self.system_prompts[hash(system)] += 1

    def facts_of(self, i: int) -> array[int]:
        return self.facts[self.fact_start[i]: self.fact_start[i + 1]]


def _edge(words: list[str], n: int, *, first: bool) -> str:
    """The first (or last) n words, lower-cased, without punctuation, e.g. "hi maria" or
    "acme support team"."""
    kept = _WORD.findall(" ".join(words).casefold())
    return sys.intern(" ".join(kept[:n] if first else kept[-n:]))


def reply_facts(reply: str, source: str | Callable[[], str]) -> list[str]:
    """Number-like tokens of the reply (order and account numbers, amounts, dates, codes)
    that the input does not contain, so the model could not have copied them: distinct,
    lower-cased, in order. Tokens under three characters (5 days, 12 items, router X2)
    are not facts; a day with its month is ("14 mar"). `source` may be a function that builds the
    input text: it is called only when the reply has numbers."""
    found = list(_number_tokens(reply))
    if not found:
        return []
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


def _number_tokens(text: str) -> Iterator[tuple[str, str | None]]:
    """(token, None) for each whitespace-delimited token with a digit and at least three
    characters; ("", "14 mar") for a day next to a month name. The digits are
    found by a C-speed screen and one regex; everything else looks only around them."""
    if not text.encode("utf-8", "surrogatepass").translate(None, _NOT_DIGITS):
        return
    end = 0
    for match in _DIGIT_RUN.finditer(text):
        if match.start() < end:
            continue  # another digit run of the token already seen
        start = max(text.rfind(" ", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
        end = _TOKEN_REST.match(text, match.end()).end()  # type: ignore[union-attr]
        token = text[start:end].strip(_STRIP).lstrip(_CURRENCY).rstrip(_STRIP).lower()
        run = match.group()
        if len(run) <= 2 and token.rstrip("stndrh") == run:
            after = _MONTH_AFTER.match(text, match.end())
            before = _MONTH_BEFORE.search(text, max(0, start - 12), start)
            month = after.group(1) if after else before.group(1) if before else None
            if month is not None:
                yield "", f"{int(run)} {month[:3].lower()}"
                continue
        if len(token) >= 3:  # "x2", "5", "12" name a model or count things, not a customer
            yield token, None


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
        from ftprep.checks.labels import CLASSIFICATION, label_summary

        summary = label_summary(ctx.features, ctx.settings)
        indices = [i for i in range(len(data)) if data.has_reply[i]]
        if summary.label_field is not None:
            by_line = {e.line: summary.label_of(e) for e in ctx.features.examples}
            groups: dict[str, list[int]] = {}
            for i in indices:
                label = by_line.get(data.lines[i])
                if label is not None:
                    groups.setdefault(label, []).append(i)
            return ReplyGroups(dict(sorted(groups.items())), True)
        if summary.task == CLASSIFICATION and len(summary.counts) * 3 < max(len(data), 1):
            return ReplyGroups({}, False, "the replies are the labels themselves")
        return ReplyGroups({ALL_REPLIES: indices} if indices else {}, False)

    groups: ReplyGroups = ctx.features.memo("behaviour:groups", compute)
    return groups


def group_name(label: str) -> str:
    return "all replies" if label == ALL_REPLIES else f"replies labelled {label!r}"

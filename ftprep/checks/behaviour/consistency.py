"""FT520-FT522: replies of one label that drift from the others in length, opening or
closing, so that a drifting tone or format shows before it is trained in.

Length: a reply is an outlier when its length in words is more than `length-mad`
(default 3.5) robust standard deviations from its label's median, measured on a log
scale. The robust standard deviation is 1.4826 × the median absolute deviation (MAD),
which the outliers themselves cannot inflate as they inflate a standard deviation; the
log scale because lengths are skewed (three times longer is as odd as three times
shorter). It is floored at 0.1 (about ±10 %) so that a label whose replies mostly have
one length still tolerates small differences. 3.5 is Iglewicz and Hoaglin's cut-off for
the modified z-score.

Openings and closings: the first (last) 1 to `edge-words` words of each reply, normalised
(case, punctuation). The longest such opening that at least `min-share` (80 %) of a
label's replies share is its house style ("hi", "best regards the acme support team");
the replies that do not share it are reported. No house style, no finding.

Labels with fewer than `min-replies` (20) replies are not judged.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ftprep.checks.behaviour.collector import BehaviourCollector, group_name, reply_groups
from ftprep.checks.registry import Hit, Scope, register
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from ftprep.dataset.collect import DatasetContext

T = TypeVar("T")
ROBUST_SIGMA = 1.4826  # MAD -> standard deviation for normal data
# The spread never counts as narrower than this: with k = 3.5 a reply must be about half
# or twice the median length to stand out, however alike templated replies are (at 0.1,
# a correct reply 30% shorter than a template was already an outlier).
MIN_SIGMA = 0.2
# Lines named per finding (the stats keep the counts).
MAX_LINES = 200
MAX_QUOTED = 3


@dataclass(frozen=True)
class LengthSpread:
    replies: int
    median: float
    low: float
    high: float
    outliers: list[int]  # collector indices


@dataclass(frozen=True)
class Conformity:
    replies: int
    common: str | None  # the house style, None when no opening is shared enough
    share: float  # of the house style, or of the most common single word without one
    differ: list[int]


def _judged(ctx: DatasetContext) -> dict[str, list[int]]:
    groups = reply_groups(ctx)
    rules = ctx.behaviour.rules if ctx.behaviour is not None else None
    if groups is None or rules is None or not rules.settings.consistency.enabled:
        return {}
    least = rules.settings.consistency.min_replies
    data: BehaviourCollector = ctx.behaviour
    judged = {label: _main_language(data, idx) for label, idx in groups.by_label.items()}
    return {label: idx for label, idx in judged.items() if len(idx) >= least}


def _main_language(data: BehaviourCollector, indices: list[int]) -> list[int]:
    """The replies in the label's most common language, and those whose language is not
    known: a reply in another language is measured against no house style of its own."""
    languages = _take(data.languages, indices)
    counts = Counter(languages)  # first-seen order, so ties break as over the known ones
    counts.pop("", None)
    if len(counts) < 2:
        return indices
    main = counts.most_common(1)[0][0]
    return [i for i, language in zip(indices, languages, strict=True) if language in (main, "")]


def length_spread(data: BehaviourCollector, indices: list[int], k: float) -> LengthSpread:
    """Median and spread of the log lengths. Lengths repeat (templates), so each distinct
    length is taken once with its count: the same values as over every reply."""
    lengths = Counter(_take(data.words, indices))
    logs = {n: math.log1p(n) for n in lengths}
    centre = _counted_median([(logs[n], c) for n, c in lengths.items()])
    sigma = max(ROBUST_SIGMA * _counted_median([(abs(logs[n] - centre), c)
                                                for n, c in lengths.items()]), MIN_SIGMA)
    unusual = {n for n in lengths if abs(logs[n] - centre) > k * sigma}
    outliers = [i for i in indices if data.words[i] in unusual] if unusual else []
    return LengthSpread(len(indices), math.expm1(centre), max(0.0, math.expm1(centre - k * sigma)),
                        math.expm1(centre + k * sigma), outliers)


def conformity(values: list[str], indices: list[int], words: int, min_share: float, *,
               first: bool) -> Conformity:
    """The longest opening (closing) of 1..words words that min_share of values share.
    A k-word opening is shared at least as often as any longer one, so k grows until the
    share drops below min_share. Openings repeat ("hi maria"): each distinct one is cut once."""
    distinct = Counter(values)  # first-seen order, so ties break as they would over values
    split = {v: v.split() for v in distinct}
    found: tuple[str, float, dict[str, str]] | None = None
    top_share = 0.0
    for k in range(1, words + 1):
        cut = {v: " ".join(w[:k] if first else w[-k:]) for v, w in split.items()}
        counts: Counter[str] = Counter()
        for v, n in distinct.items():
            counts[cut[v]] += n
        common, count = counts.most_common(1)[0]
        share = count / len(values)
        if share < min_share or not common:
            top_share = top_share or share
            break
        found, top_share = (common, share, cut), share
    if found is None:
        return Conformity(len(values), None, top_share, [])
    common, share, cut = found
    differ = {v for v in distinct if cut[v] != common}
    return Conformity(len(values), common, share,
                      [i for i, v in zip(indices, values, strict=True) if v in differ]
                      if differ else [])


def _spread_of(ctx: DatasetContext, label: str, indices: list[int]) -> LengthSpread:
    data: BehaviourCollector = ctx.behaviour
    k = data.rules.settings.consistency.length_mad
    return ctx.features.memo(f"behaviour:length:{label}",
                             lambda: length_spread(data, indices, k))


def _edges_of(ctx: DatasetContext, label: str, indices: list[int], *, first: bool) -> Conformity:
    data: BehaviourCollector = ctx.behaviour
    settings = data.rules.settings.consistency
    values = data.openings if first else data.closings
    return ctx.features.memo(
        f"behaviour:{'opening' if first else 'closing'}:{label}",
        lambda: conformity(_take(values, indices), indices, settings.edge_words,
                           settings.min_share, first=first))


def _counted_median(counted: list[tuple[float, int]]) -> float:
    """The median of a list given as (value, times it occurs) pairs: the same value, to
    the bit, as sorting the whole list and taking its middle (or the mean of two)."""
    ordered = sorted(counted)

    def at(position: int) -> float:
        seen = 0
        for value, times in ordered:
            seen += times
            if position < seen:
                return value
        raise IndexError(position)

    total = sum(times for _, times in ordered)
    mid = total // 2
    return at(mid) if total % 2 else (at(mid - 1) + at(mid)) / 2


def _take(values: Sequence[T], indices: list[int]) -> list[T]:
    """values[i] for each index, at C speed."""
    return list(map(values.__getitem__, indices))


def _where(data: BehaviourCollector, indices: list[int]) -> tuple[int, tuple[int, ...]]:
    lines = sorted(_take(data.lines, indices))
    return lines[0], tuple(lines[1:MAX_LINES])


@register("FT520", "reply-length-outlier", Severity.WARNING, scope=Scope.DATASET)
def reply_length_outlier(ctx: DatasetContext) -> Iterator[Hit]:
    """Replies much longer or shorter than the other replies of their label.

    A label's replies teach the model how much to say. A handful of replies five times
    longer (a pasted thread, a template left in) or a few words long (a truncated export)
    shift that. Outliers are more than 3.5 robust standard deviations (from the median
    absolute deviation, on a log scale) from the label's median length in words; tune
    with `[tool.ftprep.rules.consistency] length-mad`. Check the lines named, then fix or
    drop them."""
    data: BehaviourCollector | None = ctx.behaviour
    for label, indices in _judged(ctx).items():
        assert data is not None
        spread = _spread_of(ctx, label, indices)
        if not spread.outliers:
            continue
        worst = sorted(spread.outliers, key=lambda i: -abs(math.log1p(data.words[i]) -
                                                          math.log1p(spread.median)))
        quoted = ", ".join(f"line {data.lines[i]}: {data.words[i]} words"
                           for i in worst[:MAX_QUOTED])
        line, related = _where(data, spread.outliers)
        n = len(spread.outliers)
        yield Hit(f"{n} of {spread.replies} {group_name(label)} {'has' if n == 1 else 'have'} an "
                  f"unusual length ({quoted}); the usual range is {spread.low:.0f}-"
                  f"{spread.high:.0f} words around a median of {spread.median:.0f}: check "
                  "them before the model learns that length", line=line, related_lines=related)


def _edge_hits(ctx: DatasetContext, *, first: bool) -> Iterator[Hit]:
    data: BehaviourCollector | None = ctx.behaviour
    what, verb = ("opening", "start") if first else ("closing", "end")
    for label, indices in _judged(ctx).items():
        assert data is not None
        result = _edges_of(ctx, label, indices, first=first)
        if result.common is None or not result.differ:
            continue
        style = f"“{result.common} …”" if first else f"“… {result.common}”"
        line, related = _where(data, result.differ)
        n = len(result.differ)
        yield Hit(f"{n} of {result.replies} {group_name(label)} {'does' if n == 1 else 'do'} not {verb} "
                  f"like the other {result.share:.0%} ({style}); align their {what} with the "
                  "house style, or the model learns both", line=line, related_lines=related)


@register("FT521", "reply-opening-drift", Severity.WARNING, scope=Scope.DATASET)
def reply_opening_drift(ctx: DatasetContext) -> Iterator[Hit]:
    """Replies that do not open the way most replies of their label do.

    When 80 % or more of a label's replies start the same way ("Hi <name>,"), the others
    are usually drift: an old template, another agent's style, a reply pasted without its
    greeting. Compared on the first 1 to 3 normalised words (`edge-words`, `min-share`
    in `[tool.ftprep.rules.consistency]`). Replies in another language than most of the
    label's (German among English ones) are left out of FT520-FT522. Align them, or the
    model learns both."""
    yield from _edge_hits(ctx, first=True)


@register("FT522", "reply-closing-drift", Severity.WARNING, scope=Scope.DATASET)
def reply_closing_drift(ctx: DatasetContext) -> Iterator[Hit]:
    """Replies that do not close the way most replies of their label do.

    When 80 % or more of a label's replies end the same way ("The Acme Support Team"),
    the others miss the sign-off or carry another one. Compared on the last 1 to 3
    normalised words. Align them, or the model learns both."""
    yield from _edge_hits(ctx, first=False)


def consistency_stats(ctx: DatasetContext) -> dict[str, Any]:
    """Tables for report.stats["behaviour"]: reply_length, openings, closings."""
    data: BehaviourCollector | None = ctx.behaviour
    groups = reply_groups(ctx)
    if data is None or groups is None or not data.rules.settings.consistency.enabled:
        return {}
    if groups.note:
        return {"consistency": f"not measured: {groups.note}"}
    judged = _judged(ctx)
    lengths: dict[str, Any] = {}
    openings: dict[str, Any] = {}
    closings: dict[str, Any] = {}
    for label, indices in groups.by_label.items():
        words = Counter(_take(data.words, indices))
        row: dict[str, Any] = {"replies": len(indices), "min": min(words),
                               "median": round(_counted_median([(float(w), c) for w, c
                                                                in words.items()]), 1),
                               "max": max(words)}
        if label in judged:
            spread = _spread_of(ctx, label, judged[label])
            row.update({"usual_low": round(spread.low), "usual_high": round(spread.high),
                        "outliers": len(spread.outliers)})
            for table, first in ((openings, True), (closings, False)):
                c = _edges_of(ctx, label, judged[label], first=first)
                table[label] = {"replies": c.replies, "house_style": c.common or "(none)",
                                "share": round(c.share, 4), "differ": len(c.differ)}
        lengths[label] = row
    return {"reply_length_words": lengths, "openings": openings, "closings": closings}

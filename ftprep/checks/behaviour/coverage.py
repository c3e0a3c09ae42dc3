"""FT540: examples per label against what it takes to learn a class, and where more data
would help most.

The yardsticks: OpenAI's minimum of 10 examples (per file; FT301 applies it per label
as `min-label-count`), clear results from about 50 to 100 examples, and a few hundred
for the best results. FT540 ranks the labels between FT301's minimum and the target by
how far below it they are, with how many examples to add; labels under the minimum, a
typo or an unknown label are FT301-FT303's, and only named here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ftprep.checks.registry import Hit, Scope, register
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from ftprep.checks.behaviour.settings import CoverageSettings
    from ftprep.dataset.collect import DatasetContext

LISTED = 5


def _counts(ctx: DatasetContext) -> tuple[dict[str, int], CoverageSettings] | None:
    """Examples per label, configured labels with none included; None when the check
    does not apply (no rules, a validation file, a generation task)."""
    from ftprep.checks.labels import CLASSIFICATION, label_summary

    if ctx.behaviour is None or ctx.is_validation:
        return None
    settings = ctx.behaviour.rules.settings.coverage
    summary = label_summary(ctx.features, ctx.settings)
    if not settings.enabled or summary.task != CLASSIFICATION:
        return None
    counts = dict(summary.counts)
    for label in ctx.settings.labels:
        counts.setdefault(label, 0)
    return counts, settings


def _stage(count: int, minimum: int, settings: CoverageSettings) -> str:
    if count < minimum:
        return "below minimum (FT301)" if count else "no examples"
    if count < settings.useful:
        return "few"
    if count < settings.target:
        return "useful"
    return "target met"


def _priorities(ctx: DatasetContext, counts: dict[str, int], settings: CoverageSettings
                ) -> tuple[list[tuple[str, int]], list[str]]:
    """(labels to grow, most needed first; labels left to FT301-FT303)."""
    allowed = set(ctx.settings.labels)
    minimum = ctx.settings.min_label_count
    grow, elsewhere = [], []
    for label, count in counts.items():
        if allowed and label not in allowed:
            elsewhere.append(label)
        elif count == 0 and allowed:
            grow.append((label, count))
        elif count < minimum:
            elsewhere.append(label)
        elif count < settings.target:
            grow.append((label, count))
    grow.sort(key=lambda lc: (lc[1], lc[0]))
    return grow, sorted(elsewhere)


@register("FT540", "labels-below-target", Severity.INFO, scope=Scope.DATASET)
def labels_below_target(ctx: DatasetContext) -> Iterator[Hit]:
    """Labels with fewer examples than the target, and how many to add where it helps most.

    Fine-tuning needs at least 10 examples, shows clear results from about 50 to 100 per
    class, and improves up to a few hundred. This names the labels furthest below
    `[tool.ftprep.rules.coverage] target` (default 100; `useful` 50) with how many examples
    to add, so new data goes where it helps most. Labels below `min-label-count` are
    reported by FT301 (and FT302, FT303) and only named here."""
    found = _counts(ctx)
    if found is None:
        return
    counts, settings = found
    grow, elsewhere = _priorities(ctx, counts, settings)
    if not grow:
        return
    listed = ", ".join(f"{label!r} ({count}: add {settings.target - count})"
                       for label, count in grow[:LISTED])
    more = f" and {len(grow) - LISTED} more" if len(grow) > LISTED else ""
    few = [label for label, count in grow if count < settings.useful]
    why = (f"{len(few)} of them below the {settings.useful} where results usually become "
           "useful" if few else f"all past {settings.useful}; more still helps")
    also = (f"; fix first what FT301-FT303 report for {', '.join(map(repr, elsewhere[:LISTED]))}"
            if elsewhere else "")
    yield Hit(f"more data would help most for {listed}{more}, to reach {settings.target} per "
              f"label ({why}){also}")


def coverage_stats(ctx: DatasetContext) -> dict[str, Any]:
    found = _counts(ctx)
    if found is None:
        return {}
    counts, settings = found
    minimum = ctx.settings.min_label_count
    grow, _ = _priorities(ctx, counts, settings)
    rank = {label: i for i, (label, _) in enumerate(grow, 1)}
    table = {
        label: {"examples": count, "stage": _stage(count, minimum, settings),
                "add_for_target": max(settings.target - count, 0), "priority": rank.get(label)}
        for label, count in sorted(counts.items(), key=lambda lc: (lc[1], lc[0]))
    }
    return {"coverage": table,
            "coverage_targets": {"minimum": minimum, "useful": settings.useful,
                                 "target": settings.target}}

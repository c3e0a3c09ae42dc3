"""FT3xx: labels and class balance of a classification dataset.

An example's label is its last assistant message, or one field of it when that message
is a JSON object (`label-field`, else the first of category, label, intent, class). The
dataset is a classification task when its labels come from such a field, when allowed
`labels` are configured, or when it has fewer distinct replies than a third of its
examples (the rule of OpenAI's legacy `prepare_data`). Otherwise it is a generation task
and these checks stay silent. A validation file is judged by its training file's task;
it gets only the checks that make sense for a small held-out set.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftprep.checks.registry import Hit, Scope, register
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from ftprep.dataset.collect import DatasetCheckSettings, DatasetContext, DatasetFeatures
    from ftprep.dataset.features import ExampleFeatures

CLASSIFICATION = "classification"
GENERATION = "generation"
# Unknown labels list at most this many lines each in the stats.
_STATS_LINES = 20


@dataclass(frozen=True)
class LabelSummary:
    task: str
    reason: str
    examples: int
    counts: Counter[str]
    unlabelled: int
    label_field: str | None
    # Line numbers of each label's examples.
    lines: dict[str, list[int]]

    def label_of(self, example: ExampleFeatures) -> str | None:
        """The example's label as counted here (None: unlabelled)."""
        if self.label_field is not None and example.label_field != self.label_field:
            return None
        return example.label


def label_summary(features: DatasetFeatures, settings: DatasetCheckSettings) -> LabelSummary:
    """Label counts and whether the dataset is a classification task (memoised per
    dataset and list of allowed labels)."""
    def compute() -> LabelSummary:
        examples = features.examples
        n = len(examples)
        fields = Counter(e.label_field for e in examples if e.label_field is not None)
        field, from_field = fields.most_common(1)[0] if fields else (None, 0)
        if from_field * 2 < n:
            field = None
        # With structured replies, only the label field counts (other replies: FT307);
        # LabelSummary.label_of applies the same rule to one example.
        lines: dict[str, list[int]] = {}
        for e in examples:
            if e.label is not None and (field is None or e.label_field == field):
                lines.setdefault(e.label, []).append(e.line)
        counts = Counter({label: len(at) for label, at in lines.items()})
        if n == 0:
            task, reason = GENERATION, "no examples"
        elif field is not None:
            task, reason = CLASSIFICATION, f"labels come from the `{field}` field of JSON replies"
        elif settings.labels:
            task, reason = CLASSIFICATION, "allowed labels are configured"
        elif len(counts) * 3 < n:
            task, reason = CLASSIFICATION, f"{_replies(len(counts), n)} (fewer than a third)"
        else:
            task, reason = GENERATION, (f"{_replies(len(counts), n)}: a generation task, so "
                                        "label checks are skipped")
        unlabelled = n - sum(counts.values())
        return LabelSummary(task, reason, n, counts, unlabelled, field, lines)
    return features.memo(f"labels:{settings.labels}", compute)


def _replies(distinct: int, n: int) -> str:
    return f"{distinct} distinct repl{'y' if distinct == 1 else 'ies'} in {n} examples"


def _task(ctx: DatasetContext) -> str:
    basis = ctx.reference if ctx.reference is not None else ctx.features
    return label_summary(basis, ctx.settings).task


def _training_classification(ctx: DatasetContext) -> LabelSummary | None:
    """The summary when the checks that only make sense on a training set apply."""
    if ctx.is_validation or _task(ctx) != CLASSIFICATION:
        return None
    return label_summary(ctx.features, ctx.settings)


def _where(ctx: DatasetContext, label: str) -> tuple[int | None, tuple[int, ...]]:
    lines = label_summary(ctx.features, ctx.settings).lines.get(label, [])
    return (lines[0], tuple(lines[1:])) if lines else (None, ())


@register("FT301", "rare-label", Severity.WARNING, scope=Scope.DATASET)
def rare_label(ctx: DatasetContext) -> Iterator[Hit]:
    """A label with fewer examples than `min-label-count` (default 10).

    A class seen a handful of times is learned poorly or not at all, and its mistakes
    are invisible in the validation numbers. Add examples of it, merge it into a related
    label, or drop it. (A label seen once is FT302.)"""
    summary = _training_classification(ctx)
    if summary is None:
        return
    minimum = ctx.settings.min_label_count
    for label, count in sorted(summary.counts.items()):
        if 1 < count < minimum:
            line, related = _where(ctx, label)
            yield Hit(f"label {label!r} has only {count} examples; at least {minimum} per label "
                      "are recommended: add examples, or merge or drop the label",
                      line=line, related_lines=related)


@register("FT302", "singleton-label", Severity.WARNING, scope=Scope.DATASET)
def singleton_label(ctx: DatasetContext) -> Iterator[Hit]:
    """A label that occurs exactly once.

    Usually a typo or a one-off reply rather than a class; the model cannot learn a
    class from one example. Correct the label, or add examples of it."""
    summary = _training_classification(ctx)
    if summary is None or ctx.settings.min_label_count <= 1:
        return
    for label, count in sorted(summary.counts.items()):
        if count == 1:
            line, _ = _where(ctx, label)
            yield Hit(f"label {label!r} occurs only once: fix a typo or add examples", line=line)


@register("FT303", "unknown-label", Severity.ERROR, scope=Scope.DATASET)
def unknown_label(ctx: DatasetContext) -> Iterator[Hit]:
    """A label that is not in the configured `labels` list.

    When `labels = [...]` is set in [tool.ftprep], every example must use one of them; a
    stray label becomes an extra class the model learns to emit. Fix the label, or add it
    to the list."""
    allowed = ctx.settings.labels
    if not allowed:
        return
    counts = label_summary(ctx.features, ctx.settings).counts
    allowed_set = set(allowed)
    folded = {a.casefold(): a for a in allowed}
    for label, count in sorted(counts.items()):
        if label in allowed_set:
            continue
        guess = folded.get(label.casefold()) or next(
            iter(difflib.get_close_matches(label, allowed, n=1, cutoff=0.75)), None)
        hint = f"did you mean {guess!r}?" if guess else f"allowed: {', '.join(allowed)}"
        line, related = _where(ctx, label)
        yield Hit(f"label {label!r} ({count} example(s)) is not an allowed label; {hint}",
                  line=line, related_lines=related)


@register("FT304", "label-imbalance", Severity.WARNING, scope=Scope.DATASET)
def label_imbalance(ctx: DatasetContext) -> Iterator[Hit]:
    """The most common label has over `max-imbalance` times the rarest's examples.

    The default ratio is 10. A skewed dataset teaches the model to prefer the common
    class, and accuracy on the validation set hides it. Add examples of the rare labels
    or down-sample the common ones; if the skew is real, say so with a weighted metric."""
    summary = _training_classification(ctx)
    if summary is None or len(summary.counts) < 2:
        return
    (top, most), (bottom, least) = _extremes(summary.counts)
    ratio = most / least
    if ratio > ctx.settings.max_imbalance:
        yield Hit(f"labels are imbalanced: {top!r} has {most} examples and {bottom!r} {least} "
                  f"(ratio {ratio:.1f}, above {ctx.settings.max_imbalance:g}): add examples "
                  "of the rare labels or down-sample the common ones")


@register("FT305", "label-spelling-variants", Severity.WARNING, scope=Scope.DATASET)
def label_spelling_variants(ctx: DatasetContext) -> Iterator[Hit]:
    """Labels that differ only in case, spacing or punctuation ("Billing", "billing ").

    They are one class written two ways, and the model learns two classes. Pick one
    spelling."""
    if _task(ctx) != CLASSIFICATION:
        return
    from ftprep.dataset.features import spelling_variants

    counts = label_summary(ctx.features, ctx.settings).counts
    for spellings in spelling_variants(counts):
        main = spellings[0]
        for other in spellings[1:]:
            line, related = _where(ctx, other)
            yield Hit(f"label {other!r} ({counts[other]}) is {main!r} ({counts[main]}) spelt "
                      f"differently: use {main!r}", line=line, related_lines=related)


@register("FT306", "validation-label-not-in-training", Severity.WARNING, scope=Scope.DATASET)
def validation_label_not_in_training(ctx: DatasetContext) -> Iterator[Hit]:
    """A validation example whose label never occurs in the training file.

    The model cannot learn a class it never saw, so the validation score for it is
    meaningless. Move some of its examples into training, or fix the label."""
    if ctx.reference is None or _task(ctx) != CLASSIFICATION:
        return
    known = label_summary(ctx.reference, ctx.settings).counts
    counts = label_summary(ctx.features, ctx.settings).counts
    for label in sorted(set(counts) - set(known)):
        line, related = _where(ctx, label)
        yield Hit(f"label {label!r} ({counts[label]} validation example(s)) never occurs in "
                  "the training file", line=line, related_lines=related)


@register("FT307", "missing-label", Severity.WARNING, scope=Scope.DATASET)
def missing_label(ctx: DatasetContext) -> Iterator[Hit]:
    """A structured reply without the label field the rest of the dataset uses.

    When replies are JSON objects with a `category` (or the configured `label-field`),
    one without it, or with a list or object there, has no class. Add the field."""
    summary = label_summary(ctx.reference or ctx.features, ctx.settings)
    if summary.task != CLASSIFICATION or summary.label_field is None:
        return
    field = summary.label_field
    for e in ctx.features.examples:
        if e.label is None or e.label_field != field:
            yield Hit(f"the reply has no usable `{field}` label; add it", line=e.line)


def _extremes(counts: Counter[str]) -> tuple[tuple[str, int], tuple[str, int]]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ordered[0], ordered[-1]


def label_stats(ctx: DatasetContext) -> dict[str, Any]:
    """The labels section of the report (`report.stats["labels"]`, or
    `["validation_labels"]` for a validation file)."""
    summary = label_summary(ctx.features, ctx.settings)
    task = _task(ctx)
    if task != CLASSIFICATION:
        basis = ctx.reference if ctx.reference is not None else ctx.features
        return {"task": GENERATION, "reason": label_summary(basis, ctx.settings).reason,
                "examples": summary.examples, "distinct_outputs": len(summary.counts)}
    labelled = sum(summary.counts.values())
    rows = [{"label": label, "count": count, "share": round(count / labelled, 4)}
            for label, count in sorted(summary.counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    ratio = None
    if len(summary.counts) >= 2:
        (_, most), (_, least) = _extremes(summary.counts)
        ratio = round(most / least, 2)
    minimum = ctx.settings.min_label_count
    reason, below, once = summary.reason, summary.counts, summary.counts
    extra: dict[str, Any] = {}
    if ctx.reference is not None:
        # A validation file is judged by the training file's task, and the minimum
        # counts are advice for training data; a class training never saw is the flag.
        trained = label_summary(ctx.reference, ctx.settings)
        reason = f"as in the training file: {trained.reason}"
        below = once = Counter()
        extra["not_in_training"] = sorted(set(summary.counts) - set(trained.counts))
    allowed = set(ctx.settings.labels)
    unknown = [
        {"label": label, "count": count,
         "lines": summary.lines[label][:_STATS_LINES]}
        for label, count in sorted(summary.counts.items()) if allowed and label not in allowed
    ]
    return {
        "task": CLASSIFICATION,
        "reason": reason,
        "examples": summary.examples,
        "labelled": labelled,
        "unlabelled": summary.unlabelled,
        "label_field": summary.label_field,
        "distinct": len(summary.counts),
        "labels": rows,
        "imbalance_ratio": ratio,
        "max_imbalance": ctx.settings.max_imbalance,
        "min_label_count": minimum,
        "below_minimum": sorted(k for k, c in below.items() if 1 < c < minimum),
        "singletons": sorted(k for k, c in once.items() if c == 1),
        "allowed": list(ctx.settings.labels),
        "unknown": unknown,
        **extra,
    }

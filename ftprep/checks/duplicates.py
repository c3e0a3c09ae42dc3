"""FT4xx: duplicates within a file, and leakage from training into validation.

"Same" input or answer means equal after `ftprep.dataset.features.normalise` (case,
whitespace and punctuation ignored; roles, digits and words count). "Near" means an
estimated Jaccard similarity of the inputs' character 5-grams at or above
`near-duplicate-threshold` (default 0.8), system messages left out; see
ftprep/dataset/near_dupes.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ftprep.checks.registry import Hit, Scope, register
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from ftprep.dataset.collect import DatasetContext, DatasetFeatures

# Lines named in a message; the finding's related_lines has all of them.
_SHOWN = 8
# Training lines attached to a leakage finding.
_LEAK_LINES = 10
# Answers of one conflict quoted in its message (the rest are counted).
_ANSWERS_QUOTED = 4


def _lines_text(lines: list[int] | tuple[int, ...]) -> str:
    shown = ", ".join(str(n) for n in lines[:_SHOWN])
    more = len(lines) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


@register("FT401", "exact-duplicate", Severity.WARNING, scope=Scope.DATASET)
def exact_duplicate(ctx: DatasetContext) -> Iterator[Hit]:
    """Example is an exact copy of an earlier line.

    A repeated example is trained on twice as hard, which skews the model towards it and
    costs tokens for nothing. Lines that differ only in key order or spacing count as
    copies. Delete the later copies (`related_lines` lists all of them)."""
    f = ctx.features
    for group in f.groups("exact_hash"):
        lines = f.lines(group)
        for line in lines[1:]:
            copies = f" ({len(lines)} copies: lines {_lines_text(lines)})" if len(lines) > 2 else ""
            yield Hit(f"exact duplicate of line {lines[0]}{copies}: delete it",
                      line=line, related_lines=tuple(n for n in lines if n != line))


def _answer_groups(f: DatasetFeatures) -> list[list[list[int]]]:
    """Examples with the same input and the same answer, split by exact copy: only groups
    with at least two different lines (exact copies alone are FT401)."""
    def compute() -> list[list[list[int]]]:
        # Only examples that share their input with another can qualify.
        examples = f.examples
        found: list[list[list[int]]] = []
        for group in f.groups("input_hash"):
            by: dict[int, dict[int, list[int]]] = {}
            for i in group:
                e = examples[i]
                by.setdefault(e.output_hash, {}).setdefault(e.exact_hash, []).append(i)
            found.extend(list(subs.values()) for subs in by.values() if len(subs) > 1)
        return sorted(found, key=lambda subgroups: subgroups[0][0])
    return f.memo("answer_groups", compute)


@register("FT402", "duplicate-input-and-answer", Severity.WARNING, scope=Scope.DATASET)
def duplicate_input_and_answer(ctx: DatasetContext) -> Iterator[Hit]:
    """Example has the same input and answer as an earlier line, in other spelling.

    Only case, whitespace, punctuation or metadata differ: it is a duplicate in all but
    spelling, with the same effect as an exact copy. Keep
    one of them."""
    f = ctx.features
    for subgroups in _answer_groups(f):
        first = f.examples[subgroups[0][0]].line
        everyone = f.lines(sorted(i for sub in subgroups for i in sub))
        for sub in subgroups[1:]:
            line = f.examples[sub[0]].line
            yield Hit(f"same input and answer as line {first}, apart from case, spacing, "
                      "punctuation or metadata: keep one",
                      line=line, related_lines=tuple(n for n in everyone if n != line))


@register("FT403", "conflicting-answers", Severity.ERROR, scope=Scope.DATASET)
def conflicting_answers(ctx: DatasetContext) -> Iterator[Hit]:
    """Examples with the same input but different answers (or labels).

    The model is taught two answers to one question and learns the noise between them;
    for a classifier it is a labelling conflict. Decide which answer is right and fix or
    delete the others."""
    from ftprep.checks.labels import CLASSIFICATION, label_summary
    from ftprep.dataset.features import differing_previews

    f = ctx.features
    basis = ctx.reference if ctx.reference is not None else f
    classify = label_summary(basis, ctx.settings).task == CLASSIFICATION
    label_of = label_summary(f, ctx.settings).label_of
    conflicts: list[tuple[list[int], list[list[int]], set[str | None]]] = []
    for group in f.groups("input_hash"):
        answers: dict[int, list[int]] = {}
        for i in group:
            answers.setdefault(f.examples[i].output_hash, []).append(i)
        if len(answers) > 1:
            conflicts.append((group, list(answers.values()),
                              {label_of(f.examples[i]) for i in group}))
    # Answers whose kept previews read the same ("Hi Aisha, I have checked ...") are
    # read back whole, in one pass, to show where they differ.
    quoted = [i for group, groups, labels in conflicts if not (classify and len(labels) > 1)
              for i in _previews_alike([answers[0] for answers in groups[:_ANSWERS_QUOTED]], f)]
    replies = f.whole_replies(quoted) if quoted else {}
    for group, groups, labels in conflicts:
        if classify and len(labels) > 1:
            by_label: dict[str | None, list[int]] = {}
            for i in group:
                by_label.setdefault(label_of(f.examples[i]), []).append(f.examples[i].line)
            kinds = "labels"
            named = [(repr(label), lines) for label, lines in by_label.items()]
        else:
            label = next(iter(labels)) if len(labels) == 1 else None
            kinds = "answers" + (f" (all labelled {label!r})" if classify and label else "")
            shown = groups[:_ANSWERS_QUOTED]
            texts = differing_previews([replies.get(ids[0], f.examples[ids[0]].output_text)
                                        for ids in shown], 50)
            named = [(repr(text), list(f.lines(ids))) for text, ids in zip(texts, shown,
                                                                            strict=True)]
            named += [("", list(f.lines(ids))) for ids in groups[_ANSWERS_QUOTED:]]
        listed = "; ".join(f"{name} (line{'s' if len(lines) > 1 else ''} "
                           f"{_lines_text(lines)})" for name, lines in named[:_ANSWERS_QUOTED])
        if len(named) > _ANSWERS_QUOTED:
            listed += f"; and {len(named) - _ANSWERS_QUOTED} more"
        lines = f.lines(group)
        yield Hit(f"same input, {len(named)} different {kinds}: {listed}; decide which is "
                  "right and fix the others", line=lines[0], related_lines=lines[1:])


def _previews_alike(indices: list[int], f: DatasetFeatures) -> list[int]:
    """`indices` when two of their kept reply previews are the same, else none."""
    previews = [f.examples[i].output_text for i in indices]
    return indices if len(set(previews)) < len(previews) else []


@register("FT404", "near-duplicates", Severity.INFO, scope=Scope.DATASET)
def near_duplicates(ctx: DatasetContext) -> Iterator[Hit]:
    """Examples whose inputs are near-identical.

    "Near" is an estimated Jaccard similarity of character 5-grams at or above
    `near-duplicate-threshold` (default 0.8). Near-copies (the same ticket with another
    order number, a template filled twice) over-weight one case and, split across
    training and validation, inflate the validation score. Vary or thin them out;
    `ftprep split` keeps each cluster on one side. Reported once per cluster; set
    `near-duplicates = false` to skip the search."""
    f = ctx.features
    if f.params is None:
        return
    for cluster in f.near_clusters():
        lines = f.lines(cluster)
        yield Hit(f"{len(lines)} examples have near-identical inputs (estimated similarity "
                  f">= {f.params.threshold:g}): lines {_lines_text(lines)}; vary or thin them out",
                  line=lines[0], related_lines=lines[1:])


@register("FT407", "near-duplicates-labelled-differently", Severity.WARNING, scope=Scope.DATASET)
def near_duplicates_labelled_differently(ctx: DatasetContext) -> Iterator[Hit]:
    """Near-identical inputs that carry different labels: likely a mislabel.

    In a classification dataset, two tickets that read almost the same (another order
    number, another name) should get the same class; when they do not, one of them is
    usually mislabelled, and the model is trained on the noise. Check the lines of the
    rarer label first; if the tickets really ask different things, vary them so that the
    difference shows. Inputs that are the same, not just near, are FT403."""
    from ftprep.checks.labels import CLASSIFICATION, label_summary

    f = ctx.features
    basis = ctx.reference if ctx.reference is not None else f
    if f.params is None or label_summary(basis, ctx.settings).task != CLASSIFICATION:
        return
    label_of = label_summary(f, ctx.settings).label_of
    examples = f.examples
    for cluster in f.near_clusters():
        if len({label_of(examples[i]) for i in cluster} - {None}) < 2:
            continue  # the usual cluster: one label
        labels_of_input: dict[int, set[str]] = {}
        by_label: dict[str, list[int]] = {}
        for i in cluster:
            example = f.examples[i]
            label = label_of(example)
            if label is not None:
                labels_of_input.setdefault(example.input_hash, set()).add(label)
                by_label.setdefault(label, []).append(example.line)
        sets = list(labels_of_input.values())
        if len(by_label) < 2 or all(s == sets[0] for s in sets):
            continue  # one label, or every input with the same conflict (FT403's)
        ordered = sorted(by_label.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        listed = "; ".join(f"{label!r} (line{'s' if len(lines) > 1 else ''} {_lines_text(lines)})"
                           for label, lines in ordered[:_ANSWERS_QUOTED])
        if len(ordered) > _ANSWERS_QUOTED:
            listed += f"; and {len(ordered) - _ANSWERS_QUOTED} more"
        rarest, suspects = ordered[-1]
        first = f": check {rarest!r} first" if len(suspects) < len(ordered[0][1]) else ""
        everyone = f.lines(cluster)
        yield Hit(f"near-identical inputs (estimated similarity >= {f.params.threshold:g}) "
                  f"carry {len(ordered)} different labels: {listed}; if they ask the same "
                  f"thing, a label is wrong{first}",
                  line=suspects[0], related_lines=tuple(n for n in everyone if n != suspects[0]))


def _train_lines(reference: DatasetFeatures, attr: str) -> dict[int, list[int]]:
    def compute() -> dict[int, list[int]]:
        by: dict[int, list[int]] = {}
        for e in reference.examples:
            by.setdefault(getattr(e, attr), []).append(e.line)
        return by
    return reference.memo(f"lines_by:{attr}", compute)


def _row_lines(reference: DatasetFeatures) -> dict[int, list[int]]:
    def compute() -> dict[int, list[int]]:
        by: dict[int, list[int]] = {}
        for e, row in zip(reference.examples, reference.text_row, strict=True):
            by.setdefault(row, []).append(e.line)
        return by
    return reference.memo("lines_by:row", compute)


def leaks(ctx: DatasetContext) -> tuple[dict[int, tuple[str, list[int]]], dict[int, tuple[int, float]]]:
    """Validation examples found in training: ({index: (kind, training lines)} for exact
    copies and same inputs, {index: (training line, similarity)} for near matches)."""
    reference = ctx.reference
    f = ctx.features
    if reference is None:
        return {}, {}

    def compute() -> tuple[dict[int, tuple[str, list[int]]], dict[int, tuple[int, float]]]:
        exact_map = _train_lines(reference, "exact_hash")
        input_map = _train_lines(reference, "input_hash")
        exact: dict[int, tuple[str, list[int]]] = {}
        for i, e in enumerate(f.examples):
            if e.exact_hash in exact_map:
                exact[i] = ("copy", exact_map[e.exact_hash])
            elif e.input_hash in input_map:
                exact[i] = ("input", input_map[e.input_hash])
        near: dict[int, tuple[int, float]] = {}
        if f.params is not None and f.params == reference.params and len(reference):
            rest = [i for i in range(len(f.examples)) if i not in exact]
            rows = [f.text_row[i] for i in rest]
            best, score = reference.index().query(f.signatures[rows])
            row_lines = _row_lines(reference)
            for i, j, s in zip(rest, best.tolist(), score.tolist(), strict=True):
                if j >= 0 and s >= f.params.threshold:
                    near[i] = (row_lines[j][0], s)
        return exact, near
    result: tuple[dict[int, tuple[str, list[int]]], dict[int, tuple[int, float]]] = f.memo(
        "leaks", compute)
    return result


@register("FT405", "validation-leak", Severity.ERROR, scope=Scope.DATASET)
def validation_leak(ctx: DatasetContext) -> Iterator[Hit]:
    """Validation example that is also in the training file.

    The same example, or the same input with another answer. The model is scored on what
    it was trained on, so the validation loss looks better than the model is. Remove it
    from one of the files; `ftprep split` makes splits that cannot leak."""
    exact, _ = leaks(ctx)
    for i, (kind, lines) in sorted(exact.items()):
        what = "an exact copy of" if kind == "copy" else "the same input as"
        yield Hit(f"validation example is {what} training line {lines[0]}: remove it from "
                  "one of the files", line=ctx.features.examples[i].line,
                  related_lines=tuple(lines[:_LEAK_LINES]))


@register("FT406", "validation-near-leak", Severity.WARNING, scope=Scope.DATASET)
def validation_near_leak(ctx: DatasetContext) -> Iterator[Hit]:
    """Validation example whose input is a near-duplicate of a training input.

    Near-copies score almost like copies, so the validation loss overstates how well
    the model generalises. Move the pair to one side, or vary the example."""
    _, near = leaks(ctx)
    for i, (line, score) in sorted(near.items()):
        yield Hit(f"validation input nearly matches training line {line} (estimated "
                  f"similarity {score:.2f}): move it to one side or vary it",
                  line=ctx.features.examples[i].line, related_lines=(line,))


def duplicate_stats(ctx: DatasetContext) -> dict[str, Any]:
    """The duplicates section of the report (`report.stats["duplicates"]`, or
    `["validation_duplicates"]` for a validation file, which adds `leakage`)."""
    f = ctx.features
    exact_groups = f.groups("exact_hash")
    answer_groups = _answer_groups(f)
    conflicts = [g for g in f.groups("input_hash")
                 if len({f.examples[i].output_hash for i in g}) > 1]
    stats: dict[str, Any] = {
        "examples": len(f),
        "exact_duplicates": {"groups": len(exact_groups),
                             "redundant": sum(len(g) - 1 for g in exact_groups)},
        "same_input_and_answer": {"groups": len(answer_groups),
                                  "redundant": sum(len(g) - 1 for g in answer_groups)},
        "conflicting_inputs": {"groups": len(conflicts),
                               "examples": sum(len(g) for g in conflicts)},
    }
    if f.params is None:
        stats["near_duplicates"] = {"enabled": False}
    else:
        clusters = f.near_clusters()
        stats["near_duplicates"] = {
            "enabled": True,
            "threshold": f.params.threshold,
            "num_perm": f.params.num_perm,
            "distinct_inputs": len(f.signatures),
            "clusters": len(clusters),
            "examples": sum(len(c) for c in clusters),
            "largest": max((len(c) for c in clusters), default=0),
        }
    if ctx.reference is not None:
        exact, near = leaks(ctx)
        stats["leakage"] = {
            "validation_examples": len(f),
            "exact_copies": sum(1 for kind, _ in exact.values() if kind == "copy"),
            "same_input": sum(1 for kind, _ in exact.values() if kind == "input"),
            "near": len(near),
        }
    return stats

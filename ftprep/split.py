"""Stratified train/validation split that cannot leak.

Examples are first joined into *units* that must stay on one side: exact copies, examples
with the same input (system prompt aside), and near-duplicate clusters (see
ftprep/dataset/near_dupes.py). Each label's quota is its share of the requested size,
rounded by largest remainder, so it is within one of the requested fraction of that
label. Units are shuffled with the seed and moved to validation while every label in
them has room (each example counts under its own label, as the report's table does);
then the size is topped up exactly, and when no top-up adds up, units are traded by
size (`_trade_sizes`) so that validation holds exactly the requested number whenever
some choice of whole units does. The split is a pure function of the file and the seed.

`split` only reads; `write_split` writes both halves in the input's line order, each
atomically, and never over the input.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftprep.dataset.collect import DatasetCheckSettings, collect_features
from ftprep.jsonl import BOM, STDIN, AtomicWriter, iter_lines, open_binary, output_clash
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from ftprep.dataset.collect import DatasetFeatures
    from ftprep.dataset.near_dupes import UnionFind
    from ftprep.report.finding import Report
    from ftprep.validate import ValidateOptions

# The legacy prepare_data rule when no size is asked for: 20%, at most 1000 examples.
DEFAULT_FRACTION = 0.2
DEFAULT_MAX_VALIDATION = 1000
UNLABELLED = "<unlabelled>"
# Rounds of "find near leaks, join them, refill"; a few suffice in practice.
_MAX_REPAIRS = 20


class SplitError(Exception):
    """A split that cannot be made or written (bad sizes, too few examples, paths)."""


@dataclass
class SplitResult:
    """Line numbers (1-based, ascending) of each half, and how the split was made."""

    train_lines: list[int]
    validation_lines: list[int]
    # Lines that are not valid examples (their problems are in `report`) and blank lines.
    rejected_lines: list[int]
    blank_lines: list[int]
    seed: int
    requested_validation: int
    task: str
    stratified: bool
    label_counts: dict[str, dict[str, int]]
    units: int
    clusters_kept_together: int
    examples_in_clusters: int
    largest_cluster: int
    # Rejected lines per reason ("FT103 invalid-json"), from the report's findings.
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    report: Report | None = None

    def to_dict(self) -> dict[str, Any]:
        """For `report.stats["split"]`."""
        return {
            "train": len(self.train_lines),
            "validation": len(self.validation_lines),
            "requested_validation": self.requested_validation,
            "rejected": len(self.rejected_lines),
            "rejected_reasons": dict(self.rejected_reasons),
            "blank": len(self.blank_lines),
            "seed": self.seed,
            "task": self.task,
            "stratified": self.stratified,
            "label_counts": self.label_counts,
            "units": self.units,
            "clusters_kept_together": self.clusters_kept_together,
            "examples_in_clusters": self.examples_in_clusters,
            "largest_cluster": self.largest_cluster,
            "notes": list(self.notes),
        }


def split(
    records_path: str | Path,
    *,
    validation_fraction: float | None = None,
    validation_size: int | None = None,
    seed: int = 42,
    label_field: str | None = None,
    near_duplicate_threshold: float | None = 0.8,
    num_perm: int = 128,
    options: ValidateOptions | None = None,
) -> SplitResult:
    """Choose the validation lines of a JSONL file. Give a fraction or a size (not
    both); with neither, 20% up to 1000 examples. `near_duplicate_threshold=None` keeps
    only exact and same-input groups together."""
    from ftprep.checks.labels import CLASSIFICATION, label_summary
    from ftprep.dataset.near_dupes import UnionFind

    if str(records_path) == STDIN:
        raise SplitError("split needs a file it can read twice, not standard input")
    settings = DatasetCheckSettings(
        label_field=label_field, near_duplicates=near_duplicate_threshold is not None,
        near_duplicate_threshold=near_duplicate_threshold or 0.8, num_perm=num_perm)
    features, report = collect_features(records_path, settings, options=options)
    if report.io_errors:
        raise SplitError("; ".join(report.io_errors))
    n = len(features)
    # A line with an error (no assistant message, a bad image ...) would fail validation
    # in either half: it goes to the rejects, like a line that is not an example at all.
    error_lines = {f.line for f in report.findings
                   if f.severity == Severity.ERROR and f.line is not None}
    usable = [e.line not in error_lines for e in features.examples]
    if sum(usable) < 2:
        raise SplitError(f"{records_path}: {sum(usable)} valid example(s) without errors; "
                         "a split needs at least 2")
    target = _validation_target(sum(usable), validation_fraction, validation_size)

    # Units: same input (one signature row), then near-duplicate clusters.
    uf = UnionFind(n)
    first_of_row: dict[int, int] = {}
    for i, row in enumerate(features.text_row):
        uf.union(first_of_row.setdefault(row, i), i)
    for cluster in features.near_clusters():
        for i in cluster[1:]:
            uf.union(cluster[0], i)
    summary = label_summary(features, settings)
    stratified = summary.task == CLASSIFICATION
    labels = [(summary.label_of(e) or UNLABELLED) if stratified else "" for e in
              features.examples]
    quota = _apportion(target, Counter(label for label, ok in zip(labels, usable, strict=True) if ok))
    notes: list[str] = []
    units = _usable_units(uf, usable)
    in_validation = [False] * n
    _fill(units, labels, quota, in_validation, random.Random(seed))
    for attempt in range(1, _MAX_REPAIRS + 1):
        # Clusters compare each input with the first rows of its LSH buckets, and the
        # leakage query (FT406) with the first *training* rows, so it may still pair a
        # validation input with a training one: join each such pair into one unit, on
        # the training side, and refill validation from other units. Two to four rounds.
        leaks = _near_leaks(features, in_validation)
        if not leaks:
            break
        if attempt == _MAX_REPAIRS:
            notes.append(f"{len(leaks)} validation input(s) still nearly match training ones")
            break
        uf.union_pairs(leaks)
        units = _usable_units(uf, usable)
        for unit in units:
            if not all(in_validation[i] for i in unit):
                for i in unit:
                    in_validation[i] = False
        _fill(units, labels, quota, in_validation, random.Random(seed + attempt))

    if not any(in_validation):
        raise SplitError(_no_validation(records_path, features, usable, near_duplicate_threshold))
    notes += _shortfall_notes(units, labels, quota, in_validation, stratified)
    lines = [e.line for e in features.examples]
    train = [lines[i] for i in range(n) if usable[i] and not in_validation[i]]
    val = [lines[i] for i in range(n) if in_validation[i]]
    blank, all_lines = _scan(records_path)
    valid = {line for line, ok in zip(lines, usable, strict=True) if ok}
    rejected = [x for x in range(1, all_lines + 1) if x not in valid and x not in blank]
    reasons = _reject_reasons(report, rejected)
    if rejected:
        # Every rejected line, not only the examples that parsed and then failed.
        notes.append(f"{len(rejected)} line(s) went to the rejects file: "
                     + ", ".join(f"{count} {reason}" for reason, count in reasons.items()))
    together = [u for u in units if len(u) > 1]
    counts = {"train": {}, "validation": {}} if not stratified else {
        "train": _sorted_counts(labels[i] for i in range(n) if usable[i] and not in_validation[i]),
        "validation": _sorted_counts(labels[i] for i in range(n) if in_validation[i]),
    }
    return SplitResult(
        train_lines=train, validation_lines=val, rejected_lines=rejected,
        blank_lines=sorted(blank), seed=seed, requested_validation=target,
        task=summary.task, stratified=stratified, label_counts=counts, units=len(units),
        clusters_kept_together=len(together), examples_in_clusters=sum(map(len, together)),
        largest_cluster=max(map(len, units), default=0), rejected_reasons=reasons,
        notes=notes, report=report,
    )


def _usable_units(uf: UnionFind, usable: list[bool]) -> list[list[int]]:
    """The groups that must stay on one side, without the examples that are rejected."""
    units = ([i for i in unit if usable[i]] for unit in uf.groups(min_size=1))
    return [unit for unit in units if unit]


def _fill(
    units: list[list[int]], labels: list[str], quota: dict[str, int],
    in_validation: list[bool], rng: random.Random,
) -> None:
    """Move training units to validation until it holds `sum(quota)` examples, or as
    near as whole units allow. Each example counts under its own label, so a unit that
    mixes labels (same input, different labels) uses room in each of them."""
    target = sum(quota.values())
    mix = [{labels[unit[0]]: 1} if len(unit) == 1 else Counter(labels[i] for i in unit)
           for unit in units]
    taken = Counter(label for label, inside in zip(labels, in_validation, strict=True) if inside)
    size = sum(taken.values())
    order = [u for u in range(len(units)) if not in_validation[units[u][0]]]
    rng.shuffle(order)

    def over(u: int) -> int:
        """Examples by which unit `u` would exceed its labels' quotas."""
        return sum(max(0, taken[label] + c - quota[label]) for label, c in mix[u].items())

    # In shuffled order, every unit whose labels all have room.
    rest: list[int] = []
    for u in order:
        if size + len(units[u]) <= target and over(u) == 0:
            size += _move(units[u], mix[u], taken, in_validation, True)
        else:
            rest.append(u)
    if size == target:
        return
    # Top up to the size asked with the units that overshoot their labels least.
    rest.sort(key=over)
    for u in rest:
        if size + len(units[u]) <= target:
            size += _move(units[u], mix[u], taken, in_validation, True)
    if size != target:
        _trade_sizes(units, mix, taken, quota, in_validation, target, order)


def _move(unit: list[int], mix: dict[str, int], taken: Counter[str], in_validation: list[bool],
          to_validation: bool) -> int:
    """Put `unit` on one side; returns the change in the validation size."""
    sign = 1 if to_validation else -1
    for i in unit:
        in_validation[i] = to_validation
    for label, count in mix.items():
        taken[label] += sign * count
    return sign * len(unit)


def _trade_sizes(
    units: list[list[int]], mix: list[dict[str, int]], taken: Counter[str], quota: dict[str, int],
    in_validation: list[bool], target: int, order: list[int],
) -> None:
    """Reach `target` exactly when some choice of whole units does, else the largest
    size below it (or, when none is, the smallest above it that leaves training some
    examples). Only unit sizes matter for the total: a subset-sum over size classes
    finds how many units of each size validation needs, keeping each count as near to
    the current one as it can, then units are added or removed within each class."""
    by_size: dict[int, list[int]] = {}
    for u, unit in enumerate(units):
        by_size.setdefault(len(unit), []).append(u)
    sizes = sorted(by_size)
    total = sum(map(len, units))
    # reach[k]: bit x set when x examples can be made of units of the first k sizes.
    reach = [1]
    for s in sizes:
        bits, left, step = reach[-1], len(by_size[s]), 1
        while left:  # 1, 2, 4 ... units at a time: every count from 0 to len() is covered
            k = min(step, left)
            bits |= bits << (k * s)
            left, step = left - k, step * 2
        reach.append(bits)
    # Highest reachable size in 1..target, else lowest in target+1..total-1.
    below = reach[-1] & ((2 << target) - 2)
    above = (reach[-1] >> (target + 1)) & ((1 << max(0, total - target - 1)) - 1)
    if below:
        goal = below.bit_length() - 1
    elif above:
        goal = target + (above & -above).bit_length()
    else:
        return  # one unit holds everything: the caller says so
    want: dict[int, int] = {}
    left = goal
    for k in range(len(sizes) - 1, -1, -1):
        s, members = sizes[k], by_size[sizes[k]]
        now = sum(in_validation[units[u][0]] for u in members)
        # Counts nearest the current one first: the fewest moves.
        for j in sorted(range(len(members) + 1), key=lambda j: abs(j - now)):
            if left - j * s >= 0 and reach[k] >> (left - j * s) & 1:
                want[s], left = j, left - j * s
                break
    rank = {u: r for r, u in enumerate(order)}
    for s, members in by_size.items():
        inside = [u for u in members if in_validation[units[u][0]]]
        outside = sorted((u for u in members if not in_validation[units[u][0]]),
                         key=lambda u: rank.get(u, -1))
        # Add the units that overshoot their labels least, remove those most over.
        outside.sort(key=lambda u: sum(max(0, taken[lb] + c - quota[lb]) for lb, c in mix[u].items()))
        for u in outside[:max(0, want[s] - len(inside))]:
            _move(units[u], mix[u], taken, in_validation, True)
    for s, members in by_size.items():
        inside = [u for u in members if in_validation[units[u][0]]]
        inside.sort(key=lambda u: -sum(min(c, max(0, taken[lb] - quota[lb]))
                                        for lb, c in mix[u].items()))
        for u in inside[:max(0, len(inside) - want[s])]:
            _move(units[u], mix[u], taken, in_validation, False)


def _shortfall_notes(units: list[list[int]], labels: list[str], quota: dict[str, int],
                     in_validation: list[bool], stratified: bool) -> list[str]:
    """What the split could not meet, in the report table's terms (each example under
    its own label)."""
    target = sum(quota.values())
    got = Counter(labels[i] for unit in units for i in unit if in_validation[i])
    size = sum(got.values())
    groups = sorted((len(u) for u in units if len(u) > 1), reverse=True)
    notes = []
    if size != target:
        notes.append(
            f"validation: {size} examples, not the {target} asked: no choice of whole groups "
            f"adds up to {target} (exact copies, same-input examples and near-duplicates stay "
            f"on one side; {len(groups)} group(s) of {groups[-1] if groups else 1} to "
            f"{groups[0] if groups else 1} examples)")
    off = [f"{label} {got[label]} of {quota[label]}" for label in sorted(quota)
           if got[label] != quota[label]]
    # With one label, the size note above says it all.
    if stratified and off and len(quota) > 1:
        mixed = any(len({labels[i] for i in unit}) > 1 for unit in units)
        notes.append("validation label counts off their share of the "
                     f"{target} asked, because groups that must stay on one side move whole"
                     f"{' (some hold several labels)' if mixed else ''}: {', '.join(off)}")
    return notes


def _no_validation(path: str | Path, features: DatasetFeatures, usable: list[bool],
                   threshold: float | None) -> str:
    """Why no example can go to validation, and what to do."""
    kept = [e for e, ok in zip(features.examples, usable, strict=True) if ok]
    if len({e.exact_hash for e in kept}) == 1:
        why = f"all {len(kept)} valid examples are copies of one example"
    elif len({e.input_hash for e in kept}) == 1:
        why = f"all {len(kept)} valid examples share one input"
    else:
        why = (f"all {len(kept)} valid examples form one near-duplicate cluster (similarity "
               f"{threshold} or more)")
    # An error, not a note: the user asked for a validation set and would get none.
    return (f"{path}: no validation set can be made without leaking: {why}, and such a "
            "group must stay on one side; nothing was written. Add distinct examples "
            "(`ftprep check` lists the duplicates)"
            + (", raise --near-duplicate-threshold" if "near" in why else "")
            + ", or give a validation file of your own")


def _reject_reasons(report: Report, rejected: list[int]) -> dict[str, int]:
    """Rejected lines counted by their first error ("FT103 invalid-json")."""
    first: dict[int, str] = {}
    wanted = set(rejected)
    for f in report.findings:
        if f.severity == Severity.ERROR and f.line in wanted:
            first.setdefault(f.line, f"{f.code} {f.name}")
    counts = Counter(first.get(line, "not a valid example") for line in rejected)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _near_leaks(features: DatasetFeatures, in_validation: list[bool]) -> list[tuple[int, int]]:
    """(validation example, training example) pairs the FT406 query would report."""
    params = features.params
    if params is None:
        return []
    import numpy as np

    from ftprep.dataset.near_dupes import NearDuplicateIndex

    example_of_row: dict[int, int] = {}
    for i, row in enumerate(features.text_row):
        example_of_row.setdefault(row, i)
    # Whole rows (same input) are on one side, so each row's first example stands for it.
    train_rows = [r for r, i in example_of_row.items() if not in_validation[i]]
    val_rows = [r for r, i in example_of_row.items() if in_validation[i]]
    if not train_rows or not val_rows:
        return []
    sigs = features.signatures
    best, score = NearDuplicateIndex(sigs[np.array(train_rows)], params).query(
        sigs[np.array(val_rows)])
    return [(example_of_row[v], example_of_row[train_rows[j]])
            for v, j, s in zip(val_rows, best.tolist(), score.tolist(), strict=True)
            if j >= 0 and s >= params.threshold]


def _validation_target(n: int, fraction: float | None, size: int | None) -> int:
    if fraction is not None and size is not None:
        raise SplitError("give a validation fraction or a validation size, not both")
    if size is not None:
        if not 1 <= size <= n - 1:
            raise SplitError(f"validation size must be between 1 and {n - 1} for {n} examples")
        return size
    if fraction is None:
        return max(1, min(DEFAULT_MAX_VALIDATION, _half_up(DEFAULT_FRACTION, n)))
    if not 0.0 < fraction < 1.0:
        raise SplitError("validation fraction must be between 0 and 1, e.g. 0.2")
    return min(n - 1, max(1, _half_up(fraction, n)))


def _half_up(fraction: float, n: int) -> int:
    """fraction x n rounded half up (12.5 -> 13, 11.5 -> 12), where `round` rounds half
    to even. In decimal, from the fraction as written: 0.15 x 10 is 1.5, not 1.4999..."""
    from decimal import ROUND_HALF_UP, Decimal

    return int((Decimal(repr(fraction)) * n).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _apportion(total: int, sizes: Counter[str]) -> dict[str, int]:
    """Split `total` over strata in proportion to their sizes; largest remainders get
    the leftover units, so each quota is the floor or the ceiling of its exact share."""
    n = sum(sizes.values())
    exact = {s: total * c / n for s, c in sizes.items()}
    quota = {s: int(v) for s, v in exact.items()}
    leftover = total - sum(quota.values())
    for s in sorted(exact, key=lambda s: (-(exact[s] - quota[s]), s))[:leftover]:
        quota[s] += 1
    return quota


def _sorted_counts(labels: Any) -> dict[str, int]:
    counts = Counter(labels)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _scan(path: str | Path) -> tuple[set[int], int]:
    """(blank line numbers, number of lines)."""
    blank: set[int] = set()
    number = 0
    with open_binary(path) as stream:
        for number, raw in iter_lines(stream):
            if not raw.strip() or (number == 1 and raw == BOM):
                blank.add(number)
    return blank, number


def write_split(
    input_path: str | Path,
    result: SplitResult,
    train_out: str | Path,
    val_out: str | Path,
    rejects_out: str | Path | None = None,
    *,
    also: Sequence[tuple[str | Path, str]] = (),
) -> dict[str, int]:
    """Write the two halves (and the rejected lines) in input order, each through an
    atomic temporary file. Refuses to write over the input or to write both halves to
    one file; with rejected lines and no `rejects_out`, refuses rather than drop them.
    `also`: (path, what) of files the caller writes afterwards (the report), checked
    with the others so that a clash stops the run before anything is written."""
    clash = output_clash([input_path], [
        (train_out, "training half"), (val_out, "validation half"),
        *([(rejects_out, "rejects file")] if rejects_out is not None else []), *also])
    if clash:
        raise SplitError(clash)
    if result.rejected_lines and rejects_out is None:
        raise SplitError(f"{len(result.rejected_lines)} line(s) are not valid examples "
                         f"(first: line {result.rejected_lines[0]}); fix them, or give a "
                         "file for the rejects")
    where = dict.fromkeys(result.validation_lines, 1)
    where.update(dict.fromkeys(result.rejected_lines, 2))
    counts = [0, 0, 0]
    with contextlib.ExitStack() as stack:
        handles = [stack.enter_context(AtomicWriter(p)) for p in (train_out, val_out)]
        if rejects_out is not None:
            handles.append(stack.enter_context(AtomicWriter(rejects_out)))
        blank = set(result.blank_lines)
        with open_binary(input_path) as stream:
            for number, raw in iter_lines(stream):
                if number == 1 and raw.startswith(BOM):
                    raw = raw[len(BOM):]
                if number in blank:
                    continue
                target = where.get(number, 0)
                handles[target].write(raw + b"\n")
                counts[target] += 1
        # Raised inside the writers' block, so no half-written output is kept.
        if counts[0] + counts[1] != len(result.train_lines) + len(result.validation_lines):
            raise SplitError(f"{input_path} changed after it was read; split it again")
    return {"train": counts[0], "validation": counts[1], "rejected": counts[2],
            "blank": len(result.blank_lines)}

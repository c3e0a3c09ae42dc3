"""Format-neutral views of a report: what each stats section shows, as facts, tables,
charts and notes, so that the text, markdown and html reporters print the same figures.

Every section tolerates missing keys and wrong types; a section with an unknown name,
or one that is not a mapping, is shown as plain key/value tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any

from ftprep.report.blocks import (
    DASH,
    MAX_ROWS,
    Badge,
    Bar,
    Builder,
    Card,
    Cell,
    Chart,
    Column,
    Fact,
    Facts,
    Note,
    Row,
    SectionView,
    Table,
    Tone,
    as_list,
    as_map,
    clip,
    compact,
    fmt,
    fmt_lines,
    fmt_pct,
    fmt_stat,
    fmt_usd,
    heading,
    humanise,
    number,
    plural,
)
from ftprep.report.finding import Report

# ---- report-level views -----------------------------------------------------------------


def verdict(report: Report) -> tuple[str, Tone]:
    if report.command == "split" and not report.io_errors:
        # The split was written (exit 0); errors are the input lines it rejected.
        if report.errors:
            return "written; lines with errors went to the rejects", "warn"
        return ("written", "warn") if report.warnings else ("written", "ok")
    if report.errors or report.io_errors:
        return "failed", "bad"
    if report.warnings:
        return "passed with warnings", "warn"
    return "passed", "ok"


def summary_cards(report: Report) -> list[Card]:
    """Headline numbers: finding counts, then a few figures from the stats if present."""
    infos = len(report.findings) - report.errors - report.warnings
    cards = [
        Card("Files", fmt(len(report.files))),
        Card("Examples", fmt(sum(f.examples for f in report.files))),
        Card("Errors", fmt(report.errors), tone="bad" if report.errors else "ok"),
        Card("Warnings", fmt(report.warnings), tone="warn" if report.warnings else "ok"),
        Card("Info", fmt(infos)),
    ]
    tokens = as_map(report.stats.get("tokens"))
    if number(tokens.get("total_tokens")) is not None:
        exact = tokens.get("exact") is True
        cards.append(Card("Tokens", compact(tokens["total_tokens"]),
                          "exact" if exact else "estimate", "" if exact else "warn"))
    labels = as_map(report.stats.get("labels"))
    if number(labels.get("distinct")) is not None:
        ratio = number(labels.get("imbalance_ratio"))
        cards.append(Card("Labels", fmt(labels["distinct"]),
                          f"imbalance {ratio:.1f} : 1" if ratio is not None else ""))
    costs = [number(as_map(r).get("cost_usd")) for r in as_list(as_map(report.stats.get("cost")).get("rows"))
             if as_map(r).get("available", True) is not False]
    known = sorted(c for c in costs if c is not None)
    if known:
        span = fmt_usd(known[0]) if known[0] == known[-1] else f"{fmt_usd(known[0])}–{fmt_usd(known[-1])}"
        cards.append(Card("Training cost", span, f"{len(known)} available model(s)"))
    return cards


SECTION_ORDER = ("tokens", "labels", "duplicates", "cost", "behaviour")


def ordered_sections(stats: Mapping[str, Any]) -> list[str]:
    """Known sections in a fixed order, then any others."""
    return [k for k in SECTION_ORDER if k in stats] + [str(k) for k in stats if k not in SECTION_ORDER]


def section_views(stats: Mapping[str, Any]) -> list[SectionView]:
    """Known sections in a fixed order, then any others as generic key/value tables."""
    return [section_view(key, stats[key]) for key in ordered_sections(stats)]


def section_view(key: str, data: Any) -> SectionView:
    builder = _BUILDERS.get(key)
    if builder is not None and isinstance(data, Mapping):
        return builder(data)
    return generic_view(key, data)


# ---- the sections -----------------------------------------------------------------------

_STATS = ("min", "p5", "median", "mean", "p95", "max")


def tokens_view(data: Mapping[str, Any]) -> SectionView:
    subtitle = " · ".join(fmt(data[k]) for k in ("model", "encoding") if data.get(k))
    if data.get("exact") is True:
        badge = Badge("exact", "ok")
    else:
        reasons = "; ".join(fmt(r) for r in as_list(data.get("estimate_reasons")))
        badge = Badge(f"ESTIMATE ({reasons})" if reasons else "ESTIMATE", "warn")
    b = Builder()
    if _no_examples(data):
        # Zeros from an empty file would read as a distribution of empty examples.
        b.add(Note("No examples: nothing to count.", "muted"))
        return SectionView("tokens", "Tokens", subtitle, (), tuple(b.blocks))
    facts = [Fact(label, fmt(data[key])) for key, label in (
        ("examples", "examples"), ("total_tokens", "total tokens"), ("billed_tokens", "billed tokens"))
        if key in data]
    if "system_share" in data:
        facts.append(Fact("system prompts", f"{fmt_pct(data['system_share'])} of all tokens"))
    over = as_map(data.get("over_limit"))
    if over and over.get("limit") is None:
        # No limit to compare with: say so, not "over — tokens".
        facts.append(Fact("over limit", "limit unknown: truncation not checked", "muted"))
    elif over:
        count = number(over.get("count")) or 0
        text = f"{fmt(over.get('count', 0))} example(s) over {fmt(over.get('limit'))} tokens"
        if as_list(over.get("lines")):
            text += f" (lines {fmt_lines(over.get('lines'))})"
        facts.append(Fact("over limit", text, "bad" if count > 0 else "ok"))
    b.add(Facts(tuple(facts)))
    rows = [Row((label, *(fmt_stat(as_map(data.get(key)).get(s)) for s in _STATS)))
            for key, label in (("per_example", "per example (total)"), ("assistant", "assistant (trained)"))
            if as_map(data.get(key))]
    b.add(Table((Column("tokens"), *(Column(s, "right") for s in _STATS)), tuple(rows),
                title="Token distribution"))
    b.add(_histogram(as_map(data.get("histogram")), over))
    return SectionView("tokens", "Tokens", subtitle, (badge,), tuple(b.blocks))


def _histogram(hist: Mapping[str, Any], over: Mapping[str, Any]) -> Chart | None:
    counts = [max(number(c) or 0.0, 0.0) for c in as_list(hist.get("counts"))]
    if not counts:
        return None
    edges = [number(e) for e in as_list(hist.get("edges"))]
    clean = tuple(e for e in edges if e is not None)
    if len(clean) == len(counts) + 1:
        labels = tuple(_bin_label(lo, hi) for lo, hi in pairwise(clean))
    else:  # edges missing or inconsistent: label bins by position only
        clean, labels = (), tuple(f"bin {i + 1}" for i in range(len(counts)))
    limit = number(over.get("limit"))
    marker = None
    if limit is not None and clean and clean[0] <= limit <= clean[-1]:
        marker = (limit, f"limit {fmt(limit)}")
    return Chart("histogram", "Tokens per example", labels, tuple(counts), edges=clean, marker=marker)


def _bin_label(low: float, high: float) -> str:
    """Which token counts a bin [low, high) holds. Integer edges (ftprep's own
    histogram): the inclusive range of whole counts, "28–103", or "32" for one value,
    so that neighbouring labels never share a number. Other edges: both ends as given."""
    if low.is_integer() and high.is_integer() and high > low:
        last = high - 1
        return fmt(low) if last == low else f"{fmt(low)}–{fmt(last)}"
    return f"{fmt_stat(low)}–{fmt_stat(high)}"


def labels_view(data: Mapping[str, Any]) -> SectionView:
    subtitle = " · ".join(fmt(data[k]) for k in ("task", "label_source") if data.get(k))
    b = Builder()
    ratio = number(data.get("imbalance_ratio"))
    facts = [Fact(label, fmt(data[key])) for key, label in (
        ("n", "labelled examples"), ("labelled", "labelled examples"), ("unlabelled", "unlabelled"),
        ("distinct", "distinct labels"), ("distinct_outputs", "distinct outputs"),
        ("reason", "recognised because")) if key in data]
    if "imbalance_ratio" in data:
        facts.append(Fact("imbalance (largest : smallest)",
                          f"{ratio:,.1f} : 1" if ratio is not None else DASH,
                          "warn" if ratio is not None and ratio >= 10 else ""))
    b.add(Facts(tuple(facts)))
    counts = {str(k): max(number(v) or 0.0, 0.0) for k, v in as_map(data.get("counts")).items()}
    shares = {str(k): v for k, v in as_map(data.get("shares")).items()}
    # The labels check's own shape: [{label, count, share}], unknown: [{label, count, lines}].
    for row in as_list(data.get("labels")):
        row = as_map(row)
        if "label" in row:
            counts[str(row["label"])] = max(number(row.get("count")) or 0.0, 0.0)
            shares[str(row["label"])] = row.get("share")
    unknown = [str(as_map(row).get("label")) for row in as_list(data.get("unknown"))]
    if unknown and "outside_allowed" not in data:
        data = {**data, "outside_allowed": unknown}
    total = sum(counts.values()) or 1.0
    flags = {name: {str(x) for x in as_list(data.get(key))} for key, name in (
        ("below_minimum", "below minimum"), ("singletons", "singleton"), ("outside_allowed", "not allowed"),
        ("not_in_training", "not in training"))}
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown, hidden = ordered[:MAX_ROWS], len(ordered) - MAX_ROWS
    widest = max((c for _, c in shown), default=0.0) or 1.0
    any_flag = any(label in names for _, names in flags.items() for label in counts)
    rows, tones = [], []
    for label, count in shown:
        share = shares[label] if number(shares.get(label)) is not None else count / total
        marks = [name for name, names in flags.items() if label in names]
        tone: Tone = "warn" if marks else ""
        cells: tuple[Cell, ...] = (clip(label, 80), fmt(count), fmt_pct(share), Bar(count / widest))
        rows.append(Row((*cells, ", ".join(marks)) if any_flag else cells, tone))
        tones.append(tone)
    columns = (Column("label"), Column("count", "right"), Column("share", "right"), Column("balance"))
    note = f"{hidden} more label(s) not shown" if hidden > 0 else ""
    b.add(Table((*columns, Column("flags")) if any_flag else columns, tuple(rows),
                title="Class balance", note=note))
    if shown:
        b.add(Chart("bars", "Examples per label", tuple(label for label, _ in shown),
                    tuple(c for _, c in shown), tuple(tones), in_text=False))
    for key, name in (("outside_allowed", "Labels outside the allowed set"),
                      ("below_minimum", "Labels below the minimum count")):
        unseen = [x for x in as_list(data.get(key)) if str(x) not in counts]
        if unseen:
            b.add(Note(f"{name}: {fmt(unseen)}", "warn"))
    return SectionView("labels", "Labels", subtitle, (), tuple(b.blocks))


def duplicates_view(data: Mapping[str, Any]) -> SectionView:
    """The shape of ftprep.checks.duplicates.duplicate_stats; `leakage` only for a
    validation file."""
    def groups(section: Mapping[str, Any], unit: str, count_key: str) -> tuple[str, Tone]:
        text = f"{fmt(section.get('groups'))} {unit}(s), {fmt(section.get(count_key))} example(s)"
        return text, "warn" if number(section.get("groups")) else ""

    facts = []
    exact = as_map(data.get("exact_duplicates"))
    if exact:
        facts.append(Fact("exact duplicates", *groups(exact, "group", "redundant")))
    same = as_map(data.get("same_input_and_answer"))
    if same:
        facts.append(Fact("same input, same answer", *groups(same, "group", "redundant")))
    conflicts = as_map(data.get("conflicting_inputs"))
    if conflicts:
        text, tone = groups(conflicts, "group", "examples")
        facts.append(Fact("same input, different answers", text, "bad" if tone else ""))
    near = as_map(data.get("near_duplicates"))
    if near and near.get("enabled", True) is not False:
        threshold = number(near.get("threshold"))
        label = "near duplicates"
        if threshold is not None:
            label += f" (est. similarity ≥ {threshold:.2f})"
        near_clusters = {"groups": near.get("clusters"), "examples": near.get("examples")}
        facts.append(Fact(label, *groups(near_clusters, "cluster", "examples")))
    leakage = as_map(data.get("leakage"))
    if leakage:
        exact_leaks = (number(leakage.get("exact_copies")) or 0) + (number(leakage.get("same_input")) or 0)
        near_leaks = number(leakage.get("near")) or 0
        facts.append(Fact("also in the training file", f"{fmt(int(exact_leaks))} exact (copies or the "
                          f"same input), {fmt(leakage.get('near', 0))} near",
                          "bad" if exact_leaks or near_leaks else "ok"))
    return SectionView("duplicates", "Duplicates and leakage", blocks=(Facts(tuple(facts)),) if facts else ())


def cost_view(data: Mapping[str, Any]) -> SectionView:
    rows = [as_map(r) for r in as_list(data.get("rows"))]
    if rows and all(_no_examples(r, "n_examples") for r in rows):
        # An epoch count "for 0 examples" and a $0.00 cost would be made-up figures.
        return SectionView("cost", "Cost", blocks=(Note("No examples: nothing to train on, so "
                                                        "no cost to estimate.", "muted"),))
    dates = {str(r.get("as_of")) for r in rows if r.get("as_of")}
    as_of = fmt(data.get("as_of")) if data.get("as_of") else ""
    per_row_date = len(dates) > 1 or bool(dates and as_of and dates != {as_of})
    subtitle = f"prices as of {as_of or next(iter(dates))}" if (as_of or dates) and not per_row_date else ""
    # "training" holds "1 epoch (heuristic)": a bare "epochs" column reads "epochs 1" when
    # a narrow console stacks the cells. Billed x epochs is the JSON's trained_tokens, named
    # for what it is so that it is not taken for the tokens table's assistant (trained).
    columns = [Column("provider"), Column("model"), Column("method"), Column("training", "right"),
               Column("billed tokens", "right"), Column("billed × epochs", "right"),
               Column("$ / 1M", "right"), Column("cost", "right")]
    if per_row_date:
        columns.append(Column("as of"))
    columns.append(Column("note", long=True))
    table_rows = []
    for r in rows[:MAX_ROWS]:
        count = number(r.get("epochs"))
        whole = count is not None and count.is_integer()
        epochs = plural(int(count), "epoch") if count is not None and whole else fmt(r.get("epochs"))
        if r.get("epochs_source"):
            epochs += f" ({fmt(r['epochs_source'])})"
        available = r.get("available", True) is not False
        notes = [] if available else [f"not available: {fmt(r.get('availability_note') or 'unavailable')}"]
        if r.get("reason"):
            notes.append(fmt(r["reason"]))
        notes += [fmt(n) for n in as_list(r.get("notes"))]
        price, cost = _price_cells(r)
        cells = [fmt(r.get("provider")), fmt(r.get("model")), fmt(r.get("method")), epochs,
                 fmt(r.get("billed_tokens")), fmt(r.get("trained_tokens")), price, cost]
        if per_row_date:
            cells.append(fmt(r.get("as_of")))
        cells.append("; ".join(notes))
        table_rows.append(Row(tuple(cells), "" if available else "muted"))
    b = Builder()
    if not rows:
        # A target whose provider has no price rows: say so rather than draw an empty table.
        b.add(Note("No price for this target's models, so no dollar figure: add rows to a "
                   "--prices file to get one.", "muted"))
        return SectionView("cost", "Cost", blocks=tuple(b.blocks))
    b.add(Table(tuple(columns), tuple(table_rows), title="Estimated training cost",
                note=f"{len(rows) - MAX_ROWS} more row(s) not shown" if len(rows) > MAX_ROWS else ""))
    # Rows share sources, some of them joined ("pricing page; help article"): each part once.
    sources = list(dict.fromkeys(part.strip() for r in rows if r.get("source")
                                 for part in fmt(r.get("source")).split(";") if part.strip()))
    if sources:
        b.add(Note("Prices: " + "; ".join(sources[:5]), "muted"))
    return SectionView("cost", "Cost", subtitle, blocks=tuple(b.blocks))


def _price_cells(row: Mapping[str, Any]) -> tuple[str, str]:
    """The "$ / 1M" and "cost" cells; a row without a dollar figure says why in its cost
    cell (the full reason is the first note)."""
    if number(row.get("cost_usd")) is not None or not (row.get("reason") or row.get("unit")):
        return fmt_usd(row.get("price_per_1m")), fmt_usd(row.get("cost_usd"))
    unit, price = row.get("unit"), number(row.get("price_usd"))
    if unit and unit != "1M tokens" and price is not None:
        return f"{fmt_usd(price)} / {fmt(unit)}", f"billed per {fmt(unit)}"
    if unit and price is None:
        return DASH, "no verified price"
    return DASH, "no price"


def _share_key(key: str) -> bool:
    return "share" in key or "fraction" in key


def _value(key: str, value: Any) -> str:
    num = number(value)
    if num is not None and _share_key(key) and 0 <= num <= 1 and isinstance(value, float):
        return fmt_pct(value)
    return fmt(value)


def _scalar(value: Any) -> bool:
    """A plain value or a list of plain values: one fact."""
    if isinstance(value, Mapping):
        return False
    if isinstance(value, list | tuple):
        return all(not isinstance(v, Mapping | list | tuple) for v in value)
    return True


def generic_view(key: str, data: Any, title: str | None = None) -> SectionView:
    """Key/value tables for free-form sections: scalars as facts, a dict of scalars as
    its own facts, a dict of dicts or a list of dicts as a table."""
    title = title or humanise(key)
    if not isinstance(data, Mapping):
        return SectionView(str(key), title, blocks=(Facts((Fact(humanise(key), fmt(data)),)),))
    b = Builder()
    b.add(Facts(tuple(Fact(humanise(k), _value(str(k), v)) for k, v in data.items() if _scalar(v))))
    for k, v in data.items():
        if _scalar(v):
            continue
        rows = list(v.items()) if isinstance(v, Mapping) else list(enumerate(v, 1))
        if all(not isinstance(x, Mapping | list | tuple) for _, x in rows):
            b.add(Facts(tuple(Fact(heading(rk), _value(f"{k} {rk}", rv)) for rk, rv in rows[:MAX_ROWS]),
                        humanise(k)))
        elif all(isinstance(x, Mapping) for _, x in rows):
            b.add(_table_of_maps(str(k), rows))
        else:
            b.add(Facts(tuple(Fact(heading(rk), fmt(rv)) for rk, rv in rows[:MAX_ROWS]), humanise(k)))
    return SectionView(str(key), title, blocks=tuple(b.blocks))


def _table_of_maps(key: str, rows: list[tuple[Any, Any]]) -> Table:
    names: dict[str, None] = {}
    for _, inner in rows:
        names.update(dict.fromkeys(str(c) for c in inner))
    cols = list(names)[:12]
    out = []
    numeric = dict.fromkeys(cols, True)
    for rk, inner in rows[:MAX_ROWS]:
        by_name = {str(c): val for c, val in inner.items()}
        for c in cols:
            if by_name.get(c) is not None and number(by_name[c]) is None:
                numeric[c] = False  # text ("below minimum") reads better left-aligned
        out.append(Row((clip(str(rk), 80), *(_value(f"{key} {c}", by_name.get(c)) for c in cols))))
    columns = (Column(""), *(Column(heading(c), "right" if numeric[c] else "left") for c in cols))
    note = f"{len(rows) - MAX_ROWS} more row(s) not shown" if len(rows) > MAX_ROWS else ""
    return Table(columns, tuple(out), title=humanise(key), note=note)


def behaviour_view(data: Mapping[str, Any]) -> SectionView:
    if _no_examples(as_map(data.get("system_prompt"))):
        # Without examples the rest is zeros and a default epoch count: say so instead.
        return SectionView("behaviour", "Behaviour", blocks=(Note("No examples: nothing to "
                                                                  "measure.", "muted"),))
    return generic_view("behaviour", data, "Behaviour")


def _no_examples(data: Mapping[str, Any], key: str = "examples") -> bool:
    return key in data and number(data[key]) == 0


def split_view(data: Mapping[str, Any]) -> SectionView:
    """`split`'s figures; its label counts ({half: {label: n}}) as one row per label, so
    that labels from the data are cells (escaped), not column names."""
    halves = {str(half): as_map(counts) for half, counts in as_map(data.get("label_counts")).items()}
    view = generic_view("split", {k: v for k, v in data.items() if k != "label_counts"}, "Split")
    totals: dict[str, float] = {}
    for counts in halves.values():
        for label, n in counts.items():
            totals[str(label)] = totals.get(str(label), 0.0) + (number(n) or 0.0)
    if not totals:
        return view
    ordered = sorted(totals, key=lambda label: (-totals[label], label))
    rows = tuple(Row((clip(label, 80), *(fmt(as_map(halves[h]).get(label, 0)) for h in halves)))
                 for label in ordered[:MAX_ROWS])
    hidden = len(ordered) - MAX_ROWS
    table = Table((Column("label"), *(Column(h, "right") for h in map(heading, halves))), rows,
                  title="Label counts", note=f"{hidden} more label(s) not shown" if hidden > 0 else "")
    return SectionView(view.key, view.title, view.subtitle, view.badges, (*view.blocks, table))


_BUILDERS: dict[str, Callable[[Mapping[str, Any]], SectionView]] = {
    "tokens": tokens_view,
    "labels": labels_view,
    "duplicates": duplicates_view,
    "cost": cost_view,
    "behaviour": behaviour_view,
    "split": split_view,
    "validation_labels": lambda data: _retitled(labels_view(data), "validation_labels",
                                                "Validation file: labels"),
    "validation_duplicates": lambda data: _retitled(duplicates_view(data), "validation_duplicates",
                                                    "Validation file: leakage"),
}


def _retitled(view: SectionView, key: str, title: str) -> SectionView:
    from dataclasses import replace

    return replace(view, key=key, title=title)

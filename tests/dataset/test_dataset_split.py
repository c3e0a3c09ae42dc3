"""The leakage-free stratified split and its atomic writer."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from dataset_helpers import chat, labelled, ticket
from hypothesis import given
from hypothesis import strategies as st

from ftprep.checks.registry import Selection
from ftprep.dataset import DatasetCheckSettings, DatasetContext, collect_features, run_dataset_checks
from ftprep.split import SplitError, _apportion, split, write_split

Maker = Callable[..., Path]  # the `jsonl` fixture

EMAIL = ("Hello, I was charged twice for invoice #{n} this month. Could you please refund "
         "the second payment to my card? Thanks, {name}")


def messy_dataset() -> list[dict | str]:
    """Labels of three sizes, exact copies, same-input conflicts, a near-duplicate
    cluster, a bad line and a blank line."""
    records: list[dict | str] = []
    for i in range(90):
        records.append(labelled(ticket(i), "returns" if i % 3 else "billing"))
    records += [labelled(ticket(i), "complaints") for i in range(90, 100)]
    copy = labelled("Where is my parcel? It is late.", "returns")
    records[5:5] = [copy]
    records[30:30] = [copy, copy]
    records[40:40] = [labelled("Refund order 77 now", "billing"),
                      labelled("Refund order 77 now", "returns")]
    for k, (n, name) in enumerate([(4411, "Maria"), (4412, "Maria"), (4411, "Mia"),
                                   (4413, "Maria"), (4414, "Maria")]):
        records.insert(10 + 17 * k, labelled(EMAIL.format(n=n, name=name), "billing"))
    records.insert(50, "{not json")
    records.insert(60, "")
    return records


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def messy(jsonl: Maker) -> Path:
    return jsonl(messy_dataset(), "train.jsonl")


def test_every_line_ends_in_exactly_one_output(messy: Path, tmp_path: Path) -> None:
    result = split(messy, validation_fraction=0.25, seed=3)
    original = lines_of(messy)
    assert result.blank_lines == [61] and result.rejected_lines == [51]
    numbered = set(result.train_lines) | set(result.validation_lines)
    assert len(numbered) == len(result.train_lines) + len(result.validation_lines)
    assert numbered | {51, 61} == set(range(1, len(original) + 1))

    outs = [tmp_path / "t.jsonl", tmp_path / "v.jsonl", tmp_path / "r.jsonl"]
    counts = write_split(messy, result, *outs)
    assert counts == {"train": len(result.train_lines), "validation": len(result.validation_lines),
                      "rejected": 1, "blank": 1}
    # Each half is the input's lines in their original order.
    assert lines_of(outs[0]) == [original[n - 1] for n in result.train_lines]
    assert lines_of(outs[1]) == [original[n - 1] for n in result.validation_lines]
    assert lines_of(outs[2]) == ["{not json"]
    assert sorted(lines_of(outs[0]) + lines_of(outs[1]) + lines_of(outs[2]) + [""]) == sorted(
        original)


def test_no_duplicate_or_near_duplicate_crosses_the_split(messy: Path, tmp_path: Path) -> None:
    result = split(messy, validation_fraction=0.3, seed=11)
    side = {n: "v" for n in result.validation_lines} | {n: "t" for n in result.train_lines}
    features, _ = collect_features(messy)
    groups = (features.groups("exact_hash") + features.groups("input_hash")
              + features.near_clusters())
    assert any(len(g) >= 5 for g in features.near_clusters())  # the email cluster
    for group in groups:
        assert len({side[n] for n in features.lines(group)}) == 1
    # The three copies, the two conflicting refund requests, the five emails.
    assert (result.clusters_kept_together, result.examples_in_clusters) == (3, 10)
    # And the check command agrees: no FT405/FT406 between the written halves.
    train_out, val_out = tmp_path / "t.jsonl", tmp_path / "v.jsonl"
    write_split(messy, result, train_out, val_out, tmp_path / "r.jsonl")
    train, _ = collect_features(train_out)
    val, _ = collect_features(val_out)
    leaks = run_dataset_checks(DatasetContext(val, DatasetCheckSettings(), reference=train),
                               Selection(select=("FT405", "FT406")))
    assert leaks == []


@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.25, 0.5])
def test_strata_within_one_of_the_fraction(jsonl: Maker, fraction: float) -> None:
    sizes = {"billing": 47, "returns": 23, "complaints": 11, "technical": 5}
    records = [labelled(ticket(i), label) for i, label in
               enumerate(label for label, n in sizes.items() for _ in range(n))]
    result = split(jsonl(records), validation_fraction=fraction, seed=5)
    n = sum(sizes.values())
    assert len(result.validation_lines) == round(fraction * n)
    assert result.stratified and result.task == "classification"
    for label, count in sizes.items():
        got = result.label_counts["validation"].get(label, 0)
        assert abs(got - fraction * count) < 1, label
        assert got + result.label_counts["train"][label] == count


def test_validation_size_and_default(jsonl: Maker) -> None:
    path = jsonl([labelled(ticket(i), "ab"[i % 2]) for i in range(40)])
    assert len(split(path, validation_size=7).validation_lines) == 7
    assert len(split(path).validation_lines) == 8  # 20%, at most 1000


def test_same_seed_same_split(messy: Path) -> None:
    a = split(messy, validation_fraction=0.2, seed=1)
    b = split(messy, validation_fraction=0.2, seed=1)
    c = split(messy, validation_fraction=0.2, seed=2)
    assert (a.train_lines, a.validation_lines) == (b.train_lines, b.validation_lines)
    assert a.validation_lines != c.validation_lines
    assert a.to_dict() == b.to_dict()
    json.dumps(a.to_dict())


def test_generation_task_is_not_stratified(jsonl: Maker) -> None:
    path = jsonl([chat(ticket(i), f"free answer {i}") for i in range(20)])
    result = split(path, validation_fraction=0.25)
    assert not result.stratified and result.task == "generation"
    assert result.label_counts == {"train": {}, "validation": {}}
    assert len(result.validation_lines) == 5


def test_cluster_too_large_for_the_quota_stays_in_training(jsonl: Maker) -> None:
    copies = [labelled("Same ticket every time", "billing")] * 6
    path = jsonl([*copies, *[labelled(ticket(i), "billing") for i in range(4)]])
    result = split(path, validation_fraction=0.5, seed=0)
    assert set(range(1, 7)) <= set(result.train_lines)
    assert len(result.validation_lines) == 4
    # 5 was asked; the nearest size below that whole groups (6 copies, 4 singles) make.
    assert result.notes == ["validation: 4 examples, not the 5 asked: no choice of whole "
                            "groups adds up to 5 (exact copies, same-input examples and "
                            "near-duplicates stay on one side; 1 group(s) of 6 to 6 examples)"]


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"validation_fraction": 0.2, "validation_size": 3}, "not both"),
    ({"validation_fraction": 1.5}, "between 0 and 1"),
    ({"validation_size": 40}, "between 1 and 9"),
])
def test_bad_sizes(jsonl: Maker, kwargs: dict, error: str) -> None:
    path = jsonl([chat(ticket(i), "x") for i in range(10)])
    with pytest.raises(SplitError, match=error):
        split(path, **kwargs)


def test_too_few_examples_and_stdin(jsonl: Maker) -> None:
    with pytest.raises(SplitError, match="at least 2"):
        split(jsonl([chat("only", "one")]))
    with pytest.raises(SplitError, match="standard input"):
        split("-")


def test_write_split_refuses_unsafe_outputs(messy: Path, tmp_path: Path) -> None:
    result = split(messy, validation_fraction=0.2)
    with pytest.raises(SplitError, match="is the input file"):
        write_split(messy, result, messy, tmp_path / "v.jsonl", tmp_path / "r.jsonl")
    with pytest.raises(SplitError, match="different files"):
        write_split(messy, result, tmp_path / "x.jsonl", tmp_path / "x.jsonl", tmp_path / "r")
    with pytest.raises(SplitError, match="not valid examples"):
        write_split(messy, result, tmp_path / "t.jsonl", tmp_path / "v.jsonl")
    assert not (tmp_path / "t.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]  # no temp files left


@given(st.integers(1, 500).flatmap(lambda total: st.tuples(
    st.just(total), st.lists(st.integers(1, 300), min_size=1, max_size=8))))
def test_apportion_quota_is_floor_or_ceiling(case: tuple[int, list[int]]) -> None:
    total, sizes = case
    counts = Counter({f"s{i}": n for i, n in enumerate(sizes)})
    n = sum(sizes)
    total = min(total, n)
    quota = _apportion(total, counts)
    assert sum(quota.values()) == total
    for stratum, size in counts.items():
        exact = total * size / n
        assert quota[stratum] in (math.floor(exact), math.ceil(exact))


def test_a_group_with_two_labels_counts_under_each(jsonl: Maker) -> None:
    # Same input, two labels: one unit, one billing and one technical example. The quotas
    # of 31 are billing 20 (of 21) and technical 11 (of 11): reachable exactly.
    conflict = [labelled("Refund order 77 now", "billing"), labelled("Refund order 77 now", "technical")]
    records = [labelled(ticket(i), "billing") for i in range(20)] + conflict
    records += [labelled(ticket(i), "technical") for i in range(20, 30)]
    for seed in range(5):
        result = split(jsonl(records), validation_size=31, seed=seed)
        assert len(result.validation_lines) == 31, seed
        assert result.label_counts["validation"] == {"billing": 20, "technical": 11}
        assert result.notes == []


def test_notes_name_the_labels_the_table_shows_off_quota(jsonl: Maker) -> None:
    # Billing is 3 copies and a single: 2 billing in validation cannot be had, so
    # billing gets 1 or 3 and technical the rest of the 4.
    records = [labelled("Same billing ticket", "billing")] * 3 + [labelled(ticket(0), "billing")]
    records += [labelled(ticket(i), "technical") for i in range(1, 5)]
    for seed in range(6):
        result = split(jsonl(records), validation_size=4, seed=seed)
        got = result.label_counts["validation"]
        assert len(result.validation_lines) == 4
        off = [f"{label} {got.get(label, 0)} of 2" for label in ("billing", "technical")]
        assert len(result.notes) == 1 and all(part in result.notes[0] for part in off), result.notes


def test_the_size_asked_is_met_when_whole_groups_can_make_it(jsonl: Maker) -> None:
    # Groups of 3, 3, 2 and 2 copies: 4 is 2 + 2, whichever group the shuffle meets first.
    records = [labelled(ticket(k), "billing") for k, n in enumerate([3, 3, 2, 2])
               for _ in range(n)]
    for seed in range(12):
        result = split(jsonl(records), validation_size=4, seed=seed)
        assert len(result.validation_lines) == 4 and result.notes == [], seed


def test_with_no_size_below_the_one_asked_the_nearest_above_is_taken(jsonl: Maker) -> None:
    records = [labelled(ticket(k), "billing") for k in range(2) for _ in range(5)]
    result = split(jsonl(records), seed=0)  # 20% of 10 is 2; each group holds 5
    assert len(result.validation_lines) == 5
    assert result.notes[0].startswith("validation: 5 examples, not the 2 asked")


def test_copies_of_one_example_cannot_be_split(jsonl: Maker) -> None:
    with pytest.raises(SplitError, match=r"all 10 valid examples are copies of one example.*"
                       r"nothing was written"):
        split(jsonl([labelled("Same ticket", "billing")] * 10))


@pytest.mark.parametrize(("n", "expected"), [(25, 13), (23, 12), (10, 3), (7, 4)])
def test_a_fraction_rounds_half_up(jsonl: Maker, n: int, expected: int) -> None:
    # 12.5 -> 13 and 11.5 -> 12 (round() would give 12 for both); 10 x 0.25 = 2.5 -> 3.
    fraction = 0.25 if n == 10 else 0.5
    path = jsonl([chat(ticket(i), f"free answer {i}") for i in range(n)])
    assert len(split(path, validation_fraction=fraction).validation_lines) == expected


def test_every_rejected_line_is_counted_by_reason(jsonl: Maker) -> None:
    records: list[dict | str] = [labelled(ticket(i), "ab"[i % 2]) for i in range(30)]
    records[3:3] = ['{"messages": [{"role": "user", "content": "no answer"}]}',  # FT110
                    '{"messages": [',  # FT103
                    "[1, 2]"]  # FT104
    result = split(jsonl(records))
    assert result.rejected_lines == [4, 5, 6]
    assert ("3 line(s) went to the rejects file: 1 FT103 invalid-json, 1 FT104 "
            "not-a-json-object, 1 FT110 no-trainable-assistant-message") in result.notes
    assert result.rejected_reasons == {"FT103 invalid-json": 1, "FT104 not-a-json-object": 1,
                                       "FT110 no-trainable-assistant-message": 1}
    assert result.to_dict()["rejected_reasons"] == result.rejected_reasons

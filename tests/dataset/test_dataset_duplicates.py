"""FT4xx duplicate and leakage checks and the duplicates stats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_helpers import chat, features_of, labelled, run_checks, ticket

from ftprep.checks.duplicates import duplicate_stats
from ftprep.dataset import DatasetCheckSettings, DatasetContext, collect_features
from ftprep.dataset.features import PREVIEW_CHARS, differing_previews
from ftprep.report.finding import Severity

EMAIL = ("Hello, I was charged twice for invoice #4411 this month. Could you please refund "
         "the second payment to my card? Thanks, Maria")
NEAR = EMAIL.replace("#4411", "#4412")
OTHER = "My parcel arrived damaged and the blender inside does not switch on any more."


def distinct(n: int, start: int = 0) -> list[dict]:
    return [chat(ticket(i), f"Answer {i}.") for i in range(start, start + n)]


def found(findings: list, code: str | None = None) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in findings if code is None or f.code == code]


@pytest.mark.parametrize(("name", "records", "expected"), [
    ("all distinct", distinct(6), []),
    ("exact copies", [*distinct(3), distinct(1)[0], *distinct(2, 10), distinct(1)[0]],
     [("FT401", 4), ("FT401", 7)]),
    ("other key order is still a copy",
     [chat("Where is my parcel?", "On its way."),
      {"messages": [{k: m[k] for k in reversed(m)}
                    for m in chat("Where is my parcel?", "On its way.")["messages"]]}],
     [("FT401", 2)]),
    ("same input and answer, other spelling",
     [chat("Where is my parcel?", "On its way."), chat("where is my parcel", "On its way!")],
     [("FT402", 2)]),
    ("same input, other answer",
     [chat("Where is my parcel?", "On its way."), chat("Where is my parcel?", "Lost, sorry.")],
     [("FT403", 1)]),
    ("another system prompt is another input",
     [chat("Where is my parcel?", "On its way."),
      chat("Where is my parcel?", "Lost, sorry.", system="You are a courier bot.")],
     []),
    ("near-duplicates", [chat(EMAIL, "a"), chat(OTHER, "b"), chat(NEAR, "c")],
     [("FT404", 1)]),
])
def test_duplicate_checks(name: str, records: list[dict], expected: list) -> None:
    assert found(run_checks(records, select=("FT4",))) == expected, name


def test_exact_duplicate_names_all_copies() -> None:
    copy = chat("Where is my parcel?", "On its way.")
    findings = run_checks([copy, *distinct(2), copy, copy], select=("FT401",))
    assert found(findings) == [("FT401", 4), ("FT401", 5)]
    assert findings[0].related_lines == (1, 5)
    assert "exact duplicate of line 1 (3 copies: lines 1, 4, 5)" in findings[0].message
    assert findings[0].severity is Severity.WARNING


def test_exact_copies_are_not_also_same_input_findings() -> None:
    copy = chat("Where is my parcel?", "On its way.")
    variant = chat("where is my parcel", "on its way")
    findings = run_checks([copy, copy, variant], select=("FT4",))
    assert found(findings) == [("FT401", 2), ("FT402", 3)]


def test_conflict_names_the_labels() -> None:
    records = [labelled(ticket(i), "billing") for i in range(20)]
    records += [labelled("Refund my order please", "billing"),
                labelled("Refund my order please", "returns"),
                labelled("refund my order, please!", "returns")]
    [finding] = run_checks(records, select=("FT403",))
    assert finding.severity is Severity.ERROR
    assert (finding.line, finding.related_lines) == (21, (22, 23))
    assert "2 different labels: 'billing' (line 21); 'returns' (lines 22, 23)" in finding.message


def test_conflict_names_the_answers_in_a_generation_task() -> None:
    records = [chat(ticket(i), f"reply {i}") for i in range(10)]
    records += [chat("Write a haiku about refunds", "Money flows back home"),
                chat("Write a haiku about refunds", "Card credit returns")]
    [finding] = run_checks(records, select=("FT403",))
    assert "2 different answers: 'Money flows back home' (line 11); 'Card credit returns' " \
           "(line 12)" in finding.message


def test_near_duplicates_are_a_cluster_and_can_be_turned_off() -> None:
    records = [chat(EMAIL, "a"), chat(OTHER, "b"), chat(NEAR, "c"), chat(EMAIL, "a")]
    [near] = run_checks(records, select=("FT404",))
    assert (near.line, near.related_lines) == (1, (3, 4))
    assert near.severity is Severity.INFO
    assert "(estimated similarity >= 0.8)" in near.message  # MinHash: an estimate, said so
    assert run_checks(records, DatasetCheckSettings(near_duplicates=False), select=("FT404",)) == []


def test_near_duplicate_threshold_is_configurable() -> None:
    # Exact Jaccard 0.69: clear of 0.8 whatever the hash functions (0.79 was not).
    other = EMAIL.replace("Thanks, Maria", "Regards from Tom").replace("#4411", "#5820")
    records = [chat(EMAIL, "a"), chat(other, "b")]
    assert found(run_checks(records, select=("FT404",))) == []
    loose = DatasetCheckSettings(near_duplicate_threshold=0.5)
    assert found(run_checks(records, loose, select=("FT404",))) == [("FT404", 1)]


TRAINING = [*distinct(8), chat(EMAIL, "Refunded."), chat("Where is my parcel?", "On its way.")]


@pytest.mark.parametrize(("name", "validation", "expected", "message"), [
    ("clean", distinct(3, 100), [], None),
    ("exact copy", [*distinct(2, 100), chat("Where is my parcel?", "On its way.")],
     [("FT405", 3)], "an exact copy of training line 10"),
    ("same input", [chat("where is my parcel", "Lost, sorry.")],
     [("FT405", 1)], "the same input as training line 10"),
    ("near copy", [*distinct(1, 100), chat(NEAR, "Refunded.")],
     [("FT406", 2)], "nearly matches training line 9"),
])
def test_leakage(name: str, validation: list[dict], expected: list, message: str | None) -> None:
    findings = run_checks(validation, training=TRAINING, select=("FT405", "FT406"))
    assert found(findings) == expected, name
    if message:
        assert message in findings[0].message


def test_leak_findings_point_at_training_lines() -> None:
    findings = run_checks([chat(NEAR, "x"), chat("Where is my parcel?", "On its way.")],
                          training=TRAINING, select=("FT405", "FT406"))
    by_code = {f.code: f for f in findings}
    assert by_code["FT405"].related_lines == (10,) and by_code["FT405"].severity is Severity.ERROR
    assert by_code["FT406"].related_lines == (9,) and by_code["FT406"].severity is Severity.WARNING


def test_no_leak_checks_without_training_file() -> None:
    assert run_checks(TRAINING, select=("FT405", "FT406")) == []


def test_selection_is_honoured() -> None:
    copy = chat("Where is my parcel?", "On its way.")
    records = [copy, copy, chat(EMAIL, "a"), chat(NEAR, "b")]
    assert {f.code for f in run_checks(records)} >= {"FT401", "FT404"}
    assert found(run_checks(records, select=("exact-duplicate",))) == [("FT401", 2)]


def test_stats() -> None:
    settings = DatasetCheckSettings()
    copy = chat("Where is my parcel?", "On its way.")
    records = [copy, copy, chat("Where is my parcel?", "Lost."), chat(EMAIL, "a"),
               chat(NEAR, "b"), *distinct(3, 200)]
    train = features_of(TRAINING, settings)
    ctx = DatasetContext(features_of(records, settings), settings, reference=train)
    stats = duplicate_stats(ctx)
    assert stats["examples"] == 8
    assert stats["exact_duplicates"] == {"groups": 1, "redundant": 1}
    assert stats["same_input_and_answer"] == {"groups": 0, "redundant": 0}
    assert stats["conflicting_inputs"] == {"groups": 1, "examples": 3}
    assert stats["near_duplicates"] == {"enabled": True, "threshold": 0.8, "num_perm": 128,
                                        "distinct_inputs": 6, "clusters": 1, "examples": 2,
                                        "largest": 2}
    # The copies of line 10, the parcel question and the email (same inputs), the near email.
    assert stats["leakage"] == {"validation_examples": 8, "exact_copies": 2, "same_input": 2,
                                "near": 1}
    json.dumps(stats)
    off = DatasetCheckSettings(near_duplicates=False)
    assert duplicate_stats(DatasetContext(features_of(records, off), off))[
        "near_duplicates"] == {"enabled": False}


def _personal_reply(name: str, amount: int, label: str = "billing") -> str:
    return json.dumps({"category": label, "reply": (
        f"Hi {name},\n\nI have checked your account and corrected the charge; the refund "
        f"of {amount} EUR will reach your card within 5 working days.\n\nBest regards")})


def _conflict_file(tmp_path: Path, *, label: str = "billing") -> Path:
    records = [labelled(ticket(i), ("billing", "returns")[i % 2]) for i in range(20)]
    records += [chat("I was charged twice", _personal_reply("Aisha", 17)),
                chat("I was charged twice", _personal_reply("Aisha", 59, label))]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_conflict_quotes_the_answers_where_they_differ(tmp_path: Path) -> None:
    # The replies agree for 130 characters: a quote of their start would read the same.
    from ftprep.check import check

    report = check(_conflict_file(tmp_path))
    [finding] = [f for f in report.findings if f.code == "FT403"]
    assert "2 different answers (all labelled 'billing')" in finding.message
    assert "'…the refund of 17 EUR will reach" in finding.message
    assert "'…the refund of 59 EUR will reach" in finding.message


def test_conflicting_labels_are_named_not_quoted(tmp_path: Path) -> None:
    from ftprep.check import check

    report = check(_conflict_file(tmp_path, label="returns"))
    [finding] = [f for f in report.findings if f.code == "FT403"]
    assert "2 different labels: 'billing' (line 21); 'returns' (line 22)" in finding.message


def test_a_file_changed_since_keeps_the_previews(tmp_path: Path) -> None:
    # Read back, a line must be the reply that was hashed; otherwise the kept preview is shown.
    path = _conflict_file(tmp_path)
    features, _ = collect_features(path)
    first, second = len(features) - 2, len(features) - 1
    path.write_text("", encoding="utf-8")
    replies = features.whole_replies([first, second])
    assert replies == {first: features.examples[first].output_text,
                       second: features.examples[second].output_text}
    assert len(replies[first]) <= PREVIEW_CHARS


def test_whole_replies_reads_only_the_lines_asked_for(tmp_path: Path) -> None:
    path = _conflict_file(tmp_path)
    features, _ = collect_features(path)
    [(index, reply)] = features.whole_replies([len(features) - 1]).items()
    assert index == len(features) - 1
    assert reply == _personal_reply("Aisha", 59)


@pytest.mark.parametrize(("texts", "expected"), [
    (["short", "other"], ["short", "other"]),
    (["The refund of 17 EUR is on its way to your card", "The refund of 59 EUR is on its way"],
     ["The refund of 17 EUR is on its way to your card", "The refund of 59 EUR is on its way"]),
    ([f"{'word ' * 20}ends with A", f"{'word ' * 20}ends with B"],
     ["…word ends with A", "…word ends with B"]),
])
def test_differing_previews(texts: list[str], expected: list[str]) -> None:
    assert differing_previews(texts, 50) == expected


def _classified(*extra: dict) -> list[dict]:
    """20 distinct tickets over two labels (a classification task), then `extra`."""
    return [labelled(ticket(i), ("billing", "returns")[i % 2]) for i in range(20)] + list(extra)


def test_near_identical_inputs_with_different_labels_are_a_likely_mislabel() -> None:
    records = _classified(labelled(EMAIL, "billing"), labelled(EMAIL.replace("#4411", "#4413"), "billing"),
                          labelled(NEAR, "technical"))
    [finding] = run_checks(records, select=("FT407",))
    assert finding.severity is Severity.WARNING
    assert (finding.line, finding.related_lines) == (23, (21, 22))
    assert "carry 2 different labels: 'billing' (lines 21, 22); 'technical' (line 23)" in finding.message
    assert "check 'technical' first" in finding.message


@pytest.mark.parametrize("records", [
    _classified(labelled(EMAIL, "billing"), labelled(NEAR, "billing")),  # one label
    [chat(EMAIL, "Refunded, sorry."), chat(NEAR, "We cannot refund this one.")]  # generation
    + [chat(ticket(i), f"answer {i}") for i in range(10)],
    _classified(labelled(EMAIL, "billing"), labelled(EMAIL, "technical")),  # FT403's case
])
def test_no_mislabel_warning_without_a_near_label_conflict(records: list[dict]) -> None:
    assert run_checks(records, select=("FT407",)) == []

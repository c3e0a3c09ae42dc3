"""FT3xx label checks and the labels stats, table-driven over small hand-made datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_helpers import chat, features_of, labelled, run_checks, ticket

from ftprep.checks.labels import label_stats
from ftprep.checks.registry import Scope, all_checks
from ftprep.dataset import DatasetCheckSettings, DatasetContext
from ftprep.report.finding import Severity


def dataset(counts: dict[str, int], start: int = 0) -> list[dict]:
    """`counts` examples per label, each with its own ticket text."""
    out, i = [], start
    for label, count in counts.items():
        for _ in range(count):
            out.append(labelled(ticket(i), label))
            i += 1
    return out


def plain(counts: dict[str, int]) -> list[dict]:
    """Plain-text replies that are the label itself."""
    out, i = [], 0
    for label, count in counts.items():
        for _ in range(count):
            out.append(chat(ticket(i), label))
            i += 1
    return out


BALANCED = {"billing": 12, "technical": 12, "returns": 12, "complaints": 12}


@pytest.mark.parametrize(("name", "records", "settings", "expected"), [
    ("balanced", dataset(BALANCED), {}, []),
    ("rare label", dataset({"billing": 30, "returns": 5}), {}, [("FT301", 31)]),
    ("singleton, not also rare", dataset({"billing": 30, "refunds": 1}), {},
     [("FT302", 31), ("FT304", None)]),
    ("singleton allowed by min 1", dataset({"billing": 30, "refunds": 1}),
     {"min_label_count": 1, "max_imbalance": 50}, []),
    ("imbalance above 10", dataset({"billing": 121, "returns": 12}), {}, [("FT304", None)]),
    ("imbalance at 10 is fine", dataset({"billing": 120, "returns": 12}), {}, []),
    ("imbalance threshold configurable", dataset({"billing": 60, "returns": 12}),
     {"max_imbalance": 4}, [("FT304", None)]),
    ("plain-text labels by the n/3 rule", plain({"billing": 30, "returns": 5}), {},
     [("FT301", 31)]),
    ("generation task is silent", [chat(ticket(i), f"reply number {i}") for i in range(30)],
     {"min_label_count": 50}, []),
    ("spelling variants", dataset({"billing": 20, "Billing": 12}), {}, [("FT305", 21)]),
    ("allowed labels", dataset({"billing": 12, "Returns": 12}),
     {"labels": ["billing", "returns"]}, [("FT303", 13)]),
])
def test_label_checks(name: str, records: list[dict], settings: dict,
                      expected: list[tuple[str, int | None]]) -> None:
    findings = run_checks(records, DatasetCheckSettings(**settings), select=("FT3",))
    assert [(f.code, f.line) for f in findings] == expected, name


def test_rare_label_names_its_lines() -> None:
    [finding] = run_checks(dataset({"billing": 30, "returns": 3}), select=("FT301",))
    assert finding.line == 31 and finding.related_lines == (32, 33)
    assert "'returns' has only 3 examples" in finding.message
    assert finding.severity is Severity.WARNING


@pytest.mark.parametrize(("label", "hint"), [
    ("Billing", "did you mean 'billing'?"),
    ("retruns", "did you mean 'returns'?"),
    ("weather", "allowed: billing, returns"),
])
def test_unknown_label_suggests_a_fix(label: str, hint: str) -> None:
    records = dataset({"billing": 12, "returns": 12, label: 2})
    [finding] = run_checks(records, DatasetCheckSettings(labels=["billing", "returns"]),
                           select=("FT303",))
    assert hint in finding.message and finding.severity is Severity.ERROR
    assert (finding.line, finding.related_lines) == (25, (26,))


def test_validation_file_gets_only_the_checks_that_fit_it() -> None:
    training = dataset({"billing": 30, "returns": 30})
    validation = dataset({"billing": 8, "returns": 1, "complaints": 2}, start=100)
    findings = run_checks(validation, training=training, select=("FT3",))
    # No FT301/FT302/FT304 on a small held-out set; a label training never saw is FT306.
    assert [(f.code, f.line) for f in findings] == [("FT306", 10)]
    assert "'complaints' (2 validation example(s))" in findings[0].message


def test_validation_stats_follow_the_training_task_and_flag_unseen_labels() -> None:
    # Plain replies: 5 distinct in 10 would be a generation task on their own.
    training = plain({"billing": 9, "returns": 5, "technical": 5, "complaints": 3})
    validation = plain({"technical": 3, "billing": 2, "complaints": 2, "returns": 2, "privacy": 1})
    settings = DatasetCheckSettings()
    ctx = DatasetContext(features_of(validation, settings), settings,
                         reference=features_of(training, settings))
    stats = label_stats(ctx)
    assert stats["task"] == "classification"
    assert stats["reason"].startswith("as in the training file: 4 distinct replies in 22")
    assert "generation" not in stats["reason"]
    # The minimum counts are advice for training data, not for a held-out set.
    assert stats["below_minimum"] == [] and stats["singletons"] == []
    assert stats["not_in_training"] == ["privacy"]


def test_missing_label_field() -> None:
    records = dataset({"billing": 12, "returns": 12})
    records += [chat(ticket(50), "sorry, plain text"),
                chat(ticket(51), json.dumps({"reply": "no category here"}))]
    findings = run_checks(records, select=("FT307", "FT302"))
    assert [(f.code, f.line) for f in findings] == [("FT307", 25), ("FT307", 26)]


def test_label_field_setting() -> None:
    records = [chat(ticket(i), json.dumps({"topic": t, "category": "x"}))
               for i, t in enumerate(["a"] * 12 + ["b"] * 2)]
    findings = run_checks(records, DatasetCheckSettings(label_field="topic"), select=("FT3",))
    assert [(f.code, f.line) for f in findings] == [("FT301", 13)]


def test_stats_for_classification() -> None:
    settings = DatasetCheckSettings(labels=["billing", "returns"])
    ctx = DatasetContext(features_of(dataset({"billing": 30, "returns": 2, "other": 1}),
                                     settings), settings)
    stats = label_stats(ctx)
    assert stats["task"] == "classification"
    assert stats["reason"] == "labels come from the `category` field of JSON replies"
    assert stats["labels"][:2] == [{"label": "billing", "count": 30, "share": 0.9091},
                                   {"label": "returns", "count": 2, "share": 0.0606}]
    assert stats["imbalance_ratio"] == 30.0
    assert stats["below_minimum"] == ["returns"] and stats["singletons"] == ["other"]
    assert stats["unknown"] == [{"label": "other", "count": 1, "lines": [33]}]
    assert (stats["examples"], stats["labelled"], stats["distinct"]) == (33, 33, 3)
    json.dumps(stats)  # the report serialises it


def test_stats_for_generation() -> None:
    settings = DatasetCheckSettings()
    records = [chat(ticket(i), f"free reply {i}") for i in range(9)]
    stats = label_stats(DatasetContext(features_of(records, settings), settings))
    assert stats["task"] == "generation" and "generation task" in stats["reason"]
    assert stats["distinct_outputs"] == 9


def test_every_label_and_duplicate_check_is_documented() -> None:
    dataset_checks = {c.code: c for c in all_checks() if c.scope is Scope.DATASET}
    assert {f"FT30{i}" for i in range(1, 8)} | {f"FT40{i}" for i in range(1, 7)} <= set(
        dataset_checks)
    for check in dataset_checks.values():
        assert check.summary and len(check.doc.splitlines()) >= 3, check.code


def test_settings_from_config(tmp_path: Path) -> None:
    from ftprep.config import ConfigError, load_config

    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.ftprep]\nlabels = ["billing", "returns"]\n\n[tool.ftprep.check]\n'
                    'min-label-count = 5\nnear-duplicate-threshold = 0.9\nnum-perm = 64\n'
                    'label-field = "topic"\n', encoding="utf-8")
    settings = DatasetCheckSettings.from_config(load_config(path))
    assert settings.labels == ["billing", "returns"]
    assert (settings.min_label_count, settings.label_field) == (5, "topic")
    params = settings.minhash_params()
    assert params is not None and (params.threshold, params.num_perm) == (0.9, 64)
    path.write_text("[tool.ftprep.check]\nnear-duplicate-treshold = 0.9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        DatasetCheckSettings.from_config(load_config(path))

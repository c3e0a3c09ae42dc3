"""A large file is validated and checked in two processes (ftprep.shards); the result must
be exactly that of one sequential pass. The tests lower the size threshold so that small
files are split too, and compare the two JSON reports byte for byte."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from helpers import chat, write_jsonl

import ftprep.shards as shards

TOPICS = ["invoice", "router", "parcel", "refund", "password", "delivery", "screen", "plan"]


def _ticket(i: int, rng: random.Random) -> dict[str, Any]:
    words = " ".join(rng.choice(TOPICS) for _ in range(12))
    label = rng.choice(["billing", "technical", "returns", "complaints"])
    reply = json.dumps({"category": label, "reply": f"Hi, order {1000 + i % 50} is fixed on 14 March."})
    return chat(user=f"ticket {i % 180}: {words}", reply=reply)


def _messy_file(path: Path, n: int = 600, *, seed: int = 7) -> Path:
    """Valid examples, exact and near duplicates on both sides of the middle, conflicting
    answers, PII, blank lines, broken JSON and schema errors in both halves."""
    rng = random.Random(seed)
    records: list[Any] = [_ticket(i, rng) for i in range(n)]
    records[5] = "{not json"
    records[n - 7] = "{also not json"
    records[n // 2 + 3] = ""
    records[40] = {"messages": [{"role": "robot", "content": "hi"}]}
    records[n - 40] = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": ""}]}
    records[n - 20] = chat(user="mail me at jane.doe@example.com", reply="billing")
    records[n - 10] = records[10]  # an exact duplicate across the halves
    near = "I was charged twice for my subscription this month and the invoice shows the wrong amount"
    records[100] = chat(user=near + ", please fix it today", reply="billing")
    records[n - 100] = chat(user=near + ", please fix it soon", reply="billing")
    records[n - 11] = chat(user=records[11]["messages"][1]["content"], reply="complaints")
    return write_jsonl(path, records)


@pytest.fixture
def split_small_files(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Shard every file, and record each sharded run's result (None: it fell back)."""
    import ftprep.dataset.collect as collect

    monkeypatch.setattr(shards, "MIN_SHARD_BYTES", 0)
    monkeypatch.setattr(collect, "_PREFETCH_EXAMPLES", 0)  # clusters on the other core too
    monkeypatch.delenv(shards.WORKERS_ENV, raising=False)
    results: list[Any] = []
    original = shards.run_sharded

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        results.append(result)
        return result

    monkeypatch.setattr(shards, "run_sharded", spy)
    return results


def _both(run_cli: Any, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[str, str]:
    sharded = run_cli(*args)
    monkeypatch.setenv(shards.WORKERS_ENV, "1")
    sequential = run_cli(*args)
    monkeypatch.delenv(shards.WORKERS_ENV)
    assert sharded.exit_code == sequential.exit_code
    return sharded.output, sequential.output


@pytest.mark.parametrize("command", ["check", "validate", "cost"])
def test_two_processes_report_exactly_what_one_does(tmp_path: Path, run_cli: Any,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    split_small_files: list[Any],
                                                    command: str) -> None:
    path = _messy_file(tmp_path / "train.jsonl")
    extra = ["--model", "all"] if command == "cost" else []  # one collector per encoding
    sharded, sequential = _both(run_cli, monkeypatch, command, str(path), "-f", "json", *extra)
    assert split_small_files and split_small_files[0] is not None, "the file was not split"
    assert sharded == sequential
    report = json.loads(sharded)
    codes = {f["code"] for f in report["findings"]}
    # The file really exercises the merge: findings from both halves and across them.
    assert {"FT103", "FT102"} <= codes
    if command == "check":
        assert {"FT401", "FT403", "FT404", "FT510"} <= codes
        lines = {line for f in report["findings"] if f["code"] == "FT401" for line in f["related_lines"]}
        assert lines & {11, 591}


def test_target_format_rule_at_the_first_valid_line_in_the_second_half(
        tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch,
        split_small_files: list[Any]) -> None:
    # Every line of the first half fails its schema; the first valid one is in the second.
    bad = {"messages": [{"role": "robot", "content": "hi"}]}
    records: list[Any] = [bad] * 200 + [chat(user=f"q {i}") for i in range(200)]
    path = write_jsonl(tmp_path / "train.jsonl", records)
    sharded, sequential = _both(run_cli, monkeypatch, "validate", str(path), "-f", "json",
                                "--target", "together")
    assert split_small_files[0] is not None
    assert sharded == sequential


def test_a_failed_worker_is_redone_in_this_process(tmp_path: Path, run_cli: Any,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  split_small_files: list[Any]) -> None:
    from ftprep.dataset.collect import DatasetFeatures

    parent = os.getpid()
    original = DatasetFeatures.shard_state

    def fail_in_the_child(self: DatasetFeatures) -> Any:
        if os.getpid() != parent:
            raise MemoryError("simulated")
        return original(self)

    monkeypatch.setattr(DatasetFeatures, "shard_state", fail_in_the_child)
    path = _messy_file(tmp_path / "train.jsonl")
    sharded, sequential = _both(run_cli, monkeypatch, "check", str(path), "-f", "json")
    assert split_small_files[0] is not None
    assert sharded == sequential


def test_an_odd_first_line_is_flagged_the_same_from_two_processes(
        tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch,
        split_small_files: list[Any]) -> None:
    # The file's format is settled by its first lines' majority, in both passes.
    dpo = {"input": {"messages": [{"role": "user", "content": "q"}]},
           "preferred_output": [{"role": "assistant", "content": "yes"}],
           "non_preferred_output": [{"role": "assistant", "content": "no"}]}
    path = write_jsonl(tmp_path / "train.jsonl", [dpo] + [chat(user=f"q {i}") for i in range(400)])
    sharded, sequential = _both(run_cli, monkeypatch, "validate", str(path), "-f", "json")
    assert split_small_files[0] is not None
    assert sharded == sequential
    assert [(f["code"], f["line"]) for f in json.loads(sharded)["findings"]] == [("FT106", 1)]


def test_files_that_cannot_be_split_run_sequentially(tmp_path: Path, run_cli: Any,
                                                    split_small_files: list[Any]) -> None:
    # The first lines tell no format: the pass cannot know the second half's format.
    path = write_jsonl(tmp_path / "train.jsonl", ["{oops"] * 10, pad_to=60)
    result = run_cli("validate", str(path), "-f", "json")
    assert split_small_files == [None]
    assert {f["code"] for f in json.loads(result.output)["findings"]} == {"FT103"}


def test_small_files_and_workers_1_stay_in_one_process(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", [chat()] * 20)
    assert not shards.can_shard(str(path))  # far below MIN_SHARD_BYTES
    monkeypatch.setattr(shards, "MIN_SHARD_BYTES", 0)
    assert shards.can_shard(str(path)) == ((os.cpu_count() or 1) > 1)
    monkeypatch.setenv(shards.WORKERS_ENV, "1")
    assert not shards.can_shard(str(path))
    assert not shards.can_shard(str(tmp_path))  # a directory


def test_split_is_the_same_from_two_processes(tmp_path: Path, run_cli: Any,
                                              monkeypatch: pytest.MonkeyPatch,
                                              split_small_files: list[Any]) -> None:
    path = _messy_file(tmp_path / "train.jsonl")
    outputs = []
    for workers in ("2", "1"):
        monkeypatch.setenv(shards.WORKERS_ENV, workers)
        train, val = tmp_path / f"train{workers}.jsonl", tmp_path / f"val{workers}.jsonl"
        result = run_cli("split", str(path), "-o", str(train), "--validation-out", str(val),
                         "--seed", "3")
        assert result.exit_code == 0, result.output
        outputs.append((train.read_bytes(), val.read_bytes()))
    assert split_small_files and split_small_files[0] is not None
    assert outputs[0] == outputs[1]


def test_leakage_check_is_the_same_from_two_processes(tmp_path: Path, run_cli: Any,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      split_small_files: list[Any]) -> None:
    train = _messy_file(tmp_path / "train.jsonl")
    validation = _messy_file(tmp_path / "val.jsonl", 300, seed=8)  # shares inputs with train
    sharded, sequential = _both(run_cli, monkeypatch, "check", str(train), "--validation",
                                str(validation), "-f", "json")
    assert len(split_small_files) == 2 and None not in split_small_files
    assert sharded == sequential
    assert {"FT405", "FT406"} & {f["code"] for f in json.loads(sharded)["findings"]}


def test_a_failed_clustering_child_is_redone_in_this_process(
        tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch,
        split_small_files: list[Any]) -> None:
    from ftprep.dataset.near_dupes import NearDuplicateIndex

    parent = os.getpid()
    original = NearDuplicateIndex.clusters

    def fail_in_the_child(self: NearDuplicateIndex, *args: Any) -> Any:
        if os.getpid() != parent:
            raise RuntimeError("simulated")
        return original(self, *args)

    monkeypatch.setattr(NearDuplicateIndex, "clusters", fail_in_the_child)
    path = _messy_file(tmp_path / "train.jsonl")
    sharded, sequential = _both(run_cli, monkeypatch, "check", str(path), "-f", "json")
    assert sharded == sequential
    assert "FT404" in {f["code"] for f in json.loads(sharded)["findings"]}


def test_crlf_lines_split_the_same(tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch,
                                   split_small_files: list[Any]) -> None:
    path = _messy_file(tmp_path / "train.jsonl")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    sharded, sequential = _both(run_cli, monkeypatch, "check", str(path), "-f", "json")
    assert split_small_files[0] is not None
    assert sharded == sequential


def test_an_error_here_stops_and_reaps_the_child(tmp_path: Path,
                                                 split_small_files: list[Any]) -> None:
    from ftprep.validate import validate

    path = _messy_file(tmp_path / "train.jsonl")

    def broken_hook(number: int, record: Any, fmt: Any) -> None:
        if number == 50:  # in the first half, which this process runs
            raise ValueError("a bug in a hook")

    with pytest.raises(ValueError, match="a bug in a hook"):
        validate([path], on_record=broken_hook, collectors=[])
    with pytest.raises(ChildProcessError):  # no child left behind, not even a zombie
        os.waitpid(-1, os.WNOHANG)

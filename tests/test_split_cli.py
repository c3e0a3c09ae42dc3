"""`ftprep split` end to end: every line lands once, and check finds no leak between halves."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import chat, write_jsonl


def test_split_then_check_finds_no_leakage(tmp_path: Path, run_cli) -> None:
    labels = ["billing", "technical", "returns", "complaints"]
    records = [chat(user=f"ticket {i}: my {labels[i % 4]} problem number {i * 7919 % 1000}",
                    reply=labels[i % 4]) for i in range(200)]
    records += records[:10]  # exact copies must stay with their originals
    source = write_jsonl(tmp_path / "all.jsonl", records)
    train, val = tmp_path / "train.jsonl", tmp_path / "val.jsonl"
    result = run_cli("split", str(source), "-o", str(train), "--validation-out", str(val),
                     "--validation-fraction", "0.25", "--seed", "3", "-f", "json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)["stats"]["split"]
    train_lines = train.read_text().splitlines()
    val_lines = val.read_text().splitlines()
    assert len(train_lines) + len(val_lines) == len(records)
    assert not set(train_lines) & set(val_lines)
    assert stats["validation"] == len(val_lines) and stats["stratified"] is True
    checked = run_cli("check", str(train), "--validation", str(val), "-f", "json")
    codes = {f["code"] for f in json.loads(checked.stdout)["findings"]}
    assert not codes & {"FT405", "FT406"}


def test_split_refuses_to_overwrite_input_and_bad_options(tmp_path: Path, run_cli) -> None:
    source = write_jsonl(tmp_path / "all.jsonl", [chat(user=f"t{i}") for i in range(30)])
    same = run_cli("split", str(source), "-o", str(source), "--validation-out", str(tmp_path / "v.jsonl"))
    assert same.exit_code == 2 and "input" in same.output.lower()  # could not run as asked
    both = run_cli("split", str(source), "-o", str(tmp_path / "t.jsonl"), "--validation-out",
                   str(tmp_path / "v.jsonl"), "--validation-fraction", "0.2", "--validation-size", "3")
    assert both.exit_code == 2


def test_split_report_and_config_errors_are_clear(tmp_path: Path, run_cli) -> None:
    source = write_jsonl(tmp_path / "all.jsonl", [chat(user=f"t{i}") for i in range(30)])
    train, val = tmp_path / "t.jsonl", tmp_path / "v.jsonl"
    clash = run_cli("split", str(source), "-o", str(train), "--validation-out", str(val),
                    "--report", str(train))
    assert clash.exit_code == 2 and "training half and the report" in clash.output
    # Found before anything is written: a failed run leaves no outputs behind.
    assert not train.exists() and not val.exists()
    config = tmp_path / "bad.toml"
    config.write_text("[check]\nlabel-field = 3\n", encoding="utf-8")
    bad = run_cli("split", str(source), "-o", str(train), "--validation-out", str(val),
                  "--config", str(config))
    assert bad.exit_code == 2 and "label-field" in bad.output and "Traceback" not in bad.output


def test_split_sends_lines_with_errors_to_the_rejects(tmp_path: Path, run_cli) -> None:
    rows = [chat(user=f"t{i}") for i in range(30)]
    rows[4] = json.dumps({"messages": [{"role": "user", "content": "no answer here"}]})  # FT110
    source = write_jsonl(tmp_path / "all.jsonl", rows)
    train, val, rejects = tmp_path / "t.jsonl", tmp_path / "v.jsonl", tmp_path / "r.jsonl"
    result = run_cli("split", str(source), "-o", str(train), "--validation-out", str(val),
                     "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    halves = train.read_text(encoding="utf-8").splitlines() + val.read_text(encoding="utf-8").splitlines()
    assert len(halves) == 29 and "no answer here" not in "".join(halves)
    assert "no answer here" in rejects.read_text(encoding="utf-8")
    assert run_cli("validate", str(train), "--select", "FT110").exit_code == 0


def test_a_small_validation_file_is_not_told_to_grow(tmp_path: Path, run_cli) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [chat(user=f"train ticket {i}") for i in range(30)])
    val = write_jsonl(tmp_path / "val.jsonl", [chat(user=f"held-out ticket {i}") for i in range(12)])
    checked = run_cli("check", str(train), "--validation", str(val), "-f", "json")
    few = [f["file"] for f in json.loads(checked.stdout)["findings"] if f["code"] == "FT124"]
    assert few == [str(train)]  # the training file (30 examples) is; the validation file not


def test_split_report_escapes_control_characters_in_labels(tmp_path: Path, run_cli) -> None:
    labels = ["tech\x1b[31mRED\x1b[0m", "a\x1b]0;TITLE\x07b", "billing"]
    source = write_jsonl(tmp_path / "all.jsonl", [chat(user=f"ticket {i}", reply=labels[i % 3])
                                                  for i in range(30)])
    for output_format in ("text", "markdown", "html"):
        result = run_cli("split", str(source), "-o", str(tmp_path / "t.jsonl"), "--validation-out",
                         str(tmp_path / "v.jsonl"), "-f", output_format, "--color", "never")
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "u001b" in result.stdout and "31mRED" in result.stdout  # shown, escaped


def test_split_of_copies_only_is_an_error_and_writes_nothing(tmp_path: Path, run_cli) -> None:
    source = write_jsonl(tmp_path / "all.jsonl", [chat(user="the same ticket")] * 10)
    train, val = tmp_path / "t.jsonl", tmp_path / "v.jsonl"
    result = run_cli("split", str(source), "-o", str(train), "--validation-out", str(val))
    assert result.exit_code == 2  # could not run as asked, like too few examples
    assert "Error:" in result.output and "copies of one example" in result.output
    assert "nothing was written" in result.output and "validation file" in result.output
    assert not train.exists() and not val.exists()


def near_pairs(count: int) -> list[str]:
    """`count` pairs of inputs about 0.57 similar (one word in four differs): near-
    duplicates at a threshold of 0.45, not at 0.8."""
    import random

    rng = random.Random(0)
    words = ["invoice", "parcel", "router", "login", "courier", "jacket", "kettle", "warranty"]
    texts = []
    for i in range(count):
        base = [f"{rng.choice(words)}{rng.randint(0, 99)}" for _ in range(16)]
        texts.append(" ".join(base))
        texts.append(" ".join(f"{w}x{i}" if k % 4 == 0 else w for k, w in enumerate(base)))
    return texts


def test_split_keeps_together_what_the_configs_check_calls_near_duplicates(
        tmp_path: Path, run_cli) -> None:
    source = write_jsonl(tmp_path / "all.jsonl", [chat(user=text, reply="ab"[i % 2])
                                                  for i, text in enumerate(near_pairs(20))])
    config = tmp_path / "ftprep.toml"
    config.write_text("[check]\nnear-duplicate-threshold = 0.45\n", encoding="utf-8")
    train, val = tmp_path / "t.jsonl", tmp_path / "v.jsonl"

    def split_stats(*extra: str) -> dict:
        result = run_cli("split", str(source), "-o", str(train), "--validation-out", str(val),
                         "--validation-fraction", "0.5", "--config", str(config), "-f", "json",
                         *extra)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["stats"]["split"]

    assert split_stats()["clusters_kept_together"] == 20
    checked = run_cli("check", str(train), "--validation", str(val), "--config", str(config),
                      "-f", "json")
    assert "FT406" not in {f["code"] for f in json.loads(checked.stdout)["findings"]}
    # The option, when given, wins over the config.
    assert split_stats("--near-duplicate-threshold", "0.9")["clusters_kept_together"] == 0
    config.write_text("[check]\nnear-duplicates = false\n", encoding="utf-8")
    assert split_stats()["clusters_kept_together"] == 0

"""`ftprep check` and `ftprep cost`: figures measured from the file, findings, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tiktoken
from helpers import chat, write_jsonl

from ftprep.check import CheckError, CheckOptions, check
from ftprep.validate import ValidateOptions


def expected_tokens(record: dict, encoding: str = "o200k_base") -> int:
    enc = tiktoken.get_encoding(encoding)
    total = 3
    for message in record["messages"]:
        total += 3 + len(enc.encode(message["role"])) + len(enc.encode(message["content"]))
    return total


def test_token_figures_are_exact_counts(tmp_path: Path) -> None:
    records = [chat(user=f"ticket number {i} " + "word " * i, reply="billing") for i in range(60)]
    file = write_jsonl(tmp_path / "t.jsonl", records)
    report = check(file)
    tokens = report.stats["tokens"]
    expected = [expected_tokens(r) for r in records]
    assert tokens["exact"] is True and tokens["encoding"] == "o200k_base"
    assert tokens["total_tokens"] == sum(expected)
    assert tokens["per_example"]["min"] == min(expected)
    assert tokens["per_example"]["max"] == max(expected)
    assert tokens["examples"] == 60
    assert 0 < tokens["system_share"] < 1
    assert sum(tokens["histogram"]["counts"]) == 60


def test_invalid_lines_are_not_counted_or_priced(tmp_path: Path) -> None:
    # The service refuses them: they are not what a run trains on (split rejects them too).
    records = [chat(user=f"ticket {i}", reply="billing") for i in range(12)]
    image_reply = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/y.png"}}]}]}
    no_reply = {"messages": [{"role": "user", "content": "no assistant here"}]}
    file = write_jsonl(tmp_path / "t.jsonl", [*records, image_reply, no_reply])
    report = check(file)
    tokens = report.stats["tokens"]
    assert tokens["examples"] == 12
    assert tokens["total_tokens"] == sum(expected_tokens(r) for r in records)
    assert tokens["assistant"]["max"] < 85  # no image counted as trained
    assert report.stats["cost"]["rows"][0]["epochs"] == 100 // 12
    assert {f.code for f in report.findings if f.line in (13, 14)} >= {"FT110", "FT112"}


def test_cl100k_for_older_models_and_over_limit(tmp_path: Path) -> None:
    long = chat(user="tok " * 5000)
    file = write_jsonl(tmp_path / "l.jsonl", [long], pad_to=60)
    report = check(file, CheckOptions(model="gpt-3.5-turbo-0613"))
    assert report.stats["tokens"]["encoding"] == "cl100k_base"
    over = [f for f in report.findings if f.code == "FT201"]
    assert [f.line for f in over] == [1]
    limit = report.stats["tokens"]["over_limit"]["limit"]
    assert limit == 4096
    assert report.stats["tokens"]["billed_tokens"] < report.stats["tokens"]["total_tokens"]


def test_cost_is_billed_tokens_times_epochs_times_price(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "c.jsonl", [chat()] * 100)
    report = check(file, CheckOptions(model="gpt-4o-mini-2024-07-18", epochs=4))
    (row,) = report.stats["cost"]["rows"]
    billed = report.stats["tokens"]["billed_tokens"]
    assert row["epochs"] == 4 and row["epochs_source"] == "given"
    assert row["cost_usd"] == pytest.approx(billed * 4 * 3.0 / 1_000_000)
    heuristic = check(file).stats["cost"]["rows"][0]
    assert heuristic["epochs"] == 3 and heuristic["epochs_source"] == "heuristic"
    assert any(f.code == "FT602" for f in report.findings)


def test_cost_all_models_counts_each_encoding(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "a.jsonl", [chat(user="Ünïcödé tickets über alles " * 20)] * 20)
    result = run_cli("cost", str(file), "--model", "all", "-f", "json")
    rows = {r["model"]: r for r in json.loads(result.output)["stats"]["cost"]["rows"]}
    assert rows["gpt-3.5-turbo"]["billed_tokens"] != rows["gpt-4o-mini-2024-07-18"]["billed_tokens"]
    enc = tiktoken.get_encoding("cl100k_base")
    per = 3 + sum(3 + len(enc.encode(m["role"])) + len(enc.encode(m["content"]))
                  for m in chat(user="Ünïcödé tickets über alles " * 20)["messages"])
    assert rows["gpt-3.5-turbo"]["billed_tokens"] == per * 20
    assert rows["o4-mini-2025-04-16"]["cost_usd"] is None


def test_target_without_offline_tokenizer_says_estimate(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "v.jsonl", [chat()] * 60)
    report = check(file, CheckOptions(target="together", validate=ValidateOptions(target="together")))
    assert report.stats["tokens"]["exact"] is False
    assert any("estimate" in r for r in report.stats["tokens"]["estimate_reasons"])
    assert {"FT202", "FT603"} <= {f.code for f in report.findings}
    with pytest.raises(CheckError, match="unknown target"):
        check(file, CheckOptions(target="nope"))


def test_check_cli_formats(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "r.jsonl", [chat()] * 60)
    as_json = json.loads(run_cli("check", str(file), "-f", "json").output)
    assert {"tokens", "cost"} <= set(as_json["stats"])
    html = tmp_path / "report.html"
    assert run_cli("check", str(file), "-f", "html", "-o", str(html)).exit_code == 0
    assert "<svg" in html.read_text()
    md = run_cli("check", str(file), "-f", "markdown").output
    assert "Tokens" in md
    assert run_cli("check", str(tmp_path / "missing.jsonl")).exit_code == 2
    assert run_cli("check", str(file), "--epochs", "99").exit_code == 2


def test_the_training_file_given_as_its_own_validation_file_is_refused(tmp_path: Path,
                                                                       run_cli) -> None:
    file = write_jsonl(tmp_path / "r.jsonl", [chat()] * 12)
    (tmp_path / "link.jsonl").symlink_to(file)
    for validation in (file, tmp_path / "link.jsonl"):
        result = run_cli("check", str(file), "--validation", str(validation))
        assert result.exit_code == 2
        assert "training file itself" in result.output


def test_an_empty_file_has_no_made_up_figures_in_json(tmp_path: Path, run_cli) -> None:
    file = tmp_path / "empty.jsonl"
    file.write_text("")
    stats = json.loads(run_cli("check", str(file), "-f", "json").stdout)["stats"]
    assert set(stats["tokens"]["per_example"].values()) == {None}
    assert set(stats["tokens"]["assistant"].values()) == {None}
    assert stats["behaviour"]["system_prompt_savings"] == {}
    [row] = stats["cost"]["rows"]
    assert row["cost_usd"] == 0 and "no examples: nothing would be trained" in row["notes"]
    assert not any("heuristic" in note for note in row["notes"])


def _with_image(i: int) -> dict:
    return {"messages": [
        {"role": "user", "content": [{"type": "text", "text": f"what is in photo {i}?"},
                                     {"type": "image_url", "image_url": {
                                         "url": f"https://example.com/{i}.png", "detail": "low"}}]},
        {"role": "assistant", "content": "a parcel"}]}


@pytest.mark.parametrize(("model", "warned"), [
    ("gpt-4o-mini-2024-07-18", True),
    ("gpt-4o-2024-08-06", False),  # the one snapshot listed for vision fine-tuning
    ("my-own-model", False),  # unknown: ftprep cannot say
])
def test_images_with_a_model_not_listed_for_vision(tmp_path: Path, model: str, warned: bool) -> None:
    records = [_with_image(i) for i in range(3)] + [chat(user=f"ticket {i}") for i in range(20)]
    report = check(write_jsonl(tmp_path / "v.jsonl", records), CheckOptions(model=model))
    found = [f for f in report.findings if f.code == "FT204"]
    assert bool(found) is warned
    if warned:
        assert found[0].message.startswith("3 example(s) hold images, but gpt-4o-mini-2024-07-18")

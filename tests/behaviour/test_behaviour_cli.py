"""End to end: `ftprep validate` and `ftprep check` with `--config`, the behaviour stats,
the system-prompt figures, and what validate imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from behaviour_helpers import dataset, house_reply, needs_pii, ticket, write_jsonl

from ftprep.exitcodes import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "ftprep.toml"
EXAMPLE_JSON = REPO / "examples" / "ftprep-json.toml"


def tickets() -> list[dict]:
    """A support-ticket file in the example's house style, with one problem per kind."""
    records = dataset({"billing": 60, "technical": 55, "returns": 30, "complaints": 25})
    records[0] = ticket("billing", 0, reply=house_reply("billing", body="As an AI, I refunded it."))
    records[1] = ticket("billing", 1, user="Charged twice. Call me on (212) 736-5000.")
    records[60] = ticket("technical", 0, reply="Hello Maria,\n\nUpdate the app.\n\nThe Acme Support Team")
    records[150] = ticket("complaints", 5, reply=house_reply("complaints", body="Thanks for writing."))
    records[151] = ticket("complaints", 6, reply=house_reply("complaints", body="We are sorry.")
                          .replace("The Acme Support Team", "Bob"))
    return records


def run_json(run_cli, *args: str) -> tuple[int, dict]:
    result = run_cli(*args, "-f", "json")
    return result.exit_code, json.loads(result.output)


def found(report: dict) -> set[tuple[str, int | None]]:
    return {(f["code"], f["line"]) for f in report["findings"] if f["code"].startswith("FT5")}


@needs_pii
def test_validate_runs_the_line_rules_of_the_config(tmp_path: Path, run_cli) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", tickets())
    code, report = run_json(run_cli, "validate", str(path), "--config", str(EXAMPLE))
    assert code == EXIT_FINDINGS
    assert found(report) == {("FT502", 1), ("FT510", 2), ("FT501", 61), ("FT501", 151),
                             ("FT501", 152)}
    paths = {f["line"]: f["path"] for f in report["findings"]}
    assert paths[1] == "$.messages[2].content -> $.reply" and paths[2] == "$.messages[1].content"


def test_check_adds_the_dataset_rules_and_the_stats(tmp_path: Path, run_cli) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", tickets())
    code, report = run_json(run_cli, "check", str(path), "--config", str(EXAMPLE_JSON))
    assert code == EXIT_FINDINGS
    codes = found(report)
    assert {("FT521", 61), ("FT522", 152), ("FT540", None)} <= codes
    assert not any(c in ("FT504", "FT505", "FT530", "FT550") for c, _ in codes)
    behaviour = report["stats"]["behaviour"]
    assert set(behaviour) >= {"reply_length_words", "openings", "closings", "knowledge",
                              "coverage", "system_prompt", "system_prompt_savings"}
    assert set(behaviour["openings"]) == {"billing", "complaints", "returns", "technical"}
    assert behaviour["openings"]["technical"] == {"replies": 55, "house_style": "hi",
                                                  "share": round(54 / 55, 4), "differ": 1}
    assert behaviour["closings"]["complaints"]["house_style"] == "acme support team"
    assert behaviour["coverage"]["complaints"] == {"examples": 25, "stage": "few",
                                                   "add_for_target": 75, "priority": 1}
    assert behaviour["knowledge"]["(all)"]["with_facts"] == 0
    row = behaviour["reply_length_words"]["billing"]
    assert set(row) == {"replies", "min", "median", "max", "usual_low", "usual_high", "outliers"}
    assert 0 < behaviour["system_prompt"]["share"] < 0.5


def test_system_prompt_share_and_savings(tmp_path: Path, run_cli) -> None:
    long_prompt = "You are Acme's support assistant. " + "Follow the house style carefully. " * 60
    records = [ticket("billing", i, system=long_prompt) for i in range(50)]
    path = write_jsonl(tmp_path / "train.jsonl", records)
    _, report = run_json(run_cli, "check", str(path), "--config", str(EXAMPLE), "--epochs", "2")
    (finding,) = [f for f in report["findings"] if f["code"] == "FT550"]
    figures = report["stats"]["behaviour"]
    share = figures["system_prompt"]
    drop, halve = figures["system_prompt_savings"]["drop it"], figures["system_prompt_savings"]["halve it"]
    tokens = report["stats"]["tokens"]
    assert share["share"] > 0.5 and share["system_tokens"] == round(tokens["system_share"] *
                                                                    tokens["total_tokens"])
    assert drop["tokens_per_epoch"] == share["system_tokens"]
    assert halve["tokens_per_epoch"] == pytest.approx(drop["tokens_per_epoch"] / 2, abs=50)
    (cost,) = report["stats"]["cost"]["rows"]
    per_token = cost["cost_usd"] / (cost["billed_tokens"] * cost["epochs"])
    assert drop["usd_per_epoch"] == pytest.approx(drop["tokens_per_epoch"] * per_token, abs=1e-4)
    assert drop["usd_all_epochs"] == pytest.approx(drop["usd_per_epoch"] * 2, abs=2e-4)
    assert share["distinct_system_prompts"] == 1 and share["examples_with_system_prompt"] == 50
    assert f"{share['share']:.0%} of all tokens" in finding["message"]
    assert "over 2 epochs" in finding["message"] and "$" in finding["message"]


@needs_pii
def test_defaults_without_a_config(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ftprep.toml upwards from here
    records = dataset({"billing": 20})
    records[3] = ticket("billing", 3, user="Mail me at maria.lopez@example.com")
    path = write_jsonl(tmp_path / "train.jsonl", records)
    code, report = run_json(run_cli, "validate", str(path))
    assert found(report) == {("FT510", 4)} and code == EXIT_FINDINGS
    code, report = run_json(run_cli, "validate", str(path), "--ignore", "FT510")
    assert found(report) == set() and code == EXIT_OK
    code, report = run_json(run_cli, "check", str(path))
    assert ("FT510", 4) in found(report) and "behaviour" in report["stats"]
    code, report = run_json(run_cli, "cost", str(path))
    assert found(report) == set() and "behaviour" not in report["stats"]


def test_config_errors_exit_2_and_name_the_key(tmp_path: Path, run_cli) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", dataset({"billing": 12}))
    bad = tmp_path / "bad.toml"
    bad.write_text("[rules.forbidden]\n'*' = [{patern = 'x'}]\n")
    for command in ("validate", "check"):
        result = run_cli(command, str(path), "--config", str(bad))
        assert result.exit_code == EXIT_USAGE
        assert "forbidden.*.0.patern" in result.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_the_reporters_render_the_behaviour_section(tmp_path: Path, run_cli, fmt: str) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", tickets())
    result = run_cli("check", str(path), "--config", str(EXAMPLE), "-f", fmt, "--color", "never")
    assert result.exit_code == EXIT_FINDINGS
    assert "Behaviour" in result.output and "acme support team" in result.output


def test_validate_stays_light(tmp_path: Path) -> None:
    """No rule needs them, so validate imports neither jsonschema, phonenumbers, numpy,
    pandas nor tiktoken (the pre-commit hook must start fast)."""
    path = write_jsonl(tmp_path / "train.jsonl", dataset({"billing": 12}))
    (tmp_path / "ftprep.toml").write_text('[rules.forbidden]\n"*" = ["as an AI"]\n')
    code = ("import sys\nfrom click.testing import CliRunner\nfrom ftprep.cli import cli\n"
            "r = CliRunner().invoke(cli, ['validate', sys.argv[1]])\nassert r.exit_code == 0, r.output\n"
            "print(' '.join(m for m in ('jsonschema', 'phonenumbers', 'numpy', 'pandas', 'tiktoken')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": str(REPO)}, check=True)
    assert out.stdout.strip() == ""

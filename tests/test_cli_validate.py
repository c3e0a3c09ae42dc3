"""The validate command as a user and a CI job run it: exit codes, formats, stdin, config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import chat, write_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_valid_file_exits_zero(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "ok.jsonl", [chat()] * 60)
    result = run_cli("validate", str(file))
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_errors_exit_one_with_location(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "bad.jsonl", [chat(), '{"messages": [}'], pad_to=60)
    result = run_cli("validate", str(file), "--color", "never")
    assert result.exit_code == 1
    assert "FT103" in result.output and "bad.jsonl" in result.output
    assert "2:15" in result.output


def test_exit_zero_and_strict(tmp_path: Path, run_cli) -> None:
    errors = write_jsonl(tmp_path / "e.jsonl", ["[]"], pad_to=60)
    assert run_cli("validate", str(errors), "--exit-zero").exit_code == 0
    warnings = write_jsonl(tmp_path / "w.jsonl", [chat()] * 20)
    assert run_cli("validate", str(warnings)).exit_code == 0
    assert run_cli("validate", str(warnings), "--strict").exit_code == 1


def test_usage_and_io_errors_exit_two(tmp_path: Path, run_cli) -> None:
    assert run_cli("validate").exit_code == 2
    assert run_cli("validate", str(tmp_path / "missing.jsonl")).exit_code == 2
    file = write_jsonl(tmp_path / "ok.jsonl", [chat()] * 60)
    assert run_cli("validate", str(file), "--select", "FT999").exit_code == 2
    assert run_cli("validate", str(file), "--line-format", "nope").exit_code == 2
    assert run_cli("validate", str(file), "--exit-zero", str(tmp_path / "gone.jsonl")).exit_code == 2


def test_json_report_shape(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "j.jsonl", [chat(), "[1]"], pad_to=60)
    result = run_cli("validate", str(file), "--format", "json")
    data = json.loads(result.output)
    assert data["schema_version"] == 1
    assert data["summary"]["errors"] == 1
    (finding,) = data["findings"]
    assert finding == {"code": "FT104", "name": "not-a-json-object", "severity": "error",
                       "message": finding["message"], "file": str(file), "line": 2, "column": None,
                       "path": "$", "related_lines": []}
    assert data["files"][0]["line_format"] == "openai-chat"


def test_github_annotations(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "g.jsonl", [chat(), "[1]"], pad_to=60)
    result = run_cli("validate", str(file), "-f", "github")
    first = result.output.splitlines()[0]
    assert first.startswith(f"::error file={file},title=FT104 not-a-json-object,line=2::")


def test_directory_and_stdin(tmp_path: Path, run_cli) -> None:
    write_jsonl(tmp_path / "a.jsonl", [chat()] * 60)
    (tmp_path / "sub").mkdir()
    write_jsonl(tmp_path / "sub" / "b.jsonl", ["[]"], pad_to=60)
    (tmp_path / "sub" / "ignored.txt").write_text("not a jsonl file")
    result = run_cli("validate", str(tmp_path), "-f", "json")
    data = json.loads(result.output)
    assert data["summary"]["files"] == 2 and result.exit_code == 1
    line = json.dumps(chat()) + "\n"
    piped = run_cli("validate", "-", "-f", "json", input=line * 60)
    assert json.loads(piped.output)["files"][0]["path"] == "<stdin>"


def test_config_sets_defaults(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "c.jsonl", [{"messages": [{"role": "user", "content": "a"},
                                                            {"role": "user", "content": "b"},
                                                            {"role": "assistant", "content": "c"}]}],
                       pad_to=60)
    config = tmp_path / "ftprep.toml"
    config.write_text('strict = true\n[severity]\nFT117 = "error"\n')
    assert run_cli("validate", str(file), "--config", str(config)).exit_code == 1
    config.write_text('ignore = ["consecutive-same-role"]\n')
    assert run_cli("validate", str(file), "--config", str(config)).exit_code == 0
    config.write_text('ignroe = ["x"]\n')
    result = run_cli("validate", str(file), "--config", str(config))
    assert result.exit_code == 2 and "ignroe" in result.output


def test_pyproject_tool_table_is_found(tmp_path: Path, monkeypatch) -> None:
    from ftprep.config import load_config

    (tmp_path / "pyproject.toml").write_text('[tool.ftprep]\nselect = ["FT1"]\nmodel = "gpt-4.1"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    config = load_config()
    assert config.general.select == ["FT1"] and config.general.model == "gpt-4.1"


def test_rules_lists_every_check_with_docs(run_cli) -> None:
    from ftprep.checks.registry import all_checks

    result = run_cli("rules", "--format", "json")
    rules = json.loads(result.output)
    assert len(rules) == len(all_checks()) >= 25
    for rule in rules:
        assert rule["summary"] and len(rule["doc"].splitlines()) >= 3, rule["code"]


def test_readme_rules_table_is_generated(run_cli) -> None:
    from ftprep.checks.registry import all_checks
    from ftprep.checks.rules_doc import BEGIN, END, rules_markdown

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    table = readme.split(BEGIN)[1].split(END)[0].strip()
    assert table == rules_markdown(all_checks()).strip(), (
        "README rules table is stale: regenerate it with `ftprep rules --format markdown`")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.binary(max_size=80), st.text(max_size=80).map(str.encode),
                          st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                                       lambda c: st.lists(c, max_size=3)
                                       | st.dictionaries(st.sampled_from(
                                           ["messages", "role", "content", "weight", "input", "x"]),
                                           c, max_size=3), max_leaves=12).map(
                              lambda v: json.dumps(v).encode())), max_size=15))
def test_reader_never_crashes(tmp_path: Path, lines: list[bytes]) -> None:
    from ftprep.validate import validate

    file = tmp_path / "fuzz.jsonl"
    file.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines))
    report = validate([file])
    for finding in report.findings:
        assert finding.message and finding.code.startswith("FT")
        if finding.line is not None:
            assert 1 <= finding.line <= max(1, len(lines))


def test_module_entry_point_and_startup_stays_light(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "m.jsonl", [chat()] * 60)
    out = subprocess.run([sys.executable, "-m", "ftprep", "validate", str(file)], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    probe = (f"import sys, runpy; sys.argv=['ftprep','validate',{str(file)!r}];\n"
             "try:\n runpy.run_module('ftprep', run_name='__main__')\nexcept SystemExit: pass\n"
             "print(sorted(m for m in ('pandas','tiktoken','numpy','datasketch') if m in sys.modules))"
             )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip().splitlines()[-1] == "[]", loaded.stdout + loaded.stderr


def test_public_api_is_lazy_and_complete() -> None:
    import ftprep

    for name in ftprep.__all__:
        assert getattr(ftprep, name) is not None


def test_directory_without_jsonl_is_an_io_error(tmp_path: Path, run_cli) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli("validate", str(tmp_path / "empty"))
    assert result.exit_code == 2 and "no *.jsonl files" in result.output


def test_text_report_caps_each_code_per_file(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "many.jsonl", ["[]"] * 8, pad_to=60)
    capped = run_cli("validate", str(file), "--max-per-code", "3", "--color", "never")
    assert capped.output.count("FT104 not-a-json-object") == 3
    assert "5 more FT104" in capped.output
    everything = run_cli("validate", str(file), "--max-per-code", "0", "--color", "never")
    assert everything.output.count("FT104 not-a-json-object") == 8


def test_nan_and_infinity_are_invalid_json_on_every_line(tmp_path: Path, run_cli) -> None:
    # Lines after the first go through pydantic's parser, which accepts NaN/Infinity.
    tool = ('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": '
            '"ok"}], "tools": [{"type": "function", "function": {"name": "f", "parameters": '
            '{"type": "object", "default": %s}}}]}')
    # Outside a tool's parameters a strict schema refuses the number; it is still FT103.
    weight = ('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", '
              '"content": "ok", "weight": NaN}]}')
    file = write_jsonl(tmp_path / "nan.jsonl", [tool % "NaN", chat(), tool % "-Infinity",
                                                chat(user="NaN and Infinity in words are fine"),
                                                weight], pad_to=60)
    result = run_cli("validate", str(file), "-f", "json")
    found = [(f["code"], f["line"]) for f in json.loads(result.stdout)["findings"]]
    assert sorted(line for code, line in found if code == "FT103") == [1, 3, 5]
    assert not any(line == 5 and code != "FT103" for code, line in found)


def test_report_never_overwrites_an_input_and_bad_paths_are_clear(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "train.jsonl", [chat()] * 60)
    before = file.read_bytes()
    for command in ("validate", "check"):
        same = run_cli(command, str(file), "-o", str(file))
        assert same.exit_code == 2 and "input" in same.output and file.read_bytes() == before
    blocked = run_cli("validate", str(file), "-o", str(file / "report.txt"))
    assert blocked.exit_code == 2 and "cannot write" in blocked.output
    assert "Traceback" not in blocked.output


def test_reports_show_control_and_bidi_characters_from_the_data_as_escapes(tmp_path: Path,
                                                                          run_cli) -> None:
    evil = "\x1b[2J\x1b]0;PWNED\x07red\u202e"
    rows = [{"messages": [{"role": "user", "content": f"question {i}"},
                          {"role": "assistant", "content": "billing" if i else evil}]}
            for i in range(21)]
    file = tmp_path / "t.jsonl"
    file.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    for fmt in ("text", "markdown"):
        out = run_cli("check", str(file), "-f", fmt, "--color", "never").stdout
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
        assert fmt != "text" or "\\u001b[2J" in out


def test_json_errors_say_what_to_fix(tmp_path: Path, run_cli) -> None:
    answer = '{"role": "assistant", "content": "ok"}'
    lone = '{"messages": [{"role": "user", "content": "lone \\ud800"}, ' + answer + "]}"
    pair = '{"messages": [{"role": "user", "content": "\\ud83d\\ude00"}, ' + answer + "]}"
    control = '{"messages": [{"role": "user", "content": "tab\there"}]}'
    file = write_jsonl(tmp_path / "t.jsonl", [lone, pair, chat(), lone, control], pad_to=60)
    found = json.loads(run_cli("validate", str(file), "-f", "json").stdout)["findings"]
    by_line = {f["line"]: f for f in found if f["code"] == "FT103"}
    assert sorted(by_line) == [1, 4, 5]  # the pair is fine, on any line
    column = lone.index("\\ud800") + 1
    assert f"unpaired UTF-16 surrogate \\ud800 at column {column}" in by_line[4]["message"]
    assert by_line[1]["message"] == by_line[4]["message"]
    assert "character at column" in by_line[5]["message"] and "at at" not in by_line[5]["message"]
    utf16 = tmp_path / "u.jsonl"
    utf16.write_bytes((json.dumps(chat()) + "\n").encode("utf-16"))
    assert "UTF-16" in run_cli("validate", str(utf16)).output


def test_check_model_must_name_one_model(tmp_path: Path, run_cli) -> None:
    file = write_jsonl(tmp_path / "t.jsonl", [chat()] * 20)
    for model in ("all", ""):
        result = run_cli("check", str(file), "--model", model)
        assert result.exit_code == 2 and "--model" in result.output


@pytest.mark.parametrize("command", ["validate", "check", "cost"])
def test_compressed_input_is_an_io_error_that_says_so(tmp_path: Path, run_cli, command: str) -> None:
    import gzip

    path = tmp_path / "train.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"messages": []}\n' * 12))
    result = run_cli(command, str(path))
    assert result.exit_code == 2
    assert "a gzip-compressed file; decompress it first" in result.output
    book = tmp_path / "tickets.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    result = run_cli(command, str(book))
    assert result.exit_code == 2 and "an Excel workbook, not JSONL" in result.output


@pytest.mark.parametrize("value", ["abc", "0", "-1", "01", "1.5", "two"])
def test_a_bad_ftprep_workers_is_a_usage_error(tmp_path: Path, run_cli, monkeypatch,
                                               value: str) -> None:
    # ftprep.shards turns the second process off only for "1": any other typo would
    # silently leave it on, so the CLI refuses it at start-up.
    file = write_jsonl(tmp_path / "ok.jsonl", [chat()] * 60)
    monkeypatch.setenv("FTPREP_WORKERS", value)
    for command in ("validate", "check", "cost"):
        result = run_cli(command, str(file))
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.strip().splitlines()
        assert line == (f"Error: FTPREP_WORKERS={value!r} is not valid: use 1 to keep ftprep in "
                        "one process, or leave it unset (or any integer >= 2) to allow a second one")
        assert result.stdout == ""


@pytest.mark.parametrize("value", [None, "", "1", " 1 ", "2", "16"])
def test_accepted_ftprep_workers_values(tmp_path: Path, run_cli, monkeypatch,
                                        value: str | None) -> None:
    from ftprep import shards

    file = write_jsonl(tmp_path / "ok.jsonl", [chat()] * 60)
    if value is None:
        monkeypatch.delenv("FTPREP_WORKERS", raising=False)
    else:
        monkeypatch.setenv("FTPREP_WORKERS", value)
    assert run_cli("validate", str(file)).exit_code == 0
    # What the CLI accepts means what shards does: "1" (spaced or not) is the only "off".
    import threading

    if (shards.sys.platform.startswith("linux") and (shards.os.cpu_count() or 1) >= 2
            and threading.active_count() == 1):
        assert shards.may_fork() is (value is None or value.strip() != "1")

"""Tool calls as Hugging Face chat templates take them (--target trl): TRL's documented
example validates, OpenAI's rules still hold elsewhere, and FT205 names the templates that
would train a string `arguments` as a quoted string."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ftprep.check import CheckOptions, check
from ftprep.validate import ValidateOptions, validate

# TRL docs/source/dataset_formats.md, "Tool Calling": no ids, an arguments object, a
# tool result with `name`, and get_json_schema's `return` in the definition.
TRL_EXAMPLE: dict[str, Any] = {
    "messages": [
        {"role": "user", "content": "Turn on the living room lights."},
        {"role": "assistant", "tool_calls": [
            {"type": "function", "function": {
                "name": "control_light", "arguments": {"room": "living room", "state": "on"}}}]},
        {"role": "tool", "name": "control_light",
         "content": "The lights in the living room are now on."},
        {"role": "assistant", "content": "Done!"},
    ],
    "tools": [{"type": "function", "function": {
        "name": "control_light", "description": "Controls the lights in a room.",
        "parameters": {"type": "object", "properties": {
            "room": {"type": "string", "description": "The name of the room."},
            "state": {"type": "string"}}, "required": ["room", "state"]},
        "return": {"type": "string", "description": "the new state"}}}],
}


def _openai_style(arguments: str, call_id: str = "c1", answer_id: str = "c1") -> dict[str, Any]:
    return {"messages": [
        {"role": "user", "content": "Lights off in the hall"},
        {"role": "assistant", "tool_calls": [{"id": call_id, "type": "function", "function": {
            "name": "control_light", "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": answer_id, "content": "off"},
        {"role": "assistant", "content": "Done!"},
    ]}


def _write(tmp_path: Path, *records: dict[str, Any]) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _codes(path: Path, target: str) -> list[tuple[str, int | None, str | None]]:
    report = validate([path], ValidateOptions(target=target))
    return [(f.code, f.line, f.path) for f in report.findings if f.code != "FT147"]


def test_trls_documented_tool_example_is_valid_for_trl(tmp_path: Path) -> None:
    path = _write(tmp_path, TRL_EXAMPLE)
    assert _codes(path, "trl") == []
    report = validate([path], ValidateOptions(target="trl"))
    assert report.files[0].line_format == "openai-chat"
    assert report.files[0].invalid == 0


def test_openai_still_requires_its_own_tool_call_shape(tmp_path: Path) -> None:
    found = _codes(_write(tmp_path, TRL_EXAMPLE), "openai")
    assert {(code, where) for code, _, where in found} == {
        ("FT107", "$.messages[1].tool_calls[0].id"),
        ("FT107", "$.messages[1].tool_calls[0].function.arguments"),
        ("FT107", "$.messages[2].tool_call_id"),
        ("FT107", "$.messages[2].name"),
        ("FT107", "$.tools[0].function.return"),
    }


def test_string_arguments_and_ids_are_still_checked_for_trl(tmp_path: Path) -> None:
    path = _write(tmp_path, _openai_style('{"room": "hall"}'),
                  _openai_style("{room: hall}"),
                  _openai_style('{"room": "hall"}', answer_id="zz"))
    assert _codes(path, "trl") == [
        ("FT119", 2, "$.messages[1].tool_calls[0].function.arguments"),
        ("FT120", 3, "$.messages[2].tool_call_id"),
        ("FT122", 3, "$.messages[1].tool_calls[0]"),
    ]


def test_an_arguments_object_must_still_be_an_object(tmp_path: Path) -> None:
    record = json.loads(json.dumps(TRL_EXAMPLE))
    record["messages"][1]["tool_calls"][0]["function"]["arguments"] = ["living room"]
    found = _codes(_write(tmp_path, record), "trl")
    assert [(c, p) for c, _, p in found] == [
        ("FT107", "$.messages[1].tool_calls[0].function.arguments")]


def _tokenizer(folder: Path, template: str) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    folder.mkdir()
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(["lights off in the hall done"],
                            trainers.WordLevelTrainer(special_tokens=["[UNK]", "<s>", "</s>"]))
    tok.save(str(folder / "tokenizer.json"))
    config = {"bos_token": "<s>", "eos_token": "</s>", "chat_template": template}
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def _calls_template(arguments: str) -> str:
    return ("{% for m in messages %}<|{{ m.role }}|>{% if m.tool_calls %}"
            "{% for c in m.tool_calls %}{\"name\": \"{{ c.function.name }}\", \"parameters\": "
            + arguments + "}{% endfor %}{% else %}{{ m.content }}{% endif %}</s>{% endfor %}")


# Llama 3's way: tojson whatever arguments are. Qwen's: a string as it is, else tojson.
LLAMA_LIKE = _calls_template("{{ c.function.arguments | tojson }}")
QWEN_LIKE = _calls_template("{% if c.function.arguments is string %}{{ c.function.arguments }}"
                            "{% else %}{{ c.function.arguments | tojson }}{% endif %}")


@pytest.mark.parametrize(("template", "flagged"), [(LLAMA_LIKE, [2]), (QWEN_LIKE, [])])
def test_ft205_names_string_arguments_a_template_would_quote(
        tmp_path: Path, template: str, flagged: list[int]) -> None:
    tokenizer = _tokenizer(tmp_path / "tok", template)
    path = _write(tmp_path, TRL_EXAMPLE, _openai_style('{"room": "hall"}'))
    options = CheckOptions(target="trl", tokenizer=str(tokenizer))
    options.validate.target = "trl"
    report = check(path, options)
    assert [f.line for f in report.findings if f.code == "FT205"] == flagged
    assert not [f for f in report.findings if f.severity.value == "error"]
    assert report.stats["tokens"]["examples"] == 2


def test_without_a_tokenizer_nothing_is_said_about_templates(tmp_path: Path) -> None:
    options = CheckOptions(target="trl")
    options.validate.target = "trl"
    report = check(_write(tmp_path, _openai_style('{"room": "hall"}')), options)
    assert not [f for f in report.findings if f.code == "FT205"]


def _export(tmp_path: Path, target: str, *extra: str, records: tuple[Any, ...] = ()
            ) -> tuple[Any, list[dict[str, Any]]]:
    from click.testing import CliRunner

    from ftprep.cli import cli

    source = _write(tmp_path, *(records or (TRL_EXAMPLE, _openai_style('{"room": "hall"}'))))
    out = tmp_path / f"out-{target}.jsonl"
    result = CliRunner().invoke(cli, ["export", str(source), "-t", target, "-o", str(out),
                                      *extra])
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    return result, [json.loads(line) for line in lines]


def test_export_to_openai_writes_openais_tool_call_shape(tmp_path: Path) -> None:
    result, (first, second) = _export(tmp_path, "openai")
    assert result.exit_code == 0, result.output
    call = first["messages"][1]["tool_calls"][0]
    assert list(call) == ["id", "type", "function"]
    assert call["id"] == "call_1"
    assert json.loads(call["function"]["arguments"]) == {"room": "living room", "state": "on"}
    assert first["messages"][2] == {"role": "tool", "tool_call_id": "call_1",
                                    "content": "The lights in the living room are now on."}
    assert "return" not in first["tools"][0]["function"]
    assert second == _openai_style('{"room": "hall"}')  # already OpenAI's: untouched
    for change in ("(none given: 'call_1' added)", "(paired by position with call 'call_1')",
                   "name at $.messages[2].name", "tools at $.tools[0].function.return",
                   "(the object written as a JSON string)"):
        assert change in result.output
    out = tmp_path / "out-openai.jsonl"
    assert [f.code for f in validate([out], ValidateOptions(target="openai")).findings
            ] == ["FT147"]  # too few examples, nothing else


def test_export_to_trl_keeps_the_shape_or_writes_objects(tmp_path: Path) -> None:
    result, lines = _export(tmp_path, "trl")
    assert result.exit_code == 0, result.output
    assert lines[0]["messages"][1]["tool_calls"][0] == TRL_EXAMPLE["messages"][1]["tool_calls"][0]
    assert lines[1]["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"room": "hall"}'
    result, lines = _export(tmp_path, "trl", "--tool-arguments", "object")
    assert result.exit_code == 0, result.output
    assert lines[1]["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"room": "hall"}
    assert "(the JSON string written as an object)" in result.output
    assert _codes(tmp_path / "out-trl.jsonl", "trl") == []


def test_objects_are_refused_for_targets_that_take_strings(tmp_path: Path) -> None:
    result, _ = _export(tmp_path, "openai", "--tool-arguments", "object")
    assert result.exit_code == 2
    assert "openai does not take tool-call arguments as objects" in result.output


def test_a_tool_result_with_no_call_left_is_rejected_with_the_reason(tmp_path: Path) -> None:
    record = json.loads(json.dumps(TRL_EXAMPLE))
    record["messages"].insert(3, {"role": "tool", "name": "control_light", "content": "again"})
    result, lines = _export(tmp_path, "openai", records=(record,))
    assert result.exit_code == 1 and lines == []
    assert "the tool result at $.messages[3] answers no call" in result.output


@pytest.mark.parametrize("target", [None, "openai", "together"])
def test_openai_rules_point_a_trl_shaped_line_to_target_trl(tmp_path: Path,
                                                            target: str | None) -> None:
    report = validate([_write(tmp_path, TRL_EXAMPLE, _openai_style("{}", answer_id="x"))],
                      ValidateOptions(target=target))
    hinted = [f.line for f in report.findings if "validate with --target trl" in f.message]
    assert hinted == [1]  # once, on the first error of the line that has that shape


def test_a_call_reads_the_same_with_string_or_object_arguments() -> None:
    from ftprep.dataset.features import message_text

    def reply(arguments: Any) -> dict[str, Any]:
        return {"role": "assistant", "tool_calls": [{"type": "function", "function": {
            "name": "control_light", "arguments": arguments}}]}

    assert message_text(reply({"room": "hall"})) == message_text(reply('{"room": "hall"}')) \
        == 'call control_light({"room": "hall"})'


def test_personal_data_in_an_arguments_object_is_found(tmp_path: Path) -> None:
    from ftprep.checks.behaviour.settings import load_rules
    from ftprep.config import load_config

    record = json.loads(json.dumps(TRL_EXAMPLE))
    record["messages"][1]["tool_calls"][0]["function"]["arguments"] = {
        "room": "living room", "notify": "jane.doe@gmail.com"}
    options = ValidateOptions(target="trl", rules=load_rules(load_config(None, search=False)))
    report = validate([_write(tmp_path, record)], options)
    assert [(f.code, f.path) for f in report.findings] == [
        ("FT510", "$.messages[1].tool_calls[0].function.arguments")]

"""`ftprep export` against each target's documented rules (the QA report of 2026-11-29):
what it rejects, what it changes and what it says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ftprep.cli import cli


def _write(path: Path, lines: list[Any]) -> Path:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _export(tmp_path: Path, lines: list[Any], target: str, *extra: str) -> tuple[Any, Path]:
    source = _write(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["export", str(source), "-t", target, "-o", str(out),
                                      *extra])
    return result, out


def _msgs(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"messages": [{"role": role, "content": text} for role, text in pairs]}


def test_a_repeated_key_rejects_the_line_with_ft109(tmp_path: Path) -> None:
    lines = [
        '{"messages": [{"role": "user", "content": "Refund please"}, {"role": "assistant", '
        '"content": "Refund issued."}], "messages": [{"role": "user", "content": "Other"}, '
        '{"role": "assistant", "content": "Other answer."}]}',
        '{"messages": [{"role": "user", "content": "Hi", "role": "assistant"}, '
        '{"role": "assistant", "content": "Hello"}]}',
    ]
    for target in ("openai", "sharegpt", "vertex-gemini"):
        result, out = _export(tmp_path, lines, target)
        assert result.exit_code == 1, result.stderr
        assert out.read_text() == ""
        assert "rejected line 1: FT109 $: key \"messages\" appears 2 times" in result.stderr
        assert "rejected line 2: FT109 $.messages[0]: key \"role\"" in result.stderr
        assert "remove the extra key" in result.stderr


def test_sharegpt_merges_every_system_message_into_system(tmp_path: Path) -> None:
    lines = [_msgs(("system", "Rule A."), ("system", "Rule B."), ("user", "Go"),
                   ("assistant", "Done.")),
             _msgs(("user", "Q1"), ("assistant", "A1"), ("system", "Now in German."),
                   ("user", "Q2"), ("assistant", "A2"))]
    result, out = _export(tmp_path, lines, "sharegpt")
    assert result.exit_code == 0, result.stderr
    written = _read(out)
    assert written[0] == {"conversations": [{"from": "human", "value": "Go"},
                                            {"from": "gpt", "value": "Done."}],
                          "system": "Rule A.\n\nRule B."}
    assert written[1]["system"] == "Now in German."
    assert [t["from"] for t in written[1]["conversations"]] == ["human", "gpt"] * 2
    assert "system merged on 2 line(s)" in result.stderr
    assert "line 2: system merged at $.messages[2] (a system message after the conversation " \
        "started, moved into the system prompt)" in result.stderr


def test_sharegpt_rejects_what_llama_factory_would_skip(tmp_path: Path) -> None:
    call = {"role": "assistant", "content": "Let me cancel that.", "tool_calls": [
        {"id": "c9", "type": "function", "function": {"name": "cancel", "arguments": "{}"}}]}
    lines = [_msgs(("user", "a"), ("assistant", "b"), ("user", "c")),
             _msgs(("user", "a"), ("user", "b"), ("assistant", "c")),
             _msgs(("assistant", "a"), ("user", "b"), ("assistant", "c")),
             {"messages": [{"role": "user", "content": "Cancel 9"}, call,
                           {"role": "tool", "tool_call_id": "c9", "content": "done"},
                           {"role": "assistant", "content": "Cancelled."}]},
             _msgs(("user", "a"), ("assistant", "b"))]
    result, out = _export(tmp_path, lines, "sharegpt")
    assert result.exit_code == 1
    assert len(_read(out)) == 1
    why = "sharegpt cannot express this conversation: it needs human/gpt pairs: turns " \
          "alternating from human, ending with gpt"
    assert f"rejected line 1: {why} (it has human, gpt, human)" in result.stderr
    assert f"rejected line 2: {why} (it has human, human, gpt)" in result.stderr
    assert f"rejected line 3: {why} (it has gpt, human, gpt)" in result.stderr
    assert "rejected line 4: sharegpt cannot express this conversation: dropping what lies " \
        "between $.messages[1] and $.messages[3] leaves two assistant turns" in result.stderr


def test_validate_sharegpt_makes_llama_factory_skips_errors(tmp_path: Path) -> None:
    def conv(*turns: str, **extra: Any) -> dict[str, Any]:
        return {"conversations": [{"from": f, "value": "x"} for f in turns], **extra}
    lines = [conv("system", "human", "gpt", system="lost"), conv("human", "gpt", "system",
             "human", "gpt"), conv("human", "gpt", "gpt"), conv("gpt", "human", "gpt"),
             conv("human", "gpt", "human")]
    source = _write(tmp_path / "sharegpt.jsonl", lines)
    result = CliRunner().invoke(cli, ["validate", "--target", "sharegpt", "-f", "json",
                                      str(source)])
    assert result.exit_code == 1
    errors = {(f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]
              if f["severity"] == "error"}
    assert {(1, "FT142"), (2, "FT142"), (3, "FT143"), (4, "FT144"), (5, "FT145")} <= errors


def test_together_needs_system_or_user_first_then_alternating_turns(tmp_path: Path) -> None:
    lines = [_msgs(("assistant", "Welcome!"), ("user", "Hours?"), ("assistant", "9 to 5.")),
             _msgs(("user", "Q1"), ("assistant", "A1"), ("system", "German now."), ("user", "Q2"),
                   ("assistant", "A2")),
             _msgs(("system", "Be kind."), ("user", "Q"), ("assistant", "A"))]
    result, out = _export(tmp_path, lines, "together")
    assert result.exit_code == 1
    assert _read(out) == [lines[2]]
    assert "rejected line 1: together would refuse the converted line: FT144 " \
        "$.messages[0]: the conversation starts with assistant" in result.stderr
    assert "rejected line 2: together would refuse the converted line: FT142 " \
        "$.messages[2]: system message after the conversation started" in result.stderr
    source = _write(tmp_path / "chat.jsonl", lines)
    result = CliRunner().invoke(cli, ["validate", "--target", "together", "-f", "json",
                                      str(source)])
    errors = {(f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]
              if f["severity"] == "error"}
    assert {(1, "FT144"), (2, "FT142")} <= errors and not {e for e in errors if e[0] == 3}


def test_nova_rejects_every_reserved_keyword_aws_documents(tmp_path: Path) -> None:
    bad = ["Assistant: here is my draft", "Bot: hello", "System: override", "see <video> clip",
           "User: hi", "a [EOS] b", "an <image>", "Please.\nuser: hi", "USER:x"]
    lines = [_msgs(("user", text), ("assistant", "OK.")) for text in bad]
    lines += [_msgs(("system", "System: be nice"), ("user", "hi"), ("assistant", "OK.")),
              _msgs(("user", "My cat bob: hungry, assistant: no"), ("assistant", "OK."))]
    result, out = _export(tmp_path, lines, "bedrock-nova")
    assert result.exit_code == 1
    assert len(_read(out)) == 1  # the documented case only: "bob:" is not "Bot:"
    for number in range(1, len(bad) + 2):
        assert f"rejected line {number}: bedrock-nova would refuse the converted line: FT146" \
            in result.stderr
    assert "text contains 'System:'" in result.stderr


def test_an_all_weight_0_conversation_is_rejected_alike_for_every_target(tmp_path: Path
                                                                        ) -> None:
    from ftprep.targets import TARGETS

    untrained = {"messages": [{"role": "user", "content": "Say hi"},
                              {"role": "assistant", "content": "hi", "weight": 0},
                              {"role": "user", "content": "again"},
                              {"role": "assistant", "content": "hi again", "weight": 0}]}
    reasons = set()
    for target in TARGETS:
        result, out = _export(tmp_path, [untrained], target)
        assert result.exit_code == 1, target
        assert out.read_text() == "", target
        reasons.add(result.stderr.split("rejected line 1: ")[1])
    assert reasons == {"FT110 $: nothing to train on: all its assistant messages have weight "
                       "0; set weight 1 on the replies to learn, or remove the line\n"}


def test_an_empty_system_prompt_is_left_out_where_it_is_optional(tmp_path: Path) -> None:
    line = _msgs(("system", ""), ("user", "Reset my password."), ("assistant", "Use the link."))
    for target in ("vertex-gemini", "bedrock-nova", "bedrock-claude", "sharegpt", "alpaca"):
        result, out = _export(tmp_path, [line, _msgs(("system", " \u200b"), ("system", "Be kind."),
                                                     ("user", "q"), ("assistant", "a"))], target)
        assert result.exit_code == 0, (target, result.stderr)
        first, second = _read(out)
        assert not {"system", "systemInstruction"} & set(first), target
        assert "Reset my password." in json.dumps(first)
        assert "Be kind." in json.dumps(second)
        assert "dropped: empty system prompt on 2 line(s)" in result.stderr
        assert "line 1: empty system prompt at $.messages[0] (dropped: the system prompt is " \
            "optional)" in result.stderr
    result, _ = _export(tmp_path, [line], "openai")  # a message of its own there: refused
    assert result.exit_code == 1 and "FT111" in result.stderr


def test_extra_keys_and_developer_are_loosened_for_non_openai_targets(tmp_path: Path) -> None:
    meta = {**_msgs(("user", "q"), ("assistant", "a")), "metadata": {"id": "x1"}}
    dev = _msgs(("developer", "Be brief."), ("user", "q"), ("assistant", "a"))
    result, out = _export(tmp_path, [meta, dev], "bedrock-claude")
    assert result.exit_code == 0, result.stderr
    assert _read(out) == [{"messages": meta["messages"]},
                          {"system": "Be brief.", "messages": dev["messages"][1:]}]
    assert "line 1: extra key at $.metadata (not part of a chat line)" in result.stderr
    assert "line 2: developer role at $.messages[0].role (read as a system message)" \
        in result.stderr
    result, out = _export(tmp_path, [meta, dev], "vertex-gemini")
    assert result.exit_code == 0 and len(_read(out)) == 2
    result, out = _export(tmp_path, [meta, dev], "openai")  # OpenAI refuses both
    assert result.exit_code == 1 and out.read_text() == ""
    assert "unexpected key `metadata`" in result.stderr and "'developer'" in result.stderr


def test_prompt_completion_to_itself_reports_no_weight_drop(tmp_path: Path) -> None:
    line = {"prompt": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "hi"},
                       {"role": "user", "content": "again"}],
            "completion": [{"role": "assistant", "content": "hi again"}]}
    result, out = _export(tmp_path, [line], "trl", "--line-format", "trl-prompt-completion")
    assert result.exit_code == 0
    assert _read(out) == [line]
    assert "dropped: nothing" in result.stderr
    # From chat, a weight-0 reply going into the prompt is still not trained on.
    chat = _msgs(("user", "a"), ("assistant", "b"), ("user", "c"), ("assistant", "d"))
    chat["messages"][1]["weight"] = 0
    result, out = _export(tmp_path, [chat], "trl", "--line-format", "trl-prompt-completion")
    assert "dropped: nothing" in result.stderr


def _dpo(i: int) -> dict[str, Any]:
    return {"input": {"messages": [{"role": "user", "content": f"Refund {i}?"}]},
            "preferred_output": [{"role": "assistant", "content": "Sent today."}],
            "non_preferred_output": [{"role": "assistant", "content": "Dunno."}]}


def test_dpo_input_keeps_the_targets_matching_format(tmp_path: Path) -> None:
    lines = [_dpo(i) for i in range(10)]
    result, out = _export(tmp_path, lines, "openai")
    assert result.exit_code == 0, result.stderr
    assert "converted 10 of 10 line(s) from openai-dpo to openai-dpo" in result.stderr
    assert _read(out) == lines
    result, _ = _export(tmp_path, lines, "openai", "--line-format", "openai-chat")
    assert result.exit_code == 1
    assert "converted 0 of 10 line(s) from openai-dpo to openai-chat" in result.stderr
    assert "the input is openai-dpo, which openai takes: export it with --line-format " \
        "openai-dpo" in result.stderr
    result, _ = _export(tmp_path, lines, "trl")
    assert result.exit_code == 1
    assert "from openai-dpo to openai-chat" in result.stderr
    assert "the input is openai-dpo; trl takes openai-chat, trl-prompt-completion, and ftprep " \
        "does not convert openai-dpo lines" in result.stderr


def test_export_warns_when_the_output_is_below_the_targets_minimum(tmp_path: Path) -> None:
    lines = [_msgs(("user", f"q{i}"), ("assistant", "a")) for i in range(3)]
    result, out = _export(tmp_path, lines, "bedrock-nova")
    assert result.exit_code == 0
    assert f"warning: {out} holds 3 example(s); Amazon Bedrock Nova supervised fine-tuning " \
        "needs at least 8 (FT147): add examples before uploading" in result.stderr
    result, _ = _export(tmp_path, lines * 3, "bedrock-nova")
    assert "warning" not in result.stderr
    result, _ = _export(tmp_path, lines, "sharegpt")  # no documented minimum
    assert "warning" not in result.stderr


def test_export_says_what_it_skipped(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    for text in ("", "\n  \n\n"):
        source.write_text(text, encoding="utf-8")
        result = runner.invoke(cli, ["export", str(source), "-t", "alpaca", "-o", str(out)])
        assert f"warning: {source} holds no examples: nothing was written" in result.stderr
    assert "converted 0 of 0 line(s) from unknown format to alpaca, 3 blank line(s) " \
        "skipped" in result.stderr
    line = json.dumps(_msgs(("user", "q"), ("assistant", "a")))
    source.write_text("\ufeff" + line + "\n\n" + line + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["export", str(source), "-t", "alpaca", "-o", str(out)])
    assert result.exit_code == 0
    assert "converted 2 of 2 line(s) from openai-chat to alpaca, 1 blank line(s) skipped" \
        in result.stderr
    assert "note: line 1 starts with a UTF-8 byte-order mark, which export removed; " \
        "`ftprep validate` calls it FT101" in result.stderr


def test_text_parts_are_joined_with_a_blank_line_where_content_is_a_string(tmp_path: Path
                                                                          ) -> None:
    parts = [{"type": "text", "text": "Part one."}, {"type": "text", "text": "Part two."}]
    line = {"messages": [{"role": "user", "content": parts},
                         {"role": "assistant", "content": "ok"}]}
    for target, read in (("bedrock-claude", lambda r: r["messages"][0]["content"]),
                         ("sharegpt", lambda r: r["conversations"][0]["value"]),
                         ("alpaca", lambda r: r["instruction"])):
        result, out = _export(tmp_path, [line], target)
        assert read(_read(out)[0]) == "Part one.\n\nPart two.", target
        assert "parts joined at $.messages[0].content (2 text parts, joined with a blank " \
            "line)" in result.stderr
    result, out = _export(tmp_path, [line], "vertex-gemini")
    assert _read(out)[0]["contents"][0]["parts"] == [{"text": "Part one."}, {"text": "Part two."}]


def test_drops_never_leave_two_turns_of_one_role_the_input_did_not_have(tmp_path: Path
                                                                        ) -> None:
    call = {"role": "assistant", "content": "Let me cancel that.", "tool_calls": [
        {"id": "c9", "type": "function", "function": {"name": "cancel", "arguments": "{}"}}]}
    dropped_between = {"messages": [{"role": "user", "content": "Cancel 9"}, call,
                                    {"role": "tool", "tool_call_id": "c9", "content": "done"},
                                    {"role": "assistant", "content": "Cancelled."}]}
    input_had_it = _msgs(("user", "a"), ("assistant", "b"), ("assistant", "c"))
    system_between = _msgs(("user", "a"), ("system", "s"), ("user", "b"), ("assistant", "c"))
    for target in ("vertex-gemini", "trl"):
        result, out = _export(tmp_path, [dropped_between, input_had_it, system_between], target)
        written = _read(out)
        if target == "vertex-gemini":
            assert "rejected line 1: vertex-gemini cannot express this conversation: dropping " \
                "what lies between $.messages[1] and $.messages[3] leaves two assistant turns " \
                "in a row, which the input did not have" in result.stderr
            assert "rejected line 3: vertex-gemini cannot express this conversation: dropping " \
                "what lies between $.messages[0] and $.messages[2] leaves two user turns" \
                in result.stderr
            assert len(written) == 1  # the input's own repeat is its to keep
        else:  # TRL keeps tool calls and system messages in place: nothing to reject
            assert len(written) == 3, result.stderr


def test_mistral_tool_call_ids_are_nine_letters_or_digits(tmp_path: Path) -> None:
    def line(call_id: str) -> dict[str, Any]:
        return {"messages": [
            {"role": "user", "content": "Cancel 9"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": call_id, "type": "function",
                 "function": {"name": "cancel", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": call_id, "content": "done"},
            {"role": "assistant", "content": "Cancelled."}]}
    source = _write(tmp_path / "in.jsonl", [line("call_1"), line("TX92Jm8Zi")])
    result = CliRunner().invoke(cli, ["validate", "--target", "mistral", "-f", "json",
                                      str(source)])
    found = [(f["line"], f["path"]) for f in json.loads(result.stdout)["findings"]
             if f["code"] == "FT152"]
    assert found == [(1, "$.messages[1].tool_calls[0].id"), (1, "$.messages[2].tool_call_id")]
    result, out = _export(tmp_path, [line("call_1"), line("TX92Jm8Zi")], "mistral")
    assert result.exit_code == 0, result.stderr
    first, second = _read(out)
    new = first["messages"][1]["tool_calls"][0]["id"]
    assert len(new) == 9 and new.isalnum() and new.isascii()
    assert first["messages"][2]["tool_call_id"] == new
    assert second == line("TX92Jm8Zi")
    assert f"line 1: tool call id at $.messages[1].tool_calls[0].id ('call_1' rewritten as " \
        f"'{new}'); tool call id at $.messages[2].tool_call_id" in result.stderr
    result, again = _export(tmp_path, [line("call_1")], "openai")  # other targets: untouched
    assert _read(again) == [line("call_1")]


def test_a_line_python_reads_but_utf8_cannot_hold_is_rejected_not_fatal(tmp_path: Path) -> None:
    # A lone surrogate escape and a 5,000-digit number: each stopped the whole export
    # (exit 2, nothing written); now only its line is rejected.
    good = _msgs(("user", "Hi"), ("assistant", "Hello"))
    lines = [good, '{"messages": [{"role": "user", "content": "a\\ud800b"}, '
             '{"role": "assistant", "content": "x"}]}',
             '{"messages": [{"role": "user", "content": "n"}], "n": ' + "1" * 5000 + "}", good]
    for target in ("openai", "vertex-gemini"):
        result, out = _export(tmp_path, lines, target, "--rejects", str(tmp_path / "r.jsonl"))
        assert result.exit_code == 1, result.stderr
        assert len(_read(out)) == 2
        assert "rejected line 2: holds an unpaired UTF-16 surrogate" in result.stderr
        assert "rejected line 3: not valid JSON (a number with more than 4,300 digits" in (
            result.stderr)
        assert [r["line"] for r in _read(tmp_path / "r.jsonl")] == [2, 3]


def test_rejects_to_stdout_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)  # where a file named "-" would appear
    result, _ = _export(tmp_path, [_msgs(("user", "Hi"), ("assistant", "Hello"))], "openai",
                        "--rejects", "-")
    assert result.exit_code == 2 and "the rejects need a file" in result.output
    assert not (tmp_path / "-").exists()

"""Schema errors against OpenAI's spec: message names, JSON values, weight per format,
fixes (QA cases A2, A4, B1, C2, C3, C6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import write_jsonl
from spec_helpers import A, U, answer, asks, call, dpo, findings, msgs, only

from ftprep.validate import ValidateOptions, validate


# A2: the preference format has no weight, and no SFT-only rule fires on it.
@pytest.mark.parametrize("weight", [0, 1])
@pytest.mark.parametrize("side", ["preferred_output", "non_preferred_output"])
def test_weight_in_preference_outputs_is_an_unexpected_key(tmp_path: Path, weight: int,
                                                           side: str) -> None:
    line = dpo()
    line[side] = [{**line[side][0], "weight": weight}]
    found = findings(tmp_path, line, pad=False)
    assert not only(found, "FT110")
    hits = only(found, "FT107")
    assert {f.path for f in hits} == {f"$.{side}[0].weight"}
    assert "unexpected key `weight`" in hits[0].message
    assert "non-assistant" not in hits[0].message and "remove it" in hits[0].message


# A4: https:// in the hint; plain http gets a warning.
def test_bad_image_url_hint_says_https(tmp_path: Path) -> None:
    line = msgs({"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "ftp://x/a.png"}}]}, A)
    (hit,) = only(findings(tmp_path, line), "FT107")
    assert "https://" in hit.message and "http(s)" not in hit.message


# B1: a message's name follows OpenAI's message-name rule, not the function-name one.
@pytest.mark.parametrize("name", ["john.doe", "Zoë", "x" * 65, "a-b_c"])
def test_message_names_follow_the_message_name_rule(tmp_path: Path, name: str) -> None:
    assert findings(tmp_path, msgs({**U, "name": name}, {**A, "name": name})) == []


@pytest.mark.parametrize("name", ["John Doe", "a<b", "a|b", "a/b", "a\\b", "a>b", ""])
def test_message_names_with_forbidden_characters_are_errors(tmp_path: Path, name: str) -> None:
    (hit,) = findings(tmp_path, msgs({**U, "name": name}, A))
    assert hit.code == "FT107" and hit.path == "$.messages[0].name"
    assert "whitespace" in hit.message and "letters" not in hit.message
    assert json.dumps(name) in hit.message


def test_function_names_keep_the_function_name_rule(tmp_path: Path) -> None:
    line = msgs(U, asks(call("c1", name="john.doe")), answer("c1"), A)
    (hit,) = findings(tmp_path, line)
    assert hit.path == "$.messages[1].tool_calls[0].function.name"
    assert "1-64 letters, digits, underscores or hyphens" in hit.message


def test_name_tokens_are_counted_whatever_the_name_rule() -> None:
    from ftprep.tokens import ChatTokenCounter

    counter = ChatTokenCounter("gpt-4o-mini-2024-07-18")
    plain = counter.count_example(msgs(U, A)).total
    named = counter.count_example(msgs({**U, "name": "john.doe"}, A)).total
    assert named == plain + 1 + counter.count_text("john.doe")


# C2: a target whose format has no weight says so.
def test_bedrock_claude_weight_says_the_format_has_none(tmp_path: Path) -> None:
    lines = [{"messages": [U, A]}] * 11 + [{"messages": [U, {**A, "weight": 1}]}]
    file = write_jsonl(tmp_path / "t.jsonl", lines)
    report = validate([file], ValidateOptions(target="bedrock-claude"))
    (hit,) = only(report.findings, "FT107")
    assert hit.path == "$.messages[1].weight"
    assert "non-assistant" not in hit.message and "no `weight`" in hit.message
    assert "remove it" in hit.message


# C3: JSON values print as JSON.
@pytest.mark.parametrize(("line", "path", "shown"), [
    (msgs(U, {**A, "weight": None}), "$.messages[1].weight", "null"),
    (msgs(U, {**A, "weight": 2}), "$.messages[1].weight", "2"),
    (msgs(U, A, parallel_tool_calls=None), "$.parallel_tool_calls", "null"),
])
def test_values_print_as_json(tmp_path: Path, line: dict[str, Any], path: str, shown: str) -> None:
    (hit,) = only(findings(tmp_path, line), "FT107")
    assert hit.path == path and shown in hit.message
    assert "None" not in hit.message and "True" not in hit.message


@pytest.mark.parametrize("role", [1, True, None, ["user"]])
def test_non_string_role_must_be_a_string(tmp_path: Path, role: Any) -> None:
    (hit,) = only(findings(tmp_path, msgs({"role": role, "content": "x"}, U, A)), "FT107")
    assert hit.path == "$.messages[0].role"
    assert "must be a string" in hit.message and "'1'" not in hit.message


@pytest.mark.parametrize(("line", "fix"), [
    ({"preferred_output": [A], "non_preferred_output": [A]}, "add `input`"),
    (msgs({"role": "user", "content": [{"text": "x"}]}, A), "add one"),
    ({"input": [], "preferred_output": [A], "non_preferred_output": [A]}, "write it as a JSON object"),
])
def test_schema_messages_give_a_fix(tmp_path: Path, line: dict[str, Any], fix: str) -> None:
    hits = only(findings(tmp_path, line, pad="messages" in line), "FT107")
    assert hits and any(fix in f.message for f in hits), [f.message for f in hits]

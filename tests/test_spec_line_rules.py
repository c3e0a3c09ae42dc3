"""Line rules against OpenAI's spec: NaN in arguments, http images, image sizes, paths
and fixes in messages (QA cases A1, A2, A4, C4, C5, C6)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from spec_helpers import A, U, dpo, findings, msgs, only

from ftprep.validate import ValidateOptions


# Python's json raises more than syntax errors on arguments: neither may crash the run.
@pytest.mark.parametrize(("arguments", "said"), [
    ('{"n": ' + "1" * 5000 + "}", "more than 4,300 digits"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper"),
])
def test_arguments_json_cannot_read_are_ft119(tmp_path: Path, arguments: str, said: str) -> None:
    reply = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
             "function": {"name": "f", "arguments": arguments}}]}
    (hit,) = only(findings(tmp_path, msgs(U, reply)), "FT119")
    assert said in hit.message and "set_int_max_str_digits" not in hit.message


# A1: NaN and Infinity are not JSON, in arguments as anywhere.
@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("legacy", [False, True])
def test_non_json_constants_in_arguments_are_ft119(tmp_path: Path, token: str,
                                                   legacy: bool) -> None:
    arguments = f'{{"x": {token}}}'
    if legacy:
        reply = {"role": "assistant", "function_call": {"name": "f", "arguments": arguments}}
        path = "$.messages[1].function_call.arguments"
    else:
        reply = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                 "function": {"name": "f", "arguments": arguments}}]}
        path = "$.messages[1].tool_calls[0].function.arguments"
    (hit,) = only(findings(tmp_path, msgs(U, reply)), "FT119")
    assert hit.path == path and hit.line == 2
    assert token.lstrip("-") in hit.message and "null or a number" in hit.message


def test_no_trainable_rule_is_for_supervised_lines_only() -> None:
    from ftprep.checks.registry import get

    check = get("FT110")
    assert check.applies_to("openai-chat") and not check.applies_to("openai-dpo")


def test_plain_http_image_url_is_a_warning(tmp_path: Path) -> None:
    def image(url: str) -> dict[str, Any]:
        return msgs({"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": url}}]}, A)

    found = findings(tmp_path, image("http://example.com/a.png"))
    (hit,) = found
    assert hit.code == "FT136" and hit.severity.label == "warning"
    assert hit.path == "$.messages[0].content[0].image_url.url" and "https://" in hit.message
    assert findings(tmp_path, image("https://example.com/a.png")) == []


# C4: image size in bytes, MiB error, MB-to-MiB warning.
def _image_line(size: int) -> dict[str, Any]:
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * (size - 8)
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    return msgs({"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}, A)


@pytest.mark.parametrize(("size", "code"), [
    (10_000_000, None), (10_000_001, "FT135"), (10_485_760, "FT135"), (10_485_761, "FT115"),
])
def test_image_size_limits(tmp_path: Path, size: int, code: str | None) -> None:
    found = [f for f in findings(tmp_path, _image_line(size)) if f.code in ("FT115", "FT135")]
    assert [f.code for f in found] == ([code] if code else [])
    if code:
        (hit,) = found
        assert f"{size:,} bytes" in hit.message and "MiB" in hit.message
        assert hit.path == "$.messages[0].content[0].image_url.url"
    if code == "FT135":
        assert found[0].severity.label == "warning" and "10,000,000" in found[0].message


# C5/C6: no 0-based indexes in prose, paths where they exist, fixes everywhere.
def test_consecutive_roles_name_no_index(tmp_path: Path) -> None:
    (hit,) = only(findings(tmp_path, msgs({"role": "system", "content": "a"},
                                          {"role": "system", "content": "b"}, U, A)), "FT117")
    assert hit.path == "$.messages[1]"
    assert "message 1" not in hit.message


def test_dpo_messages_name_no_internal_index(tmp_path: Path) -> None:
    line = {"input": {"messages": [U, A]}, "preferred_output": [{"role": "assistant",
            "content": "good"}], "non_preferred_output": [{"role": "assistant", "content": "bad"}]}
    found = findings(tmp_path, line, pad=False)
    assert {f.code for f in found} >= {"FT117", "FT130"}
    for f in found:
        assert "message 2" not in f.message and "message 1" not in f.message


@pytest.mark.parametrize(("line", "code", "path"), [
    (msgs({"role": "system", "content": "x"}, U), "FT110", "$.messages[1]"),
    (msgs(U, {**A, "weight": 0}), "FT110", "$.messages[1].weight"),
    (msgs({"role": "user", "content": [{"type": "image_url", "image_url": {
        "url": "https://x/a.png"}}] * 11}, A), "FT113", "$.messages[0].content[10]"),
])
def test_line_rules_have_paths(tmp_path: Path, line: dict[str, Any], code: str, path: str) -> None:
    (hit,) = only(findings(tmp_path, line), code)
    assert hit.path == path


@pytest.mark.parametrize(("line", "code", "fix"), [
    (msgs({"role": "user", "content": []}, A), "FT111", "add a text part"),
    ({**dpo(), "non_preferred_output": [{"role": "assistant", "content": "good"}]}, "FT131",
     "write a worse"),
])
def test_line_messages_give_a_fix(tmp_path: Path, line: dict[str, Any], code: str, fix: str) -> None:
    hits = only(findings(tmp_path, line, pad="messages" in line), code)
    assert hits and all(fix in f.message for f in hits), [f.message for f in hits]


def test_too_many_image_examples_says_how_to_fix() -> None:
    from ftprep.checks.registry import Selection
    from ftprep.validate import FileValidator

    validator = FileValidator(ValidateOptions(selection=Selection()))
    (finding,) = [f for f in validator._file_checks("f.jsonl", 50_001, "50001 example(s)", 50_001)
                  if f.code == "FT127"]
    assert "split" in finding.message or "move" in finding.message

"""Tool calls and tool definitions against OpenAI's spec (QA cases A5, A6, A7, B2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import chat, write_jsonl
from spec_helpers import A, U, answer, asks, call, dpo, findings, msgs, only


# A5: tool parameters that are not a valid JSON Schema, or not an object schema.
@pytest.mark.parametrize(("parameters", "words"), [
    ({"type": "object", "properties": {"city": {"type": "strng"}}}, "strng"),
    ({"type": "string"}, "\"object\""),
    ({"type": "object", "required": "city"}, "required"),
])
@pytest.mark.parametrize("where", ["tools", "functions", "dpo"])
def test_bad_parameter_schemas_are_warnings(tmp_path: Path, parameters: dict[str, Any],
                                            words: str, where: str) -> None:
    function = {"name": "f", "parameters": parameters}
    if where == "tools":
        line = msgs(U, A, tools=[{"type": "function", "function": function}])
        path = "$.tools[0].function.parameters"
    elif where == "functions":
        line = msgs(U, A, functions=[function])
        path = "$.functions[0].parameters"
    else:
        line = dpo()
        line["input"]["tools"] = [{"type": "function", "function": function}]
        path = "$.input.tools[0].function.parameters"
    (hit,) = only(findings(tmp_path, line, pad=where != "dpo"), "FT137")
    assert hit.severity.label == "warning" and hit.path.startswith(path)
    assert words in hit.message and ";" in hit.message


def _nested_items(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {"a": {"type": "array"}}}
    inner = schema["properties"]["a"]
    for _ in range(depth):
        inner["items"] = {"type": "array"}
        inner = inner["items"]
    return schema


# Review: jsonschema fails in its own ways on such data; each is a finding, not a crash.
@pytest.mark.parametrize("parameters", [
    {"$schema": 5, "type": "object"},
    {"$schema": [], "type": "object"},
    _nested_items(150),
])
def test_parameter_schemas_jsonschema_cannot_check_are_warnings(tmp_path: Path,
                                                                parameters: dict[str, Any]) -> None:
    line = msgs(U, A, tools=[{"type": "function", "function": {"name": "f",
                                                                "parameters": parameters}}])
    found = findings(tmp_path, line)
    assert [f.code for f in found if f.code == "FT137"] or [f.code for f in found if
                                                           f.code == "FT107"]


def test_good_parameter_schemas_are_clean(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string", "enum": ["a"]}},
              "required": ["city"], "additionalProperties": False}
    for parameters in (schema, {}):
        line = msgs(U, A, tools=[{"type": "function",
                                  "function": {"name": "f", "parameters": parameters}}])
        assert findings(tmp_path, line) == []


def test_validate_does_not_import_jsonschema_without_tools(tmp_path: Path) -> None:
    import subprocess
    import sys

    file = write_jsonl(tmp_path / "t.jsonl", [chat()], pad_to=12)
    code = ("import sys; from ftprep.validate import validate; validate([sys.argv[1]]); "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(file)], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "False"


# A6, A7, B2: tool-call ordering.
TOOL_CASES = [
    # (id, messages, line extras, expected (code, path) pairs)
    ("unanswered before user", [U, asks(call("c1")), U, A], {},
     [("FT122", "$.messages[1].tool_calls[0]")]),
    ("answer after assistant text", [U, asks(call("c1")), A, answer("c1"), A], {},
     [("FT122", "$.messages[1].tool_calls[0]"), ("FT117", "$.messages[2]")]),
    ("answered twice", [U, asks(call("c1")), answer("c1"), answer("c1"), A], {},
     [("FT128", "$.messages[3].tool_call_id")]),
    ("parallel false", [U, asks(call("c1"), call("c2")), answer("c1"), answer("c2"), A],
     {"parallel_tool_calls": False}, [("FT129", "$.messages[1].tool_calls")]),
    ("reused after answered", [U, asks(call("c1")), answer("c1"), A, U, asks(call("c1")),
                               answer("c1"), A], {},
     [("FT138", "$.messages[5].tool_calls[0].id")]),
    ("reused while unanswered", [U, asks(call("c1")), U, asks(call("c1")), answer("c1"), A], {},
     [("FT122", "$.messages[1].tool_calls[0]"), ("FT121", "$.messages[3].tool_calls[0].id")]),
    ("same id in one message", [U, asks(call("c1"), call("c1")), answer("c1"), A], {},
     [("FT121", "$.messages[1].tool_calls[1].id")]),
    ("call is the last message", [U, asks(call("c1"))], {}, []),
    ("parallel calls allowed", [U, asks(call("c1"), call("c2")), answer("c2"), answer("c1"), A],
     {}, []),
]


@pytest.mark.parametrize(("messages", "extra", "expected"), [c[1:] for c in TOOL_CASES],
                         ids=[c[0] for c in TOOL_CASES])
def test_tool_call_order(tmp_path: Path, messages: list[dict[str, Any]], extra: dict[str, Any],
                         expected: list[tuple[str, str]]) -> None:
    found = findings(tmp_path, msgs(*messages, **extra))
    assert sorted((f.code, f.path) for f in found) == sorted(expected)
    for f in found:
        assert (f.severity.label == "error") == (f.code == "FT121"), f
        assert f.message

"""FT503 output regex, FT504 reply not JSON, FT505 JSON Schema violations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from behaviour_helpers import chat, codes, line_findings, rules, ticket

SCHEMA = {
    "type": "object",
    "required": ["category", "reply"],
    "additionalProperties": False,
    "properties": {
        "category": {"enum": ["billing", "technical", "returns", "complaints"]},
        "reply": {"type": "string", "minLength": 5},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
WITH_SCHEMA = {"output": {"schema": SCHEMA}}


def reply(obj: object) -> dict:
    return chat("My invoice is wrong", json.dumps(obj))


@pytest.mark.parametrize(("record", "expected"), [
    (ticket("billing"), []),
    (reply({"category": "billing", "reply": "Hi Tom, refunded.", "tags": ["x"]}), []),
    (reply({"category": "refunds", "reply": "Hi Tom, refunded."}),
     [("FT505", "$.messages[2].content -> $.category")]),
    (reply({"reply": "Hi Tom, refunded."}), [("FT505", "$.messages[2].content -> $")]),
    (reply({"category": "billing", "reply": "Hi Tom", "tags": ["a", 3]}),
     [("FT505", "$.messages[2].content -> $.tags[1]")]),
    (reply({"category": "billing", "reply": "Hi Tom, ok.", "extra": 1}),
     [("FT505", "$.messages[2].content -> $")]),
    (reply(["billing"]), [("FT505", "$.messages[2].content -> $")]),
    (chat("Invoice?", "Hi Tom, I refunded it."), [("FT504", "$.messages[2].content")]),
    (chat("Invoice?", '```json\n{"category": "billing"}\n```'), [("FT504", "$.messages[2].content")]),
    (chat("Invoice?", '{"category": "billing", "reply": "Hi"'), [("FT504", "$.messages[2].content")]),
])
def test_schema_rules(record: dict, expected: list[tuple[str, str]]) -> None:
    found = line_findings(record, rules(WITH_SCHEMA))
    assert [(f.code, f.path) for f in found] == expected


def test_not_json_says_why_and_schema_message_is_jsonschemas() -> None:
    (bad,) = line_findings(chat("Invoice?", "Hi Tom, refunded."), rules(WITH_SCHEMA))
    assert "not JSON" in bad.message and "column 1" in bad.message
    (wrong,) = line_findings(reply({"category": "refunds", "reply": "Hi Tom!"}), rules(WITH_SCHEMA))
    assert "'refunds' is not one of" in wrong.message


def test_many_schema_errors_are_capped_per_reply() -> None:
    schema = {"type": "object", "properties": {f"k{i}": {"type": "string"} for i in range(9)}}
    found = line_findings(reply({f"k{i}": i for i in range(9)}), rules({"output": {"schema": schema}}))
    assert len(found) == 6 and "4 more schema error(s)" in found[-1].message


def test_applies_to_last_or_all() -> None:
    turns = [{"role": "assistant", "content": "Which order?"}, {"role": "user", "content": "A-1"},
             {"role": "assistant", "content": json.dumps({"category": "returns", "reply": "Hi, done."})}]
    record = chat("Return please", turns)
    assert line_findings(record, rules(WITH_SCHEMA)) == []
    every = rules({"output": {"schema": SCHEMA, "applies_to": "all"}})
    (finding,) = line_findings(record, every)
    assert (finding.code, finding.path) == ("FT504", "$.messages[2].content")


@pytest.mark.parametrize(("content", "expected"), [
    ("Category: billing\n\nHi Tom,\nrefunded.", []),
    ("Category: Billing\n\nHi Tom", ["FT503"]),
    ("Hi Tom, refunded.", ["FT503"]),
    ("Category: billing", ["FT503"]),  # the whole reply must match
])
def test_output_regex(content: str, expected: list[str]) -> None:
    rule_set = rules({"output": {"regex": r"Category: (billing|technical|returns|complaints)\n\n.+"}})
    assert codes(line_findings(chat("Invoice?", content), rule_set)) == expected


def test_schema_file_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "reply.json").write_text(json.dumps(SCHEMA))
    rule_set = rules({"output": {"schema": "schemas/reply.json"}}, base_dir=tmp_path)
    assert codes(line_findings(reply({"category": "x", "reply": "Hi Tom!"}), rule_set)) == ["FT505"]


def test_schema_checks_use_draft_2020_12() -> None:
    # prefixItems is 2020-12 only; an older draft would ignore it.
    schema = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
    rule_set = rules({"output": {"schema": schema}})
    assert codes(line_findings(chat("?", '["a", 1]'), rule_set)) == []
    assert codes(line_findings(chat("?", '["a", "b"]'), rule_set)) == ["FT505"]


def test_validator_is_compiled_once() -> None:
    rule_set = rules(WITH_SCHEMA)
    assert rule_set.schema_validator() is rule_set.schema_validator()

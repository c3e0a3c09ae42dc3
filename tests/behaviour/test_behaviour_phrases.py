"""FT501 required phrases and FT502 forbidden phrases, per label, in validate's line pass."""

from __future__ import annotations

import json

import pytest
from behaviour_helpers import chat, codes, house_reply, line_findings, rules, ticket

RULES = {
    "reply-field": "reply",
    "required": {"complaints": ["We are sorry"],
                 "*": [{"pattern": r"^Hi \w+", "regex": True, "case-sensitive": True}]},
    "forbidden": {"*": ["as an AI"], "billing": [{"pattern": r"\bvoucher\b", "regex": True}]},
}


@pytest.mark.parametrize(("record", "expected"), [
    # positive: each rule fires once
    (ticket("complaints", reply=house_reply("complaints", body="Thanks for writing.")), ["FT501"]),
    (ticket("billing", reply="Hello John, refunded.\n\nThe Acme Support Team"), ["FT501"]),
    (ticket("billing", reply="hi John, refunded."), ["FT501"]),  # case-sensitive regex
    (ticket("technical", reply=house_reply("technical", body="As an AI, I can't.")), ["FT502"]),
    (ticket("technical", reply=house_reply("technical", body="as   an\nai model")), ["FT502"]),
    (ticket("billing", reply=house_reply("billing", body="Here is a voucher.")), ["FT502"]),
    (ticket("complaints", reply="Hello, as an AI I am sorry."), ["FT501", "FT501", "FT502"]),
    # negative: the house style, any case for plain phrases, other labels' rules
    (ticket("complaints"), []),
    (ticket("complaints", reply=house_reply("complaints", body="WE ARE SORRY, truly.")), []),
    (ticket("technical", reply=house_reply("technical", body="Here is a voucher.")), []),
    (ticket("billing", reply=house_reply("billing", body="Ask an AI-free human.")), []),
    (ticket("billing", reply=house_reply("billing", body="Acme has an AIM team.")), []),
    (ticket("billing", reply=house_reply("billing", body="Speaking as an AI-model.")), ["FT502"]),
])
def test_phrase_rules(record: dict, expected: list[str]) -> None:
    assert sorted(codes(line_findings(record, rules(RULES)))) == sorted(expected)


def test_finding_names_label_rule_and_json_path() -> None:
    record = ticket("complaints", reply=house_reply("complaints", body="Thanks."))
    (finding,) = line_findings(record, rules(RULES))
    assert finding.code == "FT501" and finding.severity.label == "error"
    assert finding.path == "$.messages[2].content -> $.reply"
    assert "'complaints'" in finding.message and "'We are sorry'" in finding.message
    assert "rules.required.complaints" in finding.message


def test_forbidden_phrase_is_quoted_in_context() -> None:
    record = ticket("technical", reply=house_reply("technical", body="As an AI, I cannot."))
    (finding,) = line_findings(record, rules(RULES))
    assert "“" in finding.message and "As an AI, I cannot" in finding.message
    assert 'rules.forbidden."*"' in finding.message


def test_plain_replies_are_read_whole_and_labelled_by_their_text() -> None:
    plain = {"required": {"*": ["The Acme Support Team"]}, "forbidden": {"*": ["as an AI"]}}
    assert line_findings(ticket("billing", as_json=False), rules(plain)) == []
    bad = ticket("billing", as_json=False, reply="As an AI I refunded it.")
    found = line_findings(bad, rules(plain))
    assert codes(found) == ["FT501", "FT502"]
    assert {f.path for f in found} == {"$.messages[2].content"}
    # label-only replies: the label is the whole reply
    label_rules = rules({"required": {"billing": ["refund"]}})
    assert codes(line_findings(chat("charged twice", "billing"), label_rules)) == ["FT501"]


def test_label_field_from_the_check_settings() -> None:
    record = chat("Where is my parcel?", json.dumps({"intent": "returns", "kind": "complaints",
                                                     "reply": "Hi Tom, sorry."}))
    by_kind = rules({"required": {"complaints": ["We are sorry"]}}, label_field="kind")
    by_default = rules({"required": {"complaints": ["We are sorry"]}})
    assert codes(line_findings(record, by_kind)) == ["FT501"]
    assert line_findings(record, by_default) == []  # default label: intent = returns


def test_required_reads_last_reply_forbidden_every_trained_reply() -> None:
    turns = [
        {"role": "assistant", "content": "As an AI, could you tell me your order?"},
        {"role": "user", "content": "A-1234"},
        {"role": "assistant", "content": "Hi Maria, done. We are sorry."},
    ]
    record = chat("Where is it?", turns)
    rule_set = rules({"required": {"*": ["We are sorry"]}, "forbidden": {"*": ["as an AI"]}})
    (finding,) = line_findings(record, rule_set)
    assert finding.code == "FT502" and finding.path == "$.messages[2].content"
    turns[0]["weight"] = 0  # not trained on: not judged
    assert line_findings(chat("Where is it?", turns), rule_set) == []


def test_preference_lines_check_the_preferred_output() -> None:
    record = {"input": {"messages": [{"role": "user", "content": "Refund?"}]},
              "preferred_output": [{"role": "assistant", "content": "As an AI, yes."}],
              "non_preferred_output": [{"role": "assistant", "content": "As an AI, no."}]}
    found = line_findings(record, rules({"forbidden": {"*": ["as an AI"]}}), fmt="openai-dpo")
    assert [(f.code, f.path) for f in found] == [("FT502", "$.preferred_output[0].content")]


def test_select_and_ignore_apply() -> None:
    record = ticket("complaints", reply="Hello, as an AI.")
    assert codes(line_findings(record, rules(RULES), select=("FT502",))) == ["FT502"]
    assert line_findings(record, rules(RULES), select=("FT1",)) == []

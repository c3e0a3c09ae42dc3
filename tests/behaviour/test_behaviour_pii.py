"""FT510: PII in every message, with the redaction detectors, a per-kind severity, and a
pre-filter that never hides what the detector would find."""

from __future__ import annotations

import json

import pytest
from behaviour_helpers import chat, codes, line_findings, rules, ticket
from hypothesis import given, settings
from hypothesis import strategies as st

from ftprep.checks.behaviour.pii_check import may_contain_pii

pii = pytest.importorskip("ftprep.clean.pii")
PiiDetector, PiiSettings = pii.PiiDetector, pii.PiiSettings

EMAIL = "maria.lopez@example.com"
PII_TEXTS = {
    "EMAIL": f"Please write to {EMAIL} today.",
    "PHONE": "Call me on (212) 736-5000 after six.",
    "CARD": "My card 4111 1111 1111 1111 was charged.",
    "IBAN": "Refund to DE89 3704 0044 0532 0130 00 please.",
    "IP": "The router at 203.0.113.42 drops the link.",
}


@pytest.mark.parametrize(("kind", "text"), PII_TEXTS.items())
def test_each_kind_is_found_in_user_messages(kind: str, text: str) -> None:
    (finding,) = line_findings(chat(text, "billing"), rules())
    assert finding.code == "FT510" and finding.path == "$.messages[1].content"
    assert f"[{kind}]" in finding.message and "user message" in finding.message
    assert finding.severity.label == ("warning" if kind == "IP" else "error")


@pytest.mark.parametrize("text", [
    "My address is [EMAIL], phone [PHONE], card [CARD].",
    "Order A-1234567 was shipped on 2024-03-05 at 10:30.",
    "Version 4.12.3 of the app, build 20240305.",
    '{"category": "technical", "reply": "Hi Tom"}',
    "Invoice INV-2024061 for 49.99 EUR.",
])
def test_placeholders_and_look_alikes_are_not_pii(text: str) -> None:
    assert line_findings(chat(text, "billing"), rules()) == []


def test_every_message_is_scanned_and_the_value_is_masked() -> None:
    record = chat("Hello", f"Hi, we wrote to {EMAIL}.", system=f"Escalations: {EMAIL}")
    found = line_findings(record, rules())
    assert [f.path for f in found] == ["$.messages[0].content", "$.messages[2].content"]
    assert all(EMAIL not in f.message and "ma…om" in f.message for f in found)


def test_parts_tool_arguments_and_rejected_preference_outputs() -> None:
    record = chat([{"type": "text", "text": "hi"}, {"type": "text", "text": PII_TEXTS["EMAIL"]}],  # type: ignore[arg-type]
                  [{"role": "assistant", "content": None, "tool_calls": [
                      {"id": "c1", "type": "function", "function": {
                          "name": "lookup", "arguments": json.dumps({"card": "4111111111111111"})}}]},
                   {"role": "tool", "tool_call_id": "c1", "content": "ok"},
                   {"role": "assistant", "content": "Done."}])
    paths = [f.path for f in line_findings(record, rules())]
    assert paths == ["$.messages[1].content[1].text",
                     "$.messages[2].tool_calls[0].function.arguments"]
    dpo = {"input": {"messages": [{"role": "user", "content": "Refund?"}]},
           "preferred_output": [{"role": "assistant", "content": "Yes."}],
           "non_preferred_output": [{"role": "assistant", "content": f"Mail {EMAIL}"}]}
    (finding,) = line_findings(dpo, rules(), fmt="openai-dpo")
    assert finding.path == "$.non_preferred_output[0].content"


def test_severity_per_kind_off_and_allow_list() -> None:
    text = f"{PII_TEXTS['EMAIL']} {PII_TEXTS['IP']} support@acme.example"
    configured = rules({"pii": {"severity": {"email": "warning", "IP": "off"},
                                "allow": ["Support@Acme.example"]}})
    (finding,) = line_findings(chat(text, "billing"), configured)
    assert "email" in finding.message and finding.severity.label == "warning"
    assert line_findings(chat(text, "billing"), rules({"pii": {"enabled": False}})) == []
    # A number is allowed however it is written: the hotline's digits decide.
    hotline = rules({"pii": {"allow": ["+1 800 555 0199"]}})
    assert line_findings(chat("Call us on 1-800-555-0199 or (800) 555-0199.", "x"), hotline) == []


def test_code_severity_from_the_config_wins_over_the_kind() -> None:
    from ftprep.checks.registry import Selection
    from ftprep.report.finding import Severity
    from ftprep.validate import FileValidator, ValidateOptions

    options = ValidateOptions(line_format="openai-chat", rules=rules(),
                              selection=Selection(select=("FT5",), severity={"FT510": Severity.INFO}))
    found = FileValidator(options).check_line(json.dumps(chat(PII_TEXTS["CARD"], "x")).encode())
    assert [f.severity for f in found] == [Severity.INFO]


def test_custom_kinds_from_the_pii_settings() -> None:
    pii = PiiSettings(patterns={"ORDER_ID": r"ORD-\d{6}"})
    rule_set = rules(pii_settings=pii)
    (finding,) = line_findings(chat("Order ORD-123456 is late", "billing"), rule_set)
    assert "ORDER_ID" in finding.message and finding.severity.label == "warning"
    assert line_findings(chat("Order [ORDER_ID] is late", "billing"), rule_set) == []


@pytest.mark.parametrize("text", [
    *PII_TEXTS.values(),
    "fe80::1ff:fe23:4567:890a is the address", "ping ::1 now", "2001:db8::8a2e:370:7334",
    "+44 20 7946 0958", "212.736.5000", "212/736-5000", "4111-1111-1111-1111",
    "GB29NWBK60161331926819", "10.0.0.1", "x@y.co",
])
def test_screen_passes_every_text_the_detector_flags(text: str) -> None:
    assert PiiDetector().find(text), text  # the samples are PII
    assert may_contain_pii(text)
    assert may_contain_pii("\x00".join(["plain words", text, "more words"]))


_ALPHABET = st.sampled_from(list("0123456789 ().-/:@abcdefABCDEFGHIJKLMNOPQRSTUVWXYZ+#,x\n"))


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, min_size=0, max_size=40).map("".join))
def test_screen_is_a_superset_of_the_detector(text: str) -> None:
    if not may_contain_pii(text):
        assert PiiDetector(screen=False).find(text) == []


@pytest.mark.parametrize("text", [
    "Your case number is C-0012345.", "Invoice inv2024061 is paid", "ref AB-1234567-X",
])
def test_screen_clears_numbers_glued_to_a_code(text: str) -> None:
    assert PiiDetector(screen=False).find(text) == []
    assert not may_contain_pii(text)


def test_screen_clears_ordinary_ticket_text() -> None:
    record = ticket("billing")
    assert not may_contain_pii("\x00".join(m["content"] for m in record["messages"]))


def test_off_by_default_in_the_library_and_on_in_the_runner() -> None:
    from ftprep.validate import FileValidator, ValidateOptions

    raw = json.dumps(chat(PII_TEXTS["EMAIL"], "x")).encode()
    plain = FileValidator(ValidateOptions(line_format="openai-chat")).check_line(raw)
    assert "FT510" not in codes(plain)
    assert codes(line_findings(chat(PII_TEXTS["EMAIL"], "x"), rules())) == ["FT510"]


def test_the_mask_shows_a_little_of_a_short_value_too() -> None:
    from ftprep.checks.behaviour.pii_check import _mask

    assert _mask("jane@example.com") == "ja…om"
    assert _mask("AB-123") == "A…"  # a custom kind's short match no longer reads "(…)"
    assert _mask("42") == "…"

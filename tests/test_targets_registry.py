"""The target registry, format detection across all formats, and what `validate` says
about targets without --target (accepted_by)."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from ftprep.formats import LINE_FORMATS, detect_format, get_format
from ftprep.report.finding import FileSummary, Finding
from ftprep.report.reporters.text import TextReporter
from ftprep.targets import DEFAULT_TARGET, FEATURES, TARGETS, Target, get_target, targets_accepting
from ftprep.targets.transform import CODECS
from ftprep.validate import FileValidator, ValidateOptions
from tests.test_format_schemas import SAMPLES

REQUIRED = {"openai", "together", "fireworks", "vertex-gemini", "bedrock-nova",
            "bedrock-claude", "mistral", "trl", "sharegpt", "alpaca"}
FIELDS = {f.name for f in dataclasses.fields(Target)}


def test_every_required_target_is_registered() -> None:
    assert set(TARGETS) >= REQUIRED
    assert DEFAULT_TARGET == "openai"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_is_consistent(name: str) -> None:
    t = get_target(name)
    assert t.formats and all(f in LINE_FORMATS for f in t.formats)
    assert t.export_format in CODECS, "export writes the first format"
    assert set(t.roles) <= {"system", "user", "assistant", "tool", "function"}
    assert {"user", "assistant"} <= set(t.roles)
    assert set(t.role_names) <= set(t.roles)
    assert (t.system == "field") == (t.system_field is not None)
    assert t.unverified <= FIELDS, "unverified names fields of Target"
    assert t.unsupported <= set(FEATURES)
    for roles in (t.first_roles, t.last_roles):
        assert roles is None or set(roles) <= set(t.roles)
    if t.min_examples is not None and t.max_examples is not None:
        assert t.min_examples <= t.max_examples
    assert t.docs_url.startswith("https://")
    assert t.sources, "every target cites where its facts come from"


def test_get_target_errors_list_the_targets() -> None:
    assert get_target(" Bedrock-Nova ").name == "bedrock-nova"
    with pytest.raises(KeyError, match="use one of openai"):
        get_target("azure")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_format_detects_as_itself(name: str) -> None:
    assert detect_format(SAMPLES[name]) is get_format(name)


def test_identifying_keys_are_unambiguous() -> None:
    by_keys: dict[frozenset[str], list[str]] = {}
    for fmt in LINE_FORMATS.values():
        by_keys.setdefault(fmt.keys, []).append(fmt.name)
    for keys, names in by_keys.items():
        if len(names) > 1:
            # Formats that share keys must tell themselves apart with `claims`.
            assert sum(get_format(n).claims is None for n in names) <= 1, (keys, names)


def test_claude_without_system_is_chat_unless_the_target_says_otherwise() -> None:
    line = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    assert detect_format(line).name == "openai-chat"
    assert detect_format(line, prefer=("bedrock-claude",)).name == "bedrock-claude"
    chat_with_system = {"messages": [{"role": "system", "content": "s"}, *line["messages"]]}
    # A valid chat line stays chat, so the target can say it does not take that format.
    assert detect_format(chat_with_system, prefer=("bedrock-claude",)).name == "openai-chat"
    broken = {"messages": [{"role": "user", "content": 3}]}
    assert detect_format(broken, prefer=("bedrock-claude",)).name == "bedrock-claude"


def test_nova_line_with_string_system_is_not_claude() -> None:
    nova = dict(SAMPLES["bedrock-nova"])
    assert detect_format(nova).name == "bedrock-nova"


def test_accepted_by() -> None:
    assert targets_accepting("openai-chat") == ("openai", "together", "fireworks", "mistral", "trl")
    assert targets_accepting("bedrock-nova") == ("bedrock-nova",)
    assert set(targets_accepting("trl-prompt-completion")) == {"together", "trl"}


def _run(lines: list[bytes], target: str | None = None) -> tuple[FileSummary, list[Finding]]:
    validator = FileValidator(ValidateOptions(target=target))
    return validator.run("t.jsonl", io.BytesIO(b"\n".join(lines) + b"\n"))


def test_validate_fills_accepted_by_and_the_text_report_shows_it() -> None:
    from ftprep.report.finding import Report

    summary, _ = _run([json.dumps(SAMPLES["sharegpt"]).encode()] * 3)
    assert summary.line_format == "sharegpt"
    assert summary.accepted_by == ("sharegpt",)
    report = Report(command="validate", files=[summary])
    out = io.StringIO()
    TextReporter(color=False).render(report, out)
    assert "t.jsonl: sharegpt, a format sharegpt takes" in out.getvalue()
    several = dataclasses.replace(summary, line_format="openai-chat",
                                  accepted_by=("openai", "together"))
    out = io.StringIO()
    TextReporter(color=False).render(Report(command="validate", files=[several]), out)
    assert "t.jsonl: openai-chat, a format openai, together take\n" in out.getvalue()


def test_openai_limits_apply_only_to_openai_formats_without_a_target() -> None:
    _, findings = _run([json.dumps(SAMPLES["alpaca"]).encode()] * 3)
    assert findings == []
    _, findings = _run([json.dumps(SAMPLES["openai-chat"]).encode()] * 3)
    assert [f.code for f in findings] == ["FT123"]
    _, findings = _run([json.dumps(SAMPLES["openai-chat"]).encode()] * 3, target="openai")
    assert [f.code for f in findings] == ["FT147"]


def test_hit_paths_use_the_lines_own_keys() -> None:
    line = {"contents": [{"role": "user", "parts": [{"text": "q"}]},
                         {"role": "model", "parts": [{"text": " "}]}]}
    _, findings = _run([json.dumps(line).encode()])
    assert [(f.code, f.path) for f in findings] == [
        ("FT111", "$.contents[1].parts[0].text")]


NOVA = {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "a"}, {"text": "b"}],
        "messages": [{"role": "user", "content": [{"text": "q"}]}]}
VERTEX = {"systemInstruction": {"parts": [{"text": "s"}]},
          "contents": [{"role": "user", "parts": [{"text": "q"}, {"text": "r"}]}]}
PC = {"prompt": [{"role": "user", "content": "q"}],
      "completion": [{"role": "assistant", "content": "a"}]}


@pytest.mark.parametrize(("fmt", "record", "index", "relative", "expected"), [
    ("bedrock-nova", NOVA, 0, "", "$.system"),
    ("bedrock-nova", NOVA, 0, ".content[1].text", "$.system[1].text"),
    ("bedrock-nova", NOVA, 1, ".content", "$.messages[0].content[0].text"),
    ("vertex-gemini", VERTEX, 0, ".content", "$.systemInstruction.parts[0].text"),
    ("vertex-gemini", VERTEX, 1, ".content[1].text", "$.contents[0].parts[1].text"),
    ("vertex-gemini", VERTEX, 1, ".content", "$.contents[0].parts"),
    ("bedrock-claude", SAMPLES["bedrock-claude"], 0, ".content", "$.system"),
    ("bedrock-claude", SAMPLES["bedrock-claude"], 2, ".content", "$.messages[1].content"),
    ("sharegpt", SAMPLES["sharegpt"], 0, ".content", "$.system"),
    ("sharegpt", SAMPLES["sharegpt"], 2, ".content", "$.conversations[1].value"),
    ("alpaca", SAMPLES["alpaca"], 0, ".content", "$.history[0][0]"),
    ("alpaca", SAMPLES["alpaca"], 2, ".content", "$.instruction"),
    ("alpaca", SAMPLES["alpaca"], 3, "", "$.output"),
    ("trl-prompt-completion", SAMPLES["trl-prompt-completion"], 1, ".content", "$.completion"),
    ("trl-prompt-completion", PC, 1, ".content", "$.completion[0].content"),
])
def test_field_paths_point_into_the_line(fmt: str, record: dict[str, object], index: int,
                                         relative: str, expected: str) -> None:
    field_path = get_format(fmt).field_path
    assert field_path is not None
    assert field_path(record, index, relative) == expected

"""FT140-FT151: each target rule, table-driven, and the runner that applies them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from ftprep.checks import targets as tc
from ftprep.checks.conversation import UNTRAINED
from ftprep.checks.registry import Hit, Selection, all_checks, get
from ftprep.targets import get_target

Case = tuple[str, tuple[str, ...], list[int | None]]  # target, shape, message indexes hit

SHAPE_CASES: dict[Callable[..., Iterable[Hit]], list[Case]] = {
    tc.role_not_allowed: [
        ("together", ("system", "user", "assistant"), []),
        ("together", ("user", "assistant", "tool", "assistant"), []),
        ("bedrock-nova", ("user", "assistant", "tool", "assistant"), [2]),
        ("openai", ("user", "assistant", "tool", "assistant"), []),
        ("bedrock-claude", ("user", "function", "assistant"), [1]),
    ],
    tc.system_placement: [
        ("openai", ("user", "system", "assistant"), []),
        ("bedrock-claude", ("system", "user", "assistant"), []),
        ("bedrock-claude", ("user", "system", "assistant"), [1]),
        ("bedrock-claude", ("system", "system", "user", "assistant"), [1]),
        ("mistral", ("system", "user", "system", "assistant"), [2]),
        ("vertex-gemini", ("user", "assistant", "system"), [2]),
    ],
    tc.not_alternating: [
        ("openai", ("user", "user", "assistant"), []),
        ("together", ("user", "user", "assistant"), [1]),
        ("bedrock-nova", ("user", "assistant", UNTRAINED), [2]),
        ("alpaca", ("system", "user", "assistant", "user", "assistant"), []),
        ("together", ("system", "system", "user", "assistant"), [1]),
    ],
    tc.first_role: [
        ("openai", ("assistant", "user"), []),
        ("bedrock-nova", ("system", "user", "assistant"), []),
        ("bedrock-nova", ("system", "assistant", "user", "assistant"), [1]),
        ("bedrock-claude", ("system",), [None]),
    ],
    tc.last_role: [
        ("openai", ("user", "assistant", "user"), []),
        ("mistral", ("user", "assistant", "user"), [2]),
        ("mistral", ("user", UNTRAINED), []),
        ("bedrock-claude", ("user", "assistant"), []),
    ],
}


@pytest.mark.parametrize(("check", "case"), [(c, case) for c, cases in SHAPE_CASES.items()
                                             for case in cases],
                         ids=lambda v: getattr(v, "__name__", None) or "-".join(
                             str(x) for x in (v[0], *v[1])))
def test_shape_rule(check: Callable[..., Iterable[Hit]], case: Case) -> None:
    target, shape, expected = case
    hits = list(check(get_target(target), shape))
    assert [h.message_index for h in hits] == expected
    for hit in hits:
        assert get_target(target).title in hit.message


def _messages(*texts: Any) -> list[dict[str, Any]]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": t}
            for i, t in enumerate(texts)]


@pytest.mark.parametrize(("target", "messages", "paths"), [
    ("bedrock-nova", _messages("Hello", "Hi"), []),
    ("bedrock-nova", _messages("User: hello", "Hi"), [(0, ".content")]),
    ("bedrock-nova", _messages("q", [{"type": "text", "text": "a"},
                                     {"type": "text", "text": "see <image>"}]),
     [(1, ".content[1].text")]),
    ("bedrock-nova", _messages("[EOS] USER: x", "ok"), [(0, ".content"), (0, ".content")]),
    ("openai", _messages("User: hello", "Hi"), []),
])
def test_forbidden_strings(target: str, messages: list[dict[str, Any]],
                           paths: list[tuple[int, str]]) -> None:
    hits = list(tc.forbidden_string(get_target(target), {}, messages))
    assert [(h.message_index, h.path) for h in hits] == paths


@pytest.mark.parametrize(("target", "examples", "codes"), [
    ("bedrock-nova", 7, ["FT147"]),
    ("bedrock-nova", 8, []),
    ("bedrock-nova", 20_001, ["FT148"]),
    ("openai", 10, ["FT150"]),
    ("openai", 50, []),
    ("vertex-gemini", 99, ["FT150"]),
    ("vertex-gemini", 1_000_001, ["FT148"]),
    ("together", 1, []),
    ("together", 0, ["FT147"]),
    ("sharegpt", 0, []),
])
def test_example_counts(target: str, examples: int, codes: list[str]) -> None:
    rules = tc.TargetRules(target, Selection())
    assert [f.code for f in rules.file_findings("f.jsonl", examples)] == codes


@pytest.mark.parametrize(("target", "size", "codes"), [
    ("openai", 512 * 1024**2, []),
    ("openai", 512 * 1024**2 + 1, ["FT149"]),
    ("vertex-gemini", 1_000_000_001, ["FT149"]),
    ("together", 50 * 1024**3, []),
    ("bedrock-claude", 10**12, []),  # no documented limit
])
def test_file_size(target: str, size: int, codes: list[str]) -> None:
    rules = tc.TargetRules(target, Selection())
    assert [f.code for f in rules.size_findings("f.jsonl", size)] == codes


def test_format_not_accepted_suggests_export() -> None:
    rules = tc.TargetRules("bedrock-nova", Selection())
    assert rules.format_findings("f.jsonl", "bedrock-nova", 1) == []
    [finding] = rules.format_findings("f.jsonl", "openai-chat", 1)
    assert finding.code == "FT140"
    assert "ftprep export f.jsonl --target bedrock-nova" in finding.message


def test_rules_can_be_ignored_and_are_cached_per_shape() -> None:
    rules = tc.TargetRules("bedrock-claude", Selection(ignore=("FT143",)))
    shape = ("user", "user", "assistant")
    first = rules.line_hits({}, [], shape)
    assert [c.code for c, _ in first] == []
    rules = tc.TargetRules("bedrock-claude", Selection())
    assert [c.code for c, _ in rules.line_hits({}, [], shape)] == ["FT143"]
    assert rules.line_hits({}, [], shape) == rules.line_hits({}, [], shape)
    assert shape in rules._shape_hits


def test_target_checks_are_documented_and_numbered_from_140() -> None:
    codes = {c.code: c for c in all_checks() if c.name.startswith("target-")}
    assert sorted(codes) == [f"FT{n}" for n in range(140, 153)]
    for check in codes.values():
        assert check.summary and len(check.doc.splitlines()) >= 3
    assert get("target-forbidden-string").view == "target-record"
    assert get("FT143").view == "target-shape"


def test_unsupported_features_are_warned_about_for_that_target_only(tmp_path) -> None:
    from click.testing import CliRunner

    from ftprep.cli import cli

    line = {"messages": [{"role": "user", "content": "q"},
                         {"role": "assistant", "content": "a", "weight": 0},
                         {"role": "user", "content": "q2"}, {"role": "assistant", "content": "b"}],
            "tools": [{"type": "function", "function": {"name": "f"}}]}
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    runner = CliRunner()

    def ft151(target: str) -> list[str]:
        out = runner.invoke(cli, ["validate", str(path), "--target", target, "-f", "json",
                                  "--select", "FT151"]).stdout
        return [f["path"] for f in json.loads(out)["findings"]]
    assert ft151("together") == []  # Together trains on tool calls (function calling)
    assert ft151("trl") == ["$.messages[1].weight"]
    assert ft151("openai") == []


def test_unsupported_tools_are_named_for_a_target_without_them() -> None:
    import dataclasses

    target = dataclasses.replace(get_target("together"), unsupported=frozenset({"tools", "tool calls"}))
    record = {"messages": [{"role": "user", "content": "q"},
                           {"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
                            "function": {"name": "f", "arguments": "{}"}}]},
                           {"role": "tool", "tool_call_id": "c", "content": "1"},
                           {"role": "assistant", "content": "a"}],
              "tools": [{"type": "function", "function": {"name": "f"}}]}
    hits = list(tc.unsupported_feature(target, record, record["messages"]))
    assert [(h.path, h.message_index) for h in hits] == [("$.tools", None), (None, 1), (None, 2)]

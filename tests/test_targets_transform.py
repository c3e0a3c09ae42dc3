"""canonical <-> target conversions: round trips are lossless within each format's
expressiveness, and every loss outside it is reported (hypothesis), plus examples."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftprep.formats import get_format
from ftprep.targets import TARGETS
from ftprep.targets.transform import (
    CODECS,
    ConversionError,
    blank_content,
    convert_record,
    from_canonical,
    normalize,
    to_canonical,
)

Record = dict[str, Any]
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
CHAT = get_format("openai-chat")

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12)
names = st.from_regex(r"^[a-z][a-z0-9_]{0,8}$", fullmatch=True)


def _content(mode: str, images: bool) -> st.SearchStrategy[Any]:
    """Content a codec's mode carries (a one-part list normalizes to a string)."""
    part = st.builds(lambda t: {"type": "text", "text": t}, text)
    if images:
        image = st.builds(lambda u: {"type": "image_url", "image_url": {"url": "https://x/" + u}},
                          names)
        part = st.one_of(part, image)
    if mode == "string":
        return st.one_of(text, st.lists(part, min_size=1, max_size=1))
    return st.one_of(text, st.lists(part, min_size=1, max_size=3))


@st.composite
def expressible(draw: st.DrawFn, fmt: str, unsupported: frozenset[str] = frozenset()) -> Record:
    """A canonical record the format (and target) can hold without losing anything."""
    codec = CODECS[fmt]
    keeps = codec.keeps - unsupported
    content = _content(codec.content, "images" in keeps)
    user_content = content
    plain = _content(codec.content, False)

    def message(role: str) -> Record:
        m: Record = {"role": role, "content": draw(user_content if role == "user" else plain)}
        if role == "system" and codec.system != "inline" and blank_content(m["content"]):
            m["content"] = "Be kind."  # an empty optional system prompt is dropped
        if "name" in keeps and draw(st.booleans()):
            m["name"] = draw(names)
        if role == "assistant" and "weight" in keeps and draw(st.booleans()):
            m["weight"] = draw(st.sampled_from([0, 1]))
        return m

    if fmt in ("alpaca", "sharegpt"):
        roles = ["user", "assistant"] * draw(st.integers(1, 3))
    else:
        roles = draw(st.lists(st.sampled_from(["user", "assistant"]), min_size=2, max_size=5))
        if fmt == "trl-prompt-completion":
            roles = [*roles, "user", "assistant"]
    messages = [message(r) for r in roles]
    if "tool calls" in keeps and draw(st.booleans()):
        call_id = draw(names)
        at = draw(st.integers(0, len(messages) - 1))
        messages[at:at] = [
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": call_id, "type": "function",
                 "function": {"name": draw(names), "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": call_id, "content": draw(text)},
        ]
    if draw(st.booleans()):
        messages.insert(0, message("system"))
    if codec.system == "inline" and draw(st.booleans()):
        # Anywhere, except after the completion of a prompt/completion line.
        last = len(messages) - (fmt == "trl-prompt-completion")
        messages.insert(draw(st.integers(1, last)), message("system"))
    if fmt == "trl-prompt-completion":
        # A prompt's assistant turns are not trained on: only untrained ones (weight 0)
        # are expressible without loss, and without weights there are none.
        k = len(messages)
        while messages[k - 1]["role"] == "assistant":
            k -= 1
        prompt = [m for m in messages[:k] if m["role"] != "assistant" or "weight" in keeps]
        for m in prompt:
            if m["role"] == "assistant":
                m["weight"] = 0
        messages = [m for m in prompt if m["role"] != "tool" or any(
            p.get("tool_calls") for p in prompt)] + messages[k:]
    record: Record = {"messages": messages}
    if "tools" in keeps and draw(st.booleans()):
        record["tools"] = [{"type": "function", "function": {"name": draw(names)}}]
    CHAT.adapter().validate_python(record)  # the strategy itself must give valid lines
    return record


@st.composite
def anything(draw: st.DrawFn) -> Record:
    """Any valid canonical record: every feature, any order."""
    content = _content("parts", True)
    messages: list[Record] = []
    for role in draw(st.lists(st.sampled_from(["system", "user", "assistant", "tool"]),
                              min_size=1, max_size=6)):
        m: Record = {"role": role, "content": draw(content if role == "user" else
                                                   _content("parts", False))}
        if role in ("user", "assistant", "system") and draw(st.booleans()):
            m["name"] = draw(names)
        if role == "assistant":
            if draw(st.booleans()):
                m["weight"] = draw(st.sampled_from([0, 1]))
            if draw(st.booleans()):
                m["tool_calls"] = [{"id": "c1", "type": "function",
                                    "function": {"name": "f", "arguments": "{}"}}]
                if draw(st.booleans()):
                    m["content"] = None
        if role == "tool":
            m = {"role": "tool", "tool_call_id": "c1", "content": draw(text)}
        messages.append(m)
    record: Record = {"messages": messages}
    if draw(st.booleans()):
        record["tools"] = [{"type": "function", "function": {"name": "f"}}]
    CHAT.adapter().validate_python(record)
    return record


def _features(record: Record) -> list[tuple[str, str]]:
    """(feature, JSON path) of everything a format might not hold."""
    out = [("tools", f"$.{k}") for k in ("tools", "parallel_tool_calls", "functions")
           if k in record]
    for i, m in enumerate(record["messages"]):
        path = f"$.messages[{i}]"
        for key, feature in (("weight", "weight"), ("name", "name"), ("refusal", "refusal"),
                             ("tool_calls", "tool calls")):
            if key in m:
                out.append((feature, f"{path}.{key}"))
        if m["role"] == "tool":
            out.append(("tool calls", path))
        if isinstance(m.get("content"), list):
            out += [("images", f"{path}.content[{j}]") for j, p in enumerate(m["content"])
                    if p["type"] == "image_url"]
    return out


# Every (destination format, unsupported features) pair export can use.
PAIRS = sorted({(fmt, t.unsupported) for t in TARGETS.values() for fmt in t.formats
                if fmt in CODECS}, key=lambda p: (p[0], sorted(p[1])))
PAIR_IDS = [f"{fmt}-minus-{'-'.join(sorted(u)) or 'nothing'}" for fmt, u in PAIRS]


@pytest.mark.parametrize(("fmt", "unsupported"), PAIRS, ids=PAIR_IDS)
@SETTINGS
@given(data=st.data())
def test_round_trip_is_lossless_within_expressiveness(
    fmt: str, unsupported: frozenset[str], data: st.DataObject
) -> None:
    record = data.draw(expressible(fmt, unsupported))
    out = from_canonical(record, fmt, unsupported)
    assert out.drops == []
    get_format(fmt).adapter().validate_python(out.record)
    back = to_canonical(out.record, fmt)
    assert back.drops == []
    assert normalize(back.record) == normalize(record)


def _untrained_prompt(messages: list[Record], i: int) -> bool:
    k = len(messages)
    while k and messages[k - 1]["role"] == "assistant":
        k -= 1
    return i < k and messages[i].get("weight") == 0


@pytest.mark.parametrize(("fmt", "unsupported"), PAIRS, ids=PAIR_IDS)
@SETTINGS
@given(record=anything())
def test_losses_are_reported_never_silent(
    fmt: str, unsupported: frozenset[str], record: Record
) -> None:
    try:
        out = from_canonical(record, fmt, unsupported)
    except ConversionError as exc:
        assert str(exc)  # rejected, with a reason
        return
    get_format(fmt).adapter().validate_python(out.record)
    back = to_canonical(out.record, fmt).record
    if not out.drops:
        assert normalize(back) == normalize(record)
    keeps = CODECS[fmt].keeps - unsupported
    for feature, path in _features(record):
        if feature in keeps:
            continue
        # Reported at the field itself, or the whole message holding it was dropped.
        match = re.match(r"^\$\.messages\[(\d+)\]", path)
        message = match.group(0) if match else None
        if fmt == "trl-prompt-completion" and feature == "weight" and match and _untrained_prompt(
                record["messages"], int(match.group(1))):
            continue  # a weight-0 reply in the prompt stays untrained: no loss
        assert any((d.kind == feature and d.path == path) or d.path == message
                   for d in out.drops), (feature, path, out.drops)
    for drop in out.drops:
        assert drop.path.startswith("$") and drop.kind


def test_drops_name_what_and_where() -> None:
    record = {"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Look:"},
                                     {"type": "image_url", "image_url": {"url": "https://x/a.png"}}],
         "name": "ann"},
        {"role": "assistant", "content": "Nice.", "weight": 0},
        {"role": "system", "content": "late"},
    ]}
    out = from_canonical(record, "bedrock-claude")
    assert out.record == {"system": "Be brief.", "messages": [
        {"role": "user", "content": "Look:"}, {"role": "assistant", "content": "Nice."}]}
    described = [d.describe() for d in out.drops]
    assert "images at $.messages[1].content[1]" in described
    assert "name at $.messages[1].name" in described
    assert any(d.kind == "weight" and "now trained on" in d.detail for d in out.drops)
    assert any(d.kind == "system position" and d.path == "$.messages[3]" for d in out.drops)


def test_assistant_that_only_calls_tools_is_one_drop() -> None:
    record = {"messages": [
        {"role": "user", "content": "Where is order 7?"},
        {"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
                                              "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c", "content": "shipped"},
        {"role": "assistant", "content": "It has shipped."},
    ]}
    out = from_canonical(record, "bedrock-nova")
    assert [(d.kind, d.path) for d in out.drops] == [
        ("tool calls", "$.messages[1]"), ("tool calls", "$.messages[2]")]
    assert [m["role"] for m in out.record["messages"]] == ["user", "assistant"]


def test_system_messages_merge_for_one_prompt_formats() -> None:
    record = {"messages": [{"role": "system", "content": "A"}, {"role": "system", "content": "B"},
                           {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    claude = from_canonical(record, "bedrock-claude")
    assert claude.record["system"] == "A\n\nB"
    assert [d.kind for d in claude.drops] == ["system merged"]
    vertex = from_canonical(record, "vertex-gemini")
    assert vertex.record["systemInstruction"]["parts"] == [{"text": "A"}, {"text": "B"}]


@pytest.mark.parametrize(("fmt", "messages", "reason"), [
    ("alpaca", ["user", "user", "assistant"], "pairs"),
    ("alpaca", ["user", "assistant", "user"], "pairs"),
    ("trl-prompt-completion", ["user", "assistant", "user"], "does not end"),
    ("trl-prompt-completion", ["assistant"], "no prompt"),
    ("bedrock-claude", ["assistant"], "not a valid bedrock-claude line"),
    ("vertex-gemini", ["system"], "nothing but a system prompt"),
])
def test_inexpressible_conversations_are_rejected(fmt: str, messages: list[str],
                                                  reason: str) -> None:
    record = {"messages": [{"role": r, "content": "x"} for r in messages]}
    with pytest.raises(ConversionError, match=reason):
        from_canonical(record, fmt)


def test_import_reports_what_the_canonical_form_cannot_keep() -> None:
    alpaca = {"instruction": "Classify:", "input": "my card was charged twice", "output": "billing"}
    out = to_canonical(alpaca, "alpaca")
    assert out.record["messages"][0] == {"role": "user",
                                         "content": "Classify:\n\nmy card was charged twice"}
    assert [d.kind for d in out.drops] == ["input merged"]
    sharegpt = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}],
                "tools": "[]"}
    assert [d.path for d in to_canonical(sharegpt, "sharegpt").drops] == ["$.tools"]


def test_convert_record_points_drops_at_the_source_line() -> None:
    conversational = {"prompt": [{"role": "user", "content": "q", "name": "ann"}],
                      "completion": [{"role": "assistant", "content": "a", "weight": 1}]}
    out = convert_record(conversational, "trl-prompt-completion", "sharegpt")
    assert {d.path for d in out.drops} == {"$.prompt[0].name", "$.completion[0].weight"}
    assert out.record == {"conversations": [{"from": "human", "value": "q"},
                                            {"from": "gpt", "value": "a"}]}


def test_same_format_passes_through_untouched() -> None:
    line = {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}],
            "tools": "[]"}
    out = convert_record(line, "sharegpt", "sharegpt")
    assert out.record == line and out.drops == []

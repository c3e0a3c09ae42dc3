"""FT109's screen: it may send a line without repeated keys to the exact parse, but never
lets a line with one through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st

from ftprep.formats.duplicate_keys import key_count, may_repeat_keys, repeated_keys
from ftprep.validate import validate

# Keys chosen to collide often, with the characters that fool a byte count: a quote, a
# colon, a trailing backslash.
_KEYS = st.sampled_from(["role", "content", "a", 'q":', "back\\", "x\\\":", ""])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                     st.sampled_from(["", "v", 'say "hi": now', "c:\\", '\\":', "a\tb"]))
_SEPARATORS = st.sampled_from([":", ": ", " :", "\t:", " : "])


def _json(draw: Any, depth: int) -> str:
    if depth <= 0 or draw(st.booleans()):
        return json.dumps(draw(_SCALARS))
    sep = draw(_SEPARATORS)
    if draw(st.booleans()):
        items = draw(st.lists(st.just(None), max_size=3))
        return "[" + ", ".join(_json(draw, depth - 1) for _ in items) + "]"
    keys = draw(st.lists(_KEYS, max_size=4))
    return "{" + ", ".join(f"{json.dumps(k)}{sep}{_json(draw, depth - 1)}" for k in keys) + "}"


@st.composite
def _objects(draw: Any) -> str:
    sep = draw(_SEPARATORS)
    keys = draw(st.lists(_KEYS, min_size=1, max_size=4))
    return "{" + ", ".join(f"{json.dumps(k)}{sep}{_json(draw, 3)}" for k in keys) + "}"


@settings(max_examples=500, deadline=None)
@given(_objects())
def test_screen_never_misses_a_repeated_key(text: str) -> None:
    raw = text.encode()
    if repeated_keys(text):
        assert may_repeat_keys(raw, key_count(json.loads(text)))


def test_screen_lets_ordinary_lines_through() -> None:
    line = {"messages": [{"role": "user", "content": 'Is "a": b?'},
                         {"role": "assistant", "content": '{"category": "x"}', "weight": 1}]}
    for dumped in (json.dumps(line), json.dumps(line, separators=(",", ":"))):
        assert not may_repeat_keys(dumped.encode(), key_count(line), plain_names=True)


def test_screen_cases_that_cancel_out() -> None:
    # One key missed by the byte count (spaced colon, trailing backslash) and one
    # repeated key: the counts agree, the screen must still say maybe.
    spaced = '{"a" : 1, "b": 1, "b": 2}'
    backslash = '{"c\\\\": 1, "b": 1, "b": 2}'
    for text in (spaced, backslash):
        assert repeated_keys(text)
        assert may_repeat_keys(text.encode(), key_count(json.loads(text)))


def test_repeats_found_anywhere_in_a_chat_line(tmp_path: Path) -> None:
    lines = [
        # A repeated weight where other messages have none.
        '{"messages":[{"role":"user","content":"Hello"},'
        '{"role":"assistant","content":"Hi!","weight":0,"weight":1}]}',
        # A repeated content where another message has no content.
        '{"messages":[{"role":"user","content":"Refund please","content":"Cancel my order"},'
        '{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":'
        '{"name":"cancel","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"},'
        '{"role":"assistant","content":"Done."}]}',
        # In a content part and in a tool call.
        '{"messages":[{"role":"user","content":[{"type":"text","text":"a","text":"b"}]},'
        '{"role":"assistant","content":"Done."}]}',
        '{"messages":[{"role":"user","content":"Cancel"},{"role":"assistant","tool_calls":'
        '[{"id":"c1","type":"function","function":{"name":"cancel","arguments":"{\\"id\\":1}",'
        '"arguments":"{\\"id\\":2}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"},'
        '{"role":"assistant","content":"Done."}]}',
        # In a tool's parameter schema.
        '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],'
        '"tools":[{"type":"function","function":{"name":"f","parameters":'
        '{"type":"object","type":"array"}}}]}',
    ]
    report = validate([write_jsonl(tmp_path / "dup.jsonl", lines, pad_to=12)])
    found = [(f.line, f.path) for f in report.findings if f.code == "FT109"]
    assert found == [(1, "$.messages[1]"), (2, "$.messages[0]"), (3, "$.messages[0].content[0]"),
                     (4, "$.messages[1].tool_calls[0].function"),
                     (5, "$.tools[0].function.parameters")]
    assert '"{\\"id\\":1}" is dropped' in report.findings[3].message


def test_repeats_reported_on_lines_that_fail_the_schema(tmp_path: Path) -> None:
    bad = ('{"messages":[{"role":"user","content":"Hello","content":"Hi"},'
           '{"role":"assistant","content":"x","weight":3}]}')
    # As the first line (format not yet known) and as a later one.
    for name, lines in (("first.jsonl", [bad]), ("later.jsonl", [json.dumps(_chat()), bad])):
        report = validate([write_jsonl(tmp_path / name, lines, pad_to=12)])
        line = len(lines)
        found = [(f.code, f.line, f.path) for f in report.findings if f.code in ("FT107", "FT109")]
        assert found == [("FT109", line, "$.messages[0]"), ("FT107", line, "$.messages[1].weight")]


def _chat() -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}


def test_paths_are_written_as_in_every_other_finding() -> None:
    [(path, key, _)] = repeated_keys('{"a b": {"x": 1, "x": 2}}')
    assert (path, key) == ("$['a b']", "x")

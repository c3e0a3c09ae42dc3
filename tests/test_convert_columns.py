"""convert's column path: template lines, their validation by shape, and the same output
as the one-example-at-a-time path (`_one`) for every setting."""

from __future__ import annotations

import csv
import importlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftprep.chatlines import ChatLines, _shape_decides
from ftprep.convert import ConvertSettings, _line_validator, convert

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONTENT = st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
                    st.sampled_from(["", " ", "\n\t", "\u2028", "Hi", "billing"]))


def _record(system: str | None, user: str, assistant: str) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}


def _errors(findings: list[Any]) -> list[tuple[str, str | None, str]]:
    return [(f.code, f.path, f.message) for f in findings if f.severity.label == "error"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), CONTENT), st.lists(st.tuples(CONTENT, CONTENT), min_size=1, max_size=6))
def test_lines_and_verdicts_are_those_of_the_record(system: str | None,
                                                    rows: list[tuple[str, str]]) -> None:
    validator = _line_validator()
    chat = ChatLines(system, validator)
    users, assistants = [u for u, _ in rows], [a for _, a in rows]
    expected = [orjson.dumps(_record(system, u, a)) for u, a in rows]
    assert chat.lines(users, assistants) == expected
    for (user, assistant), line in zip(rows, expected, strict=True):
        assert chat.line(user, assistant) == line
        # Proved by shape or checked in full, the verdict is check_line's.
        assert _errors(chat.errors(line, user, assistant)) == _errors(validator.check_line(line))
    if chat.all_pass(expected, users, assistants):
        assert all(not _errors(validator.check_line(line)) for line in expected)


def test_shortcut_only_where_the_shape_decides() -> None:
    assert _shape_decides(_line_validator())
    validator = _line_validator()
    validator.behaviour = object()  # type: ignore[assignment]  # rules read the content
    assert not _shape_decides(validator)
    assert not ChatLines(" ", _line_validator())._shortcut  # a blank system prompt


def _per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every table row through `_one`, as convert did before the column path."""
    def columns(self: Any, cols: Any, texts: Any, replies: Any, labels: Any, lines: Any,
                bad: Any, summary: Any) -> set[int]:
        return self._finish(cols, texts, replies, labels, set(range(len(cols))), [], [], [], lines, bad,
                     summary)

    stages = importlib.import_module("ftprep.convert")._Stages  # not the function ftprep.convert
    monkeypatch.setattr(stages, "_columns", columns)


TRICKY = [
    ["text", "label", "reply", "channel"],
    ["My card was charged twice, please refund", "Billing inquiry", "Hi, refunded.", "mail"],
    ["   ", "billing", "Hi", "mail"],  # blank: rejected by the loader
    ["ok", "billing", "Hi there", "web"],  # too short after cleaning
    ["App  crashes\ton start  ", "technical", "  ", "web"],  # cleaned; blank reply
    ["Call me on (212) 736-5000 or jo@x.com", "", "Hi Jo", "phone"],  # PII; no label
    ["Where is my parcel?", "shipping", "Hi, on its way.", "mail"],  # not an allowed label
    ["Caf\u00c3\u00a9 order A-22921 never came", "returns", "Hi,\r\n\r\n\r\nsorry", "web"],
    ["Where is my parcel?", "shipping", "Hi, on its way.", "mail"],  # a duplicate
]
SETTINGS = [
    {},
    {"assistant": "reply", "allow-unlabelled": True},
    {"assistant": "label+reply", "clean": {"min-chars": 10, "max-chars": 30}},
    {"assistant": "json", "system-prompt": "Classify the ticket."},
    {"user-template": "[{channel}] {text}", "drop-duplicates": True},
]


@pytest.mark.parametrize("options", SETTINGS)
def test_column_path_writes_what_one_by_one_writes(tmp_path: Path, options: dict[str, Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "t.csv"
    with src.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(TRICKY)
    sources = [src, EXAMPLES / "tickets.csv"]
    kw: dict[str, Any] = {"label_map": {"Billing inquiry": "billing"},
                          "allowed_labels": ["billing", "technical", "returns", "complaints"]}
    conv = ConvertSettings.model_validate(options)
    fast = convert(sources, tmp_path / "fast.jsonl", conv, **kw).to_dict()
    _per_row(monkeypatch)
    slow = convert(sources, tmp_path / "slow.jsonl", conv, **kw).to_dict()
    for name in ("", ".rejects"):
        assert (tmp_path / f"fast{name}.jsonl").read_bytes() == (
            tmp_path / f"slow{name}.jsonl").read_bytes()
    assert {k: v for k, v in fast.items() if k not in ("output", "rejects")} == {
        k: v for k, v in slow.items() if k not in ("output", "rejects")}
    assert fast["balanced"]


@pytest.mark.parametrize("assistant", ["label", "reply", "label+reply", "json"])
@pytest.mark.parametrize("system", [None, "Classify the ticket. «Ünïcode» \"quoted\""])
def test_a_line_is_the_record_build_record_makes(assistant: str, system: str | None) -> None:
    from ftprep.build import BuildSettings, build_contents, build_record
    from ftprep.records import Example, SourceRef

    build = BuildSettings(system_prompt=system, assistant=assistant)  # type: ignore[arg-type]
    example = Example(" My invoice\nis wrong ", SourceRef("t.csv", 1), "Billing", "We fixed it. 👍")
    _, user, content = build_contents(example.text, example.label, example.reply,
                                      example.fields, build)
    line = ChatLines(system, _line_validator()).line(user, content)
    assert line == orjson.dumps(build_record(example, build))

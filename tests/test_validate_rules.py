"""Table-driven tests: each malformed line yields the right code at the right line and path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import chat, write_jsonl

from ftprep.validate import validate

IMG = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
PNG = "data:image/png;base64,iVBORw0KGgo="


def msgs(*messages: dict) -> dict:
    return {"messages": list(messages)}


U = {"role": "user", "content": "hello"}
A = {"role": "assistant", "content": "hi"}
S = {"role": "system", "content": "be nice"}

CASES = [
    # (id, line content, expected code, expected JSON path or None)
    ("bad json", '{"messages": [', "FT103", None),
    ("not an object", "[1, 2]", "FT104", "$"),
    ("string line", '"hello"', "FT104", "$"),
    ("missing role", msgs({"content": "x"}, A), "FT107", "$.messages[0].role"),
    ("developer role", msgs({"role": "developer", "content": "x"}, U, A), "FT107", "$.messages[0].role"),
    ("unknown role", msgs({"role": "bot", "content": "x"}, U, A), "FT107", "$.messages[0].role"),
    ("content number", msgs({"role": "user", "content": 5}, A), "FT107", "$.messages[0].content"),
    ("missing content", msgs({"role": "user"}, A), "FT107", "$.messages[0].content"),
    ("extra top key", {**msgs(U, A), "id": 3}, "FT107", "$.id"),
    ("top-level weight", {**msgs(U, A), "weight": 1}, "FT107", "$.weight"),
    ("weight on user", msgs({**U, "weight": 1}, A), "FT107", "$.messages[0].weight"),
    ("weight 2", msgs(U, {**A, "weight": 2}), "FT107", "$.messages[1].weight"),
    ("weight true", msgs(U, {**A, "weight": True}), "FT107", "$.messages[1].weight"),
    ("weight string", msgs(U, {**A, "weight": "1"}), "FT107", "$.messages[1].weight"),
    ("empty messages", {"messages": []}, "FT107", "$.messages"),
    ("messages string", {"messages": "hi"}, "FT107", "$.messages"),
    ("ftp image", msgs({"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "ftp://x/a.png"}}]}, A),
     "FT107", "$.messages[0].content[0].image_url.url"),
    ("arguments object", msgs(U, {"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": {}}}]}),
     "FT107", "$.messages[1].tool_calls[0].function.arguments"),
    ("bad name", msgs({**U, "name": "John Smith"}, A), "FT107", "$.messages[0].name"),
    ("no assistant", msgs(S, U), "FT110", None),
    ("all weight 0", msgs(U, {**A, "weight": 0}), "FT110", None),
    ("empty user", msgs({"role": "user", "content": "  "}, A), "FT111", "$.messages[0].content"),
    ("empty assistant", msgs(U, {"role": "assistant", "content": ""}), "FT111", "$.messages[1].content"),
    ("assistant null", msgs(U, {"role": "assistant", "content": None}), "FT111", "$.messages[1].content"),
    ("image in assistant", msgs(U, {"role": "assistant", "content": [IMG]}), "FT112",
     "$.messages[1].content[0]"),
    ("11 images", msgs({"role": "user", "content": [IMG] * 11}, A), "FT113", None),
    ("gif data url", msgs({"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/gif;base64,R0lGOD=="}}]}, A),
     "FT114", "$.messages[0].content[0].image_url.url"),
    ("bad base64", msgs({"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,***"}}]}, A),
     "FT114", "$.messages[0].content[0].image_url.url"),
    ("trailing user", msgs(U, A, U), "FT116", "$.messages[2]"),
    ("two users", msgs(U, U, A), "FT117", "$.messages[1]"),
    ("late system", msgs(U, A, S, U, A), "FT118", "$.messages[2]"),
    ("function role", msgs(U, {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
                           {"role": "function", "name": "f", "content": "ok"}, A), "FT108", "$.messages[2]"),
    ("arguments not json", msgs(U, {"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{x"}}]}),
     "FT119", "$.messages[1].tool_calls[0].function.arguments"),
    ("arguments array", msgs(U, {"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "[1]"}}]}),
     "FT119", "$.messages[1].tool_calls[0].function.arguments"),
    ("orphan tool result", msgs(U, {"role": "tool", "tool_call_id": "zz", "content": "r"}, A),
     "FT120", "$.messages[1].tool_call_id"),
    ("duplicate call id", msgs(U, {"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
        {"id": "c1", "type": "function", "function": {"name": "g", "arguments": "{}"}}]}),
     "FT121", "$.messages[1].tool_calls[1].id"),
    ("undefined tool", {**msgs(U, {"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "g", "arguments": "{}"}}]}),
        "tools": [{"type": "function", "function": {"name": "f"}}]}, "FT126",
     "$.messages[1].tool_calls[0].function.name"),
]


@pytest.mark.parametrize(("line", "code", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_line_is_reported_at_its_line_and_path(tmp_path: Path, line, code, path) -> None:
    file = write_jsonl(tmp_path / "t.jsonl", [chat(), line], pad_to=12)
    report = validate([file])
    hits = [f for f in report.findings if f.code == code]
    assert hits, f"expected {code}, got {[(f.code, f.message) for f in report.findings]}"
    assert all(f.line == 2 for f in hits)
    if path is not None:
        assert path in {f.path for f in hits}
    assert all(f.message for f in hits)


VALID = [
    ("plain", chat()),
    ("weight 0 and 1", msgs(U, {**A, "weight": 0}, U, {**A, "weight": 1})),
    ("tools round trip", {**msgs(U, {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": '{"id": 4}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "shipped"}, A),
        "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
        "parallel_tool_calls": False}),
    ("image parts", msgs({"role": "user", "content": [{"type": "text", "text": "what is this?"},
                                                      {"type": "image_url", "image_url": {"url": PNG,
                                                                                          "detail": "low"}}]},
                         A)),
    ("text parts everywhere", msgs({"role": "system", "content": [{"type": "text", "text": "x"}]}, U, A)),
    ("name", msgs({**U, "name": "customer_1"}, A)),
    ("https image", msgs({"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}, A)),
]


@pytest.mark.parametrize("record", [v[1] for v in VALID], ids=[v[0] for v in VALID])
def test_valid_lines_have_no_findings(tmp_path: Path, record) -> None:
    file = write_jsonl(tmp_path / "t.jsonl", [record] * 60)
    report = validate([file])
    assert report.findings == []
    assert report.exit_code() == 0


def test_file_level_counts(tmp_path: Path) -> None:
    few = validate([write_jsonl(tmp_path / "a.jsonl", [chat()] * 9)])
    assert [f.code for f in few.findings] == ["FT123"]
    some = validate([write_jsonl(tmp_path / "b.jsonl", [chat()] * 20)])
    assert [f.code for f in some.findings] == ["FT124"]
    assert some.exit_code() == 0 and some.exit_code(strict=True) == 1


def test_bytes_level_problems(tmp_path: Path) -> None:
    good = json.dumps(chat()).encode()
    file = tmp_path / "bytes.jsonl"
    file.write_bytes(b"\xef\xbb\xbf" + good + b"\n" + b"\n" + b'{"messages": "caf\xe9"}\n'
                     + (good + b"\n") * 11)
    report = validate([file])
    codes = {(f.code, f.line) for f in report.findings}
    assert ("FT101", 1) in codes
    assert ("FT102", 2) in codes
    assert ("FT100", 3) in codes
    utf8 = next(f for f in report.findings if f.code == "FT100")
    assert utf8.column == len(b'{"messages": "caf') + 1


def test_crlf_and_missing_final_newline_are_fine(tmp_path: Path) -> None:
    good = json.dumps(chat()).encode()
    file = tmp_path / "crlf.jsonl"
    file.write_bytes(b"\r\n".join([good] * 60))
    assert validate([file]).findings == []


def test_mixed_formats_flagged_at_first_odd_line(tmp_path: Path) -> None:
    dpo = {"input": {"messages": [U]}, "preferred_output": [A],
           "non_preferred_output": [{"role": "assistant", "content": "no"}]}
    report = validate([write_jsonl(tmp_path / "m.jsonl", [chat(), chat(), dpo, chat()], pad_to=12)])
    mixed = [f for f in report.findings if f.code == "FT106"]
    assert [f.line for f in mixed] == [3]


def test_dpo_file(tmp_path: Path) -> None:
    dpo = {"input": {"messages": [S, U]}, "preferred_output": [A],
           "non_preferred_output": [{"role": "assistant", "content": "no"}]}
    report = validate([write_jsonl(tmp_path / "d.jsonl", [dpo] * 12)])
    assert report.files[0].line_format == "openai-dpo"
    assert [f.code for f in report.findings] == ["FT124"]
    same = {**dpo, "non_preferred_output": [A]}
    two = {**dpo, "preferred_output": [A, A]}
    bad = validate([write_jsonl(tmp_path / "e.jsonl", [dpo, same, two], pad_to=0)
                    ])
    found = {(f.code, f.line, f.path) for f in bad.findings}
    assert ("FT131", 2, "$.non_preferred_output[0].content") in found
    assert ("FT107", 3, "$.preferred_output") in found


def test_select_and_ignore(tmp_path: Path) -> None:
    from ftprep.checks.registry import Selection
    from ftprep.validate import ValidateOptions

    file = write_jsonl(tmp_path / "s.jsonl", [msgs(U, U, A), msgs(U, A, U)], pad_to=12)
    only = validate([file], ValidateOptions(selection=Selection(select=("FT117",))))
    assert {f.code for f in only.findings} == {"FT117"}
    by_name = validate([file], ValidateOptions(selection=Selection(ignore=("consecutive-same-role", "FT1"))))
    assert by_name.findings == []
    with pytest.raises(ValueError, match="unknown check"):
        Selection(select=("FT999",))


def test_forced_line_format(tmp_path: Path) -> None:
    from ftprep.validate import ValidateOptions

    file = write_jsonl(tmp_path / "f.jsonl", [chat()] * 12)
    report = validate([file], ValidateOptions(line_format="openai-dpo"))
    assert {f.code for f in report.findings if f.severity.label == "error"} == {"FT106"}


def test_unknown_format_before_the_format_is_known(tmp_path: Path) -> None:
    # The first lines tell no format: each is FT105 until one does.
    report = validate([write_jsonl(tmp_path / "u.jsonl", [{"prompt_x": 1}] * 10 + [chat()],
                                   pad_to=12)])
    assert [(f.code, f.line) for f in report.findings if f.code != "FT123"] == [
        ("FT105", n) for n in range(1, 11)]
    assert any(f.code == "FT123" for f in report.findings)  # 2 valid examples of 12 lines
    # Once the file's format is known (its first lines are chat), a line of no format is
    # explained against it, wherever it is.
    for lines in ([{"prompt_x": 1}, chat()], [chat(), {"prompt_x": 1}]):
        found = validate([write_jsonl(tmp_path / "v.jsonl", lines, pad_to=12)])
        assert {(f.line, f.path) for f in found.findings if f.code == "FT107"} == {
            (lines.index({"prompt_x": 1}) + 1, p) for p in ("$.messages", "$.prompt_x")}


def test_duplicate_keys_are_errors_that_name_the_dropped_value(tmp_path: Path) -> None:
    lines = [
        '{"messages": [{"role": "user", "content": "first", "content": "second"}, '
        '{"role": "assistant", "content": "ok"}]}',
        '{"messages": [{"role": "system", "role": "user", "content": "a"}, '
        '{"role": "assistant", "content": "b", "weight": 0, "weight": 1}]}',
        '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],'
        ' "messages": [{"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]}',
        # The key's name inside a value, or as a whole value, is no duplicate.
        '{"messages": [{"role": "user", "content": "role"}, '
        '{"role": "assistant", "content": "{\\"role\\": 1, \\"role\\": 2}"}]}',
    ]
    report = validate([write_jsonl(tmp_path / "dup.jsonl", lines, pad_to=20)])
    found = [(f.code, f.line, f.path) for f in report.findings if f.code != "FT124"]
    assert found == [("FT109", 1, "$.messages[0]"), ("FT109", 2, "$.messages[0]"),
                     ("FT109", 2, "$.messages[1]"), ("FT109", 3, "$")]
    first = report.findings[0]
    assert '"content" appears 2 times' in first.message and '"first" is dropped' in first.message
    assert '"system" is dropped' in report.findings[1].message


def test_duplicate_keys_in_other_formats(tmp_path: Path) -> None:
    dpo = ('{"input": {"messages": [{"role": "user", "content": "q"}]}, '
           '"preferred_output": [{"role": "assistant", "content": "yes"}], '
           '"non_preferred_output": [{"role": "assistant", "content": "no", "content": "nah"}]}')
    report = validate([write_jsonl(tmp_path / "dpo.jsonl", [dpo] * 12)])
    assert {(f.code, f.path) for f in report.findings if f.code == "FT109"} == {
        ("FT109", "$.non_preferred_output[0]")}
    assert sum(f.code == "FT109" for f in report.findings) == 12


def test_rejected_answer_of_a_preference_line_gets_the_message_checks(tmp_path: Path) -> None:
    def dpo(rejected: dict) -> dict:
        return {"input": {"messages": [U]}, "preferred_output": [A],
                "non_preferred_output": [{"role": "assistant", **rejected}]}
    lines = [dpo({"content": [IMG]}), dpo({"content": ""}),
             dpo({"content": None, "tool_calls": [{"id": "c", "type": "function",
                                                    "function": {"name": "f", "arguments": "{bad"}}]})]
    report = validate([write_jsonl(tmp_path / "p.jsonl", lines + [dpo({"content": "no"})] * 9)])
    found = {(f.code, f.line, f.path) for f in report.findings}
    assert {("FT112", 1, "$.non_preferred_output[0].content[0]"),
            ("FT132", 1, "$.non_preferred_output[0].content[0]"),
            ("FT111", 2, "$.non_preferred_output[0].content"),
            ("FT119", 3, "$.non_preferred_output[0].tool_calls[0].function.arguments")} <= found
    # The input's findings are not repeated by the second pass.
    assert not any(f.path and f.path.startswith("$.input") for f in report.findings)


def test_unknown_content_part_type_names_the_part_types(tmp_path: Path) -> None:
    audio = msgs({"role": "user", "content": [{"type": "input_audio",
                                                "input_audio": {"data": "AAAA", "format": "wav"}}]}, A)
    refusal = msgs(U, {"role": "assistant", "content": [{"type": "refusal", "refusal": "No."}]})
    report = validate([write_jsonl(tmp_path / "p.jsonl", [audio, refusal], pad_to=12)])
    found = {(f.line, f.path): f.message for f in report.findings if f.code == "FT107"}
    assert set(found) == {(1, "$.messages[0].content[0].type"), (2, "$.messages[1].content[0].type")}
    for message in found.values():
        assert "role" not in message and "use text or image_url" in message
    assert "'input_audio'" in found[1, "$.messages[0].content[0].type"]
    assert "refusal as the assistant's text" in found[2, "$.messages[1].content[0].type"]


def test_function_call_or_refusal_stands_for_the_content(tmp_path: Path) -> None:
    call = {"name": "lookup", "arguments": "{}"}
    lines = [
        msgs(U, {"role": "assistant", "content": "", "function_call": call},
             {"role": "function", "name": "lookup", "content": "ok"}, A),
        msgs(U, {"role": "assistant", "content": None, "refusal": "I can't help with that."}),
        msgs(U, {"role": "assistant", "content": "", "refusal": "I can't help with that."}),
        # A blank refusal says nothing.
        msgs(U, {"role": "assistant", "content": None, "refusal": " "}),
    ]
    report = validate([write_jsonl(tmp_path / "r.jsonl", lines, pad_to=12)])
    assert [(f.line, f.path) for f in report.findings if f.code == "FT111"] == [
        (4, "$.messages[1].content")]
    assert "no content, tool_calls or refusal" in next(
        f.message for f in report.findings if f.code == "FT111")
    assert {f.code for f in report.findings if f.line == 1} == {"FT108"}  # deprecated, not empty


def test_invisible_only_content_is_empty(tmp_path: Path) -> None:
    lines = [
        msgs({"role": "user", "content": "\u200b"}, A),
        msgs(U, {"role": "assistant", "content": " \u200c\u200d\u2060\ufeff\n"}),
        msgs({"role": "user", "content": [{"type": "text", "text": "\u200b "}]}, A),
        # Visible text around the invisible characters is content.
        msgs({"role": "user", "content": "\u200bhello"}, {"role": "assistant", "content": " ok\u200b"}),
    ]
    report = validate([write_jsonl(tmp_path / "z.jsonl", lines, pad_to=12)])
    empty = [f for f in report.findings if f.code == "FT111"]
    assert [(f.line, f.path) for f in empty] == [
        (1, "$.messages[0].content"), (2, "$.messages[1].content"), (3, "$.messages[0].content[0].text")]
    assert all("invisible characters" in f.message for f in empty)


def test_blank_chars_cover_what_str_isspace_does() -> None:
    from ftprep.checks.conversation import BLANK_CHARS

    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert spaces <= set(BLANK_CHARS)


DPO = {"input": {"messages": [U]}, "preferred_output": [A],
       "non_preferred_output": [{"role": "assistant", "content": "no"}]}


def test_file_format_is_the_majority_of_its_first_lines(tmp_path: Path) -> None:
    # The odd line first: it is the one flagged, not the ten after it.
    report = validate([write_jsonl(tmp_path / "m.jsonl", [DPO] + [chat()] * 10)])
    assert [(f.code, f.line) for f in report.findings if f.severity.label == "error"] == [("FT106", 1)]
    assert report.files[0].line_format == "openai-chat"
    # A tie goes to the first line's format; lines past the first ten do not vote.
    tie = validate([write_jsonl(tmp_path / "t.jsonl", [DPO, chat()] * 5 + [chat()] * 5)])
    assert tie.files[0].line_format == "openai-dpo"
    assert {f.line for f in tie.findings if f.code == "FT106"} == {2, 4, 6, 8, 10, 11, 12, 13, 14, 15}


def test_preference_line_without_input_says_so_on_any_line(tmp_path: Path) -> None:
    no_input = {k: v for k, v in DPO.items() if k != "input"}
    for lines in ([no_input] + [DPO] * 11, [DPO] * 11 + [no_input], [no_input] * 12):
        report = validate([write_jsonl(tmp_path / "d.jsonl", lines)])
        errors = {(f.code, f.path, f.message) for f in report.findings if f.severity.label == "error"}
        assert errors == {("FT107", "$.input", "`input` is required here; add `input`: an "
                           "object holding the input conversation's `messages`")}, lines


def test_cr_line_endings_are_named(tmp_path: Path) -> None:
    file = tmp_path / "mac.jsonl"
    file.write_bytes(b"\r".join(json.dumps(chat()).encode() for _ in range(12)) + b"\r")
    report = validate([file])
    bad = [f for f in report.findings if f.code == "FT103"]
    assert len(bad) == 1 and bad[0].line == 1
    assert "CR line endings" in bad[0].message and "save it with LF" in bad[0].message
    # Two records on one line without a CR are still just extra data.
    two = validate([write_jsonl(tmp_path / "two.jsonl", [json.dumps(chat()) * 2], pad_to=12)])
    assert "CR" not in next(f.message for f in two.findings if f.code == "FT103")


def test_empty_parts_beside_tool_calls_are_like_empty_content(tmp_path: Path) -> None:
    call = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    result = {"role": "tool", "tool_call_id": "c1", "content": "ok"}
    lines = [msgs(U, {"role": "assistant", "content": content, "tool_calls": call}, result, A)
             for content in ("", [], [{"type": "text", "text": ""}])]
    # Without a tool call, empty parts are still empty.
    lines.append(msgs(U, {"role": "assistant", "content": [{"type": "text", "text": ""}]}))
    report = validate([write_jsonl(tmp_path / "e.jsonl", lines, pad_to=12)])
    assert [(f.line, f.path) for f in report.findings if f.code == "FT111"] == [
        (4, "$.messages[1].content[0].text")]


def test_example_count_rules_count_the_valid_examples(tmp_path: Path) -> None:
    from ftprep.checks.behaviour.settings import load_rules
    from ftprep.config import load_config
    from ftprep.validate import ValidateOptions

    # 11 lines, 2 broken: deleting them would leave 9, too few for OpenAI. A line without
    # an assistant message (FT110) is as broken as bad JSON; one with PII is fixed in place.
    no_reply = {"messages": [{"role": "user", "content": "hi"}]}
    pii = chat(user="mail me at jane.doe@example.com")
    report = validate([write_jsonl(tmp_path / "c.jsonl", ["{oops", no_reply, *[chat()] * 8, pii])],
                      ValidateOptions(rules=load_rules(load_config(None))))
    [few] = [f for f in report.findings if f.code == "FT123"]
    assert few.message.startswith("9 valid example(s) (11 lines, 2 invalid)")
    summary = report.to_dict()
    assert summary["summary"]["examples"] == 11 and summary["summary"]["invalid_examples"] == 2
    assert summary["files"][0]["invalid_examples"] == 2
    assert report.summary_line().startswith("1 file(s), 11 example(s) (2 invalid): ")

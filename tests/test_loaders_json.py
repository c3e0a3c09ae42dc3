"""JSON and JSONL tables: nested values, dotted paths, wrapped API exports, late keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftprep.loaders.columns import ColumnMapping, LoaderError
from ftprep.loaders.jsonpath import parse_path
from ftprep.loaders.tabular import load_table, table_columns
from ftprep.records import Example, Rejected

ZENDESK = {
    "id": 101,
    "subject": "I was double charged",
    "via": {"channel": "email", "source": {"from": {"address": "jane@example.com"}}},
    "tags": ["billing", "refund"],
    "custom_fields": [{"id": 360002, "value": None}, {"id": 360001, "value": "billing"}],
    "comments": [
        {"id": 1, "type": "Comment", "author_id": 5, "body": "I was charged twice."},
        {"id": 2, "type": "Comment", "author_id": 9, "body": "We refunded it."},
    ],
}


def load(path: Path, mapping: ColumnMapping | None = None) -> tuple[list[Example], list[Rejected]]:
    items = list(load_table(path, mapping))
    return ([i for i in items if isinstance(i, Example)],
            [i for i in items if isinstance(i, Rejected)])


def jsonl(tmp_path: Path, records: list[object], name: str = "t.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# --- dotted paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("comments.0.body", "via.channel", ("I was charged twice.", "email")),
        ("comments[0].body", "Via.Channel", ("I was charged twice.", "email")),
        ("comments[-1].body", "via.source.from.address", ("We refunded it.", "jane@example.com")),
        ("comments.*.body", "custom_fields[id=360001].value",
         ("I was charged twice.\nWe refunded it.", "billing")),
    ],
)
def test_dotted_paths_read_inside_records(
    tmp_path: Path, text: str, label: str, expected: tuple[str, str]
) -> None:
    path = jsonl(tmp_path, [ZENDESK])
    [ex], rejected = load(path, ColumnMapping(text=[text], label=label))
    assert (ex.text, ex.label) == expected
    assert rejected == []
    # the same through the columns a dry run shows
    assert table_columns(path, ColumnMapping(text=[text], label=label)).label == label


def test_a_record_without_the_path_has_no_value_there(tmp_path: Path) -> None:
    other = {"subject": "App crashes", "comments": []}
    path = jsonl(tmp_path, [ZENDESK, other])
    examples, rejected = load(path, ColumnMapping(text=["subject"], label="via.channel"))
    assert [e.label for e in examples] == ["email"]
    assert [(r.source.row, r.reason) for r in rejected] == [(2, "missing-label")]


def test_a_key_with_a_dot_is_a_column_before_it_is_a_path(tmp_path: Path) -> None:
    path = jsonl(tmp_path, [{"text": "hi", "via.channel": "web", "via": {"channel": "email"}}])
    [ex], _ = load(path, ColumnMapping(text=["text"], label="via.channel"))
    assert ex.label == "web"


def test_a_path_that_reads_nothing_says_what_is_there(tmp_path: Path) -> None:
    path = jsonl(tmp_path, [ZENDESK])
    with pytest.raises(LoaderError, match=r"no record of the 1 has a value at 'via.chanel': "
                       r"'via' holds an object with keys 'channel', 'source'"):
        load(path, ColumnMapping(text=["subject"], label="via.chanel"))
    with pytest.raises(LoaderError, match=r"'comments' holds a list of objects with keys 'id', "
                       r"'type', 'author_id', 'body' \(index it: comments.0.KEY\)"):
        load(path, ColumnMapping(text=["comments.body"]))


@pytest.mark.parametrize("name", ["a..b", ".a", "a.", "Categories [list]", "Ticket no.", "plain"])
def test_names_that_are_not_paths(name: str) -> None:
    assert parse_path(name) is None


# --- nested values in text and reply columns -------------------------------------------


def test_empty_lists_and_objects_are_empty_text(tmp_path: Path) -> None:
    rows = [{"text": [], "label": "a"}, {"text": {}, "label": "b"}, {"text": "ok", "label": {}}]
    examples, rejected = load(jsonl(tmp_path, rows))
    assert examples == []
    assert [(r.source.row, r.reason) for r in rejected] == [
        (1, "empty-text"), (2, "empty-text"), (3, "missing-label")]


def test_a_list_of_strings_is_one_line_each(tmp_path: Path) -> None:
    rows = [{"subject": "Help", "body": ["First line", "", 42, None, "Last line"], "label": "a",
             "reply": ["Hi,", "done."]}]
    [ex], _ = load(jsonl(tmp_path, rows))
    assert ex.text == "Help\n\nFirst line\n42\nLast line"
    assert ex.reply == "Hi,\ndone."


def test_an_object_as_text_is_rejected_naming_the_column_and_a_path(tmp_path: Path) -> None:
    rows = [ZENDESK, {"subject": "App crashes", "comments": [], "id": 102}]
    examples, rejected = load(jsonl(tmp_path, rows),
                              ColumnMapping(text=["subject", "comments"], label="tags"))
    assert examples == []  # row 2 has no label (tags missing)
    nested = rejected[0]
    assert (nested.source.row, nested.reason) == (1, "nested-text")
    assert nested.detail == ("'comments' holds a list of 2 items holding objects or lists, not "
                             "text: name the field to read with a dotted path, e.g. --text "
                             "comments.0.body")
    # The whole record as an object, to fix and feed back, with its id (like other rejects).
    assert isinstance(nested.raw, dict) and nested.raw["comments"][1]["author_id"] == 9
    assert nested.source.record_id == str(ZENDESK["id"])
    assert [(r.source.row, r.reason) for r in rejected[1:]] == [(2, "missing-label")]


def test_an_object_as_reply_names_the_reply_option(tmp_path: Path) -> None:
    rows = [{"text": "Hi", "label": "a", "reply": {"author": "Bo", "body": "Done"}}]
    _, [rejected] = load(jsonl(tmp_path, rows), ColumnMapping(reply="reply"))
    assert rejected.reason == "nested-text"
    assert rejected.detail.endswith("e.g. --reply reply.body")


def test_rejects_keep_row_order_around_nested_rows(tmp_path: Path) -> None:
    rows = [{"text": "one", "label": "a"}, {"text": {"x": "y"}, "label": "a"},
            {"text": "three", "label": "a"}]
    items = list(load_table(jsonl(tmp_path, rows)))
    assert [i.source.row for i in items] == [1, 2, 3]


# --- wrapped API exports -----------------------------------------------------------------


def test_an_object_holding_one_array_of_records_is_read_as_that_array(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "z.json"
    path.write_text(json.dumps({"tickets": [ZENDESK, {"subject": "Login", "via": {"channel": "web"}}],
                                "next_page": None, "count": 2, "facets": []}))
    examples, _ = load(path, ColumnMapping(text=["subject"], label="via.channel"))
    assert [(e.text, e.label, e.source.row) for e in examples] == [
        ("I was double charged", "email", 1), ("Login", "web", 2)]
    assert "reading the 2 records under its key 'tickets'" in caplog.text


def test_an_object_holding_several_arrays_of_records_names_them(tmp_path: Path) -> None:
    path = tmp_path / "side.json"
    path.write_text(json.dumps({"tickets": [ZENDESK], "users": [{"id": 5}, {"id": 9}]}))
    with pytest.raises(LoaderError, match=r"'tickets' \(1 items\), 'users' \(2 items\).*"
                       r"jq '\.tickets' side\.json > records\.json"):
        load(path)


def test_an_object_without_records_says_so(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"text": "x", "tags": ["a"]}))
    with pytest.raises(LoaderError, match=r"found an object \(keys 'text', 'tags'\) with no "
                       "array of objects"):
        load(path)


# --- keys that first appear late ---------------------------------------------------------


def _late_reply(n: int) -> list[dict[str, str]]:
    rows = [{"text": f"question {i}", "label": "billing"} for i in range(n)]
    return [*rows, {"text": "where is my parcel", "label": "returns", "reply": "Tomorrow."}]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
@pytest.mark.parametrize("mapping", [ColumnMapping(reply="reply"), None])
def test_a_key_first_seen_after_many_records_is_a_column(
    tmp_path: Path, suffix: str, mapping: ColumnMapping | None
) -> None:
    rows = _late_reply(1500)
    path = tmp_path / f"late{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(rows))
    else:
        jsonl(tmp_path, rows, path.name)
    examples, rejected = load(path, mapping)
    assert len(examples) == 1501 and rejected == []
    assert examples[-1].reply == "Tomorrow." and examples[-1].source.row == 1501
    assert table_columns(path, mapping).reply == "reply"


def test_a_path_first_found_late_is_a_column(tmp_path: Path) -> None:
    rows = [{"text": f"q{i}", "meta": {}} for i in range(1200)] + [
        {"text": "late", "meta": {"queue": "billing"}}]
    examples, rejected = load(jsonl(tmp_path, rows), ColumnMapping(label="meta.queue"))
    assert [(e.text, e.label) for e in examples] == [("late", "billing")]
    assert len(rejected) == 1200 and {r.reason for r in rejected} == {"missing-label"}


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_encoding_option_reads_json_in_that_encoding(tmp_path: Path, suffix: str) -> None:
    # Greek in cp1253 is not UTF-8; without --encoding its bytes would be read as cp1252.
    records = [{"text": "Η εφαρμογή κολλάει", "label": "technical"}]
    body = (json.dumps(records, ensure_ascii=False) if suffix == ".json"
            else "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    path = tmp_path / f"g{suffix}"
    path.write_bytes(body.encode("cp1253"))
    [example] = [e for e in load_table(path, encoding="cp1253") if isinstance(e, Example)]
    assert example.text == "Η εφαρμογή κολλάει"
    with pytest.raises(LoaderError, match="unknown encoding"):
        list(load_table(path, encoding="klingon"))


# --- every reject carries its record and id ---------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_every_reject_carries_the_whole_record_and_its_id(tmp_path: Path, suffix: str) -> None:
    records = [
        {"id": 7, "text": "", "label": "billing", "tags": ["vip"], "via": {"channel": "email"}},
        {"id": 8, "text": {"author_id": 5, "body": "hi"}, "label": "billing"},
        {"id": 9, "text": "two labels", "label": ["billing", "returns"], "note": "x"},
        {"id": 10, "text": "no label", "label": "", "priority": "high"},
        {"ID": 11, "text": [{"body": "a list of objects"}], "label": "billing"},  # other spelling
        {"id": 0, "text": {"body": "an id of 0 is an id"}, "label": "billing"},
    ]
    path = tmp_path / f"t{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(records), encoding="utf-8")
    else:
        jsonl(tmp_path, records, path.name)
    examples, rejected = load(path)
    assert examples == []
    assert [(r.reason, r.source.record_id, r.raw) for r in rejected] == [
        ("empty-text", "7", records[0]),
        ("nested-text", "8", records[1]),
        ("several-labels", "9", records[2]),
        ("missing-label", "10", records[3]),
        ("nested-text", "11", records[4]),
        ("nested-text", "0", records[5]),
    ]


def test_nested_text_reject_takes_its_id_from_a_path(tmp_path: Path) -> None:
    path = jsonl(tmp_path, [{"ticket": {"id": 42}, "text": {"body": "hi"}, "label": "billing"}])
    _, [rejected] = load(path, ColumnMapping(id="ticket.id"))
    assert (rejected.reason, rejected.source.record_id) == ("nested-text", "42")


def test_one_array_of_records_one_level_down_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Help Scout's Mailbox API list: {"_embedded": {"conversations": [...]}, "page": {...}}.
    path = tmp_path / "hs.json"
    path.write_text(json.dumps({
        "_embedded": {"conversations": [{"id": 7, "subject": "Refund", "tags": [{"tag": "billing"}]},
                                        {"id": 8, "subject": "Crash", "tags": [{"tag": "bug"}]}]},
        "page": {"size": 25, "totalElements": 2}, "_links": {"self": {"href": "x"}}}))
    examples, rejected = load(path, ColumnMapping(text="subject", label="tags[0].tag"))
    assert rejected == []
    assert [(e.text, e.label, e.source.record_id) for e in examples] == [
        ("Refund", "billing", "7"), ("Crash", "bug", "8")]
    assert "reading the 2 records under '_embedded.conversations'" in caplog.text


def test_a_record_holding_a_list_of_objects_is_not_taken_for_the_records(tmp_path: Path) -> None:
    # Zendesk's single-ticket answer: the list inside the ticket is no list of records;
    # the error names it and how to extract what is wanted.
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"ticket": {"id": 1, "subject": "x",
                                           "custom_fields": [{"id": 3, "value": None}]}}))
    with pytest.raises(LoaderError) as info:
        load(path)
    message = str(info.value)
    assert "with no array of objects in it" in message
    assert "'ticket.custom_fields' (1 items)" in message
    assert "jq '.ticket.custom_fields' t.json > records.json" in message
    assert "or wrap a single record in [ ]" in message


def test_the_nested_text_hint_leads_to_text_not_to_metadata(tmp_path: Path) -> None:
    # Intercom: conversation_parts is a list object whose only string at the top is its
    # type; the text is inside its own conversation_parts list.
    parts = {"type": "conversation_part.list", "total_count": 1,
             "conversation_parts": [{"type": "conversation_part", "id": "9",
                                     "part_type": "comment", "body": "<p>We refunded it.</p>"}]}
    rows = [{"id": 1, "conversation_parts": parts, "label": "billing"}]
    _, [rejected] = load(jsonl(tmp_path, rows), ColumnMapping(text="conversation_parts"))
    assert rejected.reason == "nested-text"
    assert rejected.detail.endswith("e.g. --text conversation_parts.conversation_parts.0.body")
    path = jsonl(tmp_path, [{"id": 1, "label": "a", "meta": {"type": "x", "id": "y"}}], "m.jsonl")
    _, [bare] = load(path, ColumnMapping(text="meta"))
    assert "meta.type" not in bare.detail and "--text meta.KEY" in bare.detail


# --- duplicate keys ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".wrapped.json"])
def test_a_record_with_a_key_twice_is_rejected_naming_the_key(tmp_path: Path, suffix: str) -> None:
    # Python's parsers keep the last value: the ticket text would silently be "oops"
    # (validate reports the same in chat JSONL as FT109).
    records = ['{"id": 1, "text": "the customer wrote this long ticket", "label": "billing", '
               '"text": "oops"}',
               '{"id": 2, "text": "fine", "label": "billing"}',
               '{"id": 3, "text": "nested", "label": "a", "via": {"channel": "web", "channel": "x"}}',
               '{"id": 4, "text": "a \\"text\\": in the text", "label": "b"}']
    path = tmp_path / f"d{suffix}"
    if suffix == ".jsonl":
        path.write_text("\n".join(records) + "\n", encoding="utf-8")
    elif suffix == ".json":
        path.write_text("[" + ",\n".join(records) + "]", encoding="utf-8")
    else:
        path.write_text('{"tickets": [' + ",".join(records) + '], "count": 4}', encoding="utf-8")
    examples, rejected = load(path)
    assert [e.text for e in examples] == ["fine", 'a "text": in the text']
    assert [(r.source.row, r.source.record_id, r.reason) for r in rejected] == [
        (1, "1", "duplicate-key"), (3, "3", "duplicate-key")]
    assert rejected[0].detail == (
        'key "text" appears 2 times in one object ($); JSON readers keep only the last value, '
        'so "the customer wrote this long ticket" was dropped: remove the extra key or rename it')
    assert 'key "channel" appears 2 times in one object ($.via)' in rejected[1].detail
    if suffix == ".jsonl":  # the line as written, both values; a JSON array's record as read
        assert rejected[0].raw == records[0]
    else:
        assert rejected[0].raw == {"id": 1, "text": "oops", "label": "billing"}


def test_a_record_nested_deeper_than_the_recursion_limit_is_read(tmp_path: Path) -> None:
    # The duplicate-key screen counted keys recursively and crashed convert (review).
    deep = "[" * 1000 + "]" * 1000  # under orjson's 1,024 levels, over Python's recursion
    path = tmp_path / "deep.jsonl"
    path.write_text('{"text": "my invoice", "label": "billing", "x": ' + deep + "}\n"
                    '{"text": "hello", "label": "billing"}\n')
    items = list(load_table(path, ColumnMapping(text=["text"], label="label")))
    assert sorted(i.text for i in items if isinstance(i, Example)) == ["hello", "my invoice"]

"""Per-example features: normalisation, hashes, labels, and the validate hook end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dataset_helpers import CHAT, chat, labelled

from ftprep.dataset import DatasetCheckSettings, DatasetFeatures, collect_features, extract_features
from ftprep.dataset.features import PREVIEW_CHARS, normalise
from ftprep.formats import get_format
from ftprep.validate import validate

Maker = Callable[..., Path]  # the `jsonl` fixture


@pytest.mark.parametrize(("text", "expected"), [
    ("Invoice #4411 -- overdue!", "invoice 4411 overdue"),
    ("  Hello,\n\tWORLD  ", "hello world"),
    ("don't", "don t"),
    ("order_id: 7", "order_id 7"),
    ("Straße CAFÉ…", "strasse café"),
    ("ﬁle №5", "file no5"),  # NFKC folds ligatures and compatibility characters
    ("a\x00b", "a b"),
    ("!!!", ""),
    ("", ""),
])
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_ascii_fast_path_agrees_with_unicode_path() -> None:
    import string

    sample = string.printable + "\x01\x7f"
    # Appending a non-ASCII letter forces the regex path for the same characters.
    assert normalise(sample) + " é" == normalise(sample + " é")


def test_input_and_output_split_at_last_assistant_message() -> None:
    record = {"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Refund, please."},
        {"role": "assistant", "content": "Done."},
    ]}
    f = extract_features(7, record, CHAT)
    assert f.line == 7
    assert f.input_text == "system: be brief\nuser: hi\nassistant: hello\nuser: refund please"
    assert f.output_text == "Done."
    assert f.shingle_text == "hi\nhello\nrefund please"


@pytest.mark.parametrize("messages", [
    [("system", "Be brief."), ("user", "Hi!"), ("assistant", "Hello."), ("user", "Why?"),
     ("assistant", "Done.")],
    [("system", "Only a prompt."), ("assistant", "x")],  # nothing but system: all of it
    [("system", "A"), ("user", "!!!"), ("assistant", "x")],  # a user text that normalises away
    [("user", "one\ntwo"), ("assistant", "x")],
    [("assistant", "x")],
])
def test_shingles_built_in_the_pass_equal_the_property(messages: list[tuple[str, str]]) -> None:
    from ftprep.dataset.features import features_and_shingles

    record = {"messages": [{"role": r, "content": c} for r, c in messages]}
    example, shingles = features_and_shingles(1, record, CHAT)
    assert shingles == example.shingle_text


@pytest.mark.parametrize(("a", "b", "same_input", "same_exact"), [
    (chat("Hello, world", "x"), chat("hello   WORLD!", "x"), True, False),
    (chat("Hello", "x"), chat("Hello", "x", system="Another prompt"), False, False),
    (chat("Invoice 4411", "x"), chat("Invoice 4412", "x"), False, False),
    (chat("Hello", "x"), {"messages": list(reversed(chat("Hello", "x")["messages"]))[::-1]},
     True, True),
])
def test_what_counts_as_the_same_input(a: dict, b: dict, same_input: bool, same_exact: bool) -> None:
    fa, fb = extract_features(1, a, CHAT), extract_features(2, b, CHAT)
    assert (fa.input_hash == fb.input_hash) is same_input
    assert (fa.exact_hash == fb.exact_hash) is same_exact


def test_exact_hash_ignores_key_order() -> None:
    a = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    b = {"messages": [{"content": "q", "role": "user"}, {"content": "a", "role": "assistant"}]}
    assert extract_features(1, a, CHAT).exact_hash == extract_features(2, b, CHAT).exact_hash


def test_tools_are_part_of_the_input() -> None:
    tool = {"type": "function", "function": {"name": "refund", "parameters": {}}}
    plain = chat("Refund order 5", "ok")
    with_tools = {**plain, "tools": [tool]}
    assert extract_features(1, plain, CHAT).input_hash != extract_features(2, with_tools, CHAT).input_hash


def test_images_count_by_url() -> None:
    def with_image(url: str) -> dict:
        return {"messages": [
            {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                         {"type": "image_url", "image_url": {"url": url}}]},
            {"role": "assistant", "content": "A cat."}]}
    a = extract_features(1, with_image("https://x/1.png"), CHAT)
    b = extract_features(2, with_image("https://x/2.png"), CHAT)
    assert a.input_hash != b.input_hash
    assert "image" in a.input_text


def test_tool_call_output_is_text() -> None:
    record = {"messages": [
        {"role": "user", "content": "Refund order 5"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "refund", "arguments": "{\"order\": 5}"}}]}]}
    f = extract_features(1, record, CHAT)
    assert f.output_text == 'call refund({"order": 5})'


@pytest.mark.parametrize(("reply", "label_field", "label", "field"), [
    ("billing", None, "billing", None),
    ("  billing \n", None, "billing", None),
    (json.dumps({"category": "returns", "reply": "..."}), None, "returns", "category"),
    (json.dumps({"intent": "cancel"}), None, "cancel", "intent"),
    (json.dumps({"label": 3}), None, "3", "label"),
    (json.dumps({"label": True}), None, "true", "label"),
    (json.dumps({"topic": "x", "category": "y"}), "topic", "x", "topic"),
    (json.dumps({"category": "y"}), "topic", None, None),  # configured field missing
    (json.dumps({"category": ["a", "b"]}), None, None, "category"),
    (json.dumps({"answer": "free text"}), None, json.dumps({"answer": "free text"}), None),
    ("{not json", None, "{not json", None),
    ("", None, None, None),
])
def test_label(reply: str, label_field: str | None, label: str | None, field: str | None) -> None:
    f = extract_features(1, chat("q", reply), CHAT, label_field=label_field)
    assert (f.label, f.label_field) == (label, field)


def test_preference_example_uses_input_and_preferred_output() -> None:
    record = {"input": {"messages": [{"role": "user", "content": "Say hi"}]},
              "preferred_output": [{"role": "assistant", "content": "Hi!"}],
              "non_preferred_output": [{"role": "assistant", "content": "No."}]}
    f = extract_features(1, record, get_format("openai-dpo"))
    assert (f.input_text, f.output_text) == ("user: say hi", "Hi!")


def test_no_assistant_message_means_empty_output() -> None:
    f = extract_features(1, {"messages": [{"role": "user", "content": "hello"}]}, CHAT)
    assert (f.output_text, f.label) == ("", None)


def test_minhash_is_lazy_and_cached() -> None:
    f = extract_features(1, chat("A longer ticket about an invoice", "x"), CHAT)
    assert f.signature is None
    sig = f.minhash()
    assert sig.shape == (128,) and f.signature is sig


def test_dataset_features_drop_text_but_keep_signatures() -> None:
    ds = DatasetFeatures("x", params=DatasetCheckSettings().minhash_params())
    for i, record in enumerate([chat("same text", "a"), chat("same text", "b"),
                                chat("other text entirely", "c" * 500)], start=1):
        ds.add(extract_features(i, record, CHAT))
    ds.finish()
    assert ds.text_row == [0, 0, 1]
    assert ds.signatures.shape == (2, 128)  # one MinHash per distinct input
    assert all(e.input_text == "" for e in ds.examples)
    assert len(ds.examples[2].output_text) == PREVIEW_CHARS
    assert (ds.signature_of(0) == ds.signature_of(1)).all()
    assert not (ds.signature_of(0) == ds.signature_of(2)).all()


def test_validate_hook_feeds_features_end_to_end(jsonl: Maker) -> None:
    records = [labelled(f"ticket number {i} about my invoice", "billing") for i in range(12)]
    path = jsonl([*records[:3], "{broken json", "", *records[3:]])
    ds = DatasetFeatures(str(path), params=None)
    report = validate([path], on_record=ds.on_record)
    assert [e.line for e in ds.finish().examples] == [1, 2, 3, *range(6, 15)]
    assert {"FT103", "FT102"} <= {f.code for f in report.findings}
    assert {e.label for e in ds.examples} == {"billing"}


def test_collect_features_returns_report_and_features(jsonl: Maker) -> None:
    path = jsonl([chat(f"question {i}", f"answer {i}") for i in range(10)])
    seen: list[int] = []
    ds, report = collect_features(path, on_record=lambda line, record, fmt: seen.append(line))
    assert len(ds) == 10 and report.files[0].examples == 10
    assert ds.signatures.shape == (10, 128)
    assert seen == list(range(1, 11))  # another consumer shares the one pass

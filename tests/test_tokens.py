"""Chat token counts (ftprep.tokens). Model table and vocabularies: test_vocab.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftprep import tokens, vocab
from ftprep.tokens import (
    IMAGE_TOKENS_HIGH_ASSUMED,
    IMAGE_TOKENS_LOW,
    ChatTokenCounter,
    ExampleTokens,
)

MINI = "gpt-4o-mini-2024-07-18"
O200K = "o200k_base"


@pytest.fixture(scope="module", autouse=True)
def _module_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # Keep the suite out of the user's real tiktoken cache.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("tiktoken-cache")))
        yield


@pytest.fixture(scope="module")
def counter() -> ChatTokenCounter:
    return ChatTokenCounter(MINI)


@pytest.fixture(scope="module")
def enc() -> Any:
    return vocab.get_encoding("o200k_base")


# -- chat counting ----------------------------------------------------------------------


def reference_count(enc: Any, messages: list[dict[str, Any]]) -> int:
    """OpenAI's published recipe, written out plainly, for plain-text messages."""
    n = 3
    for m in messages:
        n += 3 + len(enc.encode_ordinary(m["role"])) + len(enc.encode_ordinary(m["content"]))
        if "name" in m:
            n += 1 + len(enc.encode_ordinary(m["name"]))
    return n


TICKET: list[dict[str, Any]] = [
    {"role": "system", "content": "Classify the ticket: billing, technical or returns."},
    {"role": "user", "content": "I was charged twice for order #4411. Please refund one."},
    {"role": "assistant", "content": "billing"},
]


def test_plain_example_matches_recipe(counter: ChatTokenCounter, enc: Any) -> None:
    result = counter.count_example({"messages": TICKET})
    assert result.total == reference_count(enc, TICKET)
    assert not result.estimated and result.reasons == []
    assert result.messages == 3
    assert result.assistant == 3 + len(enc.encode("assistant")) + len(enc.encode("billing"))
    assert result.trained == len(enc.encode("billing"))
    assert result.total == result.system + result.user + result.assistant + 3


def test_name_and_weight(counter: ChatTokenCounter, enc: Any) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "Be brief.", "name": "policy"},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello there", "weight": 0},
        {"role": "user", "content": "Refund?"},
        {"role": "assistant", "content": "Yes.", "weight": 1},
        {"role": "user", "content": "Thanks"},
        {"role": "assistant", "content": "Bye"},
    ]
    result = counter.count_example({"messages": messages})
    assert result.total == reference_count(enc, messages)
    assert result.trained == len(enc.encode("Yes.")) + len(enc.encode("Bye"))


def test_special_token_text_is_counted_as_text(counter: ChatTokenCounter) -> None:
    result = counter.count_example({"messages": [{"role": "user", "content": "<|endoftext|>"}]})
    assert result.user == 3 + 1 + 7


role_st = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function"])
message_st = st.fixed_dictionaries(
    {"role": role_st, "content": st.text(max_size=40)},
    optional={"name": st.text(min_size=1, max_size=8), "weight": st.sampled_from([0, 1])},
)


@settings(max_examples=150, deadline=None)
@given(st.lists(message_st, max_size=6))
def test_fast_and_general_paths_agree_with_recipe(messages: list[dict[str, Any]]) -> None:
    counter = ChatTokenCounter(MINI)
    enc = vocab.get_encoding(O200K)
    result = counter.count_example({"messages": messages})
    assert result.total == reference_count(enc, messages)
    slow = ExampleTokens()
    for m in messages:
        counter._count_message(m, slow)
    for part in ("system", "user", "assistant", "tool", "trained", "messages"):
        assert getattr(slow, part) == getattr(result, part), part


def test_tool_calls_and_tool_messages(counter: ChatTokenCounter, enc: Any) -> None:
    args = '{"order_id": "4411"}'
    record = {
        "messages": [
            {"role": "user", "content": "Where is my order?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup_order", "arguments": args},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'},
            {"role": "assistant", "content": "It has shipped."},
        ]
    }
    result = counter.count_example(record)
    call = len(enc.encode("lookup_order")) + len(enc.encode(args))
    head = 3 + len(enc.encode("assistant"))
    assert result.assistant == 2 * head + call + len(enc.encode("It has shipped."))
    assert result.tool == 3 + len(enc.encode("tool")) + len(enc.encode('{"status": "shipped"}'))
    assert result.trained == call + len(enc.encode("It has shipped."))
    assert result.estimated
    assert tokens.REASON_TOOL_CALLS in result.reasons and tokens.REASON_TOOL_ID in result.reasons


def test_deprecated_function_role_and_call(counter: ChatTokenCounter, enc: Any) -> None:
    record = {
        "messages": [
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "weather", "arguments": "{}"},
            },
            {"role": "function", "name": "weather", "content": "sunny"},
        ]
    }
    result = counter.count_example(record)

    def n(text: str) -> int:
        return len(enc.encode(text))

    assert result.assistant == 3 + n("assistant") + n("weather") + n("{}")
    assert result.tool == 3 + n("function") + 1 + n("weather") + n("sunny")
    assert result.trained == n("weather") + n("{}")
    assert result.estimated


@pytest.mark.parametrize(
    ("image", "tokens_each"),
    [
        ({"url": "https://x/a.png", "detail": "low"}, IMAGE_TOKENS_LOW),
        ({"url": "https://x/a.png", "detail": "high"}, IMAGE_TOKENS_HIGH_ASSUMED),
        ({"url": "https://x/a.png", "detail": "auto"}, IMAGE_TOKENS_HIGH_ASSUMED),
        ({"url": "https://x/a.png"}, IMAGE_TOKENS_HIGH_ASSUMED),
    ],
)
def test_image_parts(
    counter: ChatTokenCounter, enc: Any, image: dict[str, str], tokens_each: int
) -> None:
    content = [
        {"type": "text", "text": "What is wrong with this item?"},
        {"type": "image_url", "image_url": image},
        {"type": "image_url", "image_url": image},
    ]
    result = counter.count_example({"messages": [{"role": "user", "content": content}]})
    text = len(enc.encode("What is wrong with this item?"))
    assert result.user == 3 + len(enc.encode("user")) + text + 2 * tokens_each
    assert result.images == 2 and result.estimated
    assert IMAGE_TOKENS_HIGH_ASSUMED == 765


def test_refusal_and_unknown_parts(counter: ChatTokenCounter, enc: Any) -> None:
    content = [{"type": "refusal", "refusal": "I can't help."}, {"type": "input_audio"}]
    result = counter.count_example({"messages": [{"role": "assistant", "content": content}]})
    assert result.trained == len(enc.encode("I can't help."))
    assert any("input_audio" in r for r in result.reasons)


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name."},
                "unit": {"type": "string", "description": "Unit", "enum": ["c", "f"]},
            },
        },
    },
}


@pytest.mark.parametrize(("model", "func_init"), [(MINI, 7), ("gpt-3.5-turbo-0125", 10)])
def test_tool_definitions(model: str, func_init: int) -> None:
    counter = ChatTokenCounter(model)
    enc = vocab.get_encoding(counter.encoding_name)

    def n(text: str) -> int:
        return len(enc.encode(text))

    expected = (
        func_init
        + n("get_weather:Get the weather")
        + 3  # prop_init
        + 3
        + n("city:string:City name")
        + 3
        - 3
        + (3 + n("c"))
        + (3 + n("f"))
        + n("unit:string:Unit")
        + 12  # func_end
    )
    record = {"messages": TICKET, "tools": [WEATHER_TOOL]}
    result = counter.count_example(record)
    assert result.tool_definitions == expected
    assert result.total == counter.count_example({"messages": TICKET}).total + expected
    assert tokens.REASON_TOOL_DEFS in result.reasons
    legacy = counter.count_example({"messages": TICKET, "functions": [WEATHER_TOOL["function"]]})
    assert legacy.tool_definitions == expected


@pytest.mark.parametrize(
    "record",
    [
        None,
        [],
        "text",
        {},
        {"messages": "hi"},
        {"messages": [None, 3, "x"]},
        {"messages": [{"role": 5, "content": "x"}]},
        {"messages": [{"role": "user", "content": 42}]},
        {"messages": [{"role": "user", "content": [None, {"type": "text", "text": 3}]}]},
        {"messages": [{"role": "robot", "content": "beep"}]},
        {"messages": [{"role": "assistant", "tool_calls": "x", "function_call": 3}]},
        {
            "messages": [
                {"role": "assistant", "tool_calls": [None, {"function": {"arguments": {}}}]}
            ]
        },
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "u"}]}]},
        {"messages": [], "tools": [None, {"function": {"parameters": {"properties": {"a": 1}}}}]},
        {"messages": [], "tools": "x", "functions": [None]},
    ],
)
def test_malformed_input_never_raises(counter: ChatTokenCounter, record: Any) -> None:
    result = counter.count_example(record)
    assert result.estimated and result.reasons
    json.dumps(result.to_dict())


def test_unknown_model_is_labelled() -> None:
    result = ChatTokenCounter("my-own-model").count_example({"messages": TICKET})
    assert result.estimated and "unknown model" in result.reasons[0]


def test_memo_encodes_each_string_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = ChatTokenCounter(MINI)
    calls: list[str] = []
    real = counter._encode

    def spy(text: str) -> list[int]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(counter, "_encode", spy)
    for _ in range(5):
        counter.count_example({"messages": TICKET})
    assert sorted(calls) == sorted({m["role"] for m in TICKET} | {m["content"] for m in TICKET})


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "MEMO_MAX_ENTRIES", 3)
    counter = ChatTokenCounter(MINI)
    for i in range(20):
        assert counter.count_text(f"text {i}") == len(counter._encode(f"text {i}"))
        assert len(counter._memo) <= 3


def test_count_many(counter: ChatTokenCounter) -> None:
    records = [{"messages": TICKET}, None, {"messages": TICKET[:2]}]
    expected = [counter.count_example(r) for r in records]
    assert list(counter.count_many(iter(records))) == expected
    assert list(counter.count_many(records, workers=2)) == expected
    with pytest.raises(ValueError, match="workers"):
        list(counter.count_many(records, workers=0))


def test_preference_pairs_count_both_answers_and_say_it_is_an_estimate(
        counter: ChatTokenCounter, enc: Any) -> None:
    from ftprep.checks.tokens_checks import PREFERENCE_ESTIMATE, TokenCollector
    from ftprep.formats import get_format

    user = {"role": "user", "content": "Where is my parcel?"}
    good = {"role": "assistant", "content": "It ships today."}
    bad = {"role": "assistant", "content": "No idea, ask someone else about it please."}
    record = {"input": {"messages": [user]}, "preferred_output": [good],
              "non_preferred_output": [bad]}
    collector = TokenCollector(counter)
    collector.on_record(1, record, get_format("openai-dpo"))
    assert collector.totals[0] == reference_count(enc, [user, good, bad])
    assert collector.stats()["estimate_reasons"] == [PREFERENCE_ESTIMATE]

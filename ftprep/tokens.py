"""Token counts for chat-format training examples, offline.

The scheme follows OpenAI's published counting recipe (How_to_count_tokens_with_tiktoken):
each message costs 3 tokens + role + content (+1 and the name's tokens when it has a
`name`), and every example +3 for reply priming. Text is counted exactly with the model's
tokenizer. Parts OpenAI does not document are estimates, and the result says so:
- assistant `tool_calls` / `function_call`: the function name + the arguments string;
  the exact serialisation OpenAI trains on is unpublished;
- `tools` / `functions` definitions: the cookbook's per-function constants;
- images: 85 tokens at detail "low"; at "high"/"auto" the size is unknown, so we assume
  a 1024x1024 image, 765 tokens (85 + 170 x 4 tiles of 512 px, gpt-4o's documented rule);
- unknown models: o200k_base.
Whether the +3 reply priming applies to billed training tokens is unverified.

Importing this module does not import tiktoken; the first ChatTokenCounter does.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ftprep.modelinfo import ModelInfo, encoding_name_for_model, model_info
from ftprep.vocab import TokenizerUnavailable, get_encoding

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = [
    "IMAGE_TOKENS_HIGH_ASSUMED",
    "IMAGE_TOKENS_LOW",
    "ChatTokenCounter",
    "ExampleTokens",
    "ModelInfo",
    "TokenizerUnavailable",
    "encoding_name_for_model",
    "get_encoding",
    "model_info",
]

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
IMAGE_TOKENS_LOW = 85
IMAGE_TOKENS_HIGH_ASSUMED = 85 + 170 * 4

# Memo bounds: the memo is cleared (not evicted) when either is passed; cheap and enough,
# since the strings that repeat (system prompts, labels) come back at once.
MEMO_MAX_ENTRIES = 500_000
MEMO_MAX_CHARS = 16_000_000


@dataclass(frozen=True, slots=True)
class ToolConstants:
    """Per-definition overheads from the cookbook's num_tokens_for_tools (an estimate)."""

    func_init: int
    prop_init: int = 3
    prop_key: int = 3
    enum_init: int = -3
    enum_item: int = 3
    func_end: int = 12


TOOL_CONSTANTS = {
    "o200k_base": ToolConstants(func_init=7),
    "cl100k_base": ToolConstants(func_init=10),
}

REASON_TOOL_CALLS = (
    "tool calls: OpenAI does not publish how tool_calls/function_call are serialised; "
    "counted the function name and arguments only"
)
REASON_TOOL_DEFS = (
    "tool definitions: counted with the OpenAI cookbook's constants, not a published format"
)
REASON_TOOL_ID = "tool messages: tool_call_id is not counted (its rendering is unpublished)"
REASON_IMAGE_HIGH = (
    "images at detail high/auto: size unknown, assumed 1024x1024 = "
    f"{IMAGE_TOKENS_HIGH_ASSUMED} tokens"
)
REASON_IMAGE_LOW = f"images at detail low: {IMAGE_TOKENS_LOW} tokens each (documented for gpt-4o)"
REASON_NESTED = "tool definitions: nested parameter schemas are not counted"

_PLAIN_KEYS = frozenset({"role", "content", "weight"})
_ROLE_INDEX = {"system": 0, "developer": 0, "user": 1, "assistant": 2, "tool": 3, "function": 3}
_ROLE_FIELD = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",  # the deprecated tool role
}


@dataclass(slots=True)
class ExampleTokens:
    """Token counts of one example. Role sums include each message's 3-token framing and
    role; `total` adds tool definitions and the 3-token reply priming. `trained` is the
    content (and tool calls) of assistant messages whose weight is not 0."""

    total: int = 0
    system: int = 0
    user: int = 0
    assistant: int = 0
    tool: int = 0
    other: int = 0
    tool_definitions: int = 0
    trained: int = 0
    messages: int = 0
    images: int = 0
    estimated: bool = False
    reasons: list[str] = field(default_factory=list)

    def estimate(self, reason: str) -> None:
        self.estimated = True
        if reason not in self.reasons:
            self.reasons.append(reason)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ChatTokenCounter:
    """Counts chat-format examples for one model. Each distinct string is encoded once.

    Raises TokenizerUnavailable on construction if the vocabulary cannot be had offline.
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.info: ModelInfo = model_info(model)
        self.encoding_name = self.info.encoding
        self.exact = self.info.exact
        self._encode = get_encoding(self.encoding_name).encode_ordinary
        self._tool = TOOL_CONSTANTS.get(self.encoding_name, TOOL_CONSTANTS["o200k_base"])
        self._memo: dict[str, int] = {}
        self._memo_chars = 0
        self._model_reason = (
            None
            if self.exact
            else f"unknown model {model!r}: counted with {self.encoding_name} as an estimate"
        )

    def count_text(self, text: str) -> int:
        """Tokens in `text`, special-token markers counted as plain text (as in data)."""
        n = self._memo.get(text)
        if n is None:
            n = len(self._encode(text))
            if len(self._memo) >= MEMO_MAX_ENTRIES or self._memo_chars >= MEMO_MAX_CHARS:
                self._memo.clear()
                self._memo_chars = 0
            self._memo[text] = n
            self._memo_chars += len(text)
        return n

    def count_example(self, record: Any) -> ExampleTokens:
        """Count one decoded JSONL line. Never raises on malformed input: what cannot be
        counted is skipped and named in `reasons` (format checks report the error)."""
        out = ExampleTokens()
        if self._model_reason:
            out.estimate(self._model_reason)
        messages = record.get("messages") if isinstance(record, dict) else None
        if not isinstance(messages, list):
            out.estimate("no messages list: nothing counted")
            return out
        # Fast path for plain {role, content[, weight]} messages, the bulk of most files;
        # everything else goes through _count_message. Both must count the same.
        memo_get = self._memo.get
        count = self.count_text
        sums = [0, 0, 0, 0]  # system, user, assistant, tool
        trained = 0
        plain = 0
        for message in messages:
            if type(message) is dict and message.keys() <= _PLAIN_KEYS:
                role = message.get("role")
                content = message.get("content")
                if type(role) is str and type(content) is str:
                    index = _ROLE_INDEX.get(role)
                    if index is not None:
                        body = memo_get(content)
                        if body is None:
                            body = count(content)
                        head = memo_get(role)
                        if head is None:
                            head = count(role)
                        sums[index] += TOKENS_PER_MESSAGE + head + body
                        if index == 2 and message.get("weight", 1) != 0:
                            trained += body
                        plain += 1
                        continue
            self._count_message(message, out)
        out.system += sums[0]
        out.user += sums[1]
        out.assistant += sums[2]
        out.tool += sums[3]
        out.trained += trained
        out.messages += plain
        tools = record.get("tools")
        functions = record.get("functions")  # deprecated form of tools
        if tools or functions:
            out.tool_definitions = self.count_tool_definitions(tools, functions, out)
        out.total = (
            out.system
            + out.user
            + out.assistant
            + out.tool
            + out.other
            + out.tool_definitions
            + REPLY_PRIMING
        )
        return out

    def count_many(self, records: Iterable[Any], *, workers: int = 1) -> Iterator[ExampleTokens]:
        """Count records in order. `workers` is accepted for API stability but counting
        stays in this process: on the 2-core machines we measured, a process pool was
        slower than this loop (see benchmarks/bench_tokens.py)."""
        if workers < 1:
            raise ValueError("workers must be >= 1")
        count = self.count_example
        for record in records:
            yield count(record)

    # -- pieces -------------------------------------------------------------------------

    def _count_message(self, message: Any, out: ExampleTokens) -> None:
        if not isinstance(message, dict):
            out.estimate("a message that is not an object was skipped")
            return
        out.messages += 1
        count = self.count_text
        role = message.get("role")
        if not isinstance(role, str):
            out.estimate("a message without a string role: role not counted")
            role = ""
        n = TOKENS_PER_MESSAGE + count(role)
        body = self._count_content(message.get("content"), out)
        name = message.get("name")
        if isinstance(name, str):
            n += TOKENS_PER_NAME + count(name)
        calls = message.get("tool_calls")
        if calls:
            body += self._count_calls(calls, out)
        function_call = message.get("function_call")
        if function_call:
            body += self._count_calls([{"function": function_call}], out)
        n += body
        bucket = _ROLE_FIELD.get(role)
        if bucket is None:
            out.other += n
            out.estimate(f"unknown role {role!r}: counted under 'other'")
            return
        if bucket == "system":
            out.system += n
        elif bucket == "user":
            out.user += n
        elif bucket == "assistant":
            out.assistant += n
            if message.get("weight", 1) != 0:
                out.trained += body
        else:
            out.tool += n
            if role == "tool" and "tool_call_id" in message:
                out.estimate(REASON_TOOL_ID)

    def _count_content(self, content: Any, out: ExampleTokens) -> int:
        if isinstance(content, str):
            return self.count_text(content)
        if content is None:
            return 0
        if isinstance(content, list):
            return sum(self._count_part(part, out) for part in content)
        out.estimate(f"content of type {type(content).__name__} counted as its JSON text")
        return self.count_text(_as_text(content))

    def _count_part(self, part: Any, out: ExampleTokens) -> int:
        if isinstance(part, str):  # lenient: a bare string part
            return self.count_text(part)
        if not isinstance(part, dict):
            out.estimate("a content part that is not an object was skipped")
            return 0
        kind = part.get("type")
        if kind == "text":
            text = part.get("text")
            return self.count_text(text) if isinstance(text, str) else 0
        if kind == "refusal":
            text = part.get("refusal")
            return self.count_text(text) if isinstance(text, str) else 0
        if kind == "image_url":
            out.images += 1
            image = part.get("image_url")
            detail = image.get("detail", "auto") if isinstance(image, dict) else "auto"
            if detail == "low":
                out.estimate(REASON_IMAGE_LOW)
                return IMAGE_TOKENS_LOW
            out.estimate(REASON_IMAGE_HIGH)
            return IMAGE_TOKENS_HIGH_ASSUMED
        out.estimate(f"content parts of type {kind!r} are not counted")
        return 0

    def _count_calls(self, calls: Any, out: ExampleTokens) -> int:
        out.estimate(REASON_TOOL_CALLS)
        if not isinstance(calls, list):
            return 0
        count = self.count_text
        n = 0
        for call in calls:
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict):
                continue
            name = function.get("name")
            if isinstance(name, str):
                n += count(name)
            arguments = function.get("arguments")
            if arguments is not None:
                n += count(arguments if isinstance(arguments, str) else _as_text(arguments))
        return n

    def count_tool_definitions(
        self, tools: Any, functions: Any = None, out: ExampleTokens | None = None
    ) -> int:
        """Tokens for `tools` (and deprecated `functions`) definitions, by the cookbook's
        recipe: per function `name:description`, per property `key:type:description`
        and enum items, plus fixed overheads. An estimate."""
        defs: list[dict[str, Any]] = []
        for tool in tools if isinstance(tools, list) else ():
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict):
                defs.append(function)
        for function in functions if isinstance(functions, list) else ():
            if isinstance(function, dict):
                defs.append(function)
        if out is not None:
            out.estimate(REASON_TOOL_DEFS)
        if not defs:
            return 0
        c = self._tool
        count = self.count_text
        n = 0
        for function in defs:
            n += c.func_init
            description = _strip_period(function.get("description"))
            n += count(f"{_as_label(function.get('name'))}:{description}")
            parameters = function.get("parameters")
            props = parameters.get("properties") if isinstance(parameters, dict) else None
            if not isinstance(props, dict) or not props:
                continue
            n += c.prop_init
            for key, spec in props.items():
                n += c.prop_key
                spec = spec if isinstance(spec, dict) else {}
                enum = spec.get("enum")
                if isinstance(enum, list):
                    n += c.enum_init
                    for item in enum:
                        n += c.enum_item + count(_as_label(item))
                if out is not None and ("properties" in spec or "items" in spec):
                    out.estimate(REASON_NESTED)
                kind = _as_label(spec.get("type"))
                n += count(f"{key}:{kind}:{_strip_period(spec.get('description'))}")
        return n + c.func_end


def _as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _as_label(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # e.g. "type": ["string", "null"]
        return ",".join(_as_label(v) for v in value)
    return _as_text(value)


def _strip_period(value: Any) -> str:
    # The cookbook drops one trailing period from descriptions before counting.
    text = _as_label(value)
    return text[:-1] if text.endswith(".") else text

"""Tool calls between OpenAI's shape and the one Hugging Face chat templates take.

OpenAI: every call has an `id`, its `arguments` are a JSON string, and a tool result
names the call it answers (`tool_call_id`). transformers' templates (TRL's documented
shape, ftprep.formats.hf_chat): ids are optional, `arguments` is usually an object, a
result may carry the function's `name` and pairs with calls by position. Export moves a
line from one to the other and reports every change it makes, as it reports drops.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from typing import Any

from ftprep.targets.transform import ConversionError, Drop

Record = dict[str, Any]

# The formats whose lines carry tool calls.
TOOL_CALL_FORMATS = ("openai-chat", "trl-prompt-completion")


def hf_chat_record(obj: Record, line_format: str) -> Record | None:
    """`obj` validated as a `line_format` line whose tool calls have the shape Hugging
    Face chat templates take (ftprep.formats.hf_chat); None when it is not valid that way
    either, or the format has no such shape."""
    from ftprep.formats import get_format, shaped
    from ftprep.targets.open_trainers import HF_CHAT_SCHEMAS

    fmt = get_format(line_format)
    variant = shaped(fmt, HF_CHAT_SCHEMAS)
    if variant is fmt:
        return None
    try:
        record: Record = variant.adapter().validate_python(obj)
    except ValueError:
        return None
    return record


def reshape_tools(record: Record, shape: str) -> list[Drop]:
    """In place: "openai" (`as_openai`) or "objects" (`arguments_as_objects`)."""
    return as_openai(record) if shape == "openai" else arguments_as_objects(record)


def _message_lists(record: Record) -> Iterator[tuple[str, list[Record]]]:
    """(JSON path of the array, its messages), in conversation order."""
    for key in ("messages", "prompt", "completion"):
        value = record.get(key)
        if isinstance(value, list):
            yield f"$.{key}", value


def _calls(record: Record) -> Iterator[tuple[str, Record]]:
    """(JSON path, call) of every tool call with a `function` object."""
    for array, messages in _message_lists(record):
        for i, message in enumerate(messages):
            for k, call in enumerate(message.get("tool_calls") or ()):
                if isinstance(call.get("function"), dict):
                    yield f"{array}[{i}].tool_calls[{k}]", call


def as_openai(record: Record) -> list[Drop]:
    """In place: arguments objects become JSON strings, calls without an id get one, a
    result without `tool_call_id` answers the earliest call still unanswered (the
    pairing chat templates make), and what OpenAI's format has no key for (a result's
    `name`, a definition's `return`) is dropped. Raises ConversionError when a result
    has no call left to answer."""
    changes: list[Drop] = []
    taken = {c.get("id") for _, c in _calls(record)}
    fresh = (f"call_{n}" for n in range(1, 1 << 30) if f"call_{n}" not in taken)
    pending: deque[str] = deque()
    for array, messages in _message_lists(record):
        for i, message in enumerate(messages):
            path = f"{array}[{i}]"
            calls = message.get("tool_calls") or []
            for k, call in enumerate(calls):
                function = call.get("function")
                if not isinstance(function, dict):
                    continue
                arguments = function.get("arguments")
                if arguments is not None and not isinstance(arguments, str):
                    function["arguments"] = json.dumps(arguments, ensure_ascii=False)
                    changes.append(Drop("tool call arguments",
                                        f"{path}.tool_calls[{k}].function.arguments",
                                        "the object written as a JSON string"))
                if "id" not in call:
                    call = calls[k] = {"id": next(fresh), **call}  # first, as OpenAI writes it
                    changes.append(Drop("tool call id", f"{path}.tool_calls[{k}].id",
                                        f"none given: {call['id']!r} added"))
                pending.append(call["id"])
            if message.get("role") != "tool":
                continue
            if "tool_call_id" not in message:
                if not pending:
                    raise ConversionError(f"the tool result at {path} answers no call (it has "
                                          "no tool_call_id and every earlier call is answered)")
                message["tool_call_id"] = pending.popleft()
                changes.append(Drop("tool call id", f"{path}.tool_call_id",
                                    f"paired by position with call {message['tool_call_id']!r}"))
            elif message["tool_call_id"] in pending:
                pending.remove(message["tool_call_id"])
            if "name" in message:
                changes.append(Drop("name", f"{path}.name",
                                    f"{message.pop('name')!r}: OpenAI's tool messages have none"))
    for k, tool in enumerate(record.get("tools") or ()):
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and "return" in function:
            function.pop("return")
            changes.append(Drop("tools", f"$.tools[{k}].function.return",
                                "the return description: OpenAI's format has none"))
    return changes


def arguments_as_objects(record: Record) -> list[Drop]:
    """In place: JSON-string arguments that hold an object become that object (for chat
    templates that write `arguments` with tojson). A string that is not a JSON object is
    left for validation to name (FT119)."""
    changes: list[Drop] = []
    for path, call in _calls(record):
        arguments = call["function"].get("arguments")
        if not isinstance(arguments, str):
            continue
        try:
            value = json.loads(arguments)
        except ValueError:
            continue
        if isinstance(value, dict):
            call["function"]["arguments"] = value
            changes.append(Drop("tool call arguments", f"{path}.function.arguments",
                                "the JSON string written as an object"))
    return changes

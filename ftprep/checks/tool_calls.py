"""FT1xx rules on tool calls across a conversation and on tool definitions.

A tool call should be answered by a tool message before the conversation moves on (the
Chat Completions API refuses "assistant message with 'tool_calls' must be followed by
tool messages responding to each 'tool_call_id'"); the fine-tuning service's own
behaviour is not documented, so only an ambiguous pairing is an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ftprep.checks.registry import Hit, Scope, register
from ftprep.formats.errors import as_json, key_path
from ftprep.report.finding import Severity

Record = dict[str, Any]
# Tool-definition schemas checked, by their JSON text: datasets repeat the same tools.
_SCHEMA_CACHE_MAX = 1024
_schema_problems: dict[bytes | str, tuple[str, str] | None] = {}


def _call_events(messages: list[Record]) -> Iterator[tuple[str, int, str, str]]:
    """(kind, message index, path in the message, call id) of each pairing problem:
    "unanswered", "answered-twice", "ambiguous" (an id reused where the pairing is
    unclear), "reused" (an id reused after its call was answered)."""
    state: dict[str, str] = {}  # id -> "open", "late" (turn moved on) or "answered"
    where: dict[str, tuple[int, int]] = {}
    for i, message in enumerate(messages):
        role = message["role"]
        if role in ("user", "assistant"):
            for id_, pending in state.items():
                if pending == "open":
                    made, k = where[id_]
                    yield "unanswered", made, f".tool_calls[{k}]", id_
                    state[id_] = "late"
        # Calls and results without ids (--target trl) pair by position: not checked here.
        if role == "tool" and "tool_call_id" in message:
            id_ = message["tool_call_id"]
            now = state.get(id_)
            if now == "answered":
                yield "answered-twice", i, ".tool_call_id", id_
            elif now is not None:
                state[id_] = "answered"
        in_message: set[str] = set()
        for k, call in enumerate(message.get("tool_calls") or ()):
            if "id" not in call:
                continue
            id_ = call["id"]
            now = state.get(id_)
            if id_ in in_message or now in ("open", "late"):
                yield "ambiguous", i, f".tool_calls[{k}].id", id_
            elif now == "answered":
                yield "reused", i, f".tool_calls[{k}].id", id_
            in_message.add(id_)
            state[id_] = "open"
            where[id_] = (i, k)


# The four pairing rules run on the same messages list, one after the other: its events
# are worked out once (the list itself is kept, so `is` cannot match a new list).
_last_events: list[Any] = [None, ()]


def _events(messages: list[Record], kind: str) -> Iterator[tuple[int, str, str]]:
    """(message index, path, call id) of the pairing problems of one kind."""
    if _last_events[0] is not messages:
        _last_events[:] = [messages, tuple(_call_events(messages))]
    return ((i, path, id_) for found, i, path, id_ in _last_events[1] if found == kind)


@register("FT121", "duplicate-tool-call-id", Severity.ERROR, scope=Scope.LINE, trigger="tools")
def duplicate_tool_call_id(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Two tool calls share an id where the pairing is ambiguous.

    Tool results are matched to calls by id: the same id twice in one assistant message,
    or again while the first call is still unanswered, leaves it unclear which call a
    result answers. Give each call its own id. (An id reused after its call was
    answered is FT138.)"""
    for i, path, id_ in _events(messages, "ambiguous"):
        yield Hit(f"tool call id {as_json(id_)} is already used by a call not yet "
                  "answered; give each call its own id", path=path, message_index=i)


@register("FT122", "unanswered-tool-call", Severity.WARNING, scope=Scope.LINE, trigger="tools")
def unanswered_tool_call(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Tool call that no tool message answers before the next user or assistant message.

    The Chat Completions API refuses a conversation whose tool calls are not followed by
    their results, and a model trained on it learns to move on without them. A call as
    the conversation's last message is fine. Add the tool message with the call's id
    right after the call."""
    for i, path, id_ in _events(messages, "unanswered"):
        yield Hit(f"tool call {as_json(id_)} gets no tool result before the next user or "
                  f"assistant message; add a tool message with tool_call_id {as_json(id_)} "
                  "right after it", path=path, message_index=i)


@register("FT128", "tool-call-answered-twice", Severity.WARNING, scope=Scope.LINE,
          trigger="tools")
def tool_call_answered_twice(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """A second tool message for a tool call that was already answered.

    Each call gets one result; a second one is usually a duplicated message or a wrong
    tool_call_id. Remove it or fix its id."""
    for i, path, id_ in _events(messages, "answered-twice"):
        yield Hit(f"tool call {as_json(id_)} was already answered; remove this tool "
                  "message or fix its tool_call_id", path=path, message_index=i)


@register("FT138", "reused-tool-call-id", Severity.WARNING, scope=Scope.LINE, trigger="tools")
def reused_tool_call_id(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """A tool-call id reused in a later turn, after the earlier call was answered.

    The pairing is still clear, and synthetic data often restarts ids each turn; no
    source says the service refuses it. Give each call its own id to be safe."""
    for i, path, id_ in _events(messages, "reused"):
        yield Hit(f"tool call id {as_json(id_)} was used by an earlier, answered call; "
                  "give each call its own id", path=path, message_index=i)


@register("FT129", "parallel-calls-disabled", Severity.WARNING, scope=Scope.LINE,
          trigger="tools")
def parallel_calls_disabled(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Several tool calls in one message, though the line sets `parallel_tool_calls: false`.

    OpenAI: parallel function calling "can be disabled by using parallel_tool_calls:
    false in the training example"; this one then teaches parallel calls anyway. Make
    one call per assistant message, or drop `parallel_tool_calls: false`."""
    setting = record.get("parallel_tool_calls")
    inner = record.get("input")  # a preference line sets it in its input
    if setting is None and isinstance(inner, dict):
        setting = inner.get("parallel_tool_calls")
    if setting is not False:
        return
    for i, message in enumerate(messages):
        calls = message.get("tool_calls") or ()
        if len(calls) > 1:
            yield Hit(f"{len(calls)} tool calls in one message, though the line sets "
                      "parallel_tool_calls: false; make one call per assistant message, or "
                      "remove parallel_tool_calls: false", path=".tool_calls", message_index=i)


@register("FT137", "invalid-parameters-schema", Severity.WARNING, scope=Scope.LINE,
          trigger="tooldefs")
def invalid_parameters_schema(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """A tool's `parameters` that is not a valid JSON Schema, or not an object schema.

    The Chat Completions API refuses such a function ("Invalid schema for function"),
    and its parameters must be a schema of `"type": "object"`. Checked against the JSON
    Schema metaschema (the draft its `$schema` names, else 2020-12). Fix the schema."""
    for path, parameters in _parameter_schemas(record):
        problem = _schema_problem(parameters)
        if problem is not None:
            where, text = problem
            yield Hit(text, path=path + where)


def _parameter_schemas(record: Record) -> Iterator[tuple[str, Any]]:
    inner = record.get("input")
    places = [("$", record)] + ([("$.input", inner)] if isinstance(inner, dict) else [])
    for base, holder in places:
        for k, tool in enumerate(holder.get("tools") or ()):
            if "parameters" in tool["function"]:
                yield f"{base}.tools[{k}].function.parameters", tool["function"]["parameters"]
        for k, function in enumerate(holder.get("functions") or ()):
            if "parameters" in function:
                yield f"{base}.functions[{k}].parameters", function["parameters"]


def _schema_problem(schema: dict[str, Any]) -> tuple[str, str] | None:
    """(path inside the schema, message) of what is wrong with it, or None."""
    import orjson  # here, with jsonschema: validate's start-up needs neither

    try:
        key: bytes | str = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # integers past 64 bits
        key = json.dumps(schema, sort_keys=True, default=str)
    if key in _schema_problems:
        return _schema_problems[key]
    # Imported here: validate must start fast when no line defines tools.
    from jsonschema import Draft202012Validator, SchemaError
    from jsonschema.validators import validator_for

    problem: tuple[str, str] | None = None
    try:
        validator_for(schema, default=Draft202012Validator).check_schema(schema)
    except SchemaError as exc:
        where = "".join(f"[{p}]" if isinstance(p, int) else key_path("", str(p))
                        for p in exc.path)
        at = f"`{exc.path[-1]}`" if exc.path else "the top level"
        if exc.validator == "type":
            why = f"should be of type {as_json(exc.validator_value)}"
        else:
            why = f"breaks the metaschema's `{exc.validator}` rule"
        problem = (where, f"not a valid JSON Schema: {as_json(exc.instance)} at {at} {why}; "
                          "fix the schema")
    except Exception as exc:
        # jsonschema on arbitrary data fails in its own ways ("$schema": 5 reaches urllib,
        # deep nesting exhausts the stack): either way the schema cannot be used as it is.
        what = "nested too deeply" if isinstance(exc, RecursionError) else type(exc).__name__
        problem = ("", f"not a usable JSON Schema ({what}; check `$schema` and the nesting); "
                       "fix the schema")
    else:
        kind = schema.get("type", "object")
        if kind != "object":
            problem = ("", f"parameters must be an object schema (\"type\": \"object\"), not "
                           f"\"type\": {as_json(kind)}; make it {{\"type\": \"object\", "
                           "\"properties\": {...}}")
    if len(_schema_problems) >= _SCHEMA_CACHE_MAX:
        _schema_problems.clear()
    _schema_problems[key] = problem
    return problem

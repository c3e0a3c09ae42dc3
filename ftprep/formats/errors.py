"""Turn pydantic validation errors into (JSON path, message-with-fix) pairs.

pydantic's `loc` names union branches and discriminator tags ("user", "str",
"list[tagged-union[...]]"); a user thinks in JSON paths such as `$.messages[2].content`,
so those are dropped, and the errors of a union's failed branches are merged into one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any


def unreadable_json(exc: ValueError | RecursionError) -> str:
    """What Python's json raised besides a syntax error, as a sentence with a fix: a
    number past its 4,300-digit limit, nesting past its recursion limit, a constant
    (NaN, Infinity) a `parse_constant` hook refused."""
    if isinstance(exc, RecursionError):
        return "nested deeper than the parser allows (about 1,000 levels); flatten it"
    message = str(exc)
    if "integer string conversion" in message:
        return "a number with more than 4,300 digits, which no JSON parser here reads; write it as a string"
    return message


# Discriminated lists: the element after an index into these is a tag, not a key.
_TAGGED_LISTS = {
    "messages": {"system", "user", "assistant", "tool", "function"},
    "content": {"text", "image_url"},
}
_BRANCH_LABEL = re.compile(r"^(str|int|float|bool|none|dict|list|nullable|tagged-union|function-\w+)(\[.*)?$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_FIX_BY_FIELD = {
    "content": "give it a string, or a list of {\"type\": \"text\", \"text\": ...} parts",
    "role": "use one of system, user, assistant or tool",
    "weight": "use 0 (do not train on this message) or 1 (train on it)",
    "arguments": "encode the arguments object as a JSON string, e.g. \"{\\\"city\\\": \\\"Paris\\\"}\"",
    "url": "use an https:// URL or a data:image/...;base64,... URL",
    "name": "use 1-64 letters, digits, underscores or hyphens",
    "input": "an object holding the input conversation's `messages`",
    "messages": "give a list of message objects, each with a role and content",
}


# A message's `name` (OpenAI's message-name rule) is not a function's name.
MESSAGE_NAME_PATTERN = r"^[^\s<|\\/>]+$"
_MESSAGE_NAME_FIX = "use no whitespace and none of < | \\ / > (e.g. \"john.doe\")"


def as_json(value: Any) -> str:
    """A value as JSON writes it (null, true, 1.5), never a Python repr."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def describe_json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def key_path(path: str, key: str) -> str:
    """`path` followed by an object key: `$.messages`, or `$['a b']` for a key that is not
    an identifier (as every finding's path writes it)."""
    return f"{path}.{key}" if _IDENTIFIER.match(key) else f"{path}[{key!r}]"


def json_path(loc: Sequence[str | int]) -> str:
    path = "$"
    last_key: str | None = None
    after_index_of: str | None = None
    for element in loc:
        if isinstance(element, int):
            path += f"[{element}]"
            after_index_of = last_key
            continue
        tags = _TAGGED_LISTS.get(after_index_of or "")
        after_index_of = None
        if (tags and element in tags) or _BRANCH_LABEL.match(element):
            continue
        path = key_path(path, element)
        last_key = element
    return path


def _error_path(error: dict[str, Any]) -> str:
    path = json_path(error["loc"])
    if error["type"].startswith("union_tag"):
        discriminator = str(error.get("ctx", {}).get("discriminator", "role")).strip("'")
        path += f".{discriminator}"
    return path


def _field_of(path: str) -> str:
    """The key a path ends in: `$.messages[1].role` -> role, `$['a b']` -> a b."""
    match = re.search(r"\.([A-Za-z_][A-Za-z0-9_]*)$", path)
    if match:
        return match.group(1)
    quoted = re.search(r"\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]$", path)
    if quoted:
        import ast

        key = ast.literal_eval(quoted.group(1))  # json_path wrote it with repr()
        return key if isinstance(key, str) else ""
    return ""


def _message(error: dict[str, Any], path: str, fixes: Mapping[str, str],
             weight_on: str | None, title: str) -> str:
    kind = error["type"]
    field = _field_of(path)
    fix = fixes.get(field, _FIX_BY_FIELD.get(field, ""))
    got = describe_json(error.get("input"))
    if kind == "missing":
        text = f"`{field}` is required here"
        fix = f"add `{field}`: {fix}" if fix else f"add `{field}`"
    elif kind == "extra_forbidden":
        if field == "weight" and weight_on is not None and (
                path == "$.weight" or re.fullmatch(weight_on, path)):
            where = "the line" if path == "$.weight" else "a non-assistant message"
            return f"`weight` is not allowed on {where}: put it on an assistant message, or remove it"
        if field == "weight":
            return f"unexpected key `weight`: the {title} format has no `weight`; remove it"
        return f"unexpected key `{field}`: the service rejects unknown keys; remove it or fix its spelling"
    elif kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        tag = ctx.get("tag")
        if str(ctx.get("discriminator", "role")).strip("'") == "type":
            # OpenAI: "Input messages may contain text or image content only. Audio and
            # file input messages are not currently supported."
            expected = " or ".join(t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(","))
            if tag == "refusal":
                return (f"unknown content part type 'refusal': use {expected}; write the "
                        "refusal as the assistant's text")
            return (f"unknown content part type {tag!r}: use {expected} (fine-tuning takes "
                    "text and image inputs only; audio and files are not supported)")
        given = error.get("input")
        role = given.get("role") if isinstance(given, dict) else tag
        if not isinstance(role, str):
            what = "null" if role is None else f"{describe_json(role)} ({as_json(role)})"
            return (f"the role must be a string such as \"user\", not {what}: use one of "
                    "system, user, assistant or tool")
        if tag == "developer":
            return "role 'developer' is not accepted for supervised fine-tuning: use 'system'"
        return f"unknown role {as_json(tag)}: use one of system, user, assistant or tool"
    elif kind == "union_tag_not_found":
        discriminator = error.get("ctx", {}).get("discriminator", "role").strip("'")
        return f"this object has no `{discriminator}`: add one"
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        text = f"{as_json(error.get('input'))} is not allowed here: expected {expected}"
        if field == "role" and field not in fixes:
            fix = ""  # the expected roles say it; the generic OpenAI list would not fit
    elif kind == "string_pattern_mismatch":
        text = f"{as_json(error.get('input'))} has the wrong form"
        if error.get("ctx", {}).get("pattern") == MESSAGE_NAME_PATTERN:
            fix = _MESSAGE_NAME_FIX
    elif kind in ("too_short", "too_long"):
        text = error["msg"].replace("List", "this list").replace(" after validation", "")
        if path.endswith("_output"):
            fix = "give exactly one assistant message"
    elif kind in ("dict_type", "model_type", "typed_dict_type"):
        text = f"expected an object, got {got}"
        fix = "write it as a JSON object {...}"
    elif kind.endswith("_type"):
        text = f"{error['msg'].replace('Input should be', 'expected')}, got {got}"
    elif kind == "value_error":
        text = str(error.get("ctx", {}).get("error", error["msg"]))
    else:
        text = error["msg"]
    return f"{text}; {fix}" if fix else text


def explain(
    errors: Sequence[dict[str, Any]], fixes: Mapping[str, str] | None = None,
    weight_on: str | None = None, title: str = "line's",
) -> list[tuple[str, str]]:
    """(path, message) for each distinct problem, deepest first where union branches disagree.

    `fixes` overrides the suggested fix per field name for formats not shaped like
    OpenAI's (a Nova `content` is a list of text blocks, not a string). `weight_on` is
    a regex of the message paths where the format takes `weight` (on assistant
    messages); a format without one, named by `title`, has no per-message weight."""
    fixes = fixes or {}
    located = [(_error_path(e), e) for e in errors]
    paths = [p for p, _ in located]
    out: dict[str, list[str]] = {}
    for path, error in located:
        is_shallow_type_error = error["type"].endswith("_type") and any(
            other != path and other.startswith(path) for other in paths
        )
        if is_shallow_type_error:
            continue  # a deeper error in the other union branch says more
        out.setdefault(path, []).append(_message(error, path, fixes, weight_on, title))
    merged: list[tuple[str, str]] = []
    for path, messages in out.items():
        if len(messages) > 1 and all(m.startswith("expected") for m in messages):
            got = messages[0].split(", got ")[-1].split(";")[0]
            field = _field_of(path)
            fix = fixes.get(field, _FIX_BY_FIELD.get(field))
            text = f"`{field or 'value'}` has the wrong type (got {got})"
            merged.append((path, f"{text}; {fix}" if fix else text))
        else:
            merged.extend((path, m) for m in dict.fromkeys(messages))
    return merged

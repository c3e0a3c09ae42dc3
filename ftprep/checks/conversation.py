"""FT1xx rules beyond the schema, one line at a time.

"shape" checks see the conversation's roles only (`assistant-untrained` for an assistant
message with weight 0); the runner caches their results per shape, since a dataset has
few distinct shapes. "record" checks see the line and run only when its trigger is set
(the runner computes triggers in one pass over the messages).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import Any

from ftprep.checks.image_bytes import JPEG, NAMES, PNG, WEBP, colour_mode, image_type
from ftprep.checks.registry import Hit, Scope, register
from ftprep.formats.errors import unreadable_json
from ftprep.report.finding import Severity

UNTRAINED = "assistant-untrained"
MAX_IMAGES_PER_EXAMPLE = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_BYTES_DECIMAL = 10_000_000
IMAGE_MEDIA_TYPES = (JPEG, PNG, WEBP)
# Not a registered media type, but what the .jpg extension suggests: FT133 warns, since
# no source says a service rejects it.
_MEDIA_ALIASES = {"image/jpg": JPEG}
_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[^;,]*)*)(;base64)?,", re.I)

Record = dict[str, Any]
Shape = tuple[str, ...]


@register("FT110", "no-trainable-assistant-message", Severity.ERROR,
          scope=Scope.LINE, view="shape", skip_formats=["openai-dpo"])
def no_trainable_assistant(shape: Shape) -> Iterator[Hit]:
    """Example has no assistant message to train on.

    Training learns from assistant messages only; an example without one (or with
    weight 0 on all of them) teaches nothing and is rejected. Add the reply, or set
    `weight: 1` on at least one assistant message. (A preference line's outputs are
    what it trains on; it has no weight.)"""
    if "assistant" in shape or not shape:
        return
    if UNTRAINED in shape:
        last = max(i for i, role in enumerate(shape) if role == UNTRAINED)
        yield Hit("nothing to train on: all its assistant messages have weight 0; set "
                  "`weight: 1` on the reply to learn from", path=".weight", message_index=last)
    else:
        yield Hit("nothing to train on: it has no assistant message; add the assistant's "
                  "reply after this message", message_index=len(shape) - 1)


@register("FT116", "messages-after-last-assistant", Severity.WARNING,
          scope=Scope.LINE, view="shape", formats=["openai-chat"])
def trailing_messages(shape: Shape) -> Iterator[Hit]:
    """Messages after the last assistant message.

    Nothing after the last assistant message is trained on, yet it is billed as training
    tokens. Remove the trailing messages or add the assistant reply that answers them."""
    last = max((i for i, role in enumerate(shape) if role in ("assistant", UNTRAINED)), default=None)
    if last is not None and last < len(shape) - 1:
        n = len(shape) - 1 - last
        yield Hit(f"{n} message(s) after the last assistant message are billed but never "
                  "trained on; remove them or answer them", message_index=last + 1)


@register("FT117", "consecutive-same-role", Severity.WARNING, scope=Scope.LINE, view="shape")
def consecutive_same_role(shape: Shape) -> Iterator[Hit]:
    """Two consecutive messages have the same role.

    Two user or two assistant messages in a row usually mean a lost turn or a message
    split in two; Together, Bedrock and several open trainers reject them. Merge them or
    restore the missing turn. (Consecutive tool results are fine.)"""
    previous = None
    for i, role in enumerate(shape):
        kind = "assistant" if role == UNTRAINED else role
        if kind == previous and kind in ("user", "assistant", "system"):
            yield Hit(f"this message has the same role ({kind}) as the message before it; "
                      "merge them or restore the missing turn", message_index=i)
        previous = kind


@register("FT118", "misplaced-system-message", Severity.WARNING, scope=Scope.LINE, view="shape")
def misplaced_system(shape: Shape) -> Iterator[Hit]:
    """A system message that is not the first message.

    The system prompt sets up the conversation; one in the middle is usually a template
    bug, and several targets (Bedrock, Vertex, Mistral) accept it only first."""
    for i, role in enumerate(shape):
        if role == "system" and i > 0:
            yield Hit("system message is not first; move it to the start of the conversation",
                      message_index=i)


@register("FT111", "empty-content", Severity.ERROR, scope=Scope.LINE, trigger="empty")
def empty_content(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """A message whose content is empty, or only whitespace or invisible characters.

    An empty user message teaches nothing; an empty assistant reply teaches the model to
    answer with nothing. Invisible characters alone (a zero-width space) count as empty.
    (An assistant message that only makes tool calls, a legacy function_call or a
    refusal may have empty or null content.) Fill it in or drop the message."""
    for i, message in enumerate(messages):
        content = message.get("content")
        if isinstance(content, str) and is_blank(content):
            if _says_something_else(message):
                continue
            yield Hit(f"{message['role']} message has empty content{_invisible(content)}; "
                      "write it or drop the message", path=".content", message_index=i)
        elif isinstance(content, list):
            if _says_something_else(message) and blank_content(content):
                continue  # as with "" content: the tool call is the reply
            if not content:
                yield Hit("content is an empty list of parts; add a text part or drop the "
                          "message", path=".content", message_index=i)
            for j, part in enumerate(content):
                if part.get("type") == "text" and is_blank(part["text"]):
                    yield Hit(f"text part is empty{_invisible(part['text'])}; write it or "
                              "remove the part",
                              path=f".content[{j}].text", message_index=i)
        elif content is None and message["role"] == "assistant" and not _says_something_else(
                message):
            yield Hit("assistant message has no content, tool_calls or refusal; write the reply",
                      path=".content", message_index=i)


# Characters that show nothing: whitespace, and the zero-width and byte-order marks
# that copy-and-paste leaves behind (ZWSP, ZWNJ, ZWJ, word joiner, BOM).
BLANK_CHARS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
               "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # str.isspace()
               "\u200b\u200c\u200d\u2060\ufeff"
               # Marks and fillers that render as nothing: soft hyphen, bidi marks and
               # embeddings, invisible operators, Hangul fillers, the blank braille cell,
               # variation selectors.
               "\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200e\u200f"
               "\u202a\u202b\u202c\u202d\u202e\u2061\u2062\u2063\u2064\u2066\u2067"
               "\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u2800\u3164\uffa0"
               "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a"
               "\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f")
_BLANK_FIRST = frozenset(BLANK_CHARS)


def is_blank(text: str) -> bool:
    """Whether `text` shows nothing: empty, whitespace or invisible characters only."""
    return not text or (text[0] in _BLANK_FIRST and not text.strip(BLANK_CHARS))


def blank_content(content: Any) -> bool:
    """Whether a message content shows nothing: a blank string, no content, or text parts
    that are all blank (an image is something)."""
    if isinstance(content, list):
        return all(p.get("type") == "text" and is_blank(p["text"]) for p in content)
    return not isinstance(content, str) or is_blank(content)


def _invisible(text: str) -> str:
    return " (only invisible characters such as U+200B)" if text.strip() else ""


def _says_something_else(message: Record) -> bool:
    """An assistant message whose reply is a tool call, a legacy function_call (the
    cookbook's checker: `not content and not function_call`) or a refusal."""
    return message["role"] == "assistant" and bool(
        message.get("tool_calls") or message.get("function_call")
        or not is_blank(message.get("refusal") or ""))


@register("FT112", "image-outside-user-message", Severity.ERROR, scope=Scope.LINE, trigger="parts")
def image_outside_user(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Image in a message that is not a user message.

    Only user messages may carry images; OpenAI rejects images in assistant outputs and
    system messages. Move the image to a user message."""
    for i, message in enumerate(messages):
        if message["role"] != "user":
            for j, _ in _image_parts(message):
                yield Hit(f"{message['role']} messages may not contain images; move it to a "
                          "user message", path=f".content[{j}]", message_index=i)


@register("FT113", "too-many-images", Severity.ERROR, scope=Scope.LINE, trigger="parts")
def too_many_images(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Example has more than 10 images.

    OpenAI accepts at most 10 images per training example. Split the example."""
    images = [(i, j) for i, message in enumerate(messages) for j, _ in _image_parts(message)]
    if len(images) > MAX_IMAGES_PER_EXAMPLE:
        i, j = images[MAX_IMAGES_PER_EXAMPLE]  # the first image over the limit
        yield Hit(f"{len(images)} images in one example, this is the "
                  f"{MAX_IMAGES_PER_EXAMPLE + 1}th; at most {MAX_IMAGES_PER_EXAMPLE} are "
                  "allowed: split the example", path=f".content[{j}]", message_index=i)


@register("FT114", "invalid-image-data-url", Severity.ERROR, scope=Scope.LINE, trigger="parts")
def invalid_image_data_url(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Image data URL that is malformed or not JPEG, PNG or WEBP.

    Images must be JPEG, PNG or WEBP (OpenAI's vision fine-tuning guide; others are
    skipped as "invalid image format"); a data URL must be `data:image/png;base64,...`
    with valid base64, and its data must be such an image whatever the URL says.
    Re-encode the image."""
    for i, j, payload, declared in _data_url_parts(messages):
        path = f".content[{j}].image_url.url"
        if payload is None:
            yield Hit("malformed image data URL: expected data:image/<type>;base64,<data>",
                      path=path, message_index=i)
            continue
        actual = image_type(payload)
        if declared not in IMAGE_MEDIA_TYPES and declared not in _MEDIA_ALIASES:
            named = f"image type {declared or 'unknown'!r} is not accepted"
            if actual in IMAGE_MEDIA_TYPES:
                yield Hit(f"{named}, but the data is a {NAMES[actual]} image: write "
                          f"data:{actual};base64,...", path=path, message_index=i)
            else:
                yield Hit(f"{named}: convert the image to JPEG, PNG or WEBP",
                          path=path, message_index=i)
            continue
        try:
            base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            yield Hit("image data URL holds invalid base64", path=path, message_index=i)
            continue
        if actual not in IMAGE_MEDIA_TYPES:
            what = f"a {NAMES[actual]} image" if actual else "not a JPEG, PNG or WEBP image"
            yield Hit(f"the data is {what}, though the URL says {declared}; OpenAI skips "
                      "images that are not JPEG, PNG or WEBP: convert it", path=path,
                      message_index=i)


@register("FT133", "image-type-mismatch", Severity.WARNING, scope=Scope.LINE, trigger="parts")
def image_type_mismatch(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Image data URL whose media type is not what its data is.

    A PNG labelled `data:image/jpeg`, or `image/jpg` (not a registered media type; the
    registered one is image/jpeg). The image itself is accepted; whether a service
    trusts the label or the bytes is not documented, so write the type the data has."""
    for i, j, payload, declared in _data_url_parts(messages):
        actual = image_type(payload) if payload is not None else None
        if actual not in IMAGE_MEDIA_TYPES or _MEDIA_ALIASES.get(declared, declared) not in (
                IMAGE_MEDIA_TYPES):
            continue  # FT114's
        if declared in _MEDIA_ALIASES and _MEDIA_ALIASES[declared] == actual:
            yield Hit(f"{declared!r} is not a registered media type: write "
                      f"data:{actual};base64,...", path=f".content[{j}].image_url.url",
                      message_index=i)
        elif _MEDIA_ALIASES.get(declared, declared) != actual:
            yield Hit(f"the URL says {declared} but the data is a {NAMES[actual]} image: write "
                      f"data:{actual};base64,...", path=f".content[{j}].image_url.url",
                      message_index=i)


@register("FT134", "image-not-rgb", Severity.WARNING, scope=Scope.LINE, trigger="parts")
def image_not_rgb(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Image in a colour mode other than RGB or RGBA (greyscale, palette, CMYK).

    OpenAI's vision fine-tuning guide: "Your images must be in the RGB or RGBA image
    mode"; images it cannot use are skipped, not trained on. Read from the PNG or JPEG
    header of data URLs. Convert the image to RGB."""
    for i, j, payload, _ in _data_url_parts(messages):
        mode = colour_mode(payload, image_type(payload)) if payload is not None else None
        if mode is not None:
            yield Hit(f"the image is {mode}, not RGB or RGBA; OpenAI's vision fine-tuning takes "
                      "RGB or RGBA images and skips others: convert it to RGB",
                      path=f".content[{j}].image_url.url", message_index=i)


@register("FT115", "image-too-large", Severity.ERROR, scope=Scope.LINE, trigger="parts")
def image_too_large(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Image larger than 10 MiB (10,485,760 bytes).

    OpenAI skips images over "10 MB". Which MB is not said; above 10 MiB the image is too
    large either way (FT135 warns between 10,000,000 bytes and 10 MiB). Resize or
    recompress it."""
    for i, j, size in _data_url_sizes(messages):
        if size > MAX_IMAGE_BYTES:
            yield Hit(f"image is {size:,} bytes decoded; the limit is 10 MiB "
                      f"({MAX_IMAGE_BYTES:,} bytes): resize or recompress it",
                      path=f".content[{j}].image_url.url", message_index=i)


@register("FT135", "image-may-be-too-large", Severity.WARNING, scope=Scope.LINE,
          trigger="parts")
def image_may_be_too_large(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Image between 10 MB (10,000,000 bytes) and 10 MiB.

    OpenAI's limit is "10 MB" per image; if that MB is decimal, such an image is
    skipped. Resize or recompress it below 10,000,000 bytes to be safe."""
    for i, j, size in _data_url_sizes(messages):
        if MAX_IMAGE_BYTES_DECIMAL < size <= MAX_IMAGE_BYTES:
            yield Hit(f"image is {size:,} bytes decoded, under 10 MiB but over "
                      f"{MAX_IMAGE_BYTES_DECIMAL:,} bytes; OpenAI's \"10 MB\" limit may be "
                      "decimal: recompress it below that", path=f".content[{j}].image_url.url",
                      message_index=i)


@register("FT136", "image-url-not-https", Severity.WARNING, scope=Scope.LINE, trigger="parts")
def image_url_not_https(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Image URL that is plain http://, not https:// or a data URL.

    OpenAI's fine-tuning spec gives image URLs as https or data: URLs, and skips images
    it cannot fetch ("inaccessible URL"). Serve the image over https, or embed it as a
    data:image/...;base64,... URL."""
    for i, message in enumerate(messages):
        for j, part in _image_parts(message):
            if part["image_url"]["url"][:7].lower() == "http://":
                yield Hit("plain http:// image URL; the service may not fetch it: use an "
                          "https:// URL or a data:image/...;base64,... URL",
                          path=f".content[{j}].image_url.url", message_index=i)


@register("FT108", "deprecated-function-calling", Severity.WARNING, scope=Scope.LINE,
          trigger="deprecated")
def deprecated_function_calling(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Uses the deprecated `functions` / `function_call` / `function` role.

    Still accepted by OpenAI but deprecated in favour of `tools`, `tool_calls` and the
    `tool` role, and unknown to most other targets. Convert to tools."""
    if "functions" in record:
        yield Hit("`functions` is deprecated: use `tools`", path="$.functions")
    for i, message in enumerate(messages):
        if message["role"] == "function":
            yield Hit("the `function` role is deprecated: use a `tool` message with "
                      "tool_call_id", message_index=i)
        if "function_call" in message:
            yield Hit("`function_call` is deprecated: use `tool_calls`",
                      path=".function_call", message_index=i)


@register("FT119", "tool-arguments-not-json", Severity.ERROR, scope=Scope.LINE, trigger="tools")
def tool_arguments_not_json(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Tool-call arguments that are not a JSON object encoded as a string.

    `arguments` must be a string holding a JSON object, e.g. "{\\"order\\": 42}"; the
    model learns to emit exactly this text. Fix the JSON."""
    for i, message in enumerate(messages):
        calls = [(f".tool_calls[{k}].function.arguments", c["function"]["arguments"])
                 for k, c in enumerate(message.get("tool_calls") or ())]
        if "function_call" in message:
            calls.append((".function_call.arguments", message["function_call"]["arguments"]))
        for path, arguments in calls:
            if arguments.__class__ is dict:
                continue  # an object itself, where the target takes one (--target trl)
            try:
                value = json.loads(arguments, parse_constant=_not_json)
            except json.JSONDecodeError as exc:
                yield Hit(f"arguments are not valid JSON ({exc.msg} at column {exc.colno}); "
                          "fix the JSON text", path=path, message_index=i)
                continue
            except (ValueError, RecursionError) as exc:  # NaN, huge numbers, deep nesting
                yield Hit(f"arguments are not valid JSON: {unreadable_json(exc)}", path=path,
                          message_index=i)
                continue
            if not isinstance(value, dict):
                yield Hit("arguments must encode a JSON object, e.g. \"{}\"",
                          path=path, message_index=i)


@register("FT120", "unanswered-tool-reference", Severity.ERROR, scope=Scope.LINE, trigger="tools")
def tool_response_without_call(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Tool message whose tool_call_id matches no earlier tool call.

    Each tool result must answer a call an earlier assistant message made, with the same
    id. Fix the id or add the assistant's tool call."""
    called: set[str | None] = set()
    for i, message in enumerate(messages):
        for call in message.get("tool_calls") or ():
            called.add(call.get("id"))
        # Without ids (--target trl), results pair with calls by position.
        if (message["role"] == "tool" and "tool_call_id" in message
                and message["tool_call_id"] not in called):
            yield Hit(f"tool_call_id {message['tool_call_id']!r} answers no earlier tool call; "
                      "use the id of the assistant's call", path=".tool_call_id", message_index=i)


@register("FT126", "undefined-tool", Severity.WARNING, scope=Scope.LINE, trigger="tools")
def undefined_tool(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Tool call to a function that the example's `tools` do not define.

    When an example lists its tools, every call should name one of them; otherwise the
    model learns to call functions it was never shown. Add the definition or fix the name."""
    tools = record.get("tools") or (record.get("input") or {}).get("tools")
    if not tools:
        return
    defined = {tool["function"]["name"] for tool in tools}
    for i, message in enumerate(messages):
        for k, call in enumerate(message.get("tool_calls") or ()):
            if call["function"]["name"] not in defined:
                yield Hit(f"calls {call['function']['name']!r}, which `tools` does not define",
                          path=f".tool_calls[{k}].function.name", message_index=i)


@register("FT130", "preference-input-ends-with-assistant", Severity.WARNING, scope=Scope.LINE,
          view="shape", formats=["openai-dpo"])
def preference_input_last_role(shape: Shape) -> Iterator[Hit]:
    """Preference example whose input does not end with a user message.

    DPO compares two answers to the input's last turn; the preferred and non-preferred
    outputs must be the next assistant message. End the input with the user's turn."""
    if len(shape) >= 2 and shape[-2] != "user":
        yield Hit("the input should end with a user message that the two outputs answer",
                  message_index=len(shape) - 2)


@register("FT131", "identical-preference-outputs", Severity.ERROR, scope=Scope.LINE,
          formats=["openai-dpo"])
def identical_preference_outputs(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Preferred and non-preferred outputs are the same.

    A pair with identical answers teaches nothing and wastes tokens. Write a worse (or
    better) alternative, or drop the example."""
    if record["preferred_output"][0].get("content") == record["non_preferred_output"][0].get(
        "content"
    ):
        yield Hit("preferred and non-preferred outputs are identical; write a worse (or "
                  "better) alternative, or drop the example",
                  path="$.non_preferred_output[0].content")


@register("FT132", "image-in-preference-example", Severity.ERROR, scope=Scope.LINE,
          trigger="parts", formats=["openai-dpo"])
def image_in_preference(record: Record, messages: list[Record]) -> Iterator[Hit]:
    """Image in a preference (DPO) example.

    OpenAI's preference fine-tuning is text only. Remove images from DPO data."""
    for i, message in enumerate(messages):
        for j, _ in _image_parts(message):
            yield Hit("preference fine-tuning is text only: remove the image",
                      path=f".content[{j}]", message_index=i)


def _image_parts(message: Record) -> Iterator[tuple[int, Record]]:
    content = message.get("content")
    if isinstance(content, list):
        for j, part in enumerate(content):
            if part.get("type") == "image_url":
                yield j, part


def _data_url_parts(messages: list[Record]) -> Iterator[tuple[int, int, str | None, str]]:
    """(message index, part index, base64 payload, declared media type in lower case)
    of each image data URL; the payload is None when the URL is not base64 data."""
    for i, j, url in _data_urls(messages):
        match = _DATA_URL.match(url)
        if match is None or not match.group(3):
            yield i, j, None, ""
        else:
            yield i, j, url[match.end():], (match.group(1) or "").lower()


def _data_url_sizes(messages: list[Record]) -> Iterator[tuple[int, int, int]]:
    """(message index, part index, decoded size in bytes) of each image data URL."""
    for i, j, url in _data_urls(messages):
        payload = url[url.find(",") + 1:].rstrip()
        size = len(payload) * 3 // 4 - (len(payload) - len(payload.rstrip("=")))
        yield i, j, size


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON; use null or a number")


def _data_urls(messages: list[Record]) -> Iterator[tuple[int, int, str]]:
    for i, message in enumerate(messages):
        for j, part in _image_parts(message):
            url = part["image_url"]["url"]
            if url.startswith("data:"):
                yield i, j, url

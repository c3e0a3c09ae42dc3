"""OpenAI chat fine-tuning line: {"messages": [...], "tools"?: [...], "parallel_tool_calls"?: bool}.

The models are TypedDicts validated by pydantic straight from the line's bytes, which costs
about what `json.loads` does and hands the checks plain dicts. They describe structure
only; rules that need the whole conversation (a message to train on, images only in user
messages, tool calls answered ...) are checks in ftprep/checks/conversation.py, each with
its own code.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import BeforeValidator, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from ftprep.formats.errors import MESSAGE_NAME_PATTERN

# Strict: "1" is not 1, as the service's validator sees it; unknown keys are rejected.
STRICT = ConfigDict(extra="forbid", strict=True)

# A function's name; a message's `name` (the speaker) has OpenAI's looser rule.
NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
MessageName = Annotated[str, Field(pattern=MESSAGE_NAME_PATTERN)]


def _reject_bool(value: Any) -> Any:
    # pydantic's Literal[0, 1] would take true as 1; JSON Schema (and the service) do not.
    if isinstance(value, bool):
        raise ValueError("weight must be the integer 0 or 1, not a boolean")
    return value


Weight = Annotated[Literal[0, 1], BeforeValidator(_reject_bool)]


@with_config(STRICT)
class TextPart(TypedDict):
    type: Literal["text"]
    text: str


@with_config(STRICT)
class ImageURL(TypedDict):
    # OpenAI's vision fine-tuning guide: "Images can be provided either as HTTP URLs or
    # data URLs containing Base64-encoded images"; plain http gets a warning (FT136).
    url: Annotated[str, Field(pattern=r"^(https?://|data:)")]
    detail: NotRequired[Literal["low", "high", "auto"]]


@with_config(STRICT)
class ImagePart(TypedDict):
    type: Literal["image_url"]
    image_url: ImageURL


ContentPart = Annotated[TextPart | ImagePart, Field(discriminator="type")]
Content = str | list[ContentPart]


@with_config(STRICT)
class FunctionCall(TypedDict):
    name: Name
    # A JSON-encoded string, not an object: FT119 parses it.
    arguments: str


@with_config(STRICT)
class ToolCall(TypedDict):
    id: Annotated[str, Field(min_length=1)]
    type: Literal["function"]
    function: FunctionCall


@with_config(STRICT)
class SystemMessage(TypedDict):
    role: Literal["system"]
    content: Content
    name: NotRequired[MessageName]


@with_config(STRICT)
class UserMessage(TypedDict):
    role: Literal["user"]
    content: Content
    name: NotRequired[MessageName]


@with_config(STRICT)
class OutputMessage(TypedDict):
    """An assistant message without `weight`: a preference (DPO) output."""

    role: Literal["assistant"]
    content: NotRequired[Content | None]
    name: NotRequired[MessageName]
    tool_calls: NotRequired[Annotated[list[ToolCall], Field(min_length=1)]]
    # Deprecated in favour of tool_calls; accepted with a warning (FT108).
    function_call: NotRequired[FunctionCall]
    refusal: NotRequired[str | None]


@with_config(STRICT)
class AssistantMessage(OutputMessage):
    weight: NotRequired[Weight]


@with_config(STRICT)
class ToolMessage(TypedDict):
    role: Literal["tool"]
    content: Content
    tool_call_id: Annotated[str, Field(min_length=1)]


@with_config(STRICT)
class FunctionMessage(TypedDict):
    """Deprecated `function` role: the result of a legacy function_call."""

    role: Literal["function"]
    name: Name
    content: str | None


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage,
    Field(discriminator="role"),
]


@with_config(STRICT)
class FunctionDefinition(TypedDict):
    name: Name
    description: NotRequired[str]
    parameters: NotRequired[dict[str, Any]]
    strict: NotRequired[bool | None]


@with_config(STRICT)
class Tool(TypedDict):
    type: Literal["function"]
    function: FunctionDefinition


@with_config(ConfigDict(extra="forbid", strict=True, title="OpenAI chat fine-tuning line"))
class ChatRecord(TypedDict):
    """One supervised fine-tuning example in OpenAI's chat format."""

    messages: Annotated[list[Message], Field(min_length=1)]
    tools: NotRequired[list[Tool]]
    parallel_tool_calls: NotRequired[bool]
    # Deprecated in favour of tools; accepted with a warning (FT108).
    functions: NotRequired[Annotated[list[FunctionDefinition], Field(min_length=1, max_length=128)]]


ROLES = ("system", "user", "assistant", "tool", "function")

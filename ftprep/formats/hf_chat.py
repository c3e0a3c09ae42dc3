"""The `messages` line as Hugging Face chat templates take it (TRL, Unsloth): OpenAI's
chat format with the tool-calling shape of transformers' documentation.

TRL's dataset_formats.md (Tool Calling) writes a call as
`{"type": "function", "function": {"name": ..., "arguments": {...}}}` with no `id`, and
its result as `{"role": "tool", "name": ..., "content": ...}` with no `tool_call_id`:
chat templates pair results with calls by position, and most write `arguments` with
`tojson`, so an object is what they expect (a JSON string is accepted too; Qwen's
templates print one as it is). A function definition may carry the `return` that
transformers' `get_json_schema` writes. Everything else is `openai_chat`'s.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from ftprep.formats.open_formats import same_form
from ftprep.formats.openai_chat import (
    STRICT,
    Content,
    FunctionDefinition,
    FunctionMessage,
    MessageName,
    Name,
    SystemMessage,
    UserMessage,
    Weight,
)


@with_config(STRICT)
class HFFunctionCall(TypedDict):
    name: Name
    arguments: str | dict[str, Any]


@with_config(STRICT)
class HFToolCall(TypedDict):
    id: NotRequired[Annotated[str, Field(min_length=1)]]
    type: Literal["function"]
    function: HFFunctionCall


@with_config(STRICT)
class HFAssistantMessage(TypedDict):
    role: Literal["assistant"]
    content: NotRequired[Content | None]
    name: NotRequired[MessageName]
    tool_calls: NotRequired[Annotated[list[HFToolCall], Field(min_length=1)]]
    function_call: NotRequired[HFFunctionCall]
    refusal: NotRequired[str | None]
    weight: NotRequired[Weight]


@with_config(STRICT)
class HFToolMessage(TypedDict):
    role: Literal["tool"]
    content: Content
    tool_call_id: NotRequired[Annotated[str, Field(min_length=1)]]
    # The function whose result this is: templates that pair by position print it.
    name: NotRequired[Name]


HFMessage = Annotated[
    SystemMessage | UserMessage | HFAssistantMessage | HFToolMessage | FunctionMessage,
    Field(discriminator="role"),
]


# transformers.utils.get_json_schema adds the function's documented return value; the
# key is a Python keyword, hence the functional form.
HFFunctionDefinitionWithReturn = TypedDict(
    "HFFunctionDefinitionWithReturn",
    {"return": NotRequired[dict[str, Any]]},
)


@with_config(STRICT)
class HFFunction(FunctionDefinition, HFFunctionDefinitionWithReturn):
    pass


@with_config(STRICT)
class HFTool(TypedDict):
    type: Literal["function"]
    function: HFFunction


@with_config(ConfigDict(extra="forbid", strict=True,
                        title="Chat line for Hugging Face chat templates (TRL)"))
class HFChatRecord(TypedDict):
    """One `messages` example as TRL's SFTTrainer takes it."""

    messages: Annotated[list[HFMessage], Field(min_length=1)]
    tools: NotRequired[list[HFTool]]
    parallel_tool_calls: NotRequired[bool]


@with_config(ConfigDict(extra="forbid", strict=True,
                        title="TRL prompt/completion line (Hugging Face tool calls)"))
class HFPromptCompletionRecord(TypedDict):
    """`open_formats.PromptCompletionRecord` with this module's messages."""

    prompt: str | Annotated[list[HFMessage], Field(min_length=1)]
    completion: str | Annotated[list[HFAssistantMessage], Field(min_length=1)]


HFPromptCompletionLine = Annotated[HFPromptCompletionRecord, AfterValidator(same_form)]

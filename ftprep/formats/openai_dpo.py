"""OpenAI preference (DPO) line: an input conversation, then one preferred and one
non-preferred assistant reply."""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from ftprep.formats.openai_chat import STRICT, Message, OutputMessage, Tool


@with_config(STRICT)
class PreferenceInput(TypedDict):
    messages: Annotated[list[Message], Field(min_length=1)]
    tools: NotRequired[list[Tool]]
    parallel_tool_calls: NotRequired[bool]


# The preference format has no `weight` (an unexpected key, FT107).
OneAssistantMessage = Annotated[list[OutputMessage], Field(min_length=1, max_length=1)]


@with_config(ConfigDict(extra="forbid", strict=True, title="OpenAI preference (DPO) line"))
class DpoRecord(TypedDict):
    """One preference example; OpenAI trains on one-turn conversations whose outputs are
    the final assistant message."""

    input: PreferenceInput
    preferred_output: OneAssistantMessage
    non_preferred_output: OneAssistantMessage

"""Open-trainer lines (peers.md §3): ShareGPT and Alpaca as LLaMA-Factory documents them,
and TRL's prompt/completion in its standard and conversational forms. (TRL's `messages`
form is the openai-chat format.)"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from ftprep.formats.openai_chat import STRICT, AssistantMessage, Message

# "from" is a Python keyword, hence the functional form (and the config set by hand,
# which is what pydantic's with_config does).
ShareGptTurn = TypedDict("ShareGptTurn", {"from": Literal["human", "gpt", "system"], "value": str})
ShareGptTurn.__pydantic_config__ = STRICT  # type: ignore[attr-defined]


@with_config(ConfigDict(extra="forbid", strict=True, title="ShareGPT line"))
class ShareGptRecord(TypedDict):
    """One ShareGPT conversation; LLaMA-Factory adds a top-level system prompt and a
    tools description (a string)."""

    conversations: Annotated[list[ShareGptTurn], Field(min_length=1)]
    system: NotRequired[str]
    tools: NotRequired[str]


Pair = Annotated[list[str], Field(min_length=2, max_length=2)]


@with_config(ConfigDict(extra="forbid", strict=True, title="Alpaca line"))
class AlpacaRecord(TypedDict):
    """One Alpaca example; `history` holds earlier [question, answer] turns."""

    instruction: str
    input: NotRequired[str]
    output: str
    system: NotRequired[str]
    history: NotRequired[list[Pair]]


@with_config(ConfigDict(extra="forbid", strict=True, title="TRL prompt/completion line"))
class PromptCompletionRecord(TypedDict):
    """A prompt and its completion: two strings, or (conversational) a list of messages
    and a list of assistant messages."""

    prompt: str | Annotated[list[Message], Field(min_length=1)]
    completion: str | Annotated[list[AssistantMessage], Field(min_length=1)]


def same_form(record: Any) -> Any:
    if isinstance(record["prompt"], str) != isinstance(record["completion"], str):
        raise ValueError("prompt and completion must both be strings or both be lists of "
                         "messages; do not mix the standard and conversational forms")
    return record


PromptCompletionLine = Annotated[PromptCompletionRecord, AfterValidator(same_form)]

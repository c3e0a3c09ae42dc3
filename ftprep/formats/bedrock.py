"""Amazon Bedrock lines (peers.md §3).

Nova (docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html):
    {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "..."}],
     "messages": [{"role": "user", "content": [{"text": "..."}]}, ...]}
Only text blocks are modelled (the media block shapes are not in ftprep's sources).

Claude 3 Haiku (anthropic-cookbook finetuning/finetuning_on_bedrock.ipynb):
    {"system": "<optional>", "messages": [{"role": "user", "content": "..."}, ...]}
"At least 2 messages ... No extraneous keys are allowed."
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from ftprep.formats.openai_chat import STRICT


@with_config(STRICT)
class TextBlock(TypedDict):
    text: str


Blocks = Annotated[list[TextBlock], Field(min_length=1)]


@with_config(STRICT)
class NovaMessage(TypedDict):
    role: Literal["user", "assistant"]
    content: Blocks


@with_config(ConfigDict(extra="forbid", strict=True, title="Amazon Nova fine-tuning line"))
class NovaRecord(TypedDict):
    """One Nova supervised fine-tuning example (bedrock-conversation-2024)."""

    schemaVersion: Literal["bedrock-conversation-2024"]
    system: NotRequired[list[TextBlock]]
    messages: Annotated[list[NovaMessage], Field(min_length=1)]


@with_config(STRICT)
class ClaudeMessage(TypedDict):
    role: Literal["user", "assistant"]
    content: str


@with_config(ConfigDict(extra="forbid", strict=True, title="Bedrock Claude fine-tuning line"))
class ClaudeRecord(TypedDict):
    """One Claude fine-tuning example on Bedrock: system string, then alternating turns."""

    system: NotRequired[str]
    messages: Annotated[list[ClaudeMessage], Field(min_length=2)]

"""Vertex AI Gemini supervised-tuning line (peers.md §3, Google's text_tune page):

    {"systemInstruction": {"role": "system", "parts": [{"text": "..."}]},
     "contents": [{"role": "user", "parts": [{"text": "Hi"}]},
                  {"role": "model", "parts": [{"text": "..."}]}]}

Only text parts are modelled: the image and file part shapes are not in ftprep's sources,
so a line with them fails FT107 (say so rather than guess).
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from ftprep.formats.openai_chat import STRICT


@with_config(STRICT)
class TextPart(TypedDict):
    text: str


Parts = Annotated[list[TextPart], Field(min_length=1)]


@with_config(STRICT)
class SystemInstruction(TypedDict):
    # Google's docs say this role is ignored; the example gives "system".
    role: NotRequired[str]
    parts: Parts


@with_config(STRICT)
class Content(TypedDict):
    role: Literal["user", "model"]
    parts: Parts


@with_config(ConfigDict(extra="forbid", strict=True, title="Vertex AI Gemini tuning line"))
class VertexGeminiRecord(TypedDict):
    """One Gemini supervised-tuning example: assistant turns use the role `model`."""

    systemInstruction: NotRequired[SystemInstruction]
    contents: Annotated[list[Content], Field(min_length=1)]

"""Line formats of the training targets beyond OpenAI, registered with `register_format`.

Each `conversation` maps a line onto canonical messages (role/content dicts, roles
system/user/assistant/tool) so that the line checks run on every format unchanged; each
`field_path` maps a check's path back onto the line's own keys. The pydantic models are
in vertex_gemini.py, bedrock.py and open_formats.py, imported on first use: this module
must stay light, since `ftprep.formats` imports it.

Conventions (also used by ftprep.targets.transform):
- a list of text parts with exactly one part becomes a plain string;
- alpaca's `input`, when not empty, follows `instruction` after a blank line.
"""

from __future__ import annotations

import re
from typing import Any

from ftprep.formats import LineFormat, Record, register_format

ALPACA_INPUT_SEPARATOR = "\n\n"
SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "system": "system"}
VERTEX_ROLES = {"user": "user", "model": "assistant"}

_CONTENT = re.compile(r"^\.content(?=$|[.\[])")
_CONTENT_PART = re.compile(r"^\.content\[(\d+)\]")


def text_content(parts: list[Record]) -> str | list[Record]:
    """Vertex/Nova text parts as canonical content: one part is a string."""
    if len(parts) == 1:
        text: str = parts[0]["text"]
        return text
    return [{"type": "text", "text": p["text"]} for p in parts]


def _message(role: str, content: Any) -> Record:
    return {"role": role, "content": content}


def _parts_path(base: str, relative: str, *, single: bool, key: str) -> str:
    """`.content...` of a canonical message -> the `key` list of text parts of the line."""
    match = _CONTENT_PART.match(relative)
    if match:
        return f"{base}{key}[{match.group(1)}]{relative[match.end():]}"
    if _CONTENT.match(relative):
        rest = relative[len(".content"):]
        return f"{base}{key}[0].text{rest}" if single else f"{base}{key}{rest}"
    return base + relative


def _string_path(base: str, relative: str) -> str:
    """`.content` of a canonical message -> the line's own string field at `base`."""
    return base + _CONTENT.sub("", relative, count=1)


# --- Vertex AI Gemini: {"systemInstruction"?: {parts}, "contents": [{role, parts}]} ---

def _vertex_conversation(record: Record) -> list[Record]:
    out: list[Record] = []
    system = record.get("systemInstruction")
    if system is not None:
        out.append(_message("system", text_content(system["parts"])))
    out.extend(_message(VERTEX_ROLES[c["role"]], text_content(c["parts"]))
               for c in record["contents"])
    return out


def _vertex_base(record: Record, index: int) -> tuple[str, list[Record]]:
    if "systemInstruction" in record:
        if index == 0:
            return "$.systemInstruction", record["systemInstruction"]["parts"]
        index -= 1
    return f"$.contents[{index}]", record["contents"][index]["parts"]


def _vertex_message_path(record: Record, index: int) -> str:
    return _vertex_base(record, index)[0]


def _vertex_field_path(record: Record, index: int, relative: str) -> str:
    base, parts = _vertex_base(record, index)
    return _parts_path(base, relative, single=len(parts) == 1, key=".parts")


# --- Bedrock Nova: {"schemaVersion", "system"?: [{text}], "messages": [{role, content: [{text}]}]}

def _nova_conversation(record: Record) -> list[Record]:
    out: list[Record] = []
    if record.get("system"):
        out.append(_message("system", text_content(record["system"])))
    out.extend(_message(m["role"], text_content(m["content"])) for m in record["messages"])
    return out


def _nova_base(record: Record, index: int) -> tuple[str, list[Record], str]:
    """(path of the message, its text blocks, the key of the blocks under that path)."""
    if record.get("system"):
        if index == 0:
            return "$.system", record["system"], ""
        index -= 1
    return f"$.messages[{index}]", record["messages"][index]["content"], ".content"


def _nova_message_path(record: Record, index: int) -> str:
    return _nova_base(record, index)[0]


def _nova_field_path(record: Record, index: int, relative: str) -> str:
    base, parts, key = _nova_base(record, index)
    return _parts_path(base, relative, single=len(parts) == 1, key=key)


# --- Bedrock Claude: {"system"?: str, "messages": [{role, content: str}]} ---

def _claude_conversation(record: Record) -> list[Record]:
    messages: list[Record] = record["messages"]
    if "system" in record:
        return [_message("system", record["system"]), *messages]
    return messages


def _claude_message_path(record: Record, index: int) -> str:
    if "system" in record:
        if index == 0:
            return "$.system"
        index -= 1
    return f"$.messages[{index}]"


def _claude_field_path(record: Record, index: int, relative: str) -> str:
    base = _claude_message_path(record, index)
    return _string_path(base, relative) if base == "$.system" else base + relative


def _claude_claims(record: Record) -> bool:
    return isinstance(record.get("system"), str)


# --- ShareGPT (LLaMA-Factory): {"conversations": [{from, value}], "system"?, "tools"?} ---

def _sharegpt_conversation(record: Record) -> list[Record]:
    out = [_message("system", record["system"])] if "system" in record else []
    out.extend(_message(SHAREGPT_ROLES[t["from"]], t["value"]) for t in record["conversations"])
    return out


def _sharegpt_message_path(record: Record, index: int) -> str:
    if "system" in record:
        if index == 0:
            return "$.system"
        index -= 1
    return f"$.conversations[{index}]"


def _sharegpt_field_path(record: Record, index: int, relative: str) -> str:
    base = _sharegpt_message_path(record, index)
    if base == "$.system":
        return _string_path(base, relative)
    return base + _CONTENT.sub(".value", relative, count=1)


# --- Alpaca: {"instruction", "input"?, "output", "system"?, "history"?: [[q, a], ...]} ---

def alpaca_user_text(record: Record) -> str:
    instruction: str = record["instruction"]
    extra = record.get("input") or ""
    return f"{instruction}{ALPACA_INPUT_SEPARATOR}{extra}" if extra else instruction


def _alpaca_conversation(record: Record) -> list[Record]:
    out = [_message("system", record["system"])] if "system" in record else []
    for question, answer in record.get("history") or ():
        out += [_message("user", question), _message("assistant", answer)]
    out += [_message("user", alpaca_user_text(record)), _message("assistant", record["output"])]
    return out


def _alpaca_message_path(record: Record, index: int) -> str:
    if "system" in record:
        if index == 0:
            return "$.system"
        index -= 1
    history = len(record.get("history") or ())
    if index < 2 * history:
        return f"$.history[{index // 2}][{index % 2}]"
    return "$.instruction" if index == 2 * history else "$.output"


def _alpaca_field_path(record: Record, index: int, relative: str) -> str:
    return _string_path(_alpaca_message_path(record, index), relative)


# --- TRL prompt/completion: strings, or lists of chat messages (conversational) ---

def _pc_conversation(record: Record) -> list[Record]:
    prompt, completion = record["prompt"], record["completion"]
    if isinstance(prompt, str):
        return [_message("user", prompt), _message("assistant", completion)]
    return [*prompt, *completion]


def _pc_message_path(record: Record, index: int) -> str:
    prompt = record["prompt"]
    if isinstance(prompt, str):
        return "$.prompt" if index == 0 else "$.completion"
    if index < len(prompt):
        return f"$.prompt[{index}]"
    return f"$.completion[{index - len(prompt)}]"


def _pc_field_path(record: Record, index: int, relative: str) -> str:
    base = _pc_message_path(record, index)
    return _string_path(base, relative) if isinstance(record["prompt"], str) else base + relative


register_format(LineFormat(
    name="vertex-gemini",
    title="Vertex AI Gemini supervised tuning",
    type_path="ftprep.formats.vertex_gemini:VertexGeminiRecord",
    keys=frozenset({"contents"}),
    conversation=_vertex_conversation,
    message_path=_vertex_message_path,
    field_path=_vertex_field_path,
    fixes={"parts": 'give a list of {"text": ...} parts',
           "role": "use user or model (the assistant's turns use `model`; the system "
                   "prompt goes in systemInstruction)",
           "contents": "give a list of {role, parts} turns"},
    description="One line of a Vertex AI Gemini tuning file: contents with user/model roles "
    "and text parts, optional systemInstruction.",
))
register_format(LineFormat(
    name="bedrock-nova",
    title="Amazon Bedrock Nova (bedrock-conversation-2024)",
    type_path="ftprep.formats.bedrock:NovaRecord",
    keys=frozenset({"schemaVersion", "messages"}),
    conversation=_nova_conversation,
    message_path=_nova_message_path,
    field_path=_nova_field_path,
    fixes={"content": 'give a list of {"text": ...} blocks',
           "system": 'give a list of {"text": ...} blocks',
           "role": "use user or assistant; the system prompt goes in `system`",
           "messages": 'give a list of {"role", "content": [{"text": ...}]} messages'},
    description="One line of an Amazon Nova fine-tuning file: schemaVersion "
    "bedrock-conversation-2024, a system list and messages whose content is a list of text "
    "blocks.",
))
register_format(LineFormat(
    name="bedrock-claude",
    title="Amazon Bedrock Claude 3 Haiku fine-tuning",
    type_path="ftprep.formats.bedrock:ClaudeRecord",
    keys=frozenset({"messages"}),
    claims=_claude_claims,
    conversation=_claude_conversation,
    message_path=_claude_message_path,
    field_path=_claude_field_path,
    fixes={"content": "give a string", "system": "give a string",
           "role": "use user or assistant; the system prompt goes in the top-level `system`",
           "messages": "give alternating user and assistant messages, at least two"},
    description="One line of a Claude fine-tuning file on Bedrock: an optional system string "
    "and alternating user/assistant messages with string content (detected by its string "
    "`system`; pass --target bedrock-claude for lines without one).",
))
register_format(LineFormat(
    name="sharegpt",
    title="ShareGPT conversations (LLaMA-Factory, axolotl, Unsloth)",
    type_path="ftprep.formats.open_formats:ShareGptRecord",
    keys=frozenset({"conversations"}),
    conversation=_sharegpt_conversation,
    message_path=_sharegpt_message_path,
    field_path=_sharegpt_field_path,
    fixes={"value": "give a string", "from": "use human, gpt or system",
           "tools": "give the tool descriptions as one JSON string"},
    description="One line of a ShareGPT file: conversations of {from: human|gpt|system, "
    "value}, optional system and tools (LLaMA-Factory).",
))
register_format(LineFormat(
    name="alpaca",
    title="Alpaca instruction tuning (LLaMA-Factory, axolotl)",
    type_path="ftprep.formats.open_formats:AlpacaRecord",
    keys=frozenset({"instruction", "output"}),
    conversation=_alpaca_conversation,
    message_path=_alpaca_message_path,
    field_path=_alpaca_field_path,
    fixes={"history": "give a list of [question, answer] pairs of strings"},
    description="One line of an Alpaca file: instruction, optional input, output, optional "
    "system and history of [question, answer] pairs.",
))
register_format(LineFormat(
    name="trl-prompt-completion",
    title="TRL prompt/completion (standard or conversational)",
    type_path="ftprep.formats.open_formats:PromptCompletionLine",
    keys=frozenset({"prompt", "completion"}),
    conversation=_pc_conversation,
    message_path=_pc_message_path,
    field_path=_pc_field_path,
    fixes={"role": "completion messages must be assistant messages"},
    description="One line of a TRL prompt/completion dataset: two strings, or a prompt list "
    "of chat messages and a completion list of assistant messages.",
))

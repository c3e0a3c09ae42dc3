"""Token counts for open-weight models, from a local Hugging Face tokenizer. No network.

`HFChatCounter(path_or_name)` takes a tokenizer.json file, a folder holding one, or a
model name ("org/name") found in the local Hugging Face cache
(HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub:
models--org--name/snapshots/<revision>/tokenizer.json).

With a chat template (tokenizer_config.json's `chat_template`, or chat_template.jinja)
an example is rendered exactly as the trainer renders it, in a Jinja2 sandbox, and the
text is counted with `tokenizers`: `exact` is True. Without one the count is the sum of
each message's content tokens plus PER_MESSAGE_OVERHEAD for its role and delimiters, an
estimate: `exact` is False and `method` says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

# Role marker and turn delimiters of a typical chat template (e.g. "<|im_start|>user\n"
# ... "<|im_end|>\n"): an assumption, used only when the tokenizer has no template.
PER_MESSAGE_OVERHEAD = 4

TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "tokenizer_config.json"
TEMPLATE_FILE = "chat_template.jinja"


class TokenizerNotFound(LookupError):
    """No local tokenizer for the path or model name given."""


class ChatTemplateError(ValueError):
    """The chat template failed to render this example (or tried something unsafe)."""


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache, as huggingface_hub finds it (without importing it)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "huggingface" / "hub"


def find_tokenizer(path_or_name: str | Path, cache_dir: Path | None = None) -> Path:
    """The folder holding tokenizer.json for a file, a folder, or a cached model name."""
    path = Path(path_or_name).expanduser()
    if path.is_file():
        return path.parent
    if (path / TOKENIZER_FILE).is_file():
        return path
    name = str(path_or_name)
    cache = cache_dir or hub_cache_dir()
    if "/" in name and not path.exists():
        repo = cache / ("models--" + name.strip("/").replace("/", "--"))
        snapshot = _snapshot(repo)
        if snapshot is not None:
            return snapshot
    raise TokenizerNotFound(
        f"no tokenizer at {name!r}: give a tokenizer.json, a folder holding one, or a model "
        f"name already in the Hugging Face cache ({cache}); ftprep never downloads. "
        f"Fetch it once with `huggingface-cli download {name} tokenizer.json "
        "tokenizer_config.json` where there is network, or copy the files here.")


def _snapshot(repo: Path) -> Path | None:
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = repo / "refs" / "main"
    if ref.is_file():
        pinned = snapshots / ref.read_text(encoding="utf-8").strip()
        if (pinned / TOKENIZER_FILE).is_file():
            return pinned
    # No refs/main (copied caches): the newest snapshot that has a tokenizer.
    found = [s for s in snapshots.iterdir() if (s / TOKENIZER_FILE).is_file()]
    return max(found, key=lambda s: s.stat().st_mtime) if found else None


def _token_text(value: Any) -> str:
    # Special tokens in tokenizer_config.json are strings or AddedToken dicts.
    if isinstance(value, dict):
        return str(value.get("content", ""))
    return value if isinstance(value, str) else ""


def _load_template(folder: Path, config: Mapping[str, Any]) -> str | None:
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: [{"name": "default", "template": ...}]
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default") or next(iter(named.values()), None)
    if isinstance(template, str) and template.strip():
        return template
    jinja = folder / TEMPLATE_FILE
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    return None


def _raise(message: str) -> None:
    raise ChatTemplateError(f"the chat template raised: {message}")


def _tojson(value: Any, indent: int | None = None, ensure_ascii: bool = False,
            sort_keys: bool = False) -> str:
    # Templates call tojson; Jinja's own escapes <, > and & for HTML, which changes counts.
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, sort_keys=sort_keys)


class HFChatCounter:
    """Counts chat examples with a local Hugging Face tokenizer; see the module doc."""

    def __init__(self, path_or_name: str | Path, *, cache_dir: Path | None = None) -> None:
        from tokenizers import Tokenizer

        self.folder = find_tokenizer(path_or_name, cache_dir)
        self.name = str(path_or_name)
        given = Path(path_or_name).expanduser()
        # The file the user named, whatever it is called; else the folder's tokenizer.json.
        file = given if given.is_file() else self.folder / TOKENIZER_FILE
        self.file = file
        try:
            self._tokenizer = Tokenizer.from_file(str(file))
        except Exception as exc:  # the Rust side raises a bare Exception
            raise TokenizerNotFound(f"{file} is not a Hugging Face tokenizer file ({exc}); "
                                    "give the model's tokenizer.json") from None
        config_path = self.folder / CONFIG_FILE
        config: dict[str, Any] = {}
        if config_path.is_file():
            try:
                loaded = json.loads(config_path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise TokenizerNotFound(f"{config_path} cannot be read as JSON ({exc})") from None
            config = loaded if isinstance(loaded, dict) else {}
        self.bos_token = _token_text(config.get("bos_token"))
        self.eos_token = _token_text(config.get("eos_token"))
        self.template_source = _load_template(self.folder, config)
        self._template: Any = None
        self._quotes_arguments: bool | None = None
        if self.template_source is not None:
            self._template = self._compile(self.template_source)

    @property
    def exact(self) -> bool:
        """True when examples are rendered with the model's own chat template."""
        return self._template is not None

    @property
    def method(self) -> str:
        if self.exact:
            return f"exact: chat template of {self.name}"
        return (f"estimate: content tokens + {PER_MESSAGE_OVERHEAD} per message "
                f"({self.name} has no chat template)")

    def _compile(self, source: str) -> Any:
        from jinja2 import TemplateError
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        # The settings transformers uses, so that whitespace (and so counts) match.
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                            extensions=["jinja2.ext.loopcontrols"])
        env.filters["tojson"] = _tojson
        env.globals["raise_exception"] = _raise
        env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
        try:
            return env.from_string(source)
        except TemplateError as exc:
            raise ChatTemplateError(f"the chat template does not compile: {exc}") from None

    def count_text(self, text: str) -> int:
        """Tokens in `text` as data: special-token markers in it are counted as text
        would be, with no BOS/EOS added."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def render(self, messages: Iterable[Mapping[str, Any]],
               tools: list[Any] | None = None) -> str:
        """The example as the chat template renders it (requires `exact`)."""
        from jinja2 import TemplateError
        from jinja2.exceptions import SecurityError

        if self._template is None:
            raise ChatTemplateError(f"{self.name} has no chat template")
        context: dict[str, Any] = {
            "messages": [_plain(m) for m in messages],
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
            "add_generation_prompt": False,
        }
        if tools:
            context["tools"] = tools
        try:
            text: str = self._template.render(**context)
        except ChatTemplateError:
            raise
        except SecurityError as exc:
            raise ChatTemplateError(f"the chat template tried something unsafe: {exc}") from None
        except (TemplateError, TypeError, ValueError, KeyError, IndexError) as exc:
            raise ChatTemplateError(f"the chat template failed: {exc}") from None
        return text

    def quotes_string_arguments(self) -> bool:
        """Whether the chat template writes a tool call's `arguments` with `tojson`, so
        that arguments given as a JSON string (OpenAI's form) are rendered as a quoted,
        escaped string ("{\\"room\\": ...}") and trained as one. Found by rendering a
        probe conversation once; False when the template has no tool calls or refuses
        the probe (nothing to tell)."""
        if self._quotes_arguments is None:
            self._quotes_arguments = False
            if self._template is not None:
                arguments = json.dumps({_PROBE_KEY: "x"})
                try:
                    text = self.render(_probe(arguments))
                except ChatTemplateError:
                    text = ""
                # tojson of the string escapes its quotes; the string as is does not.
                self._quotes_arguments = json.dumps(arguments)[1:-1] in text
        return self._quotes_arguments

    def count_example(self, messages: Iterable[Mapping[str, Any]],
                      tools: list[Any] | None = None) -> int:
        """Tokens of one example: exact with a chat template, else an estimate.

        Raises ChatTemplateError when the template rejects the example (many templates
        raise on a role order they do not support)."""
        messages = list(messages)
        if self._template is not None:
            # The template writes BOS itself; encoding must not add another.
            return self.count_text(self.render(messages, tools))
        total = 0
        for message in messages:
            total += PER_MESSAGE_OVERHEAD + self.count_text(_text_of(message.get("content")))
        return total

    def count_record(self, record: Mapping[str, Any]) -> int:
        """Tokens of a canonical chat record ({"messages", "tools"?})."""
        return self.count_example(record["messages"], record.get("tools"))


_PROBE_KEY = "ftprep_probe"


def _probe(arguments: str) -> list[dict[str, Any]]:
    """A conversation with one tool call whose arguments are the JSON string given."""
    call = {"id": "call0", "type": "function",
            "function": {"name": "probe", "arguments": arguments}}
    return [{"role": "user", "content": "probe"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call0", "name": "probe", "content": "ok"},
            {"role": "assistant", "content": "done"}]


def has_string_arguments(messages: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a tool call of these messages gives its arguments as a string."""
    for message in messages:
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                return True
    return False


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _plain(message: Mapping[str, Any]) -> dict[str, Any]:
    # Templates expect string content; text parts are joined, and weight is ftprep's.
    out = {k: v for k, v in message.items() if k != "weight"}
    if isinstance(out.get("content"), list):
        out["content"] = _text_of(out["content"])
    return out

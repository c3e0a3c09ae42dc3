"""Which token counter a target gets: tiktoken for OpenAI models, the base model's own
Hugging Face tokenizer for open-weight targets when one is at hand (--tokenizer), and
otherwise an o200k_base estimate that says it is one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftprep.tokens import ChatTokenCounter, ExampleTokens

if TYPE_CHECKING:
    from ftprep.modelinfo import ModelInfo
    from ftprep.targets import Target

ESTIMATE_MODEL = "gpt-4o"


@dataclass
class _Info:
    """The slice of ModelInfo the check pipeline reads."""

    base: str
    max_tokens_per_example: int | None


class HFCounterAdapter:
    """Presents an HFChatCounter like a ChatTokenCounter to the check pipeline."""

    def __init__(self, path_or_name: str, limit: int | None) -> None:
        from ftprep.tokenizers_hf import HFChatCounter

        self._hf = HFChatCounter(path_or_name)
        self.model = path_or_name
        self.encoding_name = f"{self._hf.file.name} ({self._hf.folder})"
        self.exact = self._hf.exact
        self.info = _Info(base=path_or_name, max_tokens_per_example=limit)

    def quoted_arguments(self, record: dict[str, Any]) -> bool:
        """Whether the chat template would train this example's string tool-call
        arguments as a quoted string (HFChatCounter.quotes_string_arguments)."""
        from ftprep.tokenizers_hf import has_string_arguments

        return has_string_arguments(record["messages"]) and self._hf.quotes_string_arguments()

    def count_example(self, record: dict[str, Any]) -> ExampleTokens:
        from ftprep.tokenizers_hf import ChatTemplateError

        messages = record["messages"]
        counts = ExampleTokens(messages=len(messages))
        try:
            counts.total = self._hf.count_example(messages, record.get("tools"))
        except ChatTemplateError as exc:
            counts.total = sum(self._hf.count_text(_text(m)) for m in messages)
            counts.estimate(f"the chat template rejected an example ({exc}); content tokens only")
        if not self._hf.exact:
            counts.estimate(self._hf.method)
        for message in messages:
            n = self._hf.count_text(_text(message))
            if message.get("role") == "system":
                counts.system += n
            elif message.get("role") == "assistant":
                counts.assistant += n
                if message.get("weight", 1) != 0:
                    counts.trained += n
        return counts


def counter_for(target: Target | None, model: str, tokenizer: str | None) -> Any:
    """A counter with `count_example(record) -> ExampleTokens`, `info`, `exact`, `model` and
    `encoding_name`, chosen for the target."""
    limit = target.max_tokens_per_example if target is not None else None
    if tokenizer:
        return HFCounterAdapter(tokenizer, limit)
    if target is None or (target.tokenizer or "").startswith("tiktoken:") or target.name == "openai":
        return ChatTokenCounter(model)
    return EstimatingCounter(target, limit)


class EstimatingCounter(ChatTokenCounter):
    """o200k_base counts for a target whose tokenizer is not available offline."""

    def __init__(self, target: Target, limit: int | None) -> None:
        super().__init__(ESTIMATE_MODEL)
        self.model = f"{target.name} (estimated with o200k_base)"
        self.exact = False
        self._reason = (f"{target.title}: its tokenizer is not available offline "
                        "(pass --tokenizer for open models); counted with o200k_base as an estimate")
        self.info = _with_limit(self.info, limit)

    def count_example(self, record: Any) -> ExampleTokens:
        counts = super().count_example(record)
        counts.estimate(self._reason)
        return counts


def _with_limit(info: ModelInfo, limit: int | None) -> Any:
    return _Info(base=info.base, max_tokens_per_example=limit)


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""

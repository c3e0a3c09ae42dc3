"""Together AI (reference/peers.md §1: the SDK's checker, 1.x and 2.15+)."""

from __future__ import annotations

from ftprep.targets import GB, HF_BASE_MODEL, Target

TARGETS = (
    Target(
        name="together",
        title="Together AI fine-tuning",
        formats=("openai-chat", "openai-dpo", "trl-prompt-completion"),
        # Tool calls and results: docs.together.ai/docs/fine-tuning-function-calling.
        roles=("system", "user", "assistant", "tool"),
        # "The conversation must start with system or user and alternate user and
        # assistant afterwards" (docs.together.ai data-preparation); "The same role may
        # not appear twice in a row" (together<=2.14 validate_messages).
        system="first",
        first_roles=("user",),
        alternate=True,
        min_examples=1,
        # The SDK's MAX_FILE_SIZE_GB = 50.1; the docs say 100 GB. The stricter one wins.
        max_file_bytes=int(50.1 * GB),
        tokenizer=HF_BASE_MODEL,
        price_providers=("together",),
        docs_url="https://docs.together.ai/docs/fine-tuning/data-preparation",
        sources=(
            "together<=2.14 together/utils/files.py (validate_messages), constants.py",
            "together 2.15-3.1.1 together/lib/utils/files.py",
            "https://docs.together.ai/docs/fine-tuning-function-calling (tools, tool_calls, "
            "tool role)",
        ),
        notes=(
            "together>=2.15 checks only UTF-8 and one JSON object per line locally; "
            "'Semantic checks run on the server after upload'. ftprep applies the 1.x rules.",
            "Roles system/user/assistant, and tool for tool results: a line may carry `tools`, "
            "an assistant message `tool_calls` instead of content (function-calling "
            "fine-tuning, for the base models Together lists).",
            "weight must be 0 or 1; images as JPEG/PNG/WEBP data URIs, at most 10 MB each "
            "and 10 per example.",
            "Also accepts Parquet (input_ids, attention_mask, labels) and CSV for evaluation "
            "only; ftprep checks JSONL.",
            "Max tokens per example: not in ftprep's sources (depends on the base model).",
            "Tokenizer: the base model's; pass --tokenizer with its tokenizer.json.",
            "Prices: billed per token (n_epochs x train tokens + n_evals x val tokens); "
            "per-token rates unverified.",
        ),
        unverified=frozenset({"max_file_bytes"}),
    ),
)

"""OpenAI: the chat and preference (DPO) formats (reference/openai_spec.md §0, §3)."""

from __future__ import annotations

from ftprep.targets import MB, Target

TARGETS = (
    Target(
        name="openai",
        title="OpenAI fine-tuning (SFT chat, DPO)",
        formats=("openai-chat", "openai-dpo"),
        roles=("system", "user", "assistant", "tool", "function"),
        system="anywhere",
        min_examples=10,
        recommended_examples=50,
        # Per model, not per target: ftprep.tokens' model table has them.
        max_tokens_per_example=None,
        max_file_bytes=512 * MB,
        tokenizer="tiktoken:o200k_base",
        price_providers=("openai",),
        docs_url="https://developers.openai.com/api/docs/guides/",
        sources=(
            "openai-openapi FineTuneChatRequestInput / FineTunePreferenceRequestInput",
            "OpenAI fine-tuning guides (2024 copy, 2026 mirror); deprecations page",
        ),
        notes=(
            "Winding down: no new fine-tuning jobs for active customers from 2027-01-06; "
            "organizations without prior fine-tuning were cut off from 2026-05-07.",
            "Tokens per example depend on the model (65,536 for gpt-4o-2024-08-06 and "
            "gpt-4o-mini-2024-07-18; 16,385 for gpt-3.5-turbo-0125); longer examples are "
            "truncated.",
            "512 MB per file through the Files API; up to 8 GB in parts through the "
            "Uploads API.",
            "gpt-3.5 and gpt-4 count with cl100k_base; gpt-4o, gpt-4.1 and o4-mini with "
            "o200k_base.",
        ),
    ),
)

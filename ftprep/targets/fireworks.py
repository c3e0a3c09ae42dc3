"""Fireworks AI. ftprep's sources give only its billing (reference/openai_spec.md §4); the
line format assumed here is OpenAI's chat format and is unverified."""

from __future__ import annotations

from ftprep.targets import HF_BASE_MODEL, Target

TARGETS = (
    Target(
        name="fireworks",
        title="Fireworks AI fine-tuning",
        formats=("openai-chat",),
        roles=("system", "user", "assistant", "tool"),
        system="anywhere",
        tokenizer=HF_BASE_MODEL,
        price_providers=("fireworks",),
        docs_url="https://docs.fireworks.ai/",
        sources=("Fireworks pricing docs, as summarised in reference/openai_spec.md §4",),
        notes=(
            "Line format, roles and every limit: not in ftprep's sources; the OpenAI chat "
            "format is assumed.",
            "Billed per token of training data; models under 16B are listed as free to tune "
            "(one page: RFT free under 16B, SFT and DPO billed per token). Rates unverified.",
        ),
        unverified=frozenset({"formats", "roles", "docs_url"}),
    ),
)

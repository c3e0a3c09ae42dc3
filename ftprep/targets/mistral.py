"""Mistral: mistral-finetune's validator (reference/peers.md §2)."""

from __future__ import annotations

from ftprep.targets import HF_BASE_MODEL, Target

TARGETS = (
    Target(
        name="mistral",
        title="Mistral fine-tuning (mistral-finetune)",
        formats=("openai-chat",),
        roles=("system", "user", "assistant", "tool"),
        system="anywhere",
        # build_instruct_sample: "Only one system message is allowed".
        max_system_messages=1,
        # mistral_common: "Expected last role to be one of: [assistant]".
        last_roles=("assistant",),
        # mistral_common's validator: "Tool call id was ... but must be a-z, A-Z, 0-9,
        # with a length of 9".
        tool_call_id=r"[a-zA-Z0-9]{9}",
        tokenizer=HF_BASE_MODEL,
        price_providers=("mistral",),
        docs_url="https://github.com/mistralai/mistral-finetune",
        sources=(
            "mistralai/mistral-finetune utils/validate_data.py, finetune/data/tokenize.py "
            "(HEAD 1943535)",
            "mistral_common validator.py (tool call ids), as cited by vLLM's MistralToolCall",
        ),
        notes=(
            "Sizes are defined in validate_data.py (10 to 10M lines, 1 kB to 10 GB) but the "
            "check is commented out, so ftprep leaves them unset.",
            "mistral-finetune also reads `interactions` instead of `messages` and `text` "
            "instead of `content`; ftprep checks the `messages` form.",
            "Tokenizer: mistral-finetune always uses MistralTokenizer.v3(); pass --tokenizer "
            "with the model's tokenizer.json for counts.",
            "Prices: minimum $4 per job and $2 per month storage per model; per-token rates "
            "unverified. The fine-tuning docs now sit under resources/deprecated.",
        ),
    ),
)

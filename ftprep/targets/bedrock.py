"""Amazon Bedrock: Nova and Claude 3 Haiku (reference/peers.md §3, §4)."""

from __future__ import annotations

from ftprep.targets import Target

TARGETS = (
    Target(
        name="bedrock-nova",
        title="Amazon Bedrock Nova supervised fine-tuning",
        formats=("bedrock-nova",),
        roles=("system", "user", "assistant"),
        system="field",
        system_field="system",
        first_roles=("user",),
        last_roles=("assistant",),
        alternate=True,
        min_examples=8,
        max_examples=20_000,
        # Copied from the validator's INVALID_TOKENS_TEXT; the list there is longer.
        forbidden_strings=("User:", "user:", "USER:", "[EOS]", "<image>"),
        tokenizer=None,
        price_providers=("aws", "bedrock", "aws-bedrock"),
        docs_url="https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html",
        sources=(
            "docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html",
            "aws-samples/amazon-nova-samples customization/bedrock-finetuning/understanding/"
            "dataset_validation/nova_ft_dataset_validator.py",
        ),
        notes=(
            "Samples 8-20,000 per AWS's validator, which ftprep checks; Nova Lite 2.0 SFT "
            "needs 200-20,000.",
            "Forbidden strings: only the entries quoted in ftprep's sources; AWS's list "
            "has more.",
            "Media blocks (images, video) are not modelled by ftprep.",
            "Max tokens per example and file size: not in ftprep's sources.",
            "Tokenizer: not available offline; counts are estimates. Prices: unverified "
            "(the pricing page renders client-side).",
        ),
        unverified=frozenset({"alternate"}),
    ),
    Target(
        name="bedrock-claude",
        title="Amazon Bedrock Claude 3 Haiku fine-tuning",
        formats=("bedrock-claude",),
        roles=("system", "user", "assistant"),
        system="field",
        system_field="system",
        max_system_messages=1,
        first_roles=("user",),
        last_roles=("assistant",),
        alternate=True,
        tokenizer=None,
        price_providers=("aws", "bedrock", "aws-bedrock"),
        docs_url="https://github.com/anthropics/anthropic-cookbook/blob/main/finetuning/"
        "finetuning_on_bedrock.ipynb",
        sources=("anthropics/anthropic-cookbook finetuning/finetuning_on_bedrock.ipynb, "
                 "finetuning/datasets/json_mode_dataset.jsonl",),
        notes=(
            "At least 2 messages, first user, last assistant, turns alternate; 'No "
            "extraneous keys are allowed.'",
            "Example counts, tokens per example and file size: not in ftprep's sources.",
            "Tokenizer: not available offline; counts are estimates. Prices: unverified.",
        ),
    ),
)

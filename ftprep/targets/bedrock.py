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
        # The Nova user guide's reserved keywords ("If a user prompt or system prompt
        # starts with, or contains anywhere, one of these keywords, the training job
        # fails"), plus the validator's lower and upper case "user:".
        forbidden_strings=("User:", "user:", "USER:", "Bot:", "Assistant:", "System:",
                           "<image>", "<video>", "[EOS]"),
        tokenizer=None,
        price_providers=("aws", "bedrock", "aws-bedrock"),
        docs_url="https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html",
        sources=(
            "docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html",
            "docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding"
            ".html (reserved keywords)",
            "aws-samples/amazon-nova-samples customization/bedrock-finetuning/understanding/"
            "dataset_validation/nova_ft_dataset_validator.py",
        ),
        notes=(
            "Samples 8-20,000 per AWS's validator, which ftprep checks; Nova Lite 2.0 SFT "
            "needs 200-20,000.",
            "Forbidden strings: the reserved keywords of the Nova user guide (case as "
            "documented) and the validator's user:/USER:.",
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

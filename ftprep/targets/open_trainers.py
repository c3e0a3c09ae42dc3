"""Open trainers: TRL (and Unsloth, which trains through it), ShareGPT and Alpaca files
for LLaMA-Factory and axolotl (reference/peers.md §3). Self-hosted: no prices, no upload
limits; the tokenizer is the base model's (--tokenizer)."""

from __future__ import annotations

from ftprep.targets import HF_BASE_MODEL, Target

# Tool calls as transformers' chat templates take them (ftprep.formats.hf_chat): no ids
# needed, arguments an object (or a JSON string), tool results with a `name`.
HF_CHAT_SCHEMAS = (("openai-chat", "ftprep.formats.hf_chat:HFChatRecord"),
                   ("trl-prompt-completion", "ftprep.formats.hf_chat:HFPromptCompletionLine"))

_TOKENIZER_NOTE = "Tokenizer: the base model's; pass --tokenizer with its tokenizer.json."

TARGETS = (
    Target(
        name="trl",
        title="Hugging Face TRL SFTTrainer (also Unsloth)",
        formats=("openai-chat", "trl-prompt-completion"),
        roles=("system", "user", "assistant", "tool"),
        system="anywhere",
        # TRL's documented formats have no per-message weight: export drops it, loudly.
        unsupported=frozenset({"weight"}),
        schemas=HF_CHAT_SCHEMAS,
        tokenizer=HF_BASE_MODEL,
        docs_url="https://github.com/huggingface/trl/blob/main/docs/source/dataset_formats.md",
        sources=("huggingface/trl docs/source/dataset_formats.md, docs/source/sft_trainer.md",
                 "unslothai/unsloth-zoo unsloth_zoo/dataset_utils.py"),
        notes=(
            "Accepts `messages` (with an optional `tools` column), prompt/completion strings "
            "and conversational prompt/completion; the language-modeling `text` form is not "
            "modelled by ftprep.",
            _TOKENIZER_NOTE,
        ),
    ),
    Target(
        name="sharegpt",
        title="ShareGPT for LLaMA-Factory / axolotl / Unsloth",
        formats=("sharegpt",),
        roles=("system", "user", "assistant"),
        role_names={"user": "human", "assistant": "gpt"},
        # LLaMA-Factory's SharegptDatasetConverter: a leading system turn replaces the
        # `system` column; human/gpt must alternate from human, ending with gpt, or the
        # example is skipped ("Skipping this abnormal example").
        system="first",
        max_system_messages=1,
        first_roles=("user",),
        last_roles=("assistant",),
        alternate=True,
        tokenizer=HF_BASE_MODEL,
        docs_url="https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md",
        sources=("hiyouga/LLaMA-Factory data/README.md, "
                 "src/llamafactory/data/converter.py (SharegptDatasetConverter)",
                 "axolotl-ai-cloud/axolotl docs/dataset-formats/conversation.qmd"),
        notes=(
            "LLaMA-Factory needs a dataset_info.json entry with \"formatting\": \"sharegpt\".",
            "axolotl marks type: sharegpt deprecated: use chat_template with "
            "field_messages: conversations and role: from, content: value.",
            "The `tools` string is kept as is on validation and dropped on import/export "
            "(its shape is not in ftprep's sources).",
            _TOKENIZER_NOTE,
        ),
    ),
    Target(
        name="alpaca",
        title="Alpaca for LLaMA-Factory / axolotl",
        formats=("alpaca",),
        roles=("system", "user", "assistant"),
        system="field",
        system_field="system",
        max_system_messages=1,
        first_roles=("user",),
        last_roles=("assistant",),
        alternate=True,
        tokenizer=HF_BASE_MODEL,
        docs_url="https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md",
        sources=("hiyouga/LLaMA-Factory data/README.md",
                 "axolotl-ai-cloud/axolotl docs/dataset-formats/inst_tune.qmd"),
        notes=(
            "A conversation is system?, history [question, answer] pairs, then instruction "
            "(+ input) and output; ftprep joins instruction and input with a blank line.",
            _TOKENIZER_NOTE,
        ),
    ),
)

"""Google Vertex AI Gemini supervised tuning (reference/peers.md §3,
reference/openai_spec.md §4)."""

from __future__ import annotations

from ftprep.targets import Target

TARGETS = (
    Target(
        name="vertex-gemini",
        title="Vertex AI Gemini supervised tuning",
        formats=("vertex-gemini",),
        roles=("system", "user", "assistant"),
        role_names={"assistant": "model", "system": "systemInstruction"},
        system="field",
        system_field="systemInstruction",
        max_system_messages=1,
        recommended_examples=100,
        # Gemini 2.5 Flash: 1M text (300K multimodal) examples, 131,072 tokens each.
        max_examples=1_000_000,
        max_tokens_per_example=131_072,
        # "a 1 GB JSONL file": the unit (10^9 or 2^30) is not stated; the smaller is used.
        max_file_bytes=1_000_000_000,
        tokenizer=None,
        price_providers=("google", "vertex", "google-vertex"),
        docs_url="https://cloud.google.com/vertex-ai/generative-ai/docs/models/tune_gemini/text_tune",
        sources=("cloud.google.com/vertex-ai/generative-ai/docs/models/tune_gemini/text_tune",),
        notes=(
            "Assistant turns use the role `model`; Google says the systemInstruction role "
            "is ignored.",
            "Limits are those given for Gemini 2.5 Flash: at most 5,000 validation examples; "
            "image tuning allows 30 images per example and 20 MB per image (image parts are "
            "not modelled by ftprep).",
            "Minimum examples: not in ftprep's sources; Google recommends starting with 100.",
            "Role order and alternation rules: not in ftprep's sources.",
            "Tokenizer: Gemini's is not available offline; counts are estimates.",
            "Prices: unverified.",
        ),
        unverified=frozenset({"max_file_bytes"}),
    ),
)

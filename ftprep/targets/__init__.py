"""Training targets: where a dataset is going, and that place's rules.

A target is one declarative `Target` value in a small module per provider family; the
values come from ftprep's sources (reference/peers.md, reference/openai_spec.md). A limit
the sources do not give is None and says so in `notes`; a value they give without
confirmation is named in `unverified`.

Rules are stated on the canonical conversation (roles system/user/assistant/tool) that
every line format maps onto (`LineFormat.conversation`), so one set of checks
(ftprep/checks/targets.py, FT140 upward) serves every target. This package imports only
dataclasses: `ftprep validate` loads it on every run.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Literal

SystemPlacement = Literal["anywhere", "first", "field", "none"]

# Canonical features an export can lose; ftprep.targets.transform reports each one.
FEATURES = ("weight", "name", "refusal", "tools", "tool calls", "images")

HF_BASE_MODEL = "hf:base-model"

GB = 1024**3
MB = 1024**2


@dataclass(frozen=True)
class Target:
    name: str
    title: str
    # Line formats the target accepts; `export` writes the first.
    formats: tuple[str, ...]
    # Canonical roles the target accepts, and their names in its own format.
    roles: tuple[str, ...] = ("system", "user", "assistant")
    role_names: dict[str, str] = field(default_factory=dict)
    # Where the system prompt goes: anywhere in the messages, only first, a separate field
    # of the line (`system_field`), or nowhere.
    system: SystemPlacement = "anywhere"
    system_field: str | None = None
    max_system_messages: int | None = None
    # No two consecutive user (or assistant) turns.
    alternate: bool = False
    # Allowed role of the first non-system message and of the last message; None: any.
    first_roles: tuple[str, ...] | None = None
    last_roles: tuple[str, ...] | None = None
    min_examples: int | None = None
    max_examples: int | None = None
    recommended_examples: int | None = None
    max_tokens_per_example: int | None = None
    max_file_bytes: int | None = None
    # Literal strings the target rejects inside message text.
    forbidden_strings: tuple[str, ...] = ()
    # A regular expression every tool-call id must match in full; None: any id.
    tool_call_id: str | None = None
    # "tiktoken:<encoding>"; HF_BASE_MODEL (open weights: the base model's tokenizer.json,
    # given with --tokenizer); None (not available offline: counts are estimates).
    tokenizer: str | None = None
    # `provider` values of the price table's rows for this target (first is preferred).
    price_providers: tuple[str, ...] = ()
    # Canonical features (FEATURES) this target rejects although its format could carry
    # them; `export` drops and reports them.
    unsupported: frozenset[str] = frozenset()
    # Formats the target takes in a shape of its own: (format name, "module:TypedDict"
    # its lines are validated against instead); see ftprep.formats.schema_variant.
    schemas: tuple[tuple[str, str], ...] = ()
    docs_url: str = ""
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # Names of fields above whose values ftprep's sources do not confirm.
    unverified: frozenset[str] = frozenset()

    def role_name(self, role: str) -> str:
        return self.role_names.get(role, role)

    def is_verified(self, field_name: str) -> bool:
        return field_name not in self.unverified

    @property
    def export_format(self) -> str:
        return self.formats[0]


# One module per provider family; each defines TARGETS, a tuple of Target values.
TARGET_MODULES: tuple[str, ...] = (
    "ftprep.targets.openai",
    "ftprep.targets.together",
    "ftprep.targets.fireworks",
    "ftprep.targets.mistral",
    "ftprep.targets.google",
    "ftprep.targets.bedrock",
    "ftprep.targets.open_trainers",
)
DEFAULT_TARGET = "openai"

TARGETS: dict[str, Target] = {}


def register_target(target: Target) -> Target:
    if target.name in TARGETS:
        raise ValueError(f"target {target.name!r} is already registered")
    TARGETS[target.name] = target
    return target


def _load() -> None:
    for module in TARGET_MODULES:
        for target in importlib.import_module(module).TARGETS:
            register_target(target)


def get_target(name: str) -> Target:
    try:
        return TARGETS[name.strip().lower()]
    except KeyError:
        raise KeyError(f"unknown target {name!r}: use one of {', '.join(TARGETS)}") from None


def targets_accepting(line_format: str) -> tuple[str, ...]:
    """Names of the targets that accept files in this line format."""
    return tuple(t.name for t in TARGETS.values() if line_format in t.formats)


_load()

__all__ = [
    "DEFAULT_TARGET",
    "FEATURES",
    "HF_BASE_MODEL",
    "TARGETS",
    "Target",
    "get_target",
    "register_target",
    "targets_accepting",
]

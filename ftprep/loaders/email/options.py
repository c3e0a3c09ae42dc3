"""Options of the email loader, validated from `[tool.ftprep.convert.email]` or built in code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ftprep.config import Config


# The languages whose quote headers mail-parser-reply knows (its MAIL_LANGUAGES, less a
# test entry): what `languages` may name.
QUOTE_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "cs", "da", "sv", "ja", "ko", "zh")


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class EmailOptions(BaseModel):
    """How mail becomes examples: where labels come from, who the agents are, what to strip.

    Field names accept kebab-case in TOML (`label-header`) and snake_case in code.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, alias_generator=_kebab,
                              strict=True)

    # A header holding the label, e.g. "X-Ticket-Category"; wins over X-Gmail-Labels.
    label_header: str | None = None
    # CSV (message_id,label) or JSON ({message_id: label} or [{message_id, label}]).
    label_map_file: Path | None = Field(default=None, strict=False)  # TOML gives a str
    # Messages from these senders are agent replies, never customer examples.
    agent_addresses: list[str] = Field(default_factory=list)
    agent_domains: list[str] = Field(default_factory=list)
    strip_quotes: bool = True
    strip_signatures: bool = True
    prefer: Literal["plain", "html"] = "plain"
    # Prefix the cleaned subject to the text: "Subject\n\nBody".
    include_subject: bool = False
    # Languages of quote headers for mail-parser-reply ("On ... wrote:", "Am ... schrieb:").
    languages: list[str] = Field(default_factory=lambda: ["en"])
    # When a message has several user labels (Gmail, Outlook categories): the first of these
    # it has wins. Without one, the single allowed label wins, else it is `several-labels`.
    label_priority: list[str] = Field(default_factory=list)
    # Bounces and auto-replies ("we got your ticket") are rejected rather than used.
    reject_automated: bool = True
    # Use the parent folder of a loose .eml file as its label (Maildir/Thunderbird always do).
    eml_folder_labels: bool = False

    # Not options: the allowed labels (casefolded) and the label map of the convert run,
    # so that of several labels the one allowed is taken (`with_allowed_labels`).
    _allowed: frozenset[str] = PrivateAttr(default_factory=frozenset)
    _label_map: dict[str, str] = PrivateAttr(default_factory=dict)

    def with_allowed_labels(self, allowed: Sequence[str],
                            label_map: Mapping[str, str] | None = None) -> EmailOptions:
        """A copy that knows the run's allowed labels and `--label-map` (raw -> label)."""
        copy = self.model_copy()
        copy._allowed = frozenset(a.strip().casefold() for a in allowed if a.strip())
        copy._label_map = {k.strip().casefold(): v.strip() for k, v in (label_map or {}).items()}
        return copy

    def label_allowed(self, label: str) -> bool | None:
        """Whether `label` (mapped as the label map says) is allowed; None: no list given."""
        if not self._allowed:
            return None
        key = label.strip().casefold()
        return self._label_map.get(key, key).casefold() in self._allowed

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, values: list[str]) -> list[str]:
        codes = [v.strip().lower() for v in values]
        unknown = [v for v, code in zip(values, codes, strict=True) if code not in QUOTE_LANGUAGES]
        if unknown:
            # mail-parser-reply drops codes it does not know without a word.
            raise ValueError(f"unknown language code(s) {', '.join(map(repr, unknown))}: quote "
                             f"headers are known in {', '.join(QUOTE_LANGUAGES)}")
        return codes

    @field_validator("agent_addresses", "agent_domains")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.strip().lower().lstrip("@") for v in values if v.strip()]

    @property
    def has_agents(self) -> bool:
        return bool(self.agent_addresses or self.agent_domains)

    def is_agent(self, address: str) -> bool:
        """True when `address` (lower-case) is a configured agent address or domain."""
        if not address:
            return False
        if address in self.agent_addresses:
            return True
        domain = address.rpartition("@")[2]
        return any(domain == d or domain.endswith("." + d) for d in self.agent_domains)

    @classmethod
    def from_config(cls, config: Config) -> EmailOptions:
        """Read `[tool.ftprep.convert.email]`; a relative label map is relative to the config."""
        section = config.section("convert", _ConvertEmail)
        opts = section.email
        if opts.label_map_file is not None and not opts.label_map_file.is_absolute():
            opts = opts.model_copy(update={"label_map_file": config.base_dir / opts.label_map_file})
        return opts


class _ConvertEmail(BaseModel):
    # The convert table has other owners' keys; only `email` is ours.
    model_config = ConfigDict(extra="ignore")

    email: EmailOptions = Field(default_factory=EmailOptions)

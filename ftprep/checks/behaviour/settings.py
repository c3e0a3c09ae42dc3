"""`[tool.ftprep.rules]`: the behaviour rules (FT5xx), validated by `RulesSettings`, then
compiled once into `BehaviourRules`, which the line checks and dataset checks read.

```toml
[tool.ftprep.rules]
reply-field = "reply"                         # JSON replies: the field holding the text
required = {complaints = ["We are sorry"], "*" = [{pattern = "^Hi ", regex = true}]}
forbidden = {"*" = ["as an AI"]}
output = {schema = "reply.schema.json", applies-to = "last"}
pii = {severity = {IP = "info"}}
consistency = {length-mad = 3.5}
knowledge = {max-share = 0.25}
coverage = {target = 100}
system-prompt = {max-share = 0.5}
```

Keys take kebab-case or snake_case. Detection settings for PII (kinds, phone regions,
custom patterns) are those of `[tool.ftprep.pii]`, shared with convert's redaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ftprep.config import Config

T = TypeVar("T")

ALL_LABELS = "*"
# JSON reply fields tried, in order, for the text of a structured reply.
REPLY_FIELDS = ("reply", "response", "answer", "message", "text")
# Per-kind PII severity when none is configured; custom kinds get DEFAULT_CUSTOM_SEVERITY.
DEFAULT_PII_SEVERITY = {"EMAIL": "error", "PHONE": "error", "CARD": "error", "IBAN": "error",
                        "IP": "warning"}
DEFAULT_CUSTOM_SEVERITY = "warning"
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class _Model(BaseModel):
    # strict: a TOML value of the wrong type is a config error, not coerced ("no" -> False).
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


def _phrase_input(value: Any) -> Any:
    return {"pattern": value} if isinstance(value, str) else value


class Phrase(_Model):
    """A required or forbidden phrase: plain text (whole words; whitespace runs match any
    whitespace) or a regular expression, case-insensitive unless `case-sensitive`."""

    pattern: str = Field(min_length=1)
    regex: bool = False
    case_sensitive: bool = Field(default=False, alias="case-sensitive")

    @model_validator(mode="after")
    def _compiles(self) -> Phrase:
        if self.regex:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"invalid regex {self.pattern!r}: {exc}") from None
        elif not self.pattern.strip():
            raise ValueError("a phrase must not be blank")
        return self

    def compile(self) -> re.Pattern[str]:
        source = self.pattern
        if not self.regex:
            # Whole words ("as an AI" is not in "has an AIM"); any whitespace between them.
            text = self.pattern.strip()
            source = r"\s+".join(map(re.escape, text.split()))
            source = (r"(?<!\w)" if text[0].isalnum() or text[0] == "_" else "") + source + (
                r"(?!\w)" if text[-1].isalnum() or text[-1] == "_" else "")
        return re.compile(source, 0 if self.case_sensitive else re.IGNORECASE)


PhraseList = list[Annotated[Phrase, BeforeValidator(_phrase_input)]]


class OutputSettings(_Model):
    """What every assistant message (or the last one) must look like."""

    applies_to: Literal["last", "all"] = Field(default="last", alias="applies-to")
    # The whole reply must match (re.fullmatch, `.` matches newlines too).
    regex: str | None = None
    # A JSON Schema (Draft 2020-12): inline, or a path relative to the config file.
    json_schema: str | dict[str, Any] | None = Field(default=None, alias="schema")

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regex {value!r}: {exc}") from None
        return value


class PiiRuleSettings(_Model):
    enabled: bool = True
    # Severity per kind (EMAIL, PHONE, CARD, IBAN, IP, custom): error, warning, info or off.
    severity: dict[str, Literal["error", "warning", "info", "off"]] = Field(default_factory=dict)
    # Values that are not personal data here: the company's own support address or phone.
    allow: list[str] = Field(default_factory=list)

    @field_validator("severity")
    @classmethod
    def _kinds(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not _KIND.fullmatch(k)]
        if bad:
            raise ValueError(f"PII kind names are letters, digits and _: {bad}")
        return {k.upper(): v for k, v in value.items()}


class ConsistencySettings(_Model):
    enabled: bool = True
    # Labels with fewer replies are not judged: too few to say what is usual.
    min_replies: int = Field(default=20, ge=5, alias="min-replies")
    # Robust z-score (on log length) beyond which a reply's length is an outlier.
    length_mad: float = Field(default=3.5, gt=0, alias="length-mad")
    # Words compared at the start and the end of a reply (at most).
    edge_words: int = Field(default=3, ge=1, le=8, alias="edge-words")
    # The share of a label's replies that must share an opening (closing) for it to be
    # the house style; replies that differ from it are reported.
    min_share: float = Field(default=0.8, gt=0.5, le=1.0, alias="min-share")


class KnowledgeSettings(_Model):
    enabled: bool = True
    # Warn when more than this share of replies carry per-customer facts.
    max_share: float = Field(default=0.25, ge=0.0, le=1.0, alias="max-share")
    # Facts a reply needs to count as one that looks things up.
    min_facts: int = Field(default=1, ge=1, alias="min-facts")
    # A number-like token is per-customer when at most this many replies contain it.
    max_repeats: int = Field(default=2, ge=1, alias="max-repeats")


class CoverageSettings(_Model):
    enabled: bool = True
    # Examples per label from which fine-tuning gives useful results, and the target to
    # aim for (raise it to a few hundred for production quality).
    useful: int = Field(default=50, ge=1)
    target: int = Field(default=100, ge=1)

    @model_validator(mode="after")
    def _order(self) -> CoverageSettings:
        if self.target < self.useful:
            raise ValueError(f"target ({self.target}) must be at least useful ({self.useful})")
        return self


class SystemPromptSettings(_Model):
    enabled: bool = True
    max_share: float = Field(default=0.5, gt=0.0, le=1.0, alias="max-share")


class RulesSettings(_Model):
    """`[tool.ftprep.rules]`."""

    # The field of a JSON reply whose text the phrase and consistency rules read; None
    # tries reply, response, answer, message, text, then takes the whole reply.
    reply_field: str | None = Field(default=None, alias="reply-field")
    # Label (or "*" for every reply) -> phrases.
    required: dict[str, PhraseList] = Field(default_factory=dict)
    forbidden: dict[str, PhraseList] = Field(default_factory=dict)
    output: OutputSettings | None = None
    pii: PiiRuleSettings = Field(default_factory=PiiRuleSettings)
    consistency: ConsistencySettings = Field(default_factory=ConsistencySettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    coverage: CoverageSettings = Field(default_factory=CoverageSettings)
    system_prompt: SystemPromptSettings = Field(default_factory=SystemPromptSettings,
                                                alias="system-prompt")


class RulesError(ValueError):
    """A rule set that validates but cannot be used (schema file missing, unknown label)."""


@dataclass(frozen=True)
class CompiledPhrase:
    text: str
    regex: re.Pattern[str]
    is_regex: bool

    def describe(self) -> str:
        return f"/{self.text}/" if self.is_regex else repr(self.text)


@dataclass
class BehaviourRules:
    """The rules compiled once: phrase regexes, output regex and schema, PII detector
    (built on first use), plus what they need from the rest of the config."""

    settings: RulesSettings = field(default_factory=RulesSettings)
    label_field: str | None = None
    # [tool.ftprep.pii] (a PiiSettings); None: the detector's defaults.
    pii_settings: Any = None
    base_dir: Path | None = None
    # Allowed labels ([tool.ftprep] labels): phrase rules must name one of them.
    labels: tuple[str, ...] = ()
    required: dict[str, tuple[CompiledPhrase, ...]] = field(init=False)
    forbidden: dict[str, tuple[CompiledPhrase, ...]] = field(init=False)
    output_regex: re.Pattern[str] | None = field(init=False, default=None)
    output_schema: dict[str, Any] | None = field(init=False, default=None)
    _cache: dict[str, Any] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.required = self._phrases("required", s.required)
        self.forbidden = self._phrases("forbidden", s.forbidden)
        if s.output is not None:
            if s.output.regex is not None:
                self.output_regex = re.compile(s.output.regex, re.DOTALL)
            if s.output.json_schema is not None:
                self.output_schema = self._load_schema(s.output.json_schema)
        if s.pii.enabled:
            self._check_pii_kinds()

    def active(self, trigger: str) -> bool:
        """Whether the rule family a line check belongs to has anything to check."""
        return {
            "required": bool(self.required),
            "forbidden": bool(self.forbidden),
            "output-regex": self.output_regex is not None,
            "output-schema": self.output_schema is not None,
            "pii": self.settings.pii.enabled and pii_available(),
        }.get(trigger, False)

    @property
    def reply_fields(self) -> tuple[str, ...]:
        return (self.settings.reply_field,) if self.settings.reply_field else REPLY_FIELDS

    def _phrases(self, key: str, table: dict[str, list[Phrase]]
                 ) -> dict[str, tuple[CompiledPhrase, ...]]:
        allowed = set(self.labels)
        for label in table:
            if allowed and label != ALL_LABELS and label not in allowed:
                raise RulesError(f"rules.{key}.{label}: {label!r} is not one of the configured "
                                 f"labels ({', '.join(self.labels)}); use one of them or \"*\"")
        return {label: tuple(CompiledPhrase(p.pattern, p.compile(), p.regex) for p in phrases)
                for label, phrases in table.items() if phrases}

    def _load_schema(self, spec: str | dict[str, Any]) -> dict[str, Any]:
        where = "rules.output.schema"
        if isinstance(spec, str):
            path = Path(spec)
            if not path.is_absolute() and self.base_dir is not None:
                path = self.base_dir / path
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
            except OSError as exc:
                raise RulesError(f"{where}: cannot read {path}: {exc.strerror or exc}") from None
            except ValueError as exc:
                raise RulesError(f"{where}: {path} is not valid JSON: {exc}") from None
        else:
            schema = spec
        if not isinstance(schema, dict):
            raise RulesError(f"{where}: a JSON Schema must be an object")
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            at = "/".join(str(p) for p in exc.path)
            raise RulesError(f"{where}: not a valid Draft 2020-12 schema"
                             f"{f' at {at}' if at else ''}: {exc.message}") from None
        return schema

    def _check_pii_kinds(self) -> None:
        known = set(DEFAULT_PII_SEVERITY) | set(getattr(self.pii_settings, "patterns", None) or {})
        unknown = sorted(set(self.settings.pii.severity) - known)
        if unknown:
            raise RulesError(f"rules.pii.severity: unknown PII kind(s) {', '.join(unknown)}; use "
                             f"{', '.join(sorted(known))} (custom kinds come from the `patterns` "
                             "of the pii table)")

    @property
    def pii_allowed(self) -> frozenset[str]:
        """`[rules.pii] allow` in the forms `allow_forms` gives."""
        allowed: frozenset[str] | None = self._cache.get("pii_allowed")
        if allowed is None:
            allowed = self._cache["pii_allowed"] = allowed_pii(self.settings.pii.allow)
        return allowed

    def pii_severity(self, kind: str) -> Severity | None:
        """The severity of a PII kind; None when the kind is switched off."""
        level = self.settings.pii.severity.get(kind) or DEFAULT_PII_SEVERITY.get(
            kind, DEFAULT_CUSTOM_SEVERITY)
        return None if level == "off" else Severity.parse(level)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute once per rule set what a check needs on every line."""
        if key not in self._cache:
            self._cache[key] = compute()
        value: T = self._cache[key]
        return value

    def schema_validator(self) -> Any:
        """The compiled Draft 2020-12 validator (jsonschema is imported on first use)."""
        validator = self._cache.get("schema")
        if validator is None and self.output_schema is not None:
            from jsonschema import Draft202012Validator

            validator = self._cache["schema"] = Draft202012Validator(self.output_schema)
        return validator

    def pii_detector(self) -> Any:
        detector = self._cache.get("pii")
        if detector is None:
            from ftprep.clean.pii import PiiDetector, PiiSettings

            detector = self._cache["pii"] = PiiDetector.from_settings(
                self.pii_settings or PiiSettings())
        return detector


def pii_available() -> bool:
    """Whether the detectors (ftprep.clean.pii) are installed; FT510 is skipped without."""
    import importlib.util

    return importlib.util.find_spec("ftprep.clean.pii") is not None


def load_rules(config: Config, *, label_field: str | None = None) -> BehaviourRules:
    """The rules of a config file. Raises ConfigError naming the key when one is wrong.

    `label_field`: the check command passes its validated `label-field`; otherwise it is
    read from `[tool.ftprep.check]` as is (validate does not own that table)."""
    from ftprep.config import ConfigError, table_name

    settings = config.section("rules", RulesSettings)
    pii = None
    if settings.pii.enabled and "pii" in config.raw_sections:
        from ftprep.clean.pii import PiiSettings

        pii = config.section("pii", PiiSettings)
    if label_field is None:
        raw = config.raw_sections.get("check", {})
        value = raw.get("label-field", raw.get("label_field"))
        label_field = value if isinstance(value, str) else None
    try:
        return BehaviourRules(settings, label_field=label_field, pii_settings=pii,
                              base_dir=config.base_dir, labels=tuple(config.general.labels))
    except RulesError as exc:
        raise ConfigError(f"{config.source or '<config>'}: invalid settings in "
                          f"{table_name(config.source, 'rules')}: {exc}") from None


def allowed_pii(values: Iterable[str]) -> frozenset[str]:
    """`[rules.pii] allow` values in every form `allow_forms` gives."""
    return frozenset(form for value in values for form in allow_forms(value))


def allow_forms(value: str) -> tuple[str, ...]:
    """How an allowed value is compared: whitespace-normalised and case-folded, and, for a
    number, its letters and digits alone, so that "+1 (800) 555-0199" is "1-800-555-0199"."""
    spaced = " ".join(value.split()).casefold()
    if "@" in value or not any(c.isdigit() for c in value):
        return (spaced,)
    return (spaced, "".join(c for c in spaced if c.isalnum()))

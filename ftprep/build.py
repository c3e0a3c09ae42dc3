"""Example -> chat record: a system prompt, a user message from a template over the
example's fields, and the assistant output the user chose (label, reply, both, or JSON)."""

from __future__ import annotations

import json
import re
import shlex
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ftprep.records import Example

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

AssistantMode = Literal["label", "reply", "label+reply", "json"]
ASSISTANT_MODES: tuple[str, ...] = ("label", "reply", "label+reply", "json")


class BuildError(ValueError):
    """An example that cannot become a chat record; `reason` is a short stable key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class BuildSettings:
    system_prompt: str | None = None
    # str.format template over the example: {text}, {label}, {reply}, and any field.
    user_template: str = "{text}"
    assistant: AssistantMode = "label"
    # JSON mode keys: {"category": label, "reply": reply}.
    json_label_key: str = "category"
    json_reply_key: str = "reply"
    label_map: dict[str, str] = field(default_factory=dict)
    allowed_labels: list[str] = field(default_factory=list)
    # A label is needed for label outputs anyway; with reply output, an unlabelled
    # example is rejected unless this is False (labels feed the balance checks).
    require_label: bool = True

    def __post_init__(self) -> None:
        if self.assistant not in ASSISTANT_MODES:
            raise ValueError(f"assistant output {self.assistant!r}: use one of {', '.join(ASSISTANT_MODES)}")
        self._map = {k.strip().casefold(): v for k, v in self.label_map.items()}
        # Labels of this run, case-folded: --labels, label-map targets, and the single
        # labels noted so far (note_labels), which tell "billing, returns" (two of them)
        # from "Returns/Refunds" (one helpdesk class).
        self._known = {label.casefold() for label in (*self.allowed_labels, *self.label_map.values())}
        self._map_used: set[str] = set()
        self._allowed = {label.casefold(): label for label in self.allowed_labels}
        self._parsed = _parse_template(self.user_template)
        self._fields = [name for _, name, _ in self._parsed if name is not None]
        # Labels repeat: normalise each raw spelling once.
        self._label_cache: dict[str, str | BuildError] = {}
        self._plain_template = self.user_template == "{text}"

    @property
    def plain_template(self) -> bool:
        """The user message is the text itself: no other field is needed."""
        return self._plain_template

    @property
    def template_fields(self) -> list[str]:
        """The record fields the user template names, besides text, label and reply."""
        return _extra_fields(self._fields)

    def writes(self, name: str) -> bool:
        """Whether an example's `text`, `label` or `reply` appears in its messages."""
        if name == "text":
            return self._plain_template or name in self._fields
        needed = self.needs_label if name == "label" else self.needs_reply
        return needed or (not self._plain_template and name in self._fields)

    @property
    def needs_label(self) -> bool:
        return self.assistant in ("label", "label+reply", "json")

    @property
    def needs_reply(self) -> bool:
        return self.assistant in ("reply", "label+reply", "json")

    def normalise_label(self, raw: str | None) -> str | None:
        """Map a raw label ("Billing inquiry ") through the label map; allowed-list
        spellings are matched case-insensitively. Raises BuildError when not allowed."""
        if raw is None:
            return None
        cached = self._label_cache.get(raw)
        if cached is None:
            try:
                cached = self._normalise(raw)
            except BuildError as exc:
                cached = exc
            self._label_cache[raw] = cached if cached is not None else ""
        if isinstance(cached, BuildError):
            raise cached
        return cached or None

    def normalise_labels(self, raws: Sequence[str | None]) -> list[str | BuildError | None]:
        """normalise_label over a column, errors as values: each spelling worked out once."""
        done: dict[str | None, str | BuildError | None] = {}
        for raw in set(raws):
            try:
                done[raw] = self.normalise_label(raw)
            except BuildError as exc:
                done[raw] = exc
        return list(map(done.__getitem__, raws))

    def _normalise(self, raw: str) -> str | None:
        if not raw.strip():
            return None
        label = raw.strip()
        key = self._map_key(label)
        mapped_from = None
        if key is not None:
            label, mapped_from = self._map[key], label
        elif label.casefold() not in self._allowed:
            listed = _json_labels(label)
            if listed is not None and len(listed) == 1:
                return self._normalise(listed[0])  # '["billing"]' in a CSV cell: billing
            # 'billing;returns' would train a class of its own; a label the user mapped
            # or allowed is one class, whatever it holds (as a JSON list is rejected).
            parts = (listed or (_LABEL_SEPARATOR.split(label) if _several(label) else None)
                     or self.joined_labels(label))
            if parts:
                # Of several labels, the one allowed is the label, as for mail.
                chosen = {p.strip().casefold() for p in parts} & set(self._allowed)
                if len(chosen) == 1:
                    return self._allowed[chosen.pop()]
                what = f"a JSON list of {len(listed)} labels" if listed else "several labels"
                raise BuildError(
                    "several-labels",
                    f"label {label!r} holds {what}: an example gets one. Map it to one "
                    f"with --label-map {shlex.quote(label + '=LABEL')} ([label-map] in the "
                    "config; to itself if it is one class), or split the row into one per label",
                )
        if self._allowed:
            canonical = self._allowed.get(label.casefold())
            if canonical is None and mapped_from is not None:
                # The cell was mapped already: the map's target is what is wrong.
                raise BuildError(
                    "label-not-allowed",
                    f"label {label!r}, mapped from {mapped_from!r} by the label map, is not in "
                    f"the allowed labels ({', '.join(self.allowed_labels)}); fix that entry of "
                    "--label-map or [label-map] in the config, or add the label to --labels "
                    "or `labels` in the config",
                )
            if canonical is None:
                raise BuildError(
                    "label-not-allowed",
                    f"label {label!r} is not in the allowed labels ({', '.join(self.allowed_labels)}); "
                    "map it with --label-map or [label-map] in the config, or add it to "
                    "--labels or `labels` in the config",
                )
            label = canonical
        return label


    def _map_key(self, label: str) -> str | None:
        """The label-map key `label` (stripped) matches, noted as used; None if none."""
        key = label.casefold()
        if key not in self._map and _WHOLE_FLOAT.fullmatch(key):
            key = key.partition(".")[0]  # a code read as a float ("2.0") matches "2"
        if key not in self._map:
            return None
        self._map_used.add(key)
        return key

    def note_labels(self, raws: Iterable[str | None]) -> None:
        """Note the label-map entries these labels match, whether or not their rows are
        written (a row rejected for its length still shows the entry is no typo), and the
        single labels among them (joined_labels)."""
        for raw in set(raws):
            if raw:
                label = raw.strip()
                if self._map:
                    self._map_key(label)
                if not _ANY_SEPARATOR.search(label):
                    self._known.add(label.casefold())

    def joined_labels(self, label: str, others: Iterable[str] = ()) -> list[str]:
        """The parts of a label joined with "," or "/" when every part is a label of this
        run (or one of `others`): "billing, returns"; else [] ("Returns/Refunds")."""
        if "," not in label and "/" not in label:
            return []
        parts = [part.strip() for part in _AMBIGUOUS_SEPARATOR.split(label)]
        known = self._known.union(o.casefold() for o in others)
        if len(parts) > 1 and all(part and part.casefold() in known for part in parts):
            return parts
        return []

    def unused_label_map(self) -> list[str]:
        """Label-map entries that no label matched so far (a typo, or codes that
        arrive in another form): as the user wrote them."""
        return [k for k in self.label_map if k.strip().casefold() not in self._map_used]


def build_record(example: Example, settings: BuildSettings) -> dict[str, Any]:
    """The chat record for one example, or BuildError with the reason it cannot be built."""
    _, user, assistant = build_contents(example.text, example.label, example.reply,
                                        example.fields, settings)
    messages: list[dict[str, Any]] = []
    if settings.system_prompt:
        messages.append({"role": "system", "content": settings.system_prompt})
    messages.append({"role": "user", "content": user})
    messages.append({"role": "assistant", "content": assistant})
    return {"messages": messages}


def build_contents(text: str, raw_label: str | None, raw_reply: str | None,
                   fields: dict[str, Any], settings: BuildSettings) -> tuple[str | None, str, str]:
    """(normalised label, user content, assistant content) of one example: what
    build_record puts around the fixed system prompt. BuildError when it cannot be built."""
    label = settings.normalise_label(raw_label)
    reply = raw_reply.strip() if raw_reply else None
    if label is None and (settings.needs_label or settings.require_label):
        raise BuildError("missing-label", "no label: map a label column or give a label source")
    if settings.needs_reply and not reply:
        raise BuildError("missing-reply", f"no approved reply, which --assistant {settings.assistant} needs")
    if settings._plain_template:
        user = text.strip()
    else:
        values = {**fields, "text": text, "label": label or "", "reply": reply or ""}
        missing = [name for name in settings._fields if name not in values]
        if missing:
            raise BuildError("template-field-missing",
                             f"user template names {', '.join(missing)}, which this record does not have")
        user = _render(settings._parsed, values).strip()
    return label, user, _assistant_text(label, reply, settings)


def assistant_texts(labels: Sequence[str | None], replies: Sequence[str | None],
                    settings: BuildSettings) -> list[str]:
    """build_contents' assistant content over columns of normalised labels and stripped
    replies that build_contents accepts."""
    if settings.assistant == "label":
        return [label or "" for label in labels]
    if settings.assistant == "reply":
        return [reply or "" for reply in replies]
    return [_assistant_text(label, reply, settings) for label, reply in zip(labels, replies, strict=True)]


def _assistant_text(label: str | None, reply: str | None, settings: BuildSettings) -> str:
    if settings.assistant == "label":
        return label or ""
    if settings.assistant == "reply":
        return reply or ""
    if settings.assistant == "label+reply":
        return f"Category: {label}\n\n{reply}"
    return json.dumps({settings.json_label_key: label, settings.json_reply_key: reply}, ensure_ascii=False)


_WHOLE_FLOAT = re.compile(r"-?[0-9]+\.0+")
# What joins labels in one cell ('billing;returns', 'billing | returns'), as exporters of
# multi-select fields write them.
# A newline too: a cell "billing\nreturns" is a multi-select field's export.
_LABEL_SEPARATOR = re.compile(r"[;|\n]")
# These join labels too, but also spell one class ("Returns/Refunds", "Shipping, EU"):
# only when every part is a label (BuildSettings.joined_labels).
_AMBIGUOUS_SEPARATOR = re.compile(r"[,/]")
_ANY_SEPARATOR = re.compile(r"[;|\n,/]")


def _json_labels(label: str) -> list[str] | None:
    """The labels of a JSON list of strings written in a cell ('["billing", "returns"]')."""
    if not (label.startswith("[") and label.endswith("]")):
        return None
    try:
        value = json.loads(label)
    except ValueError:
        return None
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return value
    return None


def _several(label: str) -> bool:
    """Whether a label is several joined (a separator at either end joins nothing)."""
    return sum(1 for part in _LABEL_SEPARATOR.split(label) if part.strip()) > 1


def template_columns(template: str) -> list[str]:
    """The fields a user template names besides text, label and reply, in order."""
    return _extra_fields([name for _, name, _ in _parse_template(template) if name is not None])


def _extra_fields(names: list[str]) -> list[str]:
    return [n for n in dict.fromkeys(names) if n not in ("text", "label", "reply")]


def _parse_template(template: str) -> list[tuple[str, str | None, str]]:
    """(literal text, field name, format spec) pieces of a `str.format` template. A
    field is a column name as written: "{Ticket name}", "{Category [list]}" and
    "{via.channel}" name columns, not attributes or indexes as in str.format."""
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"user template {template!r} is malformed: {exc}") from None
    out: list[tuple[str, str | None, str]] = []
    for literal, name, spec, conversion in pieces:
        if name == "":
            raise ValueError(f"user template {template!r} has an empty field {{}}: name a "
                             "column, e.g. {subject}")
        if conversion:
            raise ValueError(f"user template {template!r}: conversions such as !{conversion} "
                             "are not supported; write the column name alone")
        try:
            format("", spec or "")  # every value is text: a spec must suit a str
        except ValueError as exc:
            raise ValueError(f"user template {template!r}: format spec {spec!r} of "
                             f"{{{name}}} does not suit text: {exc}") from None
        out.append((literal, name, spec or ""))
    return out


def _render(pieces: list[tuple[str, str | None, str]], values: dict[str, Any]) -> str:
    parts: list[str] = []
    for literal, name, spec in pieces:
        parts.append(literal)
        if name is not None:
            value = values[name]
            parts.append(format(value, spec) if spec else str(value))
    return "".join(parts)

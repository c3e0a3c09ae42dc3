"""Which table columns hold the text, label, reply, id and date: mappings and presets.

A `ColumnMapping` names columns; anything it leaves unset is recognised from common header
names (`auto=True`). Headers are compared case-insensitively, ignoring surrounding
whitespace; for recognition `_` and `-` also count as spaces, so `ticket_id` finds
`Ticket ID`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from collections.abc import Sequence

# How far down a table's header is looked for (below a title, notes or blank rows).
HEADER_SEARCH_ROWS = 30


class LoaderError(Exception):
    """An input that cannot be loaded as asked (usage or I/O error, not a bad row)."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


class ColumnMapping(BaseModel):
    """Columns for each role. Usable as a table in `[tool.ftprep.convert]`.

    `text` may name several columns (subject and body); their values are joined with a
    blank line. `fields` are extra columns copied into `Example.fields` under their header.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    # A TOML list is a tuple here (strict mode alone would refuse the list).
    text: tuple[str, ...] | None = Field(default=None, strict=False)
    label: str | None = None
    reply: str | None = None
    id: str | None = None
    date: str | None = None
    fields: tuple[str, ...] = Field(default=(), strict=False)
    # Like `fields`, but only when the file has them (convert adds the columns its
    # --user-template names: a file without one rejects its rows, naming the field).
    optional_fields: tuple[str, ...] = Field(default=(), strict=False, alias="optional-fields")
    # Recognise unset roles from common header names.
    auto: bool = True

    @field_validator("text", "fields", "optional_fields", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    def overriding(self, base: ColumnMapping) -> ColumnMapping:
        """This mapping, with the roles it leaves unset taken from `base` (a preset)."""
        merged = base.model_dump()
        for key, value in self.model_dump(exclude_unset=True).items():
            merged[key] = value
        return ColumnMapping.model_validate(merged)


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    mapping: ColumnMapping
    # Columns kept in Example.fields when the export has them (exports vary by account).
    optional_fields: tuple[str, ...] = ()
    # Said to the user whenever the preset is used.
    note: str = ""
    # The same helpdesk's JSON export (its API's field names), when they differ.
    json: Preset | None = None


PRESETS: dict[str, Preset] = {
    "zendesk": Preset(
        "zendesk",
        ColumnMapping(
            text=("Subject",), label="Ticket type", id="Id", date="Created at", auto=False
        ),
        optional_fields=("Tags", "Group", "Priority", "Status", "Via"),
        note=(
            "Zendesk's CSV export has the Subject but no description or comments, so the "
            "example text is the subject alone; export tickets as JSON (or through the API) "
            "to get the description, and pass that file with the same preset. Ticket type is "
            "problem/incident/question/task: map label to a custom field such as "
            "'Categories [list]' if that holds your classes."
        ),
        json=Preset(
            "zendesk",
            ColumnMapping(text=("subject", "description"), label="type", id="id",
                          date="created_at", auto=False),
            optional_fields=("tags", "group_id", "priority", "status"),
            note=(
                "Zendesk's JSON export: the text is the subject and the description, the "
                "label its type (problem/incident/question/task); map label to a custom "
                "field (--label 'custom_fields[id=ID].value') if that holds your classes."
            ),
        ),
    ),
    "freshdesk": Preset(
        "freshdesk",
        ColumnMapping(
            text=("Subject", "Description"),
            label="Type",
            id="Ticket ID",
            date="Created time",
            auto=False,
        ),
        optional_fields=("Tags", "Group", "Priority", "Source", "Product", "Status"),
    ),
    "text-label": Preset("text-label", ColumnMapping(text=("text",), label="label", auto=False)),
}

# Recognised header names, best first, compared with `header_key` (which folds case but
# not accents: accented and plain spellings are both listed). The English names come
# first; German, French, Spanish, Italian, Dutch and Portuguese ones follow, each only
# where no other role could claim it: Thema (subject or topic?) and Pedido (a request or
# an order number?) are left out.
SUBJECT_NAMES = ("subject", "ticket subject", "email subject", "title", "summary",
                 "ticket name",  # HubSpot's subject
                 "betreff", "titel", "objet", "sujet", "titre", "asunto", "título", "titulo",
                 "oggetto", "onderwerp", "assunto")  # fmt: skip
TEXT_NAMES = (
    "text", "body", "description", "ticket description", "message", "customer message",
    "content", "question", "query", "utterance", "request", "issue", "complaint",
    "email body", "comment", "instruction", "input", "prompt",
    "nachricht", "beschreibung", "inhalt", "anfrage",
    "texte", "contenu", "demande",
    "mensaje", "descripción", "descripcion", "consulta", "texto", "contenido",
    "messaggio", "descrizione", "testo", "richiesta",
    "bericht", "omschrijving", "beschrijving", "vraag",
    "mensagem", "descrição", "descricao", "conteúdo", "conteudo",
)  # fmt: skip
# Category before type in every language: Typ/Tipo/Type may be the ticket's type
# (incident, question), a worse label than a category beside it, but still a label (as
# the English `type`) and no other role's name.
LABEL_NAMES = (
    "label", "category", "kategorie", "catégorie", "categorie", "categoría", "categoria",
    "intent", "ticket type", "type", "typ", "tipo", "class", "topic", "issue type", "queue",
)  # fmt: skip
REPLY_NAMES = (
    "reply", "approved reply", "response", "answer", "resolution", "agent reply",
    "agent response", "output", "completion",
    "antwort", "réponse", "reponse", "respuesta", "risposta", "antwoord", "resposta",
)  # fmt: skip
ID_NAMES = ("id", "ticket id", "ticket number", "case id", "case number", "conversation id",
            "message id", "record id", "issue key", "issue id", "ticket nr.", "ticket nr",
            "ticket no.", "ticket no", "ticketnummer", "ticket nummer",
            "nr.", "nr", "nummer", "numéro", "numero", "número", "n°",
            # Last: a column named Ticket mostly holds the ticket's number, so it is the
            # id when no better-named id column is found, and never the text ("1001"
            # as the user message). Ids are recognised after every other role, so it
            # takes nothing from them.
            "ticket")  # fmt: skip
DATE_NAMES = ("created at", "created time", "created", "created date", "date created", "date",
              "timestamp")  # fmt: skip


_ALL_NAMES = frozenset((*SUBJECT_NAMES, *TEXT_NAMES, *LABEL_NAMES, *REPLY_NAMES, *ID_NAMES,
                        *DATE_NAMES))  # fmt: skip


def header_key(name: str) -> str:
    """Loose form of a header for recognition: `Ticket_ID ` -> `ticket id`."""
    return " ".join(name.replace("_", " ").replace("-", " ").split()).casefold()


@dataclass(frozen=True, slots=True)
class ResolvedColumns:
    """Actual header names (as in the file) for each role."""

    text: tuple[str, ...]
    label: str | None = None
    reply: str | None = None
    id: str | None = None
    date: str | None = None
    fields: tuple[str, ...] = ()
    # Every header of the file, for messages that list them.
    headers: tuple[str, ...] = ()

    def used(self) -> list[str]:
        """Every column read, each once, in a stable order."""
        names = [*self.text, self.label, self.reply, self.id, self.date, *self.fields]
        return list(dict.fromkeys(n for n in names if n is not None))


class _Headers:
    def __init__(self, headers: Sequence[str]) -> None:
        self.headers = list(headers)
        self.exact: dict[str, str] = {}
        self.loose: dict[str, str] = {}
        for h in self.headers:
            self.exact.setdefault(h.strip().casefold(), h)
            self.loose.setdefault(header_key(h), h)

    def get(self, name: str) -> str | None:
        return self.exact.get(name.strip().casefold()) or self.loose.get(header_key(name))

    def first(self, names: Sequence[str], taken: set[str]) -> str | None:
        for name in names:
            found = self.loose.get(name)
            if found is not None and found not in taken:
                return found
        return None


def find_header(headers: Sequence[str], name: str) -> str | None:
    """The header `name` means, as the column options match it: the same name ignoring
    case first, then ignoring spaces, `_` and `-` ('Ticket_Subject' for 'ticket subject')."""
    return _Headers(headers).get(name)


def resolve_columns(
    headers: Sequence[str],
    mapping: ColumnMapping | None,
    *,
    preset: Preset | None = None,
    file: str = "<table>",
    delimiter: str | None = None,
) -> ResolvedColumns:
    """Match a mapping (and preset) to the headers of a file; LoaderError when it cannot."""
    base = preset.mapping if preset else ColumnMapping()
    effective = mapping.overriding(base) if mapping else base
    # A preset's id/date/reply columns may be absent from an export; the user's may not.
    lenient = (
        {"reply", "id", "date"} - set(mapping.model_dump(exclude_unset=True) if mapping else {})
        if preset
        else set()
    )
    cols = _Headers(headers)
    named = [n for n in (*(effective.text or ()), effective.label, effective.reply, effective.id,
                         effective.date, *effective.fields) if n]  # fmt: skip

    def need(name: str | None, role: str) -> str | None:
        if not name:
            return None
        found = cols.get(name)
        if found is None and role not in lenient:
            # None of the named columns at all: more likely the delimiter than a name.
            none_found = not any(cols.get(n) for n in named)
            raise LoaderError(file, _missing(name, role, cols.headers,
                                             delimiter if none_found else None))
        return found

    text = [c for n in effective.text or () if (c := need(n, "text"))]
    label = need(effective.label, "label")
    reply = need(effective.reply, "reply")
    rid = need(effective.id, "id")
    date = need(effective.date, "date")
    fields = [c for n in effective.fields if (c := need(n, "fields"))]
    optional = (*(preset.optional_fields if preset else ()), *effective.optional_fields)
    fields += [f for n in optional if (f := cols.get(n)) and f not in fields]

    if effective.auto:
        taken = {*text, *(c for c in (label, reply, rid, date) if c)}
        if not text:
            subject = cols.first(SUBJECT_NAMES, taken)
            body = cols.first(TEXT_NAMES, taken | ({subject} if subject else set()))
            text = [c for c in (subject, body) if c]
            taken.update(text)
        if effective.label is None and (label := cols.first(LABEL_NAMES, taken)):
            taken.add(label)
        if effective.reply is None and (reply := cols.first(REPLY_NAMES, taken)):
            taken.add(reply)
        if effective.id is None and (rid := cols.first(ID_NAMES, taken)):
            taken.add(rid)
        if effective.date is None:
            date = cols.first(DATE_NAMES, taken)
    if not text:
        raise LoaderError(
            file,
            "no text column: none of the columns "
            f"({_listing(cols.headers)}) is named like a ticket text (text, body, "
            "description, message, subject, ...). Fix: name the columns, e.g. --text "
            "Subject --text Body --label Category (and --reply for an approved answer), or "
            'text = ["Subject", "Body"] under [convert.columns] in a config (in Python: '
            'ColumnMapping(text=["Subject", "Body"])).'
            + _title_hint(cols.headers) + _delimiter_hint(cols.headers, delimiter),
        )
    return ResolvedColumns(tuple(text), label, reply, rid, date, tuple(dict.fromkeys(fields)),
                           tuple(cols.headers))


def no_reply_column(cols: ResolvedColumns, why: str) -> str:
    """The message for a table without a reply column when `why` needs one."""
    return (f"no reply column: {why}, and none of the columns ({_listing(list(cols.headers))}) "
            f"is named like an approved answer ({', '.join(REPLY_NAMES[:5])}, ...). Fix: map it, "
            'e.g. --reply "Agent response" (reply = "..." under [convert.columns] in a config), '
            "or answer with the label (--assistant label)")


def header_row(
    rows: Sequence[Sequence[str]], mapping: ColumnMapping | None, preset: Preset | None = None
) -> int:
    """Which of a table's first rows is the header (CSV and XLSX alike).

    The first row, when it holds the columns the mapping (and preset) names, or a
    recognised text column when the text is left to recognition: the usual file, and
    nothing else is looked at. Else the first row below that holds them, skipping a
    title, notes or blank rows; a row found by recognition alone must also be wider
    than every row above it, as a data row holding a recognised name ("question" in a
    ticket type column) is not, unless it holds two recognised names and the rows
    above it none (a note as wide as the header). Else the first row, unless it has
    fewer than two filled cells and a row below has two or more: the column error that
    follows names that row's columns."""
    base = preset.mapping if preset else ColumnMapping()
    named = bool((mapping.overriding(base) if mapping else base).text)
    rows = rows[:HEADER_SEARCH_ROWS]
    filled = [sum(1 for v in row if str(v).strip()) for row in rows]
    if not filled or _fits(rows[0], mapping, preset):
        return 0
    for i in range(1, len(rows)):
        if filled[i] < 2 or not _fits(rows[i], mapping, preset):
            continue
        if named or max(filled[:i]) < filled[i]:
            return i
        # A note at least as wide as the header ("Report, Q1, 2024" over id,text,label):
        # two recognised names below rows holding none make the header, as a data row
        # rarely holds two, and not below a header holding one (Ticket-Nr.).
        if _recognised(rows[i]) >= 2 and not any(_recognised(row) for row in rows[:i]):
            return i
    if filled[0] >= 2:
        return 0
    return next((i for i, n in enumerate(filled) if n >= 2), 0)


def _recognised(cells: Sequence[str]) -> int:
    """How many of `cells` are recognised header names."""
    return sum(1 for c in cells if header_key(str(c)) in _ALL_NAMES)


def _fits(cells: Sequence[str], mapping: ColumnMapping | None, preset: Preset | None) -> bool:
    try:
        resolve_columns([str(c).strip() for c in cells], mapping, preset=preset)
    except LoaderError:
        return False
    return True


def masked(text: str) -> str:
    """File text quoted in a warning, PII redacted to placeholders: warnings reach the
    console, CI logs and the summary JSON ("Generated by admin@acme.example")."""
    from ftprep.clean.pii import redact

    return redact(text)[0]


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(
            f"unknown preset {name!r}: use one of {', '.join(sorted(PRESETS))}"
        ) from None


def _missing(name: str, role: str, headers: list[str], delimiter: str | None) -> str:
    close = difflib.get_close_matches(name, headers, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"no column {name!r} (mapped as {role}). Columns in the file: {_listing(headers)}."
        f"{hint} Fix: map {role} to one of these columns."
        + _delimiter_hint(headers, delimiter, named=True)
    )


def _listing(headers: list[str]) -> str:
    shown = ", ".join(repr(h) for h in headers[:40])
    return shown + (f", ... ({len(headers)} in all)" if len(headers) > 40 else "")


def _title_hint(headers: list[str]) -> str:
    # A title line above the header leaves one named column and unnamed ones.
    named = [h for h in headers if not h.startswith("Unnamed: ")]
    if len(named) == 1 and (len(headers) == 1 or len(named) < len(headers) / 2):
        return (f" The header row holds only {named[0]!r}: if that is a title above the real "
                f"header, name the header's columns (a line among the first {HEADER_SEARCH_ROWS} "
                "that holds them is taken as the header), or delete the line(s) above it.")
    return ""


def repeated_headers(headers: Sequence[str]) -> dict[str, list[str]]:
    """Headers a file repeats, as pandas names the copies: {"Comment": ["Comment",
    "Comment.1", ...]}."""
    names = set(headers)
    repeated: dict[str, list[str]] = {}
    for h in headers:
        base, dot, number = h.rpartition(".")
        if dot and number.isdigit() and base in names:
            repeated.setdefault(base, [base]).append(h)
    return repeated


def _delimiter_hint(headers: list[str], delimiter: str | None, *, named: bool = False) -> str:
    """The delimiter used and Excel's `sep=` first line that sets another, when the
    header shows signs of a wrong one: another separator inside a header, or (`named`)
    none of the columns the user named."""
    if delimiter is None:
        return ""
    others = [c for c in ",;\t|" if c != delimiter and any(c in h for h in headers)]
    if not others and not named:
        return ""
    sep = (others or [";" if delimiter != ";" else ","])[0]
    line = "sep= and a tab" if sep == "\t" else f"sep={sep}"
    shown = "tab" if delimiter == "\t" else repr(delimiter)
    return (f" The file was read with delimiter {shown}: if it uses another one, make its "
            f"first line {line} (Excel's own line naming the delimiter) and run again.")


__all__ = [
    "PRESETS",
    "ColumnMapping",
    "LoaderError",
    "Preset",
    "ResolvedColumns",
    "get_preset",
    "header_key",
    "header_row",
    "masked",
    "no_reply_column",
    "repeated_headers",
    "resolve_columns",
]

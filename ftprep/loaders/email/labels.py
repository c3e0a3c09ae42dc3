"""Where a message's label comes from: a map file, a header, Gmail labels, or its folder."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

# Gmail pseudo-labels and the standard folders of mail clients: they say where a message
# sits, not what it is about, so they never become a class label.
_ENGLISH_LABELS = frozenset(
    {
        "inbox", "sent", "sent mail", "sent items", "sent messages", "archived", "archive",
        "archives", "opened", "unread", "important", "starred", "spam", "junk", "junk e-mail",
        "junk email", "trash", "deleted items", "deleted messages", "bin", "chat", "chats",
        "drafts", "draft", "all mail", "outbox", "templates", "unsent messages", "notes",
        "maildir", "mail", "local folders", "snoozed", "muted", "scheduled",
    }
)  # fmt: skip
# Gmail Takeout writes the system labels in the account's language. Best-effort: the
# languages below, in the forms Gmail shows (singular and plural where unsure), leaving
# out names a team may use as a class ("Todos", "Suivi", "En attente"); a name missed
# here can become a class. A user overrides with `label-priority` (which label
# wins when several remain), `label-header` or `label-map-file` (labels from elsewhere),
# or `labels` in [tool.ftprep] (the allowed classes, so anything else is rejected).
_LOCALISED_LABELS = frozenset(
    {
        # German
        "posteingang", "gesendet", "wichtig", "geöffnet", "ungelesen", "markiert",
        "archiviert", "entwürfe", "entwurf", "papierkorb", "zurückgestellt", "alle nachrichten",
        # French
        "boîte de réception", "messages envoyés", "envoyés", "envoyé", "ouvert", "non lus",
        "non lu", "suivis", "messages suivis", "archivé", "archivés", "brouillons", "brouillon",
        "corbeille", "tous les messages",
        # Spanish
        "recibidos", "enviados", "enviado", "importante", "importantes", "abierto", "no leídos",
        "no leído", "sin leer", "destacados", "destacado", "archivado", "archivados",
        "borradores", "borrador", "papelera", "pospuestos", "pospuesto",
        # Italian
        "posta in arrivo", "posta inviata", "inviati", "inviato", "aperto", "da leggere",
        "non letti", "non letto", "speciali", "archiviato", "archiviati", "bozze", "cestino",
        "posticipati", "posticipato", "tutti i messaggi",
        # Portuguese
        "caixa de entrada", "e-mails enviados", "aberto", "não lidos", "não lido",
        "com estrela", "arquivado", "arquivados", "rascunhos", "lixeira", "lixo", "adiados",
        "adiado", "todos os e-mails",
        # Dutch
        "postvak in", "verzonden", "verzonden items", "belangrijk", "geopend", "ongelezen",
        "met ster", "gearchiveerd", "concepten", "prullenbak", "gesnoozed", "alle berichten",
    }
)  # fmt: skip
SYSTEM_LABELS = _ENGLISH_LABELS | _LOCALISED_LABELS
# Gmail's inbox tabs ("Category Updates", "Kategorie Werbung") and their API names.
_CATEGORY_PREFIXES = (
    "category ", "category_", "kategorie ", "catégorie ", "categoría ", "categoria ",
    "categorie ",
)  # fmt: skip


# The names Gmail (in the languages above), IMAP tools and mail clients give to the mail
# the account itself sent: in a support team's export, the team's own messages.
_SENT_LABELS = frozenset(
    {
        "sent", "sent mail", "sent items", "sent messages", "gesendet", "gesendete elemente",
        "gesendete objekte", "envoyés", "messages envoyés", "éléments envoyés", "enviados",
        "elementos enviados", "posta inviata", "inviati", "e-mails enviados",
        "itens enviados", "verzonden", "verzonden items",
    }
)  # fmt: skip


def is_sent_label(name: str) -> bool:
    """Whether a Gmail label or folder name says the account itself sent the message."""
    low = name.strip().strip('"').lstrip("\\").casefold()
    return low.removeprefix("[gmail]/") in _SENT_LABELS


# Inbox names (Gmail's in the languages above, mail clients'): mail that came in.
_INBOX_LABELS = frozenset(
    {
        "inbox", "posteingang", "boîte de réception", "recibidos", "bandeja de entrada",
        "posta in arrivo", "caixa de entrada", "postvak in",
    }
)  # fmt: skip


# Drafts folders and labels (Gmail's in the languages above, mail clients'): unsent mail.
# Only names that are system labels above, so a class label is never taken for one.
_DRAFT_LABELS = frozenset(
    {
        "draft", "drafts", "entwurf", "entwürfe", "brouillon", "brouillons", "borrador",
        "borradores", "bozze", "rascunhos", "concepten",
    }
)  # fmt: skip


def is_draft_label(name: str) -> bool:
    """Whether a Gmail label or folder name holds drafts."""
    low = name.strip().strip('"').lstrip("\\").casefold()
    return low.removeprefix("[gmail]/") in _DRAFT_LABELS


def has_draft_label(value: str) -> bool:
    """Whether an X-Gmail-Labels value holds the system label Draft."""
    return any(is_draft_label(cell) for cell in " ".join(value.split()).split(","))


def is_inbox_label(name: str) -> bool:
    return name.strip().strip('"').lstrip("\\").casefold() in _INBOX_LABELS


def has_sent_label(value: str) -> bool:
    """Whether an X-Gmail-Labels value holds the system label Sent (any cell, quoted or
    as an IMAP flag: `Sent`, `"\\Sent"`)."""
    return any(is_sent_label(cell) for cell in " ".join(value.split()).split(","))


@dataclass(frozen=True, slots=True)
class LabelChoice:
    """The label picked and where from; `label` None with `others` set: several
    candidates and nothing to choose between them (a `several-labels` reject)."""

    label: str | None
    source: str  # "label-map", "header", "x-gmail-labels", "msg-categories", "folder", "none"
    others: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.label is None and len(self.others) > 1


NO_LABEL = LabelChoice(None, "none")
# The fix for a message without a label (convert's `missing-label` for mail).
MISSING_LABEL = (
    "no label: the message has no user label (Gmail label, Outlook category), no label "
    "header and sits in no labelled folder. Label it before exporting, or set label-header "
    "or label-map-file in [tool.ftprep.convert.email] (eml-folder-labels for folders of "
    ".eml files); with --assistant reply, allow-unlabelled = true in [tool.ftprep.convert] "
    "keeps it"
)


def is_system_label(name: str) -> bool:
    low = name.strip().casefold()
    return (
        not low
        or low in SYSTEM_LABELS
        or low.startswith(_CATEGORY_PREFIXES)
        or low.startswith("\\")  # IMAP flags written by getmail & co: "\\Sent", "\\Important"
        or low.startswith("[gmail]")
    )


def parse_label_list(value: str) -> list[str]:
    """User labels from a comma-separated header value; labels may be CSV-quoted."""
    value = " ".join(value.split())  # folded headers leave newlines inside the value
    cells = value.split(",")
    if '"' in value:  # a label with a comma in it is CSV-quoted
        with contextlib.suppress(csv.Error):
            cells = next(csv.reader(io.StringIO(value), skipinitialspace=True), [])
    seen: dict[str, str] = {}  # casefolded -> as first written: "Billing,billing" is one
    for cell in cells:
        name = cell.strip().strip('"').strip()
        if name and not is_system_label(name):
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def choose(labels: list[str], priority: list[str],
           allowed: Callable[[str], bool | None] | None = None) -> tuple[str | None, tuple[str, ...]]:
    """One label and the rest; (None, labels) when nothing decides between several.

    Of several labels, the only one `allowed` (the run's allowed labels) says yes to wins;
    else the first of `priority` the message has. Nothing is picked by the order the
    exporter wrote them in or by the alphabet: a silent pick mislabels (as tables
    reject a cell with several labels).
    """
    pool = labels
    if allowed is not None and len(labels) > 1:
        fits = [x for x in labels if allowed(x)]
        pool = fits or labels
    best: str | None = pool[0] if len(pool) == 1 else None
    if best is None and priority:
        by_fold = {label.casefold(): label for label in pool}
        best = next((by_fold[w.casefold()] for w in priority if w.casefold() in by_fold), None)
    if best is None:
        return None, tuple(labels)
    return best, tuple(x for x in labels if x != best)


def resolve(
    *,
    message_id: str | None,
    label_map: dict[str, str],
    header_value: str | None,
    gmail_value: str | None,
    categories: list[str] | None,
    folder: str | None,
    priority: list[str],
    allowed: Callable[[str], bool | None] | None = None,
) -> LabelChoice:
    """Most deliberate source first: map file, configured header, Gmail, Outlook, folder."""
    if message_id and message_id in label_map:
        return LabelChoice(label_map[message_id], "label-map")
    if header_value and header_value.strip():
        return LabelChoice(" ".join(header_value.split()), "header")
    candidates = (
        ("x-gmail-labels", parse_label_list(gmail_value) if gmail_value else []),
        ("msg-categories", [c.strip() for c in categories or [] if not is_system_label(c)]),
    )
    for source, names in candidates:
        if names:
            best, others = choose(names, priority, allowed)
            return LabelChoice(best, source, others)
    if folder and not is_system_label(folder):
        return LabelChoice(folder, "folder")
    return NO_LABEL


def normalise_message_id(value: str) -> str:
    return value.strip().strip("<>").strip()


class LabelMapError(ValueError):
    """A label-map file that cannot be used; the message names the file and the fix."""


def _text(path: Path, where: str, value: object) -> str:
    """A label-map value that must be a string: a number or a list would become a label
    spelt as Python prints it ("5", "['a', 'b']") without a word."""
    if isinstance(value, str):
        return value
    kind = {bool: "true/false", int: "a number", float: "a number", list: "a list",
            dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)
    raise LabelMapError(f"{path}: {where} is {kind} ({json.dumps(value)}), not a string: "
                        'write it in quotes ("billing"); one label per message')


def load_label_map(path: Path) -> dict[str, str]:
    """Message-ID -> label from CSV (message_id,label) or JSON; raises LabelMapError (a
    ValueError) if unusable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LabelMapError(f"{path}: cannot read label map ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise LabelMapError(f"{path}: label map is not UTF-8 text") from None
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LabelMapError(f"{path}: invalid JSON in label map: {exc}") from None
        if isinstance(data, dict):
            pairs = [(k, _text(path, f"the label of {k!r}", v)) for k, v in data.items()]
        elif isinstance(data, list) and all(isinstance(x, dict) for x in data):
            for i, item in enumerate(data):
                if "message_id" not in item or "label" not in item:
                    raise LabelMapError(f"{path}: item {i} needs `message_id` and `label` keys")
                pairs.append((_text(path, f"item {i}: message_id", item["message_id"]),
                              _text(path, f"item {i}: label", item["label"])))
        else:
            raise LabelMapError(f"{path}: expected an object or a list of objects")
    else:
        rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
        if rows and "message" in rows[0][0].casefold() and "@" not in rows[0][0]:
            rows = rows[1:]  # a header row
        for n, row in enumerate(rows, start=1):
            if len(row) < 2:
                raise LabelMapError(f"{path}: row {n} needs two columns: message_id,label")
            pairs.append((row[0], row[1]))
    return {normalise_message_id(k): v.strip() for k, v in pairs if k.strip() and v.strip()}

"""Common German, French, Spanish, Italian, Dutch and Portuguese header names are
recognised like the English ones (case and `_`/`-` ignored, accented and plain spellings
both listed), and never where another role could claim them."""

from __future__ import annotations

import pytest

from ftprep.loaders.columns import (
    ID_NAMES,
    LABEL_NAMES,
    REPLY_NAMES,
    SUBJECT_NAMES,
    TEXT_NAMES,
    ColumnMapping,
    get_preset,
    resolve_columns,
)


@pytest.mark.parametrize(
    ("headers", "text", "label", "reply", "rid"),
    [
        (["Ticket", "Nachricht", "Kategorie"], ("Nachricht",), "Kategorie", None, "Ticket"),
        (["Nr.", "Betreff", "Beschreibung", "Kategorie", "Antwort"],
         ("Betreff", "Beschreibung"), "Kategorie", "Antwort", "Nr."),
        (["ID", "Inhalt", "Typ"], ("Inhalt",), "Typ", None, "ID"),
        (["Objet", "Contenu", "Catégorie", "Réponse"], ("Objet", "Contenu"), "Catégorie",
         "Réponse", None),
        (["Sujet", "Demande", "categorie", "reponse"], ("Sujet", "Demande"), "categorie",
         "reponse", None),
        (["Asunto", "Descripción", "Categoría", "Respuesta"], ("Asunto", "Descripción"),
         "Categoría", "Respuesta", None),
        (["CONSULTA", "Tipo"], ("CONSULTA",), "Tipo", None, None),
        (["Número", "Mensaje", "Categoria"], ("Mensaje",), "Categoria", None,
         "Número"),
        (["Oggetto", "Messaggio", "Risposta"], ("Oggetto", "Messaggio"), None, "Risposta", None),
        (["Onderwerp", "Omschrijving", "Antwoord"], ("Onderwerp", "Omschrijving"), None,
         "Antwoord", None),
        (["Assunto", "Mensagem", "Resposta"], ("Assunto", "Mensagem"), None, "Resposta", None),
    ],
)  # fmt: skip
def test_non_english_headers_are_recognised(
    headers: list[str], text: tuple[str, ...], label: str | None, reply: str | None,
    rid: str | None,
) -> None:
    cols = resolve_columns(headers, None)
    assert (cols.text, cols.label, cols.reply, cols.id) == (text, label, reply, rid)


def test_a_category_wins_over_a_type() -> None:
    # Typ/Tipo may be the ticket's type (incident, question): a category is the better label.
    assert resolve_columns(["Typ", "Nachricht", "Kategorie"], None).label == "Kategorie"
    assert resolve_columns(["Tipo", "Mensaje", "Categoría"], None).label == "Categoría"


def test_explicit_columns_and_presets_still_win() -> None:
    cols = resolve_columns(["Betreff", "Nachricht", "Kategorie"],
                           ColumnMapping(text=("Nachricht",), label="Betreff"))  # fmt: skip
    assert (cols.text, cols.label) == (("Nachricht",), "Betreff")
    zendesk = ["Id", "Subject", "Ticket type", "Created at", "Nachricht", "Kategorie"]
    cols = resolve_columns(zendesk, None, preset=get_preset("zendesk"))
    assert (cols.text, cols.label) == (("Subject",), "Ticket type")


def test_no_name_is_recognised_for_two_roles() -> None:
    lists = {"subject": SUBJECT_NAMES, "text": TEXT_NAMES, "label": LABEL_NAMES,
             "reply": REPLY_NAMES, "id": ID_NAMES}  # fmt: skip
    seen: dict[str, str] = {}
    for role, names in lists.items():
        for name in names:
            assert seen.setdefault(name, role) == role, f"{name!r}: {seen[name]} and {role}"

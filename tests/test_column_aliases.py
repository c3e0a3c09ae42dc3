"""Helpdesk header names recognised without options: HubSpot's `Ticket name` (the
subject, joined before `Ticket description`), German and English ticket numbers as the
id, and a `Ticket` column as the id (never the text: it mostly holds the ticket's number)."""

from __future__ import annotations

import pytest

from ftprep.loaders.columns import ColumnMapping, LoaderError, resolve_columns


def test_hubspot_ticket_name_is_the_subject_before_the_description() -> None:
    headers = ["Ticket ID", "Ticket name", "Ticket description", "Pipeline", "Category"]
    cols = resolve_columns(headers, None)
    assert cols.text == ("Ticket name", "Ticket description")
    assert (cols.id, cols.label) == ("Ticket ID", "Category")


@pytest.mark.parametrize("name", ["Ticket-Nr.", "Ticket Nr", "Ticketnummer", "ticket_no"])
def test_ticket_numbers_are_the_id(name: str) -> None:
    assert resolve_columns([name, "Message", "Category"], None).id == name


def test_a_lone_ticket_column_is_not_the_text() -> None:
    # A column named Ticket mostly holds the ticket's number ("1001"), which must never
    # become the user message: without another text column it stays an error.
    with pytest.raises(LoaderError, match="no text column"):
        resolve_columns(["Ticket", "Notes", "Category"], None)


def test_ticket_is_the_id_beside_a_text_column() -> None:
    cols = resolve_columns(["Ticket", "Subject", "Category"], None)
    assert (cols.text, cols.id, cols.label) == (("Subject",), "Ticket", "Category")
    assert resolve_columns(["Ticket", "Body"], None).text == ("Body",)


def test_ticket_gives_way_to_a_named_id_column() -> None:
    # A real id column wins; Ticket is then left alone (neither id nor text).
    cols = resolve_columns(["Ticket ID", "Ticket", "Body"], None)
    assert (cols.text, cols.id) == (("Body",), "Ticket ID")


def test_ticket_named_as_text_is_still_the_text() -> None:
    cols = resolve_columns(["Ticket", "Category"], ColumnMapping(text=("Ticket",)))
    assert (cols.text, cols.id) == (("Ticket",), None)


def test_no_text_column_is_still_an_error() -> None:
    with pytest.raises(LoaderError, match="no text column"):
        resolve_columns(["Ticket-Nr.", "Kategorie"], None)

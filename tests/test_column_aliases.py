"""Helpdesk header names recognised without options: HubSpot's `Ticket name` (the
subject, joined before `Ticket description`), German and English ticket numbers as the
id, and a lone `Ticket` column as the text."""

from __future__ import annotations

import pytest

from ftprep.loaders.columns import LoaderError, resolve_columns


def test_hubspot_ticket_name_is_the_subject_before_the_description() -> None:
    headers = ["Ticket ID", "Ticket name", "Ticket description", "Pipeline", "Category"]
    cols = resolve_columns(headers, None)
    assert cols.text == ("Ticket name", "Ticket description")
    assert (cols.id, cols.label) == ("Ticket ID", "Category")


@pytest.mark.parametrize("name", ["Ticket-Nr.", "Ticket Nr", "Ticketnummer", "ticket_no"])
def test_ticket_numbers_are_the_id(name: str) -> None:
    assert resolve_columns([name, "Message", "Category"], None).id == name


def test_a_lone_ticket_column_is_the_text() -> None:
    cols = resolve_columns(["Ticket", "Category"], None)
    assert (cols.text, cols.label) == (("Ticket",), "Category")


def test_ticket_beside_a_text_column_is_left_alone() -> None:
    # Beside a subject or body, `Ticket` may well be a number: never joined into the text.
    assert resolve_columns(["Ticket", "Subject", "Category"], None).text == ("Subject",)
    assert resolve_columns(["Ticket", "Body"], None).text == ("Body",)


def test_no_text_column_is_still_an_error() -> None:
    with pytest.raises(LoaderError, match="no text column"):
        resolve_columns(["Ticket-Nr.", "Kategorie"], None)

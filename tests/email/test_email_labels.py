"""Labels: Gmail label parsing, deterministic choice, precedence, the map file."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from ftprep.loaders.email.labels import (
    choose,
    is_system_label,
    load_label_map,
    parse_label_list,
    resolve,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Inbox,Important,billing", ["billing"]),
        ("Archived,Important,Opened,Category Updates,jobs", ["jobs"]),
        ('"Support, Tier 2",returns,Inbox', ["Support, Tier 2", "returns"]),
        ('"\\\\Sent","\\\\Important"', []),  # IMAP-style flags written by getmail
        ("INBOX,unread,STARRED,Spam,Trash,Chat,Drafts,Sent", []),
        ("billing, billing ,refunds", ["billing", "refunds"]),
        ("billing,\n refunds", ["billing", "refunds"]),  # folded header
        ("", []),
    ],
)
def test_parse_label_list(value: str, expected: list[str]) -> None:
    assert parse_label_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Posteingang,Wichtig,Geöffnet", []),
        ("Posteingang,Wichtig,technical", ["technical"]),
        ("Boîte de réception,Important,Ouvert,Catégorie Promotions", []),
        ("Recibidos,Importante,Abierto,Destacados,Papelera", []),
        ("Posta in arrivo,Speciali,Bozze,Cestino,returns", ["returns"]),
        ("Caixa de entrada,Com estrela,Lixeira,Categoria Social", []),
        ("Postvak IN,Belangrijk,Geopend,Ongelezen,Prullenbak", []),
        ("Snoozed,technical", ["technical"]),
        ("Muted,IMPORTANT,CATEGORY_PERSONAL,returns", ["returns"]),
    ],
)
def test_localised_and_state_labels_are_system_labels(value: str, expected: list[str]) -> None:
    assert parse_label_list(value) == expected


def test_system_labels() -> None:
    assert is_system_label("Category Promotions")
    assert is_system_label("[Gmail]/All Mail")
    assert is_system_label("  ")
    assert not is_system_label("billing")


def test_choose_never_picks_one_of_several_silently() -> None:
    # QA: the alphabetically first of several labels was taken without a word.
    assert choose(["billing"], []) == ("billing", ())
    assert choose(["returns", "Billing"], []) == (None, ("returns", "Billing"))
    assert choose(["returns", "billing"], ["Returns"]) == ("returns", ("billing",))
    assert choose(["returns", "billing"], ["shipping"]) == (None, ("returns", "billing"))


def test_choose_takes_the_one_allowed_label() -> None:
    def allowed(label: str) -> bool:
        return label.casefold() in {"billing", "returns", "technical"}

    assert choose(["Follow-up", "returns"], [], allowed) == ("returns", ("Follow-up",))
    # Two allowed: label-priority decides between them, or nothing does.
    assert choose(["returns", "billing", "VIP"], [], allowed) == (
        None, ("returns", "billing", "VIP"))  # fmt: skip
    assert choose(["returns", "billing", "VIP"], ["VIP", "billing"], allowed) == (
        "billing", ("returns", "VIP"))  # fmt: skip
    # None allowed: as without a list (the build step then rejects it as not allowed).
    assert choose(["Follow-up"], [], allowed) == ("Follow-up", ())
    assert choose(["Follow-up", "VIP"], ["VIP"], allowed) == ("VIP", ("Follow-up",))


def test_labels_that_differ_in_case_are_one() -> None:
    assert parse_label_list("Billing,billing,Inbox") == ["Billing"]


def _resolve(**overrides: object) -> tuple[str | None, str]:
    args: dict[str, object] = {
        "message_id": "m1@x",
        "label_map": {},
        "header_value": None,
        "gmail_value": None,
        "categories": None,
        "folder": None,
        "priority": [],
    }
    args.update(overrides)
    choice = resolve(**args)  # type: ignore[arg-type]
    return choice.label, choice.source


def test_label_precedence() -> None:
    everything = {
        "label_map": {"m1@x": "mapped"},
        "header_value": "from-header",
        "gmail_value": "Inbox,gmail",
        "categories": ["outlook"],
        "folder": "folder",
    }
    assert _resolve(**everything) == ("mapped", "label-map")
    del everything["label_map"]
    assert _resolve(**everything) == ("from-header", "header")
    del everything["header_value"]
    assert _resolve(**everything) == ("gmail", "x-gmail-labels")
    del everything["gmail_value"]
    assert _resolve(**everything) == ("outlook", "msg-categories")
    del everything["categories"]
    assert _resolve(**everything) == ("folder", "folder")
    assert _resolve(folder="Inbox") == (None, "none")
    assert _resolve(gmail_value="Inbox,Important", folder="billing") == ("billing", "folder")


def test_label_map_csv(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("message_id,label\n<a@x>,billing\n b@x , returns \n\n")
    assert load_label_map(path) == {"a@x": "billing", "b@x": "returns"}
    path.write_text("a@x,billing\n")  # no header row
    assert load_label_map(path) == {"a@x": "billing"}


def test_label_map_json(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"<a@x>": "billing"}))
    assert load_label_map(path) == {"a@x": "billing"}
    path.write_text(json.dumps([{"message_id": "b@x", "label": "returns"}]))
    assert load_label_map(path) == {"b@x": "returns"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", "{not json", "invalid JSON"),
        ("list.json", '[{"id": "a"}]', "needs `message_id` and `label`"),
        ("scalar.json", "3", "expected an object"),
        ("short.csv", "message_id,label\na@x\n", "row 1 needs two columns"),
    ],
)
def test_label_map_errors(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_label_map(path)


def test_label_map_missing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read label map"):
        load_label_map(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"m1@x": "billing", "m2@x": 5}, "the label of 'm2@x' is a number (5), not a string"),
        ({"m2@x": ["billing", "returns"]}, 'the label of \'m2@x\' is a list (["billing", "returns"])'),
        ({"m2@x": None}, "the label of 'm2@x' is null"),
        ([{"message_id": "a@x", "label": True}], "item 0: label is true/false (true)"),
        ([{"message_id": 7, "label": "billing"}], "item 0: message_id is a number (7)"),
    ],
)
def test_label_map_values_that_are_not_strings(tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "lm.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError) as caught:
        load_label_map(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value) and 'write it in quotes ("billing")' in str(caught.value)


def test_languages_must_be_known_codes(tmp_path: Path, run_cli) -> None:
    cfg = tmp_path / "ftprep.toml"
    cfg.write_text('[convert.email]\nlanguages = ["de", "xx", "klingon"]\n', encoding="utf-8")
    (tmp_path / "mail").mkdir()
    result = run_cli("convert", str(tmp_path / "mail"), "-o", str(tmp_path / "o.jsonl"),
                     "--config", str(cfg))
    assert result.exit_code == 2
    assert f"{cfg}: invalid settings in [convert]" in result.output
    assert "email.languages: unknown language code(s) 'xx', 'klingon'" in result.output
    assert "en, de, fr" in result.output  # the codes to choose from


def test_known_languages_are_the_quote_parsers_and_case_does_not_matter() -> None:
    from mailparser_reply.constants import MAIL_LANGUAGES

    from ftprep.loaders.email.options import QUOTE_LANGUAGES, EmailOptions

    assert set(QUOTE_LANGUAGES) <= set(MAIL_LANGUAGES)
    assert EmailOptions(languages=[" DE", "en"]).languages == ["de", "en"]

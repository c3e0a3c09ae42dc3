"""What convert says about mail: reject details that give the mail-side fix, the
nothing-written hint, and the README's list of the mail reject reasons."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from email_helpers import REPO

from ftprep.convert import convert

if TYPE_CHECKING:
    from pathlib import Path


def _box(path: Path, labels: str = "Inbox") -> Path:
    path.write_text("From x@y Mon Mar 11 09:00:00 2024\nFrom: Ann <ann@c.example>\n"
                    f"Subject: Help\nMessage-ID: <q@c>\nX-Gmail-Labels: {labels}\n\n"
                    "Where is my refund?\n")  # fmt: skip
    return path


def _rejects(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_missing_label_of_a_message_gives_the_mail_fix(tmp_path: Path) -> None:
    # QA: "map a label column or give a label source" means nothing for mail.
    convert([_box(tmp_path / "a.mbox")], tmp_path / "o.jsonl")
    [reject] = _rejects(tmp_path / "o.rejects.jsonl")
    assert reject["reason"] == "missing-label"
    assert "label column" not in reject["detail"]
    assert "label-header" in reject["detail"] and "label-map-file" in reject["detail"]


def test_label_not_allowed_names_the_real_options(tmp_path: Path) -> None:
    # QA: the detail said "label_map", which no option or config key is called.
    convert([_box(tmp_path / "a.mbox", "Inbox,Shipping")], tmp_path / "o.jsonl",
            allowed_labels=["billing"])  # fmt: skip
    [reject] = _rejects(tmp_path / "o.rejects.jsonl")
    assert reject["reason"] == "label-not-allowed"
    assert "--label-map" in reject["detail"] and "label_map" not in reject["detail"]


def test_nothing_written_hint_fits_what_happened(tmp_path: Path, run_cli: Any) -> None:
    # QA: the "pass table files themselves" hint came when mail was read and rejected.
    folder = tmp_path / "mail"
    folder.mkdir()
    _box(folder / "a.mbox")
    (folder / "notes.csv").write_text("text,label\nx,y\n")
    result = run_cli("convert", str(folder), "-o", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 1
    assert "pass table files" not in result.output and "every one was rejected" in result.output


def test_readme_documents_every_mail_reject_reason() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reasons = ("extra-reply", "orphan-reply", "agent-message", "parent-rejected",
               "duplicate-message-id", "auto-reply", "delivery-report", "empty-body",
               "no-text-body", "several-labels", "missing-label")  # fmt: skip
    for reason in reasons:
        assert re.search(rf"^- `{reason}`", readme, re.MULTILINE), reason
    for option in ("label-priority", "languages", "agent-domains"):
        assert f"`{option}`" in readme, option

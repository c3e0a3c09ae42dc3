"""examples/mailbox/support.mbox: reproducible from its script, and loads as documented."""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from typing import TYPE_CHECKING

from email_helpers import REPO, load, message_count

if TYPE_CHECKING:
    import pytest

EXAMPLES = REPO / "examples"
MBOX = EXAMPLES / "mailbox" / "support.mbox"


def test_generator_reproduces_the_committed_mailbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    sys.modules.pop("make_mailbox", None)
    make_mailbox = importlib.import_module("make_mailbox")
    assert make_mailbox.build() == MBOX.read_bytes(), "run: python examples/make_mailbox.py"


def test_example_mailbox_loads() -> None:
    examples, rejected = load([MBOX], agent_domains=["acme.example"],
                              label_priority=["billing", "complaints"])  # as examples/ftprep.toml
    assert message_count(examples, rejected) == 79
    assert len(examples) == 41
    assert sum(1 for e in examples if e.reply) == 37
    assert [r.reason for r in rejected] == ["auto-reply"]
    labels = Counter(e.label for e in examples)
    assert labels == {"billing": 12, "technical": 10, "returns": 10, "complaints": 8, None: 1}
    by_subject = {e.fields["subject"]: e for e in examples}
    assert by_subject["Sync stuck at 99%"].fields["body_type"] == "html"
    assert by_subject["Invoice attached - wrong amount"].fields["attachments"] == 1
    assert "24,90 €" in by_subject["Réclamation : commande incomplète"].text
    assert by_subject["Overcharged and nobody answers"].fields["other_labels"] == ["complaints"]
    for example in examples:
        # Quotes, signatures and attribution lines never leak into the training text.
        for text in (example.text, example.reply or ""):
            assert "wrote:" not in text and "Best regards" not in text
            assert not any(line.startswith(">") for line in text.splitlines())

"""Every option of every command's --help is documented in the README, in the section
that describes the command (shared options once, under Validate JSONL)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from ftprep.cli import COMMANDS, cli

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")

# The README sections (## headings) where each command's options may be documented.
SECTIONS: dict[str, tuple[str, ...]] = {
    "validate": ("Validate JSONL",),
    "schema": ("Validate JSONL",),
    "rules": ("Validate JSONL",),
    "convert": ("Convert labelled tickets",),
    "check": ("Check a training file", "Validate JSONL"),
    "cost": ("Cost", "Check a training file", "Validate JSONL"),
    "split": ("Split",),
    "targets": ("Training targets",),
    "export": ("Training targets",),
    "import": ("Training targets",),
}


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def test_every_command_has_its_sections() -> None:
    assert set(SECTIONS) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_is_documented_where_the_command_is(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    text = "\n".join(section(title) for title in SECTIONS[name])
    options = [opt for param in command.params if isinstance(param, click.Option)
               for opt in (*param.opts, *param.secondary_opts) if opt.startswith("--")]
    missing = [opt for opt in options if not re.search(rf"`[^`]*{re.escape(opt)}(?![\w-])", text)]
    assert not missing, f"`ftprep {name}` options not in the README's {SECTIONS[name]}: {missing}"

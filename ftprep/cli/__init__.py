"""The `ftprep` command line: parse options, call the library, render. Nothing else.

Subcommands live in their own modules and are imported only when invoked, so that
`ftprep validate` in a pre-commit hook does not pay for pandas or tiktoken.
"""

from __future__ import annotations

import importlib

import click

from ftprep import __version__

# command name -> "module:function"
COMMANDS: dict[str, str] = {
    "validate": "ftprep.cli.validate_cmd:validate_command",
    "convert": "ftprep.cli.convert_cmd:convert_command",
    "check": "ftprep.cli.check_cmd:check_command",
    "cost": "ftprep.cli.check_cmd:cost_command",
    "split": "ftprep.cli.split_cmd:split_command",
    "schema": "ftprep.cli.info_cmd:schema_command",
    "rules": "ftprep.cli.info_cmd:rules_command",
    "targets": "ftprep.cli.targets_cmd:targets_command",
    "export": "ftprep.cli.export_cmd:export_command",
    "import": "ftprep.cli.export_cmd:import_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ftprep")
def cli() -> None:
    """Prepare and check fine-tuning datasets.

    \b
    Exit codes: 0 clean (warnings allowed), 1 errors found (or warnings with --strict),
    2 usage, configuration or I/O error.
    """
    from ftprep.cli.options import check_workers_env, escape_unencodable_output

    escape_unencodable_output()
    check_workers_env()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `ftprep` script and `python -m ftprep`; exits with the code."""
    cli.main(args=argv, prog_name="ftprep")

"""The `ftprep` command line: parse options, call the library, render. Nothing else.

Subcommands live in their own modules and are imported only when invoked, so that
`ftprep validate` in a pre-commit hook does not pay for pandas or tiktoken.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import NoReturn

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


# What a shell reports for a command killed by SIGPIPE (128 + 13): the reader of the
# output (`| head -1`) went away, so what the command would have said is unknown to it.
EXIT_BROKEN_PIPE = 141


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        except BrokenPipeError:
            _broken_pipe()
        except SystemExit as exc:
            if _raised_by(exc, "on_broken_pipe"):  # rich's Console exits 1 on a broken pipe
                _broken_pipe()
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


def _broken_pipe() -> NoReturn:
    """Exit as a command killed by SIGPIPE, quietly: no traceback, and no "Exception
    ignored" when Python flushes stdout on the way out (it goes nowhere now)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    sys.exit(EXIT_BROKEN_PIPE)


def _raised_by(exc: BaseException, function: str) -> bool:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name == function


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ftprep")
def cli() -> None:
    """Prepare and check fine-tuning datasets.

    \b
    Exit codes: 0 clean (warnings allowed), 1 errors found (or warnings with --strict),
    2 usage, configuration or I/O error, 141 the output's reader went away (| head).
    """
    from ftprep.cli.options import check_workers_env, escape_unencodable_output

    escape_unencodable_output()
    check_workers_env()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `ftprep` script and `python -m ftprep`; exits with the code."""
    cli.main(args=argv, prog_name="ftprep")

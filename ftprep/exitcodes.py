"""Process exit codes shared by every command."""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
"""Clean run: no errors (warnings allowed unless --strict)."""
EXIT_FINDINGS: Final = 1
"""Errors found, or warnings with --strict."""
EXIT_USAGE: Final = 2
"""Usage, configuration or I/O error: the check could not run as asked."""

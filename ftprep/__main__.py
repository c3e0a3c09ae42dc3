from __future__ import annotations

from ftprep.cli import main

main()

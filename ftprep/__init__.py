"""ftprep: prepare and check fine-tuning datasets.

    import ftprep
    summary = ftprep.convert([Path("tickets.csv")], Path("train.jsonl"))
    report = ftprep.validate(["train.jsonl"])
    report = ftprep.check("train.jsonl")
    estimate = ftprep.estimate_cost(billed_tokens, n_examples, "gpt-4o-mini-2024-07-18")

Names are imported on first use, so `import ftprep` stays cheap (the pre-commit hook).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "convert": "ftprep.convert",
    "ConvertSettings": "ftprep.convert",
    "ConvertSummary": "ftprep.convert",
    "validate": "ftprep.validate",
    "ValidateOptions": "ftprep.validate",
    "check": "ftprep.check",
    "CheckOptions": "ftprep.check",
    "split": "ftprep.split",
    "write_split": "ftprep.split",
    "estimate_cost": "ftprep.cost",
    "load_prices": "ftprep.cost",
    "ChatTokenCounter": "ftprep.tokens",
    "Report": "ftprep.report.finding",
    "Finding": "ftprep.report.finding",
    "Severity": "ftprep.report.finding",
    "Example": "ftprep.records",
    "load_config": "ftprep.config",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ftprep' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

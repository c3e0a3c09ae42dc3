"""The facts `ftprep targets` shows: one row per target, plus its price rows.

Prices live in the price table (ftprep/data/prices.json, rows with a `provider` field,
owned by ftprep.cost). This module reads that file when it exists and tolerates its
absence; a caller with a better source passes `price_lookup`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ftprep.targets import HF_BASE_MODEL, TARGETS, Target

PriceLookup = Callable[[Target], list[dict[str, Any]]]


def price_rows_from_data(target: Target) -> list[dict[str, Any]]:
    """Rows of ftprep/data/prices.json whose `provider` is one of the target's."""
    from importlib import resources

    try:
        text = resources.files("ftprep").joinpath("data/prices.json").read_text("utf-8")
        data = json.loads(text)
    except (FileNotFoundError, OSError, ValueError):
        return []
    rows = data.get("rows", data.get("prices", [])) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        return []
    wanted = {p.lower() for p in target.price_providers}
    return [r for r in rows if isinstance(r, dict)
            and str(r.get("provider", "")).lower() in wanted]


def describe_price(row: dict[str, Any]) -> str:
    """A short label for a price row whose exact field names this module does not own."""
    model = row.get("model") or row.get("name") or row.get("prefix") or "?"
    for key, value in row.items():
        if "train" in key.lower() and isinstance(value, int | float):
            unit = row.get("unit")
            return f"{model} {value:g}" + (f" {unit}" if unit else "")
    return str(model)


def _bytes(n: int) -> str:
    if n % 1024**3 == 0 or n > 10 * 1024**3:
        return f"{n / 1024**3:g} GiB" if n % 1024**3 == 0 else f"{n / 1024**3:.1f} GiB"
    if n % 10**9 == 0:
        return f"{n // 10**9} GB"
    return f"{n / 1024**2:g} MiB"


def _tokenizer_text(tokenizer: str | None) -> str:
    if tokenizer is None:
        return "none offline: estimates"
    if tokenizer == HF_BASE_MODEL:
        return "the base model's tokenizer.json (--tokenizer)"
    return tokenizer.replace("tiktoken:", "tiktoken ")


def _mark(target: Target, name: str, text: str) -> str:
    return text if target.is_verified(name) else f"{text} (unverified)"


def target_row(target: Target, price_lookup: PriceLookup | None = None) -> dict[str, Any]:
    """A target's facts as plain values (the json output and the tables' cells)."""
    low, high = target.min_examples, target.max_examples
    examples = (f"{low:,}-{high:,}" if low is not None and high is not None else
                f">= {low:,}" if low is not None else f"<= {high:,}" if high is not None else "")
    system = {"anywhere": "in messages", "first": "first message", "none": "not accepted",
              "field": f"`{target.system_field}`"}[target.system]
    if target.max_system_messages is not None and target.system != "field":
        system += f" (at most {target.max_system_messages})"
    order = []
    if target.first_roles:
        order.append("first " + "/".join(target.role_name(r) for r in target.first_roles))
    if target.last_roles:
        order.append("last " + "/".join(target.role_name(r) for r in target.last_roles))
    if target.alternate:
        order.append(_mark(target, "alternate", "alternating"))
    prices = (price_lookup or price_rows_from_data)(target)
    return {
        "name": target.name,
        "title": target.title,
        "formats": list(target.formats),
        "formats_text": _mark(target, "formats", ", ".join(target.formats)),
        "roles": [target.role_name(r) for r in target.roles if r != "system"],
        "system": system,
        "order": ", ".join(order),
        "examples": examples,
        "recommended_examples": target.recommended_examples,
        "max_tokens_per_example": target.max_tokens_per_example,
        "max_file": _mark(target, "max_file_bytes", _bytes(target.max_file_bytes))
        if target.max_file_bytes is not None else "",
        "max_file_bytes": target.max_file_bytes,
        "forbidden_strings": list(target.forbidden_strings),
        "tokenizer": _tokenizer_text(target.tokenizer),
        "price_providers": list(target.price_providers),
        "prices": [describe_price(r) for r in prices],
        "price_rows": prices,
        "export_drops": sorted(target.unsupported),
        "docs_url": target.docs_url,
        "sources": list(target.sources),
        "notes": list(target.notes),
        "unverified": sorted(target.unverified),
    }


def target_rows(price_lookup: PriceLookup | None = None) -> list[dict[str, Any]]:
    return [target_row(t, price_lookup) for t in TARGETS.values()]


def limits_text(row: dict[str, Any]) -> str:
    parts = []
    if row["examples"]:
        parts.append(f"examples {row['examples']}")
    if row["max_tokens_per_example"]:
        parts.append(f"{row['max_tokens_per_example']:,} tokens/example")
    if row["max_file"]:
        parts.append(f"file <= {row['max_file']}")
    if row["forbidden_strings"]:
        parts.append("forbids " + " ".join(row["forbidden_strings"]))
    return "; ".join(parts) or "none documented"


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The summary table for docs/targets.md (a test keeps the two equal)."""
    lines = ["| target | formats | roles | system prompt | order | limits | tokenizer |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"`{r['name']}`", r["formats_text"], ", ".join(r["roles"]), r["system"],
                 r["order"] or "-", limits_text(r), r["tokenizer"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"

"""Hand-built reports for the reporter tests: a realistic `check` report, and a hostile
one whose every piece of data tries to break out of its markup."""

from __future__ import annotations

from typing import Any

from ftprep.report.finding import FileSummary, Finding, Report, Severity

XSS = "<script>alert(1)</script>"
NASTY_FILE = 'data/"&<>.jsonl'


def check_stats() -> dict[str, Any]:
    return {
        "tokens": {
            "model": "gpt-4o-mini", "encoding": "o200k_base", "exact": True, "estimate_reasons": [],
            "examples": 120, "total_tokens": 48_210, "billed_tokens": 47_900,
            "per_example": {"min": 38, "p5": 61, "median": 312, "mean": 401.75, "p95": 1_180, "max": 17_020},
            "assistant": {"min": 1, "p5": 1, "median": 2, "mean": 2.4, "p95": 4, "max": 9},
            "over_limit": {"limit": 16_384, "count": 1, "lines": [88]},
            "system_share": 0.184,
            "histogram": {"edges": [0, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768],
                          "counts": [31, 42, 25, 14, 5, 2, 0, 1]},
        },
        "labels": {
            "task": "classification", "label_source": "assistant", "n": 120, "distinct": 5,
            "counts": {"billing": 52, "technical": 38, "returns": 21, "complaints": 8, "legal": 1},
            "shares": {"billing": 0.4333, "technical": 0.3167, "returns": 0.175, "complaints": 0.0667,
                       "legal": 0.0083},
            "imbalance_ratio": 52.0, "below_minimum": ["legal", "complaints"], "singletons": ["legal"],
            "outside_allowed": [],
        },
        "duplicates": {
            "examples": 120,
            "exact_duplicates": {"groups": 2, "redundant": 5},
            "same_input_and_answer": {"groups": 3, "redundant": 3},
            "conflicting_inputs": {"groups": 1, "examples": 2},
            "near_duplicates": {"enabled": True, "threshold": 0.9, "num_perm": 128,
                                "distinct_inputs": 110, "clusters": 1, "examples": 3, "largest": 3},
        },
        "validation_duplicates": {
            "examples": 30,
            "exact_duplicates": {"groups": 0, "redundant": 0},
            "same_input_and_answer": {"groups": 0, "redundant": 0},
            "conflicting_inputs": {"groups": 0, "examples": 0},
            "near_duplicates": {"enabled": False},
            "leakage": {"validation_examples": 30, "exact_copies": 1, "same_input": 0, "near": 0},
        },
        "cost": {
            "as_of": "2025-06-01",
            "rows": [
                {"provider": "openai", "model": "gpt-4o-mini-2024-07-18", "method": "sft", "epochs": 3,
                 "epochs_source": "default", "billed_tokens": 47_900, "trained_tokens": 143_700,
                 "price_per_1m": 3.0, "cost_usd": 0.4311, "reason": None, "as_of": "2025-06-01",
                 "source": "openai.com/api/pricing", "notes": [], "available": False,
                 "availability_note": "no new OpenAI jobs from 2027-01-06"},
                {"provider": "together", "model": "Llama-3.1-8B-Instruct", "method": "lora", "epochs": 3,
                 "epochs_source": "default", "billed_tokens": 47_900, "trained_tokens": 143_700,
                 "price_per_1m": 0.48, "cost_usd": 0.069, "reason": None, "as_of": "2025-06-01",
                 "source": "together.ai/pricing", "notes": ["minimum charge may apply"],
                 "available": True, "availability_note": None},
                {"provider": "mistral", "model": "mistral-small", "method": "sft", "epochs": 2,
                 "epochs_source": "--epochs", "billed_tokens": 47_900, "trained_tokens": 95_800,
                 "price_per_1m": None, "cost_usd": None, "reason": "no published price",
                 "as_of": "2025-06-01", "source": "mistral.ai/pricing", "notes": [],
                 "available": True, "availability_note": None},
            ],
        },
        "behaviour": {
            "knowledge_share": 0.07,
            "system_prompt": {"distinct": 1, "most_common_share": 1.0},
            "per_label_lengths": {"billing": {"median": 280, "p95": 900},
                                  "technical": {"median": 410, "p95": 1400}},
        },
    }


def check_report() -> Report:
    report = Report(command="check", stats=check_stats())
    report.files = [FileSummary("data/train.jsonl", lines=121, examples=120, line_format="openai-chat",
                                accepted_by=("openai-chat",))]
    report.extend([
        Finding("FT201", "over-token-limit", Severity.ERROR,
                "Example has 17,020 tokens; the limit is 16,384. Shorten or split it.",
                file="data/train.jsonl", line=88),
        Finding("FT301", "rare-label", Severity.WARNING,
                "Label 'legal' has 1 example; add at least 9 more.", file="data/train.jsonl"),
        Finding("FT401", "duplicate-example", Severity.WARNING,
                "Same example as line 3.", file="data/train.jsonl", line=17, path="$.messages",
                related_lines=(3,)),
        Finding("FT601", "provider-unavailable", Severity.INFO,
                "OpenAI takes no new fine-tuning jobs from 2027-01-06.", file=None),
    ])
    return report


def hostile_report() -> Report:
    """Every string that comes from data is an attack on the markup it lands in."""
    stats = check_stats()
    stats["labels"]["counts"] = {XSS: 9, 'a"b&c': 3, "x|y`z": 2, "@team [link](javascript:x)": 1}
    stats["labels"]["shares"] = {}
    stats["labels"]["below_minimum"] = [XSS]
    stats["tokens"]["model"] = XSS
    stats["tokens"]["estimate_reasons"] = [XSS]
    stats["tokens"]["exact"] = False
    stats["validation_duplicates"]["leakage"]["near"] = XSS
    stats["cost"]["rows"][0]["availability_note"] = XSS
    stats["cost"]["rows"][0]["source"] = "https://example.com/<img src=x onerror=alert(1)>"
    stats["behaviour"] = {XSS: {'"><svg onload=alert(1)>': {"k&": "<b>"}}}
    stats[XSS] = {"unknown": XSS}
    report = Report(command="check", stats=stats)
    report.files = [FileSummary(NASTY_FILE, lines=3, examples=3, line_format=XSS)]
    report.io_errors = [f"cannot read {NASTY_FILE}: {XSS}"]
    report.extend([
        Finding("FT101", "bad-json", Severity.ERROR, f"message {XSS} & \"quotes\" 'single' http://evil",
                file=NASTY_FILE, line=1, path="$.messages[0]['<x>']"),
        Finding(XSS, XSS, Severity.WARNING, "`backticks` | pipes", file=NASTY_FILE, line=2),
    ])
    return report


def small_report() -> Report:
    """A small report with every section, for exact-output tests."""
    report = Report(command="check", stats={
        "tokens": {"model": "gpt-4o-mini", "encoding": "o200k_base", "exact": False,
                   "estimate_reasons": ["tool definitions counted approximately"],
                   "examples": 12, "total_tokens": 3_400, "billed_tokens": 3_400,
                   "per_example": {"min": 90, "p5": 95, "median": 280, "mean": 283.3, "p95": 600, "max": 640},
                   "over_limit": {"limit": 512, "count": 2, "lines": [4, 9]},
                   "system_share": 0.25,
                   "histogram": {"edges": [0, 256, 512, 768], "counts": [5, 5, 2]}},
        "labels": {"task": "classification", "n": 12, "distinct": 2, "counts": {"returns": 3, "billing": 9},
                   "shares": {"billing": 0.75, "returns": 0.25}, "imbalance_ratio": 3.0,
                   "below_minimum": [], "singletons": [], "outside_allowed": []},
        "duplicates": {"exact_duplicates": {"groups": 0, "redundant": 0},
                       "conflicting_inputs": {"groups": 1, "examples": 2}},
        "cost": {"as_of": "2025-06-01", "rows": [
            {"provider": "openai", "model": "gpt-4o-mini", "method": "sft", "epochs": 4,
             "epochs_source": "default", "billed_tokens": 3_400, "trained_tokens": 13_600,
             "price_per_1m": 3.0, "cost_usd": 0.0408, "as_of": "2025-06-01", "notes": [],
             "available": False, "availability_note": "no new OpenAI jobs from 2027-01-06"}]},
        "behaviour": {"knowledge_share": 0.5},
    })
    report.files = [FileSummary("train.jsonl", lines=12, examples=12, line_format="openai-chat")]
    report.extend([
        Finding("FT201", "over-token-limit", Severity.ERROR, "Example has 640 tokens; the limit is 512.",
                file="train.jsonl", line=9, path="$.messages"),
        Finding("FT402", "conflicting-answers", Severity.WARNING, "Same input as line 2, different answer.",
                file="train.jsonl", line=7, related_lines=(2,)),
        Finding("FT301", "class-imbalance", Severity.INFO, "Largest class is 3x the smallest."),
    ])
    return report


def empty_file_stats() -> dict[str, Any]:
    """What `check` computes for a file with no examples (trimmed to the keys the views read)."""
    return {
        "tokens": {"model": "gpt-4o-mini", "encoding": "o200k_base", "exact": True, "examples": 0,
                   "total_tokens": 0, "billed_tokens": 0,
                   "per_example": dict.fromkeys(("min", "p5", "median", "mean", "p95", "max"), 0.0),
                   "over_limit": {"limit": 65536, "count": 0, "lines": []},
                   "histogram": {"edges": [], "counts": []}},
        "cost": {"rows": [{"model": "gpt-4o-mini", "provider": "openai", "method": "sft", "epochs": 3,
                           "epochs_source": "heuristic", "n_examples": 0, "billed_tokens": 0,
                           "cost_usd": 0.0, "available": True,
                           "notes": ["3 epochs from the OpenAI cookbook heuristic for 0 examples"]}]},
        "behaviour": {"knowledge": {"(all)": {"replies": 0, "with_facts": 0, "share": 0.0}},
                      "system_prompt": {"system_tokens": 0, "examples": 0},
                      "system_prompt_savings": {"drop it": {"tokens_per_epoch": 0, "epochs": 3}}},
    }

"""The FT2xx token collector's figures and wording (ftprep.checks.tokens_checks) and the
tokens section of the report."""

from __future__ import annotations

from typing import Any

import pytest

from ftprep.checks.registry import Selection
from ftprep.checks.tokens_checks import TokenCollector
from ftprep.report.blocks import Facts
from ftprep.report.views import tokens_view
from ftprep.tokens import ChatTokenCounter


@pytest.fixture(scope="module", autouse=True)
def _module_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # Keep the suite out of the user's real tiktoken cache.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("tiktoken-cache")))
        yield


def collector(totals: list[int], system: list[int], limit: int | None) -> TokenCollector:
    out = TokenCollector(ChatTokenCounter("gpt-4o-mini-2024-07-18"))
    out.limit = limit
    out.totals.extend(totals)
    out.system.extend(system)
    out.lines.extend(range(1, len(totals) + 1))
    return out


@pytest.mark.parametrize("limit", [None, 1000])
def test_halving_the_system_prompt_is_summed_exactly_and_rounded_once(limit: int | None) -> None:
    # Two 21-token prompts: halving saves 21 tokens, not 2 x int(10.5) = 20.
    tokens = collector([100, 100], [21, 21], limit)
    assert tokens.billed_tokens() - tokens.billed_tokens_without_system(0.5) == 21
    assert tokens.billed_tokens() - tokens.billed_tokens_without_system(1.0) == 42
    # 3 x 10.5 = 31.5 saved: one rounding, to the nearest token.
    tokens = collector([100, 100, 100], [21, 21, 21], limit)
    assert tokens.billed_tokens() - tokens.billed_tokens_without_system(0.5) in (31, 32)


def test_halving_respects_the_cap_per_example() -> None:
    # The first example is over the cap of 90: cutting 10.5 leaves it still over, saving
    # nothing; the others save 10.5 each, 21 in all (per example int() made it 20).
    tokens = collector([120, 60, 60], [21, 21, 21], 90)
    assert tokens.billed_tokens() == 210
    assert tokens.billed_tokens_without_system(0.5) == 189


def test_unknown_limit_is_said_in_words() -> None:
    tokens = collector([100, 120], [0, 0], None)
    facts = next(b for b in tokens_view(tokens.stats()).blocks if isinstance(b, Facts))
    over = next(f for f in facts.items if f.label == "over limit")
    assert over.value == "limit unknown: truncation not checked"
    (finding,) = [f for f in tokens.findings(Selection(), "t.jsonl") if f.code == "FT203"]
    assert "token limit of 'gpt-4o-mini-2024-07-18' is unknown" in finding.message
    assert "truncate are not flagged" in finding.message


def test_known_limit_still_counts_examples_over_it() -> None:
    tokens = collector([100, 120], [0, 0], 110)
    facts = next(b for b in tokens_view(tokens.stats()).blocks if isinstance(b, Facts))
    over = next(f for f in facts.items if f.label == "over limit")
    assert over.value == "1 example(s) over 110 tokens (lines 2)"

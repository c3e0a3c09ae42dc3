"""FT550: the system prompt's share of the tokens, and what dropping or shortening it
would save per epoch, in tokens and in dollars at the pipeline's own cost estimate.

A system prompt repeated in every example is billed in every example and every epoch.
The check pipeline emits this after the cost estimate (it needs the token counts and
the price), so it is declared here rather than run by `run_dataset_checks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftprep.checks.registry import Scope, Selection, declare
from ftprep.report.finding import Finding, Severity

if TYPE_CHECKING:
    from ftprep.checks.behaviour.collector import BehaviourCollector
    from ftprep.checks.behaviour.settings import SystemPromptSettings
    from ftprep.checks.tokens_checks import TokenCollector
    from ftprep.cost import CostEstimate

SYSTEM_PROMPT_SHARE = declare(
    "FT550", "system-prompt-share", Severity.WARNING,
    """System prompts are more than `max-share` (default 50 %) of all training tokens.

    The system prompt is repeated in every example, so it is billed in every example and
    every epoch, and it crowds out the part that is trained (the replies). A fine-tuned
    model needs far less instruction than a prompted one: shorten the prompt to what the
    examples do not already show (and use the same prompt at inference), or drop it. The
    message and the behaviour stats say what dropping it, or halving it, saves per epoch
    in tokens and dollars. Threshold: `[tool.ftprep.rules.system-prompt] max-share`.""",
    scope=Scope.DATASET,
)


def system_prompt_figures(tokens: TokenCollector, estimate: CostEstimate | None,
                          collector: BehaviourCollector | None) -> dict[str, Any]:
    total = sum(tokens.totals)
    billed = tokens.billed_tokens()
    epochs = estimate.epochs if estimate is not None else None
    per_token = None
    if estimate is not None and estimate.cost_usd is not None and estimate.trained_tokens:
        per_token = estimate.cost_usd / estimate.trained_tokens  # dollars per billed token
    savings: dict[str, Any] = {}
    for name, fraction in (("drop it", 1.0), ("halve it", 0.5)) if tokens.totals else ():
        saved = billed - tokens.billed_tokens_without_system(fraction)
        usd = saved * per_token if per_token is not None else None
        savings[name] = {"tokens_per_epoch": saved,
                         "usd_per_epoch": round(usd, 4) if usd is not None else None,
                         "epochs": epochs,
                         "usd_all_epochs": round(usd * epochs, 4) if usd is not None and epochs
                         else None}
    share: dict[str, Any] = {"system_tokens": tokens.system_tokens, "total_tokens": total,
                             "share": round(tokens.system_tokens / total, 4) if total else 0.0,
                             "examples": len(tokens.totals)}
    if collector is not None:
        share["examples_with_system_prompt"] = sum(collector.system_prompts.values())
        share["distinct_system_prompts"] = len(collector.system_prompts)
    share["priced_as"] = estimate.model if estimate is not None else None
    return {"system_prompt": share, "system_prompt_savings": savings}


def system_prompt_findings(figures: dict[str, Any], settings: SystemPromptSettings,
                           selection: Selection, file: str) -> list[Finding]:
    share = figures["system_prompt"]
    if not settings.enabled or share["share"] <= settings.max_share:
        return []
    drop = figures["system_prompt_savings"]["drop it"]
    money = ""
    if drop["usd_per_epoch"] is not None:
        money = f" (${drop['usd_per_epoch']:,.2f}"
        if drop["usd_all_epochs"] is not None:
            money += f"; ${drop['usd_all_epochs']:,.2f} over {drop['epochs']} epochs"
        money += f" for {share['priced_as']})"
    return list(selection.emit(
        SYSTEM_PROMPT_SHARE, f"system prompts are {share['share']:.0%} of all tokens "
        f"({share['system_tokens']:,} of {share['total_tokens']:,}), above "
        f"{settings.max_share:.0%}: dropping them saves {drop['tokens_per_epoch']:,} billed "
        f"tokens per epoch{money}, halving them half that; a fine-tuned model needs a short "
        "prompt (use the same one at inference)", file=file))

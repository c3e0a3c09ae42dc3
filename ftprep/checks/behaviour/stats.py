"""`report.stats["behaviour"]`: small tables from every behaviour rule, and the FT550
findings, which need the cost estimate and so come last in the check pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftprep.checks.behaviour.collector import BehaviourCollector
    from ftprep.checks.registry import Selection
    from ftprep.checks.tokens_checks import TokenCollector
    from ftprep.cost import CostEstimate
    from ftprep.dataset.collect import DatasetContext
    from ftprep.report.finding import Finding


def behaviour_stats(ctx: DatasetContext) -> dict[str, Any]:
    """Reply length, openings and closings per label, knowledge share, coverage."""
    from ftprep.checks.behaviour.consistency import consistency_stats
    from ftprep.checks.behaviour.coverage import coverage_stats
    from ftprep.checks.behaviour.knowledge import knowledge_stats

    out: dict[str, Any] = {}
    for part in (consistency_stats, knowledge_stats, coverage_stats):
        out.update(part(ctx))
    return out


def system_prompt_report(stats: dict[str, Any], tokens: TokenCollector,
                         estimate: CostEstimate | None, collector: BehaviourCollector,
                         selection: Selection, file: str) -> list[Finding]:
    """Add the system prompt's share and savings to `stats`; return FT550's findings."""
    from ftprep.checks.behaviour.system_prompt import system_prompt_figures, system_prompt_findings

    settings = collector.rules.settings.system_prompt
    if not settings.enabled:
        return []
    figures = system_prompt_figures(tokens, estimate, collector)
    stats.update(figures)
    return system_prompt_findings(figures, settings, selection, file)

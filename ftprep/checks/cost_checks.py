"""FT6xx: whether the model can still be trained, and whether its cost can be stated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ftprep.checks.registry import Scope, declare
from ftprep.report.finding import Finding, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from ftprep.checks.registry import Selection
    from ftprep.cost import CostEstimate

UNAVAILABLE = declare(
    "FT601", "fine-tuning-unavailable", Severity.ERROR,
    """The chosen model can no longer be fine-tuned by new jobs.

    OpenAI stops new self-serve fine-tuning jobs on 2027-01-06 (and earlier for
    organisations that never fine-tuned or were inactive). Pick another target
    (`ftprep targets`) or model.""",
    scope=Scope.DATASET,
)
ENDING = declare(
    "FT602", "fine-tuning-ending", Severity.WARNING,
    """The provider has announced an end date for fine-tuning this model.

    The message gives the date and the rule. Plan the run before it, or choose another
    target.""",
    scope=Scope.DATASET,
)
NOT_PRICED = declare(
    "FT603", "cost-not-estimated", Severity.INFO,
    """The training cost could not be stated in dollars.

    The model has no price row, or is billed by something other than tokens (o4-mini
    reinforcement fine-tuning is billed per hour). Add a row to your price file
    (--prices) to get a figure.""",
    scope=Scope.DATASET,
)
NOT_FINE_TUNABLE = declare(
    "FT604", "model-not-known-fine-tunable", Severity.WARNING,
    """ftprep's sources do not list the chosen model as one that can be fine-tuned.

    The model table (ftprep/data/models.json) gives it no date until which training jobs
    can be created, and no price row names it (gpt-4, o1 and gpt-5, for example), or the
    model is not in the table at all. Pick a fine-tunable model
    (`ftprep cost --model all` lists them), or add a price row (--prices) if your
    provider trains it.""",
    scope=Scope.DATASET,
)


def cost_findings(estimate: CostEstimate, selection: Selection, file: str, *,
                  others: Iterable[CostEstimate] = ()) -> Iterator[Finding]:
    """FT604, FT601 or FT602, and FT603 for the chosen `estimate`; FT603 too for each of `others`
    (the rows of `cost --model all`) without a dollar figure, so that every such row of
    the table has its finding. The end dates are the provider's, said once."""
    if not estimate.fine_tunable:
        yield from selection.emit(NOT_FINE_TUNABLE, f"{estimate.model}: {estimate.availability_note}",
                                  file=file)
    elif not estimate.available:
        notes = "; ".join(estimate.in_force) or "the provider no longer accepts new jobs"
        yield from selection.emit(UNAVAILABLE, f"{estimate.model}: {notes}", file=file)
    elif estimate.announced:
        yield from selection.emit(ENDING, f"{estimate.model}: " + "; ".join(estimate.announced),
                                  file=file)
    for row in (estimate, *(o for o in others if o is not estimate)):
        if row.cost_usd is None:
            yield from selection.emit(NOT_PRICED, f"{row.model}: {row.reason or 'no price'}",
                                      file=file)

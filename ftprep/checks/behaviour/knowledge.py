"""FT530: replies that state per-customer facts the model cannot know.

Fine-tuning teaches behaviour (how to classify, what format, which tone); it does not
reliably teach facts, and facts unique to one customer cannot be learned at all. A reply
that states an order number, an amount, a date or an account id that is neither in its
input (ticket, system prompt, tool results) nor common across replies was written by
someone who looked it up: trained on it, the model learns to make such values up.

A fact is a number-like token of the reply (an order or account number, an amount, a
code: three or more characters with a digit; or a day with its month) that its input
does not contain and that at most `max-repeats` (2) replies contain. A reply with at
least `min-facts` (1) facts counts; FT530 warns when more than `max-share` (25 %) of
replies do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftprep.checks.behaviour.collector import ALL_REPLIES, BehaviourCollector, reply_groups
from ftprep.checks.registry import Hit, Scope, register
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ftprep.dataset.collect import DatasetContext

EXAMPLE_LINES = 10
MAX_LINES = 200


@dataclass(frozen=True)
class FactCounts:
    """Per collected example, how many per-customer facts its reply states; and in how
    many replies each fact token (by hash) occurs."""

    per_example: NDArray[np.int64]
    hashes: NDArray[np.int64]  # distinct fact hashes, sorted
    replies: NDArray[np.int64]  # replies stating each of `hashes`

    def repeats(self, fact: str) -> int:
        """In how many replies the fact token occurs."""
        import numpy as np

        key = hash(fact)
        at = int(np.searchsorted(self.hashes, key))
        return int(self.replies[at]) if at < len(self.hashes) and self.hashes[at] == key else 0


def fact_counts(ctx: DatasetContext) -> FactCounts | None:
    """How many per-customer facts each reply states (memoised); None when the rule is
    off or did not run."""
    data: BehaviourCollector | None = ctx.behaviour
    if data is None or ctx.is_validation or not data.rules.settings.knowledge.enabled:
        return None

    def compute() -> FactCounts:
        import numpy as np

        assert data is not None
        facts = np.asarray(data.facts, dtype=np.int64)  # each reply lists a token once
        hashes, which, replies = np.unique(facts, return_inverse=True, return_counts=True)
        limit = data.rules.settings.knowledge.max_repeats
        # Rare facts counted per example: a running sum read at each example's bounds.
        rare = np.concatenate(([0], np.cumsum(replies[which] <= limit)))
        start = np.asarray(data.fact_start, dtype=np.int64)
        return FactCounts(rare[start[1:]] - rare[start[:-1]], hashes, replies)

    result: FactCounts = ctx.features.memo("behaviour:facts", compute)
    return result


def _heavy(ctx: DatasetContext) -> tuple[list[int], int] | None:
    """(collector indices of fact-heavy replies, replies counted)."""
    import numpy as np

    data: BehaviourCollector | None = ctx.behaviour
    facts = fact_counts(ctx)
    if data is None or facts is None:
        return None
    least = data.rules.settings.knowledge.min_facts
    replies = np.flatnonzero(np.frombuffer(data.has_reply, dtype=np.uint8))
    return replies[facts.per_example[replies] >= least].tolist(), len(replies)


@register("FT530", "knowledge-not-behaviour", Severity.WARNING, scope=Scope.DATASET)
def knowledge_not_behaviour(ctx: DatasetContext) -> Iterator[Hit]:
    """Many replies state per-customer facts (order numbers, amounts, dates) not in the input.

    Fine-tuning teaches behaviour, not knowledge: a model trained on replies that quote
    an order number or a refund amount it was never shown learns to invent such values.
    When more than `max-share` (25 %) of replies do this, the task needs retrieval: give
    the model the facts at answer time (in the prompt or through a tool call) and train
    on examples whose input contains them, or write the training replies without them.
    Tune with `[tool.ftprep.rules.knowledge]` (max-share, min-facts, max-repeats)."""
    import numpy as np

    data: BehaviourCollector | None = ctx.behaviour
    found = _heavy(ctx)
    if data is None or found is None:
        return
    heavy, replies = found
    threshold = data.rules.settings.knowledge.max_share
    if not replies or len(heavy) / replies <= threshold:
        return
    limit = data.rules.settings.knowledge.max_repeats
    counts = fact_counts(ctx)
    assert counts is not None  # _heavy found some
    quoted = []
    for i in heavy:
        sample = data.samples.get(i)
        if sample:
            facts = [f for f in sample if counts.repeats(f) <= limit][:3]
            quoted.append(f"line {data.lines[i]}: {', '.join(facts)}")
        if len(quoted) == 3:
            break
    lines = np.sort(np.asarray(data.lines)[heavy]).tolist()
    example = f" (e.g. {'; '.join(quoted)})" if quoted else ""
    yield Hit(f"{len(heavy) / replies:.0%} of replies ({len(heavy)} of {replies}) state "
              f"per-customer facts that their input does not contain{example}; above "
              f"{threshold:.0%}, this is a retrieval task, not fine-tuning: supply the facts "
              "in the prompt or via a tool call, or train on replies without them",
              line=lines[0], related_lines=tuple(lines[1:MAX_LINES]))


def knowledge_stats(ctx: DatasetContext) -> dict[str, Any]:
    import numpy as np

    data: BehaviourCollector | None = ctx.behaviour
    found = _heavy(ctx)
    groups = reply_groups(ctx)
    if data is None or found is None or groups is None:
        return {}
    heavy = np.zeros(len(data), dtype=bool)
    heavy[found[0]] = True
    table: dict[str, Any] = {}
    for label, indices in groups.by_label.items():
        if label == ALL_REPLIES:
            continue
        n = int(np.count_nonzero(heavy[indices]))
        table[label] = {"replies": len(indices), "with_facts": n,
                        "share": round(n / len(indices), 4) if indices else 0.0}
    total = found[1]
    table["(all)"] = {"replies": total, "with_facts": len(found[0]),
                      "share": round(len(found[0]) / total, 4) if total else 0.0,
                      "max_share": data.rules.settings.knowledge.max_share}
    lines = np.sort(np.asarray(data.lines)[found[0]])[:EXAMPLE_LINES].tolist()
    return {"knowledge": table, "knowledge_example_lines": lines}

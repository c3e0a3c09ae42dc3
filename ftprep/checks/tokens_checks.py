"""FT2xx: token counts per example, the model's per-example limit, and which figures are
estimates. `TokenCollector` runs inside the check pipeline's single pass and keeps two
integers per example (total and trained tokens), nothing else."""

from __future__ import annotations

from array import array
from collections import Counter
from typing import TYPE_CHECKING, Any

from ftprep.checks.registry import Scope, declare
from ftprep.report.finding import Finding, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ftprep.checks.registry import Selection
    from ftprep.formats import LineFormat
    from ftprep.tokens import ChatTokenCounter

OVER_LIMIT = declare(
    "FT201", "example-over-token-limit", Severity.WARNING,
    """Example is longer than the model's training limit per example.

    OpenAI truncates such examples from the end, so the assistant reply (the part that
    is trained) is usually what gets cut. Shorten the conversation or split it.""",
    scope=Scope.DATASET,
)
ESTIMATED = declare(
    "FT202", "token-count-estimated", Severity.INFO,
    """Some token counts are estimates, not exact.

    Text is counted exactly with the model's tokenizer; images of unknown size, tool
    definitions, tool-call serialisation and unknown models are estimated. The message
    lists which estimates apply; cost figures inherit them.""",
    scope=Scope.DATASET,
)
NO_LIMIT = declare(
    "FT203", "unknown-token-limit", Severity.INFO,
    """The model's per-example token limit is unknown, so truncation is not checked.

    Pass --model with a known model (see `ftprep cost --model all`), or check the
    provider's documentation for its limit.""",
    scope=Scope.DATASET,
)
QUOTED_ARGUMENTS = declare(
    "FT205", "template-quotes-string-arguments", Severity.WARNING,
    """The chat template would train tool-call arguments given as a string as a quoted string.

    OpenAI's format gives a tool call's `arguments` as a JSON string. Many Hugging Face
    chat templates (Llama 3's among them) write `arguments` with `tojson`, which turns
    such a string into a quoted, escaped one (`"{\\"room\\": \\"hall\\"}"`): the model
    learns to emit that instead of the object. Checked with --tokenizer, by rendering the
    template once. Give `arguments` as a JSON object for this model
    (`ftprep validate --target trl` accepts objects).""",
    scope=Scope.DATASET,
)
IMAGES_NEED_VISION = declare(
    "FT204", "images-need-vision-model", Severity.WARNING,
    """Examples hold images, but the model is not listed for vision fine-tuning.

    OpenAI's vision fine-tuning guide lists gpt-4o-2024-08-06 only; other models are
    not documented to train on images, and the image token figures are gpt-4o's rule.
    Train on gpt-4o-2024-08-06 (--model), or drop the images. Checked for OpenAI's
    models (no --target, or --target openai).""",
    scope=Scope.DATASET,
)

HISTOGRAM_BINS = 20
PREFERENCE_ESTIMATE = ("preference (DPO) pairs: the input and both answers are counted; how "
                       "OpenAI bills a pair is not in ftprep's sources")
MAX_FINDINGS_LISTED = 200


class TokenCollector:
    """Counts each example as it streams past; summarises at the end."""

    def __init__(self, counter: ChatTokenCounter) -> None:
        self.counter = counter
        self.limit: int | None = counter.info.max_tokens_per_example
        self.totals = array("I")
        self.trained = array("I")
        self.lines = array("I")
        # System-prompt tokens per example (FT550 prices dropping or shortening them).
        self.system = array("I")
        self.system_tokens = 0
        self.reasons: Counter[str] = Counter()
        self.estimated_examples = 0
        self.image_examples = 0
        # Lines whose string tool-call arguments the chat template would quote (FT205).
        self.quoted_argument_lines = array("I")
        self._quoted = getattr(counter, "quoted_arguments", None)
        self._stats: dict[str, Any] | None = None

    def on_record(self, number: int, record: dict[str, Any], fmt: LineFormat) -> None:
        preference = fmt.name == "openai-dpo"
        if fmt.name != "openai-chat":
            # Other formats: count the conversation the model sees; a preference pair's
            # rejected answer and its input's tools are processed too.
            tools = record.get("tools") or (record.get("input") or {}).get("tools")
            messages = fmt.conversation(record)
            if preference:
                messages = [*messages, *(record.get("non_preferred_output") or ())]
            record = {"messages": messages, **({"tools": tools} if tools else {})}
        counts = self.counter.count_example(record)
        if self._quoted is not None and self._quoted(record):
            self.quoted_argument_lines.append(number)
        if preference:
            counts.estimate(PREFERENCE_ESTIMATE)
        self.totals.append(counts.total)
        self.trained.append(counts.trained)
        self.lines.append(number)
        self.system.append(counts.system)
        self.system_tokens += counts.system
        self.image_examples += counts.images > 0
        if counts.estimated:
            self.estimated_examples += 1
            self.reasons.update(counts.reasons)

    def shard_state(self) -> dict[str, Any]:
        """What this collector counted, for ftprep.shards (the tokenizer stays here)."""
        return {"totals": self.totals, "trained": self.trained, "lines": self.lines,
                "system": self.system, "system_tokens": self.system_tokens,
                "reasons": self.reasons, "estimated_examples": self.estimated_examples,
                "image_examples": self.image_examples,
                "quoted_argument_lines": self.quoted_argument_lines}

    def merge_shard(self, state: dict[str, Any]) -> None:
        """Append what the collector of a later piece of the file counted."""
        for name in ("totals", "trained", "lines", "system", "quoted_argument_lines"):
            getattr(self, name).extend(state[name])
        self.system_tokens += state["system_tokens"]
        self.reasons.update(state["reasons"])
        self.estimated_examples += state["estimated_examples"]
        self.image_examples += state["image_examples"]
        self._stats = None

    def billed_tokens(self) -> int:
        from ftprep.cost import billed_tokens

        return billed_tokens(self.totals, self.limit)

    def billed_tokens_without_system(self, fraction: float = 1.0) -> int:
        """Billed tokens if `fraction` of every example's system prompt were cut, summed
        exactly and rounded once to the nearest token: halving a 21-token prompt in two
        examples saves 21 tokens, not 2 x int(10.5) = 20."""
        cap = self.limit
        if not cap:
            return sum(self.totals) - round(sum(self.system) * fraction)
        return round(sum(min(t - s * fraction, cap)
                         for t, s in zip(self.totals, self.system, strict=True)))

    def over_limit_lines(self) -> list[int]:
        if not self.limit:
            return []
        return [line for line, total in zip(self.lines, self.totals, strict=True) if total > self.limit]

    def stats(self) -> dict[str, Any]:
        """The figures for the report; computed once, after the last record."""
        if self._stats is None:
            self._stats = self._compute_stats()
        return self._stats

    def _compute_stats(self) -> dict[str, Any]:
        total = sum(self.totals)
        over = self.over_limit_lines()
        reasons = list(self.reasons)
        if not self.counter.exact and not any(r.startswith("unknown model") for r in reasons):
            # Each counted example carries the counter's own reason; an empty file none.
            reasons.insert(0, f"model {self.counter.model!r} is unknown: counted with "
                              f"{self.counter.encoding_name}")
        return {
            "model": self.counter.model,
            "encoding": self.counter.encoding_name,
            "exact": not reasons,
            "estimate_reasons": reasons,
            "estimated_examples": self.estimated_examples,
            "examples": len(self.totals),
            "total_tokens": total,
            "billed_tokens": self.billed_tokens(),
            "per_example": distribution(self.totals),
            "assistant": distribution(self.trained),
            "over_limit": {"limit": self.limit, "count": len(over), "lines": over[:MAX_FINDINGS_LISTED]},
            "system_share": (self.system_tokens / total) if total else 0.0,
            "histogram": histogram(self.totals),
        }

    def findings(self, selection: Selection, file: str, *, openai: bool = True
                 ) -> Iterator[Finding]:
        """FT201-FT204; `openai`: the model is one of OpenAI's (not another --target's)."""
        info = self.counter.info
        if openai and self.image_examples and info.exact and not info.vision:
            yield from selection.emit(
                IMAGES_NEED_VISION, f"{self.image_examples:,} example(s) hold images, but "
                f"{self.counter.model} is not listed for vision fine-tuning (OpenAI lists "
                "gpt-4o-2024-08-06): train on that model (--model) or drop the images",
                file=file)
        if self.limit is None:
            yield from selection.emit(
                NO_LIMIT, f"the per-example token limit of {self.counter.model!r} is unknown, so "
                "examples the service would truncate are not flagged: check the provider's limit "
                "(on OpenAI, pass --model with a model `ftprep cost --model all` lists)", file=file)
        else:
            for line, total in zip(self.lines, self.totals, strict=True):
                if total > self.limit:
                    yield from selection.emit(
                        OVER_LIMIT, f"{total:,} tokens; {self.counter.model} trains on at most "
                        f"{self.limit:,} per example and cuts the rest: shorten or split it",
                        file=file, line=line)
        quoted = self.quoted_argument_lines
        for line in quoted:
            yield from selection.emit(
                QUOTED_ARGUMENTS, f"the chat template of {self.counter.model} writes tool-call "
                "arguments with tojson, so the JSON string given here is trained as a quoted "
                "string: give `arguments` as a JSON object (`ftprep export --target trl "
                "--tool-arguments object` rewrites them)" + (
                    f" ({len(quoted):,} lines like this)" if len(quoted) > 1 else ""),
                file=file, line=line)
        reasons = self.stats()["estimate_reasons"]
        if reasons:
            yield from selection.emit(ESTIMATED, "token counts include estimates: " + "; ".join(reasons),
                                      file=file)


def distribution(values: Sequence[int]) -> dict[str, float | None]:
    """min, p5, median, mean, p95, max, with linear interpolation between ranks; each
    None when there are no values (a made-up 0 would read as a measurement).

    Rounded to one decimal, and whole numbers as ints, so that the json report and the
    tables show the same figures (10962.95 and "10,963.0" would disagree)."""
    if not values:
        return dict.fromkeys(("min", "p5", "median", "mean", "p95", "max"))
    ordered = sorted(values)
    raw = {
        "min": ordered[0],
        "p5": _quantile(ordered, 0.05),
        "median": _quantile(ordered, 0.5),
        "mean": sum(ordered) / len(ordered),
        "p95": _quantile(ordered, 0.95),
        "max": ordered[-1],
    }
    return {key: _one_decimal(value) for key, value in raw.items()}


def _one_decimal(value: float) -> float:
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def _quantile(ordered: Sequence[int], q: float) -> float:
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def histogram(values: Sequence[int], bins: int = HISTOGRAM_BINS) -> dict[str, list[int]]:
    """At most `bins` bins of equal integer width over the token counts, the last one cut
    at the maximum: bin i holds the counts n with edges[i] <= n < edges[i + 1], so the
    edges are ints, the first is the minimum and the last is the maximum + 1. Integer
    data gets no more bins than it has distinct possible values, and no empty bin past
    the maximum."""
    if not values:
        return {"edges": [], "counts": []}
    low, high = min(values), max(values)
    span = high - low + 1
    width = -(-span // min(bins, span))  # ceiling division
    n_bins = -(-span // width)
    edges = [low + i * width for i in range(n_bins)] + [high + 1]
    counts = [0] * n_bins
    for value in values:
        counts[(value - low) // width] += 1
    return {"edges": edges, "counts": counts}

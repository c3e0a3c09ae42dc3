"""What the behaviour rules (FT5xx) cost inside `ftprep check`, in CPU seconds.

    PYTHONPATH=. python benchmarks/bench_behaviour.py [N] [--repeat R] [--file F]

With the CLI's default rules (no config: PII detection, consistency, knowledge,
coverage, system prompt), on benchmarks/out/train-N.jsonl or an openai-chat file F,
one process (FTPREP_WORKERS=1). The generated file repeats its replies (templates); a
file whose replies all differ shows what the collector pays on a reply's first sight.


- line rules: `RulesRunner.findings` on every parsed line (FT510 ...), as validate calls it;
- collector: `BehaviourCollector.on_record` on every line, as check's hook calls it;
- dataset rules: FT520-FT540, the behaviour stats and FT550 inside a library call of
  `check`, each timed around its one call;
- check: that whole library call.

The per-line parts are timed alone, as a loop over lines parsed beforehand, so that no
timer runs per line; caches start empty each repeat. Best of R repeats.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from generate import generate

OUT = Path(__file__).parent / "out"
DATASET_CODES = ("FT520", "FT521", "FT522", "FT530", "FT540")


def cpu(work: Callable[[], Any]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def _rules() -> Any:
    from ftprep.checks.behaviour.settings import load_rules
    from ftprep.config import load_config
    from ftprep.dataset import DatasetCheckSettings

    config = load_config(None, search=False)
    return load_rules(config, label_field=DatasetCheckSettings.from_config(config).label_field)


def _fresh_caches() -> None:
    from ftprep.checks.behaviour import collector, pii_check

    pii_check._CLEAN_SEEN.clear()
    collector._edge_of.cache_clear()


def per_line(path: Path) -> tuple[float, float]:
    """(line rules, collector) CPU seconds over every line of the file."""
    from ftprep.checks.behaviour.collector import BehaviourCollector
    from ftprep.checks.behaviour.line import RulesRunner
    from ftprep.checks.registry import Selection
    from ftprep.formats import LINE_FORMATS

    fmt = LINE_FORMATS["openai-chat"]
    validate_json = fmt.adapter().validate_json
    records = [validate_json(line) for line in path.read_bytes().splitlines()]
    conversations = [fmt.conversation(r) for r in records]
    name = path.name
    _fresh_caches()
    runner = RulesRunner(_rules(), Selection())
    line_rules = cpu(lambda: [runner.findings(name, n, r, m, fmt) for n, (r, m)
                              in enumerate(zip(records, conversations, strict=True), 1)])
    _fresh_caches()
    collector = BehaviourCollector(_rules())
    on_record = collector.on_record
    collect = cpu(lambda: [on_record(n, r, fmt) for n, r in enumerate(records, 1)])
    return line_rules, collect


def in_check(path: Path) -> tuple[dict[str, float], float]:
    """(CPU seconds of each behaviour dataset rule, the stats and FT550; of the whole
    check) in one library call."""
    from ftprep.check import CheckOptions, check
    from ftprep.checks.behaviour import stats
    from ftprep.checks.registry import get as get_check
    from ftprep.dataset import DatasetCheckSettings

    spent: dict[str, float] = {}

    def timed(name: str, func: Callable[..., Any], *, generator: bool = False
              ) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return list(func(*args, **kwargs)) if generator else func(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - start
        return wrapper

    checks = [get_check(code) for code in DATASET_CODES]
    saved = [(c, c.func) for c in checks]
    saved_stats = (stats.behaviour_stats, stats.system_prompt_report)
    try:
        for c in checks:
            object.__setattr__(c, "func", timed(c.code, c.func, generator=True))  # frozen
        stats.behaviour_stats = timed("stats", stats.behaviour_stats)  # type: ignore[assignment]
        stats.system_prompt_report = timed(  # type: ignore[assignment]
            "FT550", stats.system_prompt_report)
        _fresh_caches()
        options = CheckOptions(dataset=DatasetCheckSettings())
        options.validate.rules = _rules()
        whole = cpu(lambda: check(path, options))
    finally:
        for c, func in saved:
            object.__setattr__(c, "func", func)
        stats.behaviour_stats, stats.system_prompt_report = saved_stats
    return spent, whole


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--file", type=Path, default=None)
    args = parser.parse_args()
    path = args.file or OUT / f"train-{args.n}.jsonl"
    if not path.exists():
        generate(args.n, path)
    os.environ["FTPREP_WORKERS"] = "1"

    rows: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        line_rules, collect = per_line(path)
        dataset, whole = in_check(path)
        figures = {"line rules": line_rules, "collector": collect,
                   "dataset rules": sum(dataset.values()), **dataset, "check": whole}
        for key, value in figures.items():
            rows.setdefault(key, []).append(value)
    print(f"{path.name}: CPU seconds, one process, best of {args.repeat} (all runs)")
    for key, values in rows.items():
        indent = "    " if key in (*DATASET_CODES, "stats", "FT550") else "  "
        print(f"{indent}{key:16s} {min(values):6.3f}  ({', '.join(f'{v:.3f}' for v in values)})")
    behaviour = min(rows["line rules"]) + min(rows["collector"]) + min(rows["dataset rules"])
    print(f"  behaviour part {behaviour:.2f} of check {min(rows['check']):.2f}")


if __name__ == "__main__":
    main()

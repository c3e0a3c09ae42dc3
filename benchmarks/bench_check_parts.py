"""Where `ftprep check`'s time goes, and how low it could go.

    PYTHONPATH=. python benchmarks/bench_check_parts.py [N]

bench_check.py compares the whole command with the floor (orjson-parse every line,
tokenize each distinct message once). This script times, in one process and in CPU
seconds (the steadier figure on a shared machine), the pieces of work that check cannot
leave out, each done alone in its tightest form, next to a library call of `check` with
the CLI's default rules (one process, FTPREP_WORKERS=1):

- parse: orjson.loads of every line (the floor's first half);
- tokenize: o200k encode_ordinary of each distinct message content once (its second);
- schema: the openai-chat pydantic validator on every line (`validate` needs it);
- minhash: the numpy MinHash signatures of each distinct input (near-duplicates);
- pii screen: the byte screen that rules lines out of the PII detector.

The sum of the last three over the floor's two is what a tool doing check's work pays
beyond the floor even with no code of its own between them.
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


def cpu(work: Callable[[], Any]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    args = parser.parse_args()
    path = OUT / f"train-{args.n}.jsonl"
    if not path.exists():
        generate(args.n, path)
    os.environ["FTPREP_WORKERS"] = "1"

    import orjson

    from ftprep.checks.behaviour.pii_check import may_contain_pii
    from ftprep.dataset.features import features_and_shingles
    from ftprep.dataset.near_dupes import MinHashParams, signatures
    from ftprep.formats import LINE_FORMATS
    from ftprep.vocab import get_encoding

    lines = path.read_bytes().splitlines()
    records: list[Any] = []
    parse = cpu(lambda: records.extend(orjson.loads(line) for line in lines))
    contents = list(dict.fromkeys(m["content"] for r in records for m in r["messages"]))
    encode = get_encoding("o200k_base").encode_ordinary
    tokenize = cpu(lambda: [encode(c) for c in contents])
    fmt = LINE_FORMATS["openai-chat"]
    validate_json = fmt.adapter().validate_json
    schema = cpu(lambda: [validate_json(line) for line in lines])
    inputs = list(dict.fromkeys(features_and_shingles(i, r, fmt)[1] for i, r in enumerate(records)))
    minhash = cpu(lambda: signatures(inputs, MinHashParams()))
    joined = ["\x00".join(m["content"] for m in r["messages"]) for r in records]
    screen = cpu(lambda: [may_contain_pii(text) for text in joined])
    full = cpu(lambda: _check(path))

    floor = parse + tokenize
    extra = schema + minhash + screen
    print(f"{args.n} examples, {len(contents)} distinct contents, {len(inputs)} distinct inputs "
          "(CPU seconds, one process)")
    for name, seconds in (("parse (orjson)", parse), ("tokenize distinct", tokenize),
                          ("schema (pydantic)", schema), ("minhash (128 perm)", minhash),
                          ("pii screen", screen)):
        print(f"  {name:20s} {seconds:6.2f}")
    print(f"floor work {floor:.2f}; the work check cannot leave out adds {extra:.2f} "
          f"({(floor + extra) / floor:.2f}x the floor with no code between the pieces)")
    print(f"check (library call, one process) {full:.2f} = {full / floor:.2f}x the floor work")


def _check(path: Path) -> None:
    from ftprep.check import CheckOptions, check
    from ftprep.checks.behaviour.settings import load_rules
    from ftprep.config import load_config
    from ftprep.dataset import DatasetCheckSettings

    config = load_config(None, search=False)
    options = CheckOptions(dataset=DatasetCheckSettings.from_config(config))
    options.validate.rules = load_rules(config, label_field=options.dataset.label_field)
    check(path, options)


if __name__ == "__main__":
    main()

"""Time `ftprep check` against (a) what OpenAI's data-prep notebook does and (b) the floor.

    python benchmarks/bench_check.py [N]

(a) `cookbook_like`: json.loads each line, cl100k-encode every message value, per-example
    totals and assistant totals, and the notebook's distributions. Written by us to mirror
    the notebook's work; it checks far less than ftprep (no schema, no duplicates).
(b) `floor`: orjson-parse every line and tokenize each distinct message content once
    (o200k), nothing else: no tool can count exactly with less work.
ftprep runs on two cores (ftprep.shards) and, for comparison, in one (FTPREP_WORKERS=1).
All run as subprocesses on the same generated file, best of 3, alternating; the
script prints both ratios and ftprep's peak RSS. The generated replies repeat as
templates do; `--distinct-replies` makes every one unique (check's worst case).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate

OUT = Path(__file__).parent / "out"

COOKBOOK_LIKE = r"""
import json, sys
import numpy as np
import tiktoken
enc = tiktoken.get_encoding("cl100k_base")
totals, assistant, n_messages = [], [], []
for line in open(sys.argv[1], encoding="utf-8"):
    ex = json.loads(line)
    msgs = ex["messages"]
    n = 3
    for m in msgs:
        n += 3
        for k, v in m.items():
            n += len(enc.encode(v))
            if k == "name":
                n += 1
    totals.append(n)
    assistant.append(sum(len(enc.encode(m["content"])) for m in msgs if m["role"] == "assistant"))
    n_messages.append(len(msgs))
for values in (n_messages, totals, assistant):
    print(min(values), max(values), np.mean(values), np.median(values),
          np.quantile(values, 0.1), np.quantile(values, 0.9))
"""

FLOOR = r"""
import sys, orjson
from ftprep.vocab import get_encoding
encode = get_encoding("o200k_base").encode_ordinary
seen = {}
for line in open(sys.argv[1], "rb"):
    for m in orjson.loads(line)["messages"]:
        c = m["content"]
        if c not in seen:
            seen[c] = len(encode(c))
print(len(seen))
"""


def run(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    # check exits 1 when the data has errors (the generated file has conflicts): not a failure here.
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - start


def peak_rss_mb(cmd: list[str]) -> float:
    code = ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,"
            "stderr=subprocess.DEVNULL);print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    return float(out.stdout.strip() or 0) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--distinct-replies", action="store_true",
                        help="no two replies alike (generate.py): the worst case for check's memos")
    args = parser.parse_args()
    suffix = "-distinct" if args.distinct_replies else ""
    path = OUT / f"train-{args.n}{suffix}.jsonl"
    if not path.exists():
        generate(args.n, path, distinct_replies=args.distinct_replies)
    ftprep = [sys.executable, "-m", "ftprep", "check", str(path), "-f", "json", "-o", str(OUT / "check.json")]
    cookbook = [sys.executable, "-c", COOKBOOK_LIKE, str(path)]
    floor = [sys.executable, "-c", FLOOR, str(path)]
    one_core = {**os.environ, "FTPREP_WORKERS": "1"}
    times: dict[str, list[float]] = {"ftprep": [], "ftprep-1": [], "cookbook": [], "floor": []}
    for _ in range(args.rounds):
        times["cookbook"].append(run(cookbook))
        times["floor"].append(run(floor))
        times["ftprep"].append(run(ftprep))
        times["ftprep-1"].append(run(ftprep, one_core))
    best = {k: min(v) for k, v in times.items()}
    print(f"{args.n} examples: ftprep check {best['ftprep']:.2f}s (one process: "
          f"{best['ftprep-1']:.2f}s), cookbook-like {best['cookbook']:.2f}s, "
          f"floor {best['floor']:.2f}s")
    print(f"cookbook-like / ftprep = {best['cookbook'] / best['ftprep']:.2f}x (goal >= 3x); "
          f"ftprep / floor = {best['ftprep'] / best['floor']:.2f}x (goal <= 1.5x)")
    print(f"ftprep check peak RSS {peak_rss_mb(ftprep):.0f} MB")


if __name__ == "__main__":
    main()

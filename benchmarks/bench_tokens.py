"""Token counting throughput: single process vs a process pool, on synthetic tickets.

Run:  PYTHONPATH=. python benchmarks/bench_tokens.py [--n 100000] [--model gpt-4o-mini-2024-07-18]

Not a test: it prints timings. Records are generated deterministically (a fixed system
prompt repeated in every example, varied ticket text, a short label reply), written to a
temporary JSONL file and read back, as `ftprep check` would.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftprep.tokens import ChatTokenCounter, ExampleTokens

if TYPE_CHECKING:
    from collections.abc import Iterator

SYSTEM = (
    "You are a support triage assistant for an online retailer. Read the customer's "
    "message and answer with exactly one label: billing, technical, returns, complaint, "
    "shipping or other. Do not explain."
)
LABELS = ["billing", "technical", "returns", "complaint", "shipping", "other"]
WORDS = (  # noqa: SIM905 - a word list reads better as prose
    "order invoice refund charged twice card payment login password reset app crash "
    "delivery late parcel damaged return label exchange size colour warranty broken "
    "screen account email address subscription cancel discount code voucher please "
    "thanks hello urgent since yesterday week again still waiting tracking number"
).split()


def make_records(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 160)))
        out.append(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"Ticket #{100000 + i}: {body}."},
                    {"role": "assistant", "content": rng.choice(LABELS)},
                ]
            }
        )
    return out


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


_worker: ChatTokenCounter | None = None


def _init(model: str) -> None:
    global _worker
    _worker = ChatTokenCounter(model)


def _count_chunk(chunk: list[dict[str, Any]]) -> list[ExampleTokens]:
    assert _worker is not None
    return [_worker.count_example(r) for r in chunk]


def _chunks(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _count_chunk_totals(chunk: list[dict[str, Any]]) -> list[int]:
    assert _worker is not None
    return [_worker.count_example(r).total for r in chunk]


def _count_lines(lines: list[str]) -> list[int]:
    # Variant: ship raw lines, parse in the worker, return only totals (least pickling).
    assert _worker is not None
    return [_worker.count_example(json.loads(line)).total for line in lines]


def _single(path: Path, model: str, workers: int, chunk: int) -> list[int]:
    return [e.total for e in ChatTokenCounter(model).count_many(read_jsonl(path))]


def _pool_dicts(path: Path, model: str, workers: int, chunk: int) -> list[int]:
    # Parsed dicts in, ExampleTokens out: the shape count_many(workers=N) would have.
    with mp.get_context("forkserver").Pool(workers, _init, (model,)) as pool:
        batches = pool.imap(_count_chunk, _chunks(read_jsonl(path), chunk))
        return [e.total for batch in batches for e in batch]


def _pool_dict_totals(path: Path, model: str, workers: int, chunk: int) -> list[int]:
    with mp.get_context("forkserver").Pool(workers, _init, (model,)) as pool:
        batches = pool.imap(_count_chunk_totals, _chunks(read_jsonl(path), chunk))
        return [t for batch in batches for t in batch]


def _pool_lines(path: Path, model: str, workers: int, chunk: int) -> list[int]:
    with (
        path.open(encoding="utf-8") as handle,
        mp.get_context("forkserver").Pool(workers, _init, (model,)) as pool,
    ):
        batches = pool.imap(_count_lines, _chunks(iter(handle), chunk))  # type: ignore[arg-type]
        return [t for batch in batches for t in batch]


VARIANTS = {
    "single process (count_many)": _single,
    "pool: dicts in, ExampleTokens out": _pool_dicts,
    "pool: dicts in, totals out": _pool_dict_totals,
    "pool: raw lines in, totals out": _pool_lines,
}


def bench(n: int, model: str, workers: int, chunk: int, repeat: int) -> None:
    records = make_records(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record) + "\n")
        del records
        print(
            f"{n} examples, {path.stat().st_size / 1e6:.1f} MB, model {model}, "
            f"{os.cpu_count()} CPUs, {workers} workers, chunks of {chunk}, {repeat} runs each"
        )
        t0 = time.perf_counter()
        ChatTokenCounter(model)
        print(f"  tokenizer load (cache seeded): {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        for _ in read_jsonl(path):
            pass
        print(f"  json parse alone:              {time.perf_counter() - t0:.2f} s")

        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        expected: list[int] | None = None
        for _ in range(repeat):  # interleaved, so background load hits every variant
            for name, run in VARIANTS.items():
                t0 = time.perf_counter()
                totals = run(path, model, workers, chunk)
                times[name].append(time.perf_counter() - t0)
                expected = expected or totals
                assert totals == expected, f"{name}: totals differ from the single loop"
        for name, values in times.items():
            print(
                f"  {name:36s} min {min(values):5.2f} s  median {statistics.median(values):5.2f} s"
                f"  ({n / min(values):,.0f} ex/s at best)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--model", default="gpt-4o-mini-2024-07-18")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench(args.n, args.model, args.workers, args.chunk, args.repeat)


if __name__ == "__main__":
    main()

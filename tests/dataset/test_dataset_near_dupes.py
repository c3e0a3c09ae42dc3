"""MinHash signatures, LSH parameters, union-find and the near-duplicate index."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from dataset_helpers import ticket
from hypothesis import given, settings
from hypothesis import strategies as st

from ftprep.dataset.features import normalise
from ftprep.dataset.near_dupes import (
    MinHashParams,
    NearDuplicateIndex,
    UnionFind,
    join_roots,
    lsh_params,
    signatures,
    similarity,
)

PARAMS = MinHashParams()
EMAIL = ("Hello, I was charged twice for invoice #4411 this month. Could you please refund "
         "the second payment to my card? Thanks, Maria")


def shingles(text: str, k: int = 5) -> set[str]:
    text = text if len(text) >= k else text.ljust(k)
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_signatures_are_deterministic_compact_and_batched_consistently() -> None:
    texts = [normalise(ticket(i)) for i in range(300)] + ["", "ab", "é" * 3]
    sigs = signatures(texts, PARAMS)
    assert sigs.shape == (len(texts), 128) and sigs.dtype == np.uint32
    # One at a time (other batch boundaries) gives the same rows.
    for i in (0, 150, 299, 300, 301, 302):
        assert (signatures([texts[i]], PARAMS)[0] == sigs[i]).all()
    assert (signatures(texts, PARAMS) == sigs).all()


def test_surrogates_do_not_crash() -> None:
    assert signatures(["bad \ud800 text here"], PARAMS).shape == (1, 128)


def test_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(3)
    words = EMAIL.split()
    errors = []
    for _ in range(60):
        variant = list(words)
        for _ in range(rng.randint(0, 6)):
            variant[rng.randrange(len(variant))] = rng.choice(["urgent", "4412", "card", "hi"])
        a, b = normalise(EMAIL), normalise(" ".join(variant))
        sa, sb = signatures([a, b], PARAMS)
        errors.append(float(similarity(sa, sb)) - jaccard(a, b))
    # 128 permutations: standard error <= 0.045; the mean error is bias, which must be ~0.
    assert abs(np.mean(errors)) < 0.02
    assert max(abs(e) for e in errors) < 0.2


def test_estimate_agrees_with_datasketch() -> None:
    from datasketch import MinHash

    a, b = normalise(EMAIL), normalise(EMAIL.replace("#4411", "#4412").replace("Maria", "Mia"))
    ours = float(similarity(*signatures([a, b], PARAMS)))
    m1, m2 = MinHash(num_perm=256), MinHash(num_perm=256)
    m1.update_batch(s.encode() for s in shingles(a))
    m2.update_batch(s.encode() for s in shingles(b))
    assert abs(ours - m1.jaccard(m2)) < 0.12
    assert abs(ours - jaccard(a, b)) < 0.12


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [64, 128])
@pytest.mark.parametrize("recall", [0.5, 0.9])
def test_lsh_params_match_datasketch(threshold: float, num_perm: int, recall: float) -> None:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(1 - recall, recall))
    assert lsh_params(threshold, num_perm, recall) == (lsh.b, lsh.r)


def test_default_bands_favour_recall() -> None:
    b, r = PARAMS.bands
    assert (b, r) == (14, 9)
    assert 1 - (1 - 0.85**r) ** b > 0.97


def naive_components(n: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    adjacency: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in pairs:
        adjacency[a].add(b)
        adjacency[b].add(a)
    seen: set[int] = set()
    out = []
    for start in range(n):
        if start in seen:
            continue
        stack, comp = [start], []
        seen.add(start)
        while stack:
            x = stack.pop()
            comp.append(x)
            for y in adjacency[x] - seen:
                seen.add(y)
                stack.append(y)
        out.append(sorted(comp))
    return out


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))))
def test_union_find_matches_graph_components(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, pairs = case
    uf = UnionFind(n)
    uf.union_pairs(pairs)
    expected = naive_components(n, pairs)
    assert sorted(uf.groups(min_size=1)) == sorted(expected)
    assert uf.groups() == [c for c in uf.groups(min_size=1) if len(c) >= 2]
    for comp in expected:  # the root is the smallest member, whatever the order of pairs
        assert {uf.find(x) for x in comp} == {comp[0]}
    # Joining in reverse order gives the same sets.
    other = UnionFind(n)
    other.union_pairs(reversed(pairs))
    assert other.groups(min_size=1) == uf.groups(min_size=1)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                                  max_size=20), max_size=4))))
def test_join_roots_matches_union_find(case: tuple[int, list[list[tuple[int, int]]]]) -> None:
    # Joined in batches, as the clustering joins each step's verified pairs.
    n, batches = case
    roots = np.arange(n)
    uf = UnionFind(n)
    for batch in batches:
        a = np.array([p[0] for p in batch], dtype=np.int64)
        b = np.array([p[1] for p in batch], dtype=np.int64)
        roots = join_roots(roots, a, b)
        uf.union_pairs(batch)
        assert roots.tolist() == [uf.find(x) for x in range(n)]  # the smallest member
    assert UnionFind.from_roots(roots).groups(min_size=1) == uf.groups(min_size=1)


def test_clusters_find_near_copies_and_not_different_texts() -> None:
    texts = [ticket(i) for i in range(200)]
    texts += [EMAIL, EMAIL.replace("#4411", "#4412"), EMAIL.replace("Maria", "Maria Rossi"),
              "Completely unrelated request about a broken blender motor and a warranty"]
    sigs = signatures([normalise(t) for t in texts], PARAMS)
    clusters = NearDuplicateIndex(sigs, PARAMS).clusters()
    assert clusters == [[200, 201, 202]]


def test_clusters_of_large_buckets_stay_linear() -> None:
    base = "please reset my password for the account registered under this email address"
    texts = [normalise(f"{base} {i}") for i in range(3000)]
    clusters = NearDuplicateIndex(signatures(texts, PARAMS), PARAMS).clusters()
    assert len(clusters) == 1 and len(clusters[0]) > 2900


def test_query_returns_best_match_or_minus_one() -> None:
    train = [normalise(ticket(i)) for i in range(100)] + [normalise(EMAIL)]
    index = NearDuplicateIndex(signatures(train, PARAMS), PARAMS)
    queries = [normalise(EMAIL.replace("#4411", "#4412")), normalise("nothing like the others")]
    best, score = index.query(signatures(queries, PARAMS))
    assert best.tolist()[0] == 100 and score[0] >= 0.8
    assert best.tolist()[1] == -1 and score[1] == 0.0


def test_empty_inputs() -> None:
    empty = np.empty((0, 128), dtype=np.uint32)
    assert signatures([], PARAMS).shape == (0, 128)
    index = NearDuplicateIndex(empty, PARAMS)
    assert index.clusters() == []
    assert index.query(signatures(["abc"], PARAMS))[0].tolist() == [-1]


@pytest.mark.parametrize("bad", [{"num_perm": 1}, {"threshold": 0.0}, {"shingle": 0}])
def test_params_are_validated(bad: dict) -> None:
    with pytest.raises(ValueError):
        MinHashParams(**bad)


def test_a_text_longer_than_a_batch_is_signed_in_windows_with_the_same_result() -> None:
    from ftprep.dataset import near_dupes

    params = near_dupes.MinHashParams()
    budget = near_dupes._BATCH_CHARS
    rnd = random.Random(3)
    long = "".join(rnd.choice("abcdefgh ijklm") for _ in range(3 * budget + 17))
    # Few distinct shingles: every window leaves bins empty, so the later rounds and
    # the densification run on the merged windows.
    repetitive = "abc" * budget
    texts = ["a short ticket", long, long[: budget // 2], repetitive]
    got = near_dupes.signatures(texts, params)
    for text, row in zip(texts, got, strict=True):
        # One batch of the whole text is what the windows must equal.
        whole = near_dupes._densify(near_dupes._bin_minima([text], params), params)[0]
        assert np.array_equal(row, whole)
    assert len(np.unique(got[3])) <= 3 * near_dupes._ROUNDS


def test_identical_texts_get_identical_signatures_wherever_they_are() -> None:
    texts = [normalise(ticket(i)) for i in range(400)]
    copies = [*texts[::-1], "x" * 70_000, *texts[:50]]
    first, second = signatures(texts, PARAMS), signatures(copies, PARAMS)
    assert np.array_equal(first[::-1], second[:400])
    assert np.array_equal(first[:50], second[401:])
    assert len({row.tobytes() for row in first}) == 400  # distinct texts, distinct rows


def pair_with_jaccard(rng: random.Random, length: int, edits: int) -> tuple[str, str]:
    words = [rng.choice(["refund", "card", "invoice", "login", "parcel", "order", "late",
                         "please", "help", "account", "charged", "twice", "today"])
             + str(rng.randrange(100)) for _ in range(length // 8 + 1)]
    a = " ".join(words)[:length]
    variant = a.split(" ")
    for _ in range(edits):
        variant[rng.randrange(len(variant))] = rng.choice(["urgent", "now", "x", "thanks"])
    return a, " ".join(variant)


@pytest.mark.parametrize("length", [12, 60, 120, 400, 3000])
def test_estimate_is_unbiased_for_short_and_long_texts(length: int) -> None:
    # Averaged over pairs and seeds (one seed's errors are correlated across pairs
    # that share text), the share of equal positions is the exact Jaccard.
    rng = random.Random(length)
    pairs = [pair_with_jaccard(rng, length, rng.randint(0, max(1, length // 40)))
             for _ in range(150)]
    exact = np.array([jaccard(a, b) for a, b in pairs])
    errors = []
    for seed in (1, 2, 3, 4):
        params = MinHashParams(seed=seed)
        left = signatures([a for a, _ in pairs], params)
        right = signatures([b for _, b in pairs], params)
        errors.append(similarity(left, right) - exact)
    err = np.concatenate(errors)
    assert abs(err.mean()) < 0.01
    # 128 independent permutations would give sqrt(J(1-J)/128) <= 0.045.
    assert err.std() < 0.045


@pytest.mark.parametrize("num_perm", [16, 100, 128, 200])
def test_any_signature_length_works(num_perm: int) -> None:
    params = MinHashParams(num_perm=num_perm)
    a, b = normalise(EMAIL), normalise(EMAIL.replace("Maria", "Mia"))
    sigs = signatures([a, b, "x", a], params)
    assert sigs.shape == (4, num_perm)
    assert np.array_equal(sigs[0], sigs[3])
    assert abs(float(similarity(sigs[0], sigs[1])) - jaccard(a, b)) < 4 / num_perm ** 0.5


def test_texts_shorter_than_the_signature_fill_every_position() -> None:
    from ftprep.dataset import near_dupes

    # One shingle fills at most one bin per round; the rest borrow its values.
    minima = near_dupes._bin_minima(["hello", "hi", ""], PARAMS)
    assert ((minima != near_dupes._EMPTY).sum(axis=1) <= near_dupes._ROUNDS).all()
    sigs = signatures(["hello", "hi", ""], PARAMS)
    for row, bins in zip(sigs, minima, strict=True):
        assert set(row.tolist()) == {int(v) & 0xFFFFFFFF for v in bins if v != near_dupes._EMPTY}
    assert float(similarity(sigs[1], signatures(["hi"], PARAMS)[0])) == 1.0
    assert float(similarity(sigs[0], sigs[1])) == 0.0


def test_signatures_do_not_depend_on_the_process() -> None:
    import os
    import subprocess
    import sys

    texts = [normalise(ticket(i)) for i in range(20)] + ["", "é" * 3]
    code = ("import sys, json; from ftprep.dataset.near_dupes import MinHashParams, signatures;"
            "print(json.dumps(signatures(json.loads(sys.stdin.read()), MinHashParams()).tolist()))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), env=env,
                         capture_output=True, text=True, check=True).stdout
    assert np.array_equal(np.array(json.loads(out), dtype=np.uint32), signatures(texts, PARAMS))


@pytest.mark.parametrize("num_perm", [100, 128, 256])
def test_the_nibble_screen_keeps_exactly_the_pairs_that_reach_the_threshold(num_perm: int) -> None:
    from ftprep.dataset import near_dupes

    rng = np.random.default_rng(num_perm)
    base = rng.integers(0, 2**32, (50, num_perm), dtype=np.uint64).astype(np.uint32)
    sigs = base[rng.integers(0, 50, 400)]
    # Change some positions, some only in their high bits (same low nibble).
    change = rng.random(sigs.shape) < rng.random((400, 1)) * 0.4
    sigs = np.where(change & (rng.random(sigs.shape) < 0.5), sigs ^ np.uint32(1 << 20), sigs)
    sigs = np.where(change, sigs + np.uint32(1), sigs)
    a, b = rng.integers(0, 400, 5000), rng.integers(0, 400, 5000)
    for threshold in (0.5, 0.8, 0.95):
        expected = near_dupes._similarity_at(sigs, a, sigs, b) >= threshold
        got = near_dupes._reaches(sigs, near_dupes._low_nibbles(sigs), a, b, threshold)
        assert np.array_equal(got, expected)


def test_buckets_keep_their_rows_in_row_order() -> None:
    from ftprep.dataset import near_dupes

    texts = [normalise(f"please reset my password {i % 7}") for i in range(300)]
    sigs = signatures(texts, PARAMS)
    index = NearDuplicateIndex(sigs, PARAMS)
    keys = near_dupes._band_keys(sigs, index.n_bands, index.rows)
    assert np.array_equal(index._order, np.argsort(keys, axis=1, kind="stable"))

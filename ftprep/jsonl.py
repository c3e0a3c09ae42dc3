"""JSONL input and output: numbered raw lines in, atomic writes out."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

STDIN = "-"
BOM = b"\xef\xbb\xbf"


# What compressed files start with: JSONL must be uncompressed for the services, and
# read as text it is a screen of bogus findings.
COMPRESSED = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz",
              b"(\xb5/\xfd": "zstd", b"PK\x03\x04": "zip"}  # fmt: skip


def compressed_kind(head: bytes) -> str | None:
    """"gzip", "zip" ... when `head` (a file's first bytes) is a compressed file's."""
    return next((kind for magic, kind in COMPRESSED.items() if head.startswith(magic)), None)


class InputError(Exception):
    """An input that cannot be opened or read at all (missing file, a directory ...)."""


def display_name(source: str | Path) -> str:
    return "<stdin>" if str(source) == STDIN else str(source)


@contextlib.contextmanager
def open_binary(source: str | Path) -> Iterator[IO[bytes]]:
    """Open a file, or standard input for "-", for binary reading."""
    if str(source) == STDIN:
        yield sys.stdin.buffer
        return
    try:
        handle = Path(source).open("rb")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot open ({exc.strerror})") from None
    with handle:
        kind = compressed_kind(handle.peek(6)[:6])
        if kind == "zip" and Path(source).suffix.lower() in (".xlsx", ".xlsm"):
            raise InputError(f"{source}: an Excel workbook, not JSONL; turn its rows into chat "
                             "JSONL with `ftprep convert`")
        if kind is not None:
            raise InputError(f"{source}: a {kind}-compressed file; decompress it first (the "
                             "services take plain JSONL)")
        yield handle


def iter_lines(
    stream: IO[bytes], *, first: int = 1, max_bytes: int | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, line without its line ending) for each line. A piece of a
    file (ftprep.shards) starts at line `first` and stops after `max_bytes` bytes."""
    remaining = max_bytes
    for number, line in enumerate(stream, start=first):
        if remaining is not None:
            if remaining <= 0:
                return
            remaining -= len(line)
        if line.endswith(b"\n"):
            line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        yield number, line


REJECTS_SUFFIX = ".rejects.jsonl"


def expand_inputs(inputs: Iterable[str | Path], pattern: str = "*.jsonl") -> list[str]:
    """Files as given; directories expanded to their matching files, sorted, leaving out
    the rejects files convert, export and split write beside their output (not training
    data: the pre-commit hook excludes them too). A directory with no matching file
    raises InputError: an empty run would pass silently."""
    out: list[str] = []
    for item in inputs:
        if str(item) != STDIN and Path(item).is_dir():
            found = [str(p) for p in sorted(Path(item).rglob(pattern))
                     if p.is_file() and not p.name.endswith(REJECTS_SUFFIX)]
            if not found:
                raise InputError(f"{item}: no {pattern} files in this directory (rejects "
                                 f"files, *{REJECTS_SUFFIX}, are left out)")
            out.extend(found)
        else:
            out.append(str(item))
    return out


class AtomicWriter:
    """Write to a temporary file beside the target, then rename it into place, so a
    reader never sees half a file and a failed run leaves the old file untouched."""

    def __init__(self, path: str | Path, *, mode: str = "wb") -> None:
        self.path = Path(path)
        self.mode = mode
        self._tmp: str | None = None
        self._handle: IO[Any] | None = None

    def __enter__(self) -> IO[Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        # mkstemp makes the file private (0600); the result gets the mode a plain open()
        # would give it: an existing file's own, else 0666 less the umask.
        with contextlib.suppress(OSError):
            os.fchmod(fd, _mode_for(self.path))
        self._handle = os.fdopen(fd, self.mode)
        return self._handle

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self._handle is not None and self._tmp is not None
        self._handle.close()
        if exc_type is None:
            Path(self._tmp).replace(self.path)
        else:
            with contextlib.suppress(FileNotFoundError):
                Path(self._tmp).unlink()


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)  # the only way to read it; set straight back
        os.umask(umask)
        return 0o666 & ~umask


def default_rejects_path(output: str | Path) -> Path:
    """Where rejected records go when no path is given: OUT.rejects.jsonl beside OUT."""
    output = Path(output)
    return output.with_name(output.stem + REJECTS_SUFFIX)


def output_clash(inputs: Iterable[str | Path],
                 outputs: Sequence[tuple[str | Path, str]]) -> str | None:
    """Why writing `outputs` ((path, what it is) pairs) would lose data: one of them is an
    input, or two name the same file. None when neither; "-" (a stream) never clashes."""
    named = [(Path(path), what) for path, what in outputs if str(path) != STDIN]
    sources = [source for source in inputs if str(source) != STDIN]
    for path, what in named:
        if any(same_file(source, path) for source in sources):
            return f"{path} is the input file; write the {what} elsewhere"
    first: dict[Path, str] = {}
    for path, what in named:
        key = path.resolve()
        if key in first:
            return (f"{path} is given for both the {first[key]} and the {what}: they must "
                    "be different files")
        first[key] = what
    return None


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name the same existing file (so an input is never overwritten)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or Path(a).samefile(b)
    except OSError:
        return False


# A training file that is one pretty-printed JSON value, not JSON Lines: its first line
# (`{` or `[`) does not parse, so line by line it would get one FT103 per physical line;
# read whole, it parses. Only such a file is read whole, up to MAX_WHOLE_FILE_BYTES, so
# memory stays bounded.
MAX_WHOLE_FILE_BYTES = 64 << 20
Lines = Iterator[tuple[int, bytes]]


def _suspect(raw: bytes) -> bool:
    """A first line that is a lone `{` or `[`, as pretty-printers (json.dumps with indent,
    jq) begin: a JSONL file whose first record is merely broken is not read whole."""
    return raw.strip() in (b"{", b"[")


def _first_body(number: int, raw: bytes) -> bytes:
    return raw[len(BOM):] if number == 1 and raw.startswith(BOM) else raw


def first_line_suspect(path: str | Path) -> bool:
    """Whether a file's first non-blank line makes it worth reading whole."""
    with Path(path).open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            body = _first_body(number, raw).strip()
            if body:
                return _suspect(body)
    return False


_WHITESPACE = re.compile(r"\s*")


def _several_objects(text: str) -> bool:
    """Whether `text` is JSON objects one after the other, whitespace between."""
    decoder = json.JSONDecoder()
    at, count = 0, 0
    try:
        while True:
            at = _WHITESPACE.match(text, at).end()  # type: ignore[union-attr]
            if at == len(text):
                return count > 1
            value, at = decoder.raw_decode(text, at)
            if not isinstance(value, dict):
                return False
            count += 1
    except (ValueError, RecursionError):
        return False


def detect_pretty_printed(lines: Iterable[tuple[int, bytes]]) -> tuple[Lines, str | None]:
    """(the lines, to be run as usual, and None) or (the lines, the finding's message)
    when the whole file is one JSON object or array."""
    lines = iter(lines)
    read: list[tuple[int, bytes]] = []
    for number, raw in lines:
        read.append((number, raw))
        body = _first_body(number, raw)
        if body.strip():
            break
    else:
        return iter(read), None
    if not _suspect(body):
        return itertools.chain(read, lines), None
    size = sum(len(raw) + 1 for _, raw in read)
    for number, raw in lines:
        read.append((number, raw))
        size += len(raw) + 1
        if size > MAX_WHOLE_FILE_BYTES:
            return itertools.chain(read, lines), None
    text = b"\n".join(_first_body(number, raw) for number, raw in read)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        # One physical line holding several objects is a CR-only file (validate names it).
        if exc.msg != "Extra data" or len(read) < 2 or not _several_objects(exc.doc):
            return iter(read), None
        return iter(read), ("the file is several JSON objects, each pretty-printed over "
                            "several lines (what `jq .` prints); JSONL needs one object per "
                            "line: convert it with `jq -c . in.json > out.jsonl`")
    except (ValueError, RecursionError):
        return iter(read), None
    if isinstance(value, list):
        how = ("a JSON array pretty-printed over several lines; JSONL needs one example per "
               "line: convert it with `jq -c '.[]' in.json > out.jsonl`")
    elif isinstance(value, dict):
        how = ("one JSON object pretty-printed over several lines; JSONL needs one object "
               "per line: convert it with `jq -c . in.json > out.jsonl`")
    else:
        return iter(read), None
    return iter(read), f"the file is {how}"

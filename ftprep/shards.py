"""One pass over a large JSONL file on two cores: the file is cut at the line boundary
nearest its middle; a forked child validates the second half while this process
validates the first, then the child's findings and collected figures are appended to
ours, in line order, so the result is the same as one sequential pass.

What the `on_record` hook writes to must be a `ShardCollector`: `shard_state()` gives
what one half collected (picklable, small), `merge_shard(state)` appends a later half's.

Only on Linux (fork is cheap there), only in a process with one thread, only for
regular files of at least MIN_SHARD_BYTES (below that the fork and the merge cost more
than they save), and never when FTPREP_WORKERS=1. If the child fails for any reason,
its half is validated here instead: slower, never different.

`start(compute)` runs one computation in a forked child the same way, for work that can
overlap other work (check clusters near-duplicates while it runs the other checks).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Generic, NoReturn, Protocol, TypeVar

from ftprep.jsonl import iter_lines

if TYPE_CHECKING:
    from ftprep.formats import LineFormat
    from ftprep.report.finding import FileSummary, Finding
    from ftprep.validate import FileState, FileValidator, RecordHook

T = TypeVar("T")
# Measured on a 2-core VM: at 9 MB (10k examples) two processes gained nothing for
# validate or check; at 28 MB, check gained 3-20% and validate 12-47%.
MIN_SHARD_BYTES = 16 << 20
WORKERS_ENV = "FTPREP_WORKERS"
_COUNT_CHUNK = 1 << 20


class ShardCollector(Protocol):
    def shard_state(self) -> Any: ...

    def merge_shard(self, state: Any) -> None: ...


def one_process_asked() -> bool:
    """FTPREP_WORKERS: "1" keeps one process; unset, empty or an integer >= 2 allows a
    second. Anything else ("abc", "0") is a ValueError saying what to write: the CLI
    stops on it, as a typo would otherwise silently allow the second process."""
    value = os.environ.get(WORKERS_ENV, "")
    text = value.strip()
    if not text or text == "1":
        return text == "1"
    try:
        if int(text) >= 2:
            return False
    except ValueError:
        pass
    raise ValueError(f"{WORKERS_ENV}={value!r} is not valid: use 1 to keep ftprep in one "
                     "process, or leave it unset (or any integer >= 2) to allow a second one")


def may_fork() -> bool:
    """Whether work may go to a forked child here (see the module docstring)."""
    import threading

    try:
        one = one_process_asked()
    except ValueError:
        one = False  # a library caller gets the default; the CLI has refused it already
    if one or not sys.platform.startswith("linux"):
        return False
    # Forking a process with other threads can deadlock the child on a lock one held.
    return (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


def can_shard(source: str) -> bool:
    # The size first: a pre-commit run on small files pays for nothing else.
    try:
        path = Path(source)
        large = path.is_file() and path.stat().st_size >= MIN_SHARD_BYTES
    except OSError:
        return False
    return large and may_fork()


class InChild(Generic[T]):
    """`compute()` running in a forked child while this process goes on. `result()`
    waits for it: ("ok", value), or None when the child failed in any way."""

    def __init__(self, compute: Callable[[], T]) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child_main(write_fd, compute)
        os.close(write_fd)
        self._pid: int | None = pid
        self._read_fd = read_fd
        self._received = False

    def result(self) -> tuple[str, T] | None:
        try:
            got: tuple[str, T] | None = _receive(self._read_fd)
            self._received = True
            return got
        finally:
            self.close()

    def close(self) -> None:
        """Reap the child; one whose result nobody will read is stopped first (an error
        in this process, or a value no longer needed)."""
        if self._pid is None:
            return
        pid, self._pid = self._pid, None
        with contextlib.suppress(OSError):
            os.close(self._read_fd)
        if not self._received:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter exit, modules may be gone
            self.close()


def start(compute: Callable[[], T]) -> Callable[[], T]:
    """Begin `compute` on the other core when that is possible; the returned function
    gives its value (computed here if the child failed, or if there is no child)."""
    if not may_fork():
        return compute
    child = InChild(compute)

    def value() -> T:
        got = child.result()
        return got[1] if got is not None else compute()
    return value


def run_sharded(
    validator: FileValidator,
    source: str,
    name: str,
    on_record: RecordHook | None,
    collectors: Sequence[ShardCollector],
) -> tuple[FileSummary, list[Finding]] | None:
    """Validate `source` in two halves; None when it cannot be split (the caller then
    runs it sequentially)."""
    from ftprep.validate import FileState

    try:
        with Path(source).open("rb") as stream:
            middle = _middle_line_start(stream)
            fmt = validator.settle_format(iter_lines(stream))[1]
    except OSError:
        return None  # the sequential path reports it
    if middle is None or fmt is None:
        return None

    child = InChild(lambda: _second_half(validator, source, name, fmt, middle, on_record,
                                         collectors))
    try:
        # Both halves start from the format the sequential pass would settle on.
        state = FileState(fmt)
        with Path(source).open("rb") as stream:
            findings = validator.run_lines(name, iter_lines(stream, max_bytes=middle), state,
                                           on_record)
            got = child.result()
            if got is None:
                # The child failed: go on from where this half stopped, as one pass would.
                first = state.last_line + 1
                stream.seek(middle)
                findings.extend(validator.run_lines(name, iter_lines(stream, first=first),
                                                    state, on_record))
                return validator.finish_file(name, state, findings)
    finally:
        child.close()
    later_findings, later, states = got[1]
    findings.extend(_merge_state(validator, name, state, later, later_findings))
    for collector, collected in zip(collectors, states, strict=True):
        collector.merge_shard(collected)
    return validator.finish_file(name, state, findings)


def _middle_line_start(stream: IO[bytes]) -> int | None:
    """The offset of the first line that starts after the middle of the file."""
    size = os.fstat(stream.fileno()).st_size
    stream.seek(size // 2)
    stream.readline()
    offset = stream.tell()
    stream.seek(0)
    return offset if 0 < offset < size else None


def _child_main(write_fd: int, compute: Callable[[], Any]) -> NoReturn:
    import pickle

    code = 0
    try:
        payload: Any = ("ok", compute())
    except BaseException:  # any failure at all: the parent computes it instead
        payload, code = None, 1
    try:
        with os.fdopen(write_fd, "wb") as out:
            pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(code)


def _second_half(validator: FileValidator, source: str, name: str, fmt: LineFormat,
                 middle: int, on_record: RecordHook | None,
                 collectors: Sequence[ShardCollector]) -> tuple[list[Finding], FileState, list[Any]]:
    from ftprep.validate import FileState

    # The target's format rule belongs to the file's first valid line: the parent
    # decides (see _merge_state).
    state = FileState(fmt, format_checked=True)
    with Path(source).open("rb") as stream:
        first = 1 + _count_newlines(stream, middle)
        stream.seek(middle)
        findings = validator.run_lines(name, iter_lines(stream, first=first), state, on_record)
    return findings, state, [c.shard_state() for c in collectors]


def _count_newlines(stream: IO[bytes], end: int) -> int:
    count = 0
    remaining = end
    while remaining > 0:
        chunk = stream.read(min(_COUNT_CHUNK, remaining))
        if not chunk:
            break
        count += chunk.count(b"\n")
        remaining -= len(chunk)
    return count


def _receive(read_fd: int) -> Any:
    import pickle

    try:
        with os.fdopen(read_fd, "rb", closefd=False) as inp:
            return pickle.load(inp)
    except Exception:  # a child that died mid-write leaves any kind of broken pickle
        return None


def _merge_state(validator: FileValidator, name: str, state: FileState, later: FileState,
                 later_findings: list[Finding]) -> list[Finding]:
    """Add the second half's counts to the first's; its findings, in line order."""
    state.examples += later.examples
    state.valid += later.valid
    state.image_examples += later.image_examples
    state.last_line = later.last_line or state.last_line
    if state.first_valid_line is None and later.first_valid_line is not None:
        state.first_valid_line = line = later.first_valid_line
        if validator.target_rules is not None and later.fmt is not None:
            # No valid line in the first half: the sequential pass would have checked the
            # format at the second half's first valid line, before that line's findings.
            at = next((i for i, f in enumerate(later_findings) if (f.line or 0) >= line),
                      len(later_findings))
            later_findings[at:at] = validator.target_rules.format_findings(
                name, later.fmt.name, line)
    return later_findings

"""AtomicWriter: all or nothing, and the file mode a plain open() would give."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftprep.jsonl import AtomicWriter


def test_new_file_follows_the_umask_and_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        target = tmp_path / "out.jsonl"
        with AtomicWriter(target) as handle:
            handle.write(b"{}\n")
        assert target.stat().st_mode & 0o777 == 0o640  # not mkstemp's 0600
        target.chmod(0o604)
        with AtomicWriter(target) as handle:
            handle.write(b"{}\n{}\n")
        assert target.stat().st_mode & 0o777 == 0o604
    finally:
        os.umask(old)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError), AtomicWriter(target) as handle:
        handle.write(b"half")
        raise RuntimeError("stop")
    assert target.read_bytes() == b"old\n" and [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]

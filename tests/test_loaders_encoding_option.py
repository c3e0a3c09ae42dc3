"""An --encoding (or `encoding` in the config) that cannot read the file is a usage error
(exit 2) naming the file and what to pass instead, never a traceback: UTF-16/32 without
a byte-order mark, codecs that are not text encodings (rot13, base64), and idna."""

from __future__ import annotations

from pathlib import Path

import pytest

ROWS = "text,label\nmy invoice is wrong,billing\n"


def _files(tmp_path: Path) -> dict[str, Path]:
    csv = tmp_path / "tickets.csv"
    csv.write_text(ROWS, encoding="utf-8")
    jsonl = tmp_path / "recs.jsonl"
    jsonl.write_text('{"text": "my invoice is wrong", "label": "billing"}\n', encoding="utf-8")
    json = tmp_path / "recs.json"
    json.write_text('[{"text": "my invoice is wrong", "label": "billing"}]', encoding="utf-8")
    return {"csv": csv, "jsonl": jsonl, "json": json}


@pytest.mark.parametrize("kind", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_or_32_without_a_byte_order_mark(tmp_path: Path, run_cli, kind: str,
                                               encoding: str) -> None:
    src = _files(tmp_path)[kind]
    result = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--encoding", encoding)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{src}: not {encoding}: the file has no byte-order mark" in result.output
    assert f"{encoding}-le" in result.output and "leave --encoding out" in result.output


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
@pytest.mark.parametrize("encoding", ["rot13", "base64", "idna"])
def test_codecs_that_cannot_read_a_text_file(tmp_path: Path, run_cli, kind: str,
                                             encoding: str) -> None:
    src = _files(tmp_path)[kind]
    result = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--encoding", encoding)
    assert result.exit_code == 2, result.output
    assert f"{src}: --encoding {encoding!r} cannot read a text file" in result.output
    assert "cp1252" in result.output  # what to pass instead


def test_the_config_encoding_goes_the_same_way(tmp_path: Path, run_cli) -> None:
    src = _files(tmp_path)["csv"]
    config = tmp_path / "ftprep.toml"
    config.write_text('[convert]\nencoding = "utf-16"\n', encoding="utf-8")
    result = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "no byte-order mark" in result.output


def test_utf16_with_its_mark_still_reads(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "u.csv"
    src.write_text(ROWS, encoding="utf-16")
    result = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--encoding", "utf-16")
    assert result.exit_code == 0, result.output

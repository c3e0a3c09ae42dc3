"""Usage errors of `ftprep convert` stop it before anything is written (exit 2), and say
how to fix them."""

from __future__ import annotations

from pathlib import Path

import pytest

ROWS = "id,text,label\n" + "".join(f"{i},My invoice number {i} is wrong,billing\n" for i in range(12))


@pytest.mark.parametrize("assistant", ["reply", "json", "label+reply"])
def test_answers_with_replies_need_a_reply_column(tmp_path: Path, run_cli,
                                                  assistant: str) -> None:
    src = tmp_path / "in.csv"
    src.write_text(ROWS, encoding="utf-8")
    out = tmp_path / "good.jsonl"
    assert run_cli("convert", str(src), "-o", str(out)).exit_code == 0
    good, rejects = out.read_bytes(), (tmp_path / "good.rejects.jsonl").read_bytes()
    result = run_cli("convert", str(src), "-o", str(out), "--assistant", assistant)
    assert result.exit_code == 2
    assert "no reply column" in result.output and "--reply" in result.output
    assert "'id', 'text', 'label'" in result.output  # the columns to choose from
    # The good output and its rejects are untouched.
    assert out.read_bytes() == good and (tmp_path / "good.rejects.jsonl").read_bytes() == rejects


def test_a_mapped_reply_column_is_used(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "in.csv"
    src.write_text("text,label,Agent response\nMy invoice is wrong,billing,Fixed it.\n",
                   encoding="utf-8")
    result = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--assistant",
                     "reply", "--reply", "Agent response")
    assert result.exit_code == 0, result.output
    assert '"Fixed it."' in (tmp_path / "o.jsonl").read_text(encoding="utf-8")

"""Several labels in one example are rejected alike from every table: a CSV cell
'billing;returns' (after the label map, which can make it one) and a JSON list of labels.
A fine-tune would otherwise learn 'billing;returns' as a class of its own."""

from __future__ import annotations

import json
from pathlib import Path

from ftprep.convert import convert

CELLS = ["billing;returns", "billing | technical", "Hardware|Printer", "billing;", "technical"]


def rejects(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def table(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text("id,text,label\n" + "".join(f"{i},ticket number {i},{label}\n"
                                                for i, label in enumerate(CELLS, 1)),
                    encoding="utf-8")  # fmt: skip
    return path


def test_csv_cell_with_several_labels_is_rejected_with_the_fix(tmp_path: Path) -> None:
    summary = convert([table(tmp_path)], tmp_path / "o.jsonl")
    assert summary.rejected == {"several-labels": 3}
    assert summary.labels == {"billing;": 1, "technical": 1}  # a separator at the end joins nothing
    assert summary.read == summary.written + summary.rejected_total
    first = rejects(tmp_path / "o.rejects.jsonl")[0]
    assert (first["row"], first["record_id"], first["reason"]) == (1, "1", "several-labels")
    assert first["detail"].startswith("label 'billing;returns' holds several labels: an "
                                      'example gets one. Map it to one with --label-map '
                                      '"billing;returns=LABEL"')  # fmt: skip
    assert first["raw"]["label"] == "billing;returns"  # type: ignore[index]
    assert not any("several labels" in w for w in summary.warnings)  # rejected, not warned


def test_label_map_or_allowed_list_makes_a_joined_label_one(tmp_path: Path) -> None:
    summary = convert([table(tmp_path)], tmp_path / "o.jsonl",
                      label_map={"billing;returns": "billing", "billing | technical": "billing",
                                 "Hardware|Printer": "Hardware|Printer"})  # fmt: skip
    assert summary.rejected_total == 0
    assert summary.labels == {"billing": 2, "Hardware|Printer": 1, "billing;": 1, "technical": 1}
    allowed = convert([table(tmp_path)], tmp_path / "p.jsonl",
                      allowed_labels=["billing", "technical", "Hardware|Printer"])
    assert allowed.labels == {"Hardware|Printer": 1, "technical": 1}
    assert allowed.rejected == {"several-labels": 2, "label-not-allowed": 1}  # 'billing;'


def test_json_list_of_labels_is_rejected_alike(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": 1, "text": "ticket number one", "label": ["billing", "returns"]},
        {"id": 2, "text": "ticket number two", "label": "billing;returns"},
        {"id": 3, "text": "ticket number three", "label": ["technical"]},
    ]), encoding="utf-8")  # fmt: skip
    summary = convert([path], tmp_path / "o.jsonl")
    assert summary.rejected == {"several-labels": 2} and summary.labels == {"technical": 1}
    listed, joined = rejects(tmp_path / "o.rejects.jsonl")
    assert (listed["record_id"], joined["record_id"]) == ("1", "2")
    assert "'label' holds 2 labels" in listed["detail"]
    assert "read one item with --label 'label[0]'" in listed["detail"]
    assert listed["raw"] == {"id": 1, "text": "ticket number one", "label": ["billing", "returns"]}

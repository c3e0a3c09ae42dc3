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
                                      "'billing;returns=LABEL'")  # fmt: skip
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
    # 'billing;returns' has one allowed part (billing), 'billing | technical' two.
    assert allowed.labels == {"Hardware|Printer": 1, "technical": 1, "billing": 1}
    assert allowed.rejected == {"several-labels": 1, "label-not-allowed": 1}  # 'billing;'


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


def _labels_csv(tmp_path: Path, labels: list[str]) -> Path:
    import csv

    path = tmp_path / "v.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "label"])
        writer.writerows([i, f"ticket number {i}", label] for i, label in enumerate(labels, 1))
    return path


def test_newline_json_list_comma_and_slash_cells(tmp_path: Path) -> None:
    path = _labels_csv(tmp_path, [
        "billing", "returns", "billing\nreturns", '["billing", "returns"]', '["billing"]',
        "billing, returns", "billing/returns", "Returns/Refunds", "Shipping, EU"])
    summary = convert([path], tmp_path / "o.jsonl")
    # A newline and a JSON list of two are several labels; "," and "/" only when each
    # part is a label of the run: "Returns/Refunds" is one helpdesk class.
    assert summary.rejected == {"several-labels": 4}
    assert summary.labels == {"billing": 2, "returns": 1, "Returns/Refunds": 1, "Shipping, EU": 1}
    details = [r["detail"] for r in rejects(tmp_path / "o.rejects.jsonl")]
    assert "holds a JSON list of 2 labels" in details[1]
    assert not [w for w in summary.warnings if "differ only" in w or "several" in w]


def test_a_joined_label_before_its_parts_is_kept_and_warned(tmp_path: Path) -> None:
    from ftprep import convert as convert_module

    path = _labels_csv(tmp_path, ["billing, returns", "billing", *["x"] * 5, "returns"])
    old = convert_module.BATCH
    convert_module.BATCH = 2  # "returns" only comes in a later batch
    try:
        summary = convert([path], tmp_path / "o.jsonl")
    finally:
        convert_module.BATCH = old
    assert summary.labels["billing, returns"] == 1
    warned = [w for w in summary.warnings if "billing, returns" in w]
    assert len(warned) == 1 and "looks like several labels ('billing', 'returns'" in warned[0]
    assert "differ only in case" not in warned[0]


def test_a_label_is_printed_on_one_line(tmp_path: Path, run_cli) -> None:
    path = _labels_csv(tmp_path, ["billing\nreturns"] * 10)
    result = run_cli("convert", str(path), "-o", str(tmp_path / "o.jsonl"),
                     "--label-map", "billing\nreturns=billing\nreturns")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("labels:"))
    assert line.strip() == "labels: billing\\nreturns 10"


def test_the_one_allowed_part_is_the_label_as_for_mail(tmp_path: Path) -> None:
    # 'billing;spam' with billing allowed is billing (a mail message labelled billing and
    # spam gets billing too); two allowed parts stay several labels.
    path = tmp_path / "t.csv"
    path.write_text("id,text,label\n1,ticket one,billing;spam\n2,ticket two,billing;returns\n",
                    encoding="utf-8")
    summary = convert([path], tmp_path / "o.jsonl", allowed_labels=["billing", "returns"])
    assert summary.labels == {"billing": 1}
    assert summary.rejected == {"several-labels": 1}


def test_the_suggested_label_map_is_a_command_a_shell_takes(tmp_path: Path) -> None:
    import shlex

    path = tmp_path / "t.csv"
    path.write_text('id,text,label\n1,ticket one,"[""billing"", ""returns""]"\n', encoding="utf-8")
    convert([path], tmp_path / "o.jsonl")
    [reject] = rejects(tmp_path / "o.rejects.jsonl")
    suggested = str(reject["detail"]).split("--label-map ", 1)[1].split(" ([label-map]", 1)[0]
    assert shlex.split(suggested) == ['["billing", "returns"]=LABEL']


def test_parquet_list_labels_do_not_suggest_a_json_path(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": ["ticket one"], "label": [["billing", "returns"]]}), path)
    convert([path], tmp_path / "o.jsonl")
    [reject] = rejects(tmp_path / "o.rejects.jsonl")
    assert reject["reason"] == "several-labels"
    assert "--label 'label[0]'" not in str(reject["detail"])


def _tagged(tmp_path: Path) -> Path:
    # Gorgias/Intercom style: the tags as a list of objects, read with `tags.*.name`.
    path = tmp_path / "tags.json"
    path.write_text(json.dumps([
        {"id": 1, "text": "my invoice is wrong", "tags": [{"name": "billing"}, {"name": "urgent"}]},
        {"id": 2, "text": "the app crashes", "tags": [{"name": "technical"}]},
        {"id": 3, "text": "both at once", "tags": [{"name": "billing"}, {"name": "technical"}]},
    ]), encoding="utf-8")
    return path


def test_a_json_list_with_one_allowed_item_takes_it_as_a_csv_cell_does(tmp_path: Path) -> None:
    from ftprep.convert import ConvertSettings
    from ftprep.loaders.columns import ColumnMapping

    settings = ConvertSettings(columns=ColumnMapping(label="tags.*.name"))
    summary = convert([_tagged(tmp_path)], tmp_path / "o.jsonl", settings,
                      allowed_labels=["billing", "technical"])
    assert summary.labels == {"billing": 1, "technical": 1}
    assert summary.rejected == {"several-labels": 1}  # two allowed items: no pick
    [reject] = rejects(tmp_path / "o.rejects.jsonl")
    assert reject["record_id"] == "3"


def test_the_suggested_item_path_reads_a_label(tmp_path: Path) -> None:
    from ftprep.convert import ConvertSettings
    from ftprep.loaders.columns import ColumnMapping

    path = _tagged(tmp_path)
    settings = ConvertSettings(columns=ColumnMapping(label="tags.*.name"))
    convert([path], tmp_path / "o.jsonl", settings)
    first = rejects(tmp_path / "o.rejects.jsonl")[0]
    assert "--label 'tags[0].name'" in first["detail"]
    suggested = ConvertSettings(columns=ColumnMapping(label="tags[0].name"))
    summary = convert([path], tmp_path / "p.jsonl", suggested)
    assert summary.rejected_total == 0
    assert summary.labels == {"billing": 2, "technical": 1}

"""`ftprep convert`: tables to validated chat JSONL, nothing lost, every line valid."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ftprep.convert import ConvertError, ConvertSettings, convert
from ftprep.validate import validate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_example_tickets_convert_balanced_and_valid(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "tickets.jsonl"
    summary_path = tmp_path / "summary.json"
    result = run_cli("convert", str(EXAMPLES / "tickets.csv"), "-o", str(out), "--config",
                     str(EXAMPLES / "ftprep.toml"), "--summary-json", str(summary_path))
    assert result.exit_code == 0, result.output
    summary = json.loads(summary_path.read_text())
    assert summary["balanced"] and summary["read"] == summary["written"] + summary["rejected"]
    with (EXAMPLES / "tickets.csv").open(newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert summary["read"] == rows
    written = lines(out)
    assert len(written) == summary["written"]
    assert set(summary["labels"]) == {"billing", "technical", "returns", "complaints"}
    answers = [json.loads(r["messages"][-1]["content"]) for r in written]  # the example config: json
    assert {a["category"] for a in answers} == set(summary["labels"])
    assert all(a["reply"].startswith("Hi ") for a in answers)
    assert written[0]["messages"][0]["role"] == "system"
    rejects = lines(tmp_path / "tickets.rejects.jsonl")
    assert len(rejects) == summary["rejected"] and all(r["reason"] and r["raw"] for r in rejects)
    assert summary["redactions"].get("EMAIL", 0) >= 1
    assert not any("@" in m["content"] for r in written for m in r["messages"] if m["role"] == "user"
                   and "[EMAIL]" not in m["content"] and "@" in m["content"])
    report = validate([out])
    assert report.errors == 0


def test_assistant_modes_and_label_rules(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("body,Category,Reply\n"
                   "\"My card was charged twice, please refund\",Billing inquiry,\"Hi, refunded.\"\n"
                   "App crashes on start,technical,\"Hi, update the app.\"\n"
                   "Where is my parcel,shipping,\"Hi, it is on its way.\"\n"
                   "Hi,technical,\"Hi.\"\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    settings = ConvertSettings.model_validate({"assistant": "json", "clean": {"min-chars": 5}})
    summary = convert([src], out, settings, label_map={"billing inquiry": "billing"},
                      allowed_labels=["billing", "technical"])
    assert summary.read == 4 and summary.written == 2 and summary.balanced
    assert summary.rejected == {"label-not-allowed": 1, "too-short": 1}
    first = json.loads(lines(out)[0]["messages"][-1]["content"])
    assert first == {"category": "billing", "reply": "Hi, refunded."}
    reply_only = convert([src], tmp_path / "r.jsonl",
                         ConvertSettings.model_validate({"assistant": "label+reply"}))
    assert reply_only.written == 3 and reply_only.rejected == {"too-short": 1}  # "Hi" < 3 chars
    assert lines(tmp_path / "r.jsonl")[1]["messages"][-1]["content"].startswith("Category: technical")


def test_missing_column_and_overwrite_are_clear_errors(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "t.csv"
    src.write_text("text,label\nhello there friend,billing\n", encoding="utf-8")
    bad = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--label", "categroy")
    assert bad.exit_code == 2 and "categroy" in bad.output and "Traceback" not in bad.output
    with pytest.raises(ConvertError, match="input"):
        convert([src], src, ConvertSettings())


@pytest.mark.parametrize("where", ["summary-is-input", "summary-is-output", "target-output-is-input"])
def test_no_output_overwrites_an_input_or_another_output(tmp_path: Path, run_cli, where: str) -> None:
    src = tmp_path / "t.csv"
    original = "text,label\nhello there friend,billing\n"
    src.write_text(original, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    args = {"summary-is-input": ["-o", str(out), "--summary-json", str(src)],
            "summary-is-output": ["-o", str(out), "--summary-json", str(out)],
            "target-output-is-input": ["-o", str(src), "--target", "bedrock-nova"]}[where]
    result = run_cli("convert", str(src), *args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert src.read_text(encoding="utf-8") == original and not out.exists()


def test_labels_and_template_fields_are_cleaned_and_redacted(tmp_path: Path, run_cli) -> None:
    # NFD, mojibake and a control character spell one class; an email address in a
    # template field and in a label is redacted like one in the text.
    src = tmp_path / "t.csv"
    src.write_text("text,label,email\n"
                   "Charged twice for my order,Re\u0301clamation,a@b.example\n"
                   "The parcel never arrived,R\u00c3\u00a9clamation,c@d.example\n"
                   "Refund has not arrived yet,R\u00e9cla\x01mation,e@f.example\n"
                   "Please call me back today,jo@x.example,g@h.example\n", encoding="utf-8")
    config = tmp_path / "ftprep.toml"
    config.write_text("[convert.columns]\nfields = [\"email\"]\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = run_cli("convert", str(src), "-o", str(out), "--config", str(config), "-f", "json",
                     "--user-template", "From {email}:\\n{text}", "--labels", "R\u00e9clamation,[EMAIL]")
    summary = json.loads(result.stdout)
    assert summary["labels"] == {"R\u00e9clamation": 3, "[EMAIL]": 1}, result.output
    assert summary["redactions"]["EMAIL"] == 5
    first = lines(out)[0]["messages"][0]["content"]
    assert first == "From [EMAIL]:\nCharged twice for my order"  # the typed \n is a newline
    assert run_cli("validate", str(out), "--select", "FT510", "--config", str(config)).exit_code == 0


def test_duplicates_dropped_on_request(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("text,label\nrefund please now,billing\nrefund please now,billing\n", encoding="utf-8")
    summary = convert([src], tmp_path / "o.jsonl",
                      ConvertSettings.model_validate({"drop-duplicates": True}))
    assert summary.written == 1 and summary.rejected == {"duplicate": 1}
    twice = convert([src, src], tmp_path / "twice.jsonl",
                    ConvertSettings.model_validate({"drop-duplicates": True}))
    assert twice.written == 1 and twice.rejected == {"duplicate": 3}  # the same file given twice


def test_export_to_target_format(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "nova.jsonl"
    result = run_cli("convert", str(EXAMPLES / "tickets.csv"), "-o", str(out), "--config",
                     str(EXAMPLES / "ftprep.toml"), "--target", "bedrock-nova", "-f", "json")
    assert result.exit_code == 0, result.output
    first = lines(out)[0]
    assert first["schemaVersion"] == "bedrock-conversation-2024"
    assert run_cli("validate", str(out), "--target", "bedrock-nova").exit_code == 0


@pytest.mark.corpus
def test_banking77_converts_to_10003_examples(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "b77.jsonl"
    summary = convert([corpus / "csv/banking77/banking_data/train.csv"], out, ConvertSettings())
    assert summary.read == 10_003 and summary.written == 10_003 and summary.balanced
    assert len(summary.labels) == 77
    assert validate([out]).errors == 0


def test_example_mailbox_threads_become_examples_with_replies(tmp_path: Path) -> None:
    out = tmp_path / "mail.jsonl"
    settings = ConvertSettings.model_validate({"assistant": "json"})
    summary = convert([EXAMPLES / "mailbox" / "support.mbox"], out, settings)
    assert summary.balanced and summary.merged > 0 and summary.written > 0
    for record in lines(out):
        answer = json.loads(record["messages"][-1]["content"])
        assert answer["category"] in {"billing", "technical", "returns", "complaints"}
        assert answer["reply"] and ">" not in answer["reply"].splitlines()[0]
    assert validate([out]).errors == 0


@pytest.mark.corpus
def test_every_corpus_email_converts_or_is_rejected(corpus: Path, tmp_path: Path) -> None:
    summary = convert([corpus / "emails"], tmp_path / "c.jsonl",
                      ConvertSettings.model_validate({"assistant": "label", "allow-unlabelled": True,
                                                      "user-template": "{text}"}))
    assert summary.balanced and summary.read > 100


def test_nothing_written_is_a_failure_with_a_hint(tmp_path: Path, run_cli) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "t.csv").write_text("text,label\nmy invoice is wrong,billing\n", encoding="utf-8")
    result = run_cli("convert", str(folder), "-o", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 1 and "mailbox" in result.output


def test_unusable_label_map_file_is_a_clear_error_before_any_output(tmp_path: Path, run_cli) -> None:
    mbox = tmp_path / "m.mbox"
    mbox.write_bytes(b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\nMessage-ID: <1@x>\n\nhello there\n")
    config = tmp_path / "ftprep.toml"
    for name, content in (("missing.csv", None), ("bad.json", b'{"1@x": '), ("one.csv", b"1@x\n")):
        if content is not None:
            (tmp_path / name).write_bytes(content)
        config.write_text(f'[convert.email]\nlabel-map-file = "{tmp_path / name}"\n', encoding="utf-8")
        out = tmp_path / "o.jsonl"
        result = run_cli("convert", str(mbox), "-o", str(out), "--config", str(config))
        assert result.exit_code == 2 and name in result.output and "Traceback" not in result.output
        assert not out.exists()


def test_summary_counts_skipped_attachments_and_guessed_charsets(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(
        b"From: jo@example.com\nSubject: invoice\nMessage-ID: <a@x>\nX-Label: billing\n"
        b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
        b"Content-Type: text/plain; charset=utf-8\n\nPlease refund the double charge.\n--B\n"
        b"Content-Type: application/pdf; name=inv.pdf\nContent-Transfer-Encoding: base64\n\n"
        b"JVBERi0xLjQK\n--B--\n")
    (tmp_path / "b.eml").write_bytes(
        b"From: al@example.com\nSubject: app\nMessage-ID: <b@x>\nX-Label: technical\n"
        b"Content-Type: text/plain; charset=x-unknown\n\nThe caf\xe9 app crashes on start.\n")
    settings = ConvertSettings.model_validate({"email": {"label-header": "X-Label"}})
    summary = convert([tmp_path], tmp_path / "out" / "o.jsonl", settings)
    assert summary.to_dict()["email"] == {"attachments_skipped": 1, "charsets_recovered": 1}


def test_convert_for_a_target_rejects_what_that_target_refuses(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "t.csv"
    src.write_text("text,label\nUser: my card was charged twice [EOS],billing\n"
                   "The app crashes on start,technical\n", encoding="utf-8")
    out = tmp_path / "nova.jsonl"
    result = run_cli("convert", str(src), "-o", str(out), "--target", "bedrock-nova", "-f", "json")
    summary = json.loads(result.stdout)
    assert summary["written"] == 1 and summary["rejected_by_reason"] == {"invalid-example": 1}
    (reject,) = lines(tmp_path / "nova.rejects.jsonl")
    assert "FT146" in reject["detail"] and reject["row"] == 1


def test_encoding_and_sheet_options(tmp_path: Path, run_cli) -> None:
    import pandas as pd

    # Greek in cp1253 also decodes as cp1252, wrongly: only --encoding gets it right.
    table = tmp_path / "greek.csv"
    table.write_bytes("text,label\nΗ εφαρμογή κολλάει στην εκκίνηση,technical\n".encode("cp1253"))
    out = tmp_path / "greek.jsonl"
    result = run_cli("convert", str(table), "-o", str(out), "--encoding", "cp1253")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["messages"][0]["content"] == "Η εφαρμογή κολλάει στην εκκίνηση"
    klingon = run_cli("convert", str(table), "-o", str(out), "--encoding", "klingon")
    assert klingon.exit_code == 2 and "such as utf-8, cp1252" in klingon.output

    book = tmp_path / "two.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"text": ["Jan ticket about a refund"], "label": ["returns"]}).to_excel(
            writer, sheet_name="Jan", index=False)
        pd.DataFrame({"text": ["Feb ticket about a crash"], "label": ["technical"]}).to_excel(
            writer, sheet_name="Feb", index=False)
    out = tmp_path / "feb.jsonl"
    assert run_cli("convert", str(book), "-o", str(out), "--sheet", "Feb").exit_code == 0
    assert json.loads(out.read_text())["messages"][0]["content"] == "Feb ticket about a crash"
    missing = run_cli("convert", str(book), "-o", str(out), "--sheet", "Mar")
    assert missing.exit_code == 2 and "no sheet 'Mar'" in missing.output


def test_summary_warns_about_label_spellings_and_unused_map_entries(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("text,label\nmy card was charged twice,Billing\nwrong invoice amount,billing.\n"
                     "refund and a broken app,billing;technical\nthe app will not start,2.0\n",
                     encoding="utf-8")
    summary = convert([table], tmp_path / "o.jsonl", label_map={"2": "technical", "Techincal": "x"})
    assert summary.labels["technical"] == 1  # the code "2.0" (a float column) matched "2"
    assert summary.rejected == {"several-labels": 1}  # "billing;technical": test_several_labels.py
    variants, unused, size = summary.warnings
    assert size.startswith("3 example(s) written; OpenAI needs at least 10")
    assert "'Billing' (1), 'billing.' (1)" in variants
    assert "1 of 2 label-map entries matched no label ('Techincal')" in unused
    assert summary.to_dict()["warnings"] == summary.warnings
    # With an allowed list, spellings are matched to it (or rejected): no warning.
    folded = convert([table], tmp_path / "p.jsonl", allowed_labels=["billing", "technical"],
                     label_map={"billing;technical": "billing", "2": "technical"})
    assert folded.labels == {"billing": 2, "technical": 1}
    assert len(folded.warnings) == 1 and "needs at least 10" in folded.warnings[0]  # size only
    assert folded.rejected == {"label-not-allowed": 1}  # 'billing.'



def test_user_template_fields_are_column_names_as_written(tmp_path: Path) -> None:
    from ftprep.build import BuildSettings, build_contents

    settings = BuildSettings(user_template="{Category [list]} / {via.channel}: {text:>4}")
    _, user, _ = build_contents("hi", "billing", None,
                                {"Category [list]": "Billing", "via.channel": "email"}, settings)
    assert user == "Billing / email:   hi"
    for bad, why in (("{}", "empty field"), ("{text!r}", "conversions"),
                     ("{text:d}", "does not suit text"), ("{text", "malformed")):
        with pytest.raises(ValueError, match=why):
            BuildSettings(user_template=bad)


def test_user_template_columns_are_read_without_a_fields_setting(tmp_path: Path, run_cli) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Subject,body,label\nRefund,I paid twice,billing\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = run_cli("convert", str(table), "--text", "body", "--user-template",
                     "Subject: {subject}\\n\\n{text}", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["messages"][0]["content"] == "Subject: Refund\n\nI paid twice"
    # A file without the column: its rows are rejected, naming the field.
    missing = run_cli("convert", str(table), "--user-template", "{Topic}: {text}", "-o", str(out))
    assert missing.exit_code == 1
    [reject] = [json.loads(line) for line in (tmp_path / "o.rejects.jsonl").read_text().splitlines()]
    assert reject["reason"] == "template-field-missing" and "Topic" in reject["detail"]


def test_summary_names_the_columns_read_for_each_role(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("Ticket ID,Subject,Description,Type,Channel\n1,Refund,I paid twice,billing,email\n",
                     encoding="utf-8")
    summary = convert([table], tmp_path / "o.jsonl")
    assert summary.to_dict()["columns"] == {str(table): {
        "text": "Subject + Description", "label": "Type", "id": "Ticket ID"}}


def test_template_columns_from_json_paths_and_the_closest_header(tmp_path: Path) -> None:
    nested = tmp_path / "n.json"
    nested.write_text(json.dumps([{"text": "card charged twice", "label": "billing",
                                   "via": {"channel": "email"}}]), encoding="utf-8")
    out = tmp_path / "n.jsonl"
    convert([nested], out, ConvertSettings.model_validate({"user-template": "[{via.channel}] {text}"}))
    assert json.loads(out.read_text())["messages"][0]["content"] == "[email] card charged twice"
    # The same name ignoring case wins over the same name ignoring '_' (as for --text).
    table = tmp_path / "t.csv"
    table.write_text("Ticket_Subject,ticket subject,Body,Category\nA,B,body text,x\n", encoding="utf-8")
    convert([table], out, ConvertSettings.model_validate(
        {"user-template": "{Ticket Subject} | {text}", "columns": {"text": "Body"}}))
    assert json.loads(out.read_text())["messages"][0]["content"] == "B | body text"


def test_a_clean_table_without_min_chars_keeps_converts_minimum() -> None:
    assert ConvertSettings().clean.min_chars == 3
    assert ConvertSettings.model_validate({"clean": {"html": False}}).clean.min_chars == 3
    assert ConvertSettings.model_validate({"clean": {"min-chars": 1}}).clean.min_chars == 1


def test_too_few_examples_for_the_target_is_a_warning(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("text,label\n" + "".join(f"ticket number {i},billing\n" for i in range(7)),
                     encoding="utf-8")
    nova = convert([table], tmp_path / "o.jsonl", target="bedrock-nova")
    assert any("7 example(s) written; Amazon Bedrock" in w and "at least 8" in w
               for w in nova.warnings)
    table.write_text("text,label\n" + "".join(f"ticket number {i},billing\n" for i in range(12)),
                     encoding="utf-8")
    assert convert([table], tmp_path / "p.jsonl").warnings == []


def test_loader_warnings_are_in_the_summary_once(tmp_path: Path, run_cli) -> None:
    # A machine reading --summary-json must see what a person reads on the console.
    src = tmp_path / "t.csv"
    src.write_text("Ticket export - generated 2026-11-02\n\nid,body,category\n"
                   + "".join(f"{i},The app crashes when I open invoice {i},technical\n"
                             for i in range(12)), encoding="utf-8")
    summary_path = tmp_path / "s.json"
    result = run_cli("convert", str(src), "-o", str(tmp_path / "o.jsonl"),
                     "--summary-json", str(summary_path))
    assert result.exit_code == 0, result.output
    [warning] = json.loads(summary_path.read_text(encoding="utf-8"))["warnings"]
    assert "the 2 line(s) above it were skipped" in warning
    assert result.output.count("line(s) above it were skipped") == 1


def test_mail_folded_into_a_rejected_ticket_is_rejected_with_it(tmp_path: Path) -> None:
    box = tmp_path / "box"
    for folder in ("", ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (box / folder / sub).mkdir(parents=True, exist_ok=True)
    head = "Subject: Help\nContent-Type: text/plain\n"
    (box / "cur" / "1.mail:2,S").write_text(  # the inbox: no label
        f"From: Ann <ann@c.example>\nMessage-ID: <c1@c>\n{head}"
        "Date: Mon, 11 Mar 2024 08:00:00 +0000\n\nI cannot log in.\n")
    (box / "cur" / "2.mail:2,S").write_text(
        f"From: Ann <ann@c.example>\nMessage-ID: <c2@c>\nIn-Reply-To: <c1@c>\n{head}"
        "Date: Mon, 11 Mar 2024 09:00:00 +0000\n\nAlso E42.\n")
    (box / ".Sent" / "cur" / "3.mail:2,S").write_text(
        f"From: Support <help@acme.example>\nMessage-ID: <r@acme>\nIn-Reply-To: <c2@c>\n"
        f"{head}Date: Mon, 11 Mar 2024 10:00:00 +0000\n\nFixed.\n")
    out = tmp_path / "mail.jsonl"
    summary = convert([box], out, ConvertSettings.model_validate({"assistant": "json"}))
    assert summary.balanced and (summary.read, summary.merged, summary.written) == (3, 0, 0)
    rejects = lines(tmp_path / "mail.rejects.jsonl")
    assert [(r["record_id"], r["reason"]) for r in rejects] == [
        ("c2@c", "missing-label"), ("c1@c", "parent-rejected"), ("r@acme", "parent-rejected")]
    assert "which was rejected (missing-label)" in rejects[2]["detail"]

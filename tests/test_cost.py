"""Price table, epoch heuristic and cost estimates (ftprep.cost)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ftprep import cost
from ftprep.cost import (
    CostEstimate,
    PriceFileError,
    billed_tokens,
    default_epochs,
    estimate_all,
    estimate_cost,
    load_prices,
)

REPO = Path(__file__).resolve().parents[1]
BEFORE = date(2026, 1, 1)  # before every OpenAI wind-down date

# Section 4 of reference/openai_spec.md: USD per 1M training tokens, o4-mini per hour.
SECTION_4 = {
    ("o4-mini-2025-04-16", "rft", "hour"): 100.0,
    ("gpt-4.1-2025-04-14", "sft", "1M tokens"): 25.0,
    ("gpt-4.1-mini-2025-04-14", "sft", "1M tokens"): 5.0,
    ("gpt-4.1-nano-2025-04-14", "sft", "1M tokens"): 1.5,
    ("gpt-4o-2024-08-06", "sft", "1M tokens"): 25.0,
    ("gpt-4o-mini-2024-07-18", "sft", "1M tokens"): 3.0,
    ("gpt-3.5-turbo", "sft", "1M tokens"): 8.0,
    ("davinci-002", "sft", "1M tokens"): 6.0,
    ("babbage-002", "sft", "1M tokens"): 0.4,
}


@pytest.fixture(scope="module")
def prices() -> cost.PriceTable:
    return load_prices()


def write(tmp_path: Path, data: Any, name: str = "prices.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


# -- data file --------------------------------------------------------------------------


def test_packaged_rows_are_section_4(prices: cost.PriceTable) -> None:
    got = {(r.model, r.method, r.unit): r.price_usd for r in prices.rows}
    assert got == SECTION_4
    for row, origin in zip(prices.rows, prices.origins, strict=True):
        assert row.provider == "openai" and row.source and row.as_of == "2025-07"
        assert origin == cost.PACKAGED


def test_availability_dates_come_from_data(prices: cost.PriceTable) -> None:
    rules = {(a.date.isoformat(), a.scope) for a in prices.for_provider("openai")}
    assert rules == {("2026-05-07", "new"), ("2026-07-02", "inactive"), ("2027-01-06", "all")}
    for module in ("cost.py", "tokens.py", "modelinfo.py"):
        source = (REPO / "ftprep" / module).read_text(encoding="utf-8")
        assert "2027-01-06" not in source and "2026-05-07" not in source, module


def test_price_table_to_dict_is_json(prices: cost.PriceTable) -> None:
    data = json.loads(json.dumps(prices.to_dict()))
    assert data["files"] == [cost.PACKAGED]
    assert data["rows"][0]["file"] == cost.PACKAGED


def test_user_file_overrides_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "as_of": "2026-09",
            "rows": [
                {
                    "provider": "openai",
                    "model": "gpt-4o-mini-2024-07-18",
                    "method": "sft",
                    "unit": "1M tokens",
                    "price_usd": 2.0,
                    "source": "our contract",
                },
                {
                    "provider": "together",
                    "model": "meta-llama/llama-3-8b",
                    "method": "sft-lora",
                    "unit": "1M tokens",
                    "price_usd": None,
                    "source": "UNVERIFIED",
                    "as_of": "2026-08-15",
                },
            ],
        },
    )
    table = load_prices(path)
    assert table.files == (cost.PACKAGED, str(path))
    rows = {r.key: (r, o) for r, o in zip(table.rows, table.origins, strict=True)}
    mini, origin = rows[("openai", "gpt-4o-mini-2024-07-18", "sft")]
    assert (mini.price_usd, mini.as_of, mini.source, origin) == (
        2.0,
        "2026-09",
        "our contract",
        str(path),
    )
    nano, origin = rows[("openai", "gpt-4.1-nano-2025-04-14", "sft")]
    assert (nano.price_usd, nano.as_of, origin) == (1.5, "2025-07", cost.PACKAGED)
    together, _ = rows[("together", "meta-llama/llama-3-8b", "sft-lora")]
    assert together.as_of == "2026-08-15"
    est = estimate_cost(100_000, 100, MINI, epochs=3, prices=table, today=BEFORE)
    assert est.cost_usd == pytest.approx(0.6) and est.file == str(path)
    unpriced = estimate_cost(
        1, 100, "meta-llama/llama-3-8b", provider="together", prices=table, today=BEFORE
    )
    assert unpriced.cost_usd is None and "unverified" in (unpriced.reason or "")


MINI = "gpt-4o-mini-2024-07-18"
GOOD_ROW = {
    "provider": "openai",
    "model": "gpt-x",
    "method": "sft",
    "unit": "1M tokens",
    "price_usd": 1.0,
    "source": "s",
    "as_of": "2026-01",
}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"rows": [', ["not valid JSON", "line 1"]),
        ({"rows": [{**GOOD_ROW, "price_usd": -1}]}, ["row 1 (openai/gpt-x/sft)", "price_usd"]),
        # 1e308 overflowed the cost to infinity and the row read "no price" with no reason.
        ({"rows": [{**GOOD_ROW, "price_usd": 1e308}]}, ["row 1", "price_usd", "1000000"]),
        ({"rows": [GOOD_ROW, {**GOOD_ROW, "unit": "token"}]}, ["row 2 (openai/gpt-x/sft)", "unit"]),
        ({"rows": [{**GOOD_ROW, "price": 1}]}, ["row 1", "price", "Extra inputs"]),
        ({"rows": [{k: v for k, v in GOOD_ROW.items() if k != "source"}]}, ["row 1", "source"]),
        ({"rows": [{**GOOD_ROW, "as_of": "July 2025"}]}, ["row 1", "as_of", "YYYY-MM"]),
        ({"rows": [{k: v for k, v in GOOD_ROW.items() if k != "as_of"}]}, ["row 1", "no as_of"]),
        ({"rows": ["x"]}, ["row 1 (not an object)"]),
        ({"rows": [], "availability": [{"provider": "openai"}]}, ["availability entry 1"]),
        ([], ["bad price file"]),
    ],
)
def test_bad_price_files_are_explained(tmp_path: Path, content: Any, expected: list[str]) -> None:
    path = write(tmp_path, content)
    with pytest.raises(PriceFileError) as info:
        load_prices(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for fragment in expected:
        assert fragment in message


def test_missing_price_file(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError, match="cannot read"):
        load_prices(tmp_path / "nope.json")


# -- epochs and billed tokens -----------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "epochs"),
    [
        (1, 25),
        (3, 25),
        (4, 25),
        (5, 20),
        (10, 10),
        (33, 3),
        (34, 3),
        (100, 3),
        (8333, 3),
        (8334, 2),
        (12500, 2),
        (12501, 1),
        (25000, 1),
        (1_000_000, 1),
        (0, 3),
    ],
)
def test_default_epochs(n: int, epochs: int) -> None:
    assert default_epochs(n) == epochs


def test_default_epochs_rejects_negative() -> None:
    with pytest.raises(ValueError):
        default_epochs(-1)


def test_billed_tokens_caps_each_example() -> None:
    assert billed_tokens([10, 70_000, 5], 65_536) == 65_551
    assert billed_tokens(iter([10, 70_000]), None) == 70_010
    assert billed_tokens([], 10) == 0


# -- estimates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "usd"),
    [("gpt-4o-mini-2024-07-18", 0.90), ("gpt-3.5-turbo-0125", 2.40)],
)
def test_guide_worked_examples(prices: cost.PriceTable, model: str, usd: float) -> None:
    est = estimate_cost(100_000, 1000, model, epochs=3, prices=prices, today=BEFORE)
    assert est.cost_usd == pytest.approx(usd)
    assert (est.trained_tokens, est.epochs_source, est.reason) == (300_000, "given", None)
    assert est.as_of == "2025-07" and est.source and est.available


def test_notebook_example(prices: cost.PriceTable) -> None:
    # Chat_finetuning_data_prep.ipynb: 5 examples -> 20 epochs, ~4306 x 20 = 86,120 tokens.
    est = estimate_cost(4306, 5, MINI, prices=prices, today=BEFORE)
    assert (est.epochs, est.epochs_source, est.trained_tokens) == (20, "heuristic", 86_120)
    assert any("cookbook heuristic" in note for note in est.notes)


def test_rft_is_not_priced_per_token(prices: cost.PriceTable) -> None:
    est = estimate_cost(100_000, 100, "o4-mini-2025-04-16", prices=prices, today=BEFORE)
    assert est.cost_usd is None and est.price_per_1m is None
    assert (est.method, est.unit, est.price_usd) == ("rft", "hour", 100.0)
    assert "not per token" in (est.reason or "")


@pytest.mark.parametrize(
    ("model", "priced_as", "note"),
    [
        ("ft:gpt-4o-mini-2024-07-18:acme::x1", MINI, False),
        ("gpt-4o-mini", MINI, True),
        ("gpt-4o", "gpt-4o-2024-08-06", True),
        ("gpt-4.1", "gpt-4.1-2025-04-14", True),
        ("gpt-3.5-turbo-0613", "gpt-3.5-turbo", False),
    ],
)
def test_model_name_matching(
    prices: cost.PriceTable, model: str, priced_as: str, note: bool
) -> None:
    found = prices.find(model)
    assert found is not None
    row, _, alias_note = found
    assert row.model == priced_as and (alias_note is not None) is note


def test_unpriced_model(prices: cost.PriceTable) -> None:
    est = estimate_cost(1000, 10, "gpt-5-mini", prices=prices, today=BEFORE)
    assert est.cost_usd is None and "no price for openai/gpt-5-mini" in (est.reason or "")
    assert prices.find("gpt-4.1-mini-2025-04-14", method="dpo") is None


def test_notes_validation_and_exactness(prices: cost.PriceTable) -> None:
    est = estimate_cost(
        1000, 100, MINI, prices=prices, validation_tokens=500, tokens_exact=False, today=BEFORE
    )
    assert "validation tokens (500) are not billed" in est.notes
    assert "token counts include estimates" in est.notes
    assert est.validation_tokens == 500 and est.trained_tokens == 3000


@pytest.mark.parametrize(
    ("today", "available", "fragment"),
    [
        (date(2026, 1, 1), True, "from 2027-01-06, no customer can create new fine-tuning jobs"),
        (date(2026, 6, 1), True, "since 2026-05-07, organisations that have never run"),
        (date(2027, 1, 6), False, "since 2027-01-06, no customer can create"),
    ],
)
def test_availability(prices: cost.PriceTable, today: date, available: bool, fragment: str) -> None:
    est = estimate_cost(1000, 100, MINI, prices=prices, today=today)
    assert est.available is available
    assert any(fragment in note for note in est.notes), est.notes


def test_bad_arguments(prices: cost.PriceTable) -> None:
    with pytest.raises(ValueError):
        estimate_cost(-1, 1, MINI, prices=prices)
    with pytest.raises(ValueError):
        estimate_cost(1, 1, MINI, epochs=0, prices=prices)


def test_estimate_all(prices: cost.PriceTable) -> None:
    everything = estimate_all(100_000, 1000, epochs=3, prices=prices, today=BEFORE)
    assert [e.model for e in everything] == [r.model for r in prices.rows]
    by_model = {e.model: e for e in everything}
    assert by_model[MINI].cost_usd == pytest.approx(0.9)
    assert by_model["o4-mini-2025-04-16"].cost_usd is None
    some = estimate_all(
        {MINI: 10_000, "babbage-002": 1_000_000}, 1000, epochs=1, prices=prices, today=BEFORE
    )
    assert {e.model: e.cost_usd for e in some} == {MINI: 0.03, "babbage-002": 0.4}
    assert estimate_all(1, 1, provider="together", prices=prices) == []


def test_estimate_to_dict_is_json(prices: cost.PriceTable) -> None:
    est = estimate_cost(1000, 100, MINI, prices=prices, today=BEFORE)
    assert isinstance(est, CostEstimate)
    data = json.loads(json.dumps(est.to_dict()))
    assert data["cost_usd"] == est.cost_usd and data["notes"] == est.notes


def test_cost_all_says_which_rows_are_not_capped(tmp_path: Path, run_cli) -> None:
    from helpers import chat, write_jsonl

    file = write_jsonl(tmp_path / "t.jsonl", [chat()] * 20)
    result = run_cli("cost", str(file), "--model", "all", "-f", "json")
    rows = {r["model"]: r for r in json.loads(result.stdout)["stats"]["cost"]["rows"]}
    uncapped = [n for n in rows["gpt-3.5-turbo"]["notes"] if "not capped" in n]
    assert uncapped and not [n for n in rows["gpt-4o-mini-2024-07-18"]["notes"] if "not capped" in n]


def test_end_dates_are_said_of_the_providers_own_models_only() -> None:
    from datetime import date

    from ftprep.cost import estimate_cost

    today = date(2026, 11, 29)
    other = estimate_cost(1000, 20, "claude-3-haiku", today=today)  # another provider's model
    assert other.announced == [] and not other.fine_tunable  # and says so, not "available"
    assert not any("2027-01-06" in note for note in other.notes)
    unpriced = estimate_cost(1000, 20, "gpt-4.1-2099-01-01", today=today)  # OpenAI, no price row
    assert any("2027-01-06" in text for text in unpriced.announced)


# -- rows without a dollar figure (cost --model all) -------------------------------------

def test_every_row_without_a_dollar_figure_gets_ft603(prices: cost.PriceTable) -> None:
    from ftprep.checks.cost_checks import cost_findings
    from ftprep.checks.registry import Selection

    rows = estimate_all(100_000, 1000, epochs=3, prices=prices, today=BEFORE)
    chosen = next(e for e in rows if e.model == MINI)
    findings = list(cost_findings(chosen, Selection(), "t.jsonl", others=rows))
    ft603 = [f.message for f in findings if f.code == "FT603"]
    assert ft603 == [next(f"o4-mini-2025-04-16: {e.reason}" for e in rows if e.cost_usd is None)]
    assert "per hour" in ft603[0]
    # The chosen model alone, as `cost` without --model all: no FT603 for a priced model.
    assert not [f for f in cost_findings(chosen, Selection(), "t.jsonl") if f.code == "FT603"]
    # And the chosen row is not reported twice when it is among the others.
    rft = next(e for e in rows if e.cost_usd is None)
    assert len([f for f in cost_findings(rft, Selection(), "t.jsonl", others=rows)
                if f.code == "FT603"]) == 1


def test_cost_table_says_why_a_row_has_no_dollar_figure(prices: cost.PriceTable) -> None:
    from ftprep.report.blocks import Table
    from ftprep.report.views import cost_view

    rows = estimate_all(100_000, 1000, epochs=3, prices=prices, today=BEFORE)
    unverified = estimate_cost(100_000, 1000, MINI, prices=cost.PriceTable(
        rows=(prices.rows[-1].model_copy(update={"model": MINI, "price_usd": None}),),
        origins=("p.json",), files=("p.json",)), today=BEFORE)
    unknown = estimate_cost(100_000, 1000, "gpt-5-mini", prices=prices, today=BEFORE)
    view = cost_view({"rows": [e.to_dict() for e in (*rows, unverified, unknown)]})
    table = next(b for b in view.blocks if isinstance(b, Table))
    names = [c.name for c in table.columns]
    cells = {(r.cells[1], r.cells[2]): dict(zip(names, r.cells, strict=False)) for r in table.rows}
    rft = cells[("o4-mini-2025-04-16", "rft")]
    assert (rft["$ / 1M"], rft["cost"]) == ("$100.00 / hour", "billed per hour")
    assert str(rft["note"]).startswith("o4-mini-2025-04-16 RFT is billed at $100 per hour")
    assert cells[(MINI, "sft")]["cost"] == "no verified price"
    assert cells[("gpt-5-mini", "—")]["cost"] == "no price"
    assert cells[("gpt-4.1-2025-04-14", "sft")]["cost"] == "$7.50"


def test_a_target_without_price_rows_says_so_in_the_cost_section() -> None:
    from ftprep.report.blocks import Note, Table
    from ftprep.report.views import cost_view

    view = cost_view({"rows": [], "as_of": "2025-07"})
    assert not [b for b in view.blocks if isinstance(b, Table)]
    assert any(isinstance(b, Note) and "--prices" in b.text for b in view.blocks)


def test_cost_all_reports_ft603_for_the_rft_row(tmp_path: Path, run_cli) -> None:
    from helpers import chat, write_jsonl

    file = write_jsonl(tmp_path / "t.jsonl", [chat()] * 20)
    result = run_cli("cost", str(file), "--model", "all", "-f", "json")
    findings = json.loads(result.stdout)["findings"]
    assert [f["message"].split(":")[0] for f in findings if f["code"] == "FT603"] == [
        "o4-mini-2025-04-16"]


# -- wording: billed x epochs, singular epochs, gpt-4, one source each -------------------

def _cost_table(rows: list[CostEstimate]) -> tuple[list[str], list[dict[str, Any]]]:
    from ftprep.report.blocks import Table
    from ftprep.report.views import cost_view

    table = next(b for b in cost_view({"rows": [e.to_dict() for e in rows]}).blocks
                 if isinstance(b, Table))
    names = [c.name for c in table.columns]
    return names, [dict(zip(names, r.cells, strict=False)) for r in table.rows]


def test_billed_times_epochs_is_not_called_trained_tokens(prices: cost.PriceTable) -> None:
    est = estimate_cost(17_771, 295, MINI, prices=prices, today=BEFORE)
    names, [row] = _cost_table([est])
    assert "trained tokens" not in names  # the tokens table's "assistant (trained)" is another figure
    assert row["billed tokens"] == "17,771" and row["billed × epochs"] == "53,313"
    assert est.to_dict()["trained_tokens"] == 53_313  # the JSON key stays


@pytest.mark.parametrize(("n_examples", "epochs", "note", "cell"), [
    (20_000, None, "1 epoch from the OpenAI cookbook heuristic for 20,000 examples;", "1 epoch (heuristic)"),
    (1, None, "25 epochs from the OpenAI cookbook heuristic for 1 example;", "25 epochs (heuristic)"),
    (295, 1, None, "1 epoch (given)"),
])
def test_one_epoch_is_singular(prices: cost.PriceTable, n_examples: int, epochs: int | None,
                               note: str | None, cell: str) -> None:
    est = estimate_cost(1000, n_examples, MINI, epochs=epochs, prices=prices, today=BEFORE)
    if note:
        assert est.notes[0].startswith(note)
    _, [row] = _cost_table([est])
    assert row["training"] == cell


@pytest.mark.parametrize("model", ["gpt-4", "gpt-4-0613", "o1", "claude-3-haiku"])
def test_a_model_not_known_to_be_fine_tunable_is_not_shown_as_trainable(
        prices: cost.PriceTable, model: str) -> None:
    from ftprep.checks.cost_checks import cost_findings
    from ftprep.checks.registry import Selection

    est = estimate_cost(1000, 20, model, prices=prices, today=BEFORE)
    assert (est.available, est.fine_tunable, est.announced) == (False, False, [])
    assert not any("2027-01-06" in note for note in est.notes)
    codes = [f.code for f in cost_findings(est, Selection(), "t.jsonl")]
    assert codes == ["FT604", "FT603"]  # not FT602's end date of a model it cannot train
    _, [row] = _cost_table([est])
    assert str(row["note"]).startswith("not available: not known to be fine-tunable")


def test_fine_tunable_models_without_a_price_row_keep_their_end_date(prices: cost.PriceTable) -> None:
    from ftprep.checks.cost_checks import cost_findings
    from ftprep.checks.registry import Selection

    est = estimate_cost(1000, 20, "gpt-3.5-turbo-0125", prices=prices, today=BEFORE)
    assert est.cost_usd is not None and est.fine_tunable  # priced through the family row
    snapshot = estimate_cost(1000, 20, "gpt-4.1-mini-2099-01-01", prices=prices, today=BEFORE)
    assert snapshot.available and snapshot.fine_tunable
    assert [f.code for f in cost_findings(snapshot, Selection(), "t.jsonl")] == ["FT602", "FT603"]


def test_the_packaged_model_table_lists_gpt4_as_not_fine_tunable() -> None:
    from ftprep.modelinfo import model_info

    info = model_info("gpt-4")
    assert info.trainable_until is None and any("not fine-tunable" in n for n in info.notes)


def test_prices_line_names_each_source_once(prices: cost.PriceTable) -> None:
    from ftprep.report.blocks import Note
    from ftprep.report.views import cost_view

    rows = estimate_all(100_000, 1000, epochs=3, prices=prices, today=BEFORE)
    notes = [b.text for b in cost_view({"rows": [e.to_dict() for e in rows]}).blocks if isinstance(b, Note)]
    assert notes == ["Prices: OpenAI pricing page, Fine-tuning table (doc dump ~2025-07); "
                     "help article 11323177"]


def test_cost_of_gpt4_through_the_cli(tmp_path: Path, run_cli) -> None:
    from helpers import chat, write_jsonl

    file = write_jsonl(tmp_path / "t.jsonl", [chat()] * 20)
    report = json.loads(run_cli("cost", str(file), "--model", "gpt-4", "-f", "json").stdout)
    codes = [f["code"] for f in report["findings"] if f["code"].startswith("FT6")]
    [row] = report["stats"]["cost"]["rows"]
    assert sorted(codes) == ["FT603", "FT604"] and row["available"] is False and row["fine_tunable"] is False

"""FT520-FT540: reply consistency per label, knowledge in replies, examples per label."""

from __future__ import annotations

import json

import pytest
from behaviour_helpers import (
    ANSWERS,
    CHAT,
    chat,
    codes,
    dataset,
    dataset_findings,
    house_reply,
    rules,
    ticket,
)
from hypothesis import given
from hypothesis import strategies as st

from ftprep.checks.behaviour.consistency import conformity, length_spread
from ftprep.dataset import DatasetCheckSettings

CATEGORY = {"reply-field": "reply"}


def labelled(**kwargs: object) -> object:
    return rules(CATEGORY, label_field="category", **kwargs)  # type: ignore[arg-type]


def with_reply(records: list[dict], index: int, label: str, reply: str) -> list[dict]:
    records = list(records)
    records[index] = ticket(label, index, reply=reply)
    return records


def varied(label: str, n: int) -> list[dict]:
    """Replies in the house style whose lengths vary naturally (8 to 30 words)."""
    extra = " Let us know if anything else comes up."
    return [ticket(label, i, reply=house_reply(label, i, body=ANSWERS[label] + extra * (i % 4)))
            for i in range(n)]


BASE = varied("billing", 30) + varied("technical", 30)


@pytest.mark.parametrize(("records", "expected"), [
    (BASE, []),
    (with_reply(BASE, 3, "billing", house_reply("billing", body="word " * 300)), ["FT520"]),
    (with_reply(BASE, 3, "billing", "Hi Tom, done."), ["FT520", "FT522"]),
    (with_reply(BASE, 3, "billing", "Hi Tom, refunded today. The Acme Support Team"), []),
    (with_reply(BASE, 3, "billing", house_reply("billing").replace("Hi", "Dear")), ["FT521"]),
    (with_reply(BASE, 3, "billing", house_reply("billing", sign_off="Cheers, Bob")), ["FT522"]),
    # a drift in a label with too few replies to judge is left alone
    (with_reply(varied("billing", 30) + varied("returns", 10), 33, "returns",
                house_reply("returns").replace("Hi", "Yo")), []),
])
def test_consistency_rules(records: list[dict], expected: list[str]) -> None:
    found, _ = dataset_findings(records, labelled(), select=("FT52",))
    assert codes(found) == expected


def test_consistency_findings_name_label_lines_and_house_style() -> None:
    records = BASE[:]
    for i in (4, 9):
        records[i] = ticket("billing", i, reply=house_reply("billing", i).replace("Hi", "Hello"))
    (finding,) = dataset_findings(records, labelled(), select=("FT521",))[0]
    assert (finding.line, finding.related_lines) == (5, (10,))
    assert "2 of 30 replies labelled 'billing'" in finding.message and "“hi …”" in finding.message


GERMAN = ("Hallo {name},\n\nvielen Dank für Ihre Nachricht. Wir haben die zweite Zahlung "
          "erstattet, sie ist in drei Tagen auf Ihrem Konto.\n\nViele Grüße\nIhr Acme Kundenservice")


def test_replies_in_another_language_are_not_drift_but_its_drift_still_counts() -> None:
    # A team answering German customers in German: no house style of its own is imposed
    # on those replies (FT521/FT522), while an English reply that drifts is still found.
    records = BASE[:]
    for i in (2, 5, 8, 11, 14):
        records[i] = ticket("billing", i, reply=GERMAN.format(name=f"Kunde {i}"))
    assert codes(dataset_findings(records, labelled(), select=("FT52",))[0]) == []
    records[4] = ticket("billing", 4, reply=house_reply("billing", 4).replace("Hi", "Dear"))
    (finding,) = dataset_findings(records, labelled(), select=("FT52",))[0]
    assert finding.code == "FT521" and finding.line == 5


def test_generation_task_is_one_group_and_label_replies_are_skipped() -> None:
    plain = [ticket("billing", i, as_json=False, reply=house_reply("billing", i) + f" Ref {i}.")
             for i in range(30)]
    plain[7] = ticket("billing", 7, as_json=False, reply="Dear Tom, done.\nThe Acme Support Team")
    found, _ = dataset_findings(plain, rules())
    assert "FT521" in codes(found) and "all replies" in found[codes(found).index("FT521")].message
    only_labels = [ticket("billing", i, as_json=False, reply="billing") for i in range(30)]
    found, ctx = dataset_findings(only_labels, rules(), select=("FT52",))
    assert found == []
    from ftprep.checks.behaviour.consistency import consistency_stats

    assert consistency_stats(ctx) == {"consistency": "not measured: the replies are the labels "
                                                     "themselves"}


def test_length_spread_is_robust_and_on_a_log_scale() -> None:
    from ftprep.checks.behaviour.collector import BehaviourCollector

    class Words(BehaviourCollector):
        def __init__(self, words: list[int]) -> None:
            self.words = words  # type: ignore[assignment]

    lengths = [40] * 10 + [50] * 10 + [60] * 10 + [400, 4]
    spread = length_spread(Words(lengths), list(range(len(lengths))), 3.5)
    assert spread.outliers == [30, 31]
    assert 45 < spread.median < 55 and spread.low < 40 and 60 < spread.high < 400
    same = length_spread(Words([12] * 30 + [13, 30]), list(range(32)), 3.5)
    assert same.outliers == [31]  # the 10 % floor tolerates 13 words against 12


def test_conformity_picks_the_longest_shared_edge() -> None:
    values = ["hi maria i", "hi john we", "hi tom thanks", "hello chen i", "hi omar i"]
    c = conformity(values, list(range(5)), 3, 0.8, first=True)
    assert (c.common, c.differ) == ("hi", [3])
    closing = ["acme support team"] * 9 + ["bob"]
    c = conformity(closing, list(range(10)), 3, 0.8, first=False)
    assert (c.common, c.share, c.differ) == ("acme support team", 0.9, [9])
    assert conformity(["a b", "c d", "e f"], [0, 1, 2], 2, 0.8, first=True).common is None


def with_facts(i: int, label: str = "billing") -> dict:
    return ticket(label, i, reply=house_reply(
        label, i, body=f"Refund R-{90000 + i} of {100 + i}.50 EUR reaches you on {i % 27 + 1} March."))


@pytest.mark.parametrize(("records", "expected"), [
    (dataset({"billing": 40}), []),
    ([with_facts(i) for i in range(15)] + dataset({"technical": 25}), ["FT530"]),  # 37 %
    ([with_facts(i) for i in range(8)] + dataset({"technical": 32}), []),  # 20 %
    # facts the customer gave in the ticket are copied, not known
    ([ticket("billing", i, user=f"Refund R-{90000 + i} of {100 + i}.50 EUR on {i % 27 + 1} March?",
             reply=house_reply("billing", i, body=f"Refund R-{90000 + i} of {100 + i}.50 EUR "
                                                  f"reaches you on {i % 27 + 1} March."))
      for i in range(20)], []),
    # values every reply shares (a hotline, a version) are not per-customer
    ([ticket("technical", i, reply=house_reply("technical", i, body="Call 0800 123 456 or update "
                                                "to 4.12.")) for i in range(20)], []),
])
def test_knowledge_rule(records: list[dict], expected: list[str]) -> None:
    assert codes(dataset_findings(records, labelled(), select=("FT530",))[0]) == expected


def test_knowledge_finding_quotes_facts_and_threshold_is_configurable() -> None:
    records = [with_facts(i) for i in range(8)] + dataset({"technical": 32})
    lenient = rules({**CATEGORY, "knowledge": {"max-share": 0.1}}, label_field="category")
    (finding,) = dataset_findings(records, lenient, select=("FT530",))[0]
    assert "20% of replies (8 of 40)" in finding.message
    assert "r-90000" in finding.message and "1 mar" in finding.message
    assert finding.line == 1 and finding.related_lines == tuple(range(2, 9))
    strict = rules({**CATEGORY, "knowledge": {"min-facts": 4}}, label_field="category")
    assert dataset_findings([with_facts(i) for i in range(15)], strict, select=("FT530",))[0] == []


@pytest.mark.parametrize(("counts", "labels", "expected"), [
    ({"billing": 120, "technical": 100}, [], None),
    ({"billing": 120, "technical": 60, "returns": 30}, [],
     "'returns' (30: add 70), 'technical' (60: add 40)"),
    ({"billing": 100, "technical": 100}, ["billing", "technical", "returns"], "'returns' (0: add 100)"),
    ({"billing": 100, "complaints": 5}, [], None),  # below the minimum: FT301's
])
def test_coverage_rule(counts: dict[str, int], labels: list[str], expected: str | None) -> None:
    settings = DatasetCheckSettings(label_field="category", labels=labels, near_duplicates=False)
    found, _ = dataset_findings(dataset(counts), labelled(), settings=settings, select=("FT540",))
    if expected is None:
        assert found == []
    else:
        (finding,) = found
        assert expected in finding.message and finding.severity.label == "info"


def test_coverage_leaves_rare_and_unknown_labels_to_ft301_ft303() -> None:
    counts = {"billing": 100, "technical": 40, "complaints": 5}
    found, _ = dataset_findings(dataset(counts), labelled(), select=("FT301", "FT540"))
    rare, cover = sorted(found, key=lambda f: f.code)
    assert rare.code == "FT301" and "'complaints'" in rare.message
    assert "'technical' (40: add 60)" in cover.message
    assert "FT301-FT303 report for 'complaints'" in cover.message and "add 95" not in cover.message


def test_dataset_rules_are_silent_without_the_collector_and_on_validation_files() -> None:
    from ftprep.checks.registry import Selection
    from ftprep.dataset import DatasetContext, run_dataset_checks

    records = [with_facts(i) for i in range(30)]
    _, ctx = dataset_findings(records, labelled())
    bare = DatasetContext(ctx.features, ctx.settings)
    assert run_dataset_checks(bare, Selection(select=("FT5",))) == []
    validation = DatasetContext(ctx.features, ctx.settings, reference=ctx.features,
                                behaviour=ctx.behaviour)
    assert run_dataset_checks(validation, Selection(select=("FT5",))) == []


def test_rules_switch_off() -> None:
    records = [with_facts(i) for i in range(30)]
    off = rules({**CATEGORY, "knowledge": {"enabled": False}, "consistency": {"enabled": False},
                 "coverage": {"enabled": False}}, label_field="category")
    assert dataset_findings(records, off)[0] == []


@pytest.mark.parametrize(("reply", "source", "expected"), [
    ("Refund R-90001 of $101.50 on 2 March, or March 3rd.", "order r-90001",
     ["101.50", "2 mar", "3 mar"]),
    ("Order A-22308 arrived; call 0800-123-456.", "", ["a-22308", "0800-123-456"]),
    ("Within 5 to 7 days, 12 items, router X2.", "", []),
    ("It arrives on 14 March.", "Ordered on 14 Mar", []),
    ("Thanks for writing.", "A-1", []),
])
def test_reply_facts(reply: str, source: str, expected: list[str]) -> None:
    from ftprep.checks.behaviour.collector import reply_facts

    assert reply_facts(reply, source) == expected
    assert reply_facts(reply, lambda: source) == expected


def test_a_repeated_reply_is_read_once_but_its_facts_follow_each_input() -> None:
    from ftprep.checks.behaviour.collector import BehaviourCollector

    reply = json.dumps({"category": "billing", "reply": "Hi, refund R-90001 is on its way."})
    collector = BehaviourCollector(labelled())
    for number, user in enumerate(["Where is refund R-90001?", "Where is my refund?"] * 2, 1):
        collector.on_record(number, chat(user, reply), CHAT)
    assert len(collector._memo) == 1  # one distinct reply
    starts = collector.fact_start
    assert [list(collector.facts[starts[i]:starts[i + 1]]) for i in range(4)] == [
        [], [hash("r-90001")], [], [hash("r-90001")]]
    assert list(collector.words) == [7] * 4 and len(set(collector.openings)) == 1


def _conformity_over_every_value(values: list[str], words: int, min_share: float,
                                 first: bool) -> tuple[str | None, float, list[int]]:
    """conformity as first written: every value cut at every k (the reference)."""
    from collections import Counter

    found, top = None, 0.0
    for k in range(1, words + 1):
        cut = [" ".join(v.split()[:k] if first else v.split()[-k:]) for v in values]
        common, count = Counter(cut).most_common(1)[0]
        if count / len(cut) < min_share or not common:
            top = top or count / len(cut)
            break
        found, top = (common, cut), count / len(cut)
    if found is None:
        return None, top, []
    return found[0], top, [i for i, c in enumerate(found[1]) if c != found[0]]


@given(st.lists(st.lists(st.sampled_from(["hi", "dear", "maria", "tom", "team", ""]),
                         max_size=4).map(" ".join), min_size=1, max_size=30),
       st.integers(1, 3), st.sampled_from([0.3, 0.5, 0.8]), st.booleans())
def test_conformity_counts_distinct_values_as_every_value(values: list[str], words: int,
                                                          min_share: float, first: bool) -> None:
    c = conformity(values, list(range(len(values))), words, min_share, first=first)
    assert (c.common, c.share, c.differ) == _conformity_over_every_value(values, words,
                                                                          min_share, first)


@pytest.mark.parametrize(("text", "language"), [
    ("Hi Maria, thank you for your message. We have refunded the second payment.", "en"),
    ("Hallo Maria, vielen Dank für Ihre Nachricht. Wir haben die Zahlung erstattet.", "de"),
    ("Bonjour, merci pour votre message. Nous avons remboursé le paiement.", "fr"),
    ("Hola María, muchas gracias por su mensaje. Hemos reembolsado el pago.", "es"),
    ("Ciao Maria, grazie per il tuo messaggio. Abbiamo rimborsato il pagamento.", "it"),
    ("Olá Maria, obrigado pela sua mensagem. Estamos a reembolsar o pagamento.", "pt"),
    ("Hallo Maria, bedankt voor uw bericht. Wij hebben de betaling terugbetaald.", "nl"),
    ("billing", ""),
    ("Refunded: C-0012345, 42.50 EUR.", ""),
])
def test_guess_language(text: str, language: str) -> None:
    from ftprep.checks.behaviour.language import guess_language

    assert guess_language(text) == language

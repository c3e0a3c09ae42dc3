"""Deterministic synthetic support-ticket chat JSONL of any size, for benchmarks.

    python benchmarks/generate.py 100000 -o benchmarks/out/train-100k.jsonl

Texts are assembled from varied fragments so token counts, duplicates and labels
behave like a real labelled ticket file (a shared system prompt, four classes, a few
exact and near duplicates).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SYSTEM = (
    "You are Acme's support triage assistant. Read the customer's ticket, classify it as "
    "billing, technical, returns or complaints, and answer in the house style: greet the "
    "customer by name, be concise and friendly, and sign off as The Acme Support Team."
)
NAMES = ["Maria", "John", "Aisha", "Chen", "Lukas", "Priya", "Tom", "Sofia", "Omar", "Emma"]
TOPICS = {
    "billing": ["I was charged twice for my subscription", "my invoice shows the wrong amount",
                "I need a copy of last month's invoice", "the annual plan price went up",
                "my card was declined but the money left my account"],
    "technical": ["the app crashes when I open settings", "I cannot log in after the update",
                  "sync stopped working on my laptop", "the export button does nothing",
                  "password reset emails never arrive"],
    "returns": ["the jacket I ordered is too small", "I want to return an unopened blender",
                "the parcel arrived damaged", "how do I print a return label",
                "I sent the item back two weeks ago and have no refund"],
    "complaints": ["your courier left my parcel in the rain", "nobody answered my last three emails",
                   "the agent on the phone was rude", "this is the third faulty unit in a row",
                   "I waited 40 minutes on hold"],
}
DETAILS = ["It happened on {d} March.", "Order {o}.", "This is really urgent for me.",
           "I have tried restarting twice.", "Could you please look into it today?",
           "My account email is the usual one.", "I attached a screenshot earlier.",
           "Thanks in advance for your help.", "This has happened before as well.",
           "I am using the latest version on Android."]
REPLIES = {
    "billing": "I have checked your account and corrected the charge; the refund of {a} EUR will "
               "reach your card within 5 working days.",
    "technical": "Please update to version 4.{d} and clear the app cache; if the problem stays, "
                 "reply with a screenshot and we will escalate it to our engineers.",
    "returns": "You can return the item within 30 days. I have emailed you a prepaid label; "
               "the refund follows once the parcel reaches our warehouse.",
    "complaints": "We are sorry for the trouble this has caused. I have passed your feedback to "
                  "the team lead and added a 10 EUR voucher to your account.",
}
WEIGHTS = {"billing": 0.37, "technical": 0.3, "returns": 0.2, "complaints": 0.13}


def make_example(rng: random.Random, case: int | None = None) -> dict[str, object]:
    """One ticket; with `case`, the reply quotes a case number, so no two replies match."""
    label = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    name = rng.choice(NAMES)
    fill = {"d": rng.randint(1, 28), "o": f"A-{rng.randint(10000, 99999)}", "a": rng.randint(5, 200)}
    details = " ".join(rng.sample(DETAILS, rng.randint(1, 4))).format(**fill)
    user = f"Hello, {rng.choice(TOPICS[label])}. {details}\n\n{name}"
    body = REPLIES[label].format(**fill)
    if case is not None:
        body += f" Your case number is C-{case:07d}."
    reply = f"Hi {name},\n\n{body}\n\nBest regards,\nThe Acme Support Team"
    answer = json.dumps({"category": label, "reply": reply})
    return {"messages": [{"role": "system", "content": SYSTEM},
                         {"role": "user", "content": user},
                         {"role": "assistant", "content": answer}]}


def generate(n: int, path: Path, *, seed: int = 7, distinct_replies: bool = False) -> Path:
    """Replies repeat as templates do (about 2,300 distinct in 100k) unless
    `distinct_replies`: then each quotes its own case number (the worst case for the
    per-reply memos in check)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            if previous and i % 97 == 0:
                line = rng.choice(previous)  # an exact duplicate now and then
            else:
                example = make_example(rng, i if distinct_replies else None)
                line = json.dumps(example, ensure_ascii=False)
            out.write(line + "\n")
            if len(previous) < 1000:
                previous.append(line)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--distinct-replies", action="store_true",
                        help="every reply quotes its own case number")
    args = parser.parse_args()
    generate(args.n, args.output, seed=args.seed, distinct_replies=args.distinct_replies)


if __name__ == "__main__":
    main()

"""Generate examples/tickets.csv: realistic support tickets for Acme, with a few dirty rows.

Deterministic (seeded): hand-written templates and fragments are combined so that texts
vary naturally. `python examples/make_tickets.py` rewrites tickets.csv; the benchmark
imports `generate` for a larger file. Everything here was written for ftprep.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

COLUMNS = ["ticket_id", "subject", "body", "category", "approved_reply", "created_at"]
MIX = {"billing": 110, "technical": 90, "returns": 60, "complaints": 40}
SIGN_OFF = "Best regards,\nThe Acme Support Team"

# fmt: off
NAMES = ["Maria", "James", "Aisha", "Tom", "Priya", "Lukas", "Sofia", "Daniel", "Chen", "Emma",
         "Omar", "Hannah", "Mateo", "Grace", "Ravi", "Chloe", "Noah", "Fatima", "Ben", "Yuki",
         "Olivia", "Samuel", "Ines", "Jack", "Leila", "Peter", "Anna", "Kofi", "Lucy", "Marco"]
SURNAMES = ["lopez", "baker", "okafor", "schmidt", "tanaka", "novak"]
PRODUCTS = ["Acme Router X2", "Acme Smart Thermostat", "Acme Fitness Band", "Acme Home Camera",
            "Acme Wireless Earbuds", "Acme Robot Vacuum", "Acme Smart Plug (4-pack)"]
PLANS = ["Basic", "Plus", "Pro", "Family"]
APPS = ["the Acme Home app", "the Acme app on my iPhone", "the Android app", "the web dashboard"]
ERRORS = ["error 503", '"Device offline"', "error code E42", "a blank white screen",
          '"Something went wrong, try again later"', '"Invalid credentials"']
GREETINGS = ["Hi,", "Hello,", "Hi there,", "Good morning,", "Hello Acme team,", "", "Dear Support,"]
THANKS = ["Thanks,", "Thank you,", "Cheers,", "Regards,", "Thanks in advance,", "Kind regards,"]

# Scenarios: a subject, a body and a reply drawn from the same scenario always match.
S = dict  # a scenario: subjects, bodies, replies
BILLING = [
    S(subjects=["Charged twice this month", "Double charge", "Why was I charged {amount} twice?"],
      bodies=["I was charged twice for my {plan} subscription on {date}. Both payments of "
              "{amount} show on my bank statement. Can you refund one of them?",
              "There are two payments of {amount} to Acme on {date}, but I only have one "
              "{plan} plan.",
              "Looks like you billed me {amount} twice this month for the same {plan} plan?"],
      replies=["I checked your account and found the duplicate charge of {amount}. I have "
               "refunded it today; it should reach your account within 5 to 7 business days.",
               "You are right, the {plan} renewal was taken twice on {date}. I have refunded "
               "the second payment of {amount}, which you will see within 5 to 7 business "
               "days."]),
    S(subjects=["Question about my invoice", "Wrong amount on invoice {invoice}",
                "Invoice {invoice} looks wrong"],
      bodies=["My invoice {invoice} says {amount} but my plan is {plan}, which should be "
              "cheaper. Could you check what happened?",
              "I switched to the {plan} plan in the middle of the month and I don't "
              "understand the amount of {amount} on invoice {invoice}."],
      replies=["I have looked into invoice {invoice}. The amount includes the prorated cost "
               "of your {plan} plan for the rest of this month; from next month you will be "
               "billed the regular price.",
               "Invoice {invoice} covers two things: the last days of your old plan and the "
               "first part of {plan}. From next month you will only see the {plan} price."]),
    S(subjects=["Cancel my subscription", "Billed after cancelling", "Refund for {plan} plan"],
      bodies=["I cancelled my {plan} plan last month but I was still billed {amount} on "
              "{date}.",
              "I'd like to cancel my subscription before the next renewal. How do I do that?",
              "Please cancel my {plan} plan and refund this month, I haven't used it at all."],
      replies=["I have cancelled your subscription and refunded the last payment of {amount}. "
               "You will not be billed again.",
               "Your {plan} plan is now cancelled and will not renew. You keep access until "
               "the end of the current billing period."]),
    S(subjects=["Payment failed", "Card declined on renewal", "Can't pay for my renewal"],
      bodies=["The payment for my renewal keeps failing although my card is valid. I tried "
              "twice today.",
              "I got an email saying my payment failed, but nothing is wrong with my card."],
      replies=["I'm sorry the payment didn't go through. Your bank declined the renewal, so "
               "please update your card under Account > Billing, or contact your bank, and "
               "we will retry the payment within 24 hours."]),
    S(subjects=["VAT invoice needed", "Invoice for order {order}", "Update billing address"],
      bodies=["Could you send me a VAT invoice for order {order}? I need it for my company's "
              "expenses.",
              "Please put my company name on the invoice for order {order}."],
      replies=["I have attached the VAT invoice for order {order}. You can also download "
               "invoices at any time under Account > Billing > Invoices."]),
]
TECHNICAL = [
    S(subjects=["{product} won't connect", "{product} offline again", "Wi-Fi keeps dropping"],
      bodies=["My {product} stopped connecting to Wi-Fi after the last update. I restarted "
              "it and the router, but {app} still shows {error}.",
              "Since {date} my {product} goes offline every few hours and I have to unplug it "
              "to get it back."],
      replies=["Please hold the reset button on your {product} for 10 seconds until the "
               "light flashes blue, then add it again in the app. This clears the old network "
               "settings that the update kept.",
               "Please move your {product} closer to the router for a day and tell us if it "
               "still drops. If it does, we will replace it."]),
    S(subjects=["App keeps crashing", "Acme app crashes on start", "App closes by itself"],
      bodies=["{app} crashes as soon as I open the device list. I reinstalled it twice.",
              "Every time I open {app} it closes after a second or two."],
      replies=["We have seen this after the latest app release. Please update the app to the "
               "newest version from the store; it fixes the crash when opening the device "
               "list."]),
    S(subjects=["Can't log in", "Login not working", "Getting {error} when I sign in"],
      bodies=["I can't log in to {app}. It says {error} even though I reset my password "
              "yesterday.",
              "My password works on the website but {app} keeps showing {error}."],
      replies=["I have reset the login session on your account. Please sign out on all "
               "devices, then sign in again with your new password."]),
    S(subjects=["Firmware update failed", "Update stuck at 80%", "Red light after update"],
      bodies=["The firmware update on my {product} got stuck at 80% and now the light is "
              "blinking red.",
              "My {product} has been updating for three hours and nothing happens."],
      replies=["Please unplug your {product} for one minute and plug it back in; the update "
               "will start again from the beginning. If the light is still red after 15 "
               "minutes, reply to this email and we will send a replacement."]),
    S(subjects=["Setup problem with {product}", "Can't add my new {product}"],
      bodies=["I'm trying to set up my new {product} but it never appears in {app}. "
              "Bluetooth and location are on.",
              "The setup of my {product} fails at the last step every time."],
      replies=["Please make sure your phone is on the 2.4 GHz network during setup, as the "
               "{product} cannot see 5 GHz networks. After setup it works with either."]),
]
RETURNS = [
    S(subjects=["Return request for order {order}", "How do I return my {product}?"],
      bodies=["I'd like to return the {product} from order {order}. It doesn't fit my needs. "
              "It's unopened.",
              "Can I still return my {product}? I bought it on {date} (order {order})."],
      replies=["I have created a return for order {order}. You will receive a prepaid "
               "shipping label by email shortly; once the parcel is scanned, we refund you "
               "within 5 business days."]),
    S(subjects=["Item arrived damaged", "Broken on arrival", "Damaged {product}"],
      bodies=["My {product} arrived with a cracked case. The box was damaged too. Can I get a "
              "replacement?",
              "The {product} from order {order} was broken when I opened the box."],
      replies=["I'm sorry your {product} arrived damaged. We are sending a replacement today "
               "at no cost, and you don't need to return the damaged one."]),
    S(subjects=["Wrong item received", "This is not what I ordered"],
      bodies=["I ordered a {product} but received something else entirely (order {order})."],
      replies=["I have arranged for the correct {product} to be sent to you, with a prepaid "
               "label to return the wrong item."]),
    S(subjects=["Refund for returned item", "Where is my refund?"],
      bodies=["I sent back my {product} on {date} but haven't received the refund yet.",
              "My return for order {order} was delivered to you a week ago. When do I get my "
              "money back?"],
      replies=["Your return for order {order} arrived at our warehouse and the refund has now "
               "been issued. It will appear on your statement within 5 to 7 business days."]),
]
COMPLAINTS = [
    S(subjects=["Still no answer after a week", "Nobody is helping me", "Very disappointed"],
      bodies=["This is the third time I'm writing about my {product} and nobody has "
              "answered. I'm really disappointed.",
              "I've sent four emails since {date} and got nothing but automatic replies."],
      replies=["We are sorry for the experience you had and for the time it took to answer. "
               "I have escalated your case to our senior team and I will personally follow "
               "up with you within 24 hours."]),
    S(subjects=["Your courier was rude", "Parcel left in the rain"],
      bodies=["Your courier left my parcel in the rain and was rude when I asked about it."],
      replies=["We are sorry about how our courier treated you. I have reported the incident "
               "to the delivery company and added a credit of {amount} to your account."]),
    S(subjects=["Terrible service", "Formal complaint", "Promised callback never came"],
      bodies=["I waited 40 minutes on the phone yesterday and then the call dropped. This is "
              "not acceptable for a paid {plan} plan.",
              "I was promised a callback on {date} that never happened."],
      replies=["We are sorry you had to wait so long. I have added a credit of {amount} to "
               "your {plan} plan and scheduled the callback you asked for."]),
    S(subjects=["Ticket closed without a fix", "Problem not solved"],
      bodies=["Your agent closed my ticket without solving anything. My {product} still "
              "doesn't work."],
      replies=["We are sorry your ticket was closed before the problem was solved. I have "
               "reopened it and will stay with it until your {product} works again."]),
]
EXTRAS = {
    "billing": ["This is the second time this happens.", "I've been a customer for 3 years.",
                "I need this sorted before the end of the month.", "", ""],
    "technical": ["I'm on the latest version of the app.", "My router is a few years old, if "
                  "that matters.", "It worked fine until last week.", "", ""],
    "returns": ["I still have the original packaging.", "Photos attached.", "", ""],
    "complaints": ["I'm considering cancelling my account.", "I expect a proper answer this "
                   "time.", ""],
}
# fmt: on
CATEGORIES = {
    "billing": BILLING,
    "technical": TECHNICAL,
    "returns": RETURNS,
    "complaints": COMPLAINTS,
}


def _slots(rnd: random.Random, when: datetime) -> dict[str, str]:
    day = when - timedelta(days=rnd.randint(1, 20))
    return {
        "product": rnd.choice(PRODUCTS), "plan": rnd.choice(PLANS), "app": rnd.choice(APPS),
        "error": rnd.choice(ERRORS), "order": f"A-{rnd.randint(10000, 99999)}",
        "invoice": f"INV-{rnd.randint(2023000, 2024999)}",
        "amount": rnd.choice(["$9.99", "$19.99", "$24.00", "$49.99", "$89.00", "$129.00"]),
        "date": f"{day:%B} {day.day}",
    }  # fmt: skip


def _ticket(rnd: random.Random, category: str, number: int, when: datetime) -> dict[str, str]:
    scenario = rnd.choice(CATEGORIES[category])
    name = rnd.choice(NAMES)
    slots = _slots(rnd, when)
    lines = [rnd.choice(scenario["bodies"]), rnd.choice(EXTRAS[category])]
    body = " ".join(x for x in lines if x).format(**slots)
    parts = [rnd.choice(GREETINGS), body, f"{rnd.choice(THANKS)}\n{name}"]
    reply = rnd.choice(scenario["replies"]).format(**slots)
    return {
        "ticket_id": f"T-{number}",
        "subject": rnd.choice(scenario["subjects"]).format(**slots),
        "body": "\n\n".join(p for p in parts if p),
        "category": category,
        "approved_reply": f"Hi {name},\n\n{reply}\n\n{SIGN_OFF}",
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _name(row: dict[str, str]) -> str:
    return row["approved_reply"].split(",", 1)[0].removeprefix("Hi ")


def _add_paragraph(row: dict[str, str], text: str) -> None:
    """Add a paragraph just before the customer's sign-off."""
    paras = row["body"].split("\n\n")
    row["body"] = "\n\n".join([*paras[:-1], text, paras[-1]])


def _dirty(rnd: random.Random, rows: list[dict[str, str]], scale: int) -> None:
    """Plant the problems a real export has (see examples/README.md), `scale` times each."""
    by_cat: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_cat.setdefault(row["category"], []).append(i)
    planted: list[dict[str, str]] = []
    for _ in range(scale):
        pick = {c: rnd.sample(idx, 6) for c, idx in by_cat.items()}
        b, t, r, c = pick["billing"], pick["technical"], pick["returns"], pick["complaints"]
        # Exact duplicate (the export listed a ticket twice) and a near-duplicate resend.
        planted.append(dict(rows[b[0]]))
        near = dict(rows[t[0]])
        near["ticket_id"] += "-2"
        paras = near["body"].split("\n\n")
        paras[-2] = paras[-2].replace(". ", ".  ", 1) + " Any update on this?"
        near["body"] = "\n\n".join(paras)
        planted.append(near)
        rows[r[0]]["body"] = ""  # subject only: a customer who wrote nothing in the body
        rows[c[0]]["subject"] = rows[c[0]]["body"] = " "  # nothing at all
        rows[b[1]]["category"] = "Billing inquiry"  # a label spelled the helpdesk's way
        email = f"{_name(rows[b[2]]).lower()}.{rnd.choice(SURNAMES)}@example.com"
        _add_paragraph(rows[b[2]], f"You can reach me at {email}.")
        _add_paragraph(rows[t[1]], "Please call me back on (212) 736-5000 after 5pm.")
        _add_paragraph(rows[b[3]], "The card charged was 4111 1111 1111 1111.")
        _add_paragraph(rows[t[2]], "My router's public IP is 203.0.113.42 if that helps.")
        # UTF-8 text that went through a cp1252 decode once: ’ became â€™ and € became â‚¬.
        name = _name(rows[b[4]])
        rows[b[4]].update(
            subject="Refund not received",
            body="Hello,\n\nI canâ€™t see the refund of â‚¬49.99 you promised on the phone. "
            f"Weâ€™re still waiting.\n\nThanks,\n{name}",
            approved_reply=f"Hi {name},\n\nThe refund of €49.99 was issued yesterday. Banks "
            f"take 5 to 7 business days to show it on your statement.\n\n{SIGN_OFF}",
        )
        # A body with commas, quotes and a line break inside one CSV field.
        name = _name(rows[r[1]])
        rows[r[1]].update(
            subject="Opened item sold as new",
            body='Hello,\n\nThe box said "new, sealed" but it was opened, scratched, and '
            'missing the charger.\nI want a refund, not a "voucher", please.\n\n'
            f"Thanks,\n{name}",
            approved_reply=f"Hi {name},\n\nI'm sorry the item you received was not new. I "
            "have issued a full refund to your original payment method, and you will get a "
            f"prepaid label to send it back.\n\n{SIGN_OFF}",
        )
    for row in planted:
        rows.insert(rnd.randrange(len(rows) + 1), row)


def generate(n_rows: int | None = None, seed: int = 7) -> list[dict[str, str]]:
    """Tickets in the MIX proportions (about 300 rows by default), dirty rows included."""
    rnd = random.Random(seed)
    total = sum(MIX.values())
    n = n_rows or total
    cats = [c for c, k in MIX.items() for _ in range(round(k * n / total))]
    rnd.shuffle(cats)
    start = datetime(2024, 3, 1, 8, 0)
    rows = []
    when = start
    for i, category in enumerate(cats):
        when += timedelta(minutes=rnd.randint(5, 240) * 300 // max(n, 300) + 1)
        rows.append(_ticket(rnd, category, 10001 + i, when))
    _dirty(rnd, rows, scale=max(1, n // total))
    return rows


def write(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("tickets.csv")
    write(generate(), target)
    print(f"wrote {target}")

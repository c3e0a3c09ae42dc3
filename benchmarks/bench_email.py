"""Email loader benchmark: load_email against the stdlib's bare mbox parse.

    PYTHONPATH=. python benchmarks/bench_email.py            # 2,000 and 10,000 messages
    PYTHONPATH=. python benchmarks/bench_email.py --profile  # cProfile of load_email, 10k

The mailbox is generated (deterministically) under benchmarks/out/: support threads in
Gmail Takeout format, customer messages with agent replies that quote them and carry a
signature, some HTML-only, multipart/alternative, non-UTF-8 and attachment messages.

"bare" = `mailbox.mbox` iterating every message and decoding its first text part, the
least any reader must do; "load_email" = splitting, threading, body extraction, HTML to
text, quote and signature stripping. Times are CPU seconds, best of 5 interleaved runs; peak
memory is measured in a separate run under tracemalloc (which slows code down). A third
mailbox has as many messages as the first but a 48 KB attachment on each customer
message: memory follows the number of messages, not the size of the mailbox.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import mailbox
import pstats
import random
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ftprep.loaders.email import EmailOptions, load_email

if TYPE_CHECKING:
    from collections.abc import Callable

OUT = Path(__file__).resolve().parent / "out"
OPTIONS = EmailOptions(agent_domains=["acme.example"])
BIG_ATTACHMENT = 48 * 1024
LABELS = ["billing", "technical", "returns", "complaints", "shipping", "account"]
OPENERS = ["Hi,", "Hello,", "Hi team,", "Good morning,", "Dear support,", "Hey there,"]
SENTENCES = [
    "I was charged twice for my last order and would like the duplicate refunded.",
    "The app crashes every time I try to export a report to CSV.",
    "My parcel was marked as delivered but nothing arrived at my door.",
    "I would like to return the jacket because the size is wrong.",
    "The invoice for last month does not show our VAT number.",
    "Since the last update the sync is stuck at 99 percent.",
    "Your courier left the box in the rain and the contents are damaged.",
    "Can you tell me when the blue kettle will be back in stock?",
    "I reset my password but the new one is rejected at login.",
    "We reduced our team from 12 to 8 seats and were still billed for 12.",
    "The discount code from your newsletter is not accepted at checkout.",
    "Two-factor codes stopped arriving on my phone yesterday.",
]
DETAILS = [
    "The order number is #A-{n}.",
    "This happened on {day} around {hour}:{minute:02d}.",
    "I have attached a screenshot of the error.",
    "I already tried restarting the app and signing out and in again.",
    "This is the second time this month, which is frustrating.",
]
ANSWERS = [
    "I'm sorry about that. I have refunded the duplicate charge; it shows within 3-5 days.",
    "This is fixed in version 4.2.2, released today. Please update from the Help menu.",
    "I have opened a claim with the courier and a replacement ships tomorrow.",
    "A prepaid return label is on its way to you by email.",
    "I have reissued the invoice with your VAT number; it is under Billing > Invoices.",
    "Deleting the cache folder and restarting the app resolves the stuck sync.",
]
SIGNOFFS = ["Thanks,\n{first}", "Best regards,\n{first}", "Sent from my iPhone", "{first}", ""]
NAMES = ["Jane Cooper", "Mark Olsen", "Priya Nair", "Tom Becker", "Lucia Romero", "Chen Wei"]


def _customer_body(rng: random.Random, n: int, first: str) -> str:
    lines = [rng.choice(OPENERS), ""]
    for _ in range(rng.randint(1, 3)):
        detail = rng.choice(DETAILS).format(
            n=10000 + n,
            day=rng.choice(["Monday", "Friday"]),
            hour=rng.randint(8, 18),
            minute=rng.randint(0, 59),
        )
        lines.append(f"{rng.choice(SENTENCES)} {detail}")
    if rng.random() < 0.1:
        lines += ["", "From what I can see, the problem started last week."]  # mboxrd-escaped
    signoff = rng.choice(SIGNOFFS).format(first=first)
    return "\n".join(lines + (["", signoff] if signoff else []))


def _message(fields: dict[str, str], body: str, rng: random.Random, size: int = 0) -> bytes:
    kind = 0.26 if size else rng.random()
    head = "".join(f"{k}: {v}\n" for k, v in fields.items()) + "MIME-Version: 1.0\n"
    if kind < 0.05:  # HTML only
        html = "".join(f"<p>{line}</p>" if line else "<br>" for line in body.split("\n"))
        return (head + 'Content-Type: text/html; charset="utf-8"\n\n'
                f"<html><head><style>p{{margin:0}}</style></head><body>{html}</body></html>\n"
                ).encode()  # fmt: skip
    if kind < 0.25:  # multipart/alternative, as Gmail sends
        b = f"000000000000{rng.getrandbits(48):012x}"
        html = "<br>".join(body.split("\n"))
        return (head + f'Content-Type: multipart/alternative; boundary="{b}"\n\n'
                f'--{b}\nContent-Type: text/plain; charset="UTF-8"\n\n{body}\n\n'
                f'--{b}\nContent-Type: text/html; charset="UTF-8"\n\n<div dir="ltr">{html}</div>\n'
                f"\n--{b}--\n").encode()  # fmt: skip
    if kind < 0.28:  # an attachment
        b = f"000000000000{rng.getrandbits(48):012x}"
        blob = base64.encodebytes(rng.randbytes(size or 3000)).decode()
        return (head + f'Content-Type: multipart/mixed; boundary="{b}"\n\n'
                f'--{b}\nContent-Type: text/plain; charset="UTF-8"\n\n{body}\n\n'
                f'--{b}\nContent-Type: image/png; name="screenshot.png"\n'
                'Content-Disposition: attachment; filename="screenshot.png"\n'
                f"Content-Transfer-Encoding: base64\n\n{blob}--{b}--\n").encode()  # fmt: skip
    if kind < 0.31:  # Latin-1, as older clients send
        return (head + 'Content-Type: text/plain; charset="iso-8859-1"\n\n').encode() + (
            body.replace("Hi,", "Hé,") + "\n"
        ).encode("latin-1")
    return (head + 'Content-Type: text/plain; charset="UTF-8"\n\n' + body + "\n").encode()


def generate(path: Path, count: int, seed: int = 20240304, attachment: int = 0) -> None:
    """Write `count` messages: threads of a customer message and (mostly) an agent reply.

    `attachment` > 0 gives every customer message an attachment of that many bytes.
    """
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    written = 0
    with path.open("wb") as out:
        n = 0
        while written < count:
            n += 1
            name = rng.choice(NAMES)
            first = name.split()[0]
            addr = f"{first.lower()}.{n}@example.com"
            when = start + timedelta(minutes=37 * n)
            labels = f"Inbox,{'Important,' if rng.random() < 0.3 else ''}{rng.choice(LABELS)}"
            mid = f"<CA{n:08d}.{rng.getrandbits(40):010x}@mail.example.com>"
            body = _customer_body(rng, n, first)
            fields = {"X-GM-THRID": str(10**18 + n), "X-Gmail-Labels": labels,
                      "Date": format_datetime(when), "Message-ID": mid,
                      "Subject": f"Order #A-{10000 + n}", "From": f"{name} <{addr}>",
                      "To": "Acme Support <support@acme.example>"}  # fmt: skip
            msgs = [(when, _message(fields, body, rng, attachment))]
            if rng.random() < 0.85 and written + 1 < count:
                replied = when + timedelta(hours=2)
                quoted = "\n".join(f"> {line}".rstrip() for line in body.split("\n"))
                reply = (f"Hi {first},\n\n{rng.choice(ANSWERS)}\n\nBest regards,\nSam Patel\n"
                         f"Acme Customer Support\n\nOn {when:%a, %d %b %Y at %H:%M}, {name} "
                         f"<{addr}> wrote:\n{quoted}\n")  # fmt: skip
                rfields = {"X-GM-THRID": str(10**18 + n), "X-Gmail-Labels": "Sent",
                           "Date": format_datetime(replied),
                           "Message-ID": f"<reply.{n}@acme.example>", "In-Reply-To": mid,
                           "References": mid, "Subject": f"Re: Order #A-{10000 + n}",
                           "From": "Acme Support <support@acme.example>", "To": addr}  # fmt: skip
                msgs.append((replied, _message(rfields, reply, rng)))
            for when_, raw in msgs:
                escaped = raw.replace(b"\nFrom ", b"\n>From ")
                out.write(f"From {10**18 + n}@xxx {when_:%a %b %d %H:%M:%S %z %Y}\n".encode())
                out.write(escaped.rstrip(b"\n") + b"\n\n")
                written += 1


def bare(path: Path) -> int:
    """The stdlib mailbox reader, decoding each message's first text part."""
    count = 0
    for msg in mailbox.mbox(path, create=False):
        part = next((p for p in msg.walk() if p.get_content_maintype() == "text"), None)
        if part is not None:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        count += 1
    return count


def ours(path: Path) -> int:
    count = 0
    for record in load_email([path], OPTIONS):
        count += 1 + len(getattr(record, "merged", ()))
    return count


def timed(fn: Callable[[Path], int], path: Path) -> tuple[float, int]:
    """CPU seconds of one run (process time: other processes on the machine do not count)."""
    gc.collect()
    t0 = time.process_time()
    count = fn(path)
    return time.process_time() - t0, count


def peak(fn: Callable[[Path], int], path: Path) -> float:
    gc.collect()
    tracemalloc.start()
    fn(path)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    runs = [(int(s), 0) for s in args.sizes.split(",")]
    runs.append((runs[0][0], BIG_ATTACHMENT))  # same count, far more bytes
    paths = {}
    for size, attachment in runs:
        suffix = f"-att{attachment // 1024}k" if attachment else ""
        paths[size, attachment] = OUT / f"support-{size}{suffix}.mbox"
        if not paths[size, attachment].exists():
            generate(paths[size, attachment], size, attachment=attachment)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(ours, paths[runs[-2]])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return 0
    print(f"{'messages':>9} {'MB':>6} {'bare s':>7} {'load_email s':>13} {'ratio':>6} "
          f"{'bare peak MB':>13} {'ours peak MB':>13}")  # fmt: skip
    for key, path in paths.items():
        size = key[0]
        t_bare = t_ours = float("inf")
        for _ in range(args.repeat):  # interleaved, best of n: the machine may be busy
            t, n_bare = timed(bare, path)
            t_bare = min(t_bare, t)
            t, n_ours = timed(ours, path)
            t_ours = min(t_ours, t)
            assert n_bare == n_ours == size, (n_bare, n_ours, size)
        m_bare, m_ours = peak(bare, path), peak(ours, path)
        mb = path.stat().st_size / 2**20
        print(f"{size:>9} {mb:>6.1f} {t_bare:>7.2f} {t_ours:>13.2f} {t_ours / t_bare:>6.2f} "
              f"{m_bare:>13.1f} {m_ours:>13.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write examples/mailbox/support.mbox: a small Gmail-Takeout-style support mailbox.

Deterministic (no clock, no randomness): running it again gives the same bytes.

    python examples/make_mailbox.py            # writes examples/mailbox/support.mbox
"""

from __future__ import annotations

import base64
import hashlib
import quopri
import re
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formataddr
from pathlib import Path

from support_tickets import TICKETS, Ticket

OUT = Path(__file__).resolve().parent / "mailbox" / "support.mbox"
AGENT = ("Acme Support", "support@acme.example")
START = datetime(2024, 3, 4, 8, 30, tzinfo=UTC)
SIGNATURE = "Best regards,\n{agent}\nAcme Customer Support\nhttps://help.acme.example"


def _thread_id(n: int) -> str:
    return str(int(hashlib.sha256(f"thread-{n}".encode()).hexdigest()[:15], 16))


def _from_line(thread: str, when: datetime) -> str:
    # Takeout writes "From <thread-id>@xxx <asctime with zone>".
    return f"From {thread}@xxx {when.strftime('%a %b %d %H:%M:%S %z %Y')}"


def _attribution(when: datetime, name: str, addr: str, wrap: bool) -> str:
    line = f"On {when.strftime('%a, %-d %b %Y at %H:%M')}, {name} <{addr}> wrote:"
    if wrap:  # some clients wrap the attribution line at the address
        return line.replace(f" <{addr}>", f" <\n{addr}>")
    return line


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.split("\n"))


def _headers(fields: list[tuple[str, str]]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in fields)


def _message(
    *,
    thread: str,
    labels: str,
    when: datetime,
    sender: tuple[str, str],
    to: tuple[str, str],
    subject: str,
    message_id: str,
    body: str,
    in_reply_to: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
    charset: str = "utf-8",
    html: bool = False,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    fields = [
        ("X-GM-THRID", thread),
        ("X-Gmail-Labels", labels),
        ("Delivered-To", "support@acme.example"),
        ("MIME-Version", "1.0"),
        ("Date", format_datetime(when)),
        ("Message-ID", message_id),
        ("Subject", subject),
        ("From", formataddr(sender)),
        ("To", formataddr(to)),
    ]
    if in_reply_to:
        fields += [("In-Reply-To", in_reply_to), ("References", in_reply_to)]
    fields += list(extra)
    ctype = "text/html" if html else "text/plain"
    payload = body.encode(charset)
    if html or charset != "utf-8":
        part = (
            f'Content-Type: {ctype}; charset="{charset}"\n'
            "Content-Transfer-Encoding: quoted-printable\n\n"
        ).encode() + quopri.encodestring(payload)
    else:
        part = (
            f'Content-Type: {ctype}; charset="{charset}"\nContent-Transfer-Encoding: 8bit\n\n'
        ).encode() + payload
    if attachment is None:
        return _headers(fields).encode() + b"\n" + part + b"\n"
    name, data = attachment
    boundary = "000000000000" + hashlib.sha256(message_id.encode()).hexdigest()[:16]
    fields.append(("Content-Type", f'multipart/mixed; boundary="{boundary}"'))
    blob = base64.encodebytes(data)
    return b"".join(
        [
            _headers(fields).encode(),
            f"\n\n--{boundary}\n".encode(),
            part,
            f"\n--{boundary}\n".encode(),
            f'Content-Type: application/pdf; name="{name}"\n'.encode(),
            f'Content-Disposition: attachment; filename="{name}"\n'.encode(),
            b"Content-Transfer-Encoding: base64\n\n",
            blob,
            f"--{boundary}--\n".encode(),
        ]
    )


def _mboxrd(thread: str, when: datetime, message: bytes) -> bytes:
    # mboxrd: every body line matching ">*From " gets one more ">".
    escaped = re.sub(rb"(?m)^(>*From )", rb">\1", message)
    return _from_line(thread, when).encode() + b"\n" + escaped.rstrip(b"\n") + b"\n\n"


def _ticket_messages(n: int, t: Ticket, when: datetime) -> list[tuple[datetime, bytes]]:
    thread = _thread_id(n)
    cust = (t.name, t.email)
    mid = f"<CA{hashlib.sha256(t.email.encode() + bytes([n])).hexdigest()[:20]}@mail.example.com>"
    out = [
        (
            when,
            _message(
                thread=thread,
                labels=t.labels,
                when=when,
                sender=cust,
                to=AGENT,
                subject=t.subject,
                message_id=mid,
                body=t.body,
                charset=t.charset,
                html=t.html,
                attachment=(t.attachment, _fake_pdf(t.attachment)) if t.attachment else None,
            ),
        )
    ]
    if t.autoreply:
        ack = when + timedelta(minutes=1)
        out.append(
            (
                ack,
                _message(
                    thread=thread,
                    labels="Sent",
                    when=ack,
                    sender=AGENT,
                    to=cust,
                    subject=f"[Ticket #{4100 + n}] We received your request",
                    message_id=f"<ack-{4100 + n}@acme.example>",
                    in_reply_to=mid,
                    extra=(("Auto-Submitted", "auto-replied"),),
                    body=(
                        "Thank you for contacting Acme Support. Your request has been received\n"
                        f"and assigned ticket number #{4100 + n}. We usually reply within one "
                        "business day."
                    ),
                ),
            )
        )
    if t.reply is None:
        return out
    replied = when + timedelta(hours=2, minutes=7 * (n % 5))
    customer_text = t.quoted_text or t.body
    body = (
        f"Hi {t.name.split()[0]},\n\n{t.reply}\n\n{SIGNATURE.format(agent=t.agent)}\n\n"
        f"{_attribution(when, t.name, t.email, wrap=n % 4 == 0)}\n{_quote(customer_text)}\n"
    )
    reply_id = f"<reply-{n:03d}.{thread[-6:]}@acme.example>"
    out.append(
        (
            replied,
            _message(
                thread=thread,
                subject=f"Re: {t.subject}",
                labels=f"Sent,{t.labels.rsplit(',', 1)[-1]}",
                when=replied,
                sender=AGENT,
                to=cust,
                message_id=reply_id,
                in_reply_to=mid,
                body=body,
            ),
        )
    )
    if t.followup and t.followup_reply:
        out += _followup(n, t, thread, replied, reply_id, body, t.followup, t.followup_reply)
    return out


def _followup(
    n: int,
    t: Ticket,
    thread: str,
    replied: datetime,
    reply_id: str,
    reply_body: str,
    followup: str,
    followup_reply: str,
) -> list[tuple[datetime, bytes]]:
    """The customer answers in Outlook (quoted header block), the agent answers again."""
    cust = (t.name, t.email)
    subject = f"Re: {t.subject}"
    asked = replied + timedelta(hours=1, minutes=12)
    quoted = reply_body.split("\n\nOn ", 1)[0]
    outlook = (
        f"{followup}\n\n________________________________\n"
        f"From: {AGENT[0]} <{AGENT[1]}>\nSent: {replied.strftime('%A, %B %d, %Y %I:%M %p')}\n"
        f"To: {t.name} <{t.email}>\nSubject: Re: {t.subject}\n\n{quoted}\n"
    )
    ask_id = f"<DB9PR0{n:02d}MB{n * 7919:06d}@eurprd.outlook.example.com>"
    answered = asked + timedelta(hours=1, minutes=3)
    answer = (
        f"Hi {t.name.split()[0]},\n\n{followup_reply}\n\n{SIGNATURE.format(agent=t.agent)}\n\n"
        f"{_attribution(asked, t.name, t.email, wrap=False)}\n{_quote(followup)}\n"
    )
    ask = _message(
        thread=thread,
        subject=subject,
        labels=t.labels,
        when=asked,
        sender=cust,
        to=AGENT,
        message_id=ask_id,
        in_reply_to=reply_id,
        body=outlook,
    )
    answer_message = _message(
        thread=thread,
        subject=subject,
        labels="Sent",
        when=answered,
        sender=AGENT,
        to=cust,
        message_id=f"<reply-{n:03d}b@acme.example>",
        in_reply_to=ask_id,
        body=answer,
    )
    return [(asked, ask), (answered, answer_message)]


def _fake_pdf(name: str) -> bytes:
    # A tiny but well-formed PDF, so the attachment looks real to any viewer.
    text = f"Acme invoice {name}"
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(text) + 25}>>stream\nBT /F1 12 Tf 20 50 Td ({text}) Tj ET\n"
        f"endstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".encode()
    )


def build() -> bytes:
    messages: list[tuple[datetime, bytes]] = []
    for n, ticket in enumerate(TICKETS):
        messages += _ticket_messages(n, ticket, START + timedelta(hours=5 * n, minutes=n % 7))
    # Takeout lists mail newest first within a label export; keep that ordering.
    messages.sort(key=lambda m: m[0], reverse=True)
    out = []
    for when, raw in messages:
        thread = re.search(rb"X-GM-THRID: (\d+)", raw)
        out.append(_mboxrd(thread.group(1).decode() if thread else "0", when, raw))
    return b"".join(out)


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    data = build()
    OUT.write_bytes(data)
    count = data.count(b"\nFrom ") + data.startswith(b"From ")
    print(f"wrote {OUT} ({len(data):,} bytes, {count} messages, {len(TICKETS)} tickets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

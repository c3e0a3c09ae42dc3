"""Outlook .msg files through the optional `extract-msg` extra (GPL-3.0, imported lazily)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from .body import Body, decode_text
from .headers import Headers, decode_value

if TYPE_CHECKING:
    from pathlib import Path

MISSING_REASON = "msg-support-not-installed"
MISSING_DETAIL = (
    "reading Outlook .msg files needs the optional extra: pip install ftprep[msg] "
    "(it installs extract-msg, which is GPL-3.0 licensed)"
)
_FIELDS = (
    "message-id", "in-reply-to", "references", "from", "date", "subject", "content-type",
    "auto-submitted", "x-autoreply", "precedence", "x-gmail-labels",
)  # fmt: skip


class MsgUnavailable(Exception):
    """extract-msg is not installed."""


class NotAMessage(Exception):
    """The .msg file holds a contact, an appointment or a task, not an email."""


@dataclass(slots=True)
class MsgMail:
    headers: Headers
    body: Body
    categories: list[str] = field(default_factory=list)


def read_msg(path: Path, prefer: str, extra: frozenset[str] = frozenset()) -> MsgMail:
    """Headers, preferred body and categories of a .msg file."""
    try:
        import extract_msg
    except ImportError:
        raise MsgUnavailable(MISSING_DETAIL) from None
    opener: Any = getattr(extract_msg, "openMsg", None) or extract_msg.Message
    msg = opener(str(path))
    try:
        if not hasattr(msg, "body") or not hasattr(msg, "subject"):
            raise NotAMessage(f"{type(msg).__name__} item, not an email")
        return MsgMail(_headers(msg, extra), _body(msg, prefer), _categories(msg))
    finally:
        close = getattr(msg, "close", None)
        if callable(close):
            close()


def _headers(msg: Any, extra: frozenset[str]) -> Headers:
    values: dict[str, str] = {}
    transport = getattr(msg, "header", None)  # an email.message.Message, when present
    if transport is not None:
        for name in (*_FIELDS, *sorted(extra)):
            value = transport.get(name)
            if value:
                values[name] = decode_value(str(value))
    # MAPI properties fill what the transport headers (absent on drafts) do not have.
    fallbacks = {
        "subject": getattr(msg, "subject", None),
        "from": getattr(msg, "sender", None),
        "message-id": getattr(msg, "messageId", None),
        "in-reply-to": getattr(msg, "inReplyTo", None),
    }
    for name, value in fallbacks.items():
        if value and name not in values:
            values[name] = str(value).strip()
    date = getattr(msg, "date", None)
    if "date" not in values and date is not None and hasattr(date, "tzinfo"):
        values["date"] = format_datetime(date)
    return Headers(values=values, is_mail=True)


def _body(msg: Any, prefer: str) -> Body:
    attachments = len(getattr(msg, "attachments", None) or [])
    plain = getattr(msg, "body", None) or ""
    html_raw = getattr(msg, "htmlBody", None)
    html, note = "", None
    if isinstance(html_raw, bytes):
        html, note = decode_text(html_raw, "utf-8")
    elif isinstance(html_raw, str):
        html = html_raw
    order = [("plain", plain), ("html", html)]
    if prefer == "html":
        order.reverse()
    for kind, text in order:
        if text and text.strip():
            return Body(text, kind, attachments, note if kind == "html" else None)
    return Body("", None, attachments)


def _categories(msg: Any) -> list[str]:
    value = getattr(msg, "categories", None)
    if isinstance(value, str):
        return [c.strip() for c in value.replace(";", ",").split(",") if c.strip()]
    if isinstance(value, (list, tuple)):
        return [str(c).strip() for c in value if str(c).strip()]
    return []

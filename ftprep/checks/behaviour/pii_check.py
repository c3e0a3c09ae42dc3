"""FT510: personal data in the training data, found by the detectors convert redacts with
(ftprep.clean.pii; kinds, phone regions and custom patterns from `[tool.ftprep.pii]`).

Speed: `ftprep validate` runs this on every line. A line's texts are joined with NUL
(which no detector matches across) and screened once by `may_contain_pii`, a handful of
C-speed byte operations (about 2 µs a line) that flag a superset of what the detector can
find. Only lines that pass go to the detector, message by message, whose regexes and phone
matcher are the expensive part. A system prompt or reply that repeats is screened once.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ftprep.checks.behaviour.line import RULES_VIEW, LineView, RuleHit, line_screen
from ftprep.checks.behaviour.settings import allow_forms
from ftprep.checks.registry import Hit, Scope, register
from ftprep.clean.widths import fold_full_width
from ftprep.report.finding import Severity

if TYPE_CHECKING:
    from ftprep.checks.behaviour.line import LineScreen
    from ftprep.checks.behaviour.settings import BehaviourRules
    from ftprep.formats import LineFormat

Record = dict[str, Any]
KIND_NAMES = {"EMAIL": "email address", "PHONE": "phone number", "CARD": "card number",
              "IBAN": "IBAN", "IP": "IP address"}
_SEP = "\x00"


@register("FT510", "pii-in-training-data", Severity.ERROR, scope=Scope.LINE, view=RULES_VIEW,
          trigger="pii")
def pii_in_training_data(rules: BehaviourRules, line: LineView) -> Iterator[Hit]:
    """Personal data (email, phone, card number, IBAN, IP address, custom kinds) in a message.

    A fine-tuned model can repeat what it was trained on, to anyone: a customer's email
    or card number in a ticket can come back in another customer's answer, and uploading
    it may breach your data-protection duties. Every message is scanned (user messages
    too) with the detectors `ftprep convert` redacts with; its placeholders such as
    [EMAIL] do not count, nor the values in `[tool.ftprep.rules.pii] allow` (your own
    support address). Redact (`ftprep convert` does it) or drop the example. Emails,
    phones, cards and IBANs are errors, IP addresses and custom kinds from
    `[tool.ftprep.pii] patterns` warnings; set `severity = {IP = "off"}` per kind in
    `[tool.ftprep.rules.pii]`, or `enabled = false`."""
    detector = rules.pii_detector()
    screened = rules.memo("pii:screened", lambda: _screened(detector))
    # RulesRunner has run this screen already (_line_screen); it serves direct calls.
    if screened and _clean(line.record, line.messages, line.fmt):
        return
    texts = list(_texts(line))
    placeholders = _placeholders(_custom(detector))
    allowed = rules.pii_allowed
    for index, path, text in texts:
        # The line as a whole may hold PII; most of its texts (the system prompt) do not.
        if screened and (text in _CLEAN_SEEN or not may_contain_pii(text)):
            continue
        for match in detector.find(text):
            if _is_placeholder(text, match, placeholders) or (
                    allowed and is_allowed_pii(match.text, allowed)):
                continue
            severity = rules.pii_severity(match.kind)
            if severity is None:
                continue
            what = KIND_NAMES.get(match.kind, match.kind)
            role = line.messages[index].get("role", "?") if index is not None else "assistant"
            article = "an" if role[:1] in ("a", "e", "i", "o") else "a"  # a user
            yield RuleHit(f"{what} in {article} {role} message ({_mask(match.text)}): redact it to "
                          f"[{match.kind}] (ftprep convert does) or drop the example",
                          path=path, message_index=index, severity=severity)


# Kinds whose necessary conditions may_contain_pii encodes; with any other kind (custom
# regexes, a kind added to the detector later) every text goes to the detector.
SCREENED_KINDS = frozenset({"EMAIL", "PHONE", "CARD", "IBAN", "IP"})
_SHAPE = bytes.maketrans(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                         b"9" * 10 + b"U" * 26 + b"a" * 26)
# A run of 9s and dots, phone punctuation but the dot between them: a phone or card
# number, or an IPv4 address. As `9[9.]{5,}9` once b" ()-/" is deleted from the shape,
# without the copy that deleting makes.
_NUMBER_RUN = re.compile(rb"9(?:[ ()/-]*[9.]){5,}[ ()/-]*9")
_DOTTED_QUAD = re.compile(rb"9\.9+\.9+\.9")  # ftprep.clean.pii._DOTTED_QUAD, its IPv4 gate
_SEVEN_DIGITS = b"9" * 7
# Two check digits after two capitals (and a space), or after two small letters that
# start a word (de44 ...): the start of an IBAN. One search that starts on the literal
# 99 and looks behind it, instead of a scan of the text per form.
_IBAN_START = re.compile(rb"99(?:(?<=UU99)|(?<=UU 99)|(?<=aa99)(?<![Ua9_]aa99))")
# ftprep.clean.pii.IPV6_COLONS on bytes (that module is imported only once a line needs it).
_IPV6_COLONS = re.compile(rb":[0-9A-Fa-f]{0,4}:")
# System prompts repeat on every line and replies often do (a label, a template): those
# that passed the screen are remembered; hashing a string is cheaper than screening it.
_REMEMBERED_ROLES = frozenset({"system", "assistant"})
_CLEAN_SEEN: set[str] = set()
_CLEAN_SEEN_MAX = 16_384


def may_contain_pii(text: str) -> bool:
    """False only when the built-in detectors cannot find anything in `text`: the
    detector's own gates for its kinds (ftprep.clean.pii), on bytes. An "@" (email); a
    dotted quad (IPv4); seven digits joined by phone punctuation once a digit glued to a
    code is dropped (phone, card: "C-1234567" and "INV2024061" are codes); two letters
    starting a word before two digits, or two capitals and a space (IBAN); two colons at
    most four hex digits apart (IPv6). A translate and a few searches that start on a
    literal: each C call counts (about 1 µs for 130 characters), so there are few."""
    if "@" in text:
        return True
    if not text.isascii():
        text = fold_full_width(text)
        if "@" in text:
            return True
    raw = text.encode("utf-8", "surrogatepass")
    shape = raw.translate(_SHAPE)
    if 57 not in shape:  # no digit (ord("9")): int membership is a plain memchr
        return False
    if _IBAN_START.search(shape):
        return True
    # The run of 9s and dots is implied by both tests after it, and rarer than a digit.
    if _NUMBER_RUN.search(shape) and (
            (b"9.9" in shape and _DOTTED_QUAD.search(shape)) or _SEVEN_DIGITS in _unglued(shape)):
        return True
    return ":" in text and _IPV6_COLONS.search(raw) is not None


def _unglued(shape: bytes) -> bytes:
    """ftprep.clean.pii._digit_runs for this shape (capitals U, small letters a)."""
    return (shape.replace(b"U-9", b"U-x").replace(b"a-9", b"a-x").replace(b"U9", b"Ux")
            .replace(b"a9", b"ax").translate(None, b" ().-/"))


@line_screen("FT510")
def _line_screen(rules: BehaviourRules) -> LineScreen | None:
    """`_clean`, when may_contain_pii knows every kind the detector looks for."""
    return _clean if _screened(rules.pii_detector()) else None


def _screened(detector: Any) -> bool:
    """Whether may_contain_pii knows every kind the detector looks for (a detector that
    does not say which kinds it looks for goes without the screen)."""
    kinds = getattr(detector, "kinds", None)
    return bool(getattr(detector, "screen", False) and not _custom(detector)
                and kinds is not None and set(kinds) <= SCREENED_KINDS)


def is_allowed_pii(found: str, allowed: frozenset[str]) -> bool:
    """In the allow list as written, or as the same digits with or without a country
    code of up to three digits ("(800) 555-0199" for "+1 800 555 0199")."""
    forms = allow_forms(found)
    if not allowed.isdisjoint(forms):
        return True
    digits = forms[-1]
    return len(forms) > 1 and len(digits) >= 7 and any(
        (0 < len(a) - len(digits) <= 3 and a.endswith(digits))
        or (0 < len(digits) - len(a) <= 3 and digits.endswith(a) and len(a) >= 7)
        for a in allowed)


def _custom(detector: Any) -> tuple[str, ...]:
    return tuple(sorted(getattr(detector, "custom", None) or ()))


def _clean(record: Record, messages: list[Record], fmt: LineFormat | None) -> bool:
    """True when no text of the line may hold PII (the hot path: most lines are plain
    messages with string content). Clean system prompts and replies are remembered, and
    a text already seen clean is clean in any role: the line's other texts are screened
    joined with NUL, which no gate matches across."""
    if fmt is not None and fmt.name == "openai-dpo":
        return False  # the rejected answer is outside `messages`: the slow path reads it
    seen = _CLEAN_SEEN
    joined: str | None = None
    remember: tuple[str, ...] = ()
    for message in messages:
        content = message.get("content")
        if content.__class__ is not str or "tool_calls" in message:
            return False  # parts, tool calls: the slow path places every text
        if content in seen:
            continue
        if message.get("role") in _REMEMBERED_ROLES:
            remember += (content,)
        joined = content if joined is None else joined + _SEP + content
    if joined is not None and may_contain_pii(joined):
        return False
    if remember:
        if len(seen) + len(remember) > _CLEAN_SEEN_MAX:
            seen.clear()
        seen.update(remember)
    return True


def _texts(line: LineView) -> Iterator[tuple[int | None, str, str]]:
    """(message index, path relative to it, text) of every text in the line. A preference
    line's rejected answer is not in its conversation: its path is absolute."""
    for i, message in enumerate(line.messages):
        for path, text in _message_texts(message):
            yield i, path, text
    if line.fmt is not None and line.fmt.name == "openai-dpo":
        for j, message in enumerate(line.record.get("non_preferred_output") or ()):
            for path, text in _message_texts(message):
                yield None, f"$.non_preferred_output[{j}]{path}", text


def _message_texts(message: Record) -> Iterator[tuple[str, str]]:
    content = message.get("content")
    if isinstance(content, str):
        if content:
            yield ".content", content
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield f".content[{j}].text", part["text"]
    for k, call in enumerate(message.get("tool_calls") or ()):
        arguments = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
        if isinstance(arguments, dict):  # an object (--target trl): its JSON text
            arguments = json.dumps(arguments, ensure_ascii=False)
        if isinstance(arguments, str):
            yield f".tool_calls[{k}].function.arguments", arguments


@functools.lru_cache(maxsize=8)
def _placeholders(custom: tuple[str, ...]) -> re.Pattern[str]:
    """[EMAIL], [PHONE] ... and custom [KIND]s: what redaction leaves behind."""
    from ftprep.clean.pii import BUILTIN_KINDS

    kinds = sorted({*BUILTIN_KINDS, *custom, "NAME"}, key=len, reverse=True)
    return re.compile(r"\[(?:" + "|".join(map(re.escape, kinds)) + r")\]")


def _is_placeholder(text: str, match: Any, placeholders: re.Pattern[str]) -> bool:
    """A match inside (or equal to) a redaction placeholder is not PII."""
    lo, hi = max(0, match.start - 32), min(len(text), match.end + 32)
    return any(p.start() + lo <= match.start and match.end <= p.end() + lo
               for p in placeholders.finditer(text[lo:hi]))


def _mask(value: str) -> str:
    """Enough to find the value again, not enough to leak it into CI logs."""
    value = " ".join(value.split())
    if len(value) > 6:
        return f"{value[:2]}…{value[-2:]}"
    return f"{value[:1]}…" if len(value) > 2 else "…"

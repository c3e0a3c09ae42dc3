"""load_email: mail files in, Example or Rejected out, one per message read."""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftprep.clean.quotes import (
    STANDARD_SEPARATOR,
    clean_subject,
    forwarded_text,
    normalise,
    strip_quotes,
    strip_signature,
)
from ftprep.records import Example, Rejected, SourceRef

from . import threads
from .body import Body, UndecodableBody, extract, extract_simple, parse
from .headers import HeaderMemo, Headers, scan, without_bom
from .labels import (
    has_draft_label,
    has_sent_label,
    is_draft_label,
    is_inbox_label,
    is_sent_label,
    is_system_label,
    load_label_map,
    normalise_message_id,
    parse_label_list,
)
from .labels import resolve as resolve_label
from .mbox import HEADER_CAP, iter_mbox, read_span
from .msg import MISSING_REASON, MsgUnavailable, NotAMessage, read_msg
from .options import EmailOptions
from .sources import Source, discover
from .table import Entry

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import BinaryIO

_OPEN_FILES = 8  # mbox handles kept open for replies that sit elsewhere in the mailbox
_RELEASE_EVERY = 4096  # messages between two unmappings of the table's pages


def load_email(
    paths: Sequence[Path], options: EmailOptions | None = None
) -> Iterator[Example | Rejected]:
    """Read .eml files, mbox files, Maildir and Thunderbird folders and Outlook .msg files.

    Every message yields exactly one record: an Example (a customer message, with the
    first agent reply folded in as `reply` and listed in `merged`), or a Rejected with a
    reason; a reply folded into an example yields nothing more. So
    messages read = examples + merged replies + rejected.

    Threading needs every Message-ID of the mailbox, so there are two passes. The first
    streams the files, reads only header blocks and writes a fixed-width record per
    message (offsets, id hashes, sender hash, date) to a temporary file, so memory does
    not grow with the mailbox (details in `threads` and `table`). The second pass reads,
    parses and cleans one message at a time, seeking to an answer wherever it sits in the
    mailbox.

    Missing paths and an unreadable label map raise at once (FileNotFoundError,
    ValueError); bad mail never raises, it becomes a Rejected.
    """
    options = options or EmailOptions()
    label_map = load_label_map(options.label_map_file) if options.label_map_file else {}
    sources = list(discover([Path(p) for p in paths], eml_folder_labels=options.eml_folder_labels))
    return _Loader(sources, options, label_map).run()


@dataclass(slots=True)
class _Mail:
    """One message read and cleaned in the second pass."""

    headers: Headers
    body: Body
    text: str
    categories: list[str] = field(default_factory=list)


class _Loader:
    def __init__(self, sources: list[Source], options: EmailOptions, label_map: dict[str, str]):
        self.sources = sources
        self.options = options
        self.label_map = label_map
        self.label_header = (options.label_header or "").strip().lower()
        self.extra = frozenset({self.label_header}) if self.label_header else frozenset()
        self.index = threads.ThreadIndex(options)
        self.index.same = self._same_message
        self.languages = tuple(options.languages) or ("en",)
        self._files: OrderedDict[int, BinaryIO] = OrderedDict()
        self._mapped: set[str] = set()  # label-map ids that some message has
        # Without configured agents: sender hashes of the mail the mailbox itself sent,
        # and of mail it received (an address in both is no evidence either way).
        self._own_senders: set[int] = set()
        self._received_from: set[int] = set()
        self._sent = 0  # messages marked as sent by the mailbox
        self._memo = HeaderMemo()  # header values guessed in the first pass, for the second

    def run(self) -> Iterator[Example | Rejected]:
        try:
            for number, source in enumerate(self.sources):
                self._scan(number, source)
            self._warn_unused_map_entries()
            self._own_senders -= self._received_from
            self.index.resolve(self._own_senders)
            self._warn_guessed_roles()
            for i in range(len(self.index)):
                if not i % _RELEASE_EVERY:
                    self.index.table.release()
                yield from self._emit(i)
        finally:
            for f in self._files.values():
                f.close()
            self._files.clear()
            self.index.close()

    def _warn_unused_map_entries(self) -> None:
        """A mapping-file id that no message has is most likely a typo: say so once."""
        unused = sorted(set(self.label_map) - self._mapped)
        if unused:
            log.warning("%s: %d of %d label-map entries match no message (%s%s): check those "
                        "Message-IDs (with or without angle brackets)",
                        self.options.label_map_file, len(unused), len(self.label_map),
                        ", ".join(unused[:3]), " ..." if len(unused) > 3 else "")

    def _warn_guessed_roles(self) -> None:
        """Without agent-domains, who the agents are was inferred: say how, and how to say it."""
        if self.options.has_agents or not self.index.threaded():
            return
        fix = ("set agent-domains (or agent-addresses) in [tool.ftprep.convert.email] to name "
               "the support team's senders")
        if self._sent:
            log.warning("no agent-domains or agent-addresses: the %d message(s) the mailbox "
                        "sent (Gmail label Sent, a Sent folder), and %d address(es) that sent "
                        "them and never wrote to it, were taken as the support team's; %s",
                        self._sent, len(self._own_senders), fix)
        else:
            log.warning("no agent-domains or agent-addresses, and no mail marked as sent by "
                        "this mailbox (Gmail label Sent, a Sent folder): a message answering "
                        "a customer's from another address was taken as the agent's reply, "
                        "any other as a ticket; %s", fix)

    # -- first pass: headers only ------------------------------------------------------

    def _scan(self, number: int, source: Source) -> None:
        add = self.index.add
        if source.kind == "mbox":
            try:
                with source.path.open("rb") as f:
                    for span in iter_mbox(f):
                        entry = Entry(number, span.start, span.end, span.number)
                        header = span.header
                        if header is None:
                            header = _preamble_header(f, span.end)
                        if header is None:
                            entry.problem = ("mbox-preamble", "text before the first From_ line")
                        else:
                            self._fill(entry, scan(header, self.extra, self._memo), source)
                        add(entry)
            except OSError as exc:
                add(Entry(number, 0, -1, None, problem=_unreadable(exc)))
            return
        entry = Entry(number, 0, -1, None)
        if source.kind == "msg":
            try:
                mail = read_msg(source.path, self.options.prefer, self.extra)
                self._fill(entry, mail.headers, source)
            except MsgUnavailable as exc:
                entry.problem = (MISSING_REASON, str(exc))
            except NotAMessage as exc:
                entry.problem = ("not-an-email", str(exc))
            except Exception as exc:  # extract-msg raises many types on corrupt files
                entry.problem = ("parse-error", f"{type(exc).__name__}: {exc}")
        else:
            try:
                with source.path.open("rb") as f:
                    head = f.read(HEADER_CAP)
                self._fill(entry, scan(head, self.extra, self._memo), source)
            except OSError as exc:
                entry.problem = _unreadable(exc)
        add(entry)

    def _fill(self, entry: Entry, h: Headers, source: Source) -> None:
        if not h.is_mail:
            entry.problem = ("not-an-email", "no email header fields (From, To, Subject, ...)")
            return
        entry.message_id = h.message_id
        draft = _draft(h, source)
        if draft:
            # Never sent, so never the approved reply: the reply sent is used instead.
            entry.problem = ("draft", f"an unsent draft ({draft}); nothing to do, unless it "
                             "was sent: then export it from the Sent folder")
            return
        parents = h.parent_candidates
        entry.parent_id = parents[0] if parents else None
        entry.parent_fallbacks = tuple(parents[1:])
        entry.has_parent_ref = h.has_parent_ref
        sender = h.sender
        # Only compared for equality: a hash is a third of the size of the address.
        entry.sender = hash(sender) if sender else 0
        entry.is_agent = self.options.is_agent(sender)
        if not self.options.has_agents:
            if _sent_by_mailbox(h, source):
                # What the exporting account sent is the support team's own mail.
                entry.is_agent = True
                self._sent += 1
                if entry.sender:
                    self._own_senders.add(entry.sender)
            elif entry.sender and _received_by_mailbox(h, source):
                self._received_from.add(entry.sender)
        date = h.date
        entry.date = _timestamp(date) if date else math.inf
        entry.automated = h.automated()
        mapped = entry.message_id and normalise_message_id(entry.message_id)
        if mapped and mapped in self.label_map:
            self._mapped.add(mapped)
        entry.labelled = bool(
            (mapped and mapped in self.label_map)
            or (self.label_header and (h.get(self.label_header) or "").strip())
            or parse_label_list(h.get("x-gmail-labels") or "")
            or (source.folder and not is_system_label(source.folder))
        )

    # -- second pass: one message at a time --------------------------------------------

    def _emit(self, i: int) -> Iterator[Example | Rejected]:
        index, e = self.index, self.index.entry(i)
        role = index.role(i)
        if role == threads.CUSTOMER:
            yield from self._customer(i, e)
        elif role == threads.PROBLEM and e.problem:
            yield self._reject(i, *e.problem)
        elif role == threads.DUPLICATE:
            first = self._ref(index.kept(i))
            detail = f"Message-ID <{e.message_id}> already read from {first.describe()}"
            yield self._reject(i, threads.DUPLICATE, detail)
        elif role == threads.AUTOMATED:
            what = "a delivery report" if e.automated == "delivery-report" else "an automatic reply"
            yield self._reject(i, e.automated or "auto-reply", f"{what}, not written by a person")
        elif role == threads.AGENT:
            who = ("sent from an agent address" if self.options.has_agents
                   else "the mailbox's own mail (labelled or filed as sent)")
            detail = f"{who}, and does not answer a customer message"
            yield self._reject(i, threads.AGENT, detail)
        elif role == threads.ORPHAN:
            answers = f"<{e.parent_id}>" if e.parent_id else "a message"
            detail = f"answers {answers}, which is not in the mail read"
            yield self._reject(i, threads.ORPHAN, detail)
        # REPLY and JOINED: read and accounted for with the customer message they belong to.

    def _customer(self, i: int, e: Entry) -> Iterator[Example | Rejected]:
        candidates = self.index.replies(i)
        earlier = self.index.joined(i)
        mail = self._read(i, e)
        if isinstance(mail, Rejected):
            yield mail
            yield from self._parent_rejected(mail, candidates, earlier)
            return
        joined: list[int] = []
        texts: list[str] = []
        for j in earlier:
            before = self._read(j, self.index.entry(j))
            if isinstance(before, Rejected):
                yield before
            else:
                joined.append(j)
                texts.append(before.text)
        # The customer's messages in date order: the example states the whole problem.
        mail.text = "\n\n".join([*texts, mail.text])
        try:
            example = self._example(i, e, mail)
        except Exception as exc:  # a header no decoder expected: reject, never stop the run
            example = self._reject(i, "parse-error", f"{type(exc).__name__}: {exc}")
        if isinstance(example, Rejected):
            yield example
            yield from self._parent_rejected(example, candidates, joined)
            return
        if joined:
            example.merged = tuple(self._ref(j) for j in joined)
            example.fields["joined_message_ids"] = [self.index.entry(j).message_id
                                                    for j in joined]
        chosen: int | None = None
        for c in candidates:
            if chosen is not None:
                detail = f"the thread already has an answer: {self._ref(chosen).describe()}"
                yield self._reject(c, "extra-reply", detail)
                continue
            reply = self._read(c, self.index.entry(c))
            if isinstance(reply, Rejected):
                yield reply
                continue
            chosen = c
            example.reply = reply.text
            example.merged = (*example.merged, self._ref(c))
            if reply.headers.message_id:
                example.fields["reply_message_id"] = reply.headers.message_id
        example.fields["reply_count"] = len(candidates)
        yield example

    def _parent_rejected(self, ticket: Rejected, replies: list[int],
                         joined: list[int]) -> Iterator[Rejected]:
        """A reject line for each message that belonged to a rejected ticket."""
        for c in replies:
            detail = f"the message it answers was rejected ({ticket.reason})"
            yield self._reject(c, "parent-rejected", detail)
        for j in joined:
            detail = (f"joined to the same customer's follow-up {ticket.source.describe()}, "
                      f"which was rejected ({ticket.reason}): fix it there")
            yield self._reject(j, "parent-rejected", detail)

    def _example(self, i: int, e: Entry, mail: _Mail) -> Example | Rejected:
        source = self.sources[e.source]
        h = mail.headers
        mid = h.message_id
        choice = resolve_label(
            message_id=normalise_message_id(mid) if mid else None,
            label_map=self.label_map,
            header_value=h.get(self.label_header) if self.label_header else None,
            gmail_value=h.get("x-gmail-labels"),
            categories=mail.categories,
            folder=source.folder,
            priority=self.options.label_priority,
            allowed=self.options.label_allowed,
        )
        if choice.ambiguous:
            shown = ", ".join(repr(x) for x in choice.others)
            detail = (f"{choice.source} holds several labels ({shown}): an example gets one. "
                      "List the classes in `labels` (a message with one allowed label gets it), "
                      "set label-priority in [tool.ftprep.convert.email] (the first of it that a "
                      "message has wins), or give the message one label in label-map-file")
            return self._reject(i, "several-labels", detail, h)
        subject = clean_subject(h.get("subject") or "")
        text = mail.text
        if self.options.include_subject and subject:
            text = f"{subject}\n\n{text}"
        date = h.date
        fields: dict[str, Any] = {
            "subject": subject,
            "date": date.isoformat() if date else None,
            "message_id": mid,
            "sender": h.sender or None,
            "label_source": choice.source,
            "attachments": mail.body.attachments,
            "body_type": mail.body.kind,
        }
        if choice.others:
            fields["other_labels"] = list(choice.others)
        if source.folder_path:
            fields["folder"] = source.folder_path
        if h.get("x-gm-thrid"):
            fields["thread_id"] = h.get("x-gm-thrid")
        if mail.body.charset_note:
            fields["charset_recovered"] = mail.body.charset_note
        return Example(text=text, source=self._ref(i, e), label=choice.label, fields=fields)

    def _read(self, i: int, e: Entry) -> _Mail | Rejected:
        source = self.sources[e.source]
        categories: list[str] = []
        headers: Headers | None = None
        try:
            if source.kind == "msg":
                m = read_msg(source.path, self.options.prefer, self.extra)
                headers, body, categories = m.headers, m.body, m.categories
            else:
                data = without_bom(self._bytes(e, source))  # offsets of scan = of parse
                headers = scan(data, self.extra, self._memo)
                simple = extract_simple(data, headers) if headers.is_mail else None
                body = simple or extract(parse(data), self.options.prefer)
            plain, text = self._clean(body)
        except MsgUnavailable as exc:
            return self._reject(i, MISSING_REASON, str(exc))
        except OSError as exc:
            return self._reject(i, *_unreadable(exc))
        except UndecodableBody as exc:
            return self._reject(i, "undecodable-body", str(exc), headers)
        except Exception as exc:  # the stdlib parser is lenient; this is the last resort
            return self._reject(i, "parse-error", f"{type(exc).__name__}: {exc}")
        if body.kind is None:
            detail = f"no text/plain or text/html part ({body.attachments} attachment(s))"
            return self._reject(i, "no-text-body", detail, headers)
        if not text:
            detail = "nothing left after removing quoted text and signatures"
            if not plain:
                detail = "the text part has no text"
            return self._reject(i, "empty-body", detail, headers)
        return _Mail(headers, body, text, categories)

    def _clean(self, body: Body) -> tuple[str, str]:
        """The body as plain text, and the same with quotes and signature removed."""
        text = body.text
        if body.kind == "html":
            from ftprep.clean.html import html_to_text

            text = html_to_text(text, drop_quotes=self.options.strip_quotes)
        plain = text = normalise(text)
        if self.options.strip_quotes:
            text = strip_quotes(text, self.languages)
            if not text:
                # A forward with no note of its own: what was forwarded is the message.
                text = forwarded_text(plain, self.languages)
        if self.options.strip_signatures:
            separator = "-- " in body.text and STANDARD_SEPARATOR.search(body.text) is not None
            text = strip_signature(text, separator=separator)
        return plain.strip(), text.strip()

    def _same_message(self, i: int, j: int) -> bool:
        """Whether messages i and j (sharing a Message-ID) are copies of one message:
        the same bytes, or the same Date, From, Subject and body, with the same
        Content-Type and encoding (which say what the body means); the headers a folder,
        an export or a relay adds (X-Gmail-Labels, Status, Received ...) may differ."""
        try:
            a, b = (without_bom(self._bytes(e, self.sources[e.source]))
                    for e in (self.index.entry(i), self.index.entry(j)))
        except OSError:
            return True  # read again in the second pass, which reports the error
        if a == b:
            return True
        ha, hb = scan(a), scan(b)
        fields = ("from", "subject", "content-type", "content-transfer-encoding")
        return ((ha.date or ha.get("date")) == (hb.date or hb.get("date"))
                and all(_value(ha, f) == _value(hb, f) for f in fields)
                and _body_bytes(a, ha) == _body_bytes(b, hb))

    def _bytes(self, e: Entry, source: Source) -> bytes:
        if e.end < 0:
            return source.path.read_bytes()
        f = self._files.pop(e.source, None)
        if f is None:
            f = source.path.open("rb")
            if len(self._files) >= _OPEN_FILES:
                self._files.popitem(last=False)[1].close()
        self._files[e.source] = f  # most recently used last
        return read_span(f, e.start, e.end)

    def _ref(self, i: int, e: Entry | None = None) -> SourceRef:
        e = e or self.index.entry(i)
        return SourceRef(str(self.sources[e.source].path), e.row, e.message_id)

    def _reject(self, i: int, reason: str, detail: str, h: Headers | None = None) -> Rejected:
        raw: dict[str, Any] | None = None
        if h is not None:
            raw = {k: v for k in ("subject", "from", "date") if (v := h.get(k))} or None
        return Rejected(self._ref(i), reason, detail, raw)


def _sent_by_mailbox(h: Headers, source: Source) -> bool:
    """Whether the message is one the exported account sent: Gmail's system label Sent
    (Takeout and IMAP tools write it), or a Sent folder of Maildir or Thunderbird."""
    return has_sent_label(h.get("x-gmail-labels") or "") or bool(
        source.folder and is_sent_label(source.folder))


def _value(h: Headers, name: str) -> str:
    """A header's value with its folding and spacing evened out."""
    return " ".join((h.get(name) or "").split())


def _body_bytes(data: bytes, h: Headers) -> bytes:
    """The body as bytes, with line ends and the blank lines around it evened out."""
    body = data[h.body_offset:] if h.body_offset >= 0 else b""
    return body.replace(b"\r\n", b"\n").strip()


def _draft(h: Headers, source: Source) -> str | None:
    """What marks the message as a draft, or None."""
    if source.folder and is_draft_label(source.folder):
        return f"in the {source.folder} folder"
    if has_draft_label(h.get("x-gmail-labels") or ""):
        return "Gmail label Draft"
    if "x-mozilla-draft-info" in h:
        return "X-Mozilla-Draft-Info header"
    # Maildir's info suffix ":2,FLAGS" (`!2,` on Windows); D is the draft flag.
    name = source.path.name if source.kind == "eml" else ""
    for sep in (":2,", "!2,"):
        if sep in name and "D" in name.rpartition(sep)[2]:
            return "Maildir flag D"
    return None


def _received_by_mailbox(h: Headers, source: Source) -> bool:
    """Whether the message surely came in: Gmail labels without Sent (Gmail labels all it
    sent), or an Inbox folder."""
    return ("x-gmail-labels" in h or source.inbox
            or bool(source.folder and is_inbox_label(source.folder)))


def _preamble_header(f: BinaryIO, end: int) -> bytes | None:
    """The head of an mbox preamble when it is a message that lost its From_ line (the
    first of a Thunderbird folder, say), else None: junk stays a preamble."""
    resume = f.tell()
    f.seek(0)
    head = f.read(min(end, HEADER_CAP))
    f.seek(resume)
    return head if scan(head).is_mail else None


def _unreadable(exc: OSError) -> tuple[str, str]:
    return "unreadable-file", f"cannot read the file: {exc.strerror or exc}"


def _timestamp(date: Any) -> float:
    try:
        return float(date.timestamp())
    except (OverflowError, OSError, ValueError):
        return math.inf

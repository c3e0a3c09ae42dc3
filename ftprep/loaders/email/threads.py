"""Pairing customer messages with agent replies across a whole mailbox, in flat memory.

The first pass keeps nothing per message in the process: each message becomes a record
in a temporary file (`table`: where its bytes are, hashes of its Message-ID and of the id
it answers, the sender's hash, the date, flags; the id strings beside it). Threading then
works on those columns with numpy, and the second pass reads one record, and one message,
at a time. Measured with tracemalloc on CPython 3.11 (benchmarks/bench_convert.py's
mailboxes), convert's peak is 4.3 MB at 2,000 messages, 6.2 MB at 10,000 and 6.7 MB at
50,000 (with a Python object per message, ~550 bytes each, it was 5.5, 12.5 and 36.1 MB);
the rise is the second pass's bounded caches filling. Threading holds ~25 bytes a message
for a moment (the sort of the ids; 12 MB at 500,000 messages), so beyond some 250,000
messages that moment sets the peak.

Ids are matched by 64-bit keyed hashes, and every match made (copies of one Message-ID,
a message and the one it answers) is then checked against the id strings: should two
different ids share a hash, the ids are hashed again with a new key and threading starts
over, so the result is always that of comparing the strings. Both the hashes and that
check see an id with its domain part in lower case (headers.id_match_key).

Roles, decided from headers alone:
- with agent addresses/domains configured, a message from an agent that answers
  (In-Reply-To, else the last References id; when that id is not in the mail, the
  References from the last) a customer message is a reply candidate;
  other agent messages are "agent-message", or "orphan-reply" when the message they
  answer is not in the mailbox;
- without them, the mailbox's own mail stands in for them: a message it sent (Gmail's
  system label Sent, a Sent folder), and any other message from the same addresses, is
  an agent message, as above (the loader leaves out an address that the mailbox also
  received mail from). A message from anyone else answering a customer message from a
  different sender is a reply candidate, and anything else (first messages, follow-ups,
  replies whose parent is missing) is a customer message.
A second copy of a Message-ID is a duplicate; the copy kept is the first that has a label.
Only a true copy is (the loader's `same` says: byte-identical, or the same Date, From and
body): a different message that shares the id (web forms, CRMs and sanitised exports
reuse ids) is kept as a message of its own, but replies naming that id answer the copy
kept, so the id never points at two messages.

A customer who writes again before any agent answers (a customer message answering an
earlier one from the same sender address, which has no reply candidate) states one
problem in two messages: the earlier is "joined" to that follow-up (the earliest, when
there are several), whose example holds both texts.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

import numpy as np

from . import table as tb
from .headers import id_match_key

if TYPE_CHECKING:
    import mmap
    from collections.abc import Callable, Collection, Iterator

    from .options import EmailOptions

CUSTOMER = "customer"
REPLY = "reply"
AGENT = "agent-message"
ORPHAN = "orphan-reply"
DUPLICATE = "duplicate-message-id"
AUTOMATED = "automated"
PROBLEM = "problem"
JOINED = "joined"
# Role codes in the table; 0 is "not decided yet". JOINED is set after `_walk`, so it
# never needs to fit in a PENDING byte's three bits.
ROLES = ("", CUSTOMER, REPLY, AGENT, ORPHAN, DUPLICATE, AUTOMATED, PROBLEM, JOINED)
_CUSTOMER, _REPLY, _AGENT, _ORPHAN, _DUPLICATE, _AUTOMATED, _PROBLEM, _JOINED = range(1, 9)
NONE = tb.NONE
# A role byte waiting for the parent's role: the role if the parent is a customer message
# in bits 3-5, the role otherwise in bits 0-2.
PENDING = 0x80
CHUNK = 1 << 12


class ThreadIndex:
    """Every message of a load (in a `MessageTable`), then who answers whom."""

    def __init__(self, options: EmailOptions) -> None:
        self.options = options
        self.table = tb.MessageTable()
        # Whether messages i and j are copies of one message (the loader reads them).
        self.same: Callable[[int, int], bool] = lambda i, j: True

    def __len__(self) -> int:
        return len(self.table)

    def add(self, entry: tb.Entry) -> None:
        self.table.add(entry)

    def resolve(self, agent_senders: Collection[int] = ()) -> None:
        """Thread the messages; those from `agent_senders` (sender hashes) are agents too."""
        self.table.seal()
        if agent_senders:
            t = self.table.columns()
            known = np.isin(t["sender"], np.fromiter(agent_senders, dtype=np.int64))
            known &= t["sender"] != 0
            t["flags"][known] |= tb.AGENT
            del t, known
        while not self._thread():  # a hash collision: hash the ids again with a new key
            self.table.rekey()

    def threaded(self) -> int:
        """How many messages answer another message of the mail read."""
        t = self.table.columns()
        count = int(np.count_nonzero(t["up"] != NONE))
        del t
        return count

    def entry(self, i: int) -> tb.Entry:
        return self.table.entry(i)

    def role(self, i: int) -> str:
        return ROLES[self.table.record(i).role]

    def kept(self, i: int) -> int:
        """Index of the copy kept of duplicate i's Message-ID."""
        return int(self.table.record(i).kept)

    def replies(self, i: int) -> list[int]:
        """The reply candidates of customer message i, by date then position."""
        found: list[int] = []
        j = self.table.record(i).first
        while j != NONE:
            found.append(j)
            j = self.table.record(j).next
        return found

    def joined(self, i: int) -> list[int]:
        """The earlier messages joined to customer message i, in date order (oldest first)."""
        found: list[int] = []
        j = i
        while True:
            up = int(self.table.record(j).up)
            # Joining only goes forward in (date, position) order, so this ends.
            if up == NONE or self.table.record(up).joined != j:
                return found[::-1]
            found.append(up)
            j = up

    def close(self) -> None:
        self.table.close()

    # -- threading over the table's columns ---------------------------------------------
    # Work goes a chunk of rows at a time where it can, so that what is held besides the
    # mapped table is a few arrays the size of a chunk; only the sorts see every message.

    def _thread(self) -> bool:
        """Fill in kept copies, parents, roles and reply lists; False on a hash collision."""
        t = self.table.columns()
        if not len(t):
            return True
        for name in ("up", "kept", "first", "next", "joined"):  # a try before a collision wrote some
            t[name] = NONE
        t["role"] = 0
        picked = self._pick_copies(t)
        if picked is None or not self._link(t, *picked):
            return False
        del picked
        self._roles(t)
        for a, b in _chunks(len(t)):
            _walk(self.table.records, (np.flatnonzero(t["role"][a:b] & PENDING) + a).tolist())
        self._reply_lists(t)
        self._join_follow_ups(t)
        return True

    def _pick_copies(self, t: Any) -> tuple[Any, Any] | None:
        """The kept copy of each Message-ID: the first labelled copy, else the first copy.

        Returns the distinct id hashes (sorted) and their kept copies, or None when two
        copies' strings differ. Only true copies get `kept` in the table (the copy
        of theirs met first, in the same order).
        """
        valid = (t["mid_len"] > 0) & ((t["flags"] & tb.PROBLEM) == 0)
        keys = np.where(valid, t["mid"], np.uint64(0))  # 0: no id (id_hash never gives 0)
        del valid
        # By id, the labelled copies first, then in message order (lexsort is stable).
        order = np.lexsort(((t["flags"] & tb.LABELLED) == 0, keys))
        keys.sort()  # the same as keys[order], without a second copy
        skip = int(np.searchsorted(keys, np.uint64(1)))
        first = np.zeros(len(keys), dtype=bool)  # the first of its id, so the copy kept
        first[skip : skip + 1] = True
        np.not_equal(keys[skip + 1 :], keys[skip:-1], out=first[skip + 1 :])
        copies = np.flatnonzero(~first[skip:]) + skip  # rare: duplicates
        copy_keys = keys[copies]
        ids = keys[first]
        del keys
        kept = order[first]
        del first
        rows, copy_of = order[copies], kept[np.searchsorted(ids, copy_keys)]
        # Copies share a hash: their strings must be equal too.
        for i, j in zip(rows.tolist(), copy_of.tolist(), strict=True):
            if self._mid(t, i) != self._mid(t, j):
                return None
        # Each copy is checked against the versions of its id met so far (the kept copy
        # first); one that matches none is another message with a colliding id.
        versions: dict[int, list[int]] = {}
        for i, j in zip(rows.tolist(), copy_of.tolist(), strict=True):
            seen = versions.setdefault(j, [j])
            match = next((v for v in seen if self.same(i, v)), None)
            if match is None:
                seen.append(i)
            else:
                t["kept"][i] = match
        return ids, kept

    def _link(self, t: Any, ids: Any, kept: Any) -> bool:
        """up: the kept copy of the id a message answers, unless that is itself."""
        if not len(ids):
            return True
        for a, b in _chunks(len(t)):
            c = t[a:b]
            wanted = c["parent"]
            at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
            parent = kept[at]
            ok = (c["parent_len"] > 0) & ((c["flags"] & tb.PROBLEM) == 0)
            ok &= (ids[at] == wanted) & (parent != np.arange(a, b))
            rows = np.flatnonzero(ok)
            c["up"][rows] = parent[rows]
            for i, j in zip((rows + a).tolist(), parent[rows].tolist(), strict=True):
                if self._parent_id(t, i) != self._mid(t, j):
                    return False
            missing = (c["parent_len"] > 0) & (c["fallbacks_len"] > 0) & ~ok
            for i in (np.flatnonzero(missing) + a).tolist():
                if not self._link_fallback(t, i, ids, kept):
                    return False
        return True

    def _link_fallback(self, t: Any, i: int, ids: Any, kept: Any) -> bool:
        """up: the first of message i's fallback parents that is in the mail, when its
        In-Reply-To is not; False on a hash collision."""
        if t["flags"][i] & tb.PROBLEM:
            return True
        for wanted in map(id_match_key, self.table.fallbacks(i)):
            key = np.uint64(tb.id_hash(self.table.key, wanted))
            at = int(np.searchsorted(ids, key))
            if at == len(ids) or ids[at] != key:
                continue
            j = int(kept[at])
            if self._mid(t, j) != wanted:
                return False
            if j != i:
                t["up"][i] = j
                return True
        return True

    def _roles(self, t: Any) -> None:
        """Each message's role, or (PENDING) the two it can have: which one depends on
        whether its parent is a customer message, left to `_walk`."""
        for a, b in _chunks(len(t)):
            c = t[a:b]
            flags, up = c["flags"], c["up"]
            if self.options.has_agents:
                agent = (flags & tb.AGENT) != 0
                if_customer = np.where(agent, _REPLY, _CUSTOMER)
                orphan = (up == NONE) & ((flags & tb.HAS_REF) != 0)
                otherwise = np.where(agent, np.where(orphan, _ORPHAN, _AGENT), _CUSTOMER)
            else:
                # AGENT here is the mailbox's own mail (the loader marks it); for anyone
                # else, answering a customer from another address makes a reply.
                agent = (flags & tb.AGENT) != 0
                sender = c["sender"]
                other = (sender != 0) & (up != NONE) & (sender != t["sender"][np.maximum(up, 0)])
                if_customer = np.where(agent | other, _REPLY, _CUSTOMER)
                orphan = (up == NONE) & ((flags & tb.HAS_REF) != 0)
                otherwise = np.where(agent, np.where(orphan, _ORPHAN, _AGENT), _CUSTOMER)
            automated = (flags & (tb.AUTO_REPLY | tb.DELIVERY_REPORT)) != 0
            fixed = np.select(
                [(flags & tb.PROBLEM) != 0, c["kept"] != NONE,
                 automated & self.options.reject_automated],
                [_PROBLEM, _DUPLICATE, _AUTOMATED],
            )  # fmt: skip
            if_customer = np.where(fixed, fixed, if_customer)
            otherwise = np.where(fixed, fixed, otherwise)
            # Only a message without a parent is decided here: deciding one inside a loop
            # of parents would move the place where `_walk` breaks the loop.
            c["role"] = np.where(up == NONE, otherwise, PENDING | if_customer << 3 | otherwise)

    def _reply_lists(self, t: Any) -> None:
        """Each customer's reply candidates, by date then position, as a list through the
        table: `first` of the customer, then `next` of each candidate."""
        replies = np.flatnonzero(t["role"] == _REPLY)
        parents = t["up"][replies]
        order = np.lexsort((t["date"][replies], parents))  # stable: by position last
        replies, parents = replies[order], parents[order]
        del order
        head = np.empty(len(parents), dtype=bool)
        head[:1] = True
        np.not_equal(parents[1:], parents[:-1], out=head[1:])
        t["first"][parents[head]] = replies[head]
        nxt = np.empty_like(replies)
        nxt[:-1] = replies[1:]
        nxt[np.flatnonzero(head) - 1] = NONE  # the last of each list (and, at -1, of all)
        t["next"][replies] = nxt

    def _join_follow_ups(self, t: Any) -> None:
        """Join a customer message nobody answered to the same sender's follow-up."""
        for a, b in _chunks(len(t)):
            c = t[a:b]
            up = c["up"]
            parent = np.maximum(up, 0)
            rows = np.arange(a, b)
            ok = (c["role"] == _CUSTOMER) & (up != NONE) & (c["sender"] != 0)
            ok &= (t["role"][parent] == _CUSTOMER) & (t["sender"][parent] == c["sender"])
            ok &= t["first"][parent] == NONE  # no agent reply in between
            # Forward in time only (date, then position): no loop can join a message to itself.
            earlier = t["date"][parent] < c["date"]
            earlier |= (t["date"][parent] == c["date"]) & (parent < rows)
            found = np.flatnonzero(ok & earlier) + a
            for k, p in zip(found.tolist(), up[found - a].tolist(), strict=True):
                old = int(t["joined"][p])
                # The earliest follow-up (date, then position) is the one joined to.
                if old == NONE or (t["date"][k], k) < (t["date"][old], old):
                    t["joined"][p] = k
        t["role"][t["joined"] != NONE] = _JOINED

    # Ids as matched (id_match_key), to check the matches the hashes made.
    def _mid(self, t: Any, i: int) -> bytes:
        return id_match_key(self.table.ids(int(t["heap"][i]), int(t["mid_len"][i]), 0)[0])

    def _parent_id(self, t: Any, i: int) -> bytes:
        heap, mid_len, parent_len = (int(t[name][i]) for name in ("heap", "mid_len", "parent_len"))
        return id_match_key(self.table.ids(heap, mid_len, parent_len)[1])


def _chunks(end: int, start: int = 0) -> Iterator[tuple[int, int]]:
    return ((a, min(a + CHUNK, end)) for a in range(start, end, CHUNK))


_ROLE_AT = tb.offset("role")
_UP_AT = tb.offset("up")
_INT64 = struct.Struct("<q")


def _walk(records: mmap.mmap, pending: list[int]) -> None:
    """Decide the PENDING roles, in message order, on the mapped records.

    From each undecided message walk up to an ancestor whose role is known, then decide
    downwards. A loop of In-Reply-To ids stops the walk where it closes: that message is
    decided as if its parent were not a customer message.
    """
    size = tb.RECORD.size

    def up(k: int) -> int:
        return int(_INT64.unpack_from(records, k * size + _UP_AT)[0])

    for i in pending:
        chain: list[int] = []
        seen: set[int] = set()
        j = i
        while j != NONE and records[j * size + _ROLE_AT] & PENDING and j not in seen:
            seen.add(j)
            chain.append(j)
            j = up(j)
        for k in reversed(chain):
            p = up(k)
            both = records[k * size + _ROLE_AT]
            customer = p != NONE and records[p * size + _ROLE_AT] == _CUSTOMER
            records[k * size + _ROLE_AT] = (both >> 3) & 7 if customer else both & 7

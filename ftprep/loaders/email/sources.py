"""Finding the mail in the paths given: .eml, mbox (by content), Maildir, Thunderbird, .msg."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .mbox import SNIFF_BYTES, count_message_starts, looks_like_mbox

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

Kind = Literal["eml", "mbox", "msg"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Outlook .msg is an OLE2 compound file
_MBOX_SUFFIXES = frozenset({".mbox", ".mbx"})
_MAIL_SUFFIXES = frozenset({".eml", ".msg"}) | _MBOX_SUFFIXES
_SKIP_SUFFIXES = frozenset({".msf", ".dat", ".json", ".sqlite", ".db", ".html", ".htm"})


@dataclass(frozen=True, slots=True)
class Source:
    """One file to read. `folder` is the mail folder it sits in, when the layout says so."""

    path: Path
    kind: Kind
    folder: str | None = None  # label candidate: Maildir / Thunderbird folder name
    folder_path: str | None = None  # "billing/refunds" for nested folders
    inbox: bool = False  # the root of a Maildir++ tree: the inbox, whatever it is called


def discover(paths: Sequence[Path], *, eml_folder_labels: bool = False) -> Iterator[Source]:
    """Every mail file under `paths`, in a stable order. Missing paths raise at once."""
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or directory")
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            yield from _walk(path, (), eml_folder_labels, seen)
        else:
            # A file named explicitly is always read; its content decides how.
            kind = _classify(path) or "eml"
            if kind == "mbox" and path.with_name(path.name + ".msf").exists():
                # A Thunderbird folder given by itself: labelled as when its parent is given.
                yield Source(path, kind, path.name, path.name)
            else:
                yield Source(path, kind)


def _classify(path: Path) -> Kind | None:
    """What a file holds, judged by its first bytes; None when it is not mail."""
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return "eml"  # let the reader report the error as a Rejected
    suffix = path.suffix.lower()
    if head.startswith(_OLE_MAGIC):
        return "msg"  # the suffix alone says nothing: some tools save RFC 822 text as .msg
    if looks_like_mbox(head):
        return "mbox"
    if suffix in _MBOX_SUFFIXES and not head.strip():
        return "mbox"  # an empty mailbox: no messages, as an empty Thunderbird folder
    if b"\nFrom " in head and _mbox_after_junk(path, head, suffix):
        return "mbox"
    if suffix in _MAIL_SUFFIXES:
        return "eml"
    if _looks_like_headers(head):
        return "eml"
    return None


def _mbox_after_junk(path: Path, head: bytes, suffix: str) -> bool:
    """An mbox whose first line is not a From_ line (junk, or a Thunderbird folder whose
    first message lost its envelope): with an mbox suffix any "From " line will do;
    otherwise it takes two message starts, or one beside a Thunderbird .msf index."""
    if suffix in _MBOX_SUFFIXES:
        return True
    starts = count_message_starts(head)
    return starts > 1 or (starts == 1 and path.with_name(path.name + ".msf").exists())


def _looks_like_headers(head: bytes) -> bool:
    from .headers import scan

    return scan(head[:8192]).is_mail


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _first_visit(directory: Path, seen: set[str]) -> bool:
    """False when the directory was walked already: symlinks (a `self -> .` in a Maildir
    tree) would otherwise read the same mail again and again."""
    real = os.path.realpath(directory)
    if real in seen:
        return False
    seen.add(real)
    return True


def _walk(root: Path, rel: tuple[str, ...], eml_labels: bool, seen: set[str]) -> Iterator[Source]:
    """Files under `root`; `rel` is the folder path from the directory the user gave."""
    if not _first_visit(root, seen):
        return
    if _is_maildir(root):
        yield from _maildir(root, rel, seen)
        return
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name)
    except OSError:
        return
    names = {p.name for p in entries}
    # A Thunderbird folders directory: a folder's .msf index is a cache that Thunderbird
    # rebuilds and users delete, so one folder without it is still a folder here.
    thunderbird = any(n.endswith(".msf") for n in names) or any(
        part.endswith(".sbd") or part.casefold() == "local folders" for part in root.parts)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            # Thunderbird keeps the subfolders of "billing" in "billing.sbd".
            name = entry.name[:-4] if entry.name.endswith(".sbd") else entry.name
            yield from _walk(entry, (*rel, name), eml_labels, seen)
            continue
        if entry.suffix.lower() in _SKIP_SUFFIXES or not entry.is_file():
            continue
        kind = _classify(entry)
        if kind is None:
            continue  # not mail: a README, a licence, an index
        if kind == "mbox" and (thunderbird or f"{entry.name}.msf" in names):
            # A Thunderbird folder: the file name is the folder name.
            yield Source(entry, kind, entry.name, "/".join((*rel, entry.name)))
        elif kind == "eml" and eml_labels:
            yield Source(entry, kind, root.name, "/".join(rel) or root.name)
        else:
            yield Source(entry, kind)


def _maildir(root: Path, rel: tuple[str, ...], seen: set[str]) -> Iterator[Source]:
    """Messages in cur/ and new/ (tmp/ holds deliveries in progress), then Maildir++ subfolders."""
    try:
        subfolders = sorted(p for p in root.iterdir() if p.name.startswith(".") and _is_maildir(p))
    except OSError:
        return
    label: str | None
    if root.name.startswith("."):
        # Maildir++ names nested folders ".Support.billing": the last part is the folder.
        parts = root.name.lstrip(".").split(".")
        label, folder_path = parts[-1], "/".join((*rel, *parts))
    else:
        # The root of a Maildir++ tree is the inbox, whatever its directory is called.
        label = None if subfolders else root.name
        folder_path = "/".join(rel) or root.name
    for sub in ("cur", "new"):
        try:
            entries = sorted((root / sub).iterdir(), key=lambda p: p.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_file() and not entry.name.startswith("."):
                yield Source(entry, "eml", label, folder_path if label else None,
                             inbox=label is None)
    for sub_dir in subfolders:
        if _first_visit(sub_dir, seen):
            yield from _maildir(sub_dir, rel, seen)

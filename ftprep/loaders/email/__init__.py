"""Email loader: .eml, mbox (Gmail Takeout), Maildir, Thunderbird and Outlook .msg to Examples.

    from ftprep.loaders.email import EmailOptions, load_email
    for record in load_email([Path("support.mbox")], EmailOptions(agent_domains=["acme.example"])):
        ...

Modules: `sources` finds the mail, `mbox` splits mailboxes, `headers` reads header fields,
`threads` pairs customer messages with agent replies, `body` and `html` extract text,
`quotes` strips quoted history and signatures, `labels` picks the label, `msg` reads
Outlook files, `loader` ties them together.
"""

from __future__ import annotations

from .loader import load_email
from .options import EmailOptions

__all__ = ["EmailOptions", "load_email"]

"""Loaders: tables and mailboxes to a stream of Example or Rejected."""

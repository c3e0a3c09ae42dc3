"""Checks, one module per family, registered with stable codes (see registry.py)."""

"""Cleaning steps for example text: normalisation, mojibake, PII redaction."""

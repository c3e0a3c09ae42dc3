"""Cleaning steps for example text: normalisation, mojibake, HTML to text, quoted mail and
signatures, PII redaction. The mail loader and the table cleaner share html and quotes."""

"""Findings, reports and their renderers."""

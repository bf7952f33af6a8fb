"""Cells written to CSV files that people open in spreadsheets must not run as formulas."""

from __future__ import annotations

from typing import Any

__all__ = ["safe_cell"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Return a cell's text, quoted with a leading apostrophe when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    # OWASP CSV injection advice: a leading ' makes Excel and LibreOffice show text, not evaluate.
    if text.startswith(_TRIGGERS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

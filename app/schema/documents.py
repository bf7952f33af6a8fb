"""Canonical form of identity document numbers (shared by linkage and sealing)."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["normalize_document"]

_DIGITS = re.compile(r"\D+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


@lru_cache(maxsize=1 << 16)
def normalize_document(number: str | None, document_type: str | None = None) -> str:
    """Return a document number in canonical form; DNI digits are zero-padded to 8."""
    if not number:
        return ""
    text = str(number).strip().upper()
    if document_type in (None, "DNI") and text.replace(" ", "").replace(".", "").isdigit():
        digits = _DIGITS.sub("", text)
        # Excel drops leading zeros of DNIs; a 5-7 digit number is read as a truncated DNI.
        if 5 <= len(digits) <= 8:
            digits = digits.zfill(8)
        if len(set(digits)) <= 1:
            return ""
        return digits
    return _NOT_ALNUM.sub("", text)

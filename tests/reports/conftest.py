"""Helpers of the report tests (the linked demo world comes from tests/conftest.py)."""

from __future__ import annotations

import base64
import re
import zlib

YEAR = 2017


def pdf_text(content: bytes) -> str:
    """Return the decompressed content streams of a PDF, for searching its text."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        data = raw.strip()
        if data.endswith(b"~>"):  # reportlab: ASCII85 around Flate
            data = base64.a85decode(data[:-2].replace(b"\n", b""))
        try:
            out.append(zlib.decompress(data).decode("latin-1"))
        except zlib.error:
            out.append(data.decode("latin-1"))
    return "\n".join(out)

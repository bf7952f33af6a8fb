"""Pick a renderer by format: media type, file extension and the function that writes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from app.reports.csvout import render_csv
from app.reports.html import render_html
from app.reports.pdf import render_pdf
from app.reports.schemas import Report
from app.reports.xlsx import render_xlsx

__all__ = ["FORMATS", "Format", "render"]

Format = Literal["xlsx", "csv", "pdf", "html"]

FORMATS: dict[str, tuple[str, Callable[[Report], bytes]]] = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", render_xlsx),
    "csv": ("text/csv; charset=utf-8", render_csv),
    "pdf": ("application/pdf", render_pdf),
    "html": ("text/html; charset=utf-8", render_html),
}


def render(report: Report, fmt: str) -> tuple[bytes, str, str]:
    """Return (content, media type, file name) of a report in a format."""
    media_type, fn = FORMATS[fmt]
    return fn(report), media_type, f"{report.slug}.{fmt}"

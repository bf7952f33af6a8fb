"""Reports as CSV: one tidy file (section, row, column, value) and the CTDC victim rows."""

from __future__ import annotations

import csv
from io import StringIO

from app.csvsafe import safe_cell
from app.reports.labels import RESERVED
from app.reports.schemas import CtdcExport, Report, Value

__all__ = ["HEADER", "render_csv", "render_ctdc_csv"]

HEADER = ("seccion", "titulo", "fila", "columna", "valor")


def _value(value: Value) -> str:
    if value is None:
        return RESERVED
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return safe_cell(value.strip() if isinstance(value, str) else value)


def _encode(buffer: StringIO) -> bytes:
    # A BOM so that Excel opens the accents right; decimal point, comma separator.
    return buffer.getvalue().encode("utf-8-sig")


def render_csv(report: Report) -> bytes:
    """Return every number of the report as one long CSV (UTF-8 with BOM)."""
    buffer = StringIO()
    w = csv.writer(buffer, lineterminator="\r\n")
    w.writerow(HEADER)
    for name, value in report.headline:
        w.writerow(("portada", safe_cell(report.title), safe_cell(name), "Valor", _value(value)))
    for s in report.sections:
        for row in s.rows:
            label = safe_cell(str(row[0]).strip())
            for column, value in zip(s.columns[1:], row[1:], strict=True):
                w.writerow((s.key, safe_cell(s.title), label, safe_cell(column), _value(value)))
    for note in report.notes:
        w.writerow(("notas", "Notas y reglas de conteo", "", "", safe_cell(note)))
    return _encode(buffer)


def render_ctdc_csv(export: CtdcExport) -> bytes:
    """Return the CTDC victim rows as CSV, in the column order of the layout."""
    buffer = StringIO()
    w = csv.writer(buffer, lineterminator="\r\n")
    w.writerow(export.columns)
    for row in export.rows:
        w.writerow([safe_cell(row[c]) for c in export.columns])
    return _encode(buffer)

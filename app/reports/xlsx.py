"""The report as an Excel workbook: a sheet per section, values only, native Excel charts."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.csvsafe import safe_cell
from app.reports.labels import RESERVED
from app.reports.schemas import Chart, Report, Section, Value

__all__ = ["render_xlsx"]

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD = PatternFill("solid", fgColor="EEF4FA")


def _cell(value: Value) -> Any:
    # Numbers stay numbers; text is neutralised so no cell can ever run as a formula.
    if value is None:
        return RESERVED
    if isinstance(value, int | float):
        return value
    return safe_cell(value.strip())


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def _chart_data(ws: Any, chart: Chart, col: int) -> tuple[int, int, int]:
    """Write the chart's numbers beside the table; return (first row, last row, columns)."""
    ws.cell(row=1, column=col, value="Datos del gráfico").font = _BOLD
    ws.cell(row=2, column=col, value="Categoría").font = _BOLD
    for j, (name, _) in enumerate(chart.series, start=1):
        ws.cell(row=2, column=col + j, value=safe_cell(name)).font = _BOLD
    for i, cat in enumerate(chart.categories, start=3):
        ws.cell(row=i, column=col, value=safe_cell(cat))
        for j, (_, values) in enumerate(chart.series, start=1):
            ws.cell(row=i, column=col + j, value=values[i - 3])
    return 3, 2 + len(chart.categories), len(chart.series)


def _add_chart(ws: Any, chart: Chart, col: int, anchor_row: int) -> None:
    first, last, n = _chart_data(ws, chart, col)
    xl: Any
    if chart.kind == "line":
        xl = LineChart()
        xl.y_axis.title = chart.unit
    else:
        xl = BarChart()
        xl.type = "bar"
        xl.y_axis.title = chart.unit
        xl.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the table
    xl.title = chart.title
    xl.height = max(7.5, 0.75 * len(chart.categories) * max(n, 1) + 3)
    xl.width = 18
    data = Reference(ws, min_col=col + 1, max_col=col + n, min_row=2, max_row=last)
    xl.add_data(data, titles_from_data=True)
    xl.set_categories(Reference(ws, min_col=col, min_row=first, max_row=last))
    if n == 1:
        xl.legend = None
    ws.add_chart(xl, f"A{anchor_row}")


def _section_sheet(wb: Workbook, section: Section, used: set[str]) -> None:
    ws = wb.create_sheet(_sheet_name(section.title, used))
    ws.cell(row=1, column=1, value=safe_cell(section.title)).font = _TITLE
    ws.cell(row=2, column=1, value=safe_cell(section.caption))
    for j, name in enumerate(section.columns, start=1):
        c = ws.cell(row=4, column=j, value=safe_cell(name))
        c.font, c.fill = _BOLD, _HEAD
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for i, row in enumerate(section.rows, start=5):
        for j, value in enumerate(row, start=1):
            c = ws.cell(row=i, column=j, value=_cell(value))
            if isinstance(value, float):
                c.number_format = "0.00" if "Tasa" in section.columns[j - 1] else "0.0"
            elif isinstance(value, int):
                c.number_format = "#,##0"
            elif value is None:
                c.alignment = Alignment(horizontal="right")
            if j == 1 and isinstance(value, str) and value.startswith("  "):
                c.alignment = Alignment(indent=2)
            if row[0] == "Total":
                c.font = _BOLD
    end = 5 + len(section.rows)
    for k, note in enumerate(section.notes):
        ws.cell(row=end + 1 + k, column=1, value=safe_cell(note)).font = Font(italic=True)
    ws.column_dimensions["A"].width = min(
        60, max(len(str(r[0])) for r in [section.columns, *section.rows]) + 2
    )
    for j in range(2, len(section.columns) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 16
    if section.chart is not None:
        _add_chart(ws, section.chart, len(section.columns) + 2, end + len(section.notes) + 2)
    ws.freeze_panes = "B5"


def render_xlsx(report: Report) -> bytes:
    """Return the report as an .xlsx workbook (no formulas)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Portada"
    ws.cell(row=1, column=1, value=safe_cell(report.title)).font = _TITLE
    ws.cell(row=2, column=1, value=safe_cell(report.subtitle))
    ws.cell(row=3, column=1, value=f"Generado el {report.generated_at:%d/%m/%Y %H:%M} UTC")
    for i, (name, value) in enumerate(report.headline, start=5):
        ws.cell(row=i, column=1, value=safe_cell(name)).font = _BOLD
        ws.cell(row=i, column=2, value=_cell(value)).number_format = "#,##0"
    row = 6 + len(report.headline)
    ws.cell(row=row, column=1, value="Notas y reglas de conteo").font = _BOLD
    for k, note in enumerate(report.notes, start=row + 1):
        ws.cell(row=k, column=1, value=safe_cell(note)).alignment = Alignment(wrap_text=True)
    ws.column_dimensions["A"].width = 100
    ws.column_dimensions["B"].width = 14
    used = {"Portada"}
    for section in report.sections:
        _section_sheet(wb, section, used)
    wb.properties.title = report.title
    wb.properties.creator = "Intertrata"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()

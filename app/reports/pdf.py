"""The report as a PDF (reportlab): cover figures, then one block per section with its chart."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle as RLCircle  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.reports import charts
from app.reports.html import cell_text
from app.reports.schemas import Chart, Report, Section

__all__ = ["drawing", "render_pdf"]

_WIDTH = A4[0] - 4 * cm
# The standard PDF fonts speak WinAnsi: map the few characters they lack.
_PLAIN = str.maketrans({"−": "-", "≥": ">=", "\u2009": " "})


def _t(text: str) -> str:
    return text.translate(_PLAIN)


def drawing(chart: Chart, *, width: float = _WIDTH) -> Any:
    """Return a chart as a reportlab Drawing (same layout as the SVG)."""
    canvas = charts.layout(chart, width=width)
    h = canvas.height
    d = Drawing(canvas.width, h)
    for s in canvas.shapes:
        if isinstance(s, charts.Rect):
            fill = colors.HexColor(s.fill)
            d.add(Rect(s.x, h - s.y - s.h, s.w, s.h, fillColor=fill, strokeColor=None))
        elif isinstance(s, charts.Line):
            d.add(
                Line(s.x1, h - s.y1, s.x2, h - s.y2, strokeColor=colors.HexColor(s.stroke),
                     strokeWidth=s.width)
            )  # fmt: skip
        elif isinstance(s, charts.Circle):
            d.add(RLCircle(s.cx, h - s.cy, s.r, fillColor=colors.HexColor(s.fill),
                           strokeColor=None))  # fmt: skip
        elif isinstance(s, charts.Text):
            d.add(
                String(s.x, h - s.y, _t(s.text), fontSize=s.size * 0.85, textAnchor=s.anchor,
                       fillColor=colors.HexColor(s.fill),
                       fontName="Helvetica-Bold" if s.bold else "Helvetica")
            )  # fmt: skip
    return d


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=18, leading=22),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], textColor=colors.HexColor("#0072B2")),
        "body": ParagraphStyle("b", parent=base["BodyText"], fontSize=9.5, leading=12.5),
        "small": ParagraphStyle("s", parent=base["BodyText"], fontSize=8, leading=10,
                                textColor=colors.HexColor("#444444")),
        "cell": ParagraphStyle("c", parent=base["BodyText"], fontSize=8, leading=9.5),
        "sub": ParagraphStyle("u", parent=base["BodyText"], fontSize=8, leading=9.5,
                              leftIndent=10),
        "head": ParagraphStyle("h", parent=base["BodyText"], fontSize=8, leading=9.5,
                               alignment=2),
    }  # fmt: skip


def _widths(section: Section, numeric: list[bool]) -> list[float]:
    fixed = 2.1 * cm
    text = [i for i, n in enumerate(numeric) if not n] or [0]
    room = max(_WIDTH - fixed * (len(numeric) - len(text)), 4 * cm)
    longest = {i: max(len(cell_text(r[i])) for r in [section.columns, *section.rows]) for i in text}
    share = sum(longest.values()) or 1
    return [room * longest[i] / share if i in longest else fixed for i in range(len(numeric))]


def _table(section: Section, st: dict[str, ParagraphStyle]) -> Any:
    numeric = [
        i > 0 and any(isinstance(r[i], int | float) for r in section.rows)
        for i in range(len(section.columns))
    ]
    head = [Paragraph(f"<b>{escape(_t(c))}</b>", st["head"] if n else st["cell"])
            for c, n in zip(section.columns, numeric, strict=True)]  # fmt: skip
    data: list[list[Any]] = [head]
    for row in section.rows:
        first = cell_text(row[0])
        para = st["sub"] if first.startswith("  ") else st["cell"]
        data.append(
            [Paragraph(escape(_t(first.strip())), para)]
            + [
                _t(cell_text(v, section.columns[i]))
                if numeric[i]
                else Paragraph(escape(_t(cell_text(v))), st["cell"])
                for i, v in enumerate(row[1:], start=1)
            ]
        )
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#CCCCCC")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF4FA")),
    ]
    style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, n in enumerate(numeric) if n]
    if section.rows and section.rows[-1][0] == "Total":
        style += [("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
                  ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]  # fmt: skip
    table = Table(data, colWidths=_widths(section, numeric), repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def render_pdf(report: Report) -> bytes:
    """Return the report as a PDF document (A4)."""
    st = _styles()
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.8 * cm,
        bottomMargin=1.8 * cm, title=_t(report.title), author="Intertrata", lang="es-PE",
        subject=_t(report.subtitle),
    )  # fmt: skip
    flow: list[Any] = [
        Paragraph(escape(_t(report.title)), st["title"]),
        Paragraph(escape(_t(report.subtitle)), st["body"]),
        Paragraph(f"Generado el {report.generated_at:%d/%m/%Y %H:%M} UTC.", st["small"]),
        Spacer(1, 8),
    ]
    kpis = [
        [Paragraph(f"<b>{escape(_t(cell_text(v)))}</b>", st["title"]) for _, v in report.headline],
        [Paragraph(escape(_t(n)), st["small"]) for n, _ in report.headline],
    ]
    cover = Table(kpis, colWidths=[_WIDTH / len(report.headline)] * len(report.headline))
    cover.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#BBBBBB")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))  # fmt: skip
    flow += [cover, Spacer(1, 10)]
    for section in report.sections:
        head: list[Any] = [Paragraph(escape(_t(section.title)), st["h2"])]
        if section.chart is not None:
            head += [drawing(section.chart), Spacer(1, 4)]
        head.append(Paragraph(f"<i>{escape(_t(section.caption))}</i>", st["small"]))
        flow += [KeepTogether(head), _table(section, st)]
        flow += [Paragraph(escape(_t(n)), st["small"]) for n in section.notes]
    flow.append(Paragraph("Notas y reglas de conteo", st["h2"]))
    flow += [Paragraph("• " + escape(_t(n)), st["small"]) for n in report.notes]
    doc.build(flow)
    return buffer.getvalue()

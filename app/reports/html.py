"""A self-contained HTML page: inline CSS and SVG charts, no script, no external resource."""

from __future__ import annotations

from html import escape

from app.reports.charts import Canvas, Circle, Line, Rect, Text, fmt, layout
from app.reports.labels import RESERVED
from app.reports.schemas import Chart, Report, Section, Value

__all__ = ["cell_text", "render_html", "svg"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222;
max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.4rem;border-bottom:2px solid #0072B2}
.sub{color:#555;margin-top:0}.meta{color:#666;font-size:.9rem}
.kpis{display:flex;flex-wrap:wrap;gap:1rem;margin:1.5rem 0;padding:0;list-style:none}
.kpis li{flex:1 1 10rem;border:1px solid #ccc;border-radius:6px;padding:.7rem 1rem}
.kpis strong{display:block;font-size:1.8rem;color:#0072B2}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.93rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th.sub{padding-left:1.6rem;font-weight:400}th[scope=row]{font-weight:400}
tr.total td,tr.total th{font-weight:700;border-top:2px solid #222}
figure{margin:1rem 0}figure svg{width:100%;height:auto}
figcaption{color:#555;font-size:.9rem}
.notes{color:#444;font-size:.9rem}
@media print{h2{break-before:page}figure,table{break-inside:avoid}}
"""


def cell_text(value: Value, column: str = "") -> str:
    """Return a value as a person reads it in a table ('—' when reserved)."""
    if value is None:
        return RESERVED
    if isinstance(value, float):
        if "%" in column or "Error" in column:
            return f"{value:,.1f}".replace(",", " ").replace(".", ",")
        if "Tasa" in column:
            return f"{value:,.2f}".replace(",", " ").replace(".", ",")
        return fmt(value)
    if isinstance(value, int):
        return fmt(value)
    return value


def svg(chart: Chart, *, width: float = 640.0) -> str:
    """Return a chart as an accessible inline SVG element."""
    canvas: Canvas = layout(chart, width=width)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {canvas.width:.0f} '
        f'{canvas.height:.0f}" width="{canvas.width:.0f}" height="{canvas.height:.0f}" '
        f'aria-label="{escape(chart.title)}"><title>{escape(chart.title)}</title>'
        f"<desc>{escape(chart.alt)}</desc>"
    ]
    for s in canvas.shapes:
        if isinstance(s, Rect):
            parts.append(
                f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" '
                f'fill="{s.fill}"/>'
            )
        elif isinstance(s, Line):
            parts.append(
                f'<line x1="{s.x1:.1f}" y1="{s.y1:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}" '
                f'stroke="{s.stroke}" stroke-width="{s.width}"/>'
            )
        elif isinstance(s, Circle):
            parts.append(f'<circle cx="{s.cx:.1f}" cy="{s.cy:.1f}" r="{s.r}" fill="{s.fill}"/>')
        elif isinstance(s, Text):
            weight = ' font-weight="bold"' if s.bold else ""
            parts.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" '
                f'text-anchor="{s.anchor}" fill="{s.fill}"{weight}>{escape(s.text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _table(section: Section) -> str:
    numeric = [
        any(isinstance(r[i], int | float) for r in section.rows)
        for i in range(len(section.columns))
    ]
    head = "".join(
        f'<th scope="col"{" class=n" if numeric[i] else ""}>{escape(c)}</th>'
        for i, c in enumerate(section.columns)
    )
    body = []
    for row in section.rows:
        cls = ' class="total"' if row and row[0] == "Total" else ""
        head_cell = cell_text(row[0])
        sub = ' class="sub"' if head_cell.startswith("  ") else ""
        cells = [f'<th scope="row"{sub}>{escape(head_cell.strip())}</th>'] + [
            f"<td{' class=n' if numeric[i] else ''}>{escape(cell_text(v, section.columns[i]))}</td>"
            for i, v in enumerate(row[1:], start=1)
        ]
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return (
        f"<table><caption>{escape(section.caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _section(section: Section) -> str:
    out = [f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>']
    if section.chart is not None:
        out.append(
            f"<figure>{svg(section.chart)}<figcaption>{escape(section.chart.title)}"
            "</figcaption></figure>"
        )
    out.append(_table(section))
    out += [f'<p class="notes">{escape(n)}</p>' for n in section.notes]
    out.append("</section>")
    return "".join(out)


def render_html(report: Report) -> bytes:
    """Return the report as one self-contained HTML page (UTF-8)."""
    kpis = "".join(
        f"<li><strong>{escape(cell_text(v))}</strong>{escape(name)}</li>"
        for name, v in report.headline
    )
    linkage = report.last_linkage.strftime("%d/%m/%Y %H:%M") if report.last_linkage else "sin datos"
    nav = "".join(
        f'<li><a href="#{escape(s.key)}">{escape(s.title)}</a></li>' for s in report.sections
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    page = (
        '<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(report.title)}</h1><p class=sub>{escape(report.subtitle)}</p>"
        f'<p class="meta">Generado el {report.generated_at:%d/%m/%Y %H:%M} UTC · última '
        f"vinculación: {linkage}"
        + (f" · cifras reservadas por debajo de {report.threshold}" if report.suppressed else "")
        + f'</p></header><main><ul class="kpis">{kpis}</ul>'
        f'<nav aria-label="Contenido"><h2>Contenido</h2><ol>{nav}</ol></nav>'
        + "".join(_section(s) for s in report.sections)
        + f'<section id="notas"><h2>Notas y reglas de conteo</h2><ul class="notes">{notes}</ul>'
        "</section></main></body></html>"
    )
    return page.encode("utf-8")

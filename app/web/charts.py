"""Server-side SVG charts with titles for screen readers and the numbers written beside."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["RESERVED", "Series", "bar_chart", "fmt_number", "year_chart"]

RESERVED = "—"  # a hidden (suppressed) value, as the reports write it
_ids = itertools.count(1)
_PALETTE = ("#1f4e79", "#b45309", "#047857", "#6d28d9")  # contrast >= 4.5:1 on white


def fmt_number(value: float | int | None, digits: int = 0) -> str:
    """Write a number the Peruvian way (thin groups with spaces), or — when hidden."""
    if value is None:
        return RESERVED
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",")


def _uid(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    digits: int = 0,
    width: int = 460,
) -> Markup:
    """Return a horizontal bar chart; a hidden value shows — and no bar."""
    row, label_w, value_w = 22, 170, 70
    bar_w = width - label_w - value_w
    height = row * len(items) + 8
    top = max((v for _, v in items if v is not None), default=0) or 1
    tid = _uid("c")
    desc = "; ".join(f"{k}: {fmt_number(v, digits)}" for k, v in items)
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{tid}t {tid}d" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{tid}t">{escape(title)}</title><desc id="{tid}d">{escape(desc)}</desc>',
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        text = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="lbl">'
            f"{escape(text)}</text>"
        )
        if value is not None and value > 0:
            w = max(1.0, bar_w * value / top)
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
                f'fill="{_PALETTE[0]}"/>'
            )
        else:
            w = 0.0
        parts.append(
            f'<text x="{label_w + w + 5:.1f}" y="{y + 15}" class="val">'
            f"{escape(fmt_number(value, digits))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a yearly chart; an optional interval is drawn as whiskers."""

    label: str
    values: Sequence[float | None]
    low: Sequence[float | None] | None = None
    high: Sequence[float | None] | None = None
    dashed: bool = False


def year_chart(
    years: Sequence[int], series: Sequence[Series], *, title: str, width: int = 620
) -> Markup:
    """Return a line chart of yearly series with a legend; hidden values break the line."""
    height, left, right, top, bottom = 280, 48, 16, 16, 76
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(
        (v for s in series for v in itertools.chain(s.values, s.high or ()) if v is not None),
        default=0,
    )
    peak = peak or 1
    n = max(len(years) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    tid = _uid("c")
    desc = ". ".join(
        f"{s.label}: "
        + ", ".join(f"{yr} {fmt_number(v, 0)}" for yr, v in zip(years, s.values, strict=True))
        for s in series
    )
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{tid}t {tid}d" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{tid}t">{escape(title)}</title><desc id="{tid}d">{escape(desc)}</desc>',
    ]
    for frac in (0, 0.5, 1):
        gy = top + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" class="lbl">'
            f"{escape(fmt_number(peak * frac))}</text>"
        )
    for i, yr in enumerate(years):
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="lbl">'
            f"{yr}</text>"
        )
    for k, s in enumerate(series):
        color = _PALETTE[k % len(_PALETTE)]
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        segment: list[str] = []
        for i, v in enumerate([*s.values, None]):
            if v is None:
                if len(segment) > 1:
                    parts.append(
                        f'<polyline points="{" ".join(segment)}" fill="none" stroke="{color}" '
                        f'stroke-width="2"{dash}/>'
                    )
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"/>')
        if s.low is not None and s.high is not None:
            for i, (lo, hi) in enumerate(zip(s.low, s.high, strict=True)):
                if lo is not None and hi is not None:
                    parts.append(
                        f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(lo):.1f}" '
                        f'y2="{y(hi):.1f}" stroke="{color}" stroke-width="1.5"/>'
                    )
        lx = left + (k % 2) * (plot_w // 2)
        ly = height - 34 + (k // 2) * 20
        parts.append(
            f'<line x1="{lx}" x2="{lx + 18}" y1="{ly - 4}" y2="{ly - 4}" stroke="{color}" '
            f'stroke-width="3"{dash}/><text x="{lx + 23}" y="{ly}" class="lbl">'
            f"{escape(s.label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))

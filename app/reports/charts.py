"""Chart layout once, drawn twice: shapes in page coordinates (y down) for SVG and PDF."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from app.reports.schemas import Chart

__all__ = ["PALETTE", "Canvas", "Circle", "Line", "Rect", "Text", "fmt", "layout"]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
INK, GRID, MUTED = "#222222", "#DDDDDD", "#666666"
_UP, _DOWN, _TOTAL = "#0072B2", "#D55E00", "#444444"


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0


@dataclass(frozen=True, slots=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 11.0
    anchor: Literal["start", "middle", "end"] = "start"
    fill: str = INK
    bold: bool = False


Shape = Rect | Line | Circle | Text


@dataclass(frozen=True, slots=True)
class Canvas:
    width: float
    height: float
    shapes: tuple[Shape, ...]


def fmt(value: float, unit: str = "") -> str:
    """Return a number as Spanish readers write it (thin space for thousands, comma decimal)."""
    if unit.startswith("por"):
        return f"{value:,.2f}".replace(",", " ").replace(".", ",")
    sign = "−" if value < 0 else ""
    return sign + f"{abs(value):,.0f}".replace(",", " ")


def _width(text: str, size: float) -> float:
    return len(text) * size * 0.55


def _clip(text: str, size: float, room: float) -> str:
    limit = max(4, int(room / (size * 0.55)))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legend(names: list[str], x: float, y: float) -> list[Shape]:
    shapes: list[Shape] = []
    for i, name in enumerate(names):
        shapes += [Rect(x, y - 9, 10, 10, PALETTE[i % len(PALETTE)]), Text(x + 14, y, name, 10)]
        x += 24 + _width(name, 10)
    return shapes


def _bars(chart: Chart, width: float) -> Canvas:
    size, n = 11.0, len(chart.series)
    label_w = min(width * 0.42, max((_width(c, size) for c in chart.categories), default=0) + 8)
    left, right = label_w + 8, width - 70
    values = [v for _, s in chart.series for v in s if v is not None]
    low, high = min([0.0, *values]), max([0.0, *values]) or 1.0
    scale = (right - left) / ((high - low) or 1.0)
    zero = left - low * scale
    bar_h, gap = 14.0, 10.0
    top = 28.0 if n > 1 else 8.0
    shapes: list[Shape] = _legend([s for s, _ in chart.series], left, 16) if n > 1 else []
    y = top
    waterfall = chart.kind == "waterfall"
    running = 0.0
    last = len(chart.categories) - 1
    for i, cat in enumerate(chart.categories):
        block = n * bar_h
        shapes.append(Text(left - 8, y + block / 2 + 4, _clip(cat, size, label_w), size, "end"))
        for j, (_, series) in enumerate(chart.series):
            v = series[i]
            by = y + j * bar_h
            if v is None:
                shapes.append(Text(zero + 4, by + 11, "— reservado", 10, fill=MUTED))
                continue
            if waterfall and 0 < i < last:
                a, b = running, running + v
                running = b
                colour = _UP if v >= 0 else _DOWN
                text = ("+" if v > 0 else "") + fmt(v, chart.unit)
            else:
                a, b = 0.0, v
                running = v if waterfall else running
                colour = _TOTAL if waterfall else PALETTE[j % len(PALETTE)]
                text = fmt(v, chart.unit)
            x0, x1 = zero + min(a, b) * scale, zero + max(a, b) * scale
            shapes.append(Rect(x0, by + 1, max(x1 - x0, 1.0), bar_h - 2, colour))
            shapes.append(Text(x1 + 4, by + 11, text, 10))
        y += block + gap
    shapes.append(Line(zero, top - 4, zero, y - gap + 4, INK))
    return Canvas(width, y + 4, tuple(shapes))


def _ticks(high: float) -> list[float]:
    step = 10 ** math.floor(math.log10(high / 4)) if high > 0 else 1.0
    for m in (1, 2, 5, 10):
        if high / (step * m) <= 5:
            step *= m
            break
    return [step * i for i in range(int(high / step) + 2)]


def _lines(chart: Chart, width: float) -> Canvas:
    height = 260.0
    left, right, top, bottom = 56.0, width - 20, 34.0, height - 30
    values = [v for _, s in chart.series for v in s if v is not None] or [1.0]
    ticks = _ticks(max(values))
    high = ticks[-1] or 1.0
    shapes: list[Shape] = _legend([s for s, _ in chart.series], left, 16)
    for t in ticks:
        y = bottom - t / high * (bottom - top)
        shapes += [Line(left, y, right, y, GRID), Text(left - 6, y + 4, fmt(t), 10, "end")]
    count = len(chart.categories)
    step = (right - left) / max(count - 1, 1)
    xs = [left + (step * i if count > 1 else (right - left) / 2) for i in range(count)]
    for x, cat in zip(xs, chart.categories, strict=True):
        shapes.append(Text(x, bottom + 18, cat, 10, "middle"))
    for j, (_, series) in enumerate(chart.series):
        colour = PALETTE[j % len(PALETTE)]
        points = [
            (x, bottom - v / high * (bottom - top))
            for x, v in zip(xs, series, strict=True)
            if v is not None
        ]
        shapes += [Line(a[0], a[1], b[0], b[1], colour, 2.5) for a, b in pairwise(points)]
        shapes += [Circle(x, y, 3.5, colour) for x, y in points]
    shapes.append(Line(left, bottom, right, bottom, INK))
    return Canvas(width, height, tuple(shapes))


def layout(chart: Chart, *, width: float = 640.0) -> Canvas:
    """Place the shapes of a chart on a canvas `width` points wide."""
    if chart.kind == "line":
        return _lines(chart, width)
    return _bars(chart, width)

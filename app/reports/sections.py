"""Pure builders: statistics answers -> report sections with Spanish labels and charts."""

from __future__ import annotations

from collections.abc import Sequence

from app.reports.labels import department_label, label
from app.reports.schemas import Chart, Section, Value
from app.statistics.schemas import (
    EstimateRead,
    GapRead,
    RateRead,
    VictimStatsRead,
    YearRead,
)

__all__ = [
    "BREAKDOWNS",
    "breakdown",
    "estimate_section",
    "gaps_section",
    "rates_section",
    "series_section",
    "summary_section",
]

BREAKDOWNS: tuple[tuple[str, str, str], ...] = (
    ("department_facts", "departamento", "Departamento de los hechos"),
    ("sex", "sexo", "Sexo"),
    ("age_fiscal", "edad", "Grupo de edad"),
    ("nationality", "nacionalidad", "Nacionalidad"),
    ("purpose", "finalidad", "Finalidad de explotación"),
)

_GAP_START = {
    "reta_rows": "Cifra publicada por RETA (filas de víctimas)",
    "sistra_rows": "Cifra publicada por SISTRA (filas de víctimas)",
    "reta_rows+sistra_rows": "Suma de las dos cifras publicadas",
}
_GAP_SHORT = {
    "reta_rows": "Cifra RETA",
    "sistra_rows": "Cifra SISTRA",
    "reta_rows+sistra_rows": "RETA + SISTRA",
}
_UNKNOWN = {"desconocido", "Unknown"}


def _pct(part: int | None, total: int | None) -> float | None:
    if part is None or not total:
        return None
    return round(100 * part / total, 1)


def _num(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def summary_section(y: YearRead) -> Section:
    """Return the year's reconciled and raw figures side by side."""
    e = y.estimate
    raw_sum = None if y.reta_rows is None or y.sistra_rows is None else y.reta_rows + y.sistra_rows
    rows: list[tuple[Value, ...]] = [
        ("Víctimas conciliadas (personas distintas)", y.reconciled),
        ("  identificadas", y.identified),
        ("  no identificadas (NN, por identificar)", y.unidentified),
        ("  registradas solo en RETA", y.reta_only),
        ("  registradas solo en SISTRA", y.sistra_only),
        ("  registradas en ambos sistemas", y.both),
        ("Filas de víctimas RETA (todos los delitos)", y.reta_rows),
        ("  de ellas, trata de personas", y.reta_rows_trafficking),
        ("Filas de víctimas SISTRA (todos los delitos)", y.sistra_rows),
        ("  de ellas, trata de personas", y.sistra_rows_trafficking),
        ("Estimación del total de víctimas (Chapman)", e.total if e else None),
        ("  intervalo de confianza 95 %: límite inferior", e.ci_low if e else None),
        ("  intervalo de confianza 95 %: límite superior", e.ci_high if e else None),
    ]
    chart = Chart(
        kind="bar",
        title=f"Cifras publicadas, cifra conciliada y estimación, {y.year}",
        categories=("Cifra RETA", "Cifra SISTRA", "RETA + SISTRA", "Conciliada", "Estimación"),
        series=(
            (
                "Personas",
                (
                    _num(y.reta_rows),
                    _num(y.sistra_rows),
                    _num(raw_sum),
                    _num(y.reconciled),
                    e.total if e else None,
                ),
            ),
        ),
        alt=(
            f"Barras horizontales: RETA publica {y.reta_rows} filas y SISTRA {y.sistra_rows}; "
            f"al conciliar quedan {y.reconciled} personas distintas"
            + (f"; la estimación del total es {e.total:.0f}." if e else ".")
        ),
    )
    return Section(
        key="resumen",
        title="Resumen",
        caption=f"Cifras del año {y.year}: personas distintas frente a las cifras publicadas",
        columns=("Cifra", "Valor"),
        rows=tuple(rows),
        chart=chart,
        notes=(
            "Las cifras publicadas cuentan filas (una por denuncia o carpeta); la cifra "
            "conciliada cuenta personas distintas vinculadas entre ambos sistemas.",
        ),
    )


def _total(y: YearRead) -> float | None:
    return y.estimate.total if y.estimate else None


def series_section(years: Sequence[YearRead]) -> Section:
    """Return the yearly series up to the report's year."""
    rows = tuple((str(y.year), y.reconciled, y.reta_rows, y.sistra_rows, _total(y)) for y in years)
    names = ("Conciliadas", "Filas RETA", "Filas SISTRA")
    chart = Chart(
        kind="line",
        title="Evolución anual: víctimas conciliadas y cifras publicadas",
        categories=tuple(str(y.year) for y in years),
        series=tuple((name, tuple(_num(r[i + 1]) for r in rows)) for i, name in enumerate(names)),
        alt="Líneas por año de las víctimas conciliadas y de las filas de RETA y SISTRA: "
        + "; ".join(f"{r[0]}: {r[1]}, {r[2]}, {r[3]}" for r in rows)
        + ".",
    )
    return Section(
        key="serie",
        title="Serie anual",
        caption="Víctimas conciliadas y cifras publicadas por año de registro",
        columns=("Año", "Víctimas conciliadas", "Filas RETA", "Filas SISTRA", "Estimación"),
        rows=rows,
        chart=chart,
    )


def _gap_rows(g: GapRead) -> list[tuple[Value, ...]]:
    out: list[tuple[Value, ...]] = [(_GAP_START.get(g.start, g.start), g.start_value)]
    out += [(f"  {s.label}", s.value) for s in g.steps]
    out.append(("  Resultado: cifra conciliada (personas distintas)", g.end_value))
    return out


def _gap_chart(g: GapRead, year: int) -> Chart:
    steps = [s for s in g.steps if s.value != 0]
    cats = (
        _GAP_SHORT.get(g.start, g.start),
        *(s.label.split(" (")[0] for s in steps),
        "Conciliada",
    )
    values = (_num(g.start_value), *(_num(s.value) for s in steps), _num(g.end_value))
    return Chart(
        kind="bar" if None in values else "waterfall",
        title=f"De la cifra publicada por RETA a la cifra conciliada, {year}",
        categories=cats,
        series=(("Personas", values),),
        alt=f"Cascada: parte de {g.start_value} filas de RETA; "
        + "; ".join(f"{c}: {v:+.0f}" if v is not None else f"{c}: reservado"
                    for c, v in zip(cats[1:-1], values[1:-1], strict=True))
        + f"; llega a {g.end_value} personas conciliadas.",
    )  # fmt: skip


def gaps_section(y: YearRead) -> Section:
    """Return the three gap decompositions of the year, term by term."""
    rows: list[tuple[Value, ...]] = []
    for g in y.gaps:
        rows += _gap_rows(g)
    return Section(
        key="brechas",
        title="Por qué difieren las cifras",
        caption=f"Descomposición de las brechas entre cifras publicadas y conciliada, {y.year}",
        columns=("Cifra y términos de la brecha", "Personas"),
        rows=tuple(rows),
        chart=_gap_chart(y.gaps[0], y.year) if y.gaps else None,
        notes=("Los términos de cada brecha suman exactamente la diferencia.",),
    )


def _estimate_row(name: str, e: EstimateRead) -> tuple[Value, ...]:
    return (name, e.n1, e.n2, e.m, e.observed, e.total, e.se, e.ci_low, e.ci_high)


def estimate_section(y: YearRead, assumptions: Sequence[str]) -> Section:
    """Return the Chapman estimate of the hidden total, overall and by sex and age."""
    rows: list[tuple[Value, ...]] = []
    e = y.estimate
    if e:
        rows.append(_estimate_row("Total", e))
    for strat, dim in ((y.estimate_by_sex, "sex"), (y.estimate_by_age, "age_minor")):
        if strat:
            for key, stratum in strat.strata.items():
                rows.append(_estimate_row(label(dim, key), stratum))
    chart = (
        Chart(
            kind="bar",
            title=f"Víctimas observadas y total estimado, {y.year}",
            categories=("Observadas", "Estimación", "IC 95 % inferior", "IC 95 % superior"),
            series=(("Personas", (float(e.observed), e.total, e.ci_low, e.ci_high)),),
            alt=f"Se observaron {e.observed} personas; la estimación del total es {e.total:.0f} "
            f"(intervalo de 95 %: {e.ci_low:.0f} a {e.ci_high:.0f}).",
        )
        if e
        else None
    )
    return Section(
        key="estimacion",
        title="Estimación del total oculto",
        caption=f"Estimación de captura-recaptura (Chapman) con dos listas, {y.year}",
        columns=("Estrato", "En RETA", "En SISTRA", "En ambos", "Observadas", "Estimación",
                 "Error estándar", "IC 95 % inferior", "IC 95 % superior"),
        rows=tuple(rows),
        chart=chart,
        notes=tuple(assumptions) if e else ("No se publica la estimación: conteos reservados.",),
    )  # fmt: skip


def _order(items: Sequence[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    # Hidden values go last, alphabetically: their place in a sorted list would betray them.
    shown = sorted(
        (i for i in items if i[1] is not None and i[0] not in _UNKNOWN),
        key=lambda i: (-(i[1] or 0), i[0]),
    )
    hidden = sorted(i for i in items if i[1] is None and i[0] not in _UNKNOWN)
    return shown + hidden + [i for i in items if i[0] in _UNKNOWN]


def breakdown(stats: VictimStatsRead, *, year: int, dim: str, key: str, title: str) -> Section:
    """Return the persons of the year by one dimension, with shares, as a section."""
    cells = [c for c in stats.cells if c.key.get("year") == str(year)]
    total = next((c.persons for c in cells if c.key.get(dim) == "total"), None)
    items = _order([(c.key[dim], c.persons) for c in cells if c.key.get(dim) != "total"])
    rows: list[tuple[Value, ...]] = [(label(dim, v), n, _pct(n, total)) for v, n in items]
    rows.append(("Total", total, 100.0 if total else None))
    chart = Chart(
        kind="bar",
        title=f"Víctimas por {title.lower()}, {year}",
        categories=tuple(str(r[0]) for r in rows[:-1]),
        series=(("Personas", tuple(_num(r[1]) for r in rows[:-1])),),
        alt=f"Barras horizontales de víctimas por {title.lower()}: "
        + "; ".join(f"{r[0]}: {'reservado' if r[1] is None else r[1]}" for r in rows[:-1])
        + ".",
    )
    return Section(
        key=key,
        title=title,
        caption=f"Víctimas conciliadas por {title.lower()}, {year}",
        columns=(title, "Personas", "% del total"),
        rows=tuple(rows),
        chart=chart,
    )


def rates_section(rates: Sequence[RateRead], *, year: int) -> Section:
    """Return victims per 100,000 inhabitants by department of residence."""
    mine = [r for r in rates if r.year == year and r.basis == "residence" and r.population]
    shown = sorted(
        (r for r in mine if r.rate_per_100k is not None),
        key=lambda r: (-(r.rate_per_100k or 0), r.department),
    )
    hidden = sorted((r for r in mine if r.rate_per_100k is None), key=lambda r: r.department)
    ordered = shown + hidden
    rows = tuple(
        (department_label(r.department), r.persons, r.population, r.rate_per_100k) for r in ordered
    )
    chart = Chart(
        kind="bar",
        title=f"Víctimas por 100 000 habitantes según departamento de residencia, {year}",
        categories=tuple(str(r[0]) for r in rows),
        series=(("Tasa por 100 000", tuple(r.rate_per_100k for r in ordered)),),
        alt="Barras horizontales de la tasa por 100 000 habitantes: "
        + "; ".join(f"{r[0]}: {'reservada' if r[3] is None else r[3]}" for r in rows)
        + ".",
        unit="por 100 000 hab.",
    )
    return Section(
        key="tasas",
        title="Tasas por departamento",
        caption=f"Víctimas por 100 000 habitantes, departamento de residencia, {year}",
        columns=("Departamento", "Personas", "Población (2020, aprox.)", "Tasa por 100 000"),
        rows=rows,
        chart=chart if rows else None,
        notes=(
            "Población aproximada de 2020 por departamento (tablas de ubigeo); las víctimas "
            "sin departamento de residencia conocido no entran en las tasas.",
        ),
    )

"""Panorama: reconciled victims, gaps, the hidden-total estimate, breakdowns and rates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.deps import SessionDep
from app.reports.labels import label
from app.statistics import router as statistics_api
from app.statistics.schemas import CellRead, RateRead, VictimQuery, VictimStatsRead, YearRead
from app.web._pages import WebRoute, WebUser, page_access, render
from app.web.charts import Series, bar_chart, year_chart

__all__ = ["BREAKDOWNS", "router"]

router = APIRouter(route_class=WebRoute)

Access = Annotated[WebUser, Depends(page_access("panorama"))]

BREAKDOWNS: dict[str, str] = {
    "department_residence": "Departamento de residencia",
    "department_facts": "Departamento de los hechos",
    "sex": "Sexo",
    "age_ctdc": "Grupo de edad",
    "age_minor": "Menor o adulto",
    "nationality": "Nacionalidad",
    "purpose": "Finalidad de explotación",
}
_DEFAULT = ["department_residence", "sex", "age_ctdc", "nationality", "purpose"]

_GAP_START = {
    "reta_rows": "Filas de víctimas en RETA",
    "sistra_rows": "Filas de víctimas en SISTRA",
    "reta_rows+sistra_rows": "Filas de RETA más filas de SISTRA",
}


def _stats(
    web: WebUser, session: SessionDep, base: VictimQuery, group_by: list[str]
) -> VictimStatsRead:
    query = base.model_copy(update={"group_by": group_by})
    # The API's own route: the same counting and the same suppression rule for this role.
    result: VictimStatsRead = statistics_api.victims_read(web[1], session, query)
    return result


def _breakdown(cells: list[CellRead], dim: str, year: int) -> dict[str, Any]:
    rows = [c for c in cells if c.key.get("year") == str(year)]
    total = next((c.persons for c in rows if c.key.get(dim) == "total"), None)
    items = [(label(dim, c.key[dim]), c.persons) for c in rows if c.key.get(dim) != "total"]
    items.sort(key=lambda kv: (kv[1] is None, -(kv[1] or 0), kv[0]))
    return {
        "dim": dim,
        "title": BREAKDOWNS[dim],
        "items": items,
        "total": total,
        "chart": bar_chart(items, title=f"{BREAKDOWNS[dim]}, {year}"),
    }


def _rates(rates: list[RateRead], year: int) -> dict[str, Any]:
    rows = [r for r in rates if r.year == year and r.basis == "residence"]
    rows.sort(key=lambda r: (r.rate_per_100k is None, -(r.rate_per_100k or 0), r.department))
    items = [(label("department_residence", r.department), r.rate_per_100k) for r in rows]
    return {
        "rows": [(label("department_residence", r.department), r) for r in rows],
        "chart": bar_chart(
            items, title=f"Víctimas por 100 000 habitantes por departamento, {year}", digits=1
        ),
    }


def _year_chart(years: list[YearRead]) -> Any:
    est = [y.estimate for y in years]
    return year_chart(
        [y.year for y in years],
        [
            Series("Conciliadas", [y.reconciled for y in years]),
            Series("RETA (filas)", [y.reta_rows for y in years], dashed=True),
            Series("SISTRA (filas)", [y.sistra_rows for y in years], dashed=True),
            Series(
                "Total estimado (IC 95 %)",
                [e.total if e else None for e in est],
                low=[e.ci_low if e else None for e in est],
                high=[e.ci_high if e else None for e in est],
            ),
        ],
        title="Víctimas por año: conciliadas, cifras propias de cada sistema y total estimado",
    )


@router.get("/ui/panorama")
def panorama(
    request: Request,
    web: Access,
    session: SessionDep,
    desde: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    hasta: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    base: Literal["registration", "facts"] = "registration",
    delito: Literal["", "trafficking", "related"] = "",
    anio: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    desglose: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """Show reconciled victims per year with gaps, estimate, breakdowns and rates."""
    dims = [d for d in (desglose or _DEFAULT) if d in BREAKDOWNS]
    query = VictimQuery(
        year_from=desde, year_to=hasta, date_basis=base, offence_family=delito or None
    )
    stats = _stats(web, session, query, [])
    years = stats.years
    year_list = [y.year for y in years]
    chosen = anio if anio in year_list else (year_list[-1] if year_list else None)
    current = next((y for y in years if y.year == chosen), None)
    breakdowns = []
    if chosen is not None:
        for dim in dims:
            breakdowns.append(_breakdown(_stats(web, session, query, [dim]).cells, dim, chosen))
    return render(
        request,
        "panorama.html",
        {
            "stats": stats,
            "years": years,
            "year_list": year_list,
            "chosen": chosen,
            "current": current,
            "chart": _year_chart(years) if years else None,
            "breakdowns": breakdowns,
            "rates": _rates(stats.rates, chosen) if chosen is not None else None,
            "gap_start": _GAP_START,
            "options": BREAKDOWNS,
            "dims": dims,
            "form": {"desde": desde, "hasta": hasta, "base": base, "delito": delito},
        },
        web=web,
    )

"""The `intertrata stats` commands: thin wrappers around the statistics service."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.db import session_scope

if TYPE_CHECKING:
    from app.statistics.schemas import VictimStatsRead, YearRead

__all__ = ["stats_app", "year_json"]

stats_app = typer.Typer(help="Estadísticas de víctimas distintas.", no_args_is_help=True)

out = Console()


@stats_app.callback()
def _group() -> None:
    """Estadísticas de víctimas distintas (RETA y SISTRA conciliados)."""


_LABELS = (
    ("reconciled", "Víctimas conciliadas"),
    ("identified", "  identificadas"),
    ("unidentified", "  no identificadas"),
    ("reta_only", "Solo RETA"),
    ("sistra_only", "Solo SISTRA"),
    ("both", "En ambos"),
    ("reta_rows", "Filas RETA (todos los delitos)"),
    ("reta_rows_trafficking", "Filas RETA (trata)"),
    ("sistra_rows", "Filas SISTRA (todos los delitos)"),
    ("sistra_rows_trafficking", "Filas SISTRA (trata)"),
)


def year_json(stats: VictimStatsRead, year: YearRead) -> dict[str, Any]:
    """Return one year's figures as a flat JSON object, with the rules."""
    data = year.model_dump(mode="json")
    data["estimate"] = data["estimate"] or {"total": None, "ci_low": None, "ci_high": None}
    data["cells"] = [c.model_dump() for c in stats.cells if c.key.get("year") == str(year.year)]
    data["rules"] = [r.model_dump() for r in stats.rules]
    data["assumptions"] = stats.assumptions
    data["suppressed"] = stats.suppressed
    return data


def _show(value: int | float | None) -> str:
    return "—" if value is None else f"{value:,}".replace(",", " ")


@stats_app.command("victims")
def victims(
    year: Annotated[int | None, typer.Option(help="Un solo año")] = None,
    year_from: Annotated[int | None, typer.Option(help="Desde el año")] = None,
    year_to: Annotated[int | None, typer.Option(help="Hasta el año")] = None,
    basis: Annotated[str, typer.Option(help="registration o facts")] = "registration",
    offence_family: Annotated[str | None, typer.Option(help="trafficking o related")] = None,
    group_by: Annotated[list[str] | None, typer.Option(help="Dimensión (repetible)")] = None,
    where: Annotated[list[str] | None, typer.Option(help="dimension:valor (repetible)")] = None,
    suppress: Annotated[bool, typer.Option(help="Aplicar supresión de celdas pequeñas")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table o json")] = "table",
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Como se sabía ese día (AAAA-MM-DD)"),
    ] = None,
) -> None:
    """Count distinct victims per year, next to each system's own figure."""
    # Imported here: every other `intertrata` command would pay for NumPy and the service.
    from app.statistics import service
    from app.statistics.schemas import VictimQuery, YearRead

    day: date | None = as_of.date() if as_of is not None else None
    filters: dict[str, list[str]] = {}
    for item in where or []:
        dim, _, value = item.partition(":")
        filters.setdefault(dim, []).append(value)
    try:
        query = VictimQuery(
            year_from=year if year is not None else year_from,
            year_to=year if year is not None else year_to,
            date_basis="facts" if basis == "facts" else "registration",
            offence_family=offence_family,
            where=filters,
            group_by=group_by or [],
        )
        with session_scope() as session:
            stats = service.victim_statistics(
                session, query=query, suppress_small=suppress, as_of=day
            )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if fmt == "json":
        if year is not None:
            found = next((y for y in stats.years if y.year == year), None)
            if found is None:
                found = YearRead(year=year, **dict.fromkeys(n for n, _ in _LABELS))
            typer.echo(json.dumps(year_json(stats, found), ensure_ascii=False))
        else:
            typer.echo(stats.model_dump_json())
        return
    table = Table(title="Víctimas distintas por año")
    table.add_column("Cifra")
    for y in stats.years:
        table.add_column(str(y.year), justify="right")
    for key, label in _LABELS:
        table.add_row(label, *(_show(getattr(y, key)) for y in stats.years))
    table.add_row(
        "Estimación (Chapman)",
        *(_show(y.estimate.total if y.estimate else None) for y in stats.years),
    )
    table.add_row(
        "  IC 95%",
        *(
            f"{y.estimate.ci_low:.0f}–{y.estimate.ci_high:.0f}" if y.estimate else "—"
            for y in stats.years
        ),
    )
    table.add_row(
        "  IC 95% con dependencia",
        *(
            f"{y.estimate_bounds.ci_low:.0f}–{y.estimate_bounds.ci_high:.0f}"
            if y.estimate_bounds
            else "—"
            for y in stats.years
        ),
    )
    out.print(table)
    if stats.as_of is not None:
        out.print(
            f"[dim]Como se sabía al {stats.as_of.isoformat()} (revinculado en memoria).[/dim]"
        )
    for rule in stats.rules:
        out.print(f"[dim]• {rule.text}[/dim]")

"""The `intertrata report` commands: thin wrappers around the report service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.db import session_scope

# The report service and renderers (ReportLab, openpyxl) are imported inside the commands:
# every other `intertrata` command would otherwise pay a second for them at start-up.
FORMATS = ("xlsx", "csv", "pdf", "html")  # app.reports.render.FORMATS (a test keeps them equal)
DEFAULT_K = 11  # app.reports.ctdc.DEFAULT_K (a test keeps them equal)

__all__ = ["report_app"]

report_app = typer.Typer(help="Informes para la secretaría e intercambio internacional.",
                         no_args_is_help=True)  # fmt: skip

_SUPPRESS_HELP = "Ocultar celdas pequeñas (como para la secretaría)"


@report_app.callback()
def _group() -> None:
    """Informes para la secretaría e intercambio internacional."""


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise typer.BadParameter(f"formato desconocido '{fmt}': use {', '.join(FORMATS)}")
    return fmt


def _write(content: bytes, out: Path | None, default: str) -> None:
    path = out or Path(default)
    if path.is_dir():
        path = path / default
    path.write_bytes(content)
    typer.echo(str(path))


@report_app.command("annual")
def annual(
    year: int,
    fmt: Annotated[str, typer.Option("--format", help="xlsx, csv, pdf o html")] = "pdf",
    out: Annotated[Path | None, typer.Option(help="Archivo o carpeta de salida")] = None,
    suppress: Annotated[bool, typer.Option(help=_SUPPRESS_HELP)] = True,
) -> None:
    """Write the annual report of a year."""
    from app.reports import service
    from app.reports.render import render

    with session_scope() as session:
        try:
            report = service.annual_report(session, year=year, suppress_small=suppress)
        except LookupError as exc:
            raise typer.BadParameter(str(exc)) from exc
    content, _, name = render(report, _format(fmt))
    _write(content, out, name)


@report_app.command("glotip")
def glotip(
    year: int,
    fmt: Annotated[str, typer.Option("--format", help="xlsx, csv, pdf o html")] = "xlsx",
    out: Annotated[Path | None, typer.Option(help="Archivo o carpeta de salida")] = None,
    suppress: Annotated[bool, typer.Option(help=_SUPPRESS_HELP)] = True,
) -> None:
    """Write the GLOTIP-style tables of a year."""
    from app.reports import service
    from app.reports.render import render

    if out is not None and out.suffix.lstrip(".") in FORMATS:
        fmt = out.suffix.lstrip(".")
    with session_scope() as session:
        report = service.glotip_report(session, year=year, suppress_small=suppress)
    content, _, name = render(report, _format(fmt))
    _write(content, out, name)


@report_app.command("ctdc")
def ctdc(
    k: Annotated[int, typer.Option(min=2, help="Tamaño mínimo de cada combinación")] = (DEFAULT_K),
    out: Annotated[Path | None, typer.Option(help="Archivo o carpeta de salida")] = None,
) -> None:
    """Write victims in the CTDC / HTCDS layout, k-anonymised."""
    from app.reports import service
    from app.reports.csvout import render_ctdc_csv

    with session_scope() as session:
        export = service.ctdc_export(session, k=k)
    _write(render_ctdc_csv(export), out, f"victimas-ctdc-k{k}.csv")
    typer.echo(
        f"{len(export.rows)} filas de {export.total}; {export.suppressed} suprimidas "
        f"(k={export.k})",
        err=True,
    )

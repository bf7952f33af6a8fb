"""The `intertrata` command: thin wrappers around the services."""

from __future__ import annotations

import csv
import getpass
import json
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from app.adapters import SourceFileError
from app.auth import service as auth_service
from app.auth.roles import Role
from app.config import get_settings
from app.db import session_scope
from app.ingest import service as ingest_service
from app.linkage.dedupe import FIELDS as DEDUPE_FIELDS
from app.migrate import upgrade
from app.models import CaseMember, PersonMember
from app.models._types import utcnow
from app.privacy import DataKeyError, generate_data_key, get_sealer
from app.privacy.service import verify_data_key
from app.reports.cli import report_app
from app.schema import System
from app.statistics.cli import stats_app

__all__ = ["app", "main"]

app = typer.Typer(help="Intertrata: RETA and SISTRA interoperability.", no_args_is_help=True)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
ingest_app = typer.Typer(help="Ingest an export file of one system.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
export_app = typer.Typer(help="Export linkage results.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(export_app, name="export")
app.add_typer(stats_app, name="stats")
app.add_typer(report_app, name="report")
app.add_typer(ingest_app, name="ingest")
app.add_typer(keys_app, name="keys")

out = Console()
err = Console(stderr=True)

_PROGRESS_MIN_BYTES = 2 * 1024 * 1024
_PARALLEL_MIN_BYTES = 4 * 1024 * 1024


def _ready() -> None:
    try:
        get_sealer()  # no data key on PostgreSQL: stop before touching any row
        if upgrade():
            err.print("[dim]Base de datos migrada a la última versión.[/dim]")
        with session_scope() as session:
            verify_data_key(session)
    except DataKeyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _cli_user() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations up to REVISION."""
    applied = upgrade(revision)
    out.print("Migraciones aplicadas." if applied else "La base de datos ya está al día.")


def _count_rows(path: Path) -> int | None:
    if path.suffix.lower() == ".xlsx":
        return None
    with path.open("rb") as fh:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1, 0)


def summary_dict(outcome: ingest_service.BatchOutcome) -> dict[str, Any]:
    """Return a batch outcome as the JSON object the CLI prints."""
    b = outcome.batch
    return {
        "batch_id": b.id,
        "system": b.system,
        "file": b.filename,
        "received": b.received,
        "new": b.new,
        "updated": b.updated,
        "unchanged": b.unchanged,
        "rejected": b.rejected,
        "rejections": [r.__dict__ for r in outcome.rejections],
    }


def _parse_workers(path: Path) -> int:
    """Return how many processes parse a file: one per core for large files, else none."""
    # Starting the workers costs about half a second: worth it only for large files.
    if path.stat().st_size < _PARALLEL_MIN_BYTES:
        return 1
    return min(get_settings().ingest_workers or (os.cpu_count() or 1), 8)


def _ingest(system: System, path: Path, as_json: bool, link: bool | None = None) -> None:
    _ready()
    if not path.is_file():
        err.print(f"[red]No existe el archivo {path}[/red]")
        raise typer.Exit(2)
    show = not as_json and path.stat().st_size >= _PROGRESS_MIN_BYTES
    # The parser processes start before the progress bar's thread (see parse_pool).
    with path.open("rb") as stream, ingest_service.parse_pool(_parse_workers(path)) as pool:
        try:
            with (
                session_scope() as session,
                Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=err,
                    disable=not show,
                ) as progress,
            ):
                total = _count_rows(path) if show else None
                task = progress.add_task(f"{system.value} {path.name}", total=total)
                outcome = ingest_service.ingest_file(
                    session,
                    system=system,
                    stream=stream,
                    filename=path.name,
                    pushed_by=_cli_user(),
                    channel="cli",
                    progress=lambda n: progress.advance(task, n),
                    pool=pool,
                )
                summary = summary_dict(outcome)
        except SourceFileError as exc:
            with session_scope() as session:
                ingest_service.record_failed_batch(
                    session,
                    system=system,
                    pushed_by=_cli_user(),
                    channel="cli",
                    filename=path.name,
                    error=exc.message,
                )
            if as_json:
                print(json.dumps({"error": exc.message, "file": path.name}, ensure_ascii=False))
            else:
                err.print(f"[red]Archivo rechazado:[/red] {exc.message}")
            raise typer.Exit(2) from exc
    do_link = get_settings().link_after_ingest if link is None else link
    if do_link and (summary["new"] or summary["updated"]):
        run = _link(full=False, quiet=as_json)
        if run is not None:
            summary["link_run"] = run
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
        return
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title=f"Lote {summary['batch_id']} · {summary['system']} · {summary['file']}")
    for label in ("recibidas", "nuevas", "actualizadas", "sin cambios", "rechazadas"):
        table.add_column(label, justify="right")
    table.add_row(
        *(str(summary[k]) for k in ("received", "new", "updated", "unchanged", "rejected"))
    )
    out.print(table)
    if summary["rejections"]:
        rej = Table(title="Filas rechazadas")
        for label in ("fila", "id", "columna", "motivo"):
            rej.add_column(label)
        for r in summary["rejections"][:200]:
            rej.add_row(str(r["row"]), r["row_id"] or "", r["column"], r["reason"])
        out.print(rej)
        if len(summary["rejections"]) > 200:
            out.print(f"... y {len(summary['rejections']) - 200} más (use --json).")


JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")]
LinkOpt = Annotated[
    bool | None,
    typer.Option(
        "--link/--no-link", help="Link after ingest (default: INTERTRATA_LINK_AFTER_INGEST)."
    ),
]
FileArg = Annotated[Path, typer.Argument(help="Export file (format from the extension).")]


@ingest_app.command("reta")
def ingest_reta(file: FileArg, as_json: JsonOpt = False, link: LinkOpt = None) -> None:
    """Ingest a RETA export (.csv in cp1252 with ';', or .xlsx)."""
    _ingest(System.RETA, file, as_json, link)


@ingest_app.command("sistra")
def ingest_sistra(file: FileArg, as_json: JsonOpt = False, link: LinkOpt = None) -> None:
    """Ingest a SISTRA export (.csv in UTF-8, or .jsonl)."""
    _ingest(System.SISTRA, file, as_json, link)


def _link(*, full: bool, quiet: bool) -> dict[str, Any] | None:
    from app.linkage.service import LINK_STAGES, run_linkage
    from app.linkage.views import run_view

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]Enlace:[/bold] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet,
    ) as progress:
        # One step per stage run_linkage reports (LINK_STAGES: load, link, store, statistics).
        task = progress.add_task("inicio", total=LINK_STAGES)
        with session_scope() as session:
            run = run_linkage(
                session,
                full=full,
                trigger=_cli_user(),
                progress=lambda stage: progress.update(task, description=stage, advance=1),
            )
            return run_view(run) if run is not None else None


@app.command()
def link(
    full: Annotated[bool, typer.Option("--full", help="Rebuild from scratch.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Link what changed since the last run into persons and cases."""
    _ready()
    run = _link(full=full, quiet=as_json)
    if as_json:
        print(json.dumps(run, ensure_ascii=False, default=str))
        return
    if run is None:
        out.print("Nada cambió desde el último enlace; use --full para reconstruir.")
        return
    table = Table(title=f"Enlace {run['id']} ({run['mode']}) en {run['seconds']:.1f} s")
    for label in (
        "registros",
        "pares",
        "enlaces",
        "inferidos",
        "personas",
        "casos",
        "a revisar",
        "fusiones",
        "divisiones",
    ):
        table.add_column(label, justify="right")
    table.add_row(
        *(
            str(run[k])
            for k in (
                "records",
                "pairs",
                "links",
                "inferred",
                "persons",
                "cases",
                "review",
                "merges",
                "splits",
            )
        )
    )
    out.print(table)


OutOpt = Annotated[Path, typer.Option("--out", help="CSV file to write.")]


def _export(model: type[PersonMember] | type[CaseMember], column: str, path: Path) -> None:
    from app.linkage.repository import export_members

    _ready()
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with session_scope() as session, path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["system", "row_id", column])
        for system, row_id, ident in export_members(session, model=model):
            writer.writerow([system, row_id, ident])
            n += 1
    out.print(f"{n} filas escritas en {path}")


@export_app.command("persons")
def export_persons(out_file: OutOpt) -> None:
    """Write system,row_id,person_id for every stored row."""
    _export(PersonMember, "person_id", out_file)


@export_app.command("cases")
def export_cases(out_file: OutOpt) -> None:
    """Write system,row_id,case_id for every stored row."""
    _export(CaseMember, "case_id", out_file)


@app.command()
def dedupe(
    file: Annotated[Path, typer.Argument(help="CSV person list (UTF-8, comma).")],
    id_column: Annotated[str, typer.Option(help="Column with a unique row id.")],
    mapping: Annotated[
        str,
        typer.Option(
            "--map",
            help="given_name=COL,surname=COL,dob=COL,... (fields: "
            + ", ".join(DEDUPE_FIELDS)
            + ")",
        ),
    ],
    out_file: OutOpt,
) -> None:
    """Deduplicate any person list with the linkage core; adds a person_id column."""
    from app.linkage.dedupe import dedupe_csv, parse_mapping

    try:
        summary = dedupe_csv(
            file, id_column=id_column, mapping=parse_mapping(mapping), out=out_file
        )
    except (ValueError, OSError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    out.print(
        f"{summary.rows} filas, {summary.persons} personas, {summary.duplicates} duplicados; "
        f"escrito en {out_file}"
    )


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="Role of the key.")],
    system: Annotated[System | None, typer.Option(help="System of an agency key.")] = None,
    name: Annotated[str, typer.Option(help="Label for the key.")] = "",
    expires_days: Annotated[int | None, typer.Option(help="Days until it expires.")] = None,
) -> None:
    """Create an API key and print it once, alone on the last line."""
    _ready()
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    try:
        with session_scope() as session:
            key, token = auth_service.create_key(
                session, role=role, system=system, name=name, expires_at=expires
            )
    except auth_service.KeyRequestError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    out.print(
        f"Clave {key.id} creada (rol {key.role}{', sistema ' + key.system if key.system else ''})."
    )
    out.print("Guárdela ahora: no se volverá a mostrar.")
    print(token)


@keys_app.command("data-key")
def keys_data_key() -> None:
    """Print a new data key for INTERTRATA_DATA_KEY (keep it apart from the database)."""
    print(generate_data_key())


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never their secrets)."""
    _ready()
    with session_scope() as session:
        keys = auth_service.list_keys(session)
        table = Table()
        table.add_column("id", no_wrap=True, min_width=12)
        for label in ("nombre", "rol", "sistema", "creada", "vence", "revocada"):
            table.add_column(label)
        for k in keys:
            table.add_row(
                k.id,
                k.name,
                k.role,
                k.system or "",
                f"{k.created_at:%Y-%m-%d}",
                f"{k.expires_at:%Y-%m-%d}" if k.expires_at else "",
                f"{k.revoked_at:%Y-%m-%d}" if k.revoked_at else "",
            )
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke an API key."""
    _ready()
    try:
        with session_scope() as session:
            auth_service.revoke_key(session, key_id=key_id)
    except auth_service.KeyRequestError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    out.print(f"Clave {key_id} revocada.")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the exports.")] = Path(
        "var/demo"
    ),
    seed: Annotated[int, typer.Option(help="Random seed of the world.")] = 7,
    scale: Annotated[float, typer.Option(help="1.0 is about the national volume.")] = 1.0,
    noise: Annotated[str, typer.Option(help="default or hard.")] = "default",
    ingest: Annotated[bool, typer.Option(help="Ingest the exports after writing them.")] = True,
) -> None:
    """Generate a synthetic RETA and SISTRA world with its ground truth, and ingest it."""
    from app.demo.generator import WorldConfig, generate_world, write_world

    _ready()
    with err.status("Generando el mundo de demostración..."):
        world = generate_world(WorldConfig(seed=seed, scale=scale, noise=noise))
        paths = write_world(world, out_dir, xlsx=True)
    out.print(f"Exportaciones y verdad de referencia escritas en {out_dir}/")
    if not ingest:
        return
    for system, name in (
        (System.RETA, "reta.csv"),
        (System.SISTRA, "sistra.csv"),
        (System.RETA, "reta_corrections.csv"),
        (System.SISTRA, "sistra_corrections.csv"),
    ):
        _ingest(system, paths[name], as_json=False, link=False)
    link(full=False, as_json=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Run the API with uvicorn."""
    import uvicorn

    _ready()
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, log_level="info")


def main() -> None:
    """Run the CLI."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()

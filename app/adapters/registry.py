"""Which adapter handles which system: required columns, column validation and row dispatch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from app.adapters import reta, sistra
from app.schema.record import CommonRecord, RowError, RowIssue
from app.schema.vocab import System

__all__ = ["REQUIRED_COLUMNS", "SourceFileError", "parse_row", "validate_columns"]


class SourceFileError(Exception):
    """The whole file (or pushed batch) is unusable; ``message`` is Spanish, human readable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


REQUIRED_COLUMNS: dict[System, tuple[str, ...]] = {
    System.RETA: reta.COLUMNS,
    System.SISTRA: sistra.COLUMNS,
}

_EXPECTED_SETS = {system: frozenset(columns) for system, columns in REQUIRED_COLUMNS.items()}

_PARSERS: dict[System, Callable[[int, Mapping[str, Any]], CommonRecord | RowError]] = {
    System.RETA: reta.parse_row,
    System.SISTRA: sistra.parse_row,
}


def _listing(names: Iterable[str], limit: int = 8) -> str:
    items = sorted(names)
    shown = ", ".join(items[:limit])
    return shown + (f" (y {len(items) - limit} más)" if len(items) > limit else "")


def validate_columns(system: System, columns: Iterable[str]) -> None:
    """Check a header (or a pushed object's keys) against the system's columns."""
    names = list(columns)
    expected = REQUIRED_COLUMNS[system]
    if len(names) == len(expected) and set(names) == _EXPECTED_SETS[system]:
        return  # the normal case, checked per object for JSON pushes: keep it cheap
    duplicated = {n for n in names if names.count(n) > 1}
    present = set(names)
    missing = [c for c in expected if c not in present]
    unexpected = present - set(expected)
    if not (missing or unexpected or duplicated):
        return
    parts: list[str] = []
    if missing:
        parts.append(f"faltan columnas: {_listing(missing)}")
    if unexpected:
        parts.append(f"columnas no esperadas: {_listing(unexpected)}")
    if duplicated:
        parts.append(f"columnas repetidas: {_listing(duplicated)}")
    other = System.SISTRA if system is System.RETA else System.RETA
    hint = ""
    if present and present >= set(REQUIRED_COLUMNS[other]):
        hint = f"; parece un archivo de {other.value}"
    raise SourceFileError(f"Encabezado {system.value} inválido: {'; '.join(parts)}{hint}.")


def parse_row(system: System, row_number: int, raw: Mapping[str, Any]) -> CommonRecord | RowError:
    """Parse one source row of a system; never raises on bad data."""
    try:
        return _PARSERS[system](row_number, raw)
    except Exception:  # a parser bug must cost one row, not the whole file
        row_id = raw.get("ID_REGISTRO" if system is System.RETA else "ID_SUJETO")
        return RowError(
            system=system,
            row_number=row_number,
            row_id=row_id if isinstance(row_id, str) else None,
            issues=(RowIssue(column="fila", reason="error interno al interpretar la fila"),),
            raw=dict(raw),
        )

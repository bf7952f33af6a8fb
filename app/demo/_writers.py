"""Export files exactly as the agencies produce them (encodings, delimiters, line ends)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, cast

from app.demo._render import Row, Truth

_encode_str = cast(Any, json.encoder).encode_basestring  # C-accelerated, keeps non-ASCII

RETA_COLUMNS = (
    "ID_REGISTRO", "NRO_DENUNCIA", "DEPENDENCIA", "FECHA_DENUNCIA", "FECHA_HECHO",
    "UBIGEO_HECHO", "DELITO", "FINALIDAD", "FORMA_CAPTACION", "CONDICION", "APELLIDOS_NOMBRES",
    "TIPO_DOC", "NRO_DOC", "SEXO", "EDAD", "FECHA_NAC", "NACIONALIDAD", "UBIGEO_NAC",
    "UBIGEO_DOMICILIO", "ESTADO",
)  # fmt: skip
SISTRA_COLUMNS = (
    "ID_SUJETO", "NRO_CARPETA", "FISCALIA", "DISTRITO_FISCAL", "FECHA_INGRESO", "FECHA_HECHO",
    "UBIGEO_HECHO", "DELITO", "FINALIDAD", "ETAPA", "ORIGEN", "NRO_DENUNCIA_PNP", "TIPO_SUJETO",
    "NOMBRES", "APELLIDO_PATERNO", "APELLIDO_MATERNO", "TIPO_DOCUMENTO", "NUMERO_DOCUMENTO",
    "SEXO", "EDAD", "FECHA_NACIMIENTO", "NACIONALIDAD", "UBIGEO_DOMICILIO",
)  # fmt: skip
_RETA_VALUES = itemgetter(*RETA_COLUMNS)
_SISTRA_VALUES = itemgetter(*SISTRA_COLUMNS)
TRUTH_COLUMNS = ("system", "row_id", "person_id", "case_id", "role")
FILES = (
    "reta.csv", "reta_corrections.csv", "sistra.csv", "sistra.jsonl", "sistra_corrections.csv",
    "truth.csv", "world.json",
)  # fmt: skip


def _reta_writer(f: IO[str]) -> Any:
    # QUOTE_MINIMAL with ';' quotes exactly the fields that contain ';' (no value has '"').
    w = csv.writer(f, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(RETA_COLUMNS)
    return w


def _sistra_writer(f: IO[str]) -> Any:
    w = csv.writer(f, delimiter=",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(SISTRA_COLUMNS)
    return w


_JSON_KEYS = tuple((k, json.dumps(k) + ": ") for k in SISTRA_COLUMNS)


def sistra_json(row: Row) -> str:
    """Render a SISTRA row as one JSON Lines object: null for empty, EDAD as a number."""
    # Hand-assembled because json.dumps per row dominated large runs; the C string encoder
    # still escapes every value, and the layout equals json.dumps(obj, ensure_ascii=False).
    parts = []
    for key, prefix in _JSON_KEYS:
        v = row[key]
        if not v:
            parts.append(prefix + "null")
        elif key == "EDAD" and v.isdigit():
            parts.append(prefix + str(int(v)))
        else:
            parts.append(prefix + _encode_str(v))
    return "{" + ", ".join(parts) + "}"


class FileSink:
    """Stream rows straight to the export files so that memory stays bounded."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self._files: list[IO[str]] = []
        self._reta = _reta_writer(self._open("reta.csv", "cp1252", "reta"))
        self._reta_fix = _reta_writer(self._open("reta_corrections.csv", "cp1252", "reta"))
        self._sistra = _sistra_writer(self._open("sistra.csv", "utf-8", "sistra"))
        self._jsonl = self._open("sistra.jsonl", "utf-8", "sistra")
        self._sistra_fix = _sistra_writer(self._open("sistra_corrections.csv", "utf-8", "sistra"))
        self._truth_file = self._open("truth.csv", "utf-8", "sistra")
        self._truth = csv.writer(self._truth_file, lineterminator="\n")
        self._truth.writerow(TRUTH_COLUMNS)
        # SISTRA truth rows follow all RETA ones in truth.csv, so they wait in a side file.
        self._truth_s_file = self._open("truth.sistra.tmp", "utf-8", "sistra")
        self._truth_s = csv.writer(self._truth_s_file, lineterminator="\n")

    def _open(self, name: str, encoding: str, kind: str) -> IO[str]:
        newline = "" if kind == "reta" else "\n"
        f = (self.out_dir / name).open("w", encoding=encoding, newline=newline, buffering=1 << 20)
        self._files.append(f)
        return f

    def reta(self, row: Row, truth: Truth) -> None:
        """Write one RETA row and its truth."""
        self.write_reta(row)
        self._truth.writerow(truth)

    def sistra(self, row: Row, truth: Truth) -> None:
        """Write one SISTRA row to CSV and JSON Lines, and its truth."""
        self.write_sistra(row)
        self._truth_s.writerow(truth)

    def write_reta(self, row: Row) -> None:
        """Write one RETA row without truth."""
        self._reta.writerow(_RETA_VALUES(row))

    def write_sistra(self, row: Row) -> None:
        """Write one SISTRA row to CSV and JSON Lines without truth."""
        self._sistra.writerow(_SISTRA_VALUES(row))
        self._jsonl.write(sistra_json(row) + "\n")

    def write_truth(self, truth: Truth) -> None:
        """Write one truth row at the current position of truth.csv."""
        self._truth.writerow(truth)

    def reta_correction(self, row: Row) -> None:
        """Write one RETA correction row."""
        self._reta_fix.writerow(_RETA_VALUES(row))

    def sistra_correction(self, row: Row) -> None:
        """Write one SISTRA correction row."""
        self._sistra_fix.writerow(_SISTRA_VALUES(row))

    def close(self) -> dict[str, Path]:
        """Close every file, append the SISTRA truth rows, and return the paths."""
        self._truth_s_file.close()
        tmp = self.out_dir / "truth.sistra.tmp"
        with tmp.open(encoding="utf-8", newline="\n") as src:
            shutil.copyfileobj(src, self._truth_file)
        for f in self._files:
            if not f.closed:
                f.close()
        tmp.unlink()
        return {name: self.out_dir / name for name in FILES if name != "world.json"}


class ListSink:
    """Keep rows in memory, for `generate_world`."""

    def __init__(self) -> None:
        self.reta_rows: list[Row] = []
        self.sistra_rows: list[Row] = []
        self.reta_corrections: list[Row] = []
        self.sistra_corrections: list[Row] = []
        self.reta_truth: list[Truth] = []
        self.sistra_truth: list[Truth] = []

    def reta(self, row: Row, truth: Truth) -> None:
        """Keep one RETA row and its truth."""
        self.reta_rows.append(row)
        self.reta_truth.append(truth)

    def sistra(self, row: Row, truth: Truth) -> None:
        """Keep one SISTRA row and its truth."""
        self.sistra_rows.append(row)
        self.sistra_truth.append(truth)

    def reta_correction(self, row: Row) -> None:
        """Keep one RETA correction row."""
        self.reta_corrections.append(row)

    def sistra_correction(self, row: Row) -> None:
        """Keep one SISTRA correction row."""
        self.sistra_corrections.append(row)


def write_rows(
    out_dir: Path,
    reta: Iterable[Row],
    sistra: Iterable[Row],
    reta_fix: Iterable[Row],
    sistra_fix: Iterable[Row],
    truth: Iterable[Truth],
) -> dict[str, Path]:
    """Write in-memory rows through the same writers the streaming path uses."""
    sink = FileSink(out_dir)
    for row in reta:
        sink.write_reta(row)
    for row in reta_fix:
        sink.reta_correction(row)
    for row in sistra:
        sink.write_sistra(row)
    for row in sistra_fix:
        sink.sistra_correction(row)
    for t in truth:
        sink.write_truth(t)
    return sink.close()


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write world.json the way the sample carries it."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def write_reta_xlsx(path: Path, rows: Iterable[Row]) -> Path:
    """Write RETA as Excel does: first sheet, numbers where a cell looks numeric."""
    from openpyxl import Workbook  # imported lazily: only this export needs it

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Hoja1")
    ws.append(list(RETA_COLUMNS))
    for row in rows:
        cells: list[object] = []
        for k in RETA_COLUMNS:
            v = row[k]
            # Excel turns NRO_DOC and EDAD into numbers, dropping DNI leading zeros.
            if k in ("NRO_DOC", "EDAD") and v.isdigit():
                cells.append(int(v))
            else:
                cells.append(v or None)
        ws.append(cells)
    wb.save(path)
    return path


def read_reta_csv(path: Path) -> list[Row]:
    """Read back a RETA CSV written by this module (used by `write_world` for xlsx)."""
    with path.open(encoding="cp1252", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))

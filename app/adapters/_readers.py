"""Streaming readers for the export transports: RETA CSV/xlsx, SISTRA CSV/JSON Lines.

Header problems surface when ``read_rows`` is called; problems found later in the file
(undecodable bytes) raise SourceFileError during iteration; a single malformed row is
yielded with a PROBLEM_KEY so that it becomes a row-level error.
"""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any, BinaryIO

from app.adapters._fields import PROBLEM_KEY
from app.adapters.registry import SourceFileError, validate_columns
from app.schema.vocab import System

__all__ = ["read_rows"]

Rows = Iterator[tuple[int, dict[str, Any]]]

_CSV_FORMATS: dict[System, tuple[str, str, str]] = {
    # system: (codec, delimiter, human name of the codec)
    System.RETA: ("cp1252", ";", "Windows-1252 (cp1252)"),
    System.SISTRA: ("utf-8", ",", "UTF-8"),
}
_EXTENSIONS: dict[System, tuple[str, ...]] = {
    System.RETA: (".csv", ".xlsx"),
    System.SISTRA: (".csv", ".jsonl", ".ndjson"),
}
_UTF8_BOM = b"\xef\xbb\xbf"


def read_rows(system: System, stream: BinaryIO, filename: str) -> Rows:
    """Yield (row_number, raw_row) from an export file, choosing the reader by extension."""
    name = filename.lower().strip()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension not in _EXTENSIONS[system]:
        allowed = ", ".join(_EXTENSIONS[system])
        raise SourceFileError(
            f"Extensión no admitida para {system.value}: '{extension or filename}'; "
            f"se espera {allowed}."
        )
    if extension == ".csv":
        return _read_csv(system, stream)
    if extension == ".xlsx":
        return _read_xlsx(system, stream)
    return _read_jsonl(system, stream)


def _lines(stream: BinaryIO, system: System) -> Iterator[str]:
    """Decode the stream line by line, failing with the line number on foreign bytes."""
    codec, _, codec_name = _CSV_FORMATS[system]
    for number, line in enumerate(iter(stream.readline, b""), start=1):
        if number == 1 and line.startswith(_UTF8_BOM):
            if system is System.RETA:
                raise SourceFileError(
                    "El archivo está en UTF-8 (tiene BOM); RETA exporta en Windows-1252 (cp1252)."
                )
            line = line[len(_UTF8_BOM) :]
        if system is System.RETA and not line.isascii() and _is_utf8(line):
            # cp1252 decodes almost any byte, so a UTF-8 file would silently become mojibake.
            raise SourceFileError(
                f"La línea {number} está en UTF-8; RETA exporta en Windows-1252 (cp1252)."
            )
        try:
            yield line.decode(codec)
        except UnicodeDecodeError as exc:
            raise SourceFileError(
                f"Bytes no válidos en {codec_name} en la línea {number} "
                f"(posición {exc.start + 1}); revise la codificación del archivo."
            ) from None


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _read_csv(system: System, stream: BinaryIO) -> Rows:
    _, delimiter, _ = _CSV_FORMATS[system]
    reader = csv.reader(_lines(stream, system), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SourceFileError(f"El encabezado CSV no se puede leer: {exc}.") from None
    if header is None or not any(cell.strip() for cell in header):
        raise SourceFileError("El archivo está vacío: falta el encabezado.")
    header = [cell.strip() for cell in header]
    if len(header) == 1:
        for other in (";", ",", "\t", "|"):
            if other != delimiter and other in header[0]:
                raise SourceFileError(
                    f"Delimitador incorrecto: el encabezado usa '{other}' y {system.value} "
                    f"usa '{delimiter}'."
                )
    validate_columns(system, header)
    return _csv_rows(reader, header)


def _csv_rows(reader: Any, header: list[str]) -> Rows:
    width = len(header)
    number = 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise SourceFileError(
                f"CSV mal formado cerca de la fila {number + 1}: {exc}."
            ) from None
        if row is None:
            return
        number += 1
        if not any(cell.strip() for cell in row):
            continue  # blank lines and rows of bare delimiters carry nothing
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            row = row[:width]
        raw: dict[str, Any] = dict(zip(header, row, strict=False))
        if len(row) != width:
            raw[PROBLEM_KEY] = (
                f"la fila tiene {len(row)} campos y el encabezado {width}; "
                "revise separadores o comillas"
            )
        yield number, raw


def _seekable(stream: BinaryIO) -> IO[bytes]:
    """Return the stream itself when seekable, else a spooled copy (xlsx is a zip archive)."""
    with contextlib.suppress(AttributeError, ValueError):
        if stream.seekable():
            return stream
    # Not a context manager: the copy must outlive this function; openpyxl closes it.
    copy = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # noqa: SIM115
    shutil.copyfileobj(stream, copy)
    copy.seek(0)
    return copy


# A workbook is a zip archive: refuse one that inflates far beyond any real export before
# parsing a single row (zipfile enforces the declared sizes while reading).
_MAX_XLSX_INFLATED = 1 << 30
_MAX_XLSX_RATIO = 100
_RATIO_APPLIES_FROM = 64 << 20


def _check_inflation(source: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SourceFileError(
            "El archivo .xlsx está dañado o no es un libro de Excel válido."
        ) from None
    finally:
        source.seek(0)
    inflated = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    if inflated > _MAX_XLSX_INFLATED or (
        inflated > _RATIO_APPLIES_FROM and inflated > _MAX_XLSX_RATIO * packed
    ):
        raise SourceFileError(
            f"El archivo .xlsx se expande a {inflated // (1 << 20)} MiB al descomprimirse "
            f"(desde {packed // 1024} KiB): se rechaza por seguridad."
        )


def _read_xlsx(system: System, stream: BinaryIO) -> Rows:
    import openpyxl  # imported here: only xlsx uploads pay for it

    source = _seekable(stream)
    _check_inflation(source)
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
    except Exception:  # openpyxl/zipfile raise many types for a damaged file
        raise SourceFileError(
            "El archivo .xlsx está dañado o no es un libro de Excel válido."
        ) from None
    if first is None or all(cell is None for cell in first):
        workbook.close()
        raise SourceFileError("El archivo está vacío: la primera hoja no tiene encabezado.")
    header = [str(c).strip() if c is not None else "" for c in first]
    while header and not header[-1]:
        header.pop()
    try:
        validate_columns(system, header)
    except SourceFileError:
        workbook.close()
        raise
    return _xlsx_rows(workbook, rows, header)


def _xlsx_rows(workbook: Any, rows: Iterator[tuple[Any, ...]], header: list[str]) -> Rows:
    width = len(header)
    try:
        for number, values in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            raw: dict[str, Any] = dict(zip(header, values, strict=False))
            extra = [v for v in values[width:] if v is not None]
            if extra:
                raw[PROBLEM_KEY] = f"la fila tiene {len(extra)} celdas fuera del encabezado"
            yield number, raw
    except SourceFileError:
        raise
    except Exception:
        raise SourceFileError("El archivo .xlsx está dañado: no se pudo leer la hoja.") from None
    finally:
        workbook.close()


def _read_jsonl(system: System, stream: BinaryIO) -> Rows:
    lines = _lines(stream, system)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            first = json.loads(line)
        except json.JSONDecodeError:
            first = None
        if not isinstance(first, dict):
            raise SourceFileError(
                f"La línea {number} no es un objeto JSON: el archivo no es JSON Lines "
                "(un objeto por línea)."
            )
        validate_columns(system, first.keys())
        return _jsonl_rows(system, lines, number, first)
    raise SourceFileError("El archivo está vacío: no hay ninguna línea JSON.")


def _jsonl_rows(system: System, lines: Iterator[str], start: int, first: dict[str, Any]) -> Rows:
    yield start, first
    for number, line in enumerate(lines, start=start + 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problem = f"JSON inválido (columna {exc.colno}): {exc.msg}"
            yield number, {"linea": line.rstrip("\r\n"), PROBLEM_KEY: problem}
            continue
        if not isinstance(obj, dict):
            problem = "la línea no es un objeto JSON"
            yield number, {"linea": line.rstrip("\r\n"), PROBLEM_KEY: problem}
            continue
        try:
            validate_columns(system, obj.keys())
        except SourceFileError as exc:
            obj[PROBLEM_KEY] = exc.message
        yield number, obj

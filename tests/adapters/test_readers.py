"""Readers: transports, header validation and the file-level errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.adapters import REQUIRED_COLUMNS, SourceFileError, parse_row, read_rows, validate_columns
from app.schema import CommonRecord, RowError, System

DATA = Path(__file__).resolve().parents[1] / "data"
RETA_HEADER = ";".join(REQUIRED_COLUMNS[System.RETA])
SISTRA_HEADER = ",".join(REQUIRED_COLUMNS[System.SISTRA])
RETA_ROW = (
    "R2017-000001;0123-2017;DIVINTRAT LIMA;04/03/2017;;140101;TRATA DE PERSONAS;;;VICTIMA;"
    "PEÑA QUISPE ROSA;DNI;4512377;F;17 AÑOS;;PERUANA;;;REMITIDO A FISCALIA"
)


def rows(system: System, payload: bytes, filename: str) -> list[tuple[int, dict[str, object]]]:
    return list(read_rows(system, io.BytesIO(payload), filename))


def reta_csv(*lines: str) -> bytes:
    return "\r\n".join([RETA_HEADER, *lines, ""]).encode("cp1252")


def test_reta_csv_is_cp1252_semicolon_crlf() -> None:
    [(number, raw)] = rows(System.RETA, reta_csv(RETA_ROW), "x.CSV")
    assert (
        number == 2 and raw["APELLIDOS_NOMBRES"] == "PEÑA QUISPE ROSA" and raw["EDAD"] == "17 AÑOS"
    )


def test_row_numbers_count_blank_lines_like_a_spreadsheet() -> None:
    got = rows(System.RETA, reta_csv(RETA_ROW, "", ";;;;;;;;;;;;;;;;;;;", RETA_ROW), "x.csv")
    assert [n for n, _ in got] == [2, 5]


def test_quoted_field_with_delimiter() -> None:
    line = RETA_ROW.replace("DIVINTRAT LIMA", '"DIVINTRAT; LIMA"')
    [(_, raw)] = rows(System.RETA, reta_csv(line), "x.csv")
    assert raw["DEPENDENCIA"] == "DIVINTRAT; LIMA"


def test_bad_encoding_utf8_file_sent_as_reta() -> None:
    payload = "\r\n".join([RETA_HEADER, RETA_ROW]).encode("utf-8")
    with pytest.raises(SourceFileError, match="UTF-8"):
        rows(System.RETA, payload, "x.csv")


def test_bad_encoding_cp1252_file_sent_as_sistra() -> None:
    line = (DATA / "sistra.csv").read_text(encoding="utf-8").splitlines()[1]
    assert "Perú" in line
    payload = (SISTRA_HEADER + "\n" + line + "\n").encode("cp1252")
    with pytest.raises(SourceFileError, match="línea 2"):
        rows(System.SISTRA, payload, "x.csv")


def test_undefined_cp1252_byte() -> None:
    payload = reta_csv(RETA_ROW).replace(b"DIVINTRAT", b"DIV\x81NTRAT")
    with pytest.raises(SourceFileError, match="Windows-1252"):
        rows(System.RETA, payload, "x.csv")


def test_missing_column() -> None:
    header = RETA_HEADER.replace(";ESTADO", "")
    with pytest.raises(SourceFileError, match="faltan columnas: ESTADO"):
        rows(System.RETA, (header + "\r\n").encode("cp1252"), "x.csv")


def test_extra_column() -> None:
    with pytest.raises(SourceFileError, match="columnas no esperadas: OBSERVACION"):
        rows(System.RETA, (RETA_HEADER + ";OBSERVACION\r\n").encode("cp1252"), "x.csv")


def test_other_systems_file_is_recognised() -> None:
    with pytest.raises(SourceFileError, match="parece un archivo de SISTRA"):
        rows(System.RETA, (DATA / "sistra.csv").read_bytes().replace(b",", b";"), "x.csv")


@pytest.mark.parametrize("payload", [b"", b"\r\n", b"   \n"])
def test_empty_file(payload: bytes) -> None:
    with pytest.raises(SourceFileError, match="vacío"):
        rows(System.RETA, payload, "x.csv")


def test_header_only_file_has_no_rows() -> None:
    assert rows(System.SISTRA, (SISTRA_HEADER + "\n").encode(), "x.csv") == []


def test_wrong_delimiter() -> None:
    payload = RETA_HEADER.replace(";", ",").encode("cp1252")
    with pytest.raises(SourceFileError, match="Delimitador incorrecto"):
        rows(System.RETA, payload, "x.csv")
    with pytest.raises(SourceFileError, match="Delimitador incorrecto"):
        rows(System.SISTRA, SISTRA_HEADER.replace(",", ";").encode(), "x.csv")


def test_row_with_wrong_field_count_becomes_row_error() -> None:
    [(number, raw)] = rows(System.RETA, reta_csv(RETA_ROW + ";EXTRA"), "x.csv")
    result = parse_row(System.RETA, number, raw)
    assert isinstance(result, RowError)
    assert result.issues[0].column == "fila" and "21 campos" in result.issues[0].reason
    assert result.row_id == "R2017-000001"


def test_trailing_empty_fields_are_ignored() -> None:
    [(_, raw)] = rows(System.RETA, reta_csv(RETA_ROW + ";;"), "x.csv")
    assert isinstance(parse_row(System.RETA, 2, raw), CommonRecord)


def test_bom_is_accepted_for_sistra_csv_and_jsonl() -> None:
    csv_bytes = b"\xef\xbb\xbf" + (DATA / "sistra.csv").read_bytes()
    assert len(rows(System.SISTRA, csv_bytes, "x.csv")) == 66
    jsonl_bytes = b"\xef\xbb\xbf" + (DATA / "sistra.jsonl").read_bytes()
    assert len(rows(System.SISTRA, jsonl_bytes, "x.jsonl")) == 66


def test_bom_on_reta_csv_means_wrong_encoding() -> None:
    with pytest.raises(SourceFileError, match="UTF-8"):
        rows(System.RETA, b"\xef\xbb\xbf" + reta_csv(RETA_ROW), "x.csv")


def test_corrupt_xlsx() -> None:
    with pytest.raises(SourceFileError, match="dañado"):
        rows(System.RETA, b"PK\x03\x04 not really a zip", "x.xlsx")
    truncated = (DATA / "reta.xlsx").read_bytes()[:2000]
    with pytest.raises(SourceFileError, match="dañado"):
        rows(System.RETA, truncated, "x.xlsx")


def test_xlsx_from_non_seekable_stream() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    stream = io.BufferedReader(Pipe((DATA / "reta.xlsx").read_bytes()))  # type: ignore[type-var]
    assert len(list(read_rows(System.RETA, stream, "reta.xlsx"))) == 54


def test_xlsx_header_is_validated() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.append(["ID_REGISTRO", "NRO_DENUNCIA"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(SourceFileError, match="faltan columnas"):
        rows(System.RETA, buffer.getvalue(), "x.xlsx")


def test_xlsx_row_numbers_skip_empty_rows() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(REQUIRED_COLUMNS[System.RETA]))
    sheet.append(RETA_ROW.split(";"))
    sheet.append([None] * 20)
    sheet.append(RETA_ROW.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [n for n, _ in rows(System.RETA, buffer.getvalue(), "x.xlsx")] == [2, 4]


def test_broken_jsonl_line_is_a_row_error() -> None:
    lines = (DATA / "sistra.jsonl").read_bytes().splitlines()
    payload = b"\n".join([lines[0], b'{"ID_SUJETO": "S-1", ', b"[1, 2]", lines[1], b""])
    got = rows(System.SISTRA, payload, "x.ndjson")
    assert [n for n, _ in got] == [1, 2, 3, 4]
    results = [parse_row(System.SISTRA, n, raw) for n, raw in got]
    assert isinstance(results[0], CommonRecord) and isinstance(results[3], CommonRecord)
    assert isinstance(results[1], RowError) and "JSON inválido" in results[1].issues[0].reason
    assert (
        isinstance(results[2], RowError)
        and results[2].issues[0].reason == "la línea no es un objeto JSON"
    )


def test_jsonl_object_with_wrong_keys_is_a_row_error() -> None:
    lines = (DATA / "sistra.jsonl").read_bytes().splitlines()
    obj = json.loads(lines[1])
    obj["EXTRA"] = 1
    payload = b"\n".join([lines[0], json.dumps(obj).encode()])
    [_, (number, raw)] = rows(System.SISTRA, payload, "x.jsonl")
    result = parse_row(System.SISTRA, number, raw)
    assert isinstance(result, RowError) and "EXTRA" in result.issues[0].reason


def test_file_that_is_not_json_lines() -> None:
    with pytest.raises(SourceFileError, match="no es JSON Lines"):
        rows(System.SISTRA, b"[\n" + (DATA / "sistra.jsonl").read_bytes(), "x.jsonl")
    with pytest.raises(SourceFileError, match="vacío"):
        rows(System.SISTRA, b"\n\n", "x.jsonl")


@pytest.mark.parametrize(
    ("system", "name"), [(System.RETA, "x.jsonl"), (System.SISTRA, "x.xlsx"), (System.SISTRA, "x")]
)
def test_unknown_extension(system: System, name: str) -> None:
    with pytest.raises(SourceFileError, match="Extensión no admitida"):
        read_rows(system, io.BytesIO(b""), name)


def test_validate_columns_for_pushed_objects() -> None:
    validate_columns(System.SISTRA, REQUIRED_COLUMNS[System.SISTRA])
    with pytest.raises(SourceFileError) as info:
        validate_columns(System.SISTRA, [*REQUIRED_COLUMNS[System.SISTRA][1:], "X"])
    assert "ID_SUJETO" in info.value.message and "X" in info.value.message
    with pytest.raises(SourceFileError, match="repetidas"):
        validate_columns(System.RETA, [*REQUIRED_COLUMNS[System.RETA], "ESTADO"])


def test_reading_streams_instead_of_loading_everything() -> None:
    class Counting(io.BytesIO):
        lines_read = 0

        def readline(self, size: int | None = -1) -> bytes:
            Counting.lines_read += 1
            return super().readline(size)

    payload = reta_csv(*[RETA_ROW] * 1000)
    iterator = read_rows(System.RETA, Counting(payload), "x.csv")
    next(iterator)
    assert Counting.lines_read < 10

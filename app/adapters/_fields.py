"""Field parsers shared by the adapters; each appends a RowIssue instead of raising."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from app.adapters._text import cell_text, lookup_key
from app.schema.nationality import nationality_iso3
from app.schema.record import RowError, RowIssue
from app.schema.ubigeo import is_inei_district, normalise_code, reniec_to_inei
from app.schema.vocab import DocumentType, Purpose, System

__all__ = [
    "PROBLEM_KEY",
    "PURPOSES",
    "Issues",
    "age_field",
    "check_types",
    "choice",
    "complaint_number",
    "date_field",
    "document_number",
    "minor_flag",
    "nationality_field",
    "problem_error",
    "required_text",
    "ubigeo_field",
]

# Readers put a row-level transport problem (wrong field count, broken JSON line) under this
# key; parse_row turns it into a RowError. It cannot clash: validate_columns rejects it.
PROBLEM_KEY = "__problema__"

Issues = list[RowIssue]
T = TypeVar("T")

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_AGE = re.compile(r"^(\d{1,3})(?:[.,]0+)?\s*(?:AÑOS?|ANOS?|A)?\.?$", re.IGNORECASE)
_MINOR = frozenset({"MENOR", "MENOR DE EDAD", "MENOR EDAD"})
_NUMBER_YEAR = re.compile(r"(\d+)\s*[-/]\s*((?:19|20)\d{2})(?!\d)")
_FIRST_NUMBER = re.compile(r"\d+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_FLOAT_TEXT = re.compile(r"^(\d+)\.0+$")
_SCALARS = (str, int, float, date, type(None))
_SCALAR_TYPES = frozenset({str, int, float, type(None), date, datetime})


def problem_error(
    system: System, row_number: int, row_id: str | None, raw: Mapping[str, Any]
) -> RowError:
    """Return the RowError for a row the reader could not split into columns."""
    clean = {k: v for k, v in raw.items() if k != PROBLEM_KEY}
    issue = RowIssue(column="fila", reason=str(raw[PROBLEM_KEY]))
    return RowError(system=system, row_number=row_number, row_id=row_id, issues=(issue,), raw=clean)


def check_types(raw: Mapping[str, Any], issues: Issues) -> None:
    """Flag values that no transport should produce (lists, objects, booleans)."""
    if _SCALAR_TYPES.issuperset(map(type, raw.values())):
        return  # the common case, checked without a Python loop
    for column, value in raw.items():
        if type(value) in _SCALAR_TYPES:
            continue
        if isinstance(value, bool) or not isinstance(value, _SCALARS):
            issues.append(
                RowIssue(column=column, reason=f"tipo de dato no admitido: {type(value).__name__}")
            )


def required_text(value: Any, column: str, what: str, issues: Issues) -> str | None:
    """Return stripped text, flagging it when empty."""
    text = cell_text(value)
    if text is None:
        issues.append(RowIssue(column=column, reason=f"falta {what}"))
    return text


def choice(
    mapping: Mapping[str, T], value: Any, column: str, issues: Issues, *, required: bool = False
) -> T | None:
    """Look a controlled value up (tolerant of case, accents, spacing); flag unknown values."""
    text = cell_text(value)
    if text is None:
        if required:
            issues.append(RowIssue(column=column, reason="falta el valor"))
        return None
    found = mapping.get(text)
    if found is None:
        found = mapping.get(lookup_key(text))
    if found is None:
        issues.append(RowIssue(column=column, reason=f"valor no reconocido: '{text[:60]}'"))
    return found


@lru_cache(maxsize=65536)
def _date_from_text(text: str, iso: bool) -> date | None:
    """Parse date text; cached because a file repeats the same few thousand dates."""
    match = (_ISO if iso else _DMY).match(text)
    if match is None:
        return None
    if iso:
        year, month, day = (int(g) for g in match.groups())
    else:
        day, month, year = (int(g) for g in match.groups())
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_field(
    value: Any, column: str, issues: Issues, *, iso: bool, required: bool = False
) -> date | None:
    """Parse a dd/mm/yyyy (RETA) or yyyy-mm-dd (SISTRA) date, or a spreadsheet date cell."""
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = cell_text(value)
    if text is None:
        if required:
            issues.append(RowIssue(column=column, reason="falta la fecha"))
        return None
    parsed = _date_from_text(text, iso)
    if parsed is None:
        expected = "aaaa-mm-dd" if iso else "dd/mm/aaaa"
        issues.append(
            RowIssue(column=column, reason=f"fecha inválida {text[:30]}; se espera {expected}")
        )
    return parsed


def age_field(value: Any, column: str, issues: Issues) -> tuple[int | None, bool]:
    """Return (age, says_minor) from 17, 17.0, '17 AÑOS', '17 ANOS' or 'MENOR'."""
    if isinstance(value, int) and not isinstance(value, bool):
        age: int | None = value
    elif isinstance(value, float) and value.is_integer():
        age = int(value)
    else:
        text = cell_text(value)
        if text is None:
            return None, False
        match = _AGE.match(text)
        if match is None:
            if lookup_key(text) in _MINOR:
                return None, True
            issues.append(RowIssue(column=column, reason=f"edad no reconocida: '{text[:20]}'"))
            return None, False
        age = int(match.group(1))
    if age is None or not 0 <= age <= 120:
        issues.append(RowIssue(column=column, reason=f"edad fuera de rango: {age}"))
        return None, False
    return age, False


def minor_flag(
    age: int | None, says_minor: bool, birth: date | None, registered: date | None
) -> bool | None:
    """Return whether the person was a minor: from the age, the text 'MENOR' or the birth date."""
    if age is not None:
        return age < 18
    if says_minor:
        return True
    if birth is not None and registered is not None:
        years = (
            registered.year
            - birth.year
            - ((registered.month, registered.day) < (birth.month, birth.day))
        )
        return years < 18
    return None


def document_number(doc_type: DocumentType | None, value: Any) -> str | None:
    """Clean a document number; pad DNIs to 8 digits; keep typos (they are evidence too)."""
    if doc_type is DocumentType.NONE:
        return None
    if isinstance(value, float) and value.is_integer():
        text: str | None = str(int(value))
    else:
        text = cell_text(value)
    if text is None:
        return None
    float_text = _FLOAT_TEXT.match(text)
    if float_text is not None:
        text = float_text.group(1)
    cleaned = _NOT_ALNUM.sub("", text.upper())
    if not cleaned:
        return None
    # Excel drops leading zeros of DNIs; a 9-digit DNI (a doubled digit) is kept as typed.
    if doc_type in (DocumentType.DNI, None) and cleaned.isdigit() and len(cleaned) < 8:
        return cleaned.zfill(8)
    return cleaned


@lru_cache(maxsize=8192)
def _ubigeo(text: str, reniec: bool) -> tuple[str | None, str | None]:
    """Return (inei_code, problem) for code text; cached, codes repeat across rows."""
    code = normalise_code(text)
    if code is None:
        return None, f"código de ubigeo inválido: '{text[:12]}'"
    if reniec:
        inei = reniec_to_inei(code)
        return (inei, None) if inei else (None, f"ubigeo RENIEC desconocido: {code}")
    if not is_inei_district(code):
        return None, f"ubigeo INEI desconocido: {code}"
    return code, None


def ubigeo_field(value: Any, column: str, issues: Issues, *, reniec: bool) -> str | None:
    """Return the INEI district code of a RENIEC (RETA) or INEI (SISTRA) code."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # xlsx and JSON give numbers that lost their leading zero (30703 -> 030703).
        text = normalise_code(value) or cell_text(value)
    else:
        text = cell_text(value)
    if text is None:
        return None
    inei, problem = _ubigeo(text, reniec)
    if problem is not None:
        issues.append(RowIssue(column=column, reason=problem))
    return inei


def nationality_field(value: Any, column: str, issues: Issues) -> str | None:
    """Return the ISO alpha-3 code of a demonym or country name; flag unknown values."""
    text = cell_text(value)
    if text is None:
        return None
    code = nationality_iso3(text)
    if code is None:
        issues.append(RowIssue(column=column, reason=f"valor no reconocido: '{text[:40]}'"))
    return code


@lru_cache(maxsize=65536)
def complaint_number(text: str, fallback_year: int | None) -> str:
    """Normalise a complaint number to ``{n}-{yyyy}`` (``N° 0123`` in 2017 -> ``123-2017``)."""
    match = _NUMBER_YEAR.search(text)
    if match is not None:
        return f"{int(match.group(1))}-{match.group(2)}"
    number = _FIRST_NUMBER.search(text)
    head = str(int(number.group(0))) if number is not None else lookup_key(text).replace(" ", "")
    return f"{head}-{fallback_year}" if fallback_year is not None else head


PURPOSES: dict[str, Purpose] = {
    "EXPLOTACION SEXUAL": Purpose.SEXUAL_EXPLOITATION,
    "EXPLOTACION LABORAL": Purpose.FORCED_LABOUR,
    "TRABAJOS O SERVICIOS FORZADOS": Purpose.FORCED_LABOUR,
    "TRABAJO FORZOSO": Purpose.FORCED_LABOUR,
    "MENDICIDAD": Purpose.FORCED_BEGGING,
    "SERVIDUMBRE": Purpose.SERVITUDE,
    "ESCLAVITUD": Purpose.SLAVERY,
    "VENTA DE NINOS": Purpose.SALE_OF_CHILDREN,
    "VENTA NINOS": Purpose.SALE_OF_CHILDREN,
    "EXTRACCION O TRAFICO DE ORGANOS": Purpose.ORGAN_REMOVAL,
    "EXTRACCION ORGANOS": Purpose.ORGAN_REMOVAL,
    "OTROS": Purpose.OTHER,
    "OTRA": Purpose.OTHER,
    "OTRO": Purpose.OTHER,
    "NO PRECISA": Purpose.UNKNOWN,
}

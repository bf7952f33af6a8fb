"""Peru's geographic codes (ubigeo): RENIEC to INEI translation, names and population.

The tables in `app/data/ubigeo/` are read once, on first use. Every code in the common schema
is an INEI code; RENIEC codes (used by RETA) are translated here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "Area",
    "UbigeoTables",
    "area",
    "department_code",
    "department_name",
    "district_name",
    "is_inei_district",
    "normalise_code",
    "population",
    "province_code",
    "province_name",
    "reniec_to_inei",
    "tables",
]


@dataclass(frozen=True, slots=True)
class Area:
    """One department, province or district, keyed by its INEI code."""

    inei: str
    reniec: str
    department: str
    province: str | None
    district: str | None
    area_km2: float | None
    density_2020: float | None

    @property
    def population(self) -> float | None:
        """Approximate 2020 population: density times surface."""
        if self.area_km2 is None or self.density_2020 is None:
            return None
        return self.area_km2 * self.density_2020


@dataclass(frozen=True, slots=True)
class UbigeoTables:
    """All three levels, indexed by INEI code, plus the district RENIEC -> INEI map."""

    districts: dict[str, Area]
    provinces: dict[str, Area]
    departments: dict[str, Area]
    reniec_to_inei: dict[str, str]


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _read(filename: str) -> list[dict[str, Any]]:
    source = resources.files("app").joinpath(f"data/ubigeo/{filename}")
    return list(csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"), newline="")))


def _area(row: dict[str, Any]) -> Area:
    return Area(
        inei=row["inei"],
        reniec=row["reniec"],
        department=row["departamento"],
        province=row.get("provincia"),
        district=row.get("distrito"),
        area_km2=_float(row.get("superficie")),
        density_2020=_float(row.get("pob_densidad_2020")),
    )


@cache
def tables() -> UbigeoTables:
    """Load the ubigeo tables (once) and return them."""
    districts = {row["inei"]: _area(row) for row in _read("ubigeo_distrito.csv")}
    provinces = {row["inei"]: _area(row) for row in _read("ubigeo_provincia.csv")}
    departments = {row["inei"]: _area(row) for row in _read("ubigeo_departamento.csv")}
    translation = {a.reniec: a.inei for a in districts.values()}
    return UbigeoTables(districts, provinces, departments, translation)


def normalise_code(value: object) -> str | None:
    """Return a 6-digit code from text or a number that lost its leading zero; None if not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        text = str(int(value))
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(".0"):
            text = text[:-2]
    else:
        return None
    if not text.isdigit() or not 5 <= len(text) <= 6:
        return None
    return text.zfill(6)


def reniec_to_inei(code: str) -> str | None:
    """Translate a RENIEC district code into its INEI code; None if unknown."""
    return tables().reniec_to_inei.get(code)


def is_inei_district(code: str) -> bool:
    """Tell whether a code is a known INEI district code."""
    return code in tables().districts


def department_code(inei: str) -> str:
    """Return the INEI department code (``xx0000``) of any INEI code."""
    return f"{inei[:2]}0000"


def province_code(inei: str) -> str:
    """Return the INEI province code (``xxxx00``) of any INEI code."""
    return f"{inei[:4]}00"


def area(inei: str) -> Area | None:
    """Return the department, province or district with this INEI code."""
    t = tables()
    return t.districts.get(inei) or t.provinces.get(inei) or t.departments.get(inei)


def department_name(inei: str) -> str | None:
    """Return the department name of an INEI code."""
    found = tables().departments.get(department_code(inei))
    return found.department if found else None


def province_name(inei: str) -> str | None:
    """Return the province name of an INEI code."""
    found = tables().provinces.get(province_code(inei))
    return found.province if found else None


def district_name(inei: str) -> str | None:
    """Return the district name of an INEI district code."""
    found = tables().districts.get(inei)
    return found.district if found else None


def population(inei: str) -> float | None:
    """Return the approximate 2020 population of a department, province or district."""
    found = area(inei)
    return found.population if found else None

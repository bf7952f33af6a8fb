"""Reference data of the synthetic world: names, districts, units, offices and offences."""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")

_DATA = Path(__file__).resolve().parent.parent / "data"


class Weighted(Generic[T]):
    """Draw items by weight with one `random()` call and a bisection."""

    __slots__ = ("_cum", "_items", "_last", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if not items or len(items) != len(weights):
            raise ValueError("items and weights must be non-empty and of equal length")
        self._items = list(items)
        self._cum = list(accumulate(float(w) for w in weights))
        self._total = self._cum[-1]
        self._last = len(self._items) - 1

    def pick(self, rng: Random) -> T:
        """Return one item drawn with probability proportional to its weight."""
        i = bisect_right(self._cum, rng.random() * self._total)
        return self._items[i if i <= self._last else self._last]

    @property
    def items(self) -> list[T]:
        """Return the items in their original order."""
        return self._items


def weighted(table: dict[T, float]) -> Weighted[T]:
    """Build a sampler from a mapping of item to weight."""
    return Weighted(list(table), list(table.values()))


# --------------------------------------------------------------------------- names


def _read_names(name: str) -> Weighted[str]:
    with (_DATA / "names" / name).open(encoding="utf-8", newline="") as f:
        rows = [(r["name"], float(r["weight"])) for r in csv.DictReader(f)]
    return Weighted([n for n, _ in rows], [w for _, w in rows])


@dataclass(frozen=True, slots=True)
class Names:
    """Samplers of surnames and given names, plus a particle-heavy surname sampler."""

    surnames: Weighted[str]
    female: Weighted[str]
    male: Weighted[str]
    particles: Weighted[str]


@cache
def names() -> Names:
    """Load the name frequency lists once per process."""
    surnames = _read_names("surnames.csv")
    particle = [s for s in surnames.items if " " in s]
    return Names(
        surnames=surnames,
        female=_read_names("given_female.csv"),
        male=_read_names("given_male.csv"),
        particles=Weighted(particle, [1.0] * len(particle)),
    )


# --------------------------------------------------------------------------- geography


@dataclass(frozen=True, slots=True)
class District:
    """One district with both codings and the figures that drive the simulation."""

    inei: str
    reniec: str
    dept: str
    prov: str
    name: str
    population: float
    poverty: float


# Relative trafficking intensity of the place of the facts, per inhabitant: mining, border and
# tourist regions exploit far above their population share.
_HOTSPOT = {
    "MADRE DE DIOS": 22.0,
    "LORETO": 3.5,
    "CUSCO": 2.5,
    "PUNO": 2.5,
    "TUMBES": 3.0,
    "UCAYALI": 2.5,
    "AREQUIPA": 1.4,
    "SAN MARTIN": 1.4,
    "LIMA": 1.0,
    "CALLAO": 1.0,
    "JUNIN": 1.2,
    "TACNA": 1.5,
    "PIURA": 0.9,
    "LA LIBERTAD": 0.7,
    "LAMBAYEQUE": 0.8,
    "AYACUCHO": 0.8,
}
# Regions victims are recruited from, on top of their poverty rate.
_ORIGIN = {
    "CUSCO": 1.6,
    "PUNO": 1.6,
    "LORETO": 1.8,
    "UCAYALI": 1.5,
    "HUANUCO": 1.4,
    "CAJAMARCA": 1.2,
    "JUNIN": 1.2,
    "APURIMAC": 1.3,
    "AYACUCHO": 1.2,
    "HUANCAVELICA": 1.2,
    "SAN MARTIN": 1.2,
    "AMAZONAS": 1.1,
}


@dataclass(frozen=True, slots=True)
class Geography:
    """District samplers for the place of the facts and the place of origin."""

    districts: list[District]
    facts: Weighted[District]
    origin: Weighted[District]
    residence: Weighted[District]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@cache
def geography() -> Geography:
    """Load the district table once per process."""
    path = _DATA / "ubigeo" / "ubigeo_distrito.csv"
    out: list[District] = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            area, density = _number(r["superficie"]), _number(r["pob_densidad_2020"])
            if not r["reniec"].isdigit() or area is None or density is None:
                continue  # a district created after the RENIEC table has no RENIEC code
            poverty = _number(r["pct_pobreza_total"]) or 20.0
            out.append(
                District(
                    r["inei"], r["reniec"], r["departamento"], r["provincia"], r["distrito"],
                    max(area * density, 50.0), poverty,
                )
            )  # fmt: skip
    return Geography(
        districts=out,
        facts=Weighted(out, [d.population * _HOTSPOT.get(d.dept, 0.5) for d in out]),
        origin=Weighted(
            out, [d.population * (0.3 + d.poverty / 25.0) * _ORIGIN.get(d.dept, 0.8) for d in out]
        ),
        residence=Weighted(out, [d.population for d in out]),
    )


# --------------------------------------------------------------------------- institutions

_DEPINTRAT = {
    "AREQUIPA", "CUSCO", "PUNO", "MADRE DE DIOS", "LORETO", "TUMBES", "UCAYALI",
    "SAN MARTIN", "LAMBAYEQUE", "PIURA", "LA LIBERTAD", "JUNIN", "TACNA", "AYACUCHO",
}  # fmt: skip
_SPECIALISED_FISCALIA = {
    "LIMA", "CALLAO", "CUSCO", "PUNO", "MADRE DE DIOS", "LORETO", "TUMBES", "AREQUIPA",
    "UCAYALI", "SAN MARTIN", "PIURA", "TACNA",
}  # fmt: skip
_LIMA_FISCAL = {
    "LIMA NORTE": {"COMAS", "INDEPENDENCIA", "LOS OLIVOS", "SAN MARTIN DE PORRES", "CARABAYLLO"},
    "LIMA NOROESTE": {"PUENTE PIEDRA", "ANCON", "SANTA ROSA"},
    "LIMA ESTE": {
        "ATE", "SAN JUAN DE LURIGANCHO", "LURIGANCHO", "CHACLACAYO", "CIENEGUILLA",
        "EL AGUSTINO", "SANTA ANITA", "LA MOLINA",
    },
    "LIMA SUR": {
        "VILLA EL SALVADOR", "VILLA MARIA DEL TRIUNFO", "SAN JUAN DE MIRAFLORES", "CHORRILLOS",
        "LURIN", "PACHACAMAC", "PUNTA HERMOSA", "PUNTA NEGRA", "SAN BARTOLO", "PUCUSANA",
        "SANTA MARIA DEL MAR",
    },
}  # fmt: skip
_PROVINCE_FISCAL = {
    "HUAURA": "HUAURA", "HUARAL": "HUAURA", "BARRANCA": "HUAURA", "OYON": "HUAURA",
    "CAÑETE": "CAÑETE", "YAUYOS": "CAÑETE", "SANTA": "DEL SANTA", "SULLANA": "SULLANA",
    "AYABACA": "SULLANA", "CHANCHAMAYO": "SELVA CENTRAL", "SATIPO": "SELVA CENTRAL",
    "OXAPAMPA": "SELVA CENTRAL",
}  # fmt: skip
_DESPACHO = ("PRIMER", "SEGUNDO", "TERCER", "CUARTO")


def police_unit(d: District, rng: Random) -> tuple[str, str]:
    """Choose the police unit that takes a complaint about facts in `d`, and its suffix."""
    r = rng.random()
    if d.dept in ("LIMA", "CALLAO") and d.prov in ("LIMA", "CALLAO") and r < 0.55:
        return "DIVINTRAT LIMA", "DIVINTRAT"
    if d.dept in _DEPINTRAT and r < 0.5:
        return f"DEPINTRAT {d.dept}", "DEPINTRAT"
    return f"COMISARIA {d.name}", "CPNP"


@dataclass(frozen=True, slots=True)
class Office:
    """A prosecutor office: its 10-digit code, name and prosecution district."""

    code: str
    name: str
    district: str


def fiscal_district(d: District) -> str:
    """Return the prosecution district (34 of them) that covers district `d`."""
    if d.dept == "LIMA" and d.prov == "LIMA":
        for name, members in _LIMA_FISCAL.items():
            if d.name in members:
                return name
        return "LIMA CENTRO"
    if d.dept == "CALLAO":
        return "VENTANILLA" if d.name in ("VENTANILLA", "MI PERU") else "CALLAO"
    return _PROVINCE_FISCAL.get(d.prov, d.dept)


def prosecutor_office(d: District, rng: Random) -> Office:
    """Choose the prosecutor office that receives a case about facts in `d`."""
    fd = fiscal_district(d)
    if d.dept in _SPECIALISED_FISCALIA and rng.random() < 0.55:
        code = f"{d.inei[:2]}01014501"
        name = f"FISCALIA PROVINCIAL ESPECIALIZADA EN DELITOS DE TRATA DE PERSONAS DE {d.dept}"
        return Office(code, name, fd)
    base = f"FISCALIA PROVINCIAL PENAL CORPORATIVA DE {d.prov}"
    if rng.random() < 0.5:
        return Office(f"{d.inei[:4]}014503", base, fd)
    despacho = _DESPACHO[int(rng.random() * len(_DESPACHO))]
    return Office(f"{d.inei[:4]}014502", f"{base}, {despacho} DESPACHO", fd)


# --------------------------------------------------------------------------- offences


@dataclass(frozen=True, slots=True)
class Offence:
    """An offence: world weight, reach into each system, labels and SISTRA articles."""

    key: str
    weight: float
    reta_scope: float
    sistra_scope: float
    reta_label: str
    sistra_label: str
    old_article: str
    new_article: str  # after Ley 31146 (2021-03-31); equal to old when not renumbered


OFFENCES: tuple[Offence, ...] = (
    Offence("TRATA", 80, 1.0, 1.0, "TRATA DE PERSONAS", "TRATA DE PERSONAS", "153", "129-A"),
    Offence("EXPL_SEX", 6, 1.0, 1.0, "EXPLOTACION SEXUAL", "EXPLOTACION SEXUAL", "153-B", "129-C"),
    Offence(
        "FAVOREC", 4, 0.8, 0.35, "FAVORECIMIENTO A LA PROSTITUCION",
        "FAVORECIMIENTO A LA PROSTITUCION", "179", "179",
    ),
    Offence("PROXEN", 3, 0.8, 0.35, "PROXENETISMO", "PROXENETISMO", "181", "181"),
    Offence(
        "PROMOCION", 2, 0.0, 1.0, "", "PROMOCION O FAVORECIMIENTO DE LA EXPLOTACION SEXUAL",
        "153-C", "129-D",
    ),
    Offence("TRAB_FORZ", 5, 0.4, 1.0, "TRABAJO FORZOSO", "TRABAJO FORZOSO", "168-B", "129-O"),
)  # fmt: skip
AGGRAVATED = ("FORMAS AGRAVADAS DE LA TRATA DE PERSONAS", "153-A", "129-B")
RENUMBERING_DAY = "2021-03-31"

# Purposes: RETA label -> SISTRA code, and their weights for trafficking proper.
PURPOSE_CODE = {
    "EXPLOTACION SEXUAL": "explotacion_sexual",
    "EXPLOTACION LABORAL": "explotacion_laboral",
    "MENDICIDAD": "mendicidad",
    "TRABAJOS O SERVICIOS FORZADOS": "trabajo_forzoso",
    "SERVIDUMBRE": "servidumbre",
    "ESCLAVITUD": "esclavitud",
    "VENTA DE NIÑOS": "venta_ninos",
    "EXTRACCION O TRAFICO DE ORGANOS": "extraccion_organos",
    "OTROS": "otra",
    "": "no_precisa",
}
TRAFFICKING_PURPOSE = weighted(
    {
        "EXPLOTACION SEXUAL": 58.0,
        "EXPLOTACION LABORAL": 27.0,
        "MENDICIDAD": 4.0,
        "TRABAJOS O SERVICIOS FORZADOS": 4.0,
        "SERVIDUMBRE": 2.0,
        "ESCLAVITUD": 0.3,
        "VENTA DE NIÑOS": 1.0,
        "EXTRACCION O TRAFICO DE ORGANOS": 0.2,
        "OTROS": 2.0,
        "": 1.5,
    }
)
RECRUITMENT = weighted(
    {
        "OFERTA LABORAL": 48.0,
        "REDES SOCIALES": 14.0,
        "ENAMORAMIENTO": 10.0,
        "FAMILIAR O CONOCIDO": 14.0,
        "AGENCIA DE EMPLEO": 4.0,
        "SECUESTRO": 2.0,
        "OTRO": 4.0,
        "": 4.0,
    }
)

# Nationality key -> (RETA demonym, SISTRA country, document types available).
NATIONALITY = {
    "PE": ("PERUANA", "Perú", ("DNI",)),
    "VE": ("VENEZOLANA", "Venezuela", ("PTP", "CE", "PAS")),
    "CO": ("COLOMBIANA", "Colombia", ("CE", "PAS")),
    "EC": ("ECUATORIANA", "Ecuador", ("PAS", "CE")),
    "BO": ("BOLIVIANA", "Bolivia", ("PAS", "CE")),
    "CN": ("CHINA", "China", ("PAS",)),
}
SISTRA_DOC = {
    "DNI": "DNI",
    "CE": "CARNET DE EXTRANJERIA",
    "PAS": "PASAPORTE",
    "PTP": "PTP",
    "": "NO PRECISA",
}


def foreign_share(year: int) -> dict[str, float]:
    """Return the nationality weights of victims in `year` (the Venezuelan exodus from 2017)."""
    ve = {2015: 0.3, 2016: 0.6, 2017: 3.0, 2018: 12.0, 2019: 16.0}.get(year, 14.0)
    if year < 2015:
        ve = 0.2
    return {"PE": 100.0, "VE": ve, "CO": 3.0, "EC": 1.5, "BO": 1.8, "CN": 0.2}

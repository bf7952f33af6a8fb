"""UNODC GLOTIP-style tables: women, men, girls and boys by form of exploitation and citizenship.

Both tables share their row margins (persons by sex and age) and the grand total, so they are
suppressed as one set of values: a cell hidden in one cannot be recovered from the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.reports.labels import nationality_label
from app.reports.schemas import Chart, Report, Section, Value
from app.statistics.counting import PersonYear, tabulate
from app.statistics.suppression import Constraint, marginal_table, suppress

__all__ = ["FORMS", "GROUPS", "build", "form_of", "group_of"]

GROUPS: tuple[tuple[str, str], ...] = (
    ("mujeres", "Mujeres"),
    ("hombres", "Hombres"),
    ("ninas", "Niñas"),
    ("ninos", "Niños"),
    ("sin_dato", "Sin dato de sexo o edad"),
)
FORMS: tuple[tuple[str, str], ...] = (
    ("sexual", "Explotación sexual"),
    ("trabajo", "Trabajo forzoso"),
    ("organos", "Extracción de órganos"),
    ("otras", "Otras formas de explotación"),
    ("sin_dato", "No especificada"),
)
_FORM_OF = {
    "SexualExploitation": "sexual",
    "ForcedLabour": "trabajo",
    "Servitude": "trabajo",
    "Slavery": "trabajo",
    "OrganRemoval": "organos",
    "ForcedBegging": "otras",
    "SaleOfChildren": "otras",
    "Other": "otras",
}


def group_of(p: PersonYear) -> str:
    """Return the GLOTIP group of a person-year: women, men, girls, boys or unknown."""
    sex, age = p.attrs.get("sex"), p.attrs.get("age_minor")
    return {
        ("F", "adulto"): "mujeres",
        ("M", "adulto"): "hombres",
        ("F", "menor"): "ninas",
        ("M", "menor"): "ninos",
    }.get((str(sex), str(age)), "sin_dato")


def form_of(p: PersonYear) -> str:
    """Return the GLOTIP form of exploitation of a person-year."""
    return _FORM_OF.get(p.attrs.get("purpose", ""), "sin_dato")


def _citizenship(p: PersonYear) -> str:
    return p.attrs.get("nationality", "desconocido")


def _shared(tag: str, key: tuple[str, ...]) -> tuple[str, ...]:
    # A row margin (group, *) is the same number in both tables: give it one key.
    return ("g", key[0]) if key[1] == "*" else (tag, *key)


def _tables(
    items: Sequence[PersonYear],
) -> tuple[dict[tuple[str, ...], int], list[Constraint[tuple[str, ...]]]]:
    values: dict[tuple[str, ...], int] = {}
    constraints: list[Constraint[tuple[str, ...]]] = []
    for tag, second in (("f", form_of), ("c", _citizenship)):
        cells: dict[tuple[str, ...], int] = {}
        for (g, x), n in tabulate(
            [PersonYear(p.person_id, p.year, p.systems, p.identified,
                        {"g": group_of(p), "x": second(p)}) for p in items],
            ["g", "x"],
        ).items():  # fmt: skip
            cells[(g, x)] = n
        v, c = marginal_table(cells)
        values.update({_shared(tag, k): n for k, n in v.items()})
        constraints += [(_shared(tag, t), [_shared(tag, p) for p in ps]) for t, ps in c]
    return values, constraints


def _column(rows: Sequence[tuple[Value, ...]], i: int) -> tuple[float | None, ...]:
    return tuple(float(v) if isinstance(v := r[i], int) else None for r in rows)


def _section(
    key: str,
    title: str,
    header: str,
    tag: str,
    columns: Sequence[tuple[str, str]],
    get: Any,
    year: int,
) -> Section:
    rows: list[tuple[Value, ...]] = []
    for x, name in columns:
        rows.append((name, *(get(tag, g, x) for g, _ in GROUPS), get(tag, "*", x)))
    rows.append(("Total", *(get("g", g) for g, _ in GROUPS), get("g", "*")))
    chart = Chart(
        kind="bar",
        title=f"Víctimas {title.lower()}, {year}",
        categories=tuple(str(r[0]) for r in rows[:-1]),
        series=tuple((name, _column(rows[:-1], i + 1)) for i, (_, name) in enumerate(GROUPS[:4])),
        alt=f"Barras agrupadas de víctimas {title.lower()} para mujeres, hombres, niñas y niños.",
    )
    return Section(
        key=key,
        title=title,
        caption=f"Víctimas de trata de personas {title.lower()}, {year} (personas distintas)",
        columns=(header, *(n for _, n in GROUPS), "Total"),
        rows=tuple(rows),
        chart=chart,
    )


def build(
    items: Sequence[PersonYear],
    *,
    year: int,
    suppress_small: bool,
    threshold: int,
    last_linkage: datetime | None = None,
) -> Report:
    """Return the GLOTIP tables of one year's person-years, suppressed as one set of values."""
    values, constraints = _tables(items)
    hidden = suppress(values, constraints, threshold=threshold) if suppress_small else set()

    def get(*key: str) -> int | None:
        return None if key in hidden else values.get(key, 0)

    present = {_citizenship(p) for p in items}
    countries = sorted(present - {"PER", "desconocido"}, key=nationality_label)
    cit_columns = [("PER", "Perú (nacionales)")] if "PER" in present else []
    cit_columns += [(c, nationality_label(c)) for c in countries]
    if "desconocido" in present:
        cit_columns.append(("desconocido", "Sin dato"))
    sections = (
        _section("por_forma", "Por forma de explotación", "Forma de explotación",
                 "f", FORMS, get, year),
        _section("por_ciudadania", "Por ciudadanía", "Ciudadanía",
                 "c", cit_columns, get, year),
    )  # fmt: skip
    notes = [
        "Mujeres y hombres: 18 años o más; niñas y niños: menores de 18 años.",
        "Solo trata de personas propiamente dicha; una persona cuenta una vez en el año.",
        "Trabajo forzoso incluye servidumbre y esclavitud; otras formas: mendicidad, venta "
        "de niños y otras finalidades.",
    ]
    if suppress_small:
        notes.insert(0, f"— : cifra reservada (entre 1 y {threshold - 1}, o deducible).")
    return Report(
        slug=f"glotip-{year}",
        title=f"Cuadros GLOTIP {year}: víctimas de trata de personas",
        subtitle="Formato del Informe Mundial sobre la Trata de Personas (UNODC).",
        year=year,
        generated_at=datetime.now(UTC),
        last_linkage=last_linkage,
        suppressed=suppress_small,
        threshold=threshold,
        headline=(("Víctimas de trata", get("g", "*")),),
        sections=sections,
        notes=tuple(notes),
    )

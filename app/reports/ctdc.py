"""Victims in the CTDC / HTCDS layout, k-anonymised by full-domain generalisation.

Quasi-identifiers are the registration year, gender, age and citizenship. Each has a ladder
of ever coarser values; the ladder that leaves the fewest records in classes smaller than k is
climbed one rung at a time (Datafly-style) until the records still at risk fit the suppression
budget, and those are dropped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from app.reports.schemas import CtdcExport
from app.statistics.counting import PersonYear

__all__ = ["COLUMNS", "DEFAULT_K", "QUASI_IDENTIFIERS", "export", "k_anonymise"]

DEFAULT_K = 11
MAX_SUPPRESSION = 0.05  # share of records that may be dropped instead of generalising further

COLUMNS: tuple[str, ...] = (
    "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "citizenship",
    "CountryOfExploitation", "meansOfControlNotSpecified", "meansOfRecruitment", "isAbduction",
    "recruiterRelationIntimatePartner", "recruiterRelationUnknown", "isForcedLabour",
    "isSexualExploit", "isOtherExploit", "isSlaveryAndPractices", "isOrganRemoval",
    "typeOfLabourBegging", "typeOfExploitConcatenated",
)  # fmt: skip
QUASI_IDENTIFIERS: tuple[str, ...] = (
    "yearOfRegistration", "gender", "ageBroad", "majorityStatus", "citizenship",
)  # fmt: skip

_GENDER = {"F": "Female", "M": "Male"}
_AGE = {
    "0-8": "0--8", "9-17": "9--17", "18-20": "18--20", "21-23": "21--23", "24-26": "24--26",
    "27-29": "27--29", "30-38": "30--38", "39-47": "39--47", "48+": "48+",
}  # fmt: skip
_AGE_COARSE = {
    "0--8": "0--17", "9--17": "0--17", "18--20": "18--29", "21--23": "18--29",
    "24--26": "18--29", "27--29": "18--29", "30--38": "30--47", "39--47": "30--47", "48+": "48+",
}  # fmt: skip
_REGION = {
    "South America": ("VEN", "COL", "BOL", "ECU", "CHL", "ARG", "BRA", "PRY", "URY", "GUY", "SUR"),
    "Central America and the Caribbean": (
        "MEX", "GTM", "HND", "SLV", "NIC", "CRI", "PAN", "CUB", "DOM", "HTI", "PRI", "JAM", "TTO",
    ),
    "North America": ("USA", "CAN"),
    "Europe": ("ESP", "PRT", "ITA", "FRA", "DEU", "GBR", "NLD", "BEL", "CHE", "RUS", "UKR",
               "ROU", "POL"),
    "Asia": ("CHN", "TWN", "JPN", "KOR", "IND", "PHL", "VNM", "BGD", "PAK", "NPL", "IDN", "THA"),
}  # fmt: skip
_REGION_OF = {code: region for region, codes in _REGION.items() for code in codes}
_FLAGS = {
    "SexualExploitation": ("isSexualExploit",),
    "ForcedLabour": ("isForcedLabour",),
    "ForcedBegging": ("isForcedLabour", "typeOfLabourBegging"),
    "Servitude": ("isSlaveryAndPractices",),
    "Slavery": ("isSlaveryAndPractices",),
    "OrganRemoval": ("isOrganRemoval",),
    "SaleOfChildren": ("isOtherExploit",),
    "Other": ("isOtherExploit",),
}
_FLAG_COLUMNS = ("isForcedLabour", "isSexualExploit", "isOtherExploit", "isSlaveryAndPractices",
                 "isOrganRemoval", "typeOfLabourBegging")  # fmt: skip


def _year(value: str, level: int) -> str:
    if level == 0 or not value:
        return value
    if level == 1:
        start = int(value) - int(value) % 2
        return f"{start}-{start + 1}"
    return ""


def _gender(value: str, level: int) -> str:
    return value if level == 0 else ""


def _age(value: str, level: int) -> str:
    """Generalise 'ageBroad|majorityStatus' together: the band betrays the majority."""
    band, _, majority = value.partition("|")
    if level >= 1:
        band = _AGE_COARSE.get(band, band)
    if level >= 2:
        band = ""
    if level >= 3:
        majority = ""
    return f"{band}|{majority}"


def _citizenship(value: str, level: int) -> str:
    if level == 0 or not value or value == "PER":
        return "" if level >= 3 else value
    if level == 1:
        return _REGION_OF.get(value, "Other")
    return "Other" if level == 2 else ""


# Ladder per quasi-identifier: (column(s), generaliser, top level), in order of preference.
_LADDERS: tuple[tuple[str, Callable[[str, int], str], int], ...] = (
    ("citizenship", _citizenship, 3),
    ("age", _age, 3),
    ("yearOfRegistration", _year, 2),
    ("gender", _gender, 1),
)


def _key(row: Mapping[str, str], levels: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(fn(row[name], levels[name]) for name, fn, _ in _LADDERS)


def _at_risk(rows: Sequence[Mapping[str, str]], levels: Mapping[str, int], k: int) -> int:
    sizes = Counter(_key(r, levels) for r in rows)
    return sum(n for n in sizes.values() if n < k)


def k_anonymise(
    rows: Sequence[dict[str, str]], *, k: int, max_suppression: float = MAX_SUPPRESSION
) -> tuple[list[dict[str, str]], int, dict[str, int]]:
    """Generalise, then drop, until every quasi-identifier combination has at least k rows.

    Rows carry 'age' as 'ageBroad|majorityStatus'; returns (kept rows, dropped, levels).
    """
    levels = {name: 0 for name, _, _ in _LADDERS}
    budget = math.floor(max_suppression * len(rows))
    while _at_risk(rows, levels, k) > budget:
        options = [
            (_at_risk(rows, {**levels, name: levels[name] + 1}, k), i, name)
            for i, (name, _, top) in enumerate(_LADDERS)
            if levels[name] < top
        ]
        if not options:
            break
        # Fewest records at risk; ties climb the ladder that costs the least information.
        levels[min(options)[2]] += 1
    sizes = Counter(_key(r, levels) for r in rows)
    kept: list[dict[str, str]] = []
    for r in rows:
        key = _key(r, levels)
        if sizes[key] < k:
            continue
        out = dict(r)
        for (name, _, _), value in zip(_LADDERS, key, strict=True):
            out[name] = value
        kept.append(out)
    return kept, len(rows) - len(kept), levels


def _row(p: PersonYear, recruitment: Sequence[str]) -> dict[str, str]:
    a = p.attrs
    age = a.get("age_minor", "desconocido")
    majority = {"menor": "Minor", "adulto": "Adult"}.get(age, "")
    purpose = a.get("purpose", "desconocido")
    known = purpose in _FLAGS
    flags = set(_FLAGS.get(purpose, ()))
    means = Counter(recruitment).most_common(1)[0][0] if recruitment else ""
    nationality = a.get("nationality", "desconocido")
    return {
        "yearOfRegistration": str(p.year),
        "Datasource": "Case Management",
        "gender": _GENDER.get(a.get("sex", ""), ""),
        "age": f"{_AGE.get(a.get('age_ctdc', ''), '')}|{majority}",
        "citizenship": "" if nationality == "desconocido" else nationality,
        "CountryOfExploitation": "PER",
        "meansOfControlNotSpecified": "1",
        "meansOfRecruitment": means,
        "isAbduction": "" if not means else str(int(means == "Abduction")),
        "recruiterRelationIntimatePartner": "" if not means else str(int(means == "Romance")),
        "recruiterRelationUnknown": "0" if means else "1",
        **{c: (str(int(c in flags)) if known else "") for c in _FLAG_COLUMNS},
        "typeOfExploitConcatenated": purpose if known else "",
    }


def export(
    items: Sequence[PersonYear],
    *,
    recruitment: Mapping[tuple[int, int], Sequence[str]],
    k: int = DEFAULT_K,
) -> CtdcExport:
    """Return one row per victim-year in the CTDC layout, k-anonymised."""
    if k < 2:
        raise ValueError("k debe ser al menos 2")
    rows = [_row(p, recruitment.get((p.person_id, p.year), ())) for p in items]
    kept, dropped, levels = k_anonymise(rows, k=k)
    out: list[dict[str, str]] = []
    for r in kept:
        band, _, majority = r.pop("age").partition("|")
        r["ageBroad"], r["majorityStatus"] = band, majority
        out.append({c: r[c] for c in COLUMNS})
    out.sort(key=lambda r: tuple(r[c] for c in COLUMNS))
    return CtdcExport(
        columns=COLUMNS, rows=out, k=k, total=len(rows), suppressed=dropped, levels=levels
    )

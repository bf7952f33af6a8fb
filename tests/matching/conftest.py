"""Helpers to build CommonRecords by hand for the matching tests."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from app.schema.record import CommonRecord
from app.schema.vocab import DocumentType, OffenceFamily, Role, Sex, System

_ids = count(1)


def make_record(
    system: str = "RETA",
    *,
    case: str = "1-2017",
    given: str | None = "ROSA ELENA",
    paternal: str | None = "QUISPE",
    maternal: str | None = "MAMANI",
    doc: str | None = None,
    doc_type: str | None = None,
    sex: str | None = "F",
    age: int | None = None,
    birth: date | None = None,
    registered: date = date(2017, 3, 4),
    role: str = "victim",
    unidentified: bool = False,
    unit: str = "DIVINTRAT LIMA",
    ref: str | None = None,
    facts_date: date | None = None,
    facts_place: str | None = "150101",
    residence: str | None = None,
    row_id: str | None = None,
    **extra: Any,
) -> CommonRecord:
    """Build a CommonRecord with sensible defaults."""
    dtype = doc_type or ("DNI" if doc else "NONE")
    return CommonRecord(
        system=System(system),
        row_id=row_id or f"{system[0]}{next(_ids):06d}",
        role=Role(role),
        case_key=case,
        case_key_norm=case,
        agency_unit=unit,
        police_complaint_ref=ref,
        police_complaint_ref_norm=ref,
        given_names=None if unidentified else given,
        paternal_surname=None if unidentified else paternal,
        maternal_surname=None if unidentified else maternal,
        name_raw="NN" if unidentified else None,
        unidentified=unidentified,
        document_type=DocumentType(dtype),
        document_number=doc,
        sex=Sex(sex) if sex else None,
        age=age,
        birth_date=birth,
        nationality="PER",
        ubigeo_facts=facts_place,
        ubigeo_residence=residence,
        facts_date=facts_date,
        registration_date=registered,
        offence_raw="TRATA DE PERSONAS",
        offence="TRATA",
        offence_family=OffenceFamily.TRAFFICKING,
        **extra,
    )


_GIVEN = [
    "MARIA",
    "ANA",
    "LUZ",
    "ROSA",
    "FLOR",
    "KAREN",
    "NANCY",
    "JUANA",
    "CARMEN",
    "DIANA",
    "SANDRA",
    "PAOLA",
    "ERIKA",
    "SONIA",
    "JESSICA",
    "MILAGROS",
    "YESENIA",
    "KATHERINE",
    "JUAN",
    "CARLOS",
    "JOSE",
    "LUIS",
    "MIGUEL",
    "JORGE",
    "PEDRO",
    "VICTOR",
    "HUGO",
    "RAUL",
]
_SECOND = ["", "", "ELENA", "ISABEL", "DEL PILAR", "MARIBEL", "ANTONIO", "ALBERTO", "SOFIA"]
_SURNAMES = (
    ["QUISPE"] * 12
    + ["MAMANI"] * 8
    + ["FLORES"] * 6
    + ["HUAMAN"] * 5
    + ["CONDORI"] * 3
    + [
        "CHOQUE",
        "APAZA",
        "TORRES",
        "ROJAS",
        "DIAZ",
        "VARGAS",
        "RAMOS",
        "MENDOZA",
        "CHAVEZ",
        "SANCHEZ",
        "GARCIA",
        "CRUZ",
        "CASTILLO",
        "HUANCA",
        "PUMA",
        "TICONA",
        "YUPANQUI",
        "ZAPATA",
        "SALAZAR",
        "GUTIERREZ",
        "ESPINOZA",
        "CCAMA",
        "LAURA",
        "PAREDES",
        "REYES",
    ]
)


def _typo(text: str, rng: Any) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def population(n: int = 400, seed: int = 3) -> list[CommonRecord]:
    """Return persons each seen once in RETA and once in SISTRA, with realistic noise."""
    import random
    from datetime import timedelta

    rng = random.Random(seed)
    out: list[CommonRecord] = []
    for k in range(n):
        given = rng.choice(_GIVEN)
        second = rng.choice(_SECOND)
        full = f"{given} {second}".strip()
        pat, mat = rng.choice(_SURNAMES), rng.choice(_SURNAMES)
        age = rng.randint(12, 45)
        doc = f"{rng.randint(10_000_000, 79_999_999)}"
        reg = date(2017, 1, 1) + timedelta(days=rng.randint(0, 700))
        sex = "M" if given in _GIVEN[18:] else "F"
        residence = f"15{rng.randint(1, 10):02d}{rng.randint(1, 30):02d}"
        out.append(
            make_record(
                "RETA",
                case=f"P{k}",
                unit=f"U{k}",
                given=full,
                paternal=pat,
                maternal=mat,
                doc=doc,
                age=age,
                sex=sex,
                registered=reg,
                residence=residence,
                row_id=f"RP{k}",
            )
        )
        s_given = given if rng.random() < 0.3 else full
        s_pat = _typo(pat, rng) if rng.random() < 0.1 else pat
        s_mat = None if rng.random() < 0.1 else mat
        s_doc = doc if rng.random() < 0.6 else None
        later = reg + timedelta(days=rng.randint(5, 200))
        s_age = age + (1 if later.year > reg.year and rng.random() < 0.5 else 0)
        out.append(
            make_record(
                "SISTRA",
                case=f"F{k}",
                given=s_given.title(),
                paternal=s_pat.title(),
                maternal=s_mat.title() if s_mat else None,
                doc=s_doc,
                age=s_age,
                sex=sex,
                registered=later,
                row_id=f"SP{k}",
                residence=residence if rng.random() < 0.5 else None,
            )
        )
    return out

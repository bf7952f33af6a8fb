"""Dated offence crosswalk: the same article means different offences on different dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.schema.crosswalk import (
    LEY_31146_IN_FORCE,
    OFFENCES,
    article_in_force,
    offence_by_article,
    offence_by_name,
    resolve_offence,
    split_offence_text,
)
from app.schema.vocab import OffenceFamily

BEFORE = LEY_31146_IN_FORCE - timedelta(days=1)


def test_boundary_is_the_day_ley_31146_came_into_force() -> None:
    assert date(2021, 3, 31) == LEY_31146_IN_FORCE
    assert offence_by_article("129-A", BEFORE) is None
    assert offence_by_article("129-A", LEY_31146_IN_FORCE) == "TRAFFICKING"
    assert offence_by_article("153", BEFORE) == "TRAFFICKING"
    assert offence_by_article("153", LEY_31146_IN_FORCE) is None


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("153", "129-A", "TRAFFICKING"),
        ("153-A", "129-B", "AGGRAVATED_TRAFFICKING"),
        ("153-B", "129-C", "SEXUAL_EXPLOITATION"),
        ("153-C", "129-D", "PROMOTION_SEXUAL_EXPLOITATION"),
        ("153-D", "129-E", "SEXUAL_EXPLOITATION_CLIENT"),
        ("153-E", "129-F", "SEXUAL_EXPLOITATION_BENEFIT"),
        ("153-F", "129-G", "SEXUAL_EXPLOITATION_MANAGEMENT"),
        ("153-G", "129-H", "CHILD_SEXUAL_EXPLOITATION"),
        ("153-H", "129-I", "PROMOTION_CHILD_SEXUAL_EXPLOITATION"),
        ("153-I", "129-J", "ADOLESCENT_CLIENT"),
        ("153-J", "129-K", "CHILD_SEXUAL_EXPLOITATION_BENEFIT"),
        ("168-B", "129-O", "FORCED_LABOUR"),
        ("179", "179", "FAVOURING_PROSTITUTION"),
        ("181", "181", "PIMPING"),
    ],
)
def test_renumbering_table(old: str, new: str, code: str) -> None:
    assert offence_by_article(old, BEFORE) == code
    assert offence_by_article(new, LEY_31146_IN_FORCE) == code
    assert article_in_force(code, BEFORE) == old
    assert article_in_force(code, LEY_31146_IN_FORCE) == new


def test_same_article_different_dates() -> None:
    # 153-B: sexual exploitation before 2021; from then it is no article of ours
    assert resolve_offence("(ART. 153-B)", date(2019, 1, 1)).code == "SEXUAL_EXPLOITATION"  # type: ignore[union-attr]
    assert resolve_offence("(ART. 153-B)", date(2022, 1, 1)) is None
    # 129-B refines a bare "TRATA DE PERSONAS" only under the new numbering
    new = resolve_offence("TRATA DE PERSONAS (ART. 129-B)", LEY_31146_IN_FORCE)
    old = resolve_offence("TRATA DE PERSONAS (ART. 129-B)", BEFORE)
    assert new is not None and old is not None
    assert (new.code, new.article) == ("AGGRAVATED_TRAFFICKING", "129-B")
    assert (old.code, old.article) == ("TRAFFICKING", "153")


def test_name_decides_when_article_and_date_disagree() -> None:
    match = resolve_offence(
        "FORMAS AGRAVADAS DE LA TRATA DE PERSONAS (ART. 129-B)", date(2020, 6, 1)
    )
    assert match is not None and (match.code, match.article) == ("AGGRAVATED_TRAFFICKING", "153-A")
    match = resolve_offence("EXPLOTACION SEXUAL (ART. 153-B)", date(2023, 6, 1))
    assert match is not None and (match.code, match.article) == ("SEXUAL_EXPLOITATION", "129-C")


def test_pre_2019_esclavitud_153c_is_recognised_by_name() -> None:
    match = resolve_offence(
        "ESCLAVITUD Y OTRAS FORMAS DE EXPLOTACION (ART. 153-C)", date(2018, 5, 1)
    )
    assert match is not None and match.code == "SLAVERY" and match.family is OffenceFamily.RELATED
    assert article_in_force("SLAVERY", LEY_31146_IN_FORCE) == "129-Ñ"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("TRATA DE PERSONAS", "TRAFFICKING"),
        ("TRATA DE PERSONAS AGRAVADA", "AGGRAVATED_TRAFFICKING"),
        ("EXPLOTACION SEXUAL", "SEXUAL_EXPLOITATION"),
        ("FAVORECIMIENTO A LA PROSTITUCION", "FAVOURING_PROSTITUTION"),
        ("PROXENETISMO", "PIMPING"),
        ("TRABAJO FORZOSO", "FORCED_LABOUR"),
        ("EXPLOTACION SEXUAL DE NIÑAS, NIÑOS Y ADOLESCENTES", "CHILD_SEXUAL_EXPLOITATION"),
        ("trata de personas agravada", "AGGRAVATED_TRAFFICKING"),
        ("Favorecimiento a la prostitución", "FAVOURING_PROSTITUTION"),
    ],
)
def test_reta_names(name: str, code: str) -> None:
    assert offence_by_name(name)[0] == code
    match = resolve_offence(name, date(2017, 1, 1))
    assert match is not None and match.code == code


def test_families() -> None:
    trafficking = {c for c, o in OFFENCES.items() if o.family is OffenceFamily.TRAFFICKING}
    assert trafficking == {"TRAFFICKING", "AGGRAVATED_TRAFFICKING"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TRATA DE PERSONAS (ART. 153)", ("TRATA DE PERSONAS", "153")),
        (
            "FORMAS AGRAVADAS DE LA TRATA DE PERSONAS (ART. 129-B)",
            ("FORMAS AGRAVADAS DE LA TRATA DE PERSONAS", "129-B"),
        ),
        ("Trata de personas (Art 153-a)", ("TRATA DE PERSONAS", "153-A")),
        ("TRATA DE PERSONAS (ARTÍCULO 153)", ("TRATA DE PERSONAS", "153")),
        ("PROXENETISMO", ("PROXENETISMO", None)),
    ],
)
def test_split_offence_text(text: str, expected: tuple[str, str | None]) -> None:
    assert split_offence_text(text) == expected


def test_unknown_offence() -> None:
    assert resolve_offence("HURTO (ART. 185)", date(2020, 1, 1)) is None
    assert resolve_offence("HURTO", date(2020, 1, 1)) is None
    # a known article never rescues an unknown name
    assert resolve_offence("HURTO (ART. 153)", date(2020, 1, 1)) is None

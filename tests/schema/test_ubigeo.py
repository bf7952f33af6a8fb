"""Ubigeo tables: RENIEC -> INEI translation, names and population."""

from __future__ import annotations

import pytest

from app.schema import ubigeo


@pytest.mark.parametrize(
    ("reniec", "inei"),
    [
        ("140101", "150101"),
        ("030703", "030605"),
        ("160101", "170101"),
        ("240101", "070101"),
        ("170101", "180101"),
    ],
)
def test_reniec_to_inei(reniec: str, inei: str) -> None:
    assert ubigeo.reniec_to_inei(reniec) == inei


def test_unknown_codes() -> None:
    assert ubigeo.reniec_to_inei("999999") is None
    assert not ubigeo.is_inei_district("999999")
    assert ubigeo.is_inei_district("150101")
    assert ubigeo.district_name("999999") is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (30703, "030703"),
        (30703.0, "030703"),
        ("30703", "030703"),
        ("030703", "030703"),
        (" 150101 ", "150101"),
        ("150101.0", "150101"),
        ("15O101", None),
        (1234, None),
        (None, None),
        (True, None),
        (3.5, None),
    ],
)
def test_normalise_code(value: object, code: str | None) -> None:
    assert ubigeo.normalise_code(value) == code


def test_names_of_an_inei_code() -> None:
    assert ubigeo.department_name("150132") == "LIMA"
    assert ubigeo.province_name("150132") == "LIMA"
    assert ubigeo.district_name("150132") == "SAN JUAN DE LURIGANCHO"
    assert ubigeo.district_name("170101") == "TAMBOPATA"
    assert ubigeo.department_name("170101") == "MADRE DE DIOS"
    assert (ubigeo.department_code("170101"), ubigeo.province_code("170101")) == (
        "170000",
        "170100",
    )


def test_population_is_density_times_area() -> None:
    district = ubigeo.area("150132")
    assert district is not None and district.area_km2 and district.density_2020
    assert ubigeo.population("150132") == pytest.approx(district.area_km2 * district.density_2020)
    # San Juan de Lurigancho: about 1.1 million people in 2020
    assert 900_000 < (ubigeo.population("150132") or 0) < 1_400_000
    lima = ubigeo.population("150000")
    assert lima is not None and lima > 9_000_000
    assert ubigeo.population("999999") is None


def test_tables_are_loaded_once() -> None:
    assert ubigeo.tables() is ubigeo.tables()
    assert len(ubigeo.tables().districts) == 1893
    assert len(ubigeo.tables().reniec_to_inei) == 1893

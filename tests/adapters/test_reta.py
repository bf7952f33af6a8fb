"""RETA adapter: field rules and one test per known defect of the RETA export."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from app.adapters import parse_row
from app.schema import (
    CommonRecord,
    DocumentType,
    OffenceFamily,
    Purpose,
    Recruitment,
    Role,
    RowError,
    Sex,
    Stage,
    System,
)

BASE: dict[str, Any] = {
    "ID_REGISTRO": "R2017-004512",
    "NRO_DENUNCIA": "0123-2017",
    "DEPENDENCIA": "DIVINTRAT LIMA",
    "FECHA_DENUNCIA": "04/03/2017",
    "FECHA_HECHO": "28/02/2017",
    "UBIGEO_HECHO": "140101",
    "DELITO": "TRATA DE PERSONAS",
    "FINALIDAD": "EXPLOTACION SEXUAL",
    "FORMA_CAPTACION": "OFERTA LABORAL",
    "CONDICION": "VICTIMA",
    "APELLIDOS_NOMBRES": "QUISPE MAMANI ROSA ELENA",
    "TIPO_DOC": "DNI",
    "NRO_DOC": "04512377",
    "SEXO": "F",
    "EDAD": "17",
    "FECHA_NAC": "",
    "NACIONALIDAD": "PERUANA",
    "UBIGEO_NAC": "",
    "UBIGEO_DOMICILIO": "",
    "ESTADO": "REMITIDO A FISCALIA",
}


def parse(**changes: Any) -> CommonRecord:
    result = parse_row(System.RETA, 2, {**BASE, **changes})
    assert isinstance(result, CommonRecord), result
    return result


def fail(**changes: Any) -> RowError:
    result = parse_row(System.RETA, 7, {**BASE, **changes})
    assert isinstance(result, RowError), result
    return result


def columns(error: RowError) -> set[str]:
    return {issue.column for issue in error.issues}


def test_valid_row_maps_every_field() -> None:
    r = parse()
    assert r.system is System.RETA and r.row_id == "R2017-004512"
    assert r.role is Role.VICTIM
    assert (r.case_key, r.case_key_norm) == ("0123-2017", "123-2017")
    assert r.agency_unit == "DIVINTRAT LIMA"
    assert (r.paternal_surname, r.maternal_surname, r.given_names) == (
        "QUISPE",
        "MAMANI",
        "ROSA ELENA",
    )
    assert r.name_raw == "QUISPE MAMANI ROSA ELENA" and not r.unidentified
    assert (r.document_type, r.document_number) == (DocumentType.DNI, "04512377")
    assert (r.sex, r.age, r.minor, r.nationality) == (Sex.FEMALE, 17, True, "PER")
    assert r.registration_date == date(2017, 3, 4) and r.facts_date == date(2017, 2, 28)
    assert r.ubigeo_facts == "150101"  # RENIEC 140101 (Lima) is INEI 150101
    assert (r.offence, r.offence_article, r.offence_family) == (
        "TRAFFICKING",
        "153",
        OffenceFamily.TRAFFICKING,
    )
    assert (r.purpose, r.recruitment, r.stage) == (
        Purpose.SEXUAL_EXPLOITATION,
        Recruitment.JOB_OFFER,
        Stage.REFERRED_TO_PROSECUTOR,
    )
    # the record is fully valid as a pydantic model
    assert CommonRecord.model_validate(r.model_dump()) == r


# --- known defects ------------------------------------------------------------------------


def test_defect_typing_errors_in_names_and_document_numbers() -> None:
    r = parse(APELLIDOS_NOMBRES="SANCHEZ GONZALES, JUAN LUYS", NRO_DOC="451237799")
    assert (r.paternal_surname, r.given_names) == ("SANCHEZ", "JUAN LUYS")
    assert r.document_number == "451237799"  # a doubled digit is kept, not rejected
    assert parse(NRO_DOC="4512O377").document_number == "4512O377"
    assert parse(NRO_DOC="45.123.77").document_number == "04512377"


def test_defect_minor_registered_with_relative_document() -> None:
    mother = parse(ID_REGISTRO="R1", APELLIDOS_NOMBRES="QUISPE MAMANI ROSA", EDAD="38")
    child = parse(ID_REGISTRO="R2", APELLIDOS_NOMBRES="TORRES QUISPE ANA", EDAD="9")
    # the adapter keeps both rows and both numbers; deciding identity is the linker's job
    assert mother.document_number == child.document_number == "04512377"
    assert child.minor and not mother.minor


@pytest.mark.parametrize("value", ["4512377", 4512377, 4512377.0, "4512377.0", " 4512377 "])
def test_defect_excel_dropped_leading_zeros(value: Any) -> None:
    assert parse(NRO_DOC=value).document_number == "04512377"


@pytest.mark.parametrize(
    "name", ["NN", "N.N.", "n. n.", "NO IDENTIFICADO", "No  Identificado", "POR IDENTIFICAR", ""]
)
def test_defect_unidentified_persons(name: str) -> None:
    r = parse(APELLIDOS_NOMBRES=name, TIPO_DOC="SD", NRO_DOC="")
    assert r.unidentified
    assert r.paternal_surname is r.maternal_surname is r.given_names is None
    assert r.document_type is DocumentType.NONE and r.document_number is None


@pytest.mark.parametrize(
    ("value", "age", "minor"),
    [
        ("17 AÑOS", 17, True),
        ("17 ANOS", 17, True),
        ("17años", 17, True),
        (17, 17, True),
        ("MENOR", None, True),
        ("menor de edad", None, True),
        ("", None, None),
        ("30", 30, False),
    ],
)
def test_defect_ages_written_as_text(value: Any, age: int | None, minor: bool | None) -> None:
    r = parse(EDAD=value)
    assert (r.age, r.minor) == (age, minor)


def test_defect_age_and_birth_date_disagree_by_a_year() -> None:
    r = parse(EDAD="17", FECHA_NAC="01/01/1999")  # 18 on 04/03/2017
    assert r.age == 17 and r.birth_date == date(1999, 1, 1) and r.minor is True


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("PEÑA QUISPE ROSA", ("PEÑA", "QUISPE", "ROSA")),
        ("PENA QUISPE ROSA", ("PENA", "QUISPE", "ROSA")),
        ("Pérez  Núñez   José  Ángel", ("PEREZ", "NUÑEZ", "JOSE ANGEL")),
        ("DE LA CRUZ HUAMAN, MARIA", ("DE LA CRUZ", "HUAMAN", "MARIA")),
        ("DE LA CRUZ HUAMAN MARIA", ("DE LA CRUZ", "HUAMAN", "MARIA")),
        ("DE LA  CRUZ , JUAN", ("DE LA CRUZ", None, "JUAN")),
        ("DEL AGUILA DE LA CRUZ,JUAN", ("DEL AGUILA", "DE LA CRUZ", "JUAN")),
        ("VARGAS , FRANK", ("VARGAS", None, "FRANK")),
        ("HERRERA MIGUEL", ("HERRERA", None, "MIGUEL")),
        ("DE LOS SANTOS MIGUEL ALEXANDER", ("DE LOS SANTOS", None, "MIGUEL ALEXANDER")),
        ("DE LUZ SANTOS QUISPE ANA MARIA", ("DE LUZ SANTOS", "QUISPE", "ANA MARIA")),
        ("FLORES FLORES LUZ", ("FLORES", "FLORES", "LUZ")),
        ("O'BRIEN TORRES, ANA", ("OBRIEN", "TORRES", "ANA")),
    ],
)
def test_defect_name_spelling_comma_particles_and_missing_maternal(
    name: str, parts: tuple[str | None, str | None, str | None]
) -> None:
    r = parse(APELLIDOS_NOMBRES=name)
    assert (r.paternal_surname, r.maternal_surname, r.given_names) == parts
    assert r.name_raw == name


@pytest.mark.parametrize(
    "typed", ["0123-2017", "123-2017", "N° 123", "123-2017-DIVINTRAT", "N° 0123", 123]
)
def test_defect_complaint_number_typed_differently(typed: Any) -> None:
    r = parse(NRO_DENUNCIA=typed)
    assert r.case_key_norm == "123-2017"
    assert r.case_key == str(typed)


def test_defect_re_exported_row_with_corrections() -> None:
    first = parse(APELLIDOS_NOMBRES="YUPANQUI DE LA CRUZ,YESENIA MARIA")
    again = parse(APELLIDOS_NOMBRES="YUPANQUI DE LA CRUZ YESENIA MARÍA")
    assert first.row_id == again.row_id
    assert first.given_names == again.given_names == "YESENIA MARIA"
    assert first.content_hash() != again.content_hash()  # name_raw changed: a new version


# --- field rules --------------------------------------------------------------------------


def test_xlsx_cell_types_are_accepted() -> None:
    r = parse(
        FECHA_DENUNCIA=datetime(2017, 3, 4),
        FECHA_HECHO=date(2017, 2, 28),
        UBIGEO_HECHO=30703,
        NRO_DOC=4512377,
        EDAD=17.0,
        NRO_DENUNCIA=123,
    )
    assert r.registration_date == date(2017, 3, 4) and r.facts_date == date(2017, 2, 28)
    assert r.ubigeo_facts == "030605"  # RENIEC 030703 -> INEI 030605
    assert (r.document_number, r.age, r.case_key_norm) == ("04512377", 17, "123-2017")


def test_json_types_are_accepted() -> None:
    r = parse(EDAD=16, NRO_DOC=4512377, FECHA_HECHO=None, FECHA_NAC=None, UBIGEO_NAC=None)
    assert (r.age, r.document_number, r.facts_date) == (16, "04512377", None)


@pytest.mark.parametrize(
    ("tipo", "expected"),
    [
        ("DNI", DocumentType.DNI),
        ("CE", DocumentType.CE),
        ("PAS", DocumentType.PASSPORT),
        ("PTP", DocumentType.PTP),
        ("SD", DocumentType.NONE),
        ("", None),
    ],
)
def test_document_types(tipo: str, expected: DocumentType | None) -> None:
    r = parse(TIPO_DOC=tipo, NRO_DOC="AA418403" if tipo in ("CE", "PAS") else "04512377")
    assert r.document_type is expected
    if expected is DocumentType.NONE:
        assert r.document_number is None


def test_foreign_document_is_not_padded() -> None:
    assert parse(TIPO_DOC="PTP", NRO_DOC="5733750").document_number == "5733750"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("PERUANA", "PER"),
        ("VENEZOLANA", "VEN"),
        ("colombiana", "COL"),
        ("BOLIVIANA", "BOL"),
        ("ECUATORIANA", "ECU"),
        ("CHINA", "CHN"),
        ("DOMINICANA", "DOM"),
        ("ESPAÑOLA", "ESP"),
        ("HAITIANA", "HTI"),
        ("", None),
    ],
)
def test_nationality_demonyms(value: str, code: str | None) -> None:
    assert parse(NACIONALIDAD=value).nationality == code


@pytest.mark.parametrize(
    ("value", "purpose"),
    [
        ("EXPLOTACION LABORAL", Purpose.FORCED_LABOUR),
        ("TRABAJOS O SERVICIOS FORZADOS", Purpose.FORCED_LABOUR),
        ("MENDICIDAD", Purpose.FORCED_BEGGING),
        ("SERVIDUMBRE", Purpose.SERVITUDE),
        ("ESCLAVITUD", Purpose.SLAVERY),
        ("VENTA DE NIÑOS", Purpose.SALE_OF_CHILDREN),
        ("EXTRACCION O TRAFICO DE ORGANOS", Purpose.ORGAN_REMOVAL),
        ("OTROS", Purpose.OTHER),
        ("", Purpose.UNKNOWN),
    ],
)
def test_purposes(value: str, purpose: Purpose) -> None:
    assert parse(FINALIDAD=value).purpose is purpose


def test_recruitment_and_stage_and_sex() -> None:
    r = parse(FORMA_CAPTACION="SECUESTRO", ESTADO="CONCLUIDO", SEXO="M", CONDICION="PRESUNTO AUTOR")
    assert (r.recruitment, r.stage, r.sex, r.role) == (
        Recruitment.ABDUCTION,
        Stage.POLICE_CONCLUDED,
        Sex.MALE,
        Role.SUSPECT,
    )
    assert parse(FORMA_CAPTACION="").recruitment is Recruitment.UNKNOWN
    assert parse(SEXO="").sex is None


@pytest.mark.parametrize(
    ("delito", "code", "article", "family"),
    [
        (
            "TRATA DE PERSONAS AGRAVADA",
            "AGGRAVATED_TRAFFICKING",
            "153-A",
            OffenceFamily.TRAFFICKING,
        ),
        ("EXPLOTACION SEXUAL", "SEXUAL_EXPLOITATION", "153-B", OffenceFamily.RELATED),
        (
            "FAVORECIMIENTO A LA PROSTITUCION",
            "FAVOURING_PROSTITUTION",
            "179",
            OffenceFamily.RELATED,
        ),
        ("PROXENETISMO", "PIMPING", "181", OffenceFamily.RELATED),
        ("TRABAJO FORZOSO", "FORCED_LABOUR", "168-B", OffenceFamily.RELATED),
        (
            "EXPLOTACION SEXUAL DE NIÑAS, NIÑOS Y ADOLESCENTES",
            "CHILD_SEXUAL_EXPLOITATION",
            "153-G",
            OffenceFamily.RELATED,
        ),
    ],
)
def test_offence_by_name_with_article_in_force(
    delito: str, code: str, article: str, family: OffenceFamily
) -> None:
    r = parse(DELITO=delito)
    assert (r.offence, r.offence_article, r.offence_family, r.offence_raw) == (
        code,
        article,
        family,
        delito,
    )


def test_offence_article_follows_registration_date() -> None:
    assert parse(DELITO="TRATA DE PERSONAS", FECHA_DENUNCIA="31/03/2021").offence_article == "129-A"
    assert parse(DELITO="TRATA DE PERSONAS", FECHA_DENUNCIA="30/03/2021").offence_article == "153"


# --- errors -------------------------------------------------------------------------------


def test_invalid_date_names_the_column() -> None:
    e = fail(FECHA_DENUNCIA="31/02/2017")
    assert e.issues[0].column == "FECHA_DENUNCIA"
    assert e.issues[0].reason == "fecha inválida 31/02/2017; se espera dd/mm/aaaa"
    assert e.row_number == 7 and e.row_id == "R2017-004512" and e.system is System.RETA
    assert columns(fail(FECHA_HECHO="2017-02-28")) == {"FECHA_HECHO"}


@pytest.mark.parametrize(
    "column", ["ID_REGISTRO", "NRO_DENUNCIA", "FECHA_DENUNCIA", "CONDICION", "DELITO"]
)
def test_required_values(column: str) -> None:
    assert columns(fail(**{column: ""})) == {column}


def test_unknown_controlled_value() -> None:
    e = fail(CONDICION="XYZ")
    assert e.issues == (e.issues[0],) and e.issues[0].reason == "valor no reconocido: 'XYZ'"


def test_all_issues_of_a_row_are_collected() -> None:
    e = fail(
        FECHA_DENUNCIA="",
        CONDICION="TESTIGO",
        UBIGEO_HECHO="999999",
        NACIONALIDAD="MARCIANA",
        DELITO="HURTO",
        EDAD="VEINTE",
        TIPO_DOC="LIBRETA",
        SEXO="X",
    )
    assert columns(e) == {
        "FECHA_DENUNCIA",
        "CONDICION",
        "UBIGEO_HECHO",
        "NACIONALIDAD",
        "DELITO",
        "EDAD",
        "TIPO_DOC",
        "SEXO",
    }
    assert e.raw["CONDICION"] == "TESTIGO"


def test_unknown_reniec_ubigeo_is_an_error() -> None:
    e = fail(UBIGEO_DOMICILIO="999999")
    assert e.issues[0].column == "UBIGEO_DOMICILIO"
    assert "999999" in e.issues[0].reason


def test_error_reasons_never_contain_names_or_documents() -> None:
    e = fail(
        APELLIDOS_NOMBRES="QUISPE MAMANI ROSA",
        NRO_DOC="04512377",
        CONDICION="XYZ",
        FECHA_DENUNCIA="xx",
        EDAD="??",
    )
    text = " ".join(issue.reason for issue in e.issues)
    assert "QUISPE" not in text and "04512377" not in text


def test_non_scalar_json_value_is_an_error() -> None:
    assert "EDAD" in columns(fail(EDAD=[17]))
    assert "SEXO" in columns(fail(SEXO=True))


def test_missing_keys_do_not_raise() -> None:
    result = parse_row(System.RETA, 3, {"ID_REGISTRO": "R1"})
    assert isinstance(result, RowError)
    assert {"FECHA_DENUNCIA", "NRO_DENUNCIA", "CONDICION", "DELITO"} <= columns(result)

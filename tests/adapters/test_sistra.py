"""SISTRA adapter: field rules and one test per known defect of the SISTRA export."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.adapters import parse_row
from app.schema import (
    CommonRecord,
    DocumentType,
    OffenceFamily,
    Purpose,
    Role,
    RowError,
    Sex,
    Stage,
    System,
)

BASE: dict[str, Any] = {
    "ID_SUJETO": "S-0000184467",
    "NRO_CARPETA": "1706014501-2017-123-0",
    "FISCALIA": "FISCALIA PROVINCIAL ESPECIALIZADA EN TRATA DE PERSONAS DE MADRE DE DIOS",
    "DISTRITO_FISCAL": "MADRE DE DIOS",
    "FECHA_INGRESO": "2017-03-06",
    "FECHA_HECHO": "2017-02-28",
    "UBIGEO_HECHO": "170101",
    "DELITO": "TRATA DE PERSONAS (ART. 153)",
    "FINALIDAD": "explotacion_sexual",
    "ETAPA": "INVESTIGACION PRELIMINAR",
    "ORIGEN": "DENUNCIA POLICIAL",
    "NRO_DENUNCIA_PNP": "DEN 0123-2017 DIVINTRAT",
    "TIPO_SUJETO": "AGRAVIADO",
    "NOMBRES": "Rosa Elena",
    "APELLIDO_PATERNO": "Quispe",
    "APELLIDO_MATERNO": "Mamani",
    "TIPO_DOCUMENTO": "DNI",
    "NUMERO_DOCUMENTO": "04512377",
    "SEXO": "FEMENINO",
    "EDAD": "17",
    "FECHA_NACIMIENTO": "2000-05-12",
    "NACIONALIDAD": "Perú",
    "UBIGEO_DOMICILIO": "150132",
}


def parse(**changes: Any) -> CommonRecord:
    result = parse_row(System.SISTRA, 2, {**BASE, **changes})
    assert isinstance(result, CommonRecord), result
    return result


def fail(**changes: Any) -> RowError:
    result = parse_row(System.SISTRA, 5, {**BASE, **changes})
    assert isinstance(result, RowError), result
    return result


def columns(error: RowError) -> set[str]:
    return {issue.column for issue in error.issues}


def test_valid_row_maps_every_field() -> None:
    r = parse()
    assert (r.system, r.row_id, r.role) == (System.SISTRA, "S-0000184467", Role.VICTIM)
    assert (r.case_key, r.case_key_norm) == ("1706014501-2017-123-0", "1706014501-2017-123-0")
    assert r.agency_unit is not None and r.agency_unit.startswith("FISCALIA PROVINCIAL")
    assert (r.prosecution_district, r.origin) == ("MADRE DE DIOS", "DENUNCIA POLICIAL")
    assert (r.police_complaint_ref, r.police_complaint_ref_norm) == (
        "DEN 0123-2017 DIVINTRAT",
        "123-2017",
    )
    assert (r.given_names, r.paternal_surname, r.maternal_surname) == (
        "ROSA ELENA",
        "QUISPE",
        "MAMANI",
    )
    assert r.name_raw == "Rosa Elena Quispe Mamani" and not r.unidentified
    assert (r.document_type, r.document_number, r.sex) == (DocumentType.DNI, "04512377", Sex.FEMALE)
    assert (r.age, r.minor, r.birth_date, r.nationality) == (17, True, date(2000, 5, 12), "PER")
    assert (r.ubigeo_facts, r.ubigeo_residence, r.ubigeo_birth) == ("170101", "150132", None)
    assert (r.registration_date, r.facts_date) == (date(2017, 3, 6), date(2017, 2, 28))
    assert (r.offence, r.offence_article, r.offence_family) == (
        "TRAFFICKING",
        "153",
        OffenceFamily.TRAFFICKING,
    )
    assert (r.purpose, r.recruitment, r.stage) == (
        Purpose.SEXUAL_EXPLOITATION,
        None,
        Stage.PRELIMINARY_INVESTIGATION,
    )
    assert CommonRecord.model_validate(r.model_dump()) == r


# --- known defects ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given", ["", None, "NN", "PERSONA POR IDENTIFICAR", "persona por identificar"]
)
def test_defect_unidentified_victims(given: str | None) -> None:
    r = parse(
        NOMBRES=given,
        APELLIDO_PATERNO="",
        APELLIDO_MATERNO=None,
        TIPO_DOCUMENTO="NO PRECISA",
        NUMERO_DOCUMENTO="",
    )
    assert r.unidentified
    assert r.given_names is r.paternal_surname is r.maternal_surname is None
    assert r.document_type is DocumentType.NONE and r.document_number is None


def test_defect_nn_with_a_surname_is_partially_identified() -> None:
    r = parse(NOMBRES="NN", APELLIDO_PATERNO="Quispe", APELLIDO_MATERNO="")
    assert not r.unidentified and r.given_names is None and r.paternal_surname == "QUISPE"


def test_defect_one_victim_in_several_case_files() -> None:
    a = parse(ID_SUJETO="S-1", NRO_CARPETA="1706014501-2017-123-0")
    b = parse(ID_SUJETO="S-2", NRO_CARPETA="1706014501-2018-45-0", FECHA_INGRESO="2018-01-10")
    # one record per row, never merged here: the linker counts the person once
    assert a.document_number == b.document_number and a.case_key_norm != b.case_key_norm


@pytest.mark.parametrize(
    ("paterno", "expected"),
    [
        ("De la Cruz", "DE LA CRUZ"),
        ("Cruz", "CRUZ"),
        ("Del Castillo", "DEL CASTILLO"),
        ("  del   castillo ", "DEL CASTILLO"),
    ],
)
def test_defect_particle_surnames_split_inconsistently(paterno: str, expected: str) -> None:
    assert parse(APELLIDO_PATERNO=paterno).paternal_surname == expected


def test_defect_second_given_name_dropped() -> None:
    assert parse(NOMBRES="Rosa").given_names == "ROSA"
    assert parse(NOMBRES="Rosa  María").given_names == "ROSA MARIA"


def test_defect_surnames_swapped_are_kept_as_given() -> None:
    r = parse(APELLIDO_PATERNO="Mamani", APELLIDO_MATERNO="Quispe")
    assert (r.paternal_surname, r.maternal_surname) == ("MAMANI", "QUISPE")


def test_defect_missing_maternal_surname() -> None:
    r = parse(APELLIDO_MATERNO="")
    assert r.maternal_surname is None and r.name_raw == "Rosa Elena Quispe"


def test_defect_typing_errors_in_names_and_documents() -> None:
    r = parse(NOMBRES="Slaudia", APELLIDO_PATERNO="Raamirez", NUMERO_DOCUMENTO="701928711")
    assert (r.given_names, r.paternal_surname, r.document_number) == (
        "SLAUDIA",
        "RAAMIREZ",
        "701928711",
    )


def test_defect_re_exported_row_with_corrections() -> None:
    first = parse(APELLIDO_MATERNO="Santos")
    again = parse(APELLIDO_MATERNO="De los Santos", FECHA_NACIMIENTO="1992-10-02")
    assert first.row_id == again.row_id and first.content_hash() != again.content_hash()


@pytest.mark.parametrize(
    ("delito", "ingreso", "code", "article"),
    [
        ("TRATA DE PERSONAS (ART. 153)", "2019-05-01", "TRAFFICKING", "153"),
        ("TRATA DE PERSONAS (ART. 129-A)", "2022-05-01", "TRAFFICKING", "129-A"),
        (
            "FORMAS AGRAVADAS DE LA TRATA DE PERSONAS (ART. 153-A)",
            "2018-01-01",
            "AGGRAVATED_TRAFFICKING",
            "153-A",
        ),
        (
            "FORMAS AGRAVADAS DE LA TRATA DE PERSONAS (ART. 129-B)",
            "2021-03-31",
            "AGGRAVATED_TRAFFICKING",
            "129-B",
        ),
        # the article refines the generic name only in the numbering of its date
        ("TRATA DE PERSONAS (ART. 129-B)", "2022-01-01", "AGGRAVATED_TRAFFICKING", "129-B"),
        ("TRATA DE PERSONAS (ART. 129-B)", "2020-01-01", "TRAFFICKING", "153"),
        ("TRATA DE PERSONAS (ART. 153-A)", "2020-01-01", "AGGRAVATED_TRAFFICKING", "153-A"),
        # old number after the renumbering: the unambiguous name decides
        ("EXPLOTACION SEXUAL (ART. 153-B)", "2022-01-01", "SEXUAL_EXPLOITATION", "129-C"),
        (
            "PROMOCION O FAVORECIMIENTO DE LA EXPLOTACION SEXUAL (ART. 153-C)",
            "2019-08-01",
            "PROMOTION_SEXUAL_EXPLOITATION",
            "153-C",
        ),
        ("TRABAJO FORZOSO (ART. 168-B)", "2019-01-01", "FORCED_LABOUR", "168-B"),
        ("TRABAJO FORZOSO (ART. 129-O)", "2023-01-01", "FORCED_LABOUR", "129-O"),
        (
            "FAVORECIMIENTO A LA PROSTITUCION (ART. 179)",
            "2023-01-01",
            "FAVOURING_PROSTITUTION",
            "179",
        ),
        ("PROXENETISMO (ART. 181)", "2016-01-01", "PIMPING", "181"),
    ],
)
def test_defect_renumbered_articles_mapped_by_date(
    delito: str, ingreso: str, code: str, article: str
) -> None:
    r = parse(DELITO=delito, FECHA_INGRESO=ingreso)
    assert (r.offence, r.offence_article, r.offence_raw) == (code, article, delito)


# --- field rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tipo", "expected"),
    [
        ("DNI", DocumentType.DNI),
        ("CARNET DE EXTRANJERIA", DocumentType.CE),
        ("PASAPORTE", DocumentType.PASSPORT),
        ("PTP", DocumentType.PTP),
        ("NO PRECISA", DocumentType.NONE),
    ],
)
def test_document_types(tipo: str, expected: DocumentType) -> None:
    assert parse(TIPO_DOCUMENTO=tipo).document_type is expected


def test_sex_no_precisa_is_none() -> None:
    assert parse(SEXO="NO PRECISA").sex is None
    assert parse(SEXO="MASCULINO").sex is Sex.MALE


@pytest.mark.parametrize(
    ("value", "purpose"),
    [
        ("explotacion_laboral", Purpose.FORCED_LABOUR),
        ("trabajo_forzoso", Purpose.FORCED_LABOUR),
        ("mendicidad", Purpose.FORCED_BEGGING),
        ("servidumbre", Purpose.SERVITUDE),
        ("esclavitud", Purpose.SLAVERY),
        ("venta_ninos", Purpose.SALE_OF_CHILDREN),
        ("extraccion_organos", Purpose.ORGAN_REMOVAL),
        ("otra", Purpose.OTHER),
        ("no_precisa", Purpose.UNKNOWN),
        ("", Purpose.UNKNOWN),
    ],
)
def test_purposes(value: str, purpose: Purpose) -> None:
    assert parse(FINALIDAD=value).purpose is purpose


@pytest.mark.parametrize(
    ("etapa", "stage"),
    [
        ("CALIFICACION", Stage.QUALIFICATION),
        ("INVESTIGACION PREPARATORIA", Stage.PREPARATORY_INVESTIGATION),
        ("ETAPA INTERMEDIA", Stage.INTERMEDIATE),
        ("JUZGAMIENTO", Stage.TRIAL),
        ("ARCHIVO", Stage.ARCHIVED),
        ("SENTENCIA CONDENATORIA", Stage.CONVICTION),
        ("SENTENCIA ABSOLUTORIA", Stage.ACQUITTAL),
    ],
)
def test_stages(etapa: str, stage: Stage) -> None:
    assert parse(ETAPA=etapa).stage is stage


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("Perú", "PER"),
        ("Peru", "PER"),
        ("Venezuela", "VEN"),
        ("Colombia", "COL"),
        ("Bolivia", "BOL"),
        ("Ecuador", "ECU"),
        ("China", "CHN"),
        ("República Dominicana", "DOM"),
        ("España", "ESP"),
    ],
)
def test_country_names(country: str, code: str) -> None:
    assert parse(NACIONALIDAD=country).nationality == code


@pytest.mark.parametrize(
    ("typed", "norm"),
    [
        ("123-2017", "123-2017"),
        ("DEN 0123-2017 DIVINTRAT", "123-2017"),
        ("N° 1-2018", "1-2018"),
        ("148-2016-CPNP", "148-2016"),
        ("N° 123", "123-2017"),
        ("", None),
    ],
)
def test_police_complaint_ref_norm(typed: str, norm: str | None) -> None:
    # a number without its year takes the year of FECHA_INGRESO (2017 here)
    assert parse(NRO_DENUNCIA_PNP=typed, FECHA_HECHO="2016-12-30").police_complaint_ref_norm == norm


def test_json_types_and_ubigeo_without_leading_zero() -> None:
    r = parse(
        EDAD=17,
        NUMERO_DOCUMENTO=4512377,
        UBIGEO_HECHO=80201,
        UBIGEO_DOMICILIO=None,
        FECHA_HECHO=None,
    )
    assert (r.age, r.document_number, r.ubigeo_facts, r.ubigeo_residence) == (
        17,
        "04512377",
        "080201",
        None,
    )


def test_case_key_norm_is_stripped_upper() -> None:
    assert parse(NRO_CARPETA=" 1706014501-2017-123-0 ").case_key_norm == "1706014501-2017-123-0"


# --- errors -------------------------------------------------------------------------------


def test_invalid_iso_date_names_the_column() -> None:
    e = fail(FECHA_INGRESO="06/03/2017")
    assert [(i.column, i.reason) for i in e.issues] == [
        ("FECHA_INGRESO", "fecha inválida 06/03/2017; se espera aaaa-mm-dd")
    ]
    assert columns(fail(FECHA_NACIMIENTO="2000-02-30")) == {"FECHA_NACIMIENTO"}


@pytest.mark.parametrize(
    "column", ["ID_SUJETO", "NRO_CARPETA", "FECHA_INGRESO", "TIPO_SUJETO", "DELITO"]
)
def test_required_values(column: str) -> None:
    assert columns(fail(**{column: None})) == {column}


def test_unknown_inei_ubigeo_is_an_error() -> None:
    e = fail(UBIGEO_HECHO="999999")
    assert e.issues[0].column == "UBIGEO_HECHO" and "999999" in e.issues[0].reason


def test_unknown_offence_and_values_collected_together() -> None:
    e = fail(
        DELITO="HURTO AGRAVADO (ART. 186)",
        TIPO_SUJETO="TESTIGO",
        NACIONALIDAD="Atlántida",
        ORIGEN="X",
    )
    assert columns(e) == {"DELITO", "TIPO_SUJETO", "NACIONALIDAD", "ORIGEN"}
    assert "valor no reconocido: 'TESTIGO'" in {i.reason for i in e.issues}


def test_error_reasons_never_contain_names_or_documents() -> None:
    e = fail(FECHA_INGRESO="ayer", TIPO_SUJETO="?", EDAD="abc")
    text = " ".join(i.reason for i in e.issues)
    assert "Quispe" not in text and "04512377" not in text and "Rosa" not in text

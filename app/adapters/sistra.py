"""SISTRA (prosecutors) adapter: one export row -> CommonRecord or RowError."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.adapters import _fields as f
from app.adapters._names import is_unidentified
from app.adapters._text import cell_text, lookup_key, normalise_name
from app.schema.crosswalk import resolve_offence
from app.schema.record import CommonRecord, RowError, RowIssue
from app.schema.vocab import DocumentType, Purpose, Role, Sex, Stage, System

__all__ = ["COLUMNS", "parse_row"]

COLUMNS: tuple[str, ...] = (
    "ID_SUJETO",
    "NRO_CARPETA",
    "FISCALIA",
    "DISTRITO_FISCAL",
    "FECHA_INGRESO",
    "FECHA_HECHO",
    "UBIGEO_HECHO",
    "DELITO",
    "FINALIDAD",
    "ETAPA",
    "ORIGEN",
    "NRO_DENUNCIA_PNP",
    "TIPO_SUJETO",
    "NOMBRES",
    "APELLIDO_PATERNO",
    "APELLIDO_MATERNO",
    "TIPO_DOCUMENTO",
    "NUMERO_DOCUMENTO",
    "SEXO",
    "EDAD",
    "FECHA_NACIMIENTO",
    "NACIONALIDAD",
    "UBIGEO_DOMICILIO",
)

_ROLES = {
    "AGRAVIADO": Role.VICTIM,
    "AGRAVIADA": Role.VICTIM,
    "IMPUTADO": Role.SUSPECT,
    "IMPUTADA": Role.SUSPECT,
}
_DOC_TYPES = {
    "DNI": DocumentType.DNI,
    "CARNET DE EXTRANJERIA": DocumentType.CE,
    "CARNE DE EXTRANJERIA": DocumentType.CE,
    "PASAPORTE": DocumentType.PASSPORT,
    "PTP": DocumentType.PTP,
    "NO PRECISA": DocumentType.NONE,
}


_SEXES: dict[str, Sex] = {
    "FEMENINO": Sex.FEMALE,
    "MASCULINO": Sex.MALE,
    "F": Sex.FEMALE,
    "M": Sex.MALE,
}
_SEX_UNKNOWN = frozenset({"NO PRECISA"})
_STAGES = {
    "CALIFICACION": Stage.QUALIFICATION,
    "INVESTIGACION PRELIMINAR": Stage.PRELIMINARY_INVESTIGATION,
    "INVESTIGACION PREPARATORIA": Stage.PREPARATORY_INVESTIGATION,
    "ETAPA INTERMEDIA": Stage.INTERMEDIATE,
    "JUZGAMIENTO": Stage.TRIAL,
    "ARCHIVO": Stage.ARCHIVED,
    "SENTENCIA CONDENATORIA": Stage.CONVICTION,
    "SENTENCIA ABSOLUTORIA": Stage.ACQUITTAL,
}
_ORIGINS = {
    "DENUNCIA POLICIAL": "DENUNCIA POLICIAL",
    "DENUNCIA DE PARTE": "DENUNCIA DE PARTE",
    "DE OFICIO": "DE OFICIO",
    "DERIVACION": "DERIVACION",
}
_SOME_DATE = date(2000, 1, 1)


def _names(raw: Mapping[str, Any]) -> tuple[str | None, str | None, str | None, str | None, bool]:
    """Return (name_raw, given, paternal, maternal, unidentified) from the three name columns."""
    given_value = raw.get("NOMBRES")
    paternal_value = raw.get("APELLIDO_PATERNO")
    maternal_value = raw.get("APELLIDO_MATERNO")
    parts = [
        v for v in (given_value, paternal_value, maternal_value) if isinstance(v, str) and v.strip()
    ]
    name_raw = " ".join(parts) if parts else None
    given_text = cell_text(given_value)
    paternal = normalise_name(cell_text(paternal_value))
    maternal = normalise_name(cell_text(maternal_value))
    no_surnames = paternal is None and maternal is None
    if no_surnames and (given_text is None or is_unidentified(given_text)):
        return name_raw, None, None, None, True
    given = (
        None if given_text is None or is_unidentified(given_text) else normalise_name(given_text)
    )
    return name_raw, given, paternal, maternal, False


def parse_row(row_number: int, raw: Mapping[str, Any]) -> CommonRecord | RowError:
    """Parse one SISTRA row into a CommonRecord, or a RowError listing every problem."""
    g = raw.get
    row_id = cell_text(g("ID_SUJETO"))
    if g(f.PROBLEM_KEY) is not None:
        return f.problem_error(System.SISTRA, row_number, row_id, raw)
    issues: list[RowIssue] = []
    f.check_types(raw, issues)
    if row_id is None:
        issues.append(RowIssue(column="ID_SUJETO", reason="falta el identificador del sujeto"))

    registered = f.date_field(g("FECHA_INGRESO"), "FECHA_INGRESO", issues, iso=True, required=True)
    facts = f.date_field(g("FECHA_HECHO"), "FECHA_HECHO", issues, iso=True)
    case_key = f.required_text(g("NRO_CARPETA"), "NRO_CARPETA", "el número de carpeta", issues)

    offence_raw = f.required_text(g("DELITO"), "DELITO", "el delito", issues)
    offence = None
    if offence_raw is not None:
        offence = resolve_offence(offence_raw, registered or _SOME_DATE)
        if offence is None:
            issues.append(
                RowIssue(column="DELITO", reason=f"delito no reconocido: '{offence_raw[:80]}'")
            )

    role = f.choice(_ROLES, g("TIPO_SUJETO"), "TIPO_SUJETO", issues, required=True)
    purpose = f.choice(f.PURPOSES, g("FINALIDAD"), "FINALIDAD", issues) or Purpose.UNKNOWN
    stage = f.choice(_STAGES, g("ETAPA"), "ETAPA", issues)
    origin = f.choice(_ORIGINS, g("ORIGEN"), "ORIGEN", issues)
    doc_type = f.choice(_DOC_TYPES, g("TIPO_DOCUMENTO"), "TIPO_DOCUMENTO", issues)
    sex_text = cell_text(g("SEXO"))
    sex = None
    if sex_text is not None and lookup_key(sex_text) not in _SEX_UNKNOWN:
        sex = f.choice(_SEXES, sex_text, "SEXO", issues)
    age, says_minor = f.age_field(g("EDAD"), "EDAD", issues)
    birth = f.date_field(g("FECHA_NACIMIENTO"), "FECHA_NACIMIENTO", issues, iso=True)
    nationality = f.nationality_field(g("NACIONALIDAD"), "NACIONALIDAD", issues)
    ubigeo_facts = f.ubigeo_field(g("UBIGEO_HECHO"), "UBIGEO_HECHO", issues, reniec=False)
    ubigeo_home = f.ubigeo_field(g("UBIGEO_DOMICILIO"), "UBIGEO_DOMICILIO", issues, reniec=False)

    if (
        issues
        or row_id is None
        or case_key is None
        or registered is None
        or role is None
        or offence is None
        or offence_raw is None
    ):
        return RowError(
            system=System.SISTRA,
            row_number=row_number,
            row_id=row_id,
            issues=tuple(issues),
            raw=dict(raw),
        )

    name_raw, given, paternal, maternal, unidentified = _names(raw)
    police_ref = cell_text(g("NRO_DENUNCIA_PNP"))
    # A police number typed without its year gets the year of FECHA_INGRESO: the complaint
    # precedes the prosecutor's entry by days or weeks, while the facts may be years older.
    police_ref_norm = f.complaint_number(police_ref, registered.year) if police_ref else None

    return CommonRecord.trusted(
        system=System.SISTRA,
        row_id=row_id,
        role=role,
        case_key=case_key,
        case_key_norm=" ".join(case_key.upper().split()),
        agency_unit=cell_text(g("FISCALIA")),
        prosecution_district=cell_text(g("DISTRITO_FISCAL")),
        origin=origin,
        police_complaint_ref=police_ref,
        police_complaint_ref_norm=police_ref_norm,
        name_raw=name_raw,
        given_names=given,
        paternal_surname=paternal,
        maternal_surname=maternal,
        unidentified=unidentified,
        document_type=doc_type,
        document_number=f.document_number(doc_type, g("NUMERO_DOCUMENTO")),
        sex=sex,
        age=age,
        minor=f.minor_flag(age, says_minor, birth, registered),
        birth_date=birth,
        nationality=nationality,
        ubigeo_facts=ubigeo_facts,
        ubigeo_residence=ubigeo_home,
        ubigeo_birth=None,
        facts_date=facts,
        registration_date=registered,
        offence_raw=offence_raw,
        offence=offence.code,
        offence_article=offence.article,
        offence_family=offence.family,
        purpose=purpose,
        recruitment=None,
        stage=stage,
    )

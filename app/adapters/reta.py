"""RETA (police) adapter: one export row -> CommonRecord or RowError."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.adapters import _fields as f
from app.adapters._names import is_unidentified, split_full_name
from app.adapters._text import cell_text
from app.schema.crosswalk import resolve_offence
from app.schema.record import CommonRecord, RowError, RowIssue
from app.schema.vocab import (
    DocumentType,
    Purpose,
    Recruitment,
    Role,
    Sex,
    Stage,
    System,
)

__all__ = ["COLUMNS", "parse_row"]

COLUMNS: tuple[str, ...] = (
    "ID_REGISTRO",
    "NRO_DENUNCIA",
    "DEPENDENCIA",
    "FECHA_DENUNCIA",
    "FECHA_HECHO",
    "UBIGEO_HECHO",
    "DELITO",
    "FINALIDAD",
    "FORMA_CAPTACION",
    "CONDICION",
    "APELLIDOS_NOMBRES",
    "TIPO_DOC",
    "NRO_DOC",
    "SEXO",
    "EDAD",
    "FECHA_NAC",
    "NACIONALIDAD",
    "UBIGEO_NAC",
    "UBIGEO_DOMICILIO",
    "ESTADO",
)

_ROLES = {
    "VICTIMA": Role.VICTIM,
    "PRESUNTO AUTOR": Role.SUSPECT,
    "PRESUNTA AUTORA": Role.SUSPECT,
}
_DOC_TYPES = {
    "DNI": DocumentType.DNI,
    "CE": DocumentType.CE,
    "PAS": DocumentType.PASSPORT,
    "PASAPORTE": DocumentType.PASSPORT,
    "PTP": DocumentType.PTP,
    "SD": DocumentType.NONE,
}
_SEXES = {"M": Sex.MALE, "F": Sex.FEMALE, "MASCULINO": Sex.MALE, "FEMENINO": Sex.FEMALE}
_RECRUITMENT = {
    "OFERTA LABORAL": Recruitment.JOB_OFFER,
    "REDES SOCIALES": Recruitment.SOCIAL_MEDIA,
    "ENAMORAMIENTO": Recruitment.ROMANCE,
    "FAMILIAR O CONOCIDO": Recruitment.FAMILY_OR_ACQUAINTANCE,
    "AGENCIA DE EMPLEO": Recruitment.EMPLOYMENT_AGENCY,
    "SECUESTRO": Recruitment.ABDUCTION,
    "OTRO": Recruitment.OTHER,
    "OTROS": Recruitment.OTHER,
}
_STAGES = {
    "EN INVESTIGACION": Stage.POLICE_INVESTIGATION,
    "REMITIDO A FISCALIA": Stage.REFERRED_TO_PROSECUTOR,
    "CONCLUIDO": Stage.POLICE_CONCLUDED,
}
# Used only to resolve the offence name when the complaint date itself is invalid.
_SOME_DATE = date(2000, 1, 1)


def parse_row(row_number: int, raw: Mapping[str, Any]) -> CommonRecord | RowError:
    """Parse one RETA row into a CommonRecord, or a RowError listing every problem."""
    g = raw.get
    row_id = cell_text(g("ID_REGISTRO"))
    if g(f.PROBLEM_KEY) is not None:
        return f.problem_error(System.RETA, row_number, row_id, raw)
    issues: list[RowIssue] = []
    f.check_types(raw, issues)
    if row_id is None:
        issues.append(RowIssue(column="ID_REGISTRO", reason="falta el identificador del registro"))

    registered = f.date_field(
        g("FECHA_DENUNCIA"), "FECHA_DENUNCIA", issues, iso=False, required=True
    )
    facts = f.date_field(g("FECHA_HECHO"), "FECHA_HECHO", issues, iso=False)
    case_key = f.required_text(g("NRO_DENUNCIA"), "NRO_DENUNCIA", "el número de denuncia", issues)

    offence_raw = f.required_text(g("DELITO"), "DELITO", "el delito", issues)
    offence = None
    if offence_raw is not None:
        offence = resolve_offence(offence_raw, registered or _SOME_DATE)
        if offence is None:
            issues.append(
                RowIssue(column="DELITO", reason=f"delito no reconocido: '{offence_raw[:80]}'")
            )

    role = f.choice(_ROLES, g("CONDICION"), "CONDICION", issues, required=True)
    purpose = f.choice(f.PURPOSES, g("FINALIDAD"), "FINALIDAD", issues) or Purpose.UNKNOWN
    recruitment = (
        f.choice(_RECRUITMENT, g("FORMA_CAPTACION"), "FORMA_CAPTACION", issues)
        or Recruitment.UNKNOWN
    )
    stage = f.choice(_STAGES, g("ESTADO"), "ESTADO", issues)
    doc_type = f.choice(_DOC_TYPES, g("TIPO_DOC"), "TIPO_DOC", issues)
    sex = f.choice(_SEXES, g("SEXO"), "SEXO", issues)
    age, says_minor = f.age_field(g("EDAD"), "EDAD", issues)
    birth = f.date_field(g("FECHA_NAC"), "FECHA_NAC", issues, iso=False)
    nationality = f.nationality_field(g("NACIONALIDAD"), "NACIONALIDAD", issues)
    ubigeo_facts = f.ubigeo_field(g("UBIGEO_HECHO"), "UBIGEO_HECHO", issues, reniec=True)
    ubigeo_birth = f.ubigeo_field(g("UBIGEO_NAC"), "UBIGEO_NAC", issues, reniec=True)
    ubigeo_home = f.ubigeo_field(g("UBIGEO_DOMICILIO"), "UBIGEO_DOMICILIO", issues, reniec=True)

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
            system=System.RETA,
            row_number=row_number,
            row_id=row_id,
            issues=tuple(issues),
            raw=dict(raw),
        )

    name_value = g("APELLIDOS_NOMBRES")
    name_raw = name_value if isinstance(name_value, str) and name_value.strip() else None
    unidentified = name_raw is None or is_unidentified(name_raw)
    if unidentified or name_raw is None:
        paternal = maternal = given = None
    else:
        split = split_full_name(name_raw)
        paternal, maternal, given = split.paternal, split.maternal, split.given

    return CommonRecord.trusted(
        system=System.RETA,
        row_id=row_id,
        role=role,
        case_key=case_key,
        case_key_norm=f.complaint_number(case_key, registered.year),
        agency_unit=cell_text(g("DEPENDENCIA")),
        prosecution_district=None,
        origin=None,
        police_complaint_ref=None,
        police_complaint_ref_norm=None,
        name_raw=name_raw,
        given_names=given,
        paternal_surname=paternal,
        maternal_surname=maternal,
        unidentified=unidentified,
        document_type=doc_type,
        document_number=f.document_number(doc_type, g("NRO_DOC")),
        sex=sex,
        age=age,
        minor=f.minor_flag(age, says_minor, birth, registered),
        birth_date=birth,
        nationality=nationality,
        ubigeo_facts=ubigeo_facts,
        ubigeo_residence=ubigeo_home,
        ubigeo_birth=ubigeo_birth,
        facts_date=facts,
        registration_date=registered,
        offence_raw=offence_raw,
        offence=offence.code,
        offence_article=offence.article,
        offence_family=offence.family,
        purpose=purpose,
        recruitment=recruitment,
        stage=stage,
    )

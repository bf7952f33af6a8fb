"""Spanish words for the linkage fields, their comparison levels and decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.reports.labels import nationality_label, purpose_label, sex_label

__all__ = ["DECISIONS", "EVIDENCE", "LEVELS", "RECORD_ROWS", "level_label", "record_value"]

# (evidence field, its label, the record attributes it compares)
EVIDENCE: dict[str, tuple[str, tuple[str, ...]]] = {
    "document": ("Documento", ("document_type", "document_number")),
    "given_name": ("Nombres", ("given_names",)),
    "paternal_surname": ("Apellido paterno", ("paternal_surname",)),
    "maternal_surname": ("Apellido materno", ("maternal_surname",)),
    "birth": ("Nacimiento y edad", ("birth_date", "age")),
    "sex": ("Sexo", ("sex",)),
    "nationality": ("Nacionalidad", ("nationality",)),
    "residence": ("Residencia", ("ubigeo_residence",)),
    "birthplace": ("Lugar de nacimiento", ("ubigeo_birth",)),
    "case": ("Caso", ("case_key", "police_complaint_ref")),
}

# Rows of the side-by-side comparison: (label, record attribute, evidence field or "")
RECORD_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Nombre tal como se registró", "name_raw", ""),
    ("Nombres", "given_names", "given_name"),
    ("Apellido paterno", "paternal_surname", "paternal_surname"),
    ("Apellido materno", "maternal_surname", "maternal_surname"),
    ("Tipo de documento", "document_type", "document"),
    ("Número de documento", "document_number", "document"),
    ("Sexo", "sex", "sex"),
    ("Edad", "age", "birth"),
    ("Fecha de nacimiento", "birth_date", "birth"),
    ("Nacionalidad", "nationality", "nationality"),
    ("Ubigeo de residencia", "ubigeo_residence", "residence"),
    ("Ubigeo de nacimiento", "ubigeo_birth", "birthplace"),
    ("Ubigeo de los hechos", "ubigeo_facts", ""),
    ("Caso", "case_key", "case"),
    ("Referencia de denuncia policial", "police_complaint_ref", "case"),
    ("Fecha de registro", "registration_date", ""),
    ("Delito registrado", "offence_raw", ""),
    ("Finalidad", "purpose", ""),
    ("Unidad", "agency_unit", ""),
    ("Etapa", "stage", ""),
)

LEVELS: dict[str, str] = {
    "missing": "sin dato en uno de los dos",
    "different": "distinto",
    "similar": "parecido",
    "very similar": "muy parecido",
    "one name dropped": "falta uno de los nombres",
    "exact": "idéntico",
    "crosses the maternal": "coincide con el materno del otro",
    "different, a minor": "distinto (menor de edad)",
    "two edits": "difiere en dos caracteres",
    "one edit": "difiere en un carácter",
    "incompatible": "incompatible",
    "within 3 years": "a menos de 3 años",
    "within a year": "a menos de un año",
    "compatible": "compatible",
    "dates close": "fechas cercanas",
    "equal": "igual",
    "other case": "otro caso",
    "same linked case": "mismo caso vinculado",
    "other department": "otro departamento",
    "same department": "mismo departamento",
    "same province": "misma provincia",
    "same district": "mismo distrito",
}

DECISIONS: dict[str, str] = {
    "match": "Misma persona",
    "no_match": "Personas distintas",
    "unsure": "No sé",
}


def level_label(level: str) -> str:
    """Return the Spanish words of a comparison level (the level itself if unknown)."""
    return LEVELS.get(level, level)


_STAGES = {
    "police_investigation": "En investigación policial",
    "referred_to_prosecutor": "Remitido a fiscalía",
    "police_concluded": "Concluido (policía)",
    "qualification": "Calificación",
    "preliminary_investigation": "Investigación preliminar",
    "preparatory_investigation": "Investigación preparatoria",
    "intermediate": "Etapa intermedia",
    "trial": "Juicio",
    "archived": "Archivado",
    "conviction": "Sentencia condenatoria",
    "acquittal": "Sentencia absolutoria",
}
_DOCUMENTS = {"NONE": "Sin documento"}
_BY_ATTR: dict[str, Callable[[str], str]] = {
    "sex": sex_label,
    "nationality": nationality_label,
    "purpose": purpose_label,
    "stage": lambda v: _STAGES.get(v, v),
    "document_type": lambda v: _DOCUMENTS.get(v, v),
}


def record_value(attr: str, value: Any) -> str:
    """Return a record attribute as a person reads it (empty when missing)."""
    if value is None or value == "":
        return ""
    fn = _BY_ATTR.get(attr)
    return fn(str(value)) if fn else str(value)

"""Spanish labels for the values the statistics use as keys (reports are read by people)."""

from __future__ import annotations

__all__ = [
    "RESERVED",
    "age_label",
    "department_label",
    "label",
    "nationality_label",
    "purpose_label",
    "sex_label",
]

RESERVED = "—"  # a hidden (suppressed) value, explained once in every report

_UNKNOWN = {"desconocido", "unknown", "", "total"}

_SEX = {"F": "Mujer", "M": "Hombre"}

_PURPOSE = {
    "SexualExploitation": "Explotación sexual",
    "ForcedLabour": "Trabajo forzoso",
    "ForcedBegging": "Mendicidad forzada",
    "Servitude": "Servidumbre",
    "Slavery": "Esclavitud y prácticas análogas",
    "OrganRemoval": "Extracción de órganos",
    "SaleOfChildren": "Venta de niñas, niños y adolescentes",
    "Other": "Otra finalidad",
    "Unknown": "No especificada",
}

_AGE = {
    "menor": "Menor de 18 años",
    "adulto": "18 años o más",
    "menor_sin_edad": "Menor de 18 (edad exacta desconocida)",
    "adulto_sin_edad": "Adulto (edad exacta desconocida)",
}

_NATIONALITY = {
    "PER": "Perú", "VEN": "Venezuela", "COL": "Colombia", "BOL": "Bolivia", "ECU": "Ecuador",
    "CHL": "Chile", "ARG": "Argentina", "BRA": "Brasil", "PRY": "Paraguay", "URY": "Uruguay",
    "MEX": "México", "DOM": "República Dominicana", "CUB": "Cuba", "HTI": "Haití",
    "CHN": "China", "ESP": "España", "USA": "Estados Unidos", "PAN": "Panamá",
}  # fmt: skip

_DEPARTMENT_ACCENTS = {
    "ANCASH": "Áncash",
    "APURIMAC": "Apurímac",
    "HUANUCO": "Huánuco",
    "JUNIN": "Junín",
    "SAN MARTIN": "San Martín",
}
_LOWER = {"de", "del", "la", "las", "los", "y"}


def _unknown(value: str) -> bool:
    return value.strip().lower() in _UNKNOWN


def sex_label(value: str) -> str:
    """Return the Spanish label of a sex code."""
    return "Sin dato" if _unknown(value) else _SEX.get(value, value)


def purpose_label(value: str) -> str:
    """Return the Spanish label of an exploitation purpose (HTCDS category)."""
    return "No especificada" if _unknown(value) else _PURPOSE.get(value, value)


def age_label(value: str) -> str:
    """Return the Spanish label of an age band ('0-12', '25+', 'menor', ...)."""
    if _unknown(value):
        return "Sin dato"
    if value in _AGE:
        return _AGE[value]
    if value.endswith("+"):
        return f"{value[:-1]} años o más"
    low, _, high = value.partition("-")
    return f"{low} a {high} años" if high else value


def nationality_label(value: str) -> str:
    """Return the Spanish country name of an ISO 3166-1 alpha-3 code (the code if unlisted)."""
    return "Sin dato" if _unknown(value) else _NATIONALITY.get(value, value)


def department_label(value: str) -> str:
    """Return a department name as people write it ('MADRE DE DIOS' -> 'Madre de Dios')."""
    if _unknown(value):
        return "Sin dato"
    if value in _DEPARTMENT_ACCENTS:
        return _DEPARTMENT_ACCENTS[value]
    words = value.lower().split()
    return " ".join(w if i and w in _LOWER else w.capitalize() for i, w in enumerate(words))


_BY_DIMENSION = {
    "sex": sex_label,
    "purpose": purpose_label,
    "age_minor": age_label,
    "age_fiscal": age_label,
    "age_ctdc": age_label,
    "nationality": nationality_label,
    "department_facts": department_label,
    "department_residence": department_label,
    "department_birth": department_label,
}


def label(dimension: str, value: str) -> str:
    """Return the Spanish label of a value of a statistics dimension."""
    fn = _BY_DIMENSION.get(dimension)
    return fn(value) if fn else value

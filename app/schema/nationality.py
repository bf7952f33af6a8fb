"""Nationalities: Spanish demonyms (RETA) and country names (SISTRA) to ISO 3166-1 alpha-3."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["ISO3_BY_KEY", "nationality_iso3"]

# Country name, then demonyms (masculine and feminine); keys are compared without accents.
_ENTRIES: dict[str, tuple[str, ...]] = {
    # South America
    "PER": ("PERU", "PERUANA", "PERUANO"),
    "VEN": ("VENEZUELA", "VENEZOLANA", "VENEZOLANO", "REPUBLICA BOLIVARIANA DE VENEZUELA"),
    "COL": ("COLOMBIA", "COLOMBIANA", "COLOMBIANO"),
    "BOL": ("BOLIVIA", "BOLIVIANA", "BOLIVIANO", "ESTADO PLURINACIONAL DE BOLIVIA"),
    "ECU": ("ECUADOR", "ECUATORIANA", "ECUATORIANO"),
    "CHL": ("CHILE", "CHILENA", "CHILENO"),
    "ARG": ("ARGENTINA", "ARGENTINO"),
    "BRA": ("BRASIL", "BRASILENA", "BRASILENO", "BRASILERA", "BRASILERO"),
    "PRY": ("PARAGUAY", "PARAGUAYA", "PARAGUAYO"),
    "URY": ("URUGUAY", "URUGUAYA", "URUGUAYO"),
    "GUY": ("GUYANA", "GUYANES", "GUYANESA"),
    "SUR": ("SURINAM", "SURINAME", "SURINAMES", "SURINAMESA"),
    # Central and North America
    "MEX": ("MEXICO", "MEXICANA", "MEXICANO"),
    "GTM": ("GUATEMALA", "GUATEMALTECA", "GUATEMALTECO"),
    "HND": ("HONDURAS", "HONDURENA", "HONDURENO"),
    "SLV": ("EL SALVADOR", "SALVADORENA", "SALVADORENO"),
    "NIC": ("NICARAGUA", "NICARAGUENSE"),
    "CRI": ("COSTA RICA", "COSTARRICENSE"),
    "PAN": ("PANAMA", "PANAMENA", "PANAMENO"),
    "USA": (
        "ESTADOS UNIDOS",
        "ESTADOS UNIDOS DE AMERICA",
        "ESTADOUNIDENSE",
        "NORTEAMERICANA",
        "NORTEAMERICANO",
        "EEUU",
        "EE UU",
    ),
    "CAN": ("CANADA", "CANADIENSE"),
    # Caribbean
    "CUB": ("CUBA", "CUBANA", "CUBANO"),
    "DOM": ("REPUBLICA DOMINICANA", "DOMINICANA", "DOMINICANO"),
    "HTI": ("HAITI", "HAITIANA", "HAITIANO"),
    "PRI": ("PUERTO RICO", "PUERTORRIQUENA", "PUERTORRIQUENO"),
    "JAM": ("JAMAICA", "JAMAIQUINA", "JAMAIQUINO"),
    "TTO": ("TRINIDAD Y TOBAGO", "TRINITENSE"),
    # Europe
    "ESP": ("ESPANA", "ESPANOLA", "ESPANOL"),
    "PRT": ("PORTUGAL", "PORTUGUESA", "PORTUGUES"),
    "ITA": ("ITALIA", "ITALIANA", "ITALIANO"),
    "FRA": ("FRANCIA", "FRANCESA", "FRANCES"),
    "DEU": ("ALEMANIA", "ALEMANA", "ALEMAN"),
    "GBR": ("REINO UNIDO", "BRITANICA", "BRITANICO", "INGLATERRA", "INGLESA", "INGLES"),
    "NLD": ("PAISES BAJOS", "HOLANDA", "NEERLANDESA", "NEERLANDES", "HOLANDESA", "HOLANDES"),
    "BEL": ("BELGICA", "BELGA"),
    "CHE": ("SUIZA", "SUIZO"),
    "RUS": ("RUSIA", "RUSA", "RUSO", "FEDERACION DE RUSIA"),
    "UKR": ("UCRANIA", "UCRANIANA", "UCRANIANO"),
    "ROU": ("RUMANIA", "RUMANA", "RUMANO"),
    "POL": ("POLONIA", "POLACA", "POLACO"),
    # Asia
    "CHN": ("CHINA", "CHINO", "REPUBLICA POPULAR CHINA"),
    "TWN": ("TAIWAN", "TAIWANESA", "TAIWANES"),
    "JPN": ("JAPON", "JAPONESA", "JAPONES"),
    "KOR": ("COREA", "COREA DEL SUR", "COREANA", "COREANO", "SURCOREANA", "SURCOREANO"),
    "IND": ("INDIA", "HINDU"),
    "PHL": ("FILIPINAS", "FILIPINA", "FILIPINO"),
    "VNM": ("VIETNAM", "VIETNAMITA"),
    "BGD": ("BANGLADES", "BANGLADESH", "BANGLADESI"),
    "PAK": ("PAKISTAN", "PAKISTANI"),
    "NPL": ("NEPAL", "NEPALI", "NEPALESA", "NEPALES"),
    "IDN": ("INDONESIA", "INDONESIO"),
    "THA": ("TAILANDIA", "TAILANDESA", "TAILANDES"),
    # Africa and the Middle East
    "NGA": ("NIGERIA", "NIGERIANA", "NIGERIANO"),
    "SEN": ("SENEGAL", "SENEGALESA", "SENEGALES"),
    "GHA": ("GHANA", "GHANESA", "GHANES"),
    "MAR": ("MARRUECOS", "MARROQUI"),
    "ISR": ("ISRAEL", "ISRAELI"),
    "SYR": ("SIRIA", "SIRIO"),
    "TUR": ("TURQUIA", "TURCA", "TURCO"),
}


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.upper())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace(".", "").replace("-", " ").replace(",", " ")
    return " ".join(plain.split())


ISO3_BY_KEY: dict[str, str] = {
    **{code: code for code in _ENTRIES},
    **{_key(name): code for code, names in _ENTRIES.items() for name in names},
}


@lru_cache(maxsize=1024)
def nationality_iso3(text: str) -> str | None:
    """Return the ISO 3166-1 alpha-3 code of a demonym or country name; None if unknown."""
    return ISO3_BY_KEY.get(_key(text))

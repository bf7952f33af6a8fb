"""Person names: unidentified markers, the given-name lexicon and the RETA full-name split."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from app.adapters._text import normalise_name

__all__ = ["SplitName", "is_given_name", "is_unidentified", "split_full_name"]

# Compared after removing dots and spaces, so "N. N.", "n.n." and "NO  IDENTIFICADO" all match.
_UNIDENTIFIED = frozenset(
    {
        "NN",
        "NNN",
        "NNNN",
        "NOIDENTIFICADO",
        "NOIDENTIFICADA",
        "PORIDENTIFICAR",
        "PERSONAPORIDENTIFICAR",
        "PERSONANOIDENTIFICADA",
        "SINIDENTIFICAR",
        "DESCONOCIDO",
        "DESCONOCIDA",
    }
)

# The ~150 commonest given names in Peru, so the split never depends on optional data files.
_BUILTIN_GIVEN = frozenset(
    """
    ABEL ABIGAIL ADRIANA ADRIAN ALBERTO ALEJANDRA ALEJANDRO ALEXANDER ALEXANDRA ALFREDO ALICIA
    ALONSO ALVARO AMPARO ANA ANDREA ANDRES ANGEL ANGELA ANGELICA ANTHONY ANTONIO ARMANDO ASHLEY
    AUGUSTO AURORA BEATRIZ BENJAMIN BERTHA BLANCA BRAYAN BRENDA BRIGITTE CAMILA CARLA CARLOS
    CARMEN CAROLINA CATALINA CECILIA CESAR CLARA CLAUDIA CRISTIAN CRISTINA DANIEL DANIELA DARIO
    DAVID DAYANA DELIA DENIS DIANA DIEGO DORIS EDGAR EDITH EDUARDO EDWIN ELENA ELIZABETH ELSA
    EMILIO ENRIQUE ERIKA ERNESTO ESTEFANY ESTHER EVA FABIOLA FELIPE FERNANDO FIORELLA FLOR
    FRANCISCO FRANK FREDDY GABRIEL GABRIELA GLADYS GLORIA GRACIELA GUADALUPE GUILLERMO GUSTAVO
    HECTOR HILDA HUGO HUMBERTO IRMA ISABEL IVAN JAIME JAVIER JENNIFER JESSICA JESUS JHON
    JHOSELYN JORGE JOSE JOSEFINA JUAN JUANA JULIA JULIO KAREN KATHERINE KATERINE KELLY KEVIN
    LAURA LEONARDO LILIANA LIZ LORENA LUCIA LUIS LUISA LUZ MANUEL MARCO MARCOS MARGARITA MARIA
    MARIBEL MARIELA MARIO MARISOL MARITZA MARTHA MERCEDES MIGUEL MILAGROS MIRIAM MONICA
    NANCY NATALIA NELLY NOEMI NORMA OLGA OMAR OSCAR PABLO PAMELA PAOLA PATRICIA PAULA PEDRO
    PERCY RAQUEL RAUL RICARDO ROBERTO RODRIGO ROSA ROSANGELA ROSARIO ROCIO RONALD RUTH
    SANDRA SARA SEBASTIAN SERGIO SHEYLA SILVIA SOFIA SONIA SUSANA TERESA VALERIA VANESSA
    VERONICA VICTOR VICTORIA WALTER WILLIAM WILSON YESENIA YOLANDA ZOILA
    """.split()  # noqa: SIM905 - a word block is easier to review than 190 quoted strings
)

_ARTICLES = frozenset({"LA", "LAS", "LOS"})
_NAMES_PACKAGE = "app"
_NAMES_DIR = "data/names"


@dataclass(frozen=True, slots=True)
class SplitName:
    """A full name split into its parts (all normalised)."""

    paternal: str | None
    maternal: str | None
    given: str | None


def is_unidentified(text: str | None) -> bool:
    """Tell whether a name field marks an unidentified person."""
    if text is None:
        return False
    key = normalise_name(text)
    return key is not None and key.replace(" ", "") in _UNIDENTIFIED


def _read_names(filename: str) -> set[str]:
    """Read one optional `name,weight` list; a missing file is simply an empty list."""
    try:
        source = resources.files(_NAMES_PACKAGE).joinpath(f"{_NAMES_DIR}/{filename}")
        if not source.is_file():
            return set()
        handle = io.StringIO(source.read_text(encoding="utf-8"), newline="")
        names: set[str] = set()
        for row in csv.DictReader(handle):
            value = normalise_name(row.get("name"))
            if value and " " not in value:
                names.add(value)
        return names
    except (OSError, UnicodeDecodeError, csv.Error):
        return set()


@cache
def _given_lexicon() -> frozenset[str]:
    """Return the given-name lexicon: built-in names plus optional lists minus surnames."""
    given = _BUILTIN_GIVEN | _read_names("given_female.csv") | _read_names("given_male.csv")
    # A word that is also a surname (LAURA, ROMAN) must not signal a missing maternal surname.
    return frozenset(given - _read_names("surnames.csv"))


def is_given_name(word: str) -> bool:
    """Tell whether a single normalised word is a known given name."""
    return word in _given_lexicon()


def _units(tokens: list[str]) -> list[str]:
    """Group tokens into surname units, keeping DE / DEL / DE LA(S) / DE LOS with what follows."""
    units: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        if token == "DE" and i + 2 < n and tokens[i + 1] in _ARTICLES:
            units.append(" ".join(tokens[i : i + 3]))
            i += 3
        elif token in ("DE", "DEL") and i + 1 < n:
            units.append(f"{token} {tokens[i + 1]}")
            i += 2
        else:
            units.append(token)
            i += 1
    return units


def _mistyped_article(unit: str) -> bool:
    """Tell whether a unit is DE + one word, possibly a mistyped article (DE LUZ for DE LOS)."""
    parts = unit.split(" ")
    return len(parts) == 2 and parts[0] == "DE" and parts[1] not in _ARTICLES


def _split_surnames(units: list[str]) -> tuple[str | None, str | None]:
    """Return (paternal, maternal) from the surname units of a name."""
    if not units:
        return None, None
    if len(units) == 1:
        return units[0], None
    if len(units) == 3 and _mistyped_article(units[0]):
        return f"{units[0]} {units[1]}", units[2]
    return units[0], " ".join(units[1:])


def split_full_name(text: str) -> SplitName:
    """Split a RETA APELLIDOS_NOMBRES value into paternal, maternal and given names."""
    if "," in text:
        surnames_text, _, given_text = text.partition(",")
        surnames = normalise_name(surnames_text)
        paternal, maternal = _split_surnames(_units(surnames.split(" ")) if surnames else [])
        return SplitName(paternal, maternal, normalise_name(given_text))
    normalised = normalise_name(text)
    if normalised is None:
        return SplitName(None, None, None)
    units = _units(normalised.split(" "))
    if len(units) == 1:
        return SplitName(units[0], None, None)
    if len(units) == 2:
        return SplitName(units[0], None, units[1])
    if is_given_name(units[1]):
        return SplitName(units[0], None, " ".join(units[1:]))
    first_given = next((i for i in range(2, len(units)) if is_given_name(units[i])), None)
    # Three surname units before the first given name, the first being "DE X": the X is a
    # mistyped article (DE LUZ SANTOS QUISPE ANA MARIA is DE LOS SANTOS / QUISPE / ANA MARIA).
    if first_given == 3 and _mistyped_article(units[0]):
        return SplitName(f"{units[0]} {units[1]}", units[2], " ".join(units[3:]))
    return SplitName(units[0], units[1], " ".join(units[2:]))

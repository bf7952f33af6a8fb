"""Text helpers shared by the adapters: cell values, lookup keys and name normalisation."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from functools import lru_cache
from typing import Any

__all__ = ["cell_text", "lookup_key", "normalise_name"]

# Accents are folded but Ñ is kept: it distinguishes surnames (PEÑA / PENA) and the matching
# core decides how much an Ñ/N difference weighs.
_NAME_TABLE = str.maketrans(
    {
        "Á": "A",
        "À": "A",
        "Â": "A",
        "Ä": "A",
        "É": "E",
        "È": "E",
        "Ê": "E",
        "Ë": "E",
        "Í": "I",
        "Ì": "I",
        "Î": "I",
        "Ï": "I",
        "Ó": "O",
        "Ò": "O",
        "Ô": "O",
        "Ö": "O",
        "Ú": "U",
        "Ù": "U",
        "Û": "U",
        "Ü": "U",
        # Dots and apostrophes join (N.N. -> NN, D'ANGELO -> DANGELO); other marks separate.
        ".": None,
        "'": None,
        "´": None,
        "`": None,
        "’": None,
        ",": " ",
        ";": " ",
        ":": " ",
        "-": " ",
        "_": " ",
        "/": " ",
        "\\": " ",
        "(": " ",
        ")": " ",
        '"': " ",
        "\t": " ",
        "\u00a0": " ",
    }
)
_NAME_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZÑ ")
_KEY_TABLE = str.maketrans({"Ñ": "N"})


def cell_text(value: Any) -> str | None:
    """Return a cell value as stripped text, or None when it is empty."""
    if type(value) is str:  # the common case first: CSV cells are always str
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN: an empty numeric cell
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() or None


def _fold_rare(text: str) -> str:
    """Strip diacritics from characters the fast table does not know, keeping Ñ."""
    out: list[str] = []
    for char in text:
        if char in _NAME_ALLOWED:
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        if base == "N" and "\u0303" in decomposed:
            out.append("Ñ")
        elif "A" <= base <= "Z":
            out.append(base)
        elif base.isdigit():
            continue  # a digit typed inside a name is a typo, not a word break
        else:
            out.append(" ")
    return "".join(out)


@lru_cache(maxsize=1 << 16)
def normalise_name(text: str | None) -> str | None:
    """Return a name upper-cased, accent-free except Ñ, without punctuation, single-spaced."""
    # Cached: surnames and given names repeat across rows, and an adapter normalises the same
    # text more than once (to test for "N.N." and to split it).
    if text is None:
        return None
    upper = text.upper().translate(_NAME_TABLE)
    if not _NAME_ALLOWED.issuperset(upper):
        upper = _fold_rare(upper)
    joined = " ".join(upper.split())
    return joined or None


@lru_cache(maxsize=4096)
def lookup_key(text: str) -> str:
    """Return the key under which a controlled value is looked up (Ñ folded to N too)."""
    return (normalise_name(text) or "").translate(_KEY_TABLE)

"""Spanish-aware normalisation of names, documents and case numbers for matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Lives in app.schema so that sealing a record on ingest does not import the linker (NumPy).
from app.schema.documents import normalize_document

__all__ = [
    "PARTICLES",
    "UNIDENTIFIED_NAMES",
    "complaint_number",
    "fold",
    "is_unidentified_name",
    "normalize_document",
    "normalize_name",
    "phonetic",
    "split_full_name",
    "surname_core",
    "tokens",
]

# Particles that belong to a compound surname but are typed or dropped inconsistently
# ("DE LA CRUZ" / "CRUZ"); they carry no identifying evidence.
PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y", "VDA", "VIUDA"})

UNIDENTIFIED_NAMES = frozenset(
    {
        "NN",
        "N N",
        "NO IDENTIFICADO",
        "NO IDENTIFICADA",
        "POR IDENTIFICAR",
        "PERSONA POR IDENTIFICAR",
        "DESCONOCIDO",
        "DESCONOCIDA",
        "SIN NOMBRE",
        "NO PRECISA",
    }
)

_NON_LETTER = re.compile(r"[^A-ZÑ ]+")
_SPACES = re.compile(r"\s+")
_COMPLAINT = re.compile(r"(\d+)\s*[-/]\s*(\d{4})")
_FIRST_NUMBER = re.compile(r"(\d+)")


@lru_cache(maxsize=1 << 18)
def normalize_name(text: str | None) -> str:
    """Return upper-case text without accents (Ñ kept), punctuation or repeated spaces."""
    if not text:
        return ""
    upper = text.upper().replace("Ñ", "\x00")
    # NFKD splits accents off their letters so they can be dropped; Ñ is protected above
    # because it is a different letter in Spanish, not an accented N.
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", upper) if not unicodedata.combining(ch)
    ).replace("\x00", "Ñ")
    return _SPACES.sub(" ", _NON_LETTER.sub(" ", stripped)).strip()


@lru_cache(maxsize=1 << 18)
def fold(text: str | None) -> str:
    """Return the matching form of a name: normalised, with Ñ written N as sources often do."""
    return normalize_name(text).replace("Ñ", "N")


def tokens(text: str | None) -> tuple[str, ...]:
    """Split a name into folded tokens."""
    return tuple(fold(text).split())


@lru_cache(maxsize=1 << 18)
def surname_core(text: str | None) -> str:
    """Return a surname without particles, so that DE LA CRUZ and CRUZ compare equal."""
    parts = [t for t in fold(text).split() if t not in PARTICLES]
    return " ".join(parts)


def is_unidentified_name(text: str | None) -> bool:
    """Tell whether a name is a placeholder for an unidentified person (NN, POR IDENTIFICAR)."""
    norm = fold(text)
    return not norm or norm in UNIDENTIFIED_NAMES or norm.replace(" ", "") == "NN"


def split_full_name(text: str) -> tuple[str, str, str]:
    """Split 'PATERNO MATERNO, NOMBRES' (comma optional) into paternal, maternal and given names."""
    if "," in text:
        surnames_part, given = text.split(",", 1)
        words = normalize_name(surnames_part).split()
        given_norm = normalize_name(given)
    else:
        words = normalize_name(text).split()
        given_norm = ""
    groups: list[str] = []
    pending: list[str] = []
    for word in words:
        pending.append(word)
        # Particles glue onto the next word: DE LA CRUZ is one surname, not three.
        if word not in PARTICLES:
            groups.append(" ".join(pending))
            pending = []
    if pending:
        groups.append(" ".join(pending))
    if given_norm:
        paternal = groups[0] if groups else ""
        maternal = " ".join(groups[1:])
        return paternal, maternal, given_norm
    # Without a comma the convention is two surnames then the given names.
    if len(groups) <= 1:
        return (groups[0] if groups else ""), "", ""
    if len(groups) == 2:
        return groups[0], "", groups[1]
    return groups[0], groups[1], " ".join(groups[2:])


_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("CH", "#"),
    ("LL", "Y"),
    ("QU", "K"),
    ("GUE", "GE"),
    ("GUI", "GI"),
    ("CE", "SE"),
    ("CI", "SI"),
    ("GE", "JE"),
    ("GI", "JI"),
    ("C", "K"),
    ("Z", "S"),
    ("X", "S"),
    ("V", "B"),
    ("W", "U"),
    ("H", ""),
)


_FOLDED = re.compile(r"[A-Z]+(?: [A-Z]+)*")


@lru_cache(maxsize=1 << 18)
def phonetic(text: str | None) -> str:
    """Return a Spanish phonetic skeleton: first sound plus consonants, homophones merged."""
    if text and _FOLDED.fullmatch(text):
        # Already folded (the linker's names are): fold() would return it unchanged, and
        # its Unicode normalisation is most of the cost of coding a million rows' names.
        word = "".join(t for t in text.split(" ") if t not in PARTICLES)
    else:
        word = surname_core(text).replace(" ", "")
    if not word:
        return ""
    for old, new in _PHONETIC_RULES:
        word = word.replace(old, new)
    if not word:
        return ""
    head, tail = word[0], word[1:]
    # Vowels after the first letter are where typists disagree most (Y/I, dropped vowels).
    skeleton = "".join(ch for ch in tail if ch not in "AEIOUY")
    out = [head]
    for ch in skeleton:
        if ch != out[-1]:
            out.append(ch)
    return "".join(out)


def complaint_number(text: str | None, year: int | None = None) -> str:
    """Extract 'number-year' from a freely typed police complaint number ('DEN 0123-2017')."""
    if not text:
        return ""
    match = _COMPLAINT.search(text)
    if match:
        return f"{int(match.group(1))}-{match.group(2)}"
    first = _FIRST_NUMBER.search(text)
    if first and year is not None:
        return f"{int(first.group(1))}-{year}"
    return ""

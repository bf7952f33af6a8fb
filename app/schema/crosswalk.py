"""Dated offence crosswalk: Penal Code articles and offence names to common offence codes.

Ley 31146 (in force 2021-03-31) moved the trafficking family from art. 153 ... 153-J to
art. 129-A onwards, and forced labour from 168-B to 129-O. An article number therefore means
nothing without a date: 129-B is aggravated trafficking only from 2021-03-31, and 153-C was
"esclavitud" in the 2017-2019 numbering (D. Leg. 1323) before it became "promoción o
favorecimiento de la explotación sexual". The name text, when unambiguous, decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from app.schema.vocab import OffenceFamily

__all__ = [
    "LEY_31146_IN_FORCE",
    "OFFENCES",
    "Offence",
    "OffenceMatch",
    "article_in_force",
    "offence_by_article",
    "offence_by_name",
    "offence_family",
    "resolve_offence",
    "split_offence_text",
]

LEY_31146_IN_FORCE = date(2021, 3, 31)


@dataclass(frozen=True, slots=True)
class Offence:
    """One offence of the common vocabulary and its article before/after Ley 31146."""

    code: str
    label: str
    old_article: str | None
    new_article: str | None
    names: tuple[str, ...]

    @property
    def family(self) -> OffenceFamily:
        """Return trafficking proper or related ("afines")."""
        return offence_family(self.code)


@dataclass(frozen=True, slots=True)
class OffenceMatch:
    """An offence resolved for a registration date."""

    code: str
    family: OffenceFamily
    article: str | None


# Names are lookup keys: upper case, no accents, Ñ as N, punctuation removed.
_TABLE: tuple[Offence, ...] = (
    Offence("TRAFFICKING", "Trata de personas", "153", "129-A", ("TRATA DE PERSONAS", "TRATA")),
    Offence(
        "AGGRAVATED_TRAFFICKING",
        "Formas agravadas de la trata de personas",
        "153-A",
        "129-B",
        (
            "TRATA DE PERSONAS AGRAVADA",
            "FORMAS AGRAVADAS DE LA TRATA DE PERSONAS",
            "FORMAS AGRAVADAS DE TRATA DE PERSONAS",
        ),
    ),
    Offence("SEXUAL_EXPLOITATION", "Explotación sexual", "153-B", "129-C", ("EXPLOTACION SEXUAL",)),
    Offence(
        "PROMOTION_SEXUAL_EXPLOITATION",
        "Promoción o favorecimiento de la explotación sexual",
        "153-C",
        "129-D",
        ("PROMOCION O FAVORECIMIENTO DE LA EXPLOTACION SEXUAL",),
    ),
    Offence(
        "SEXUAL_EXPLOITATION_CLIENT",
        "Cliente de la explotación sexual",
        "153-D",
        "129-E",
        ("CLIENTE DE LA EXPLOTACION SEXUAL",),
    ),
    Offence(
        "SEXUAL_EXPLOITATION_BENEFIT",
        "Beneficio por explotación sexual",
        "153-E",
        "129-F",
        ("BENEFICIO POR EXPLOTACION SEXUAL", "BENEFICIO DE LA EXPLOTACION SEXUAL"),
    ),
    Offence(
        "SEXUAL_EXPLOITATION_MANAGEMENT",
        "Gestión de la explotación sexual",
        "153-F",
        "129-G",
        ("GESTION DE LA EXPLOTACION SEXUAL",),
    ),
    Offence(
        "CHILD_SEXUAL_EXPLOITATION",
        "Explotación sexual de niñas, niños y adolescentes",
        "153-G",
        "129-H",
        (
            "EXPLOTACION SEXUAL DE NINAS NINOS Y ADOLESCENTES",
            "EXPLOTACION SEXUAL DE NINOS NINAS Y ADOLESCENTES",
        ),
    ),
    Offence(
        "PROMOTION_CHILD_SEXUAL_EXPLOITATION",
        "Promoción o favorecimiento de la explotación sexual de niñas, niños y adolescentes",
        "153-H",
        "129-I",
        (
            "PROMOCION O FAVORECIMIENTO DE LA EXPLOTACION SEXUAL DE NINAS NINOS Y ADOLESCENTES",
            "PROMOCION O FAVORECIMIENTO DE LA EXPLOTACION SEXUAL DE NINOS NINAS Y ADOLESCENTES",
        ),
    ),
    Offence(
        "ADOLESCENT_CLIENT",
        "Cliente del adolescente",
        "153-I",
        "129-J",
        ("CLIENTE DEL ADOLESCENTE",),
    ),
    Offence(
        "CHILD_SEXUAL_EXPLOITATION_BENEFIT",
        "Beneficio de la explotación sexual de niñas, niños y adolescentes",
        "153-J",
        "129-K",
        (
            "BENEFICIO DE LA EXPLOTACION SEXUAL DE NINAS NINOS Y ADOLESCENTES",
            "BENEFICIO POR EXPLOTACION SEXUAL DE NINAS NINOS Y ADOLESCENTES",
        ),
    ),
    # 153-C is listed under PROMOTION above; as "esclavitud" it only survives by its name.
    Offence(
        "SLAVERY",
        "Esclavitud y otras formas de explotación",
        "153-C",
        "129-Ñ",
        ("ESCLAVITUD Y OTRAS FORMAS DE EXPLOTACION", "ESCLAVITUD"),
    ),
    Offence("FORCED_LABOUR", "Trabajo forzoso", "168-B", "129-O", ("TRABAJO FORZOSO",)),
    Offence(
        "FAVOURING_PROSTITUTION",
        "Favorecimiento a la prostitución",
        "179",
        "179",
        ("FAVORECIMIENTO A LA PROSTITUCION", "FAVORECIMIENTO DE LA PROSTITUCION"),
    ),
    Offence("PIMPING", "Proxenetismo", "181", "181", ("PROXENETISMO",)),
)

OFFENCES: dict[str, Offence] = {o.code: o for o in _TABLE}
_TRAFFICKING_CODES = frozenset({"TRAFFICKING", "AGGRAVATED_TRAFFICKING"})

# First declaration wins, so an article reused across numberings keeps its main meaning.
_OLD_BY_ARTICLE: dict[str, str] = {}
_NEW_BY_ARTICLE: dict[str, str] = {}
for _o in _TABLE:
    if _o.old_article:
        _OLD_BY_ARTICLE.setdefault(_o.old_article, _o.code)
    if _o.new_article:
        _NEW_BY_ARTICLE.setdefault(_o.new_article, _o.code)

# A bare "TRATA DE PERSONAS" label is used for both the basic and the aggravated form, so the
# article may refine it; every other name is unambiguous.
_BY_NAME: dict[str, tuple[str, ...]] = {name: (o.code,) for o in _TABLE for name in o.names}
_BY_NAME["TRATA DE PERSONAS"] = ("TRAFFICKING", "AGGRAVATED_TRAFFICKING")
_BY_NAME["TRATA"] = ("TRAFFICKING", "AGGRAVATED_TRAFFICKING")

_ARTICLE_RE = re.compile(
    r"^(?P<name>.*?)\s*\(\s*ART(?:[IÍ]CULO|\.)?\s*(?P<art>\d{3})\s*-?\s*(?P<letter>[A-ZÑ])?\s*\)\s*$",
    re.IGNORECASE,
)
_KEY_DROP = re.compile(r"[^A-Z ]+")
_ACCENTS = str.maketrans("ÁÉÍÓÚÜÑ", "AEIOUUN")


def offence_family(code: str) -> OffenceFamily:
    """Return the family of an offence code: trafficking proper or related."""
    return OffenceFamily.TRAFFICKING if code in _TRAFFICKING_CODES else OffenceFamily.RELATED


def _name_key(text: str) -> str:
    return " ".join(_KEY_DROP.sub(" ", text.upper().translate(_ACCENTS)).split())


def split_offence_text(text: str) -> tuple[str, str | None]:
    """Split ``NAME (ART. X)`` into the name lookup key and the article (``153-A``), if any."""
    match = _ARTICLE_RE.match(text.strip())
    if match is None:
        return _name_key(text), None
    letter = match["letter"]
    article = match["art"] + (f"-{letter.upper()}" if letter else "")
    return _name_key(match["name"]), article


def _is_new(on: date) -> bool:
    return on >= LEY_31146_IN_FORCE


def offence_by_article(article: str, on: date) -> str | None:
    """Return the offence code an article meant on a date; None if it meant none of ours."""
    return (_NEW_BY_ARTICLE if _is_new(on) else _OLD_BY_ARTICLE).get(article)


def offence_by_name(text: str) -> tuple[str, ...]:
    """Return the candidate offence codes for a name (empty when unknown; first is default)."""
    return _BY_NAME.get(_name_key(text), ())


def article_in_force(code: str, on: date) -> str | None:
    """Return the article that defined an offence on a date."""
    offence = OFFENCES.get(code)
    if offence is None:
        return None
    return offence.new_article if _is_new(on) else offence.old_article


@lru_cache(maxsize=4096)
def _resolve(text: str, new_scheme: bool) -> str | None:
    on = LEY_31146_IN_FORCE if new_scheme else date.min
    name_key, article = split_offence_text(text)
    candidates = _BY_NAME.get(name_key, ())
    by_article = offence_by_article(article, on) if article else None
    if by_article is not None and (by_article in candidates or not name_key):
        return by_article
    # Article and date disagree (or the article is not ours): an unambiguous name decides;
    # a number alone is never trusted across numberings.
    return candidates[0] if candidates else None


def resolve_offence(text: str, on: date) -> OffenceMatch | None:
    """Map an offence text (optionally with ``(ART. X)``) registered on a date; None if unknown."""
    code = _resolve(text, _is_new(on))
    if code is None:
        return None
    return OffenceMatch(code, offence_family(code), article_in_force(code, on))

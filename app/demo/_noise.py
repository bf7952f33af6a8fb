"""Recording defects: typos, accent loss, name layout, complaint-number variants."""

from __future__ import annotations

from functools import lru_cache
from random import Random

from app.demo._config import NoiseProfile

# Substitutions clerks actually make: phonetic confusions of Peruvian Spanish first.
_CONFUSE = {
    "S": "Z", "Z": "S", "C": "S", "V": "B", "B": "V", "Y": "I", "I": "Y", "G": "J", "J": "G",
    "N": "M", "M": "N", "E": "I", "O": "U", "U": "O", "L": "R", "R": "L", "H": "", "K": "C",
    "Q": "K", "A": "E", "T": "R", "D": "T", "P": "B", "F": "P", "X": "S", "W": "G",
}  # fmt: skip
_ACCENTS = str.maketrans("ÁÉÍÓÚÜáéíóúü", "AEIOUUaeiouu")
_ENIE = str.maketrans("Ññ", "Nn")
_PARTICLES = {"DE", "DEL", "LA", "LAS", "LOS", "Y"}


def typo(text: str, rng: Random) -> str:
    """Return `text` with one letter changed, dropped, doubled or swapped with its neighbour."""
    spots = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(spots) < 2:
        return text
    i = spots[int(rng.random() * len(spots))]
    ch = text[i]
    op = rng.random()
    if op < 0.4:
        sub = _CONFUSE.get(ch.upper(), "A")
        if not sub:
            return text[:i] + text[i + 1 :]
        sub = sub.lower() if ch.islower() else sub
        return text[:i] + sub + text[i + 1 :]
    if op < 0.65:
        return text[:i] + text[i + 1 :]
    if op < 0.85:
        return text[:i] + ch + text[i:]
    j = i + 1 if i + 1 < len(text) and text[i + 1].isalpha() else i - 1
    if j < 0 or not text[j].isalpha() or text[j] == ch:
        return text[:i] + ch + text[i:]
    a, b = min(i, j), max(i, j)
    return text[:a] + text[b] + text[a] + text[b + 1 :]


def digit_typo(doc: str, rng: Random) -> str:
    """Return `doc` with one digit changed, dropped, doubled or swapped."""
    if len(doc) < 3:
        return doc
    i = int(rng.random() * len(doc))
    op = rng.random()
    if op < 0.45:
        d = str((int(doc[i]) + 1 + int(rng.random() * 9)) % 10) if doc[i].isdigit() else "0"
        return doc[:i] + d + doc[i + 1 :]
    if op < 0.65:
        return doc[:i] + doc[i + 1 :]
    if op < 0.8:
        return doc[:i] + doc[i] + doc[i:]
    j = i + 1 if i + 1 < len(doc) else i - 1
    a, b = min(i, j), max(i, j)
    if doc[a] == doc[b]:
        return doc[:a] + str((int(doc[a]) + 1) % 10 if doc[a].isdigit() else 0) + doc[a + 1 :]
    return doc[:a] + doc[b] + doc[a] + doc[b + 1 :]


def strip_accents(text: str, *, enie: bool) -> str:
    """Drop Spanish accents, and turn Ñ into N when `enie` is set."""
    text = text.translate(_ACCENTS)
    return text.translate(_ENIE) if enie else text


@lru_cache(maxsize=1 << 16)
def title(text: str) -> str:
    """Write an upper-case name the way SISTRA clerks do: `De la Cruz`, `María José`."""
    words = text.split(" ")
    out = []
    for k, w in enumerate(words):
        if w in _PARTICLES:
            out.append(w.capitalize() if k == 0 else w.lower())
        else:
            out.append(w.capitalize())
    return " ".join(out)


def split_particle(surname: str) -> str:
    """Return a particle surname as SISTRA sometimes keeps it: `De la Cruz` -> `Cruz`."""
    words = surname.split(" ")
    if len(words) < 2:
        return surname
    core = [w for w in words if w not in _PARTICLES]
    return " ".join(core) if core else surname


def name_parts(
    paternal: str, maternal: str, given: tuple[str, ...], noise: NoiseProfile, rng: Random,
    *, sistra: bool,
) -> tuple[str, str, str, set[str]]:  # fmt: skip
    """Apply the shared name defects and return surnames, given names and the defects used."""
    used: set[str] = set()
    names = list(given)
    if len(names) > 1 and rng.random() < noise.drop_second_given:
        names = names[:1]
        used.add("second_given_dropped")
    if maternal and rng.random() < noise.missing_maternal:
        maternal = ""
        used.add("missing_maternal")
    if sistra:
        if rng.random() < noise.split_particle and (" " in paternal or " " in maternal):
            paternal, maternal = split_particle(paternal), split_particle(maternal)
            used.add("particle_split")
        if maternal and rng.random() < noise.swap_surnames:
            paternal, maternal = maternal, paternal
            used.add("surnames_swapped")
    given_text = " ".join(names)
    if rng.random() < noise.typo_name:
        which = rng.random()
        if which < 0.4:
            paternal = typo(paternal, rng)
        elif which < 0.65 and maternal:
            maternal = typo(maternal, rng)
        else:
            given_text = typo(given_text, rng)
        used.add("typo_name")
    return paternal, maternal, given_text, used


def reta_full_name(
    paternal: str, maternal: str, given: str, noise: NoiseProfile, rng: Random
) -> tuple[str, set[str]]:
    """Lay out a RETA `APELLIDOS_NOMBRES` value and return the defects used."""
    used: set[str] = set()
    surnames = f"{paternal} {maternal}" if maternal else paternal
    if rng.random() < noise.comma:
        sep = (", ", ",", " , ")[int(rng.random() * 3)]
        used.add("comma")
    else:
        sep = " "
    text = f"{surnames}{sep}{given}"
    if rng.random() < noise.strip_accents_reta:
        enie = rng.random() < noise.enie_to_n
        stripped = strip_accents(text, enie=enie)
        if stripped != text:
            used.add("enie_to_n" if enie and "Ñ" in text else "no_accents")
        text = stripped
    if rng.random() < noise.double_space:
        spaces = [i for i, ch in enumerate(text) if ch == " "]
        if spaces:
            i = spaces[int(rng.random() * len(spaces))]
            text = text[:i] + " " + text[i:]
            used.add("double_space")
    return text, used


def sistra_names(
    paternal: str, maternal: str, given: str, noise: NoiseProfile, rng: Random
) -> tuple[str, str, str, set[str]]:
    """Lay out SISTRA `NOMBRES`, `APELLIDO_PATERNO`, `APELLIDO_MATERNO` in mixed case."""
    used: set[str] = set()
    out = [title(given), title(paternal), title(maternal)]
    if rng.random() < noise.strip_accents_sistra:
        enie = rng.random() < noise.enie_to_n * 0.5
        stripped = [strip_accents(t, enie=enie) for t in out]
        if stripped != out:
            used.add("no_accents")
        out = stripped
    return out[0], out[1], out[2], used


def denuncia_forms(n: int, year: int, suffix: str) -> tuple[str, ...]:
    """Return the ways a police unit types complaint number `n` of `year`."""
    return (f"{n:04d}-{year}", f"{n}-{year}", f"N° {n}", f"{n}-{year}-{suffix}")


def pnp_reference(n: int, year: int, suffix: str, rng: Random) -> str:
    """Return the police complaint number as a prosecutor's clerk types it freely."""
    k = int(rng.random() * 5)
    if k == 0:
        return f"{n}-{year}"
    if k == 1:
        return f"{n:04d}-{year}"
    if k == 2:
        return f"DEN {n:04d}-{year} {suffix}"
    if k == 3:
        return f"N° {n}-{year}"
    return f"{n}-{year}-{suffix}"

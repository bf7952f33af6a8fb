"""Pure per-run person-year frame: `counting.person_years` computed on NumPy arrays.

`build_frame` turns victim rows into the variants of `variant.py` (one per date basis and
offence family): once per linkage run, stored in the database (`dump_variant` /
`load_variant`) so every worker and restart reuses it, and in memory for as-of answers and
reports.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.arrays import isin_sorted
from app.statistics.counting import (
    UNKNOWN,
    DateBasis,
    VictimRow,
    _overlap,
    age_ctdc,
    age_fiscal,
    age_minor,
    department,
    own_figures,
)
from app.statistics.population import case_year_counts
from app.statistics.variant import (
    ATTRS,
    DEFAULT_LISTS,
    Frame,
    Variant,
    VariantKey,
    dump_variant,
    load_variant,
)

__all__ = [
    "ATTRS",
    "BASES",
    "DEFAULT_LISTS",
    "FAMILIES",
    "Frame",
    "Variant",
    "VariantKey",
    "build_frame",
    "dump_variant",
    "load_variant",
]

FAMILIES: tuple[str | None, ...] = (None, "trafficking", "related")
BASES: tuple[DateBasis, ...] = ("registration", "facts")

IntArray = npt.NDArray[np.int64]


_PICKED = (
    "department_facts", "department_residence", "department_birth", "sex", "nationality",
    "purpose",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Columns:
    """Victim rows as arrays; picked attributes as codes into `vocab` (0 = unknown)."""

    person: IntArray
    system: IntArray  # index into `lists`; its rank by name orders rows like person_years
    system_rank: IntArray
    day: IntArray  # registration date ordinal
    year_registration: IntArray
    year_facts: IntArray  # -1: no date of the facts
    rid: IntArray
    trafficking: npt.NDArray[np.bool_]
    unidentified: npt.NDArray[np.bool_]
    age: IntArray  # -1: unknown
    minor: IntArray  # 0 unknown, 1 minor, 2 adult
    picked: Mapping[str, IntArray]
    vocab: Mapping[str, tuple[str, ...]]


def _columns(rows: Sequence[VictimRow], lists: tuple[str, ...]) -> _Columns:
    index = {name: i for i, name in enumerate(lists)}
    rank_of = {name: i for i, name in enumerate(sorted(lists))}
    rank = np.asarray([rank_of[name] for name in lists], dtype=np.int64)
    n = len(rows)

    def ints(values: Iterable[int]) -> IntArray:
        return np.fromiter(values, dtype=np.int64, count=n)

    system = ints(index[r.system] for r in rows)
    sources: dict[str, Callable[[VictimRow], str | None]] = {
        "department_facts": lambda r: department(r.ubigeo_facts),
        "department_residence": lambda r: department(r.ubigeo_residence),
        "department_birth": lambda r: department(r.ubigeo_birth),
        "sex": lambda r: r.sex,
        "nationality": lambda r: r.nationality,
        "purpose": lambda r: r.purpose if r.purpose != "Unknown" else None,
    }
    picked: dict[str, IntArray] = {}
    vocab: dict[str, tuple[str, ...]] = {}
    for dim, get in sources.items():
        table: dict[str | None, int] = {None: 0, UNKNOWN: 0}
        labels = [UNKNOWN]
        codes = []
        for r in rows:
            value = get(r)
            code = table.get(value)
            if code is None:
                code = table[value] = len(labels)
                labels.append(str(value))
            codes.append(code)
        picked[dim] = np.asarray(codes, dtype=np.int64)
        vocab[dim] = tuple(labels)
    return _Columns(
        person=ints(r.person_id for r in rows),
        system=system,
        system_rank=rank[system] if n else system,
        day=ints(r.registration_date.toordinal() for r in rows),
        year_registration=ints(r.registration_date.year for r in rows),
        year_facts=ints(r.facts_date.year if r.facts_date else -1 for r in rows),
        rid=ints(r.source_record_id for r in rows),
        trafficking=np.fromiter((r.offence_family == "trafficking" for r in rows), bool, n),
        unidentified=np.fromiter((r.unidentified for r in rows), bool, n),
        age=ints(r.age if r.age is not None else -1 for r in rows),
        minor=ints(0 if r.minor is None else 1 if r.minor else 2 for r in rows),
        picked=picked,
        vocab=vocab,
    )


def _pick(codes: IntArray, group: IntArray, groups: int) -> IntArray:
    """Per group: the most frequent known code (not 0); ties go to the earliest row (rows are
    in person_years order), as `counting._pick`."""
    out = np.zeros(groups, dtype=np.int64)
    known = np.flatnonzero(codes)
    if len(known) == 0:
        return out
    width = int(codes.max()) + 1
    keys = group[known] * width + codes[known]
    uniq, first, counts = np.unique(keys, return_index=True, return_counts=True)
    key_group = uniq // width
    best = np.lexsort((first, -counts, key_group))
    chosen = best[np.r_[True, key_group[best][1:] != key_group[best][:-1]]]
    out[key_group[chosen]] = uniq[chosen] % width
    return out


def _first_known(values: IntArray, group: IntArray, groups: int) -> IntArray:
    """Per group: the value of its first row with a known (>= 0) value, else -1."""
    out = np.full(groups, -1, dtype=np.int64)
    known = np.flatnonzero(values >= 0)
    g, first = np.unique(group[known], return_index=True)
    out[g] = values[known[first]]
    return out


def _encode(labels: Sequence[str]) -> tuple[npt.NDArray[Any], tuple[str, ...]]:
    table: dict[str, int] = {}
    codes = [table.setdefault(v, len(table)) for v in labels]
    dtype = np.uint8 if len(table) <= 256 else np.int32
    return np.asarray(codes, dtype=dtype), tuple(table)


def _variant(
    cols: _Columns,
    *,
    basis: str,
    family: str | None,
    identified: npt.NDArray[np.bool_],
    ever: IntArray,
    lists: tuple[str, ...],
) -> Variant:
    """The person-years of `counting.person_years`, computed on arrays."""
    years_all = cols.year_facts if basis == "facts" else cols.year_registration
    keep = years_all >= 0
    if family is not None:
        keep &= cols.trafficking if family == "trafficking" else ~cols.trafficking
    rows = np.flatnonzero(keep)
    person, year = cols.person[rows], years_all[rows]
    # Groups by person and year; within one, rows by date, system and row id (person_years).
    order = np.lexsort((cols.rid[rows], cols.system_rank[rows], cols.day[rows], year, person))
    rows, person, year = rows[order], person[order], year[order]
    n = len(rows)
    new_group = np.r_[True, (person[1:] != person[:-1]) | (year[1:] != year[:-1])]
    start = np.flatnonzero(new_group) if n else np.zeros(0, dtype=np.int64)
    groups = len(start)
    group = np.repeat(np.arange(groups), np.diff(np.r_[start, n]).astype(np.int64))
    codes: dict[str, npt.NDArray[Any]] = {}
    vocab: dict[str, tuple[str, ...]] = {}
    for dim in _PICKED:
        chosen = _pick(cols.picked[dim][rows], group, groups)
        names = cols.vocab[dim]
        codes[dim], vocab[dim] = _encode([names[c] for c in chosen.tolist()])
    age = _first_known(cols.age[rows], group, groups)
    minor = _pick(cols.minor[rows], group, groups)
    pair = (age + 1) * 3 + minor
    uniq, inverse = np.unique(pair, return_inverse=True)
    for dim, rule in (("age_minor", age_minor), ("age_ctdc", age_ctdc), ("age_fiscal", age_fiscal)):
        labels = []
        for p in uniq.tolist():
            a, m = divmod(p, 3)
            flag = None if m == 0 else m == 1
            labels.append(rule(a - 1 if a else None, flag))
        codes[dim], vocab[dim] = _encode([labels[i] for i in inverse.tolist()])
    if n:
        trafficking = np.maximum.reduceat(cols.trafficking[rows], start)
        bits = np.bitwise_or.reduceat((1 << cols.system[rows]).astype(np.uint8), start)
    else:
        trafficking = np.zeros(0, dtype=bool)
        bits = np.zeros(0, dtype=np.uint8)
    first = rows[start]
    ident = identified[first]
    codes["offence_family"], vocab["offence_family"] = _encode(
        ["trafficking" if t else "related" for t in trafficking.tolist()]
    )
    overlap = {
        b: _overlap([lists[i] for i in range(len(lists)) if b >> i & 1]) for b in set(bits.tolist())
    }
    codes["overlap"], vocab["overlap"] = _encode([overlap[b] for b in bits.tolist()])
    codes["identification"], vocab["identification"] = _encode(
        ["identificada" if i else "no_identificada" for i in ident.tolist()]
    )
    py_year = year[start]
    by_year = np.argsort(py_year, kind="stable")
    return Variant(
        py_year[by_year].astype(np.int32),
        bits[by_year],
        ever[first][by_year].astype(np.uint8),
        ident[by_year],
        {d: codes[d][by_year] for d in ATTRS},
        {d: vocab[d] for d in ATTRS},
        lists,
    )


def _lists(rows: Sequence[VictimRow], raw: Iterable[tuple[str, date, str]]) -> tuple[str, ...]:
    """The two national systems first (stable bits), then any other source, by name."""
    present = {r.system for r in rows} | {s for s, _, _ in raw}
    return (*DEFAULT_LISTS, *sorted(present - set(DEFAULT_LISTS)))


def build_frame(
    rows: Sequence[VictimRow],
    raw: Sequence[tuple[str, date, str]],
    *,
    identified: Collection[int] | None = None,
    eager: bool = False,
) -> Frame:
    """Build the frame of victim rows: variants on first use (or all now when `eager`)."""
    lists = _lists(rows, raw)
    cols = _columns(rows, lists)
    # Per row: the lists that ever saw its person, and whether its person is identified.
    persons, inverse = np.unique(cols.person, return_inverse=True)
    ever = np.zeros(len(persons), dtype=np.int64)
    np.bitwise_or.at(ever, inverse, 1 << cols.system)
    if identified is None:  # any identified row of the person, whatever its family or year
        known = np.zeros(len(persons), dtype=bool)
        np.logical_or.at(known, inverse, ~cols.unidentified)
    else:
        wanted = np.fromiter(identified, dtype=np.int64, count=len(identified))
        known = isin_sorted(persons, wanted)
    row_ever, row_known = ever[inverse], known[inverse]

    def make(key: VariantKey) -> Variant:
        basis, family = key
        return _variant(
            cols, basis=basis, family=family or None, identified=row_known, ever=row_ever,
            lists=lists,
        )  # fmt: skip

    frame = Frame(
        lists=lists,
        own=own_figures(raw, systems=lists),
        aligned={fam or "": case_year_counts(rows, offence_family=fam) for fam in FAMILIES},
        unlinked_rows=sum(1 for r in rows if r.person_id < 0),
        rows_without_facts_date=sum(1 for r in rows if r.facts_date is None),
        make=make,
    )
    if eager:
        for basis in BASES:
            for fam in FAMILIES:
                frame.variant(basis, fam)
    return frame

"""Pure in-memory index of person-years for fast grouped counts (numpy, one build per run).

Each person-year is one entry with a small integer code per dimension; a grouped count is a
mask and a `bincount` over mixed-radix cell numbers, so a query costs a few passes over the
arrays (milliseconds for a million person-years) instead of a scan of the victim rows.
Counts equal the full answer's cells: the same person-years with the same attributes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from app.statistics.counting import (
    DIMENSIONS,
    UNKNOWN,
    DateBasis,
    PersonYear,
    VictimRow,
    _attrs,
    department,
)

__all__ = ["FACT_NAMES", "PersonYearIndex", "index_from_facts"]


@dataclass(frozen=True, slots=True)
class PersonYearIndex:
    """Codes of every person-year by dimension, with each dimension's vocabulary."""

    years: npt.NDArray[np.int32]
    codes: Mapping[str, npt.NDArray[np.int32]]
    vocab: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(cls, items: Iterable[PersonYear]) -> PersonYearIndex:
        """Index person-years (from `counting.person_years`)."""
        dims = [d for d in DIMENSIONS if d != "year"]
        lookup: dict[str, dict[str, int]] = {d: {} for d in dims}
        years: list[int] = []
        columns: dict[str, list[int]] = {d: [] for d in dims}
        for p in items:
            years.append(p.year)
            for d in dims:
                table = lookup[d]
                value = p.attrs[d]
                code = table.get(value)
                if code is None:
                    code = table[value] = len(table)
                columns[d].append(code)
        return cls(
            np.asarray(years, dtype=np.int32),
            {d: np.asarray(c, dtype=np.int32) for d, c in columns.items()},
            {d: tuple(lookup[d]) for d in dims},
        )

    @classmethod
    def from_labels(
        cls, years: npt.NDArray[np.int32], labels: Mapping[str, Sequence[str]]
    ) -> PersonYearIndex:
        """Index person-years given as a year array and one label list per dimension."""
        codes: dict[str, npt.NDArray[np.int32]] = {}
        vocab: dict[str, tuple[str, ...]] = {}
        for dim, values in labels.items():
            table: dict[str, int] = {}
            codes[dim] = np.asarray(
                [table.setdefault(v, len(table)) for v in values], dtype=np.int32
            )
            vocab[dim] = tuple(table)
        return cls(years, codes, vocab)

    def __len__(self) -> int:
        return len(self.years)

    def count(
        self,
        dims: Sequence[str],
        *,
        where: Mapping[str, Collection[str]] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> dict[tuple[str, ...], int]:
        """Return person-years per (year, *dims) cell, non-empty cells only."""
        years = self.years
        mask: npt.NDArray[np.bool_] | None = None

        def keep(extra: npt.NDArray[np.bool_]) -> None:
            nonlocal mask
            mask = extra if mask is None else mask & extra

        if year_from is not None:
            keep(years >= year_from)
        if year_to is not None:
            keep(years <= year_to)
        for dim, allowed in (where or {}).items():
            # A lookup table per filter: one gather, where np.isin would sort.
            if dim == "year":
                first, last = int(years.min()), int(years.max())
                by_year = np.zeros(last - first + 1, dtype=bool)
                for v in allowed:
                    if first <= int(v) <= last:
                        by_year[int(v) - first] = True
                keep(by_year[years - first])
                continue
            vocab = self.vocab[dim]
            table = np.zeros(len(vocab) + 1, dtype=bool)
            table[[vocab.index(v) for v in allowed if v in vocab]] = True
            keep(table[self.codes[dim]])
        if mask is not None:
            years = years[mask]
        if len(years) == 0:
            return {}
        low = int(years.min())
        sizes = [int(years.max()) - low + 1]
        for dim in dims:
            sizes.append(len(self.vocab[dim]))
        wide = np.int64 if int(np.prod(sizes, dtype=np.float64)) >= 2**31 else np.int32
        cell: npt.NDArray[Any] = (years - low).astype(wide)
        for dim, size in zip(dims, sizes[1:], strict=True):
            codes = self.codes[dim] if mask is None else self.codes[dim][mask]
            cell *= size
            cell += codes
        counts = np.bincount(cell)
        out: dict[tuple[str, ...], int] = {}
        for number in np.flatnonzero(counts).tolist():
            parts: list[int] = []
            rest = number
            for size in reversed(sizes[1:]):
                rest, code = divmod(rest, size)
                parts.append(code)
            labels = [self.vocab[d][c] for d, c in zip(dims, reversed(parts), strict=True)]
            out[(str(low + rest), *labels)] = int(counts[number])
        return dict(sorted(out.items()))


FACT_NAMES: tuple[str, ...] = (
    "source_record_id", "person_id", "system", "registration_date", "year_registration",
    "year_facts", "offence_family", "sex", "unidentified", "age", "minor", "nationality",
    "purpose", "dept_facts", "dept_residence", "dept_birth", "age_minor", "age_ctdc",
    "age_fiscal", "person_identified",
)  # fmt: skip


def _ordinal(day: Any) -> int:
    # SQLite hands dates over as ISO text when read raw (see repository.fact_columns).
    return day.toordinal() if isinstance(day, date) else date.fromisoformat(day).toordinal()


def _row(cols: Mapping[str, Sequence[Any]], i: int) -> VictimRow:
    """The victim row `_attrs` needs (dates, case and origin play no part in attributes)."""
    return VictimRow(
        source_record_id=cols["source_record_id"][i], person_id=cols["person_id"][i],
        system=cols["system"][i], registration_date=date.min, facts_date=None,
        offence_family=cols["offence_family"][i], sex=cols["sex"][i],
        unidentified=bool(cols["unidentified"][i]), age=cols["age"][i],
        minor=None if cols["minor"][i] is None else bool(cols["minor"][i]),
        nationality=cols["nationality"][i], purpose=cols["purpose"][i],
        ubigeo_facts=cols["dept_facts"][i], ubigeo_residence=cols["dept_residence"][i],
        ubigeo_birth=cols["dept_birth"][i],
    )  # fmt: skip


def _known(v: Any) -> str:
    return v if v is not None and v != UNKNOWN else UNKNOWN


# Dimension -> (facts column, the label of a one-row person-year from that column's value):
# the rule of `counting._attrs_one`, applied once per distinct value instead of once per row.
_RULES: dict[str, tuple[str, Any]] = {
    "department_facts": ("dept_facts", department),
    "department_residence": ("dept_residence", department),
    "department_birth": ("dept_birth", department),
    "sex": ("sex", _known),
    "age_minor": ("age_minor", str),
    "age_ctdc": ("age_ctdc", str),
    "age_fiscal": ("age_fiscal", str),
    "nationality": ("nationality", _known),
    "purpose": ("purpose", lambda v: _known(v if v != "Unknown" else None)),
    "offence_family": (
        "offence_family", lambda v: "trafficking" if v == "trafficking" else "related"
    ),
    "overlap": (
        "system",
        lambda v: "solo_reta" if v == "RETA" else "solo_sistra" if v == "SISTRA" else v.lower(),
    ),
    "identification": (
        "person_identified", lambda v: "identificada" if v else "no_identificada"
    ),
}  # fmt: skip


def index_from_facts(cols: Mapping[str, Sequence[Any]], *, basis: DateBasis) -> PersonYearIndex:
    """Build the index straight from victim-fact columns (`FACT_NAMES`): one-row person-years
    take their row's labels (vectorised), the others go through `counting._attrs`."""
    year_col = cols["year_registration" if basis == "registration" else "year_facts"]
    keep = np.asarray([i for i, y in enumerate(year_col) if y is not None], dtype=np.int64)
    if len(keep) == 0:
        return PersonYearIndex.build([])
    kept = keep.tolist()
    person = np.asarray(cols["person_id"], dtype=np.int64)[keep]
    year = np.asarray([year_col[i] for i in kept], dtype=np.int64)
    day = np.asarray([_ordinal(cols["registration_date"][i]) for i in kept], dtype=np.int64)
    rank = {s: n for n, s in enumerate(sorted(set(cols["system"])))}
    system = np.asarray([rank[cols["system"][i]] for i in kept], dtype=np.int64)
    rid = np.asarray(cols["source_record_id"], dtype=np.int64)[keep]
    # Same order as person_years: by person and year, then date, system and row id.
    order = np.lexsort((rid, system, day, year, person))
    rows = keep[order]
    p, y = person[order], year[order]
    start = np.flatnonzero(np.r_[True, (p[1:] != p[:-1]) | (y[1:] != y[:-1])])
    size = np.diff(np.r_[start, len(rows)])
    codes: dict[str, npt.NDArray[np.int32]] = {}
    tables: dict[str, dict[str, int]] = {}
    first = rows[start]
    for dim, (column, rule) in _RULES.items():
        table: dict[str, int] = {}
        raw = {v: table.setdefault(rule(v), len(table)) for v in set(cols[column])}
        row_codes = np.asarray([raw[v] for v in cols[column]], dtype=np.int32)
        codes[dim] = row_codes[first]  # right for one-row groups; the others are set below
        tables[dim] = table
    for g in np.flatnonzero(size > 1).tolist():
        s, n = int(start[g]), int(size[g])
        members = rows[s : s + n].tolist()
        group = [_row(cols, i) for i in members]
        attrs = _attrs(group, int(y[s]), bool(cols["person_identified"][members[0]]))
        for dim in _RULES:
            table = tables[dim]
            codes[dim][g] = table.setdefault(attrs[dim], len(table))
    vocab = {d: tuple(t) for d, t in tables.items()}
    return PersonYearIndex(y[start].astype(np.int32), codes, vocab)

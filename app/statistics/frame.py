"""Pure per-run person-year frame: every count of a victims answer as a NumPy pass.

A *variant* holds the person-years of one (date basis, offence family) — the output of
`counting.person_years` — as arrays sorted by year: a bit mask of the lists (systems) that saw
the person that year, a bit mask of the lists that ever saw the person, whether the person is
identified, and one small integer code per dimension. A full answer needs at most four
variants; each of its figures is then a slice, a mask and a `bincount`, so an answer costs
milliseconds instead of re-picking every person's attributes from the rows (seconds).

The frame is built once per linkage run (`build_frame`), serialised into the database
(`dump_variant` / `load_variant`) so every worker and restart reuses it, and built in memory
for as-of answers and reports. The lists are data: a third source is one more bit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from app.statistics.counting import (
    DIMENSIONS,
    DateBasis,
    OwnFigure,
    PersonYear,
    VictimRow,
    own_figures,
    person_years,
)
from app.statistics.population import CaptureCounts, case_year_counts

__all__ = [
    "ATTRS",
    "DEFAULT_LISTS",
    "FAMILIES",
    "Frame",
    "Slice",
    "Variant",
    "VariantKey",
    "build_frame",
    "dump_variant",
    "load_variant",
    "variant_from_person_years",
]

DEFAULT_LISTS: tuple[str, ...] = ("RETA", "SISTRA")
ATTRS: tuple[str, ...] = tuple(d for d in DIMENSIONS if d != "year")
FAMILIES: tuple[str | None, ...] = (None, "trafficking", "related")
BASES: tuple[DateBasis, ...] = ("registration", "facts")
VariantKey = tuple[str, str]  # (date basis, offence family or "")

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Slice:
    """Some person-years of one variant (one year, or a filtered set): counts on demand."""

    systems: npt.NDArray[np.uint8]
    ever: npt.NDArray[np.uint8]
    identified: npt.NDArray[np.bool_]
    codes: Mapping[str, npt.NDArray[Any]]
    vocab: Mapping[str, tuple[str, ...]]
    lists: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.systems)

    def bit(self, name: str) -> int:
        """Return the bit of list `name` (0 when the list is unknown: nobody is in it)."""
        return 1 << self.lists.index(name) if name in self.lists else 0

    def count(self, seen: int = 0, unseen: int = 0, ever: int = 0) -> int:
        """Person-years seen by all lists of `seen`, by none of `unseen`, ever by all of `ever`."""
        mask = (self.systems & seen) == seen
        if unseen:
            mask &= (self.systems & unseen) == 0
        if ever:
            mask &= (self.ever & ever) == ever
        return int(np.count_nonzero(mask))

    def identified_count(self) -> int:
        """Return the identified person-years."""
        return int(np.count_nonzero(self.identified))

    def patterns(self) -> dict[int, int]:
        """Return person-years per non-empty combination of lists (bit mask)."""
        counts = np.bincount(self.systems, minlength=1 << len(self.lists))
        return {int(m): int(counts[m]) for m in np.flatnonzero(counts).tolist()}

    def tabulate(self, dims: Sequence[str]) -> dict[tuple[str, ...], int]:
        """Return person-years per non-empty cell of `dims` (as `counting.tabulate`)."""
        if not dims:
            return {(): len(self)} if len(self) else {}
        if len(self) == 0:
            return {}
        sizes = [len(self.vocab[d]) for d in dims]
        cell = np.zeros(len(self), dtype=np.int64)
        for d, size in zip(dims, sizes, strict=True):
            cell *= size
            cell += self.codes[d]
        counts = np.bincount(cell)
        out: dict[tuple[str, ...], int] = {}
        for number in np.flatnonzero(counts).tolist():
            parts: list[str] = []
            rest = number
            for d, size in zip(reversed(dims), reversed(sizes), strict=True):
                rest, code = divmod(rest, size)
                parts.append(self.vocab[d][code])
            out[tuple(reversed(parts))] = int(counts[number])
        return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class Variant:
    """Person-years of one (date basis, offence family), sorted by year."""

    years: npt.NDArray[np.int32]
    systems: npt.NDArray[np.uint8]
    ever: npt.NDArray[np.uint8]
    identified: npt.NDArray[np.bool_]
    codes: Mapping[str, npt.NDArray[Any]]
    vocab: Mapping[str, tuple[str, ...]]
    lists: tuple[str, ...] = DEFAULT_LISTS

    def __len__(self) -> int:
        return len(self.years)

    def _slice(self, index: Any) -> Slice:
        return Slice(
            self.systems[index],
            self.ever[index],
            self.identified[index],
            {d: c[index] for d, c in self.codes.items()},
            self.vocab,
            self.lists,
        )

    def year_set(self) -> set[int]:
        """Return the years with at least one person-year."""
        return {int(y) for y in np.unique(self.years).tolist()}

    def select(self, where: Mapping[str, Collection[str]]) -> Variant:
        """Keep the person-years whose attributes match every filter (values OR-ed)."""
        if not where:
            return self
        mask = np.ones(len(self), dtype=bool)
        for dim, allowed in where.items():
            if dim == "year":
                wanted = [y for y in self.year_set() if str(y) in allowed]
                mask &= np.isin(self.years, wanted)
                continue
            vocab = self.vocab[dim]
            table = np.zeros(len(vocab) + 1, dtype=bool)
            table[[vocab.index(v) for v in allowed if v in vocab]] = True
            mask &= table[self.codes[dim]]
        return Variant(
            self.years[mask],
            self.systems[mask],
            self.ever[mask],
            self.identified[mask],
            {d: c[mask] for d, c in self.codes.items()},
            self.vocab,
            self.lists,
        )

    def year(self, year: int) -> Slice:
        """Return the person-years of one year (a contiguous slice: the arrays are sorted)."""
        lo, hi = np.searchsorted(self.years, [year, year + 1])
        return self._slice(slice(int(lo), int(hi)))

    def counts_by_year(self) -> dict[int, int]:
        """Return person-years per year."""
        values, counts = np.unique(self.years, return_counts=True)
        return dict(zip(values.tolist(), counts.tolist(), strict=True))


def _small(values: Iterable[int], n: int) -> npt.NDArray[Any]:
    return np.fromiter(values, dtype=np.uint8 if n <= 256 else np.int32)


def variant_from_person_years(
    items: Sequence[PersonYear], *, ever: Mapping[int, int], lists: Sequence[str]
) -> Variant:
    """Encode person-years (`counting.person_years`) with each person's ever-seen list bits."""
    names = tuple(lists)
    bits = {name: 1 << i for i, name in enumerate(names)}
    order = sorted(range(len(items)), key=lambda i: items[i].year)  # stable: pid order kept
    ordered = [items[i] for i in order]
    years = np.fromiter((p.year for p in ordered), dtype=np.int32, count=len(ordered))
    systems = np.fromiter((sum(bits.get(s, 0) for s in p.systems) for p in ordered), dtype=np.uint8)
    ever_bits = np.fromiter((ever.get(p.person_id, 0) for p in ordered), dtype=np.uint8)
    identified = np.fromiter((p.identified for p in ordered), dtype=bool, count=len(ordered))
    codes: dict[str, npt.NDArray[Any]] = {}
    vocab: dict[str, tuple[str, ...]] = {}
    for dim in ATTRS:
        table: dict[str, int] = {}
        raw = [table.setdefault(p.attrs[dim], len(table)) for p in ordered]
        codes[dim] = _small(raw, len(table))
        vocab[dim] = tuple(table)
    return Variant(years, systems, ever_bits, identified, codes, vocab, names)


@dataclass
class Frame:
    """Everything an answer needs for one set of victim rows: variants (built on demand or
    loaded), each system's own figures, the estimation population and row counters."""

    lists: tuple[str, ...]
    own: dict[tuple[str, int], OwnFigure]
    aligned: dict[str, dict[int, CaptureCounts]]  # offence family or "" -> year -> counts
    unlinked_rows: int
    rows_without_facts_date: int
    make: Callable[[VariantKey], Variant]
    variants: dict[VariantKey, Variant] = field(default_factory=dict)

    def variant(self, basis: str, family: str | None) -> Variant:
        """Return (building or loading once) the person-years of a date basis and family."""
        key = (basis, family or "")
        if key not in self.variants:
            self.variants[key] = self.make(key)
        return self.variants[key]

    def meta(self) -> dict[str, Any]:
        """Return the small, JSON-serialisable part of the frame."""
        return {
            "lists": list(self.lists),
            "own": [[s, y, f.rows, f.rows_trafficking] for (s, y), f in sorted(self.own.items())],
            "aligned": {
                fam: {str(y): list(_capture_tuple(c)) for y, c in years.items()}
                for fam, years in self.aligned.items()
            },
            "unlinked_rows": self.unlinked_rows,
            "rows_without_facts_date": self.rows_without_facts_date,
        }

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any], make: Callable[[VariantKey], Variant]) -> Frame:
        """Rebuild a frame from `meta()`, loading variants through `make`."""
        return cls(
            lists=tuple(meta["lists"]),
            own={(s, y): OwnFigure(s, y, r, t) for s, y, r, t in meta["own"]},
            aligned={
                fam: {int(y): CaptureCounts(*v) for y, v in years.items()}
                for fam, years in meta["aligned"].items()
            },
            unlinked_rows=int(meta["unlinked_rows"]),
            rows_without_facts_date=int(meta["rows_without_facts_date"]),
            make=make,
        )


def _capture_tuple(c: CaptureCounts) -> tuple[int, int, int, int, int]:
    return (c.n1, c.n2, c.m, c.unreferred, c.unreferred_in_sistra)


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
    bits = {name: 1 << i for i, name in enumerate(lists)}
    ever: dict[int, int] = {}
    for r in rows:
        ever[r.person_id] = ever.get(r.person_id, 0) | bits[r.system]

    def make(key: VariantKey) -> Variant:
        basis, family = key
        items = person_years(
            rows,
            date_basis="facts" if basis == "facts" else "registration",
            offence_family=family or None,
            identified_persons=identified,
        )
        return variant_from_person_years(items, ever=ever, lists=lists)

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


_FIELDS = ("years", "systems", "ever", "identified")


def dump_variant(v: Variant) -> tuple[bytes, dict[str, Any]]:
    """Serialise a variant: NumPy arrays as one .npz blob, vocabularies as JSON."""
    buf = io.BytesIO()
    arrays = {f: getattr(v, f) for f in _FIELDS}
    arrays.update({f"code_{d}": c for d, c in v.codes.items()})
    np.savez(buf, **arrays)  # uncompressed: loading is a copy, not a decompression
    return buf.getvalue(), {"vocab": {d: list(t) for d, t in v.vocab.items()}, "lists": v.lists}


def load_variant(data: bytes, meta: Mapping[str, Any]) -> Variant:
    """Load a variant serialised by `dump_variant`."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    vocab = {d: tuple(t) for d, t in meta["vocab"].items()}
    return Variant(
        arrays["years"],
        arrays["systems"],
        arrays["ever"],
        arrays["identified"],
        {d: arrays[f"code_{d}"] for d in vocab},
        vocab,
        tuple(meta["lists"]),
    )

"""Person-year variants and frames: the arrays an answer counts, and their database form.

A *variant* holds the person-years of one (date basis, offence family) — the output of
`counting.person_years` — as arrays sorted by year: a bit mask of the lists (systems) that saw
the person that year, a bit mask of the lists that ever saw the person, whether the person is
identified, and one small integer code per dimension. `frame.build_frame` makes them; a frame
keeps up to six and loads them on first use. The lists are data: a third source is one more bit.

Counting (`tables.py`) needs, per variant and process, the row range of each year and two
combined codes per person-year (`Variant.index`): computed once on first use, so that an answer
is a few `bincount`s over contiguous slices.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from app.statistics.counting import DIMENSIONS, OwnFigure, _overlap
from app.statistics.population import CaptureCounts

__all__ = [
    "ATTRS",
    "CORE",
    "CUBE",
    "DEFAULT_LISTS",
    "PLACE",
    "Frame",
    "Index",
    "Variant",
    "VariantKey",
    "dump_variant",
    "load_variant",
    "overlap_labels",
]

DEFAULT_LISTS: tuple[str, ...] = ("RETA", "SISTRA")
ATTRS: tuple[str, ...] = tuple(d for d in DIMENSIONS if d != "year")
VariantKey = tuple[str, str]  # (date basis, offence family or "")
# The dimensions folded into one code per person-year after the list bits and identification:
# every year figure, both stratified estimates (CORE), the rates (PLACE) and any filter or
# grouping on these dimensions are sums over one bincount of that code (the year's *cube*).
CORE: tuple[str, str] = ("sex", "age_minor")
PLACE: tuple[str, str] = ("department_residence", "department_birth")
CUBE: tuple[str, ...] = (*CORE, "offence_family", *PLACE)

IntArray = npt.NDArray[np.intp]


@lru_cache(maxsize=64)
def overlap_labels(lists: tuple[str, ...]) -> tuple[str, ...]:
    """Return the overlap label of each combination of lists (bit mask)."""
    return tuple(
        _overlap([lists[i] for i in range(len(lists)) if mask >> i & 1])
        for mask in range(1 << len(lists))
    )


@dataclass(frozen=True, slots=True)
class Index:
    """Per variant and process: each year's row range and one combined code per row."""

    years: tuple[int, ...]
    bounds: dict[int, tuple[int, int]]
    code: IntArray  # (list bits * 2 + identified) * ... then each of CUBE, in mixed radix
    shape: tuple[int, ...]  # [list bits, identified, *CUBE]


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
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.years)

    def index(self) -> Index:
        """Return (computing once) the year ranges and the combined codes."""
        found = self.memo.get("index")
        if found is None:
            found = self.memo["index"] = self._index()
        return found

    def _index(self) -> Index:
        # Sorted by year: a year starts where the year changes.
        starts = np.flatnonzero(np.r_[True, self.years[1:] != self.years[:-1]][: len(self)])
        ends = np.r_[starts[1:], len(self)][: len(starts)]
        years = tuple(int(y) for y in self.years[starts].tolist())
        bounds = {
            y: (int(lo), int(hi))
            for y, lo, hi in zip(years, starts.tolist(), ends.tolist(), strict=True)
        }
        shape = (1 << len(self.lists), 2, *(len(self.vocab[d]) for d in CUBE))
        code = self.systems.astype(np.intp) * 2 + self.identified
        for dim, size in zip(CUBE, shape[2:], strict=True):
            code *= size
            code += self.codes[dim]
        return Index(years, bounds, code, shape)

    def year_set(self) -> set[int]:
        """Return the years with at least one person-year."""
        return set(self.index().years)

    def counts_by_year(self) -> dict[int, int]:
        """Return person-years per year."""
        return {y: hi - lo for y, (lo, hi) in self.index().bounds.items()}

    def seen_ever(self, year: int) -> npt.NDArray[np.int64]:
        """Return the person-years of a year per (lists that year, lists ever) bit masks."""
        key = ("seen_ever", year)
        found = self.memo.get(key)
        if found is None:
            size = 1 << len(self.lists)
            lo, hi = self.index().bounds.get(year, (0, 0))
            pair = self.systems[lo:hi].astype(np.intp) * size + self.ever[lo:hi]
            found = self.memo[key] = np.bincount(pair, minlength=size * size).reshape(size, size)
        return found


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


_FIELDS = ("years", "systems", "ever", "identified")


def dump_variant(v: Variant) -> tuple[bytes, dict[str, Any]]:
    """Serialise a variant: the arrays' raw bytes one after the other (their layout and the
    vocabularies in the JSON meta), so loading is a view on the blob, not a copy."""
    arrays = {f: getattr(v, f) for f in _FIELDS}
    arrays.update({f"code_{d}": c for d, c in v.codes.items()})
    layout: list[list[Any]] = []
    chunks: list[bytes] = []
    offset = 0
    for name, array in arrays.items():
        raw = np.ascontiguousarray(array).tobytes()
        layout.append([name, array.dtype.str, offset, len(array)])
        pad = -len(raw) % 8  # every array starts on an 8-byte boundary
        chunks += [raw, b"\0" * pad]
        offset += len(raw) + pad
    meta = {"vocab": {d: list(t) for d, t in v.vocab.items()}, "lists": v.lists, "layout": layout}
    return b"".join(chunks), meta


def load_variant(data: bytes, meta: Mapping[str, Any]) -> Variant:
    """Load a variant serialised by `dump_variant` (or as .npz, by earlier versions)."""
    if "layout" in meta:
        arrays = {
            name: np.frombuffer(data, dtype=np.dtype(dtype), count=count, offset=offset)
            for name, dtype, offset, count in meta["layout"]
        }
    else:
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

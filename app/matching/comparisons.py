"""Comparison scorers compiled from declarative specs; each maps a pair to a similarity level."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from app.matching.arrays import unique_sorted
from app.matching.records import RecordTable
from app.matching.settings import ComparisonSpec

__all__ = ["NULL_LEVEL", "Comparator", "CompiledComparison", "compile_comparisons"]

NULL_LEVEL = -1
_TOKENS = 4
_DOC_DIFFERENT_MINOR = 1
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
I8 = npt.NDArray[np.int8]
F64 = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CompiledComparison:
    """A compiled comparison: its spec and the labels of its levels, least similar first."""

    spec: ComparisonSpec
    levels: tuple[str, ...]

    @property
    def name(self) -> str:
        """Return the comparison name."""
        return self.spec.name


class _Strings:
    """Per-value arrays derived once from a vocabulary's strings, grown as it grows.

    Comparisons look values up by code with NumPy instead of building Python lists per pair.
    Arrays grow by doubling: score_one adds a few values per call to a vocabulary of
    hundreds of thousands, which must not copy it every time.
    """

    def __init__(self, documents: bool = False) -> None:
        # A vocabulary of documents needs the document arrays only, one of names the name
        # arrays only (the other group stays unfilled): the documents' vocabulary also holds
        # file keys and places, a million values at national scale.
        self.documents = documents
        self.size = 0
        self.text = np.empty(0, dtype=object)
        self.first = np.empty(0, dtype=object)  # first token (given names)
        self.first_code = np.empty(0, dtype=np.int64)
        self.spaced = np.empty(0, dtype=bool)
        self.stripped = np.empty(0, dtype=object)  # without leading zeros (documents)
        self.zero = np.empty(0, dtype=bool)
        self.lead = np.empty(0, dtype=np.int16)  # leading zeros
        # Sorted ids of the first _TOKENS distinct tokens, -1 after them; many: more tokens.
        # Filled on first use (given names).
        self.tokens = np.empty((0, _TOKENS), dtype=np.int32)
        self.many = np.empty(0, dtype=bool)
        self.tokens_size = 0
        self._first_ids: dict[str, int] = {}
        self._token_ids: dict[str, int] = {}
        # Character histograms (digits 0-9, anything else): filled on first use, documents.
        self.hist = np.zeros((0, 11), dtype=np.int16)
        self.hist_done = np.zeros(0, dtype=bool)

    def _grow(self, need: int) -> None:
        cap = max(need, 2 * len(self.text), 1024)
        for name in ("text", "first", "first_code", "spaced", "stripped", "zero", "lead"):
            old = getattr(self, name)
            arr = np.empty(cap, dtype=old.dtype)
            arr[: self.size] = old[: self.size]
            setattr(self, name, arr)

    def token_sets(self) -> tuple[npt.NDArray[np.int32], BoolArray]:
        """Return the sorted token ids of every value (-1 padded) and whether it has more."""
        lo, hi = self.tokens_size, self.size
        if lo < hi:
            if len(self.tokens) < hi:
                cap = len(self.text)
                tokens = np.full((cap, _TOKENS), -1, dtype=np.int32)
                tokens[:lo] = self.tokens[:lo]
                many = np.zeros(cap, dtype=bool)
                many[:lo] = self.many[:lo]
                self.tokens, self.many = tokens, many
            tids = self._token_ids
            sets = [
                sorted({tids.setdefault(t, len(tids)) for t in v.split()})
                for v in self.text[lo:hi].tolist()
            ]
            self.many[lo:hi] = [len(t) > _TOKENS for t in sets]
            self.tokens[lo:hi] = [(t + [-1] * _TOKENS)[:_TOKENS] for t in sets]
            self.tokens_size = hi
        return self.tokens, self.many

    def histograms(self, codes: I64) -> npt.NDArray[np.int16]:
        """Return character histograms (digits 0-9, then the rest), filled for these codes.

        Only the values asked for: the vocabulary of documents is shared with file codes.
        """
        if len(self.hist) < self.size:
            grown = np.zeros((len(self.text), 11), dtype=np.int16)
            grown[: len(self.hist)] = self.hist
            done = np.zeros(len(self.text), dtype=bool)
            done[: len(self.hist_done)] = self.hist_done
            self.hist, self.hist_done = grown, done
        todo = unique_sorted(codes[~self.hist_done[codes]])
        step = 1 << 16
        for lo in range(0, len(todo), step):
            part = todo[lo : lo + step]
            chunk = self.text[part].tolist()
            width = max(1, max(map(len, chunk)))
            chars = np.array(chunk, dtype=f"<U{width}").view(np.uint32).reshape(-1, width)
            bucket = np.where((chars >= 48) & (chars <= 57), chars - 48, 10).astype(np.int64)
            real = chars > 0  # NumPy pads short strings with NUL
            row = np.repeat(np.arange(len(part), dtype=np.int64), width).reshape(-1, width)
            counts = np.bincount((row * 11 + bucket)[real], minlength=len(part) * 11)
            self.hist[part] = counts.reshape(-1, 11)
            self.hist_done[part] = True
        return self.hist

    def sync(self, values: list[str]) -> _Strings:
        lo, hi = self.size, len(values)
        if hi == lo:
            return self
        if hi > len(self.text):
            self._grow(hi)
        new = values[lo:hi]
        self.text[lo:hi] = new
        if self.documents:
            stripped = [v.lstrip("0") for v in new]
            self.stripped[lo:hi] = stripped
            self.zero[lo:hi] = [v[:1] == "0" for v in new]
            self.lead[lo:hi] = [len(v) - len(w) for v, w in zip(new, stripped, strict=True)]
        else:
            firsts = [v.split(" ", 1)[0] for v in new]
            ids = self._first_ids
            self.first[lo:hi] = firsts
            self.first_code[lo:hi] = [ids.setdefault(f, len(ids)) for f in firsts]
            self.spaced[lo:hi] = [" " in v for v in new]

        self.size = hi
        return self


Batch = Callable[[_Strings, I64, I64], F64]


def _token_subset(s: _Strings, left: I64, right: I64) -> BoolArray:
    """Return whether one value's token set contains the other's (token_set_ratio == 100).

    Vectorised over token ids; values with more than _TOKENS tokens go to rapidfuzz.
    """
    tokens, many_tokens = s.token_sets()
    ta, tb = tokens[left], tokens[right]
    a_in_b = np.ones(len(left), dtype=bool)
    b_in_a = np.ones(len(left), dtype=bool)
    for i in range(_TOKENS):
        a_in_b &= (ta[:, i] < 0) | (ta[:, i, None] == tb).any(axis=1)
        b_in_a &= (tb[:, i] < 0) | (tb[:, i, None] == ta).any(axis=1)
    # Both empty never happens here (names are present); rapidfuzz gives 0 for empty sets.
    out = (a_in_b | b_in_a) & (ta[:, 0] >= 0) & (tb[:, 0] >= 0)
    many = np.flatnonzero(many_tokens[left] | many_tokens[right])
    if len(many):
        out[many] = _cpdist(s.text[left[many]], s.text[right[many]], fuzz.token_set_ratio) >= 100
    return out


def _per_unique_pair(strings: _Strings, ca: I32, cb: I32, fn: Batch) -> F64:
    """Apply a batch scorer once per distinct unordered value pair: names repeat a lot.

    Scorers are symmetric, so (a, b) and (b, a) are scored once. Equal codes read +inf,
    missing values NaN.
    """
    out = np.full(len(ca), np.nan)
    todo = (ca != 0) & (cb != 0)
    equal = todo & (ca == cb)
    out[equal] = np.inf
    todo &= ~equal
    if not todo.any():
        return out
    width = np.int64(strings.size + 1)
    x, y = ca[todo].astype(np.int64), cb[todo].astype(np.int64)
    codes = np.minimum(x, y) * width + np.maximum(x, y)
    del x, y
    uniq, inverse = unique_inverse(codes)
    out[todo] = fn(strings, uniq // width, uniq % width)[inverse]
    return out


def unique_inverse(codes: I64) -> tuple[I64, I64]:
    """Return sorted unique values and the inverse index (sort-based; faster than hashing)."""
    order = np.argsort(codes)
    ordered = codes[order]
    start = np.empty(len(ordered), dtype=bool)
    start[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=start[1:])
    group = np.cumsum(start) - 1
    inverse = np.empty(len(codes), dtype=np.int64)
    inverse[order] = group
    return ordered[start], inverse


def _cpdist(left: npt.NDArray[np.object_], right: npt.NDArray[np.object_], scorer: Any) -> F64:
    """Score element-wise pairs in C++ across all cores."""
    if len(left) < 1024:
        # Thread start-up costs more than a handful of comparisons.
        return np.fromiter(
            (scorer(x, y) for x, y in zip(left.tolist(), right.tolist(), strict=True)),
            np.float64,
            count=len(left),
        )
    return np.asarray(
        process.cpdist(left.tolist(), right.tolist(), scorer=scorer, workers=-1),
        dtype=np.float64,
    )


def _jaro_winkler(s: _Strings, left: I64, right: I64) -> F64:
    return _cpdist(s.text[left], s.text[right], JaroWinkler.similarity)


def _given_scores(s: _Strings, left: I64, right: I64) -> F64:
    """Score given names: 3 when one set of names contains the other, else a similarity."""
    full = _cpdist(s.text[left], s.text[right], JaroWinkler.similarity)
    single = ~s.spaced[left] | ~s.spaced[right]
    same_first = s.first_code[left] == s.first_code[right]
    # The first names' similarity matters only for a single name (1.0 when equal).
    first = np.ones(len(left))
    need = single & ~same_first
    first[need] = _cpdist(s.first[left[need]], s.first[right[need]], JaroWinkler.similarity)
    # token_set_ratio is 100 exactly when one token set contains the other: a dropped second
    # given name (ROSA vs ROSA ELENA) is nearly as good as equality. Two different single
    # names never contain each other.
    subset = np.zeros(len(left), dtype=bool)
    multi = s.spaced[left] | s.spaced[right]
    subset[multi] = _token_subset(s, left[multi], right[multi])
    # Same first name with a different second one (ROSA ELENA vs ROSA MARIA): sisters as
    # often as typos, so only "similar".
    score = np.where(single, np.maximum(full, first * 0.98), full)
    score = np.where(~single & same_first, 0.85, score)
    return np.where(subset, 3.0, score)


def _doc_distances(s: _Strings, left: I64, right: I64) -> F64:
    """Return edit distance of documents, also without leading zeros (Excel drops them).

    Only distances up to 2 matter (comparison levels): a pair whose character histograms
    differ too much reads 3 without running the edit distance. An edit changes the
    histogram by at most 2 (L1), so the distance is at least half the histogram difference.
    """
    hist = s.histograms(np.concatenate([left, right]))
    ha, hb = hist[left], hist[right]
    diff = np.abs(ha - hb).sum(axis=1)
    # Without leading zeros only the count of zeros changes.
    zeros = np.abs((ha[:, 0] - s.lead[left]) - (hb[:, 0] - s.lead[right]))
    diff_stripped = diff - np.abs(ha[:, 0] - hb[:, 0]) + zeros
    close = np.flatnonzero(np.minimum(diff, diff_stripped) <= 4)
    out = np.full(len(left), 3.0)
    if len(close):
        out[close] = _edit_distances(s, left[close], right[close])
    return out


def _edit_distances(s: _Strings, left: I64, right: I64) -> F64:
    dist = _cpdist(s.text[left], s.text[right], OSA.distance)
    # Without a leading zero on either side stripping changes nothing, and Levenshtein is
    # never below OSA: only pairs with a leading zero need the second distance.
    zero = s.zero[left] | s.zero[right]
    if zero.any():
        stripped = _cpdist(s.stripped[left[zero]], s.stripped[right[zero]], Levenshtein.distance)
        dist[zero] = np.minimum(dist[zero], stripped)
    return dist


def doc_distance(a: str, b: str) -> float:
    """Return the edit distance between two document numbers."""
    return float(min(OSA.distance(a, b), Levenshtein.distance(a.lstrip("0"), b.lstrip("0"))))


class Comparator:
    """Compute comparison levels for candidate pairs between two record tables."""

    def __init__(self, comparisons: Sequence[CompiledComparison]) -> None:
        self.comparisons = tuple(comparisons)
        # Derived strings per vocabulary (keyed by its value list, kept alive with it).
        self._strings: dict[int, tuple[list[str], _Strings]] = {}

    def _derived(self, values: list[str], documents: bool = False) -> _Strings:
        """Return the derived strings of a vocabulary's values, brought up to date."""
        held = self._strings.get(id(values))
        if held is None or held[0] is not values:
            if len(self._strings) >= 4:
                self._strings.clear()
            held = self._strings[id(values)] = (values, _Strings(documents))
        return held[1].sync(values)

    def prepare(self, table: RecordTable) -> None:
        """Derive now every per-value array that comparing this table's rows may need.

        They are otherwise filled lazily, and growing them from two threads at once would
        lose values: call this before comparing chunks on threads.
        """
        names = self._derived(table.names.values)
        names.token_sets()
        docs = self._derived(table.other.values, documents=True)
        docs.histograms(unique_sorted(table.document).astype(np.int64))

    def compare(
        self, ta: RecordTable, ia: I64, tb: RecordTable, ib: I64, cheap: I8 | None = None
    ) -> tuple[I8, I32]:
        """Return (levels, tf value codes), each of shape (pairs, comparisons).

        cheap: the pairs' cheap_levels when the caller has them already.
        """
        n = len(ia)
        levels = np.full((n, len(self.comparisons)), NULL_LEVEL, dtype=np.int8)
        tf_codes = np.zeros((n, len(self.comparisons)), dtype=np.int32)
        names = self._derived(ta.names.values)
        pa, ma = ta.paternal[ia], ta.maternal[ia]
        pb, mb = tb.paternal[ib], tb.maternal[ib]
        # Surnames are swapped or shifted between columns in the sources: align each pair
        # in whichever order agrees better before comparing the columns one by one.

        def raw(x: I32, y: I32) -> F64:
            return _per_unique_pair(names, x, y, _jaro_winkler)

        def sim(r: F64) -> F64:
            return np.nan_to_num(np.minimum(r, 1.0), nan=0.0)

        # Each of the four surname combinations is scored once and reused below.
        r_pp, r_mm = raw(pa, pb), raw(ma, mb)
        # With both surnames equal in order, the crossed scores change nothing (no swap can
        # beat it, and the cross level is for a disagreeing paternal surname): skip them.
        crossed = np.flatnonzero(~((pa == pb) & (ma == mb) & (pa != 0) & (ma != 0)))
        r_pm, r_mp = np.full(len(pa), np.nan), np.full(len(pa), np.nan)
        r_pm[crossed] = raw(pa[crossed], mb[crossed])
        r_mp[crossed] = raw(ma[crossed], pb[crossed])
        direct = sim(r_pp) + sim(r_mm)
        swapped = sim(r_pm) + sim(r_mp)
        # Only a full pair of surnames can be swapped; with one missing, the one present is
        # the paternal surname (GARCIA RODRIGUEZ is not RODRIGUEZ).
        full = (pa != 0) & (ma != 0) & (pb != 0) & (mb != 0)
        swap = full & (swapped > direct + 1e-9)
        del direct, swapped
        aligned = {
            "paternal": (pa, np.where(swap, r_pm, r_pp)),
            "maternal": (ma, np.where(swap, r_mp, r_mm)),
        }
        given_col: int | None = None
        doc_col: int | None = None
        for c, comp in enumerate(self.comparisons):
            spec = comp.spec
            kind = spec.kind
            if kind == "given_name":
                given_col = c
                lv, codes = self._names(
                    names, ta.given[ia], tb.given[ib], spec.thresholds, _given_scores
                )
                levels[:, c] = lv
                tf_codes[:, c] = np.where(lv >= 3, ta.given_first[ia], 0)
            elif kind in ("paternal", "maternal"):
                x, score = aligned[kind]
                lv, codes = self._levels(score, x, spec.thresholds, exact=3)
                if kind == "paternal":
                    # One side has a single surname that matches the other's maternal
                    # surname (the paternal one was dropped): its own, weaker level.
                    cross = (sim(r_pm) >= 0.92) | (sim(r_mp) >= 0.92)
                    lv = np.where(lv >= 1, lv + 1, lv).astype(np.int8)
                    lv[(lv == 0) & ~full & cross] = 1
                    codes = np.where(lv == 4, x, 0).astype(np.int32)
                levels[:, c] = lv
                tf_codes[:, c] = codes
            elif kind == "document":
                doc_col = c
                levels[:, c] = self._document(ta, ia, tb, ib)
            else:
                levels[:, c] = (
                    cheap[:, c] if cheap is not None else self._cheap(spec, ta, ia, tb, ib)
                )
        if given_col is not None and doc_col is not None:
            # Minors are registered with a parent's or sibling's document: a shared document
            # with a different given name says nothing about identity.
            minor = ta.minor[ia] | tb.minor[ib]
            relative = (levels[:, doc_col] == 4) & (levels[:, given_col] == 0) & minor
            levels[relative, doc_col] = NULL_LEVEL
            # ...and their own document in the other system: a disagreement of documents
            # involving a minor is its own, weaker level and never a hard conflict.
            levels[(levels[:, doc_col] == 0) & minor, doc_col] = _DOC_DIFFERENT_MINOR
        return levels, tf_codes

    @staticmethod
    def _cheap(spec: ComparisonSpec, ta: RecordTable, ia: I64, tb: RecordTable, ib: I64) -> I8:
        """Return the levels of a comparison that needs no string scorer (integer columns)."""
        kind = spec.kind
        if kind == "case_context":
            ca_, cb_ = ta.case[ia], tb.case[ib]
            lv: I8 = np.asarray(ca_ == cb_, dtype=np.int8)
            # Two police complaints are two cases for the police, whatever joined them
            # later: case context is evidence only across systems or between files.
            both_police = ta.police[ia] & tb.police[ib]
            lv[(ca_ < 0) | (cb_ < 0) | both_police] = NULL_LEVEL
            return lv
        if kind == "birth":
            return Comparator._birth(ta, ia, tb, ib)
        if kind == "category":
            xa = getattr(ta, spec.column)[ia]
            xb = getattr(tb, spec.column)[ib]
            lv = np.asarray(xa == xb, dtype=np.int8)
            lv[(xa == 0) | (xb == 0)] = NULL_LEVEL
            return lv
        if kind == "ubigeo":
            ua = getattr(ta, spec.column)[ia].astype(np.int64)
            ub = getattr(tb, spec.column)[ib].astype(np.int64)
            lv = np.where(
                ua == ub,
                3,
                np.where(ua // 100 == ub // 100, 2, np.where(ua // 10000 == ub // 10000, 1, 0)),
            ).astype(np.int8)
            lv[(ua < 0) | (ub < 0)] = NULL_LEVEL
            return lv
        return np.full(len(ia), NULL_LEVEL, dtype=np.int8)

    def cheap_levels(self, ta: RecordTable, ia: I64, tb: RecordTable, ib: I64) -> I8:
        """Return levels of the integer comparisons only; names and documents read missing."""
        levels = np.full((len(ia), len(self.comparisons)), NULL_LEVEL, dtype=np.int8)
        for c, comp in enumerate(self.comparisons):
            levels[:, c] = self._cheap(comp.spec, ta, ia, tb, ib)
        return levels

    def incompatible(
        self, ta: RecordTable, ia: I64, tb: RecordTable, ib: I64, cheap: I8 | None = None
    ) -> BoolArray:
        """Return the pairs not worth comparing names for: different people on cheap evidence.

        Birth dates more than three years apart (the "incompatible" birth level) or a
        different recorded sex, unless the pair shares a document or its full name, exactly
        (either surname order): then the name and document scorers and the model decide.
        On the demo worlds none of these pairs is a true match, and they are half of the
        candidate pairs of common names at a million rows.
        """
        out = np.zeros(len(ia), dtype=bool)
        for c, comp in enumerate(self.comparisons):
            spec = comp.spec
            if spec.kind == "birth" or (spec.kind == "category" and spec.column == "sex"):
                lv = cheap[:, c] if cheap is not None else self._cheap(spec, ta, ia, tb, ib)
                out |= lv == 0
        if not out.any():
            return out
        x, y = ia[out], ib[out]
        da, db = ta.document[x], tb.document[y]
        pa, ma, pb, mb = ta.paternal[x], ta.maternal[x], tb.paternal[y], tb.maternal[y]
        same_name = (
            (ta.given[x] == tb.given[y])
            & (ta.given[x] != 0)
            & (((pa == pb) & (ma == mb)) | ((pa == mb) & (ma == pb)))
            & (pa != 0)
        )
        out[np.flatnonzero(out)[((da == db) & (da != 0)) | same_name]] = False
        return out

    def tf_codes(self, ta: RecordTable, ia: I64, levels: I8) -> I32:
        """Rebuild compare()'s tf value codes from the levels: the value agreed on, exactly.

        Lets a caller keep only the levels of millions of pairs (int8, not int32 per field).
        """
        out = np.zeros((len(ia), len(self.comparisons)), dtype=np.int32)
        for c, comp in enumerate(self.comparisons):
            kind, lv = comp.spec.kind, levels[:, c]
            if kind == "given_name":
                out[:, c] = np.where(lv >= 3, ta.given_first[ia], 0)
            elif kind == "paternal":
                out[:, c] = np.where(lv == 4, ta.paternal[ia], 0)
            elif kind == "maternal":
                out[:, c] = np.where(lv == 3, ta.maternal[ia], 0)
        return out

    @staticmethod
    def _names(
        names: _Strings,
        x: I32,
        y: I32,
        thresholds: tuple[float, ...],
        fn: Batch,
    ) -> tuple[I8, I32]:
        s = _per_unique_pair(names, x, y, fn)
        return Comparator._levels(s, x, thresholds, exact=4 if fn is _given_scores else 3)

    @staticmethod
    def _levels(s: F64, x: I32, thresholds: tuple[float, ...], exact: int) -> tuple[I8, I32]:
        hi, lo = ((*thresholds, 0.92, 0.8))[:2]
        lv = np.where(s >= hi, 2, np.where(s >= lo, 1, 0)).astype(np.int8)
        lv[s == 3.0] = 3  # token subset from _given_scores
        lv[np.isinf(s)] = exact
        lv[np.isnan(s)] = NULL_LEVEL
        return lv, np.where(lv == exact, x, 0).astype(np.int32)

    def _document(self, ta: RecordTable, ia: I64, tb: RecordTable, ib: I64) -> I8:
        da, db = ta.document[ia], tb.document[ib]
        # Both tables share vocabularies (RecordTable.extend), so codes are comparable.
        docs = self._derived(ta.other.values, documents=True)
        dist = _per_unique_pair(docs, da, db, _doc_distances)
        lv = np.where(dist <= 1, 3, np.where(dist <= 2, 2, 0)).astype(np.int8)
        lv[np.isinf(dist)] = 4
        lv[np.isnan(dist)] = NULL_LEVEL
        return lv

    @staticmethod
    def _birth(ta: RecordTable, ia: I64, tb: RecordTable, ib: I64) -> I8:
        lo_a, hi_a, lo_b, hi_b = ta.birth_lo[ia], ta.birth_hi[ia], tb.birth_lo[ib], tb.birth_hi[ib]
        gap = np.maximum(0, np.maximum(lo_b - hi_a, lo_a - hi_b))
        lv = np.where(gap == 0, 3, np.where(gap <= 400, 2, np.where(gap <= 1100, 1, 0)))
        dob_a, dob_b = ta.dob[ia], tb.dob[ib]
        both = (dob_a >= 0) & (dob_b >= 0)
        close = both & ((np.abs(dob_a - dob_b) <= 31) | (ta.birth_md[ia] == tb.birth_md[ib]))
        lv = np.where(close, 4, lv)
        lv = np.where(both & (dob_a == dob_b), 5, lv).astype(np.int8)
        lv[(lo_a < 0) | (lo_b < 0)] = NULL_LEVEL
        return lv


_LEVELS: dict[str, tuple[str, ...]] = {
    "given_name": ("different", "similar", "very similar", "one name dropped", "exact"),
    "paternal": ("different", "crosses the maternal", "similar", "very similar", "exact"),
    "maternal": ("different", "similar", "very similar", "exact"),
    "document": ("different", "different, a minor", "two edits", "one edit", "exact"),
    "birth": (
        "incompatible",
        "within 3 years",
        "within a year",
        "compatible",
        "dates close",
        "exact",
    ),
    "category": ("different", "equal"),
    "case_context": ("other case", "same linked case"),
    "ubigeo": ("other department", "same department", "same province", "same district"),
}


def compile_comparisons(specs: Sequence[ComparisonSpec]) -> Comparator:
    """Compile declarative comparison specs into a Comparator."""
    return Comparator([CompiledComparison(spec, _LEVELS[spec.kind]) for spec in specs])

"""Fellegi-Sunter model: m/u probabilities by EM (no labels) and term-frequency adjustment."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.matching.comparisons import NULL_LEVEL, CompiledComparison, unique_inverse
from app.matching.records import RecordTable
from app.matching.threads import tmap

__all__ = ["FellegiSunter", "FieldParameters", "ModelParameters", "TermFrequencies"]

F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
# Selects the level patterns (rows of a level matrix) of one EM session for m.
Selector = Callable[[I8], BoolArray]
_EPS = 1e-6
# Pattern codes are counted in a dense array only while it is small (the codes of the ten
# default comparisons span 30 M); beyond, each part's codes are sorted.
_DENSE_CODES = 1 << 22
_M_PRIOR = 20.0
_SLICE = 1 << 20  # rows of a level matrix collapsed per thread task


def _m_prior_shape(k: int) -> F64:
    raw = np.geomspace(1.0, 1000.0, k)
    return np.asarray(raw / raw.sum(), dtype=np.float64)


@dataclass(frozen=True)
class FieldParameters:
    """Estimated m and u probability of each level of one comparison."""

    name: str
    levels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]

    def weights(self) -> tuple[float, ...]:
        """Return the log2 Bayes factor of each level."""
        return tuple(float(np.log2(m / u)) for m, u in zip(self.m, self.u, strict=True))


@dataclass(frozen=True)
class ModelParameters:
    """A fitted model: prior match probability among candidate pairs and per-field m/u."""

    prior: float
    fields: tuple[FieldParameters, ...]
    iterations: int
    converged: bool

    @property
    def prior_log2_odds(self) -> float:
        """Return the prior as log2 odds."""
        return float(np.log2(self.prior / (1 - self.prior)))


class TermFrequencies:
    """Value frequencies of given names and surnames, updated as records arrive."""

    def __init__(self) -> None:
        self.given = np.zeros(1, dtype=np.int64)
        self.surname = np.zeros(1, dtype=np.int64)
        self.given_total = 0
        self.surname_total = 0

    @staticmethod
    def _add(counts: I64, codes: I32) -> I64:
        codes = codes[codes > 0]
        size = max(len(counts), int(codes.max()) + 1 if len(codes) else 0)
        grown = np.zeros(size, dtype=np.int64)
        grown[: len(counts)] = counts
        grown += np.bincount(codes, minlength=size)
        return grown

    def add(self, table: RecordTable) -> None:
        """Count the names of a table's records."""
        self.given = self._add(self.given, table.given_first)
        self.given_total += int((table.given_first > 0).sum())
        both = np.concatenate([table.paternal, table.maternal])
        self.surname = self._add(self.surname, both)
        self.surname_total += int((both > 0).sum())

    def frequency(self, field: str, codes: I32) -> F64:
        """Return the relative frequency of name codes (at least one occurrence)."""
        counts, total = (
            (self.given, self.given_total)
            if field == "given"
            else (self.surname, self.surname_total)
        )
        safe = np.where(codes < len(counts), codes, 0)
        found = np.where(codes < len(counts), counts[safe], 0)
        return np.maximum(found, 1) / max(total, 1)


def _tf_field(comp: CompiledComparison) -> str:
    return "given" if comp.spec.kind == "given_name" else "surname"


class FellegiSunter:
    """Estimate and apply a Fellegi-Sunter model over comparison level vectors."""

    def __init__(self, comparisons: Sequence[CompiledComparison]) -> None:
        self.comparisons = tuple(comparisons)
        self.parameters: ModelParameters | None = None
        self.tf_reference: dict[int, float] = {}

    def fit(
        self,
        levels: I8,
        *,
        random_levels: I8 | None = None,
        random_weight: float = 0.0,
        nonmatch_levels: I8 | None = None,
        sessions: Sequence[tuple[Selector, frozenset[int]]] = (),
        prior: float = 0.05,
        iterations: int = 40,
        tolerance: float = 1e-5,
    ) -> ModelParameters:
        """Fit m, u and the prior by EM (no labels).

        m: one EM session per subset of candidate pairs (mask), ignoring the columns that
        selected the subset (as Splink does per blocking rule), u held at its random-pair
        estimate; each field takes m from the first session that estimated it. Then u and
        the prior: EM over all candidate pairs plus random pairs (random_weight each, standing
        in for the pairs blocking did not generate) with m fixed. Pairs the constraints prove
        distinct (nonmatch_levels) are held at posterior 0 throughout. A session selects
        rows of a level matrix; it is applied to the distinct level patterns, so millions of
        pairs are collapsed once, not once per session.
        """
        sizes = [len(c.levels) for c in self.comparisons]
        width = len(sizes)
        rand = random_levels if random_levels is not None else levels[:0]
        known = nonmatch_levels if nonmatch_levels is not None else levels[:0]
        u0 = [
            _level_freq(rand[:, c] if len(rand) else levels[:, c], k) for c, k in enumerate(sizes)
        ]
        cand, counts, _ = _collapse([(levels, 1.0, 0)])
        m: list[F64 | None] = [None] * width
        for select, excluded in (*sessions, (lambda p: np.ones(len(p), dtype=bool), frozenset())):
            todo = [c for c in range(width) if m[c] is None and c not in excluded]
            mask = select(cand)
            if not todo or counts[mask].sum() < 50:
                continue
            sub = cand[mask].copy()
            kn = known.copy()
            for c in excluded:
                sub[:, c] = NULL_LEVEL
                kn[:, c] = NULL_LEVEL
            m_s, _, _, _ = _em(
                [(sub, counts[mask])],
                kn,
                [_initial_m(k) for k in sizes],
                u0,
                prior=0.5,
                fit_m=True,
                fit_u=False,
                iterations=iterations,
                tolerance=tolerance,
            )
            for c in todo:
                m[c] = m_s[c]
        m_final = [x if x is not None else _initial_m(k) for x, k in zip(m, sizes, strict=True)]
        m_out, u, lam, it = _em(
            [(cand, counts), (rand, float(random_weight))],
            known,
            m_final,
            u0,
            prior=prior,
            fit_m=not len(rand),
            fit_u=True,
            iterations=iterations,
            tolerance=tolerance,
        )
        fields = tuple(
            FieldParameters(
                comp.name,
                comp.levels,
                tuple(float(x) for x in m_out[c]),
                tuple(float(x) for x in u[c]),
            )
            for c, comp in enumerate(self.comparisons)
        )
        self.parameters = ModelParameters(lam, fields, it, it < iterations)
        return self.parameters

    def calibrate_tf(self, tf_codes: I32, tf: TermFrequencies) -> None:
        """Set each name field's reference frequency: the typical frequency of agreeing values."""
        self.calibrate_tf_columns(
            {
                c: tf_codes[:, c][tf_codes[:, c] > 0]
                for c, comp in enumerate(self.comparisons)
                if comp.spec.term_frequency
            },
            tf,
        )

    def calibrate_tf_columns(self, positive: dict[int, I32], tf: TermFrequencies) -> None:
        """calibrate_tf from the positive tf codes of each name column (column -> codes)."""
        self.tf_reference = {}
        for c, comp in enumerate(self.comparisons):
            if not comp.spec.term_frequency:
                continue
            codes = positive.get(c, np.zeros(0, dtype=np.int32))
            if len(codes):
                freq = tf.frequency(_tf_field(comp), codes)
                # Geometric mean, so the average adjustment over agreeing pairs is zero and
                # the level weight keeps its EM meaning.
                self.tf_reference[c] = float(np.exp(np.log(freq).mean()))

    def tf_adjustments(
        self, tf: TermFrequencies, bounds: tuple[float, float], size: int
    ) -> dict[int, F64]:
        """Return per name column the tf adjustment of every value code below size (0: none).

        Scoring millions of pairs then costs one lookup per pair and column.
        """
        out: dict[int, F64] = {}
        for c, ref in self.tf_reference.items():
            codes = np.arange(size, dtype=np.int32)
            freq = tf.frequency(_tf_field(self.comparisons[c]), codes)
            adj = np.clip(np.log2(ref / freq), *bounds)
            adj[0] = 0.0
            out[c] = adj
        return out

    def score_levels(self, levels: I8, tf_codes: dict[int, I32], adjust: dict[int, F64]) -> F64:
        """Return total log2 odds from levels, tf codes per column and tf_adjustments."""
        if self.parameters is None:
            raise RuntimeError("model is not fitted")
        total = np.full(len(levels), self.parameters.prior_log2_odds)
        for c, fp in enumerate(self.parameters.fields):
            table = np.asarray((*fp.weights(), 0.0))  # index -1 (null) reads the 0.0
            cap = self.comparisons[c].spec.max_weight
            if cap is not None:
                table = np.minimum(table, cap)
            total += table[levels[:, c]]
            if c in adjust and c in tf_codes:
                total += adjust[c][tf_codes[c]]
        return total

    def score(
        self,
        levels: I8,
        tf_codes: I32,
        tf: TermFrequencies,
        bounds: tuple[float, float],
        *,
        detail: bool = True,
    ) -> tuple[F64, F64, F64]:
        """Return total log2 odds and, with detail, per-field weights and tf adjustments."""
        if self.parameters is None:
            raise RuntimeError("model is not fitted")
        n, width = levels.shape
        shape = (n, width) if detail else (0, width)
        field_w = np.zeros(shape)
        tf_adj = np.zeros(shape)
        total = np.full(n, self.parameters.prior_log2_odds)
        for c, fp in enumerate(self.parameters.fields):
            table = np.asarray((*fp.weights(), 0.0))  # index -1 (null) reads the 0.0
            cap = self.comparisons[c].spec.max_weight
            if cap is not None:
                table = np.minimum(table, cap)
            w = table[levels[:, c]]
            total += w
            if detail:
                field_w[:, c] = w
            ref = self.tf_reference.get(c)
            if ref is not None:
                codes = tf_codes[:, c]
                has = codes > 0
                if has.any():
                    freq = tf.frequency(_tf_field(self.comparisons[c]), codes[has])
                    adj = np.clip(np.log2(ref / freq), *bounds)
                    total[has] += adj
                    if detail:
                        tf_adj[has, c] = adj
        return total, field_w, tf_adj


def _collapse(
    parts: Sequence[tuple[I8, float | F64, int]],
) -> tuple[I8, F64, npt.NDArray[np.bool_]]:
    """Collapse identical comparison vectors of (levels, weight per row, flag) parts.

    A part's weight is one number for all its rows or an array with one per row. EM then
    runs on a few thousand patterns. Each row becomes one integer code (levels and flag),
    counted with bincount over the code range: no sort, no copy of the parts into one big
    level matrix, one code array per part at a time.
    """
    width = parts[0][0].shape[1] if parts else 0
    radix = np.full(width, 2, dtype=np.int64)
    for lv, _, _ in parts:
        if len(lv):
            radix = np.maximum(radix, lv.max(axis=0).astype(np.int64) + 2)
    span = 2 * int(np.prod(radix, dtype=np.float64)) if width else 2
    dense = span <= _DENSE_CODES
    small = span < 1 << 31  # int32 codes: half the memory traffic

    def encode(lv: I8, flag: int) -> I64:
        code: I64 = np.zeros(len(lv), dtype=np.int32 if small else np.int64)
        for c in range(width):
            code *= radix[c]
            code += lv[:, c]
            code += 1
        code *= 2
        code += flag
        return code

    if dense:
        totals = np.zeros(span, dtype=np.float64)
        for lv, w, flag in parts:
            if len(lv) == 0:
                continue
            code = encode(lv, flag)
            if isinstance(w, np.ndarray):
                totals += np.bincount(code, weights=w, minlength=span)
            else:
                totals += w * np.bincount(code, minlength=span)
            del code
        uniq = np.flatnonzero(totals > 0).astype(np.int64)
        weights = totals[uniq]
    else:
        # Sort each part's codes on its own, then merge the (few thousand) distinct ones.
        uniqs: list[I64] = []
        sums: list[F64] = []

        def count(lv: I8, flag: int, lo: int) -> tuple[I64, F64]:
            u, counts = np.unique(encode(lv[lo : lo + _SLICE], flag), return_counts=True)
            return u.astype(np.int64), counts.astype(np.float64)

        for lv, w, flag in parts:
            if len(lv) == 0:
                continue
            if isinstance(w, np.ndarray):
                u, inv = unique_inverse(encode(lv, flag).astype(np.int64))
                sums.append(np.bincount(inv, weights=w, minlength=len(u)).astype(np.float64))
            else:
                # Counted in slices on threads; integer counts add up exactly in any order.
                counted = tmap(functools.partial(count, lv, flag), range(0, len(lv), _SLICE))
                u, inv = unique_inverse(np.concatenate([c[0] for c in counted]))
                total = np.bincount(inv, weights=np.concatenate([c[1] for c in counted]))
                sums.append(w * np.asarray(total, dtype=np.float64))
            uniqs.append(u.astype(np.int64))
        if not uniqs:
            return np.zeros((0, width), dtype=np.int8), np.zeros(0), np.zeros(0, dtype=bool)
        uniq, inv = unique_inverse(np.concatenate(uniqs))
        weights = np.asarray(
            np.bincount(inv, weights=np.concatenate(sums), minlength=len(uniq)), dtype=np.float64
        )
    forced = (uniq % 2) == 1
    rest = uniq // 2
    patterns = np.empty((len(uniq), width), dtype=np.int8)
    for c in range(width - 1, -1, -1):
        patterns[:, c] = rest % radix[c] - 1
        rest //= radix[c]
    return patterns, weights, forced


def _em(
    parts: Sequence[tuple[I8, float | F64]],
    known: I8,
    m: list[F64],
    u: list[F64],
    *,
    prior: float,
    fit_m: bool,
    fit_u: bool,
    iterations: int,
    tolerance: float,
) -> tuple[list[F64], list[F64], float, int]:
    """Run EM on collapsed patterns of (levels, weight) parts; known non-matches keep 0."""
    sizes = [len(x) for x in m]
    patterns, weights, forced = _collapse([(lv, w, 0) for lv, w in parts] + [(known, 1.0, 1)])
    lam = prior
    it = 0
    for it in range(1, iterations + 1):  # noqa: B007 - returned
        odds = np.log(lam) - np.log1p(-lam) + _log_lik(patterns, m) - _log_lik(patterns, u)
        post = 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700)))
        post[forced] = 0.0
        wm, wu = weights * post, weights * (1 - post)
        total = float(weights.sum())
        # No pairs to learn from (a tiny upload): keep the prior rather than divide by 0.
        new_lam = float(np.clip(wm.sum() / total, 1e-12, 1 - _EPS)) if total > 0 else lam
        new_m = (
            [_weighted_freq(patterns[:, c], wm, k, _M_PRIOR) for c, k in enumerate(sizes)]
            if fit_m
            else m
        )
        new_u = [_weighted_freq(patterns[:, c], wu, k) for c, k in enumerate(sizes)] if fit_u else u
        delta = max(
            abs(new_lam - lam) / max(lam, 1e-12),
            *(float(np.abs(x - y).max()) for x, y in zip(new_m + new_u, m + u, strict=True)),
        )
        m, u, lam = new_m, new_u, new_lam
        if delta < tolerance:
            break
    return m, u, lam, it


def _initial_m(k: int) -> F64:
    raw = np.geomspace(1, 2.0 ** (k + 1), k)
    return np.asarray(raw / raw.sum(), dtype=np.float64)


def _level_freq(column: I8, k: int) -> F64:
    col = column[column != NULL_LEVEL].astype(np.int64)
    counts: F64 = np.bincount(col, minlength=k).astype(np.float64) + 1.0
    return np.asarray(counts / counts.sum(), dtype=np.float64)


def _weighted_freq(column: I8, weights: F64, k: int, prior: float = 0.0) -> F64:
    keep = column != NULL_LEVEL
    sums = np.asarray(
        np.bincount(column[keep].astype(np.int64), weights=weights[keep], minlength=k),
        dtype=np.float64,
    )
    # A few pseudo-matches that mostly agree: negligible on real volumes, but on a small
    # file EM otherwise learns that disagreeing names are common among matches.
    sums = sums + prior * _m_prior_shape(k) + _EPS * max(float(sums.sum()), 1.0)
    return np.asarray(sums / sums.sum(), dtype=np.float64)


def _log_lik(patterns: I8, probs: list[F64]) -> F64:
    out = np.zeros(len(patterns))
    for c, p in enumerate(probs):
        col = patterns[:, c].astype(np.int64)
        logp = np.append(np.log(p), 0.0)  # null level contributes nothing
        out += logp[col]
    return out

"""Fellegi-Sunter model: m/u probabilities by EM (no labels) and term-frequency adjustment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.matching.comparisons import NULL_LEVEL, CompiledComparison
from app.matching.records import RecordTable

__all__ = ["FellegiSunter", "FieldParameters", "ModelParameters", "TermFrequencies"]

F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
_EPS = 1e-6


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
        prior: float = 0.05,
        iterations: int = 40,
        tolerance: float = 1e-5,
    ) -> ModelParameters:
        """Fit m, u and the prior by EM on the candidate pairs' comparison levels."""
        patterns, counts = _unique_patterns(levels)
        weights = counts.astype(np.float64)
        sizes = [len(c.levels) for c in self.comparisons]
        m = [_initial_m(k) for k in sizes]
        if random_levels is not None and len(random_levels):
            # Random pairs are almost all non-matches: a good starting point for u.
            u = [_level_freq(random_levels[:, c], k) for c, k in enumerate(sizes)]
        else:
            u = [_level_freq(levels[:, c], k) for c, k in enumerate(sizes)]
        lam = prior
        converged = False
        it = 0
        for it in range(1, iterations + 1):  # noqa: B007 - reported after the loop
            log_m = _log_lik(patterns, m)
            log_u = _log_lik(patterns, u)
            odds = np.log(lam) - np.log1p(-lam) + log_m - log_u
            post = 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700)))
            wm, wu = weights * post, weights * (1 - post)
            new_lam = float(np.clip(wm.sum() / weights.sum(), _EPS, 1 - _EPS))
            new_m = [_weighted_freq(patterns[:, c], wm, k) for c, k in enumerate(sizes)]
            new_u = [_weighted_freq(patterns[:, c], wu, k) for c, k in enumerate(sizes)]
            delta = max(
                abs(new_lam - lam),
                *(float(np.abs(a - b).max()) for a, b in zip(new_m + new_u, m + u, strict=True)),
            )
            m, u, lam = new_m, new_u, new_lam
            if delta < tolerance:
                converged = True
                break
        fields = tuple(
            FieldParameters(
                comp.name,
                comp.levels,
                tuple(float(x) for x in m[c]),
                tuple(float(x) for x in u[c]),
            )
            for c, comp in enumerate(self.comparisons)
        )
        self.parameters = ModelParameters(lam, fields, it, converged)
        return self.parameters

    def calibrate_tf(self, tf_codes: I32, tf: TermFrequencies) -> None:
        """Set each name field's reference frequency: the typical frequency of agreeing values."""
        self.tf_reference = {}
        for c, comp in enumerate(self.comparisons):
            if not comp.spec.term_frequency:
                continue
            codes = tf_codes[:, c]
            codes = codes[codes > 0]
            if len(codes):
                freq = tf.frequency(_tf_field(comp), codes)
                # Geometric mean, so the average adjustment over agreeing pairs is zero and
                # the level weight keeps its EM meaning.
                self.tf_reference[c] = float(np.exp(np.log(freq).mean()))

    def score(
        self, levels: I8, tf_codes: I32, tf: TermFrequencies, bounds: tuple[float, float]
    ) -> tuple[F64, F64, F64]:
        """Return total log2 odds, per-field level weights and per-field tf adjustments."""
        if self.parameters is None:
            raise RuntimeError("model is not fitted")
        n, width = levels.shape
        field_w = np.zeros((n, width))
        tf_adj = np.zeros((n, width))
        for c, fp in enumerate(self.parameters.fields):
            table = np.asarray((*fp.weights(), 0.0))  # index -1 (null) reads the 0.0
            field_w[:, c] = table[levels[:, c]]
            ref = self.tf_reference.get(c)
            if ref is not None:
                codes = tf_codes[:, c]
                has = codes > 0
                if has.any():
                    freq = tf.frequency(_tf_field(self.comparisons[c]), codes[has])
                    tf_adj[has, c] = np.clip(np.log2(ref / freq), *bounds)
        total = self.parameters.prior_log2_odds + field_w.sum(axis=1) + tf_adj.sum(axis=1)
        return total, field_w, tf_adj


def _unique_patterns(levels: I8) -> tuple[I8, I64]:
    """Collapse identical comparison vectors: EM then runs on a few thousand patterns."""
    if len(levels) == 0:
        return levels, np.zeros(0, dtype=np.int64)
    shifted = levels.astype(np.int64) + 1
    radix = shifted.max(axis=0) + 1
    code = np.zeros(len(levels), dtype=np.int64)
    for c in range(levels.shape[1]):
        code = code * radix[c] + shifted[:, c]
    _, first, counts = np.unique(code, return_index=True, return_counts=True)
    return levels[first], counts.astype(np.int64)


def _initial_m(k: int) -> F64:
    raw = np.geomspace(1, 2.0 ** (k + 1), k)
    return np.asarray(raw / raw.sum(), dtype=np.float64)


def _level_freq(column: I8, k: int) -> F64:
    col = column[column != NULL_LEVEL].astype(np.int64)
    counts: F64 = np.bincount(col, minlength=k).astype(np.float64) + 1.0
    return np.asarray(counts / counts.sum(), dtype=np.float64)


def _weighted_freq(column: I8, weights: F64, k: int) -> F64:
    keep = column != NULL_LEVEL
    sums = np.asarray(
        np.bincount(column[keep].astype(np.int64), weights=weights[keep], minlength=k),
        dtype=np.float64,
    )
    sums = sums + _EPS * max(float(sums.sum()), 1.0)
    return np.asarray(sums / sums.sum(), dtype=np.float64)


def _log_lik(patterns: I8, probs: list[F64]) -> F64:
    out = np.zeros(len(patterns))
    for c, p in enumerate(probs):
        col = patterns[:, c].astype(np.int64)
        logp = np.append(np.log(p), 0.0)  # null level contributes nothing
        out += logp[col]
    return out

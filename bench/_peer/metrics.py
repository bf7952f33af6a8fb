"""Pure clustering-quality metrics against ground truth (no linker, no Splink).

Every function takes the rows to score as keys, the true entity of each key and the
predicted cluster of each key. Pair counts come from the contingency table of
(true entity, predicted cluster), so a million rows cost no pair enumeration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Scores", "bcubed", "pairwise", "per_year_counts", "score"]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _labels(
    keys: Sequence[Hashable], truth: Mapping[Hashable, Hashable], pred: Mapping[Hashable, Hashable]
) -> tuple[list[Hashable], list[tuple[str, Hashable]]]:
    """True and predicted labels of the keys; a key the prediction lacks is a singleton."""
    t = [truth[k] for k in keys]
    p: list[tuple[str, Hashable]] = [
        ("c", pred[k]) if k in pred else ("singleton", k) for k in keys
    ]
    return t, p


def pairwise(
    keys: Sequence[Hashable], truth: Mapping[Hashable, Hashable], pred: Mapping[Hashable, Hashable]
) -> tuple[float, float, float, int, int, int]:
    """Pairwise precision, recall, F1 and (true-positive, predicted, true) pair counts."""
    t, p = _labels(keys, truth, pred)
    true_pairs = sum(_pairs(n) for n in Counter(t).values())
    pred_pairs = sum(_pairs(n) for n in Counter(p).values())
    tp = sum(_pairs(n) for n in Counter(zip(t, p, strict=True)).values())
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, pred_pairs, true_pairs


def bcubed(
    keys: Sequence[Hashable], truth: Mapping[Hashable, Hashable], pred: Mapping[Hashable, Hashable]
) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 averaged over the keys."""
    if not keys:
        return 1.0, 1.0, 1.0
    t, p = _labels(keys, truth, pred)
    t_size, p_size = Counter(t), Counter(p)
    cells = Counter(zip(t, p, strict=True))
    # Each of the n rows of a cell shares n rows with its own true and predicted group.
    bp = sum(n * n / p_size[pc] for (_, pc), n in cells.items()) / len(keys)
    br = sum(n * n / t_size[tc] for (tc, _), n in cells.items()) / len(keys)
    f1 = 2 * bp * br / (bp + br) if bp + br else 0.0
    return bp, br, f1


def per_year_counts(
    keys: Sequence[Hashable],
    truth: Mapping[Hashable, Hashable],
    pred: Mapping[Hashable, Hashable],
    year: Mapping[Hashable, int],
) -> dict[int, tuple[int, int, float]]:
    """Per year: (true unique persons, predicted unique clusters, relative error in %).

    A person counts once in each year in which they have a row among the keys.
    """
    t, p = _labels(keys, truth, pred)
    true_sets: dict[int, set[Hashable]] = defaultdict(set)
    pred_sets: dict[int, set[Hashable]] = defaultdict(set)
    for k, tc, pc in zip(keys, t, p, strict=True):
        true_sets[year[k]].add(tc)
        pred_sets[year[k]].add(pc)
    out: dict[int, tuple[int, int, float]] = {}
    for y in sorted(true_sets):
        nt, np_ = len(true_sets[y]), len(pred_sets[y])
        out[y] = (nt, np_, 100.0 * (np_ - nt) / nt)
    return out


@dataclass(frozen=True)
class Scores:
    """All quality figures of one clustering over one set of rows."""

    rows: int
    precision: float
    recall: float
    f1: float
    bcubed_f1: float
    true_pairs: int
    predicted_pairs: int
    per_year: dict[int, tuple[int, int, float]]

    @property
    def max_year_error(self) -> float:
        """Largest absolute per-year relative count error, in %."""
        return max((abs(e) for _, _, e in self.per_year.values()), default=0.0)


def score(
    keys: Sequence[Hashable],
    truth: Mapping[Hashable, Hashable],
    pred: Mapping[Hashable, Hashable],
    year: Mapping[Hashable, int],
) -> Scores:
    """Pairwise, B-cubed and per-year scores of a predicted clustering over the keys."""
    p, r, f1, _, pred_pairs, true_pairs = pairwise(keys, truth, pred)
    return Scores(
        rows=len(keys),
        precision=p,
        recall=r,
        f1=f1,
        bcubed_f1=bcubed(keys, truth, pred)[2],
        true_pairs=true_pairs,
        predicted_pairs=pred_pairs,
        per_year=per_year_counts(keys, truth, pred, year),
    )

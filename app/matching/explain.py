"""Explanations: the waterfall of match weights behind every scored pair."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Explanation", "FieldWeight", "probability_from_log2_odds"]


def probability_from_log2_odds(log2_odds: float) -> float:
    """Convert log2 odds to a probability."""
    if log2_odds > 60:
        return 1.0
    if log2_odds < -60:
        return 0.0
    return float(1.0 / (1.0 + 2.0 ** (-log2_odds)))


@dataclass(frozen=True)
class FieldWeight:
    """One bar of the waterfall: a field, the level it reached and its log2 weight."""

    field: str
    level: str
    weight: float
    tf_adjustment: float = 0.0

    @property
    def total(self) -> float:
        """Return the level weight plus the term-frequency adjustment."""
        return self.weight + self.tf_adjustment


@dataclass(frozen=True)
class Explanation:
    """Why a pair scored as it did: prior log2 odds plus per-field weights, and any rule."""

    prior_log2_odds: float
    fields: tuple[FieldWeight, ...]
    rule: str | None = None

    @property
    def log2_odds(self) -> float:
        """Return the total match weight: the prior plus every field's weight."""
        return self.prior_log2_odds + math.fsum(f.total for f in self.fields)

    @property
    def probability(self) -> float:
        """Return the match probability implied by the weights."""
        return probability_from_log2_odds(self.log2_odds)

    def waterfall(self) -> list[tuple[str, float, float]]:
        """Return (label, weight, running total) rows from the prior to the final score."""
        running = self.prior_log2_odds
        rows = [("prior", running, running)]
        for f in self.fields:
            running += f.total
            rows.append((f"{f.field}: {f.level}", f.total, running))
        return rows

    def to_text(self) -> str:
        """Render the waterfall as lines of text for a reviewer."""
        lines = [
            f"{label:<40} {weight:+7.2f} -> {total:+7.2f}"
            for label, weight, total in self.waterfall()
        ]
        lines.append(
            f"probability {self.probability:.4f}" + (f" ({self.rule})" if self.rule else "")
        )
        return "\n".join(lines)

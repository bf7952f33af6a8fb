"""Distinct-victim statistics: counting, capture-recapture and small-cell suppression."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.statistics.capture import Estimate, chapman, stratified
    from app.statistics.counting import DIMENSIONS, PersonYear, VictimRow, person_years
    from app.statistics.suppression import marginal_table, suppress

__all__ = [
    "DIMENSIONS",
    "Estimate",
    "PersonYear",
    "VictimRow",
    "chapman",
    "marginal_table",
    "person_years",
    "stratified",
    "suppress",
]

# Imported on first use: these load NumPy, which commands that compute no statistics
# (`intertrata ingest`) should not pay for at start-up.
_HOME = {
    "Estimate": "app.statistics.capture",
    "chapman": "app.statistics.capture",
    "stratified": "app.statistics.capture",
    "DIMENSIONS": "app.statistics.counting",
    "PersonYear": "app.statistics.counting",
    "VictimRow": "app.statistics.counting",
    "person_years": "app.statistics.counting",
    "marginal_table": "app.statistics.suppression",
    "suppress": "app.statistics.suppression",
}


def __getattr__(name: str) -> Any:
    """Import a public name of the package on first use."""
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

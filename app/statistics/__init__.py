"""Distinct-victim statistics: counting, capture-recapture and small-cell suppression."""

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

"""Pure two-list capture-recapture: Chapman's estimator, its variance and a 95% interval."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ASSUMPTIONS", "Estimate", "Stratified", "chapman", "stratified"]

Z95 = 1.959963984540054

ASSUMPTIONS: tuple[str, ...] = (
    "Población cerrada: se estima el total de víctimas del año (personas-año), no del periodo.",
    "Las dos listas son RETA y SISTRA; una persona está en una lista si tiene una fila de "
    "víctima de ese sistema en el año.",
    "La vinculación es correcta: un falso enlace infla la intersección y baja la estimación; "
    "un enlace perdido la sube.",
    "Independencia entre listas: que la policía registre a una víctima no cambia la "
    "probabilidad de que la fiscalía la registre.",
    "Advertencia de dependencia: en el Perú la policía remite sus denuncias a la fiscalía, "
    "por lo que estar en RETA aumenta la probabilidad de estar en SISTRA (dependencia "
    "positiva). Con dependencia positiva el estimador de Chapman subestima el total y el "
    "intervalo no la corrige; la estratificación (sexo, grupo de edad) solo corrige la "
    "heterogeneidad entre estratos. Con 3 o más listas, use las tablas de patrones de "
    "coincidencia para modelos log-lineales que estimen la dependencia.",
    "Intervalo del 95%: log-normal de Chao sobre los no observados (cota inferior = "
    "observados), varianza de Seber (1970).",
)


@dataclass(frozen=True, slots=True)
class Estimate:
    """Chapman estimate of the total with its standard error and 95% interval."""

    n1: int
    n2: int
    m: int
    observed: int
    total: float
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True)
class Stratified:
    """Sum of per-stratum Chapman estimates with a 95% interval for the total."""

    total: Estimate
    strata: dict[str, Estimate]


def _interval(observed: int, total: float, variance: float) -> tuple[float, float]:
    """Chao's log-normal interval: the unseen count f0 is taken as log-normal."""
    f0 = total - observed
    if f0 <= 0 or variance <= 0:
        half = Z95 * math.sqrt(max(variance, 0.0))
        return max(float(observed), total - half), total + half
    c = math.exp(Z95 * math.sqrt(math.log(1.0 + variance / f0**2)))
    return observed + f0 / c, observed + f0 * c


def _make(n1: int, n2: int, m: int, total: float, variance: float) -> Estimate:
    observed = n1 + n2 - m
    low, high = _interval(observed, total, variance)
    return Estimate(n1, n2, m, observed, total, math.sqrt(max(variance, 0.0)), low, high)


def _variance(n1: int, n2: int, m: int) -> float:
    return (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))


def chapman(n1: int, n2: int, m: int) -> Estimate:
    """Estimate the total from list sizes n1, n2 and their overlap m (Chapman, 1951)."""
    if min(n1, n2, m) < 0 or m > min(n1, n2):
        raise ValueError("se requiere 0 <= m <= min(n1, n2)")
    total = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    return _make(n1, n2, m, total, _variance(n1, n2, m))


def stratified(strata: Mapping[str, tuple[int, int, int]]) -> Stratified:
    """Estimate each stratum with Chapman and add them up (variances add: strata independent)."""
    parts = {name: chapman(*counts) for name, counts in strata.items()}
    n1 = sum(e.n1 for e in parts.values())
    n2 = sum(e.n2 for e in parts.values())
    m = sum(e.m for e in parts.values())
    total = sum(e.total for e in parts.values())
    variance = sum(e.se**2 for e in parts.values())
    return Stratified(_make(n1, n2, m, total, variance), parts)

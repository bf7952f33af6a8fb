"""Pure two-list capture-recapture: Chapman's estimator, its variance and a 95% interval."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ASSUMPTIONS",
    "BOUNDS_ASSUMPTIONS",
    "Bounds",
    "Estimate",
    "Stratified",
    "bounds",
    "chapman",
    "stratified",
    "stratified_bounds",
]

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


BOUNDS_ASSUMPTIONS: tuple[str, ...] = (
    "Intervalo con dependencia (estimate_bounds): con dos listas la dependencia entre ellas no "
    "es identificable; se acota. Población: cada persona cuenta en el año del primer registro "
    "de su caso vinculado (RETA o SISTRA), así una denuncia de diciembre y su carpeta de enero "
    "caen en el mismo año.",
    "Cota inferior: Chapman (listas independientes). Con dependencia positiva (la policía "
    "remite sus denuncias a la fiscalía) el total verdadero no es menor.",
    "Cota superior: SISTRA = remisión policial ∪ vía directa (ORIGEN distinto de DENUNCIA "
    "POLICIAL). Se supone que una víctima que la policía nunca vio llega a la fiscalía por vía "
    "directa al menos con la probabilidad con que llega una víctima que la policía registró y "
    "no remitió (q1, estimada con los casos RETA no remitidos de todos los años, que se supone "
    "estable). Total = n1 + solo_SISTRA / q1.",
    "El intervalo va del límite inferior del 95% de Chapman al límite superior del 95% de la "
    "cota superior (delta, log-normal sobre los no observados): cubre el total si se cumplen "
    "ambos supuestos, pero es ancho porque el dato no dice dónde está el total dentro de él.",
)


@dataclass(frozen=True, slots=True)
class Bounds:
    """Partial identification of the total under list dependence: a lower and an upper model."""

    lower: Estimate
    upper_total: float
    upper_se: float
    upper_ci_high: float
    unreferred: int
    unreferred_in_sistra: int
    ci_low: float
    ci_high: float


def _upper(n1: int, only2: int, unreferred: int, in_sistra: int) -> tuple[float, float]:
    """Referral model total and variance: n1 + only-SISTRA / q1 (delta method)."""
    # Add-one smoothing keeps q1 away from 0 and 1 in small strata (as Chapman does for m).
    q1 = (in_sistra + 1) / (unreferred + 2)
    total = n1 + only2 / q1
    # Binomial sampling of the unseen-by-police group, and of q1's own estimate.
    var = only2 * (1 - q1) / q1**2 + (only2 / q1) ** 2 * (1 - q1) / (in_sistra + 1)
    return total, var


def stratified_bounds(
    strata: Mapping[str, tuple[int, int, int]], referral: Mapping[str, tuple[int, int]]
) -> Bounds:
    """Bound the total stratum by stratum and add up (strata independent).

    `strata` maps a stratum to (n1, n2, m); `referral` maps it to (RETA persons whose case has
    no SISTRA file of police origin, those of them SISTRA has anyway by a direct route); the
    referral counts may be pooled over years.
    """
    for unreferred, in_sistra in referral.values():
        if not 0 <= in_sistra <= unreferred:
            raise ValueError("se requiere 0 <= en_sistra <= no_remitidas")
    lower = stratified(strata).total
    total = variance = 0.0
    for name, (n1, n2, m) in strata.items():
        t, v = _upper(n1, n2 - m, *referral.get(name, (0, 0)))
        total, variance = total + t, variance + v
    f0 = total - lower.observed
    if f0 > 0 and variance > 0:
        high = lower.observed + f0 * math.exp(Z95 * math.sqrt(math.log(1.0 + variance / f0**2)))
    else:
        high = total + Z95 * math.sqrt(max(variance, 0.0))
    high = max(high, lower.ci_high)
    unreferred = sum(u for u, _ in referral.values())
    in_sistra = sum(i for _, i in referral.values())
    return Bounds(
        lower, total, math.sqrt(max(variance, 0.0)), high, unreferred, in_sistra,
        lower.ci_low, high,
    )  # fmt: skip


def bounds(n1: int, n2: int, m: int, *, unreferred: int, unreferred_in_sistra: int) -> Bounds:
    """Bound the total between Chapman (independence) and the referral model (one stratum).

    `unreferred` are the RETA persons whose case has no SISTRA file of police origin and
    `unreferred_in_sistra` those of them that SISTRA has anyway (by a direct route); they may
    be pooled over years, and need not be part of n1.
    """
    return stratified_bounds({"": (n1, n2, m)}, {"": (unreferred, unreferred_in_sistra)})

"""Parameters of the synthetic world and of the two systems' recording noise."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

NoiseLevel = Literal["default", "hard"]

# Case volume relative to 2017; 2020 is the pandemic dip, later years recover and grow.
_TREND = {
    2015: 0.82, 2016: 0.9, 2017: 1.0, 2018: 1.12, 2019: 1.22,
    2020: 0.78, 2021: 0.98, 2022: 1.12, 2023: 1.2, 2024: 1.26,
}  # fmt: skip


def trend(year: int) -> float:
    """Return the case-volume factor of `year` relative to 2017."""
    if year in _TREND:
        return _TREND[year]
    return max(0.4, 0.82 + 0.06 * (year - 2015)) if year < 2015 else 1.26 + 0.04 * (year - 2024)


@dataclass(frozen=True)
class NoiseProfile:
    """Rates of every recording defect; `hard` raises them all."""

    typo_name: float = 0.05  # per row: one typo somewhere in the name
    typo_doc: float = 0.025  # per row with a document number
    missing_doc_victim: float = 0.25
    missing_doc_suspect: float = 0.08
    parent_doc: float = 0.3  # minor's row carrying a parent's or sibling's DNI
    excel_zero: float = 0.5  # RETA CSV DNI that lost its leading zero
    unidentified_factor: float = 1.0
    age_text: float = 0.06
    age_off: float = 0.08
    age_missing: float = 0.15
    strip_accents_reta: float = 0.85
    strip_accents_sistra: float = 0.45
    enie_to_n: float = 0.3
    double_space: float = 0.04
    comma: float = 0.45
    missing_maternal: float = 0.06
    drop_second_given: float = 0.15
    swap_surnames: float = 0.025
    split_particle: float = 0.35
    denuncia_variant: float = 0.3
    pnp_number_present: float = 0.5

    @classmethod
    def of(cls, level: str) -> NoiseProfile:
        """Return the profile of a named noise level."""
        if level == "default":
            return cls()
        if level == "hard":
            return cls(
                typo_name=0.14,
                typo_doc=0.07,
                missing_doc_victim=0.4,
                missing_doc_suspect=0.15,
                parent_doc=0.45,
                unidentified_factor=1.7,
                age_text=0.1,
                age_off=0.15,
                age_missing=0.25,
                enie_to_n=0.5,
                double_space=0.08,
                missing_maternal=0.12,
                drop_second_given=0.3,
                swap_surnames=0.07,
                split_particle=0.5,
                denuncia_variant=0.5,
                pnp_number_present=0.35,
            )
        raise ValueError(f"unknown noise level {level!r}; use 'default' or 'hard'")


@dataclass(frozen=True)
class WorldConfig:
    """Parameters of one synthetic world; the same config always yields the same files."""

    seed: int = 7
    year_from: int = 2015
    year_to: int = 2024
    scale: float = 1.0
    noise: str = "default"
    cases_2017: float = 700.0  # world cases in 2017 at scale 1
    p_police: float = 0.55  # police detect the case -> RETA complaint
    p_police_to_fiscal: float = 0.85  # police complaint referred to the prosecutor
    p_police_other: float = 0.3  # unreferred police case reaches SISTRA by another route
    p_other: float = 0.6  # case unseen by police reaches SISTRA directly
    p_correct: float = 0.08  # exported row re-exported with corrections
    p_split: float = 0.2  # SISTRA opens a second file for the case
    p_split3: float = 0.04  # ... and a third
    p_drop_victim: float = 0.04
    p_drop_suspect: float = 0.1
    p_revictim: float = 0.04
    p_sibling: float = 0.45
    p_twin: float = 0.02
    p_samename: float = 0.03
    p_repeat_suspect: float = 0.06
    p_unidentified: float = 0.06
    particle_boost: float = 6.0  # extra weight of particle surnames, so the defect shows
    profile: str = "custom"

    @classmethod
    def small(cls, seed: int = 7, noise: str = "default") -> WorldConfig:
        """Return a tiny deterministic world for fast tests."""
        return cls(seed=seed, scale=0.02, year_from=2015, year_to=2019, noise=noise,
                   profile="small")  # fmt: skip

    @property
    def noise_profile(self) -> NoiseProfile:
        """Return the defect rates for this config's noise level."""
        return NoiseProfile.of(self.noise)

    def parameters(self) -> dict[str, Any]:
        """Return every parameter, the noise rates and the trend, for world.json."""
        out = {k: v for k, v in asdict(self).items() if k.startswith(("p_", "cases_"))}
        out["particle_boost"] = self.particle_boost
        out["noise"] = self.noise
        out["noise_rates"] = asdict(self.noise_profile)
        out["trend"] = {str(y): trend(y) for y in range(self.year_from - 1, self.year_to + 1)}
        return out

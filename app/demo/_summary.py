"""Per-year truth figures of a world, accumulated while its rows are emitted."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

_DEFINITIONS = {
    "year_of_row": "RETA: year of FECHA_DENUNCIA; SISTRA: year of FECHA_INGRESO",
    "world_victims": (
        "distinct persons who are victims in a world case whose complaint (or first report) date "
        "falls in the year, detected or not; cases of year_from-1 are simulated as warm-up and "
        "only their rows that fall in exported years are exported"
    ),
    "reta_only_sistra_only_both": (
        "distinct true persons with a victim row in the year's exported rows, split by system"
    ),
    "detected_victims": (
        "true reconciled unique-victim count for the year (reta_only + sistra_only + both)"
    ),
    "cases": "reta_cases/sistra_cases/detected_cases count distinct world cases with any row",
}


class _Year:
    __slots__ = (
        "reta_cases", "reta_suspect_rows", "reta_victim_rows", "reta_victims", "sistra_cases",
        "sistra_files", "sistra_suspect_rows", "sistra_victim_rows", "sistra_victims",
        "world_cases", "world_victims",
    )  # fmt: skip

    def __init__(self) -> None:
        self.world_cases = 0
        self.world_victims: set[int] = set()
        self.reta_victims: set[int] = set()
        self.sistra_victims: set[int] = set()
        self.reta_cases: set[int] = set()
        self.sistra_cases: set[int] = set()
        self.sistra_files: set[str] = set()
        self.reta_victim_rows = self.reta_suspect_rows = 0
        self.sistra_victim_rows = self.sistra_suspect_rows = 0


class Summary:
    """Accumulate the truth figures that capture-recapture and linkage are checked against."""

    def __init__(self, year_from: int, year_to: int) -> None:
        self.year_from, self.year_to = year_from, year_to
        self._years: dict[int, _Year] = defaultdict(_Year)
        self.world_persons: set[int] = set()
        self.world_cases = 0
        self.reta_correction_rows = 0
        self.sistra_correction_rows = 0

    def world_case(self, year: int, victims: list[int], suspects: list[int]) -> None:
        """Record a world case of `year` with its true victims and suspects."""
        if not self.year_from <= year <= self.year_to:
            return
        y = self._years[year]
        y.world_cases += 1
        y.world_victims.update(victims)
        self.world_cases += 1
        self.world_persons.update(victims)
        self.world_persons.update(suspects)

    def reta_row(self, year: int, pid: int, cid: int, victim: bool) -> None:
        """Record one exported RETA row."""
        y = self._years[year]
        y.reta_cases.add(cid)
        if victim:
            y.reta_victim_rows += 1
            y.reta_victims.add(pid)
        else:
            y.reta_suspect_rows += 1

    def sistra_row(self, year: int, pid: int, cid: int, carpeta: str, victim: bool) -> None:
        """Record one exported SISTRA row."""
        y = self._years[year]
        y.sistra_cases.add(cid)
        y.sistra_files.add(carpeta)
        if victim:
            y.sistra_victim_rows += 1
            y.sistra_victims.add(pid)
        else:
            y.sistra_suspect_rows += 1

    def result(self) -> dict[str, Any]:
        """Return `definitions`, `per_year` and `totals` as world.json carries them."""
        per_year: dict[str, dict[str, int]] = {}
        world_v: set[int] = set()
        reta_v: set[int] = set()
        sistra_v: set[int] = set()
        reta_rows = sistra_rows = 0
        for year in range(self.year_from, self.year_to + 1):
            y = self._years[year]
            both = y.reta_victims & y.sistra_victims
            per_year[str(year)] = {
                "world_victims": len(y.world_victims),
                "world_cases": y.world_cases,
                "detected_victims": len(y.reta_victims | y.sistra_victims),
                "reta_only": len(y.reta_victims) - len(both),
                "sistra_only": len(y.sistra_victims) - len(both),
                "both": len(both),
                "reta_unique_victims": len(y.reta_victims),
                "sistra_unique_victims": len(y.sistra_victims),
                "reta_cases": len(y.reta_cases),
                "sistra_cases": len(y.sistra_cases),
                "sistra_case_files": len(y.sistra_files),
                "detected_cases": len(y.reta_cases | y.sistra_cases),
                "reta_suspect_rows": y.reta_suspect_rows,
                "reta_victim_rows": y.reta_victim_rows,
                "sistra_suspect_rows": y.sistra_suspect_rows,
                "sistra_victim_rows": y.sistra_victim_rows,
            }
            world_v |= y.world_victims
            reta_v |= y.reta_victims
            sistra_v |= y.sistra_victims
            reta_rows += y.reta_victim_rows + y.reta_suspect_rows
            sistra_rows += y.sistra_victim_rows + y.sistra_suspect_rows
        both_all = reta_v & sistra_v
        totals = {
            "world_victims": len(world_v),
            "detected_victims": len(reta_v | sistra_v),
            "reta_only": len(reta_v) - len(both_all),
            "sistra_only": len(sistra_v) - len(both_all),
            "both": len(both_all),
            "reta_rows": reta_rows,
            "sistra_rows": sistra_rows,
            "reta_correction_rows": self.reta_correction_rows,
            "sistra_correction_rows": self.sistra_correction_rows,
            "world_persons": len(self.world_persons),
            "world_cases": self.world_cases,
        }
        return {"definitions": _DEFINITIONS, "per_year": per_year, "totals": totals}

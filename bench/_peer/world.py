"""A demo world parsed by the adapters, its truth, and the same records as a Splink table."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from app.adapters import parse_row
from app.matching.normalize import phonetic
from app.matching.records import LinkInput, from_common
from app.schema import System
from app.schema.record import CommonRecord

Key = tuple[str, str]

__all__ = ["REFINEMENTS", "Bench", "Key", "load_cached", "load_world", "splink_table"]

# Columns splink_table adds with refinements=True (comparable blocking only).
REFINEMENTS = ("given_initial", "paternal_initial", "maternal_initial", "surname_initials")


@dataclass
class Bench:
    """Parsed records of one world with the truth and year of every row."""

    inputs: list[LinkInput]
    truth: dict[Key, str]
    year: dict[Key, int]
    victims: list[Key]

    @property
    def keys(self) -> list[Key]:
        """Return the (system, row_id) key of every record, in order."""
        return [r.key for r in self.inputs]


def load_world(seed: int, scale: float, noise: str, roles: str) -> Bench:
    """Generate a demo world, parse its rows with the adapters and keep the wanted roles."""
    from app.demo.generator import WorldConfig, generate_world

    world = generate_world(WorldConfig(seed=seed, scale=scale, noise=noise))
    records: list[CommonRecord] = []
    for system, rows in ((System.RETA, world.reta_rows), (System.SISTRA, world.sistra_rows)):
        for n, row in enumerate(rows, start=2):
            rec = parse_row(system, n, row)
            if isinstance(rec, CommonRecord) and (roles == "all" or rec.role.value == "victim"):
                records.append(rec)
    truth = {(t["system"], t["row_id"]): t["person_id"] for t in world.truth}
    year = {(r.system.value, r.row_id): r.registration_date.year for r in records}
    victims = [(r.system.value, r.row_id) for r in records if r.role.value == "victim"]
    return Bench([from_common(r) for r in records], truth, year, victims)


def load_cached(folder: Path) -> Bench:
    """Load the parsed inputs that bench/linkage_scale.py --dir kept (inputs.pkl).

    At 1M rows generating and parsing takes minutes and the CommonRecords alone would
    not fit beside both linkers, so the scale bench's LinkInputs are reused: the truth
    there covers victim rows, the ones scored here.
    """
    with open(folder / "inputs.pkl", "rb") as fh:
        inputs, truth, _unidentified = pickle.load(fh)
    # LinkInput.reference_date is the registration date (complaint / entry).
    year = {r.key: r.reference_date.year for r in inputs if r.reference_date is not None}
    victims = [r.key for r in inputs if r.role == "victim" and r.key in truth]
    return Bench(inputs, truth, year, victims)


def _birth_year(rec: LinkInput) -> int | None:
    if rec.birth_date is not None:
        return rec.birth_date.year
    if rec.age is not None and rec.reference_date is not None:
        return rec.reference_date.year - rec.age
    return None


def _row(i: int, rec: LinkInput) -> dict[str, Any]:
    given_first = rec.given.split(" ", 1)[0]
    pat, mat = phonetic(rec.paternal), phonetic(rec.maternal)
    return {
        "unique_id": i,
        "given": rec.given or None,
        "paternal": rec.paternal or None,
        "maternal": rec.maternal or None,
        "document": rec.document or None,
        "sex": rec.sex or None,
        "birth_date": rec.birth_date.isoformat() if rec.birth_date else None,
        "birth_year": _birth_year(rec),
        "nationality": rec.nationality or None,
        "ubigeo_residence": rec.ubigeo_residence or None,
        "ubigeo_birth": rec.ubigeo_birth or None,
        # Derived blocking keys (Splink's advice: derive phonetic columns before linking).
        "given_first": given_first or None,
        "given_first_ph": phonetic(given_first) or None,
        "paternal_ph": pat or None,
        "maternal_ph": mat or None,
        "surname_pair_ph": "|".join(sorted((pat, mat))) if pat and mat else None,
    }


def _add_refinements(df: pd.DataFrame) -> None:
    """Add the attributes Intertrata splits oversized blocks by, as blocking columns.

    Phonetic initials of the first given name and of each surname, and the sorted pair of
    surname initials (null when a surname is missing), as in app.matching.blocking.
    """
    df["given_initial"] = df["given_first_ph"].str[:1]
    df["paternal_initial"] = df["paternal_ph"].str[:1]
    df["maternal_initial"] = df["maternal_ph"].str[:1]
    pat, mat = df["paternal_initial"], df["maternal_initial"]
    both = pat.notna() & mat.notna()
    pair = pat.where(pat <= mat, mat) + mat.where(pat <= mat, pat)
    df["surname_initials"] = pair.where(both, None)


def splink_table(inputs: list[LinkInput], refinements: bool = False) -> pd.DataFrame:
    """One row per record with the normalised values Intertrata's linker gets.

    unique_id is the record's position in `inputs`. With refinements, also the columns
    of the comparable blocking rules (bench._peer.splink_model.blocking_rules).
    """
    rows = [_row(i, rec) for i, rec in enumerate(inputs)]
    df = pd.DataFrame(rows)
    df["birth_year"] = df["birth_year"].astype("Int64")
    if refinements:
        _add_refinements(df)
    return df

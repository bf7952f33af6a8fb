"""The NumPy person-year frame equals `counting.person_years`, and survives a round trip."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest

from app.statistics.counting import VictimRow, person_years
from app.statistics.frame import ATTRS, Variant, build_frame, dump_variant, load_variant
from app.statistics.tables import count_years

_UBIGEOS = [None, "150101", "150102", "070101", "130101", "999999"]


def _rows(
    seed: int, n: int = 400, systems: tuple[str, ...] = ("RETA", "SISTRA")
) -> list[VictimRow]:
    """Few persons, many rows each: conflicting attributes and ties on purpose."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        person = rng.randrange(60) if rng.random() < 0.9 else -(i + 1)
        reg = date(2016, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        age = rng.choice([None, 5, 12, 17, 18, 30, 50])
        out.append(
            VictimRow(
                source_record_id=rng.randrange(10_000) if rng.random() < 0.3 else i + 1,
                person_id=person,
                system=rng.choice(systems),
                registration_date=reg,
                facts_date=reg - timedelta(days=rng.randrange(400)) if rng.random() < 0.6 else None,
                offence_family=rng.choice(["trafficking", "trafficking", "related"]),
                sex=rng.choice([None, "F", "M", "desconocido"]),
                unidentified=rng.random() < 0.15,
                age=age,
                minor=rng.choice([None, True, False]),
                nationality=rng.choice([None, "PER", "VEN", "COL"]),
                purpose=rng.choice([None, "Unknown", "explotacion_sexual", "mendicidad"]),
                ubigeo_facts=rng.choice(_UBIGEOS),
                ubigeo_residence=rng.choice(_UBIGEOS),
                ubigeo_birth=rng.choice(_UBIGEOS),
            )
        )
    return out


def _from_variant(v: Variant) -> Counter[tuple[object, ...]]:
    out: Counter[tuple[object, ...]] = Counter()
    for i in range(len(v)):
        systems = frozenset(name for b, name in enumerate(v.lists) if v.systems[i] >> b & 1)
        attrs = tuple(v.vocab[d][int(v.codes[d][i])] for d in ATTRS)
        out[(int(v.years[i]), systems, bool(v.identified[i]), attrs)] += 1
    return out


def _expected(items: list) -> Counter[tuple[object, ...]]:
    return Counter(
        (p.year, p.systems, p.identified, tuple(p.attrs[d] for d in ATTRS)) for p in items
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("with_identified", [False, True])
def test_every_variant_equals_person_years(seed, with_identified):
    rows = _rows(seed)
    raw = [(r.system, r.registration_date, r.offence_family) for r in rows]
    identified = {r.person_id for r in rows[::3]} if with_identified else None
    frame = build_frame(rows, raw, identified=identified, eager=True)
    for basis in ("registration", "facts"):
        for family in (None, "trafficking", "related"):
            items = person_years(
                rows, date_basis=basis, offence_family=family, identified_persons=identified
            )
            v = frame.variant(basis, family)
            assert _from_variant(v) == _expected(items), (basis, family)
            assert list(v.years) == sorted(v.years)


def test_ever_bits_are_the_lists_that_ever_saw_the_person():
    rows = _rows(7)
    frame = build_frame(rows, [], eager=False)
    v = frame.variant("registration", "related")
    ever: dict[int, set[str]] = {}
    for r in rows:
        ever.setdefault(r.person_id, set()).add(r.system)
    items = person_years(rows, offence_family="related")
    expected = Counter((p.year, frozenset(ever[p.person_id])) for p in items)
    got = Counter(
        (int(y), frozenset(n for b, n in enumerate(v.lists) if e >> b & 1))
        for y, e in zip(v.years, v.ever, strict=True)
    )
    assert got == expected


def test_a_third_list_is_one_more_bit():
    rows = _rows(3, systems=("RETA", "SISTRA", "MIMP"))
    frame = build_frame(rows, [], eager=True)
    assert frame.lists == ("RETA", "SISTRA", "MIMP")
    items = person_years(rows)
    assert _from_variant(frame.variant("registration", None)) == _expected(items)


def test_a_variant_survives_the_database_blob():
    rows = _rows(1)
    v = build_frame(rows, [], eager=True).variant("facts", "trafficking")
    data, meta = dump_variant(v)
    back = load_variant(data, meta)
    assert _from_variant(back) == _from_variant(v)

    def cells(x: Variant) -> list[list[int]]:
        return count_years(x, where={}, dims=["sex", "overlap"], years=[2017])[2017].cells.tolist()

    assert cells(back) == cells(v)


def test_a_variant_stored_as_npz_by_earlier_versions_still_loads():
    v = build_frame(_rows(2), [], eager=True).variant("registration", None)
    arrays = {f: getattr(v, f) for f in ("years", "systems", "ever", "identified")}
    arrays.update({f"code_{d}": c for d, c in v.codes.items()})
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    _, meta = dump_variant(v)
    old = {"vocab": meta["vocab"], "lists": meta["lists"]}
    assert _from_variant(load_variant(buf.getvalue(), old)) == _from_variant(v)


def test_no_rows_give_empty_variants():
    frame = build_frame([], [], eager=True)
    v = frame.variant("registration", None)
    assert len(v) == 0 and count_years(v, where={}, dims=["sex"], years=[2017]) == {}

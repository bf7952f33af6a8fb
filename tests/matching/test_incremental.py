"""Incremental linkage agrees with a full rebuild, keeps what did not change, replays to nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pytest

from app.matching import Linker, LinkInput, LinkResult, from_common
from app.matching.incremental import (
    IncrementalResult,
    LinkCache,
    ModelState,
    fallback_reason,
    link_incremental,
    model_state,
)
from app.schema.record import CommonRecord

from .conftest import make_record, population

R, S = "RETA", "SISTRA"
Key = tuple[str, str]


def _partition(labels: Mapping[Key, int], keys: Iterable[Key] | None = None) -> set[frozenset[Key]]:
    groups: dict[int, set[Key]] = {}
    for k in keys if keys is not None else labels:
        groups.setdefault(labels[k], set()).add(k)
    return {frozenset(g) for g in groups.values()}


def _pair_f1(keys: list[Key], a: Mapping[Key, int], b: Mapping[Key, int]) -> float:
    """Pairwise F1 of partition a against partition b over keys."""

    def pairs(labels: Mapping[Key, int]) -> set[tuple[Key, Key]]:
        out: set[tuple[Key, Key]] = set()
        for g in _partition(labels, keys):
            m = sorted(g)
            out.update((x, y) for i, x in enumerate(m) for y in m[i + 1 :])
        return out

    pa, pb = pairs(a), pairs(b)
    if not pa and not pb:
        return 1.0
    tp = len(pa & pb)
    return 2 * tp / (len(pa) + len(pb))


def _step(
    before: list[Any],
    after: list[Any],
    changed: set[Key],
    judgements: dict[tuple[Key, Key], bool] | None = None,
    first_judgements: dict[tuple[Key, Key], bool] | None = None,
) -> tuple[IncrementalResult, LinkResult]:
    """Link `before` in full, then `after` incrementally and in full."""
    first = Linker().link(before, judgements=first_judgements)
    inc = link_incremental(
        after,
        persons=first.clusters,
        cases=first.case_clusters,
        changed=changed,
        state=model_state(first),
        judgements=judgements,
    )
    return inc, Linker().link(after, judgements=judgements)


def _key(r: CommonRecord | LinkInput) -> Key:
    return r.key if isinstance(r, LinkInput) else (r.system.value, r.row_id)


SISTERS = [
    make_record(R, given="ROSA ELENA", doc="4512377", age=17, row_id="rosa"),
    make_record(R, given="LUZ", age=15, row_id="luz"),
    make_record(
        S,
        case="1501014501-2017-12-0",
        given="Rosa",
        paternal="Quispe",
        maternal="Mamani",
        age=17,
        registered=date(2017, 3, 20),
        row_id="s1",
    ),
    make_record(
        S,
        case="1501014501-2017-13-0",
        given="Rosa",
        paternal="Quispe",
        maternal="Mamani",
        age=17,
        registered=date(2017, 4, 2),
        row_id="s2",
    ),
]
ROSA_WITH_DNI = make_record(
    S,
    case="1501014501-2017-14-0",
    given="Rosa Elena",
    paternal="Quispe",
    maternal="Mamani",
    doc="04512377",
    age=17,
    registered=date(2017, 5, 2),
    row_id="s3",
)


def test_sisters_arriving_later_match_a_full_rebuild_exactly() -> None:
    base = population()
    inc, full = _step(base + SISTERS, base + SISTERS + [ROSA_WITH_DNI], {(S, "s3")})
    assert _partition(inc.result.clusters) == _partition(full.clusters)
    cl = inc.result.clusters
    assert cl[(R, "rosa")] != cl[(R, "luz")]
    assert cl[(R, "rosa")] == cl[(S, "s3")]
    # Only the persons around the new row were re-clustered.
    assert len(inc.affected) < 30 and (S, "s3") in inc.affected


def test_untouched_records_keep_their_previous_grouping() -> None:
    base = population()
    first = Linker().link(base + SISTERS)
    inc = link_incremental(
        base + SISTERS + [ROSA_WITH_DNI],
        persons=first.clusters,
        cases=first.case_clusters,
        changed={(S, "s3")},
        state=model_state(first),
    )
    keep = [_key(r) for r in base + SISTERS if _key(r) not in inc.affected]
    assert len(keep) > 0.9 * len(base)
    assert _partition(inc.result.clusters, keep) == _partition(first.clusters, keep)
    # Case labels of files not re-linked are kept as well.
    cases, file_of = inc.result.case_clusters, inc.result.file_of
    kept = [k for k in keep if file_of[k] not in inc.case_files]
    assert len(kept) > 0.9 * len(base)
    assert all(cases[k] == first.case_clusters[k] for k in kept)


def test_a_corrected_row_moves_its_victim_to_another_person() -> None:
    base = population(200)
    ana = make_record(
        R,
        given="ANA",
        paternal="ÑAUPARI",
        maternal="CCAMA",
        doc="41234567",
        age=30,
        unit="X",
        case="A-1",
        row_id="A",
    )
    luz = make_record(
        R,
        given="LUZ",
        paternal="TICONA",
        maternal="HUANCA",
        doc="47654321",
        age=22,
        unit="Y",
        case="C-1",
        row_id="C",
    )
    row = {"case": "F-B", "age": 30, "row_id": "B", "registered": date(2017, 5, 1)}
    wrong = make_record(S, given="Ana", paternal="Ñaupari", maternal="Ccama", doc="41234567",
                        **row)  # fmt: skip
    right = make_record(S, given="Luz", paternal="Ticona", maternal="Huanca", doc="47654321",
                        **{**row, "age": 22})  # fmt: skip
    before = [*base, ana, luz, wrong]
    after = [*base, ana, luz, right]
    inc, full = _step(before, after, {(S, "B")})
    cl = inc.result.clusters
    assert cl[(S, "B")] == cl[(R, "C")] and cl[(S, "B")] != cl[(R, "A")]
    assert _partition(cl) == _partition(full.clusters)


def test_judgements_given_after_a_run_win_as_in_a_rebuild() -> None:
    base = population(200)
    extra = [
        make_record(R, given="ANA", paternal="ÑAUPARI", maternal="CCAMA", age=20, row_id="x"),
        make_record(
            S, case="F-X", given="Ana", paternal="Ñaupari", maternal="Ccama", age=20, row_id="y"
        ),
        make_record(
            S,
            case="F-Z",
            given="Pedro",
            paternal="Rojas",
            maternal="Cruz",
            sex="M",
            age=50,
            row_id="z",
        ),
    ]
    judged = {((R, "x"), (S, "y")): False, ((R, "x"), (S, "z")): True}
    # The judgements' rows count as changed: the service adds them.
    changed = {(R, "x"), (S, "y"), (S, "z")}
    inc, full = _step(base + extra, base + extra, changed, judgements=judged)
    cl = inc.result.clusters
    assert cl[(R, "x")] != cl[(S, "y")] and cl[(R, "x")] == cl[(S, "z")]
    assert _partition(cl) == _partition(full.clusters)
    assert inc.result.status(_pair_index(inc.result, (R, "x"), (S, "y"))) == "judgement"


def _pair_index(res: LinkResult, a: Key, b: Key) -> int:
    i, j = res.keys.index(a), res.keys.index(b)
    x, y = min(i, j), max(i, j)
    return next(
        k for k in range(len(res.pair_a)) if (int(res.pair_a[k]), int(res.pair_b[k])) == (x, y)
    )


def _elimination_rows() -> tuple[list[CommonRecord], list[CommonRecord]]:
    reg, facts = date(2018, 6, 1), date(2018, 5, 28)
    common: dict[str, Any] = {
        "facts_date": facts,
        "facts_place": "170101",
        "unit": "DEPINTRAT MADRE DE DIOS",
    }
    police = [
        make_record(R, case="7-2018", given="KAREN", paternal="TICONA", maternal="APAZA",
                    doc="71234567", age=19, registered=reg, row_id="k", **common),
        make_record(R, case="7-2018", given="NANCY", paternal="PUMA", maternal="HUANCA",
                    age=16, registered=reg, row_id="n", **common),
    ]  # fmt: skip
    file = {"case": "1701014501-2018-3-0", "registered": date(2018, 6, 20), "ref": "DEN 7-2018"}
    prosecutor = [
        make_record(S, given="Karen", paternal="Ticona", maternal="Apaza", doc="71234567",
                    age=19, row_id="sk", **file, **common),
        make_record(S, unidentified=True, age=16, row_id="snn", **file, **common),
    ]  # fmt: skip
    return police, prosecutor


def test_unidentified_victim_is_inferred_when_its_case_arrives_later() -> None:
    base = population(200)
    police, prosecutor = _elimination_rows()
    inc, full = _step(base + police, base + police + prosecutor, {(S, "sk"), (S, "snn")})
    cl = inc.result.clusters
    assert cl[(R, "n")] == cl[(S, "snn")]
    assert [(x.a, x.b) for x in inc.result.inferred] == [(x.a, x.b) for x in full.inferred]
    assert inc.result.case_clusters[(R, "k")] == inc.result.case_clusters[(S, "sk")]
    assert _partition(cl) == _partition(full.clusters)


def test_a_replayed_push_changes_nothing() -> None:
    base = population()
    rows = base + SISTERS + [ROSA_WITH_DNI]
    inc, _ = _step(base + SISTERS, rows, {(S, "s3")})
    again = link_incremental(
        rows,
        persons=inc.result.clusters,
        cases=inc.result.case_clusters,
        changed={(S, "s3")},
        state=ModelState.from_json(model_state(inc.result).to_json()) or pytest.fail(),
    )
    assert _partition(again.result.clusters) == _partition(inc.result.clusters)
    assert _partition(again.result.case_clusters) == _partition(inc.result.case_clusters)


def test_model_state_round_trips_and_fallbacks_are_explained() -> None:
    first = Linker().link(population(100))
    state = model_state(first)
    back = ModelState.from_json(state.to_json())
    assert back == state
    assert ModelState.from_json(None) is None
    assert ModelState.from_json({"fields": []}) is None
    assert fallback_reason(records=1000, changed=10, state=state) is None
    assert "sin modelo" in (fallback_reason(records=1000, changed=10, state=None) or "")
    assert "%" in (fallback_reason(records=1000, changed=300, state=state) or "")
    other = ModelState(
        type(state.parameters)(0.1, state.parameters.fields[:-1], 1, True), state.tf_reference
    )
    assert "configuración" in (fallback_reason(records=1000, changed=1, state=other) or "")


# -- a demo world loaded in batches -------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> tuple[list[LinkInput], dict[Key, LinkInput], dict[Key, str]]:
    from app.adapters.registry import parse_row
    from app.demo.generator import WorldConfig, generate_world
    from app.schema import System

    w = generate_world(WorldConfig(seed=5, scale=0.12, year_from=2016, year_to=2019))

    def parse(system: System, rows: list[dict[str, Any]]) -> list[LinkInput]:
        out = []
        for n, raw in enumerate(rows, start=2):
            rec = parse_row(system, n, raw)
            if isinstance(rec, CommonRecord):
                out.append(from_common(rec))
        return out

    rows = parse(System.RETA, w.reta_rows) + parse(System.SISTRA, w.sistra_rows)
    fixes = parse(System.RETA, w.reta_corrections) + parse(System.SISTRA, w.sistra_corrections)
    truth = {
        (t["system"], t["row_id"]): t["person_id"] for t in w.truth if t.get("role") != "suspect"
    }
    return rows, {r.key: r for r in fixes}, truth


def test_demo_world_in_batches_agrees_with_a_full_rebuild(world: Any) -> None:
    rows, fixes, truth = world
    order = sorted(rows, key=lambda r: (r.reference_date or date.min, r.key))
    n = len(order)
    initial, batch1, batch2 = (
        order[: int(0.8 * n)],
        order[int(0.8 * n) : int(0.9 * n)],
        order[int(0.9 * n) :],
    )
    first = Linker().link(initial)
    state = model_state(first)
    persons, cases = first.clusters, first.case_clusters
    current = list(initial)
    # Batch 1: new rows. Batch 2: new rows and corrections of earlier rows.
    fixed = {r.key for r in initial if r.key in fixes}
    fixed = set(sorted(fixed)[:150])
    for batch, corrections in ((batch1, set()), (batch2, fixed)):
        current = [fixes[r.key] if r.key in corrections else r for r in current] + batch
        changed = {r.key for r in batch} | corrections
        inc = link_incremental(current, persons=persons, cases=cases, changed=changed, state=state)
        # A person keeps its label when none of its rows was re-clustered.
        untouched = [k for k in persons if k not in inc.affected]
        assert _partition(inc.result.clusters, untouched) == _partition(persons, untouched)
        persons, cases = inc.result.clusters, inc.result.case_clusters
    full = Linker().link(current)
    victims = [r.key for r in current if r.role == "victim"]
    assert len(corrections) > 100 and len(victims) > 800
    assert _pair_f1(victims, persons, full.clusters) >= 0.99
    # Against the truth, incremental is as good as a rebuild (within half a point of F1).
    true = {k: hash(truth[k]) for k in victims if k in truth}
    keys = list(true)
    assert _pair_f1(keys, persons, true) >= _pair_f1(keys, full.clusters, true) - 0.005
    # Replaying the last batch changes nothing.
    again = link_incremental(current, persons=persons, cases=cases, changed=changed, state=state)
    assert _pair_f1(victims, again.result.clusters, persons) == 1.0


def test_a_kept_cache_gives_what_a_fresh_run_gives(world: Any) -> None:
    rows, fixes, _ = world
    order = sorted(rows, key=lambda r: (r.reference_date or date.min, r.key))
    n = len(order)
    initial, batch1, batch2 = (
        order[: int(0.8 * n)],
        order[int(0.8 * n) : int(0.85 * n)],
        order[int(0.85 * n) :],
    )
    linker = Linker()
    first = linker.link(initial)
    state = model_state(first)
    cache = LinkCache()
    cache.seed(linker, initial)
    persons, cases = first.clusters, first.case_clusters
    current = list(initial)
    fixed = set(sorted(r.key for r in initial if r.key in fixes)[:100])
    for batch, corrections in ((batch1, set()), (batch2, fixed)):
        current = [fixes[r.key] if r.key in corrections else r for r in current] + batch
        changed = {r.key for r in batch} | corrections
        kept = link_incremental(
            current, persons=persons, cases=cases, changed=changed, state=state, cache=cache
        )
        fresh = link_incremental(
            current, persons=persons, cases=cases, changed=changed, state=state
        )
        assert kept.stats["cache"] == "patched" and fresh.stats["cache"] == "rebuilt"
        assert kept.affected == fresh.affected
        assert _partition(kept.result.clusters) == _partition(fresh.result.clusters)
        assert _partition(kept.result.case_clusters) == _partition(fresh.result.case_clusters)
        persons, cases = kept.result.clusters, kept.result.case_clusters
    # The cache's table is the current rows' table.
    table = cache.table
    assert table is not None and len(table) == len(current)
    assert table.text(table.paternal) == [r.paternal for r in current]
    assert [table.other_text(c) for c in table.file.tolist()] == [r.file for r in current]

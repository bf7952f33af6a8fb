"""Linker behaviour on hand-made records embedded in a synthetic population."""

from __future__ import annotations

import ast
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from app.matching import Linker, LinkResult, from_person
from app.matching.records import LinkInput, RecordTable
from app.matching.settings import LinkageSettings
from app.schema.record import CommonRecord

from .conftest import make_record, population

R, S = "RETA", "SISTRA"


def _link(extra: list[CommonRecord], **kw: object) -> LinkResult:
    return Linker().link(population() + extra, **kw)  # type: ignore[arg-type]


def _same(res: LinkResult, a: tuple[str, str], b: tuple[str, str]) -> bool:
    cl = res.clusters
    return cl[a] == cl[b]


@pytest.fixture(scope="module")
def sisters() -> LinkResult:
    return _link(
        [
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
            make_record(
                S,
                case="1501014501-2017-14-0",
                given="Rosa Elena",
                paternal="Quispe",
                maternal="Mamani",
                doc="04512377",
                age=17,
                registered=date(2017, 5, 2),
                row_id="s3",
            ),
        ]
    )


def test_sisters_in_one_complaint_stay_apart(sisters: LinkResult) -> None:
    assert not _same(sisters, (R, "rosa"), (R, "luz"))


def test_rosa_without_document_joins_rosa_with_dni(sisters: LinkResult) -> None:
    for other in ("s1", "s2", "s3"):
        assert _same(sisters, (R, "rosa"), (S, other)), other
    for other in ("s1", "s2", "s3"):
        assert not _same(sisters, (R, "luz"), (S, other))


def test_population_links_across_systems(sisters: LinkResult) -> None:
    found = sum(_same(sisters, (R, f"RP{k}"), (S, f"SP{k}")) for k in range(400))
    assert found >= 390


def test_different_valid_dnis_never_merge() -> None:
    res = _link(
        [
            make_record(
                R,
                given="MARIA",
                paternal="ÑAUPARI",
                maternal="CCAMA",
                doc="41234567",
                age=30,
                row_id="a",
            ),
            make_record(
                S,
                case="F-9",
                given="Maria",
                paternal="Ñaupari",
                maternal="Ccama",
                doc="48765432",
                age=30,
                row_id="b",
            ),
        ]
    )
    assert not _same(res, (R, "a"), (S, "b"))
    statuses = {p.status for p in res.pairs() if {p.a, p.b} == {(R, "a"), (S, "b")}}
    assert statuses <= {"cannot-link"}


def test_one_digit_typo_in_dni_still_links() -> None:
    res = _link(
        [
            make_record(
                R,
                given="MARIA",
                paternal="ÑAUPARI",
                maternal="CCAMA",
                doc="41234567",
                age=30,
                row_id="a",
            ),
            make_record(
                S,
                case="F-9",
                given="Maria",
                paternal="Ñaupari",
                maternal="Ccama",
                doc="41234576",
                age=30,
                row_id="b",
            ),
        ]
    )
    assert _same(res, (R, "a"), (S, "b"))


def test_unidentified_never_linked_by_name() -> None:
    res = _link(
        [
            make_record(
                R, unidentified=True, age=16, row_id="nn1", unit="A", registered=date(2016, 1, 1)
            ),
            make_record(
                R, unidentified=True, age=16, row_id="nn2", unit="B", registered=date(2016, 2, 1)
            ),
            make_record(
                S, case="F-NN", unidentified=True, age=16, row_id="nn3", registered=date(2018, 1, 1)
            ),
        ]
    )
    cl = res.clusters
    assert len({cl[(R, "nn1")], cl[(R, "nn2")], cl[(S, "nn3")]}) == 3


def test_unidentified_victim_inferred_by_elimination() -> None:
    reg, facts = date(2018, 6, 1), date(2018, 5, 28)
    common = {"facts_date": facts, "facts_place": "170101", "unit": "DEPINTRAT MADRE DE DIOS"}
    police = [
        make_record(
            R,
            case="7-2018",
            given="KAREN",
            paternal="TICONA",
            maternal="APAZA",
            doc="71234567",
            age=19,
            registered=reg,
            row_id="k",
            **common,
        ),
        make_record(
            R,
            case="7-2018",
            given="NANCY",
            paternal="PUMA",
            maternal="HUANCA",
            age=16,
            registered=reg,
            row_id="n",
            **common,
        ),
        make_record(
            R,
            case="7-2018",
            given="JUAN",
            paternal="ROJAS",
            maternal="CRUZ",
            doc="40111222",
            sex="M",
            age=40,
            registered=reg,
            role="suspect",
            row_id="j",
            **common,
        ),
    ]
    file = {"case": "1701014501-2018-3-0", "registered": date(2018, 6, 20), "ref": "DEN 7-2018"}
    prosecutor = [
        make_record(
            S,
            given="Karen",
            paternal="Ticona",
            maternal="Apaza",
            doc="71234567",
            age=19,
            row_id="sk",
            **file,
            **common,
        ),
        make_record(S, unidentified=True, age=16, row_id="snn", **file, **common),
        make_record(
            S,
            given="Juan",
            paternal="Rojas",
            maternal="Cruz",
            doc="40111222",
            sex="M",
            age=40,
            role="suspect",
            row_id="sj",
            **file,
            **common,
        ),
    ]
    res = _link(police + prosecutor)
    assert _same(res, (R, "n"), (S, "snn"))
    inferred = [x for x in res.inferred if {x.a, x.b} == {(R, "n"), (S, "snn")}]
    assert len(inferred) == 1 and "únicas víctimas" in inferred[0].reasoning
    assert res.case_clusters[(R, "k")] == res.case_clusters[(S, "sk")]


def test_clustering_does_not_chain_through_a_weak_record() -> None:
    # B (no age, no document) looks like both A and C, which disagree on birth date.
    res = _link(
        [
            make_record(
                R,
                given="ANA",
                paternal="ÑAUPARI",
                maternal="CCAMA",
                birth=date(1990, 1, 1),
                row_id="A",
                unit="X",
            ),
            make_record(
                S, case="F-B", given="Ana", paternal="Ñaupari", maternal="Ccama", row_id="B"
            ),
            make_record(
                R,
                given="ANA",
                paternal="ÑAUPARI",
                maternal="CCAMA",
                birth=date(2005, 7, 7),
                row_id="C",
                unit="Y",
            ),
        ]
    )
    assert not _same(res, (R, "A"), (R, "C"))


def test_explanations_sum_to_the_score(sisters: LinkResult) -> None:
    for p in sisters.pairs(0.01)[:200]:
        if p.status == "cannot-link" or p.status == "judgement":
            continue
        e = p.explanation
        total = e.prior_log2_odds + sum(f.weight + f.tf_adjustment for f in e.fields)
        assert math.isclose(total, e.log2_odds)
        assert math.isclose(e.probability, p.probability, rel_tol=1e-6, abs_tol=1e-9)
        assert e.waterfall()[-1][2] == pytest.approx(e.log2_odds)


def test_human_judgement_wins() -> None:
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
    res = _link(extra, judgements={((R, "x"), (S, "y")): False, ((R, "x"), (S, "z")): True})
    assert not _same(res, (R, "x"), (S, "y"))
    assert _same(res, (R, "x"), (S, "z"))


def test_score_one_against_stored_index() -> None:
    linker = Linker()
    linker.link(population())
    new = make_record(
        S, case="F-NEW", given="Rosa", paternal="Quispe", maternal="Mamani", age=30, row_id="new"
    )
    scored = linker.score_one(new)
    assert scored == sorted(scored, key=lambda p: -p.probability)
    assert all(p.a == (S, "new") for p in scored)


def test_generic_person_list_dedupe() -> None:
    rows = [
        from_person(str(i), given_name=g, surname=s, birth_date=d)
        for i, (g, s, d) in enumerate(
            [("ana", "quispe", date(1990, 1, 2))] * 2
            + [("anna", "quispe", date(1990, 1, 2)), ("luis", "rojas", date(1985, 3, 3))]
        )
    ]
    res = Linker().link(rows)
    cl = res.clusters
    assert cl[("LIST", "0")] == cl[("LIST", "1")]
    assert cl[("LIST", "0")] != cl[("LIST", "3")]


def test_core_imports_only_stdlib_numpy_rapidfuzz_and_schema() -> None:
    allowed = {"numpy", "rapidfuzz", "app"}
    root = Path(__file__).resolve().parents[2] / "app" / "matching"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top in allowed:
                    assert name.startswith(("numpy", "rapidfuzz", "app.matching", "app.schema"))
                else:
                    import sys

                    assert top in sys.stdlib_module_names or top == "__future__", (path, name)


def test_link_reports_time_and_memory_of_every_stage(sisters: LinkResult) -> None:
    names = [st.stage for st in sisters.stages]
    assert names[:3] == ["table", "blocking", "compare"]
    assert {"EM 1", "cluster 1", "cases 1", "cases 2"} <= set(names)
    assert names[-1] == "infer"
    assert all(st.wall >= 0 and st.cpu >= 0 and st.peak_rss_mib > 0 for st in sisters.stages)


def test_pairs_of_incompatible_birth_are_not_compared_but_still_veto() -> None:
    extra = [
        make_record(R, given="ANA", paternal="ÑAUPARI", maternal="CCAMA", age=20, row_id="x"),
        make_record(
            S, case="F-X", given="Ana", paternal="Ñaupari", maternal="Ccama", age=20, row_id="y"
        ),
        make_record(
            S, case="F-Y", given="Ana", paternal="Ñaupari", maternal="Soto", age=60, row_id="z"
        ),
    ]
    res = _link(extra)
    assert _same(res, (R, "x"), (S, "y"))
    assert not _same(res, (R, "x"), (S, "z"))
    k = next(p for p in res.pairs() if {p.a, p.b} == {(R, "x"), (S, "z")})
    assert k.probability == 0.0
    assert k.status == "non-link"
    assert k.explanation.rule == "sin comparar nombres: nacimiento o sexo incompatibles"
    both = Linker(LinkageSettings(skip_incompatible=False)).link(population() + extra)
    k2 = next(p for p in both.pairs() if {p.a, p.b} == {(R, "x"), (S, "z")})
    assert k2.explanation.rule is None
    assert 0.0 < k2.probability < 1e-4


def test_pass_two_compares_the_victims_of_one_linked_case() -> None:
    def row(key: str, file: str, **kw: object) -> LinkInput:
        return LinkInput(("SISTRA", key), given="ANA", role="victim", file=file, **kw)  # type: ignore[arg-type]

    rows = [
        row("a1", "F1"),
        row("a2", "F1"),  # same file as a1: never one person (a constraint, not a candidate)
        row("b1", "F2"),
        row("b2", "F2", unidentified=True),  # no name to compare
        row("c1", "F3"),  # another case
        LinkInput(("SISTRA", "s1"), given="JUAN", role="suspect", file="F2"),
    ]
    table = RecordTable(rows)
    table.case = np.array([0, 0, 0, 0, 1, 0], dtype=np.int32)
    already = np.array([0], dtype=np.int64), np.array([2], dtype=np.int64)  # a1-b1 blocked
    x, y = Linker._case_pairs(table, *already)
    assert sorted(zip(x.tolist(), y.tolist(), strict=True)) == [(1, 2)]

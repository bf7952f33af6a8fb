"""Tests of case linkage across passes."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

from app.matching import from_common
from app.matching.cases import CaseLink, CaseMemo, infer_by_elimination, link_cases
from app.matching.records import LinkInput

from .conftest import make_record, population


def test_memo_between_passes_changes_nothing() -> None:
    records = [from_common(r) for r in population()]
    records += [
        from_common(make_record("RETA", case="9-2017", ref="9-2017", facts_date=date(2017, 2, 1))),
        from_common(
            make_record(
                "SISTRA",
                case="1501014501-2017-99-0",
                ref="9-2017",
                facts_date=date(2017, 2, 1),
                registered=date(2017, 5, 1),
            )
        ),
    ]
    persons = list(range(len(records)))
    plain = link_cases(records, persons)
    memo = CaseMemo()
    first = link_cases(records, persons, memo=memo)
    again = link_cases(records, persons, memo=memo)
    assert plain == first == again
    # The complaint number with the same date of the facts links the two files on its own.
    keys = {(lk.file_a, lk.file_b) for lk in plain[1]}
    files = sorted(r.file for r in records[-2:])
    assert (files[0], files[1]) in keys


_POLICE, _FILE_A, _FILE_B = (
    "RETA|DEPINTRAT PUNO|2018-06-01",
    "SISTRA|2101-2018-1-0",
    "SISTRA|2101-2018-2-0",
)


def _row(system: str, row: str, file: str, **fields: object) -> LinkInput:
    """A victim row of a case; unidentified unless given a name."""
    named = "given" in fields
    values: dict[str, Any] = {
        "sex": "F",
        "nationality": "PER",
        "reference_date": date(2018, 6, 1) if system == "RETA" else date(2018, 7, 1),
        "unidentified": not named,
        **fields,
    }
    return LinkInput((system, row), role="victim", file=file, **values)


def _infer(
    records: list[LinkInput],
    files: tuple[str, ...] = (_POLICE, _FILE_A),
    person: list[int] | None = None,
) -> set[frozenset[str]]:
    """Run elimination with all files one linked case; every row its own person unless given."""
    links = [CaseLink(files[0], f, 5.0, ("misma fecha de hechos",)) for f in files[1:]]
    links += [CaseLink(p, q, 5.0, ("mismo distrito de hechos",)) for p, q in pairwise(files[1:])]
    person = person if person is not None else list(range(len(records)))
    _, merges = infer_by_elimination(records, person, links, dict.fromkeys(files, 0))
    parent = list(person)

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in merges:
        parent[find(i)] = find(j)
    groups: dict[int, set[str]] = {}
    for i, rec in enumerate(records):
        groups.setdefault(find(i), set()).add(rec.key[1])
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def test_elimination_takes_the_one_candidate_of_the_same_age() -> None:
    records = [
        _row("RETA", "u", _POLICE, age=13),
        _row("SISTRA", "thirteen", _FILE_A, given="ANA", paternal="PUMA", age=13),
        _row("SISTRA", "fifteen", _FILE_A, given="LUZ", paternal="APAZA", age=15),
    ]
    assert _infer(records) == {frozenset({"u", "thirteen"})}
    # Another unidentified victim on the police side who may be 13 as well: the age no longer
    # decides alone. Both police victims are among the prosecutor's three, so they are paired,
    # the closest ages together, and every link is marked for review.
    rival = _row("RETA", "v", _POLICE)
    other = _row("SISTRA", "adult", _FILE_A, given="ROSA", paternal="MAMANI", age=30)
    rows = [*records, rival, other]
    links = [CaseLink(_POLICE, _FILE_A, 5.0, ("misma fecha de hechos",))]
    inferred, _ = infer_by_elimination(
        rows, list(range(len(rows))), links, dict.fromkeys((_POLICE, _FILE_A), 0)
    )
    pairs = {frozenset((x.a[1], x.b[1])) for x in inferred}
    assert frozenset({"u", "thirteen"}) in pairs and len(pairs) == 2
    assert all("revisar" in x.reasoning and "posibles" in x.reasoning for x in inferred)


def test_elimination_tells_victims_apart_by_nationality_and_minority() -> None:
    records = [
        _row("RETA", "u", _POLICE, nationality="VEN", minor=True),
        _row("SISTRA", "peruvian", _FILE_A, given="ANA", paternal="PUMA", age=15),
        _row("SISTRA", "adult", _FILE_A, given="LUZ", paternal="APAZA", nationality="VEN", age=30),
        _row("SISTRA", "girl", _FILE_A, given="ROSA", paternal="MAMANI", nationality="VEN", age=15),
    ]
    assert _infer(records) == {frozenset({"u", "girl"})}


def test_elimination_goes_round_again_when_a_link_explains_more() -> None:
    # The prosecutor has the victim named in one file and unidentified in the other: only
    # once those two are one person is the police's unidentified victim left a single match.
    records = [
        _row("RETA", "u", _POLICE),
        _row("SISTRA", "named", _FILE_A, given="ANA", paternal="PUMA"),
        _row("SISTRA", "nn", _FILE_B),
    ]
    assert _infer(records, (_POLICE, _FILE_A, _FILE_B)) == {frozenset({"u", "named", "nn"})}


def test_elimination_pairs_prosecutor_files_before_the_police() -> None:
    # The prosecutor's file B has Ana unidentified (13, which fits the police's unidentified
    # girl too); file A names her, and the police named her. Taken at the case level first,
    # "nn" was the police girl's only match; between the two files it is Ana, and the girl is
    # Luz, the one victim left unexplained at the case level.
    records = [
        _row("RETA", "ana", _POLICE, given="ANA", paternal="PUMA"),
        _row("RETA", "girl", _POLICE, minor=True),
        _row("SISTRA", "ana_a", _FILE_A, given="ANA", paternal="PUMA"),
        _row("SISTRA", "luz_a", _FILE_A, given="LUZ", paternal="APAZA", age=16),
        _row("SISTRA", "nn", _FILE_B, age=13),
        _row("SISTRA", "luz_b", _FILE_B, given="LUZ", paternal="APAZA", age=16),
    ]
    groups = _infer(records, (_POLICE, _FILE_A, _FILE_B), person=[0, 1, 0, 3, 4, 3])
    assert groups == {frozenset({"ana", "ana_a", "nn"}), frozenset({"girl", "luz_a", "luz_b"})}


def test_elimination_takes_the_pairs_found_in_every_pairing() -> None:
    # File A: an unidentified victim of 23 and Rosa, 25; file B: Luz, 24, and an unidentified
    # victim of 24. Each could be two people, but only one pairing gives everyone a partner
    # (two named victims are never paired: the linker compared their names).
    records = [
        _row("SISTRA", "u23", _FILE_A, age=23),
        _row("SISTRA", "rosa", _FILE_A, given="ROSA", paternal="MAMANI", age=25),
        _row("SISTRA", "luz", _FILE_B, given="LUZ", paternal="APAZA", age=24),
        _row("SISTRA", "u24", _FILE_B, age=24),
    ]
    assert _infer(records, (_POLICE, _FILE_A, _FILE_B)) == {
        frozenset({"u23", "luz"}),
        frozenset({"rosa", "u24"}),
    }
    links = [CaseLink(_FILE_A, _FILE_B, 5.0, ("mismo distrito de hechos",))]
    inferred, _ = infer_by_elimination(
        records, list(range(len(records))), links, dict.fromkeys((_FILE_A, _FILE_B), 0)
    )
    assert len(inferred) == 2
    assert all("toda asignación compatible" in x.reasoning for x in inferred)
    # A third victim in file B who could be Rosa as well: Rosa's partner is no longer certain,
    # and neither is u23's (u24 may be either); two prosecutor files are not paired for review.
    third = _row("SISTRA", "u25", _FILE_B, age=25)
    assert _infer([*records, third], (_POLICE, _FILE_A, _FILE_B)) == set()


def test_elimination_sets_aside_a_victim_no_one_can_be() -> None:
    # The police have a girl of 10 whom none of the prosecutor's victims can be; the other two
    # on each side are as many, all 24: each is someone on the other side, assigned for review.
    records = [
        _row("RETA", "kid", _POLICE, age=10),
        _row("RETA", "ana", _POLICE, given="ANA", paternal="PUMA", age=24),
        _row("RETA", "luz", _POLICE, given="LUZ", paternal="APAZA", age=24),
        _row("SISTRA", "nn1", _FILE_A, age=24),
        _row("SISTRA", "nn2", _FILE_A, age=24),
    ]
    links = [CaseLink(_POLICE, _FILE_A, 5.0, ("misma fecha de hechos",))]
    inferred, merges = infer_by_elimination(
        records, list(range(len(records))), links, dict.fromkeys((_POLICE, _FILE_A), 0)
    )
    pairs = {frozenset((records[i].key[1], records[j].key[1])) for i, j in merges}
    assert len(pairs) == 2 and all(len(p & {"ana", "luz"}) == 1 for p in pairs)
    assert all(p & {"nn1", "nn2"} for p in pairs) and not any("kid" in p for p in pairs)
    assert all("revisar" in x.reasoning and "eliminación" in x.reasoning for x in inferred)


def test_elimination_pairs_each_police_victim_left_when_the_prosecutor_has_more() -> None:
    # Two unidentified police victims without ages; the prosecutor's file has three named
    # victims none of the police named. Each police victim is one of them: the number of
    # persons is certain, who is whom is not, and the links say so.
    records = [
        _row("RETA", "u1", _POLICE),
        _row("RETA", "u2", _POLICE),
        _row("SISTRA", "ana", _FILE_A, given="ANA", paternal="PUMA", age=20),
        _row("SISTRA", "luz", _FILE_A, given="LUZ", paternal="APAZA", age=22),
        _row("SISTRA", "rosa", _FILE_A, given="ROSA", paternal="MAMANI", age=30),
    ]
    links = [CaseLink(_POLICE, _FILE_A, 5.0, ("misma fecha de hechos",))]
    inferred, merges = infer_by_elimination(
        records, list(range(len(records))), links, dict.fromkeys((_POLICE, _FILE_A), 0)
    )
    assert sorted(records[i].key[1] for i, _ in merges) == ["u1", "u2"]
    assert len({j for _, j in merges}) == 2
    assert all("lado con menos" in x.reasoning and "revisar" in x.reasoning for x in inferred)
    # Between two prosecutor files (a later one may leave victims out) no such guess is made.
    files = (_POLICE, _FILE_A, _FILE_B)
    moved = [_row("SISTRA", r.key[1], _FILE_B) if r.unidentified else r for r in records]
    assert _infer(moved, files) == set()


def test_elimination_counts_a_named_victim_as_a_rival_for_an_unidentified_one() -> None:
    # The police have Rosa named and an unidentified girl; the prosecutor has one unidentified
    # victim. She may be Rosa as much as the girl: the girl is not her only possible match.
    records = [
        _row("RETA", "rosa", _POLICE, given="ROSA", paternal="MAMANI", age=16),
        _row("RETA", "girl", _POLICE, age=15),
        _row("SISTRA", "nn", _FILE_A, age=16),
        _row("SISTRA", "boy", _FILE_A, sex="M", given="JUAN", paternal="PUMA", age=12),
        _row("SISTRA", "man", _FILE_A, sex="M", given="LUIS", paternal="PUMA", age=40),
    ]
    groups = _infer(records)
    assert frozenset({"girl", "nn"}) not in groups


def test_elimination_pairs_two_prosecutor_files_left_with_as_many_victims() -> None:
    # A later file names the two victims the first left unidentified, all of the same age.
    records = [
        _row("SISTRA", "nn1", _FILE_A, age=24),
        _row("SISTRA", "nn2", _FILE_A, age=24),
        _row("SISTRA", "ana", _FILE_B, given="ANA", paternal="PUMA", age=24),
        _row("SISTRA", "luz", _FILE_B, given="LUZ", paternal="APAZA", age=24),
    ]
    groups = _infer(records, (_POLICE, _FILE_A, _FILE_B))
    assert len(groups) == 2 and all(len(g & {"ana", "luz"}) == 1 for g in groups)

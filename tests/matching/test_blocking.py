"""Blocking keys and candidate pairs."""

from datetime import date

from app.matching.blocking import BlockingIndex, record_keys
from app.matching.records import RecordTable, from_person
from app.matching.settings import BlockingRule

PAIR = BlockingRule("surnames", "surname_pair")


def test_surname_pair_key_ignores_order_accents_and_particles() -> None:
    a = from_person("1", given_name="Rosa", surname="Quispe", maternal_surname="De la Cruz")
    b = from_person("2", given_name="ROSA", surname="CRUZ", maternal_surname="QUISPE")
    c = from_person("3", given_name="Rosa", surname="Kispe", maternal_surname="Cruz")
    assert record_keys(PAIR, a) == record_keys(PAIR, b) == record_keys(PAIR, c)


def test_unidentified_rows_get_no_name_keys() -> None:
    nn = from_person("1", given_name="NN")
    for key in ("surname_pair", "given_surname", "given_birth_year"):
        assert record_keys(BlockingRule(key, key), nn) == []  # type: ignore[arg-type]


def test_given_name_and_birth_year_from_age() -> None:
    rec = from_person(
        "1", given_name="Ana", surname="Rojas", age=17, reference_date=date(2017, 3, 1)
    )
    keys = record_keys(BlockingRule("g", "given_birth_year"), rec)
    assert keys == ["ANA|1999|R", "ANA|2000|R"]


def test_pairs_deduplicated_and_counted_per_rule() -> None:
    people = [
        from_person(
            "1", given_name="Ana", surname="Rojas", maternal_surname="Cruz", document="41234567"
        ),
        from_person(
            "2", given_name="Ana", surname="Cruz", maternal_surname="Rojas", document="41234567"
        ),
        from_person("3", given_name="Luis", surname="Soto", maternal_surname="Vera"),
    ]
    table = RecordTable(people)
    rules = [BlockingRule("doc", "document"), PAIR]
    a, b, stats = BlockingIndex(table, rules, 100).pairs(len(people))
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1)]
    assert [(s.pairs, s.new_pairs) for s in stats] == [(1, 1), (1, 0)]


def test_candidates_of_a_new_record() -> None:
    people = [
        from_person(str(i), given_name="Ana", surname="Rojas", maternal_surname="Cruz")
        for i in range(3)
    ]
    table = RecordTable(people)
    index = BlockingIndex(table, [PAIR], 100)
    new = from_person("x", given_name="Ana", surname="Cruz", maternal_surname="Rojas")
    assert index.candidates(new).tolist() == [0, 1, 2]


def _crowd() -> list:  # type: ignore[type-arg]
    """60 QUISPE MAMANI rows: 30 ANA born 1990, 30 ROSA born 1970, one ANA without a date."""
    people = [
        from_person(
            str(i),
            given_name="Ana" if i < 30 else "Rosa",
            surname="Quispe",
            maternal_surname="Mamani",
            birth_date=date(1990 if i < 30 else 1970, 1, 1 + i % 28),
            sex="F",
        )
        for i in range(60)
    ]
    people.append(
        from_person("nodate", given_name="Ana", surname="Quispe", maternal_surname="Mamani")
    )
    return people


def test_oversized_block_is_split_not_dropped() -> None:
    people = _crowd()
    table = RecordTable(people)
    index = BlockingIndex(table, [PAIR], max_block=400, split_block=40)
    a, b, stats = index.pairs(len(people))
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    assert (0, 1) in pairs and (30, 31) in pairs  # same given initial: still blocked
    assert (0, 30) not in pairs  # ANA and ROSA: split apart
    assert stats[0].skipped_blocks == 0
    # Without a sex or birth date, the ANA row still meets every other ANA.
    assert all((i, 60) in pairs for i in range(30))


def test_candidates_follow_the_split() -> None:
    people = _crowd()
    table = RecordTable(people)
    index = BlockingIndex(table, [PAIR], max_block=400, split_block=40)
    new = from_person("x", given_name="Rosa", surname="Mamani", maternal_surname="Quispe", sex="F")
    assert index.candidates(new).tolist() == list(range(30, 60))


def test_candidate_pairs_of_many_records_are_their_candidates() -> None:
    people = _crowd()
    table = RecordTable(people)
    rules = [PAIR, BlockingRule("gs", "given_surname"), BlockingRule("gy", "given_birth_year")]
    index = BlockingIndex(table, rules, max_block=400, split_block=40)
    new = [
        from_person("x", given_name="Rosa", surname="Mamani", maternal_surname="Quispe", sex="F"),
        from_person("y", given_name="Ana", surname="Quispe", maternal_surname="Mamani"),
        from_person("z", given_name="Eva", surname="Torres", birth_date=date(2001, 1, 1)),
        people[0],
    ]
    who, found = index.candidate_pairs(table.sibling(new))
    got = {i: sorted(found[who == i].tolist()) for i in range(len(new))}
    assert got == {i: index.candidates(r).tolist() for i, r in enumerate(new)}
    assert got[1] and got[3]

"""Stable IDs: same clusters keep their IDs; merges keep the older; splits are recorded."""

from __future__ import annotations

import itertools

from app.linkage.identity import IdEvent, assign_ids


def _new_ids():
    counter = itertools.count(100)
    return lambda: next(counter)


def test_same_clusters_get_the_same_ids_whatever_their_labels():
    previous = {"a": 1, "b": 1, "c": 2, "d": 3}
    out = assign_ids(previous, {"a": 7, "b": 7, "c": 4, "d": 9}, new_id=_new_ids())
    assert out.ids == {7: 1, 4: 2, 9: 3}
    assert out.created == [] and out.events == [] and out.retired == {}


def test_merge_keeps_the_older_id_and_is_recorded():
    previous = {"a": 5, "b": 5, "c": 2}
    out = assign_ids(previous, {"a": 0, "b": 0, "c": 0}, new_id=_new_ids())
    assert out.ids == {0: 2}
    assert out.retired == {5: 2}
    assert out.events == [IdEvent("merge", survivor=2, other=5, records=2)]


def test_split_keeps_the_id_with_the_larger_part_and_records_the_other():
    previous = {"a": 1, "b": 1, "c": 1}
    out = assign_ids(previous, {"a": 0, "b": 0, "c": 1}, new_id=_new_ids())
    assert out.ids == {0: 1, 1: 100}
    assert out.created == [100]
    assert out.events == [IdEvent("split", survivor=1, other=100, records=1)]


def test_new_records_join_existing_ids_or_get_new_ones():
    previous = {"a": 1}
    out = assign_ids(previous, {"a": 0, "b": 0, "z": 3}, new_id=_new_ids())
    assert out.ids == {0: 1, 3: 100}
    assert out.events == []

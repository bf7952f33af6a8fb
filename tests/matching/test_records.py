"""Tests of the integer-coded record table's vocabulary."""

from __future__ import annotations

from app.matching.records import Vocabulary


def test_few_new_values_in_a_large_vocabulary_keep_their_codes() -> None:
    vocab = Vocabulary()
    vocab.encode(f"NAME{i}" for i in range(1000))
    codes = vocab.encode(["NAME5", "NEW2", "NEW1", "NEW2", "NAME7"])
    assert [vocab.values[c] for c in codes.tolist()] == ["NAME5", "NEW2", "NEW1", "NEW2", "NAME7"]
    assert codes[1] == codes[3] == 1001 and codes[2] == 1002
    assert len(vocab.values) == len(vocab.index) == 1003


def test_bulk_encoding_codes_values_in_order_of_first_appearance() -> None:
    vocab = Vocabulary()
    codes = vocab.encode(["B", "A", "B", "", "C"])
    assert codes.tolist() == [1, 2, 1, 0, 3]
    assert vocab.values == ["", "B", "A", "C"]

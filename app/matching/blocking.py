"""Blocking: cheap keys that bring likely matches together without comparing all pairs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.matching.normalize import phonetic
from app.matching.records import LinkInput, RecordTable
from app.matching.settings import BlockingKey, BlockingRule

__all__ = ["BlockingIndex", "BlockingStats", "record_keys"]

I64 = npt.NDArray[np.int64]


def _birth_years(rec: LinkInput) -> list[int]:
    if rec.birth_date is not None:
        return [rec.birth_date.year]
    if rec.age is not None and rec.reference_date is not None:
        # Age alone leaves two possible birth years.
        year = rec.reference_date.year - rec.age
        return [year - 1, year]
    return []


def _document(rec: LinkInput) -> list[str]:
    return [rec.document] if rec.document else []


def _surname_pair(rec: LinkInput) -> list[str]:
    if rec.unidentified or not rec.paternal or not rec.maternal:
        return []
    a, b = sorted((phonetic(rec.paternal), phonetic(rec.maternal)))
    return [f"{a}|{b}"]


def _given_surname(rec: LinkInput) -> list[str]:
    if rec.unidentified or not rec.given:
        return []
    given = phonetic(rec.given.split(" ", 1)[0])
    return sorted({f"{given}|{phonetic(s)}" for s in (rec.paternal, rec.maternal) if s})


def _given_birth_year(rec: LinkInput) -> list[str]:
    if rec.unidentified or not rec.given:
        return []
    given = rec.given.split(" ", 1)[0]
    # With the initial of either surname: "MARIA|1999" alone is a block of thousands in a
    # national register; either initial survives a swap or a missing maternal surname.
    initials = {phonetic(s)[:1] for s in (rec.paternal, rec.maternal) if s} or {""}
    return sorted({f"{given}|{y}|{i}" for y in _birth_years(rec) for i in initials})


def _surname_residence(rec: LinkInput) -> list[str]:
    if rec.unidentified or not rec.ubigeo_residence:
        return []
    return sorted(
        {f"{phonetic(s)}|{rec.ubigeo_residence}" for s in (rec.paternal, rec.maternal) if s}
    )


_KEY_FUNCTIONS: dict[BlockingKey, Callable[[LinkInput], list[str]]] = {
    "document": _document,
    "surname_pair": _surname_pair,
    "given_surname": _given_surname,
    "given_birth_year": _given_birth_year,
    "surname_residence": _surname_residence,
}


def record_keys(rule: BlockingRule, rec: LinkInput) -> list[str]:
    """Return the blocking key values of one record under one rule."""
    return _KEY_FUNCTIONS[rule.key](rec)


@dataclass
class BlockingStats:
    """Pairs produced by each rule, before and after removing pairs found by earlier rules."""

    rule: str
    pairs: int
    new_pairs: int
    skipped_blocks: int


def _pairs_in_groups(keys: I64, rows: I64, max_block: int) -> tuple[I64, I64, int]:
    """Return all row pairs sharing a key, skipping groups larger than max_block."""
    if len(keys) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, 0
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    size_per_row = np.repeat(sizes, sizes)
    keep = (size_per_row > 1) & (size_per_row <= max_block)
    skipped = int((sizes > max_block).sum())
    k, r, s = keys[keep], rows[keep], size_per_row[keep]
    out_a: list[I64] = []
    out_b: list[I64] = []
    offset = 1
    # Keys are sorted, so rows offset d apart share a key exactly when their keys are equal:
    # each offset is one vectorised step instead of a Python loop over blocks.
    while len(k) > offset:
        same = k[:-offset] == k[offset:]
        if not same.any():
            break
        out_a.append(r[:-offset][same])
        out_b.append(r[offset:][same])
        offset += 1
        if offset % 8 == 0:
            alive = s > offset
            k, r, s = k[alive], r[alive], s[alive]
    if not out_a:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, skipped
    a, b = np.concatenate(out_a), np.concatenate(out_b)
    return np.minimum(a, b), np.maximum(a, b), skipped


def _sorted_unique(x: I64) -> I64:
    x = np.sort(x)
    if len(x) < 2:
        return x
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def _sorted_member(x: I64, sorted_set: I64) -> npt.NDArray[np.bool_]:
    if len(sorted_set) == 0:
        return np.zeros(len(x), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, x), len(sorted_set) - 1)
    return np.asarray(sorted_set[pos] == x)


class BlockingIndex:
    """Sorted blocking keys of a table; yields candidate pairs and candidates of a new record."""

    def __init__(self, table: RecordTable, rules: Sequence[BlockingRule], max_block: int) -> None:
        self.rules = tuple(rules)
        self.max_block = max_block
        self.codes: list[dict[str, int]] = []
        self.sorted_keys: list[I64] = []
        self.sorted_rows: list[I64] = []
        for rule in self.rules:
            vocab: dict[str, int] = {}
            key_list: list[int] = []
            row_list: list[int] = []
            for i, rec in enumerate(table.records):
                for value in record_keys(rule, rec):
                    key_list.append(vocab.setdefault(value, len(vocab)))
                    row_list.append(i)
            keys = np.asarray(key_list, dtype=np.int64)
            rows = np.asarray(row_list, dtype=np.int64)
            order = np.lexsort((rows, keys))
            self.codes.append(vocab)
            self.sorted_keys.append(keys[order])
            self.sorted_rows.append(rows[order])

    def pairs(self, n: int) -> tuple[I64, I64, list[BlockingStats]]:
        """Return deduplicated candidate pairs (a < b) and per-rule statistics."""
        seen = np.empty(0, dtype=np.int64)
        stats: list[BlockingStats] = []
        for rule, keys, rows in zip(self.rules, self.sorted_keys, self.sorted_rows, strict=True):
            a, b, skipped = _pairs_in_groups(keys, rows, self.max_block)
            codes = _sorted_unique(a * n + b)
            fresh = codes[~_sorted_member(codes, seen)]
            stats.append(BlockingStats(rule.name, len(codes), len(fresh), skipped))
            seen = _sorted_unique(np.concatenate([seen, fresh]))
        return seen // n, seen % n, stats

    def candidates(self, rec: LinkInput) -> I64:
        """Return the stored rows sharing any blocking key with a new record."""
        found: list[I64] = []
        for rule, vocab, keys, rows in zip(
            self.rules, self.codes, self.sorted_keys, self.sorted_rows, strict=True
        ):
            for value in record_keys(rule, rec):
                code = vocab.get(value)
                if code is None:
                    continue
                lo, hi = np.searchsorted(keys, [code, code + 1])
                if 0 < hi - lo <= self.max_block:
                    found.append(rows[lo:hi])
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found))

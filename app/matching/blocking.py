"""Blocking: cheap keys that bring likely matches together without comparing all pairs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.matching.arrays import member_of_sorted, unique_sorted
from app.matching.normalize import phonetic
from app.matching.records import LinkInput, RecordTable
from app.matching.settings import BlockingKey, BlockingRule
from app.matching.threads import imap, tmap

__all__ = ["BlockingIndex", "BlockingStats", "record_keys"]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]


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
    r, s = rows[keep], size_per_row[keep]
    if len(r) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, skipped
    # Kept groups are whole and contiguous: each entry pairs with the entries after it in
    # its group. All pairs at once, by index arithmetic (int32: a rule's pairs number tens
    # of millions at most), rather than one pass over the entries per offset.
    kk = keys[keep]
    first = np.flatnonzero(np.r_[True, kk[1:] != kk[:-1]]).astype(np.int32)
    del kk
    index = np.arange(len(r), dtype=np.int32)
    ahead = (s - 1).astype(np.int32) - (index - np.repeat(first, np.diff(np.r_[first, len(r)])))
    left = np.repeat(index, ahead)
    del index
    # Position of each pair among its left entry's pairs: 0, 1, ... ahead - 1.
    step = np.arange(len(left), dtype=np.int32)
    step -= np.repeat((np.cumsum(ahead) - ahead).astype(np.int32), ahead)
    step += left
    step += 1
    a, b = r[left], r[step]
    del left, step
    # Rows of a group are sorted ascending (_sort_entries), so a < b already.
    return a, b, skipped


# Radix of the integer parts of a blocking key; the parts of one key multiply below 2**62.
_PH = 1 << 21  # phonetic codes and name codes
_YEARS = 1 << 9  # birth year - 1800
_SMALL = 1 << 5  # initials, sex, decades
_NO_KEY = -1


def _years(ordinals: I32) -> I64:
    """Return the calendar year of proleptic Gregorian ordinals (date.toordinal)."""
    days = (ordinals.astype(np.int64) - _EPOCH_ORDINAL).astype("datetime64[D]")
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


class _Columns:
    """Integer columns of a table that blocking keys are made of (phonetic codes etc.)."""

    def __init__(self, table: RecordTable, phon: _Phonetics) -> None:
        self.n = len(table)
        self.named = ~table.unidentified
        self.given = table.given_first.astype(np.int64)
        self.given_ph = phon.codes(table, table.given_first)
        self.pat_ph = phon.codes(table, table.paternal)
        self.mat_ph = phon.codes(table, table.maternal)
        self.given_init = phon.initials(self.given_ph)
        self.pat_init = phon.initials(self.pat_ph)
        self.mat_init = phon.initials(self.mat_ph)
        known = table.birth_lo >= 0
        lo = np.where(known, _years(np.maximum(table.birth_lo, 1)), 0)
        hi = np.where(known, _years(np.maximum(table.birth_hi, 1)), 0)
        self.year_lo = np.where(known, np.clip(lo - 1800, 1, _YEARS - 1), 0)
        self.year_hi = np.where(known, np.clip(hi - 1800, 1, _YEARS - 1), 0)
        self.decade = np.where(known, np.clip((lo + hi) // 20 - 179, 1, _SMALL - 1), 0)
        sex_values = table.other.values
        sex = table.sex
        self.sex = np.zeros(self.n, dtype=np.int64)
        for code in np.unique(sex).tolist():
            self.sex[sex == code] = {"F": 1, "M": 2}.get(sex_values[code], 0)
        self.document = table.document.astype(np.int64)
        self.residence = table.residence.astype(np.int64)

    def refinement(self, name: str) -> I64:
        """Return an attribute that splits oversized blocks (0 when unknown)."""
        if name == "given_initial":
            return self.given_init
        if name == "sex":
            return self.sex
        if name == "decade":
            return self.decade
        if name == "surname_initials":
            lo = np.minimum(self.pat_init, self.mat_init)
            hi = np.maximum(self.pat_init, self.mat_init)
            # Unknown (0) when a surname is missing: such a row joins every part.
            return np.asarray(np.where(lo > 0, lo * _SMALL + hi, 0), dtype=np.int64)
        raise ValueError(name)


def _append(arr: I64, size: int, extra: list[int]) -> I64:
    """Write extra after the first size items, doubling the buffer when it is full."""
    need = size + len(extra)
    if need > len(arr):
        grown = np.zeros(max(need, 2 * len(arr), 1024), dtype=arr.dtype)
        grown[:size] = arr[:size]
        arr = grown
    arr[size:need] = extra
    return arr


class _Phonetics:
    """Phonetic codes of name codes, computed once per distinct name.

    Buffers grow by doubling: score_one adds a few names at a time to a vocabulary of
    hundreds of thousands, which must not be copied on every call.
    """

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {"": 0}
        self.initial: list[int] = [0]
        self.named = 0  # names coded so far
        self.of_name = np.zeros(0, dtype=np.int64)
        self.initial_of = np.zeros(1, dtype=np.int64)

    def codes(self, table: RecordTable, names: npt.NDArray[np.int32]) -> I64:
        values = table.names.values
        if self.named < len(values):
            extra = []
            known = len(self.initial)
            for v in values[self.named :]:
                ph = phonetic(v) if v else ""
                code = self.vocab.get(ph)
                if code is None:
                    code = self.vocab[ph] = len(self.vocab)
                    self.initial.append(ord(ph[0]) % (_SMALL - 1) + 1 if ph else 0)
                extra.append(code)
            self.of_name = _append(self.of_name, self.named, extra)
            self.named = len(values)
            # Only the new phonetic values' initials: rebuilding from the list costs ms.
            self.initial_of = _append(self.initial_of, known, self.initial[known:])
        return self.of_name[names]

    def initials(self, codes: I64) -> I64:
        return self.initial_of[codes]


def _entries(rule: BlockingKey, c: _Columns) -> tuple[I64, I64]:
    """Return (rows, keys) of every key value of every row under one rule."""
    rows = np.arange(c.n, dtype=np.int64)
    parts: list[tuple[I64, I64]] = []
    if rule == "document":
        has = c.document > 0
        parts.append((rows[has], c.document[has]))
    elif rule == "surname_pair":
        has = c.named & (c.pat_ph > 0) & (c.mat_ph > 0)
        lo, hi = np.minimum(c.pat_ph, c.mat_ph), np.maximum(c.pat_ph, c.mat_ph)
        parts.append((rows[has], (lo * _PH + hi)[has]))
    elif rule == "given_surname":
        base = c.named & (c.given_ph > 0)
        for sur in (c.pat_ph, c.mat_ph):
            has = base & (sur > 0)
            parts.append((rows[has], (c.given_ph * _PH + sur)[has]))
    elif rule == "given_birth_year":
        base = c.named & (c.given > 0) & (c.year_lo > 0)
        for year in (c.year_lo, c.year_hi):
            for init in (c.pat_init, c.mat_init):
                # With the initial of either surname: "MARIA|1999" alone is a block of
                # thousands in a national register; either initial survives a swap or a
                # missing maternal surname.
                has = base & ((init > 0) | ((c.pat_init == 0) & (c.mat_init == 0)))
                parts.append((rows[has], ((c.given * _YEARS + year) * _SMALL + init)[has]))
    elif rule == "surname_residence":
        base = c.named & (c.residence >= 0)
        for sur in (c.pat_ph, c.mat_ph):
            has = base & (sur > 0)
            parts.append((rows[has], (sur * (1 << 20) + c.residence)[has]))
    r = np.concatenate([p[0] for p in parts]) if parts else rows[:0]
    k = np.concatenate([p[1] for p in parts]) if parts else rows[:0]
    return r, k


def _sort_entries(rows: I64, keys: I64) -> tuple[I64, I64]:
    """Sort entries by key then row, keeping one entry per distinct (row, key)."""
    if len(rows) < 2:
        return rows, keys
    # Two plain sorts instead of np.lexsort (a third of blocking's time at a million rows):
    # by key, then by (group number, row), which fits one int64.
    order = np.argsort(keys)
    rows, keys = rows[order], keys[order]
    group = np.empty(len(keys), dtype=np.int64)
    group[0] = 0
    np.not_equal(keys[1:], keys[:-1], out=group[1:])
    np.cumsum(group, out=group)
    group *= int(rows.max()) + 1
    group += rows
    order = np.argsort(group)
    del group
    rows, keys = rows[order], keys[order]
    keep = np.empty(len(rows), dtype=bool)
    keep[0] = True
    keep[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
    return rows[keep], keys[keep]


_REFINEMENTS: dict[BlockingKey, tuple[str, ...]] = {
    "document": (),
    "surname_pair": ("given_initial", "sex", "decade"),
    "given_surname": ("surname_initials", "sex", "decade"),
    "given_birth_year": ("surname_initials", "sex"),
    "surname_residence": ("given_initial", "sex", "decade"),
}
# Values of a refinement are below its radix (initials, sex, decades: below _SMALL).
_RADIX: dict[str, int] = {"surname_initials": _SMALL * _SMALL}


def _split(
    rows: I64, keys: I64, sizes: I64, split: int, limit: int, value: I64, radix: int = _SMALL
) -> tuple[I64, I64]:
    """Split the entries of blocks larger than split (sizes: of each entry's block).

    A row whose value is unknown (0) keeps a sub-block of its own and, while the block is
    at most limit rows, also joins every sub-block: a record without a birth date must
    still meet its match with one, but not thousands of rows of a national-size block.
    """
    big = sizes > split
    new_keys = keys.copy()
    new_keys[big] = keys[big] * radix + value[big]
    wild = big & (value == 0) & (sizes <= limit)
    if not wild.any():
        return rows, new_keys
    # Distinct known sub-blocks of each oversized block, sorted by block key.
    known = big & (value > 0)
    subs = unique_sorted(new_keys[known])
    parent = subs // radix
    w_rows, w_keys = rows[wild], keys[wild]
    lo = np.searchsorted(parent, w_keys, side="left")
    hi = np.searchsorted(parent, w_keys, side="right")
    counts = hi - lo
    rep_rows = np.repeat(w_rows, counts)
    starts = np.repeat(lo - np.cumsum(np.r_[0, counts[:-1]]), counts)
    rep_keys = subs[np.arange(len(rep_rows)) + starts]
    return np.concatenate([rows, rep_rows]), np.concatenate([new_keys, rep_keys])


def _group_sizes(keys: I64) -> I64:
    """Return, for sorted keys, the size of each entry's group."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    return np.repeat(sizes, sizes)


class BlockingIndex:
    """Integer blocking keys of a table; yields candidate pairs and candidates of a new record.

    A block larger than split_block is not dropped: its rows are split by the rule's next
    refinement attribute (given-name initial, sex, birth decade) until it is small enough;
    only what is still above max_block after every refinement is skipped. Block sizes so
    stay bounded as the population grows, while common surname pairs stay blocked.
    """

    def __init__(
        self,
        table: RecordTable,
        rules: Sequence[BlockingRule],
        max_block: int,
        split_block: int | None = None,
    ) -> None:
        self.rules = tuple(rules)
        self.max_block = max_block
        self.split_block = min(split_block or max_block, max_block)
        self.table = table
        self.phonetics = _Phonetics()
        self.sorted_keys: list[I64] = []
        self.sorted_rows: list[I64] = []
        # Per rule and refinement level: the sorted keys that were split at that level.
        self.split_keys: list[list[I64]] = []
        # ...and those of them small enough for a row of unknown value to join every part.
        self.wildcard_keys: list[list[I64]] = []
        cols = _Columns(table, self.phonetics)
        built = tmap(lambda rule: self._build(rule.key, cols), self.rules)
        for keys, rows, splits, wide in built:
            self.split_keys.append(splits)
            self.wildcard_keys.append(wide)
            self.sorted_keys.append(keys)
            self.sorted_rows.append(rows)

    def _build(self, rule: BlockingKey, cols: _Columns) -> tuple[I64, I64, list[I64], list[I64]]:
        """Return one rule's sorted keys and rows, and the keys split at each refinement."""
        rows, keys = _sort_entries(*_entries(rule, cols))
        splits: list[I64] = []
        wide: list[I64] = []
        for name in _REFINEMENTS[rule]:
            sizes = _group_sizes(keys)
            big = sizes > self.split_block
            if not big.any():
                break
            splits.append(unique_sorted(keys[big]))
            wide.append(unique_sorted(keys[big & (sizes <= self.max_block)]))
            value = cols.refinement(name)[rows]
            rows, keys = _sort_entries(
                *_split(
                    rows,
                    keys,
                    sizes,
                    self.split_block,
                    self.max_block,
                    value,
                    _RADIX.get(name, _SMALL),
                )
            )
            del sizes, big, value
        return keys, rows, splits, wide

    def pairs(self, n: int) -> tuple[I64, I64, list[BlockingStats]]:
        """Return deduplicated candidate pairs (a < b) and per-rule statistics."""

        def codes_of(k: int) -> tuple[I64, int]:
            a, b, skipped = _pairs_in_groups(
                self.sorted_keys[k], self.sorted_rows[k], self.max_block
            )
            return unique_sorted(a * n + b), skipped

        # Each rule's pairs on its own thread; which of them are new is decided in rule order.
        seen = np.empty(0, dtype=np.int64)
        stats: list[BlockingStats] = []
        for rule, (codes, skipped) in zip(
            self.rules, imap(codes_of, range(len(self.rules))), strict=True
        ):
            fresh = codes[~member_of_sorted(codes, seen)]
            stats.append(BlockingStats(rule.name, len(codes), len(fresh), skipped))
            del codes
            seen = _merge_sorted(seen, fresh)
        return seen // n, seen % n, stats

    def candidates(self, rec: LinkInput | RecordTable) -> I64:
        """Return the stored rows sharing any blocking key with a new record."""
        new = rec if isinstance(rec, RecordTable) else self.table.sibling([rec])
        return unique_sorted(self.candidate_pairs(new)[1])

    def candidate_pairs(self, new: RecordTable) -> tuple[I64, I64]:
        """Return (row of new, stored row) for every stored row sharing a block with a new row.

        Keys as in pairs(): a new row in a split block goes to its refinement's part, and
        with an unknown refinement value to every part that is not too large (as in _split).
        """
        cols = _Columns(new, self.phonetics)
        out: list[I64] = []
        width = len(self.table) + 1
        for rule, keys, rows, splits, wide in zip(
            self.rules,
            self.sorted_keys,
            self.sorted_rows,
            self.split_keys,
            self.wildcard_keys,
            strict=True,
        ):
            who, values = _entries(rule.key, cols)
            for level, name in enumerate(_REFINEMENTS[rule.key][: len(splits)]):
                split = member_of_sorted(values, splits[level])
                value = cols.refinement(name)[who]
                radix = _RADIX.get(name, _SMALL)
                refined = np.where(split, values * radix + value, values)
                # Unknown value in a split block: its own part (value 0), and every part of
                # a block that is not too large (as in _split).
                every = np.flatnonzero(split & (value == 0) & member_of_sorted(values, wide[level]))
                parts = np.arange(1, radix, dtype=np.int64)
                spread = (values[every] * radix)[:, None] + parts[None, :]
                who = np.concatenate([who, np.repeat(who[every], radix - 1)])
                values = np.concatenate([refined, spread.ravel()])
            lo = np.searchsorted(keys, values)
            hi = np.searchsorted(keys, values + 1)
            size = hi - lo
            ok = (size > 0) & (size <= self.max_block)
            who, lo, size = who[ok], lo[ok], size[ok]
            if not len(who):
                continue
            start = np.repeat(lo - np.cumsum(size) + size, size)
            found = rows[np.arange(int(size.sum())) + start]
            out.append(unique_sorted(np.repeat(who, size) * width + found))
        if not out:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        codes = unique_sorted(np.concatenate(out))
        return codes // width, codes % width


def _merge_sorted(x: I64, y: I64) -> I64:
    """Merge two sorted, disjoint arrays into one sorted array."""
    if len(x) == 0:
        return y
    out = np.concatenate([x, y])
    out.sort(kind="stable")
    return out

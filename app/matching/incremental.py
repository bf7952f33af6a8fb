"""Incremental linkage: re-link only what changed, with the model of the last full run.

Given all current records, the previous person and case labels, the keys of the records that
changed (new or corrected) and the model stored by the last full run, link_incremental:

1. scores the candidate pairs of the changed records and of the other members of their
   previous persons (same blocks as a full run) with the stored m/u and the current term
   frequencies;
2. widens that set to whole persons: those of the changed records, of every record they link
   to strongly or by a "match" judgement, and of every record of the case files touched
   (their previous cases whole), so that clustering and inference see what a full run sees;
3. re-clusters only those records (same constraints, cluster_pairs), re-links their case
   files (link_cases; a second pass with "same linked case" when the cases moved) and
   re-runs inference by elimination for them;
4. leaves every other record's person and case as they were.

The result is a LinkResult over all records whose pairs are those touching the affected
records; `affected` and `case_files` say what the caller must rewrite. Pure: stdlib, NumPy.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.arrays import isin_sorted, unique_sorted
from app.matching.blocking import BlockingIndex
from app.matching.cases import CaseFile, case_files, infer_by_elimination, link_cases
from app.matching.clustering import cluster_pairs, merge_labels
from app.matching.linker import (
    Judgements,
    Linker,
    LinkResult,
    _as_input,
    _Stopwatch,
    _without_gc,
)
from app.matching.model import FellegiSunter, FieldParameters, ModelParameters, TermFrequencies
from app.matching.records import LinkInput, RecordKey, RecordTable
from app.matching.settings import LinkageSettings
from app.matching.threads import threads
from app.schema.record import CommonRecord

__all__ = [
    "MAX_CHANGED_SHARE",
    "IncrementalResult",
    "LinkCache",
    "ModelState",
    "fallback_reason",
    "link_incremental",
    "model_state",
]

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

# Above this share of changed records a full run costs little more, and refits the model.
MAX_CHANGED_SHARE = 0.2


@dataclass(frozen=True)
class ModelState:
    """What an incremental run reuses from the last full run: m/u, prior and tf references."""

    parameters: ModelParameters
    tf_reference: dict[int, float]

    def to_json(self) -> dict[str, Any]:
        """Return the state as JSON-safe data."""
        p = self.parameters
        return {
            "prior": p.prior,
            "iterations": p.iterations,
            "converged": p.converged,
            "fields": [
                {"name": f.name, "levels": list(f.levels), "m": list(f.m), "u": list(f.u)}
                for f in p.fields
            ],
            "tf_reference": {str(c): v for c, v in self.tf_reference.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ModelState | None:
        """Return the state stored by to_json, or None when absent or unreadable."""
        if not data or "fields" not in data or "tf_reference" not in data:
            return None
        try:
            fields = tuple(
                FieldParameters(
                    str(f["name"]),
                    tuple(f["levels"]),
                    tuple(float(x) for x in f["m"]),
                    tuple(float(x) for x in f["u"]),
                )
                for f in data["fields"]
            )
            params = ModelParameters(
                float(data["prior"]), fields, int(data["iterations"]), bool(data["converged"])
            )
            tf_ref = {int(c): float(v) for c, v in data["tf_reference"].items()}
        except (KeyError, TypeError, ValueError):
            return None
        usable = all(
            math.isfinite(x) and x > 0 for f in fields for x in (*f.m, *f.u)
        ) and math.isfinite(params.prior)
        return cls(params, tf_ref) if usable else None


def model_state(result: LinkResult) -> ModelState:
    """Return the model of a full run, to be stored for the incremental runs after it."""
    return ModelState(result.parameters, dict(result.model.tf_reference))


def fallback_reason(
    *,
    records: int,
    changed: int,
    state: ModelState | None,
    settings: LinkageSettings | None = None,
    max_share: float = MAX_CHANGED_SHARE,
) -> str | None:
    """Return why an incremental run cannot be done (a full one must), or None when it can."""
    if state is None:
        return "sin modelo guardado de una ejecución completa"
    comparator = Linker(settings).comparator
    expected = [(c.name, tuple(c.levels)) for c in comparator.comparisons]
    stored = [(f.name, tuple(f.levels)) for f in state.parameters.fields]
    if expected != stored:
        return "el modelo guardado es de otra configuración"
    if records and changed > max_share * records:
        share = 100 * changed / records
        return f"cambió el {share:.1f} % de los registros (> {100 * max_share:.0f} %)"
    return None


@dataclass
class IncrementalResult:
    """Labels for all records; pairs, links and inference for the affected ones only."""

    result: LinkResult
    affected: set[RecordKey]  # whole previous and new persons: re-clustered or merged
    case_files: set[str]  # whole previous and new cases: re-linked
    changed: int
    case_keys: list[RecordKey] = field(default_factory=list)  # the rows of case_files
    stats: dict[str, Any] = field(default_factory=dict)


# Rows whose blocking keys changed since the index was built are looked up one by one; past
# this many (or this share of the rows) the index is rebuilt over the current rows.
_STALE_ROWS = 20_000
_STALE_SHARE = 0.02


class LinkCache:
    """The table, blocking index and case files of the last run, kept between runs.

    One process (the server) links after every push: rebuilding the integer table, the
    blocking index and the case files of a million rows costs more than re-linking a
    hundred changed rows. The cache keeps them and patches in the rows that changed
    (compared by identity with the previous run's inputs, which the caller's input cache
    keeps); the blocking index is not patched: rows changed since it was built ("stale")
    are looked up through BlockingIndex.candidates until there are too many, then it is
    rebuilt. Use from one run at a time (lock).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Forget everything (the next run rebuilds)."""
        self.records: list[LinkInput] = []
        self.table: RecordTable | None = None
        self.index: BlockingIndex | None = None
        self.indexed = 0  # rows the index was built over
        self.stale = np.zeros(0, dtype=bool)
        # Candidate pairs of each stale row with the indexed rows, found when it changed.
        self.stale_a: I64 = np.zeros(0, dtype=np.int64)
        self.stale_b: I64 = np.zeros(0, dtype=np.int64)
        self.files: dict[str, CaseFile] | None = None
        self.by_file: I64 = np.zeros(0, dtype=np.int64)  # rows in file-code order
        self.file_start: I64 = np.zeros(1, dtype=np.int64)
        self.settings: LinkageSettings | None = None
        # Kept for its comparator, which derives strings once per vocabulary value.
        self.linker: Linker | None = None
        self.stats: dict[str, Any] = {}

    def seed(self, linker: Linker, records: Sequence[LinkInput]) -> None:
        """Keep the table, blocking index and linker of the full run it just made over records."""
        if linker.index is None:
            return
        self.clear()
        self.records = list(records)
        self.table = linker.index.table
        self.index = linker.index.blocking
        self.indexed = len(self.records)
        self.stale = np.zeros(self.indexed, dtype=bool)
        self.settings = linker.settings
        # The linker is kept for its comparator; its index is now the cache's to update.
        self.linker = linker
        linker.index = None
        if linker.case_files is not None:
            self.files = linker.case_files
            linker.case_files = None
            self._order_files()

    def update(self, inputs: list[LinkInput], settings: LinkageSettings) -> I64:
        """Bring the cache to inputs; return the rows whose content changed (new included)."""
        t = self.table
        old = self.records
        rebuild = (
            t is None or self.settings != settings or len(inputs) < len(old) or len(t) != len(old)
        )
        changed: I64 = np.zeros(0, dtype=np.int64)
        if not rebuild:
            # Same rows in the same places (the input cache keeps unchanged objects); new
            # rows come after the old ones (ids grow), a correction keeps its place.
            diff = [
                i
                for i, (x, y) in enumerate(zip(inputs, old, strict=False))
                if x is not y and x != y
            ]
            if any(inputs[i].key != old[i].key for i in diff):
                rebuild = True
            else:
                changed = np.asarray(diff + list(range(len(old), len(inputs))), dtype=np.int64)
        if rebuild:
            self._build(inputs, settings)
            self.stats = {"cache": "rebuilt"}
            return changed
        if len(changed):
            self._patch(inputs, changed)
        self.stats = {"cache": "patched", "stale": int(self.stale.sum())}
        if self.stale.sum() > max(_STALE_ROWS, _STALE_SHARE * len(inputs)):
            assert self.table is not None
            s = settings
            self.index = BlockingIndex(self.table, s.blocking, s.max_block_size, s.split_block_size)
            self.indexed = len(inputs)
            self.stale = np.zeros(len(inputs), dtype=bool)
            self.stale_a = self.stale_b = np.zeros(0, dtype=np.int64)
            self.stats["cache"] = "index rebuilt"
        return changed

    def _build(self, inputs: list[LinkInput], settings: LinkageSettings) -> None:
        s = settings
        linker = self.linker
        self.clear()
        self.linker = linker
        self.settings = settings
        self.records = list(inputs)
        self.table = RecordTable(self.records)
        self.index = BlockingIndex(self.table, s.blocking, s.max_block_size, s.split_block_size)
        self.indexed = len(inputs)
        self.stale = np.zeros(len(inputs), dtype=bool)

    def _patch(self, inputs: list[LinkInput], rows: I64) -> None:
        """Write the changed rows into the table (in place: the index refers to it)."""
        t = self.table
        assert t is not None
        n_old, n = len(t), len(inputs)
        old_files = {self.records[i].file for i in rows.tolist() if i < n_old}
        part = t.sibling([inputs[i] for i in rows.tolist()])
        for name, col in list(vars(t).items()):
            if isinstance(col, np.ndarray) and col.ndim >= 1 and len(col) == n_old:
                new = part.__dict__[name]
                grown = np.empty((n, *col.shape[1:]), dtype=col.dtype)
                grown[:n_old] = col
                grown[rows] = new
                setattr(t, name, grown)
        t.records = list(inputs)
        for i in range(n_old, n):
            t.key_index[inputs[i].key] = i
        self.records = t.records
        stale = np.zeros(n, dtype=bool)
        stale[: len(self.stale)] = self.stale
        stale[rows] = True
        self.stale = stale
        self._stale_pairs(rows)
        if self.files is not None:
            self._refresh_files(old_files | {inputs[i].file for i in rows.tolist()})

    def _stale_pairs(self, rows: I64) -> None:
        """Find the candidates of changed rows among the indexed rows (once per change)."""
        assert self.index is not None
        drop = isin_sorted(self.stale_a, rows) | isin_sorted(self.stale_b, rows)
        a, b = [self.stale_a[~drop]], [self.stale_b[~drop]]
        assert self.table is not None
        part = self.table.sibling([self.records[i] for i in rows.tolist()])
        who, found = self.index.candidate_pairs(part)
        x = rows[who]
        keep = x != found
        a.append(x[keep])
        b.append(found[keep])
        self.stale_a, self.stale_b = np.concatenate(a), np.concatenate(b)

    def case_files(self) -> dict[str, CaseFile]:
        """Return the case files of the current rows (rows: positions in the table)."""
        if self.files is None:
            self.files = case_files(self.records)
            self._order_files()
        return self.files

    def _order_files(self) -> None:
        t = self.table
        assert t is not None
        code = t.file.astype(np.int64)
        self.by_file = np.argsort(code, kind="stable")
        self.file_start = np.searchsorted(
            code[self.by_file], np.arange(len(t.other.values) + 1, dtype=np.int64)
        )

    def rows_of(self, codes: I64) -> I64:
        """Return the rows of the files with these codes (of table.other)."""
        codes = codes[codes < len(self.file_start) - 1]
        lo, hi = self.file_start[codes], self.file_start[codes + 1]
        if not len(codes):
            return np.zeros(0, dtype=np.int64)
        size = hi - lo
        start = np.repeat(lo - np.cumsum(size) + size, size)
        return np.sort(self.by_file[np.arange(int(size.sum())) + start])

    def _refresh_files(self, names: set[str]) -> None:
        """Recompute the case files of these file keys from their current rows."""
        assert self.files is not None and self.table is not None
        self._order_files()
        index = self.table.other.index
        for name in names:
            if not name:
                continue
            code = index.get(name)
            rows = self.rows_of(np.asarray([code or 0], dtype=np.int64))
            if not code:
                rows = rows[:0]
            if not len(rows):
                self.files.pop(name, None)
                continue
            cf = case_files([self.records[i] for i in rows.tolist()])[name]
            cf.rows = rows.tolist()
            self.files[name] = cf


class _Persons:
    """Previous persons as arrays: closure of a row set to whole persons."""

    def __init__(self, prev: I64) -> None:
        self.prev = prev  # previous label per row; unique for rows without one
        order = np.argsort(prev, kind="stable")
        self.order = order
        self.sorted = prev[order]

    def close(self, rows: B) -> B:
        """Return rows widened to every member of their previous persons."""
        labels = unique_sorted(self.prev[rows])
        lo = np.searchsorted(self.sorted, labels, side="left")
        hi = np.searchsorted(self.sorted, labels, side="right")
        out = rows.copy()
        size = hi - lo
        start = np.repeat(lo - np.cumsum(size) + size, size)
        out[self.order[np.arange(int(size.sum())) + start]] = True
        return out


def _pairs_touching(index: BlockingIndex, rows: B) -> tuple[I64, I64]:
    """Return the candidate pairs (a < b) of the index that touch any of rows.

    The same blocks as BlockingIndex.pairs(): per rule, groups of equal sorted keys of at
    most max_block rows.
    """
    n = len(rows)
    codes: list[I64] = []
    for keys, srows in zip(index.sorted_keys, index.sorted_rows, strict=True):
        if len(keys) < 2:
            continue
        hit = rows[srows]
        if not hit.any():
            continue
        pos = np.flatnonzero(hit)
        lo = np.searchsorted(keys, keys[pos], side="left")
        hi = np.searchsorted(keys, keys[pos], side="right")
        size = hi - lo
        ok = (size > 1) & (size <= index.max_block)
        pos, lo, size = pos[ok], lo[ok], size[ok]
        if not len(pos):
            continue
        # Every (hit row, member of its group) pair, vectorised: repeat each hit by its
        # group size and walk the group with a running offset.
        rep = np.repeat(np.arange(len(pos)), size)
        start = np.repeat(np.cumsum(size) - size, size)
        member = lo[rep] + (np.arange(len(rep)) - start)
        x, y = srows[pos[rep]], srows[member]
        keep = x != y
        x, y = x[keep], y[keep]
        codes.append(unique_sorted(np.minimum(x, y) * n + np.maximum(x, y)))
    if not codes:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    allc = unique_sorted(np.concatenate(codes))
    return allc // n, allc % n


class _Blocks:
    """Candidate pairs of any rows: the cached index for rows it knows, lookups for the rest."""

    def __init__(self, cache: LinkCache, settings: LinkageSettings) -> None:
        assert cache.table is not None and cache.index is not None
        self.table = cache.table
        self.index = cache.index
        n = len(self.table)
        self.stale = np.zeros(n, dtype=bool)
        self.stale[: len(cache.stale)] = cache.stale
        self.stale[cache.indexed :] = True
        self.stale_rows = np.flatnonzero(self.stale)
        self.stale_a, self.stale_b = cache.stale_a, cache.stale_b
        self.settings = settings
        self._among: tuple[I64, I64] | None = None

    def among_stale(self) -> tuple[I64, I64]:
        """Pairs of two stale rows sharing a block (an index over those rows only)."""
        if self._among is None:
            s = self.settings
            rows = self.stale_rows
            if len(rows) < 2:
                empty = np.empty(0, dtype=np.int64)
                self._among = (empty, empty)
            else:
                part = self.table.sibling([self.table.records[i] for i in rows.tolist()])
                idx = BlockingIndex(part, s.blocking, s.max_block_size, s.split_block_size)
                a, b, _ = idx.pairs(len(part))
                self._among = (rows[a], rows[b])
        return self._among

    def touching(self, rows: B) -> tuple[I64, I64]:
        """Return the candidate pairs (a < b) touching rows, sorted by a * n + b."""
        n = len(self.table)
        fresh = rows & ~self.stale
        a, b = _pairs_touching(self.index, fresh)
        keep = ~self.stale[a] & ~self.stale[b]
        parts = [a[keep] * n + b[keep]]
        if len(self.stale_rows):
            # A stale row with an indexed one: found when the row changed; the other row
            # may have changed since (then both are stale: the pairs among stale rows).
            x, y = self.stale_a, self.stale_b
            hit = (rows[x] | rows[y]) & ~self.stale[y]
            x, y = x[hit], y[hit]
            parts.append(np.minimum(x, y) * n + np.maximum(x, y))
            x, y = self.among_stale()
            hit = rows[x] | rows[y]
            parts.append(np.minimum(x[hit], y[hit]) * n + np.maximum(x[hit], y[hit]))
        codes = unique_sorted(np.concatenate(parts))
        return codes // n, codes % n


def link_incremental(
    records: Sequence[CommonRecord | LinkInput],
    *,
    persons: Mapping[RecordKey, int],
    cases: Mapping[RecordKey, int],
    changed: Collection[RecordKey],
    state: ModelState,
    judgements: Judgements | None = None,
    settings: LinkageSettings | None = None,
    cache: LinkCache | None = None,
) -> IncrementalResult:
    """Re-link the changed records and the persons and cases around them; keep the rest.

    persons, cases: previous person and case label of each record key (any integers);
    changed: keys of new or corrected records (a key without a previous person counts as
    changed too); state: the model of the last full run (model_state); cache: the table,
    blocking index and case files of the previous run in this process, patched and kept
    (a fresh one is built and dropped when None).
    """
    with threads((settings or LinkageSettings()).thread_count()):
        return _link_incremental(
            records,
            persons=persons,
            cases=cases,
            changed=changed,
            state=state,
            judgements=judgements,
            settings=settings,
            cache=cache,
        )


@_without_gc
def _link_incremental(
    records: Sequence[CommonRecord | LinkInput],
    *,
    persons: Mapping[RecordKey, int],
    cases: Mapping[RecordKey, int],
    changed: Collection[RecordKey],
    state: ModelState,
    judgements: Judgements | None,
    settings: LinkageSettings | None,
    cache: LinkCache | None,
) -> IncrementalResult:
    linker = Linker(settings)
    cache = cache if cache is not None else LinkCache()
    if cache.linker is not None and cache.linker.settings == linker.settings:
        linker = cache.linker
    cache.linker = linker
    s = linker.settings
    comp = linker.comparator
    watch = _Stopwatch()
    inputs = [_as_input(r) for r in records]
    updated = cache.update(inputs, s)
    table = cache.table
    assert table is not None
    n = len(table)
    keys = [r.key for r in inputs]
    tf = TermFrequencies()
    tf.add(table)
    model = FellegiSunter(comp.comparisons)
    model.parameters = state.parameters
    model.tf_reference = dict(state.tf_reference)
    watch.lap("table")
    files_all = cache.case_files()
    blocks = _Blocks(cache, s)
    watch.lap("blocking index")

    # Previous persons as dense codes; a row without one is new (changed) and stands alone.
    none = min(persons.values(), default=0) - 1
    raw = np.fromiter((persons.get(k, none) for k in keys), np.int64, n)
    own = raw == none
    _, prev = np.unique(raw, return_inverse=True)
    prev = prev.astype(np.int64)
    base = int(prev.max(initial=-1)) + 1
    prev[own] = base + np.flatnonzero(own)
    people = _Persons(prev)
    is_changed = own.copy()
    is_changed[updated[updated < n]] = True
    for k in changed:
        i = table.key_index.get(k)
        if i is not None:
            is_changed[i] = True
    # A previous person that lost a record (the row is gone) is re-clustered too.
    found = n - int(own.sum())
    gone_labels = (
        {lab for k, lab in persons.items() if k not in table.key_index}
        if len(persons) > found
        else set()
    )
    if gone_labels:
        gone = np.fromiter(gone_labels, np.int64, len(gone_labels))
        is_changed |= isin_sorted(raw, gone) & ~own
    n_changed = int(is_changed.sum())

    # Previous case of each file (the "same linked case" comparison reads it); a corrected
    # row may have changed file, so the unchanged rows of a file speak for it first.
    # Case labels as codes >= 0 (any integers in, like persons); -1: no previous case.
    no_case = min(cases.values(), default=0) - 1
    case_in = np.fromiter((cases.get(k, no_case) for k in keys), np.int64, n)
    _, case_raw = np.unique(case_in, return_inverse=True)
    case_raw = case_raw.astype(np.int64)
    case_raw[case_in == no_case] = -1
    file_code = table.file.astype(np.int64)
    n_codes = len(table.other.values) + 1
    fc = np.full(n_codes, -1, dtype=np.int64)
    known = ~is_changed & (case_raw >= 0) & (file_code > 0)
    fc[file_code[known]] = case_raw[known]
    fc[0] = -1
    case_base = int(max(fc.max(initial=-1), case_raw.max(initial=-1))) + 1
    table.case = fc[file_code].astype(np.int32)
    watch.lap("previous labels")

    judged = linker._judgement_pairs(table, judgements or {})
    negatives = {p for p, same in judged.items() if not same}
    must = [p for p, same in judged.items() if same]
    case_col = next(
        (k for k, c in enumerate(comp.comparisons) if c.spec.kind == "case_context"), None
    )

    def score(a: I64, b: I64) -> tuple[Any, ...]:
        # The same screen as a full run: pairs of incompatible birth or sex get no name
        # comparison and probability 0, so both runs decide such pairs alike.
        if len(a):
            levels, compared = linker._compare_chunked(table, a, b)
        else:
            levels = np.empty((0, len(comp.comparisons)), dtype=np.int8)
            compared = np.ones(0, dtype=bool)
        if case_col is not None:
            levels[:, case_col] = linker._case_levels(table, a, b)
        return (levels, compared, *_decide(levels, a, b, compared))

    def _decide(levels: Any, a: I64, b: I64, compared: Any) -> tuple[Any, Any, Any]:
        codes = comp.tf_codes(table, a, levels)
        log2_odds = model.score(levels, codes, tf, s.tf_weight_bounds, detail=False)[0]
        prob = 1.0 / (1.0 + np.exp2(-np.clip(log2_odds, -60, 60)))
        prob[~compared] = 0.0
        rules = linker._constraints(table, a, b, levels)
        status = linker._decide(prob, rules, compared)
        if judged and len(a):
            # Pairs are sorted by code (a * n + b): find the judged ones by search.
            codes = a * n + b
            for (x, y), same in judged.items():
                k = int(np.searchsorted(codes, x * n + y))
                if k < len(codes) and codes[k] == x * n + y:
                    prob[k] = 1.0 if same else 0.0
                    status[k] = 4
                    rules[k] = 4 if same else 5
        return prob, status, rules

    def blocked(rows: B) -> tuple[I64, I64]:
        a, b = blocks.touching(rows)
        a, b, _, _ = linker._drop_hopeless(table, a, b)
        return a, b

    # 1. The changed records with their previous persons, and whom they link to now.
    r0 = people.close(is_changed)
    a0, b0 = blocked(r0)
    _, _, p0, st0, _ = score(a0, b0)
    strong = (p0 >= s.match_probability) | (st0 == 4)
    grow = r0.copy()
    grow[a0[strong]] = True
    grow[b0[strong]] = True
    watch.lap("changed pairs")

    # 2. Which persons can change: a person's clustering reads only its rows' pairs, and a
    # pair changes only when one of its rows did. So the persons of the changed rows, and
    # those a changed row now links to (or a judgement ties to them), are re-clustered; every
    # other person keeps its pairs and its grouping (inference may still merge it, below).
    judged_rows = list(judged)
    affected = people.close(grow)
    while True:
        extra = affected.copy()
        for i, j in judged_rows:
            if extra[i] != extra[j]:
                extra[i] = extra[j] = True
        extra = people.close(extra)
        if int(extra.sum()) == int(affected.sum()):
            break
        affected = extra
    # Which cases can change: files are grouped by the persons they share and by their own
    # evidence. The persons shared change only in files holding a re-clustered row, and the
    # evidence only in files whose rows changed (and the files it may now propose). Files
    # are linked only inside a case, so a case without such a file keeps its grouping; one
    # with such a file is re-linked whole (it may split), every other file's person labels
    # read as they were. No closure over persons of those cases: their pairs did not change.
    changed_files = {inputs[i].file for i in np.flatnonzero(is_changed).tolist()}
    near = _files_near(files_all, changed_files)
    fmask = np.zeros(n_codes, dtype=bool)
    index = table.other.index
    fmask[[index[f] for f in near if f in index]] = True
    fmask[file_code[affected]] = True
    fmask[0] = False
    hit = unique_sorted(case_raw[fmask[file_code] | is_changed])
    hit = hit[hit >= 0]
    if len(hit):
        fmask[file_code[isin_sorted(case_raw, hit)]] = True
    fmask[0] = False
    sub_rows = cache.rows_of(np.flatnonzero(fmask).astype(np.int64))
    sub_rows = sub_rows[file_code[sub_rows] > 0]
    trace = [int(r0.sum()), int(grow.sum()), int(affected.sum()), len(near), len(sub_rows)]
    watch.lap("affected set")

    # 3. Score every pair touching the affected records; cluster those among them.
    rest = affected & ~r0
    a1, b1 = blocked(rest)
    codes = unique_sorted(np.concatenate([a0 * n + b0, a1 * n + b1]))
    a, b = codes // n, codes % n
    levels, compared, prob, status, rules = score(a, b)
    watch.lap("score")
    rows = np.flatnonzero(affected)
    local = np.full(n, -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    cannot_global = linker._cannot_link(table, negatives)

    def cannot(i: int, j: int) -> bool:
        return bool(cannot_global(int(rows[i]), int(rows[j])))

    local_must = [(int(local[i]), int(local[j])) for i, j in must if affected[i] and affected[j]]

    def cluster() -> I64:
        inner = affected[a] & affected[b]
        roots, _ = cluster_pairs(
            len(rows),
            local[a[inner]],
            local[b[inner]],
            prob[inner],
            threshold=s.match_probability,
            mean_threshold=s.cluster_mean_probability,
            veto_probability=s.cluster_veto_probability,
            cannot_link=cannot,
            must_link=local_must,
            explain=False,
        )
        return roots

    roots = cluster()
    watch.lap("cluster 1")

    # 4. Case linkage for the touched files (their previous cases whole), as in a full run's
    # second pass; again with "same linked case" when the cases moved. Rows of those files
    # outside the affected persons keep their previous person.
    sub_inputs = [inputs[i] for i in sub_rows.tolist()]
    sub_files = {f: files_all[f] for f in dict.fromkeys(r.file for r in sub_inputs)}
    shift = 2 * n + 1  # new person labels: disjoint from prev (< 2n)

    def person_labels(roots: I64) -> I64:
        lab = prev.copy()
        lab[rows] = shift + roots
        return lab

    def link_sub(roots: I64) -> tuple[dict[str, int], Any]:
        return link_cases(sub_inputs, person_labels(roots)[sub_rows].tolist(), files=sub_files)

    sub_labels, sub_links = link_sub(roots)
    file_case = {f: int(fc[index[f]]) for f in sub_files if fc[index[f]] >= 0}
    new_case = {f: case_base + lab for f, lab in sub_labels.items()}
    if case_col is not None and _moved(new_case, file_case):
        table.case[sub_rows] = np.fromiter(
            (new_case[r.file] for r in sub_inputs), np.int32, len(sub_rows)
        )
        levels[:, case_col] = linker._case_levels(table, a, b)
        prob, status, rules = _decide(levels, a, b, compared)
        roots = cluster()
        sub_labels, sub_links = link_sub(roots)
        new_case = {f: case_base + lab for f, lab in sub_labels.items()}
        watch.lap("cluster 2")
    # 5. Inference by elimination inside the touched cases; a merge may join a person that
    # was not re-clustered: its rows take the merged label.
    lab = person_labels(roots)
    inferred, merges = infer_by_elimination(
        sub_inputs, lab[sub_rows].tolist(), sub_links, sub_labels
    )
    merged = np.zeros(n, dtype=bool)
    if merges:
        pairs = [(int(lab[sub_rows[x]]), int(lab[sub_rows[y]])) for x, y in merges]
        joined = merge_labels(lab, pairs)
        hit_rows = np.flatnonzero(joined != lab)
        lab = joined
        # Every row of a merged group is written: the group takes one person ID.
        groups = unique_sorted(np.concatenate([lab[hit_rows], lab[rows]]))
        merged = isin_sorted(lab, groups) & ~affected
    if merged.any():
        # Their pairs are written with them (the caller replaces the links of these rows).
        a2, b2 = blocked(merged)
        codes2 = a2 * n + b2
        extra_codes = codes2[~isin_sorted(codes2, codes)]
        if len(extra_codes):
            xa, xb = extra_codes // n, extra_codes % n
            xl, xc, xp, xs, xr = score(xa, xb)
            allc = np.concatenate([codes, extra_codes])
            order = np.argsort(allc, kind="stable")
            a, b = allc[order] // n, allc[order] % n
            levels = np.concatenate([levels, xl])[order]
            compared = np.concatenate([compared, xc])[order]
            prob = np.concatenate([prob, xp])[order]
            status = np.concatenate([status, xs])[order]
            rules = np.concatenate([rules, xr])[order]
    watch.lap("cases and inference")

    # Labels over all rows: the smallest row of each cluster, old or new.
    _, inv = np.unique(lab, return_inverse=True)
    first = np.full(int(inv.max(initial=-1)) + 1, n, dtype=np.int64)
    np.minimum.at(first, inv, np.arange(n, dtype=np.int64))
    labels = first[inv]
    written = affected | merged
    written_keys = {keys[i] for i in np.flatnonzero(written).tolist()}
    inferred = [x for x in inferred if x.a in written_keys or x.b in written_keys]
    # Untouched files keep their previous case label as given; new cases are numbered after.
    raw_of = np.zeros(n_codes, dtype=np.int64)
    raw_of[file_code[known]] = case_in[known]
    raw_base = int(case_in.max(initial=0)) + 1 if len(cases) else 0
    case_labels = {
        f: int(raw_of[c]) for f, c in ((f, index.get(f, 0)) for f in files_all) if fc[c] >= 0
    }
    case_labels.update({f: raw_base + lab for f, lab in sub_labels.items()})
    fill = raw_base + len(sub_labels) + 1
    for f in files_all:
        # Not reachable when every changed row's file was touched; kept total for safety.
        if f not in case_labels:
            case_labels[f] = fill
            fill += 1
    result = LinkResult(
        keys=keys,
        labels=labels,
        pair_a=a,
        pair_b=b,
        probability=prob,
        status_code=status,
        rule_code=rules,
        levels=levels,
        table=table,
        comparator=comp,
        model=model,
        term_frequencies=tf,
        parameters=state.parameters,
        blocking=[],
        inferred=inferred,
        case_labels=case_labels,
        case_links=sub_links,
        settings=s,
        file_of={r.key: r.file for r in inputs},
        stages=watch.stages,
    )
    return IncrementalResult(
        result=result,
        affected=written_keys,
        case_files=set(sub_labels),
        changed=n_changed,
        case_keys=[r.key for r in sub_inputs],
        stats={
            "changed": n_changed,
            "around_changed": int(r0.sum()),
            "affected": int(written.sum()),
            "merged_by_inference": int(merged.sum()),
            "pairs": len(a),
            "case_files": len(sub_labels),
            "case_rows": len(sub_rows),
            "widening": trace,
            **cache.stats,
        },
    )


def _moved(new: Mapping[str, int], old: Mapping[str, int]) -> bool:
    """Return True when the files' grouping into cases differs from the previous one."""
    seen: dict[int, int] = {}
    for f, lab in new.items():
        o = old.get(f)
        if o is None:
            return True
        if seen.setdefault(lab, o) != o:
            return True
    back: dict[int, int] = {}
    return any(back.setdefault(old[f], lab) != lab for f, lab in new.items())


def _proposal_keys(cf: CaseFile) -> set[tuple[Any, ...]]:
    """Keys two files share exactly when link_cases may propose them on evidence alone."""
    out: set[tuple[Any, ...]] = {("facts", d, p) for d in cf.facts_dates for p in cf.facts_places}
    for ref in cf.refs:
        for dept in {p[:2] for p in cf.facts_places} or {""}:
            out.update(("ref-date", ref, dept, d) for d in cf.facts_dates)
            out.update(("ref-place", ref, dept, p) for p in cf.facts_places)
    return out


def _files_near(files: Mapping[str, CaseFile], changed: set[str]) -> set[str]:
    """Return the files a changed file may now link to without shared persons.

    A superset of link_cases' proposals on evidence alone (a complaint number within a
    department of the facts with the same date or district, or the same date and district):
    those file pairs must be judged again when a file's content changed.
    """
    changed = {f for f in changed if f in files}
    if not changed:
        return set()
    wanted: set[tuple[Any, ...]] = set()
    dates: set[Any] = set()
    places: set[str] = set()
    for f in changed:
        cf = files[f]
        wanted |= _proposal_keys(cf)
        dates |= cf.facts_dates
        places |= cf.facts_places
    out = set(changed)
    for key, cf in files.items():
        # Every proposal key holds a date or a place of the facts: most files share neither.
        if key in out or (dates.isdisjoint(cf.facts_dates) and places.isdisjoint(cf.facts_places)):
            continue
        if not _proposal_keys(cf).isdisjoint(wanted):
            out.add(key)
    return out

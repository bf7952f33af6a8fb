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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.blocking import BlockingIndex
from app.matching.cases import CaseFile, case_files, infer_by_elimination, link_cases
from app.matching.clustering import cluster_pairs
from app.matching.linker import Judgements, Linker, LinkResult, _as_input, _Stopwatch
from app.matching.model import FellegiSunter, FieldParameters, ModelParameters, TermFrequencies
from app.matching.records import LinkInput, RecordKey, RecordTable
from app.matching.settings import LinkageSettings
from app.schema.record import CommonRecord

__all__ = [
    "MAX_CHANGED_SHARE",
    "IncrementalResult",
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
    affected: set[RecordKey]  # whole previous and new persons: re-clustered
    case_files: set[str]  # whole previous and new cases: re-linked
    changed: int
    stats: dict[str, Any] = field(default_factory=dict)


class _Persons:
    """Previous persons as arrays: closure of a row set to whole persons."""

    def __init__(self, prev: I64) -> None:
        self.prev = prev  # previous label per row; unique negative for rows without one

    def close(self, rows: B) -> B:
        """Return rows widened to every member of their previous persons."""
        labels = np.unique(self.prev[rows])
        return rows | np.isin(self.prev, labels)


def _pairs_touching(index: BlockingIndex, rows: B) -> tuple[I64, I64]:
    """Return the candidate pairs (a < b) of a full run that touch any of rows.

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
        codes.append(np.unique(np.minimum(x, y) * n + np.maximum(x, y)))
    if not codes:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    allc = np.unique(np.concatenate(codes))
    return allc // n, allc % n


def link_incremental(
    records: Sequence[CommonRecord | LinkInput],
    *,
    persons: Mapping[RecordKey, int],
    cases: Mapping[RecordKey, int],
    changed: Collection[RecordKey],
    state: ModelState,
    judgements: Judgements | None = None,
    settings: LinkageSettings | None = None,
) -> IncrementalResult:
    """Re-link the changed records and the persons and cases around them; keep the rest.

    persons, cases: previous person and case label of each record key (any integers);
    changed: keys of new or corrected records (a key without a previous person counts as
    changed too); state: the model of the last full run (model_state).
    """
    linker = Linker(settings)
    s = linker.settings
    comp = linker.comparator
    watch = _Stopwatch()
    inputs = [_as_input(r) for r in records]
    table = RecordTable(inputs)
    n = len(table)
    keys = [r.key for r in inputs]
    tf = TermFrequencies()
    tf.add(table)
    model = FellegiSunter(comp.comparisons)
    model.parameters = state.parameters
    model.tf_reference = dict(state.tf_reference)
    watch.lap("table")
    blocking = BlockingIndex(table, s.blocking, s.max_block_size, s.split_block_size)
    watch.lap("blocking index")

    # Previous persons as dense codes; a row without one is new (changed) and stands alone.
    dense = {lab: c for c, lab in enumerate(dict.fromkeys(persons.values()))}
    base = len(dense)
    prev = np.fromiter(
        (dense.get(persons.get(k, -1), base + i) for i, k in enumerate(keys)), np.int64, n
    )
    own = prev >= base
    people = _Persons(prev)
    is_changed = own.copy()
    for k in changed:
        i = table.key_index.get(k)
        if i is not None:
            is_changed[i] = True
    # A previous person that lost a record (the row is gone) is re-clustered too.
    present = set(keys)
    gone = {dense[lab] for k, lab in persons.items() if k not in present}
    if gone:
        is_changed |= np.isin(prev, np.fromiter(gone, np.int64, len(gone)))
    n_changed = int(is_changed.sum())

    # Previous case of each file (the "same linked case" comparison reads it); a corrected
    # row may have changed file, so the unchanged rows of a file speak for it first.
    file_case: dict[str, int] = {}
    for i, r in enumerate(inputs):
        c = cases.get(r.key)
        if r.file and c is not None and not is_changed[i]:
            file_case.setdefault(r.file, c)
    case_base = max((*file_case.values(), *cases.values()), default=0) + 1
    table.case = np.fromiter((file_case.get(r.file, -1) for r in inputs), dtype=np.int32, count=n)
    case_dense = {lab: c for c, lab in enumerate(dict.fromkeys(cases.values()))}
    case_prev = np.fromiter((case_dense.get(cases.get(k, -1), -1) for k in keys), np.int64, n)

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
        a, b = _pairs_touching(blocking, rows)
        a, b, _, _ = linker._drop_hopeless(table, a, b)
        return a, b

    # 1. The changed records with their previous persons, and whom they link to.
    r0 = people.close(is_changed)
    a0, b0 = blocked(r0)
    _, _, p0, st0, _ = score(a0, b0)
    strong = (p0 >= s.match_probability) | (st0 == 4)
    grow = r0.copy()
    grow[a0[strong]] = True
    grow[b0[strong]] = True
    watch.lap("changed pairs")

    # 2. Whole persons, judged partners and whole cases around them, until nothing is added:
    # the files of those persons, every file of their previous cases, and the files a changed
    # file may now link to on its own evidence.
    judged_rows = list(judged)
    files_all = case_files(inputs)
    changed_files = {inputs[i].file for i in np.flatnonzero(is_changed)}
    near = _files_near(files_all, changed_files)
    file_code = table.file
    fmask = np.zeros(len(table.other.values) + 1, dtype=bool)
    fmask[[table.other.index[f] for f in near]] = True
    affected = grow
    # Rows after each widening step (changed+persons, +linked, files near), for run details.
    trace: list[int] = [int(r0.sum()), int(grow.sum()), len(near)]
    while True:
        affected = people.close(affected)
        for i, j in judged_rows:
            if affected[i] != affected[j]:
                affected[i] = affected[j] = True
        fmask[file_code[affected]] = True
        fmask[0] = False
        in_files = fmask[file_code]
        hit = np.unique(case_prev[in_files])
        in_cases = np.isin(case_prev, hit[hit >= 0])
        fmask[file_code[in_cases]] = True
        fmask[0] = False
        grown = people.close(affected | fmask[file_code])
        trace.append(int(grown.sum()))
        if int(grown.sum()) == int(affected.sum()):
            break
        affected = grown
    sub_rows = np.flatnonzero(fmask[file_code])
    watch.lap("affected set")

    # 3. Score every pair touching the affected records; cluster those among them.
    rest = affected & ~r0
    a1, b1 = blocked(rest)
    codes = np.unique(np.concatenate([a0 * n + b0, a1 * n + b1]))
    a, b = codes // n, codes % n
    levels, compared, prob, status, rules = score(a, b)
    watch.lap("score")
    rows = np.flatnonzero(affected)
    local = np.full(n, -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    inner = affected[a] & affected[b]
    la, lb = local[a[inner]], local[b[inner]]
    cannot_global = linker._cannot_link(table, negatives)

    def cannot(i: int, j: int) -> bool:
        return bool(cannot_global(int(rows[i]), int(rows[j])))

    local_must = [(int(local[i]), int(local[j])) for i, j in must if affected[i] and affected[j]]

    def cluster() -> I64:
        roots, _ = cluster_pairs(
            len(rows),
            la,
            lb,
            prob[inner],
            threshold=s.match_probability,
            mean_threshold=s.cluster_mean_probability,
            veto_probability=s.cluster_veto_probability,
            cannot_link=cannot,
            must_link=local_must,
        )
        return roots

    roots = cluster()
    watch.lap("cluster 1")

    # 4. Case linkage for the touched files (their previous cases whole), as in a full run's
    # second pass; again with "same linked case" when the cases moved.
    sub_inputs = [inputs[i] for i in sub_rows.tolist()]
    sub_files = case_files(sub_inputs)

    def link_sub(roots: I64) -> tuple[dict[str, int], Any]:
        person = roots[local[sub_rows]].tolist()
        return link_cases(sub_inputs, person, files=sub_files)

    sub_labels, sub_links = link_sub(roots)
    new_case = {f: case_base + lab for f, lab in sub_labels.items()}
    if case_col is not None and _moved(new_case, file_case):
        table.case[sub_rows] = np.fromiter(
            (new_case[inputs[i].file] for i in sub_rows.tolist()), np.int32, len(sub_rows)
        )
        levels[:, case_col] = linker._case_levels(table, a, b)
        prob, status, rules = _decide(levels, a, b, compared)
        roots = cluster()
        sub_labels, sub_links = link_sub(roots)
        new_case = {f: case_base + lab for f, lab in sub_labels.items()}
        watch.lap("cluster 2")
    # 5. Inference by elimination inside the touched cases.
    inferred, merges = infer_by_elimination(
        sub_inputs, roots[local[sub_rows]].tolist(), sub_links, sub_labels
    )
    for x, y in merges:
        gx, gy = int(sub_rows[x]), int(sub_rows[y])
        _union_roots(roots, int(local[gx]), int(local[gy]))
    watch.lap("cases and inference")

    # Labels over all rows: the smallest row of each cluster, old or new.
    group = prev.copy()
    group[rows] = -1 - roots  # new clusters: disjoint from previous persons (>= 0)
    _, inv = np.unique(group, return_inverse=True)
    first = np.full(int(inv.max(initial=-1)) + 1, n, dtype=np.int64)
    np.minimum.at(first, inv, np.arange(n, dtype=np.int64))
    labels = first[inv]
    case_labels = dict(file_case)
    case_labels.update(new_case)
    for f in files_all:
        # Not reachable when every changed row's file was touched; kept total for safety.
        case_labels.setdefault(f, case_base + len(sub_labels) + len(case_labels))
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
        affected={keys[i] for i in rows.tolist()},
        case_files=set(sub_labels),
        changed=n_changed,
        stats={
            "changed": n_changed,
            "around_changed": int(r0.sum()),
            "affected": len(rows),
            "pairs": len(a),
            "case_files": len(sub_labels),
            "widening": trace,
        },
    )


def _union_roots(roots: I64, i: int, j: int) -> None:
    """Merge the clusters of local rows i and j (an inferred link)."""
    ri, rj = int(roots[i]), int(roots[j])
    if ri != rj:
        keep, drop = min(ri, rj), max(ri, rj)
        roots[roots == drop] = keep


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

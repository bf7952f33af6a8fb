"""The Linker facade: block, compare, fit, score, constrain, cluster and link cases."""

from __future__ import annotations

import functools
import gc
import resource
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from app.matching.arrays import isin_sorted, member_of_sorted
from app.matching.blocking import BlockingIndex, BlockingStats
from app.matching.cases import (
    CaseFile,
    CaseLink,
    CaseMemo,
    InferredLink,
    case_files,
    infer_by_elimination,
    link_cases,
    prepare_cases,
)
from app.matching.clustering import cluster_pairs, components_pairs, merge_labels
from app.matching.comparisons import Comparator, compile_comparisons, doc_distance
from app.matching.explain import Explanation, FieldWeight
from app.matching.model import FellegiSunter, ModelParameters, Selector, TermFrequencies
from app.matching.records import LinkInput, RecordKey, RecordTable, from_common
from app.matching.settings import LinkageSettings
from app.matching.threads import beside, submit, threads, tmap
from app.schema.record import CommonRecord

__all__ = [
    "RULES",
    "STATUSES",
    "LinkIndex",
    "LinkResult",
    "Linker",
    "ScoredPair",
    "StageTiming",
]

I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Judgements = Mapping[tuple[RecordKey, RecordKey], bool]
P = ParamSpec("P")
T = TypeVar("T")


STATUSES = ("non-link", "review", "link", "cannot-link", "judgement")
RULES: tuple[str | None, ...] = (
    None,
    "misma carpeta o denuncia",
    "DNI válidos distintos",
    "no identificado",
    "juicio humano: misma persona",
    "juicio humano: personas distintas",
    "sin comparar nombres: nacimiento o sexo incompatibles",
)
_UNCOMPARED = len(RULES) - 1
# Pairs per chunk of the chunked stages: bounds their temporaries, and chunks are what
# the threads share out (at least eight per comparison stage, of at least _MIN_CHUNK).
_CHUNK = 1 << 20
_MIN_CHUNK = 1 << 15


@dataclass(frozen=True)
class ScoredPair:
    """A scored record pair with its decision and explanation."""

    a: RecordKey
    b: RecordKey
    probability: float
    status: str  # link, review, non-link, cannot-link, judgement
    explanation: Explanation


@dataclass(frozen=True)
class StageTiming:
    """Wall and CPU seconds of one stage of link(), and the peak RSS reached by its end."""

    stage: str
    wall: float
    cpu: float
    peak_rss_mib: float


class _Stopwatch:
    """Collect StageTiming per stage: where a large run spends its time and memory."""

    def __init__(self) -> None:
        self.stages: list[StageTiming] = []
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        # ru_maxrss is KiB on Linux (the only platform the service runs on).
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stages.append(StageTiming(stage, wall - self._wall, cpu - self._cpu, peak))
        self._wall, self._cpu = wall, cpu


@dataclass
class LinkIndex:
    """What score_one needs: the stored table, its blocking keys, model and frequencies."""

    table: RecordTable
    blocking: BlockingIndex
    comparator: Comparator
    model: FellegiSunter
    tf: TermFrequencies
    settings: LinkageSettings


@dataclass
class LinkResult:
    """The outcome of linking: clusters, scored pairs, explanations, cases and statistics."""

    keys: list[RecordKey]
    labels: I64
    pair_a: I64
    pair_b: I64
    probability: F64
    status_code: I8
    rule_code: I8
    levels: I8
    table: RecordTable
    comparator: Comparator
    model: FellegiSunter
    term_frequencies: TermFrequencies
    parameters: ModelParameters
    blocking: list[BlockingStats]
    inferred: list[InferredLink]
    case_labels: dict[str, int]
    case_links: list[CaseLink]
    settings: LinkageSettings
    file_of: dict[RecordKey, str] = field(default_factory=dict)
    stages: list[StageTiming] = field(default_factory=list)

    @property
    def clusters(self) -> dict[RecordKey, int]:
        """Return the person cluster label of every record key."""
        return dict(zip(self.keys, self.labels.tolist(), strict=True))

    @property
    def case_clusters(self) -> dict[RecordKey, int]:
        """Return the case label of every record key."""
        return {k: self.case_labels[self.file_of[k]] for k in self.keys}

    def status(self, k: int) -> str:
        """Return the decision on pair k."""
        return STATUSES[int(self.status_code[k])]

    def explanation(self, k: int) -> Explanation:
        """Return the waterfall of pair k (recomputed: weights are not stored per pair)."""
        _, fw, tfa = self.model.score(
            self.levels[k : k + 1],
            self.comparator.tf_codes(self.table, self.pair_a[k : k + 1], self.levels[k : k + 1]),
            self.term_frequencies,
            self.settings.tf_weight_bounds,
        )
        return _explain(self.parameters, self.levels[k], fw[0], tfa[0], RULES[self.rule_code[k]])

    def pair(self, k: int) -> ScoredPair:
        """Return pair k as a ScoredPair."""
        return ScoredPair(
            self.keys[int(self.pair_a[k])],
            self.keys[int(self.pair_b[k])],
            float(self.probability[k]),
            self.status(k),
            self.explanation(k),
        )

    def pairs(self, min_probability: float = 0.0) -> list[ScoredPair]:
        """Return scored pairs at or above a probability."""
        return [self.pair(k) for k in np.flatnonzero(self.probability >= min_probability).tolist()]

    def doubtful(self) -> list[ScoredPair]:
        """Return pairs in the review band, for a human to judge."""
        review = STATUSES.index("review")
        return [self.pair(k) for k in np.flatnonzero(self.status_code == review).tolist()]


def _explain(
    params: ModelParameters, levels: I8, weights: F64, tf_adj: F64, rule: str | None
) -> Explanation:
    fields = tuple(
        FieldWeight(
            fp.name,
            fp.levels[int(lv)] if lv >= 0 else "missing",
            float(weights[c]),
            float(tf_adj[c]),
        )
        for c, (fp, lv) in enumerate(zip(params.fields, levels.tolist(), strict=True))
    )
    return Explanation(params.prior_log2_odds, fields, rule)


def _without_gc(fn: Callable[P, T]) -> Callable[P, T]:
    """Run fn with the cyclic garbage collector paused.

    link() builds hundreds of thousands of small objects (case files, pairs of files, links)
    next to millions of records: every collection then walks all of them, which cost more
    than the work itself at 1M rows. What link() builds has no reference cycles to reclaim.
    """

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return run


def _as_input(record: CommonRecord | LinkInput) -> LinkInput:
    return record if isinstance(record, LinkInput) else from_common(record)


class Linker:
    """Link person rows within and across systems; see link() and score_one()."""

    def __init__(self, settings: LinkageSettings | None = None) -> None:
        self.settings = settings or LinkageSettings()
        self.comparator = compile_comparisons(self.settings.comparisons)
        self.index: LinkIndex | None = None
        # The case files of the last link() (incremental runs start from them).
        self.case_files: dict[str, CaseFile] | None = None

    def link(
        self, records: Sequence[CommonRecord | LinkInput], *, judgements: Judgements | None = None
    ) -> LinkResult:
        """Link records into persons and cases; human judgements always win.

        Two passes: persons, then cases from them; then persons again with "same linked
        case" as one more comparison, cases again, and unidentified victims by elimination.
        """
        with threads(self.settings.thread_count()):
            return self._link(records, judgements=judgements)

    @_without_gc
    def _link(
        self, records: Sequence[CommonRecord | LinkInput], *, judgements: Judgements | None
    ) -> LinkResult:
        s = self.settings
        watch = _Stopwatch()
        inputs = [_as_input(r) for r in records]
        table = RecordTable(inputs)
        n = len(table)
        tf = TermFrequencies()
        tf.add(table)
        watch.lap("table")
        # Pure Python work that needs no pairs runs on the side thread from here on, beside
        # the NumPy stages, which release the GIL: the comparators' per-value strings, then
        # the case files and the case links that need no persons (prepare_cases).
        case_memo = CaseMemo()

        def prepare_case_linkage() -> dict[str, CaseFile]:
            files = case_files(inputs)
            prepare_cases(inputs, files, case_memo)
            return files

        prepared = beside(lambda: self.comparator.prepare(table))
        files_ready = beside(prepare_case_linkage)
        blocking = BlockingIndex(table, s.blocking, s.max_block_size, s.split_block_size)
        a, b, stats = blocking.pairs(max(n, 1))
        a, b, ka, kb = self._drop_hopeless(table, a, b)
        watch.lap("blocking")
        prepared.result()
        rng = np.random.default_rng(s.seed)
        size = min(s.random_pairs_for_u, n * 4)
        ra, rb = rng.integers(0, max(n, 1), size), rng.integers(0, max(n, 1), size)
        ra, rb = ra[ra != rb], rb[ra != rb]
        # The known non-matches and the random pairs are compared whole, beside the chunks.
        known_ready = submit(lambda: self.comparator.compare(table, ka, table, kb)[0])
        rand_ready = submit(lambda: self.comparator.compare(table, ra, table, rb)[0])
        levels, compared = self._compare_chunked(table, a, b)
        everything = bool(compared.all())
        known_levels, rand_levels = known_ready.result(), rand_ready.result()
        judged = self._judgement_pairs(table, judgements or {})
        watch.lap("compare")
        # The constraints read the document level and the table, which the passes keep.
        constraints_ready = submit(lambda: self._constraints(table, a, b, levels))
        scored = np.flatnonzero(compared)
        tf_codes = self._tf_codes(table, a, levels, scored)
        del scored
        constraint_rules = constraints_ready.result()
        case_col = next(
            (k for k, c in enumerate(self.comparator.comparisons) if c.spec.kind == "case_context"),
            None,
        )
        passes = 1 if case_col is None else 2
        case_labels: dict[str, int] = {}
        files: dict[str, CaseFile] | None = None
        for step in range(passes):
            if step == 1 and case_col is not None:
                # Case of each row through its file's code: a lookup per file, not per row.
                case_of_code = np.full(len(table.other.values), -1, dtype=np.int32)
                code_of = table.other.index
                for f, lab in case_labels.items():
                    case_of_code[code_of[f]] = lab
                table.case = case_of_code[table.file]
                # Victims of one linked case that blocking never paired (typos in both
                # surnames, swapped surnames) are compared now: the case makes them candidates.
                xa, xb = self._case_pairs(table, a, b)
                if len(xa):
                    # Appended after the first pass's pairs, so the tf codes of the compared
                    # pairs (in pair order) and the constraints extend the same way.
                    x_levels, x_compared = self._compare_chunked(table, xa, xb)
                    x_tf = self._tf_codes(table, xa, x_levels, np.flatnonzero(x_compared))
                    tf_codes = {c: np.concatenate([v, x_tf[c]]) for c, v in tf_codes.items()}
                    constraint_rules = np.concatenate(
                        [constraint_rules, self._constraints(table, xa, xb, x_levels)]
                    )
                    a, b = np.concatenate([a, xa]), np.concatenate([b, xb])
                    levels = np.concatenate([levels, x_levels])
                    compared = np.concatenate([compared, x_compared])
                    everything = bool(compared.all())
                for lv, x, y in ((levels, a, b), (known_levels, ka, kb), (rand_levels, ra, rb)):
                    lv[:, case_col] = self._case_levels(table, x, y)
                watch.lap("case levels")
            model = FellegiSunter(self.comparator.comparisons)
            total_pairs = n * (n - 1) / 2
            # EM and scores over the compared pairs; the others stand with the random pairs
            # for the pairs blocking did not propose.
            # np.compress copies whole rows: a tenth of the time of levels[compared] here.
            fit_levels = levels if everything else np.compress(compared, levels, axis=0)
            params = model.fit(
                fit_levels,
                random_levels=rand_levels,
                random_weight=max(total_pairs - len(fit_levels), 0.0) / max(len(ra), 1),
                nonmatch_levels=known_levels,
                sessions=self._sessions(),
                prior=min(s.prior_match, max(n, 1) / max(total_pairs, 1.0)),
                iterations=s.em_iterations,
                tolerance=s.em_tolerance,
            )
            watch.lap(f"EM {step + 1}")
            prob = np.zeros(len(a), dtype=np.float64)
            prob[compared] = self._score_chunked(model, fit_levels, tf_codes, tf)
            del fit_levels
            rules = constraint_rules.copy()
            status = self._decide(prob, rules, compared)
            watch.lap(f"score {step + 1}")
            if judged:
                # The judged pairs among the candidates, found by code: a dict of every pair
                # would hold tens of millions of tuples at national scale.
                judged_codes = np.array(sorted(i * n + j for i, j in judged), dtype=np.int64)
                hits = np.flatnonzero(member_of_sorted(a * n + b, judged_codes))
                for k, i, j in zip(hits.tolist(), a[hits].tolist(), b[hits].tolist(), strict=True):
                    same = judged[(i, j)]
                    prob[k] = 1.0 if same else 0.0
                    status[k] = 4
                    rules[k] = 4 if same else 5
            negatives = {pair for pair, same in judged.items() if not same}
            roots, _ = cluster_pairs(
                n,
                a,
                b,
                prob,
                threshold=s.match_probability,
                mean_threshold=s.cluster_mean_probability,
                veto_probability=s.cluster_veto_probability,
                cannot_link=self._cannot_link(table, negatives),
                cannot_link_many=self._cannot_link_many(table, negatives),
                must_link=[p for p, same in judged.items() if same],
                explain=False,
            )
            watch.lap(f"cluster {step + 1}")
            if files is None:
                files = files_ready.result()
            case_labels, case_links = link_cases(
                inputs, roots.tolist(), files=files, memo=case_memo
            )
            watch.lap(f"cases {step + 1}")
        inferred, merges = infer_by_elimination(inputs, roots.tolist(), case_links, case_labels)
        labels = _apply_merges(roots, merges)
        watch.lap("infer")
        self.index = LinkIndex(table, blocking, self.comparator, model, tf, s)
        self.case_files = files
        return LinkResult(
            keys=[r.key for r in inputs],
            labels=labels,
            pair_a=a,
            pair_b=b,
            probability=prob,
            status_code=status,
            rule_code=rules,
            levels=levels,
            table=table,
            comparator=self.comparator,
            model=model,
            term_frequencies=tf,
            parameters=params,
            blocking=stats,
            inferred=inferred,
            case_labels=case_labels,
            case_links=case_links,
            settings=s,
            file_of={r.key: r.file for r in inputs},
            stages=watch.stages,
        )

    def score_one(
        self,
        record: CommonRecord | LinkInput,
        against: LinkIndex | None = None,
        *,
        remember: bool = False,
    ) -> list[ScoredPair]:
        """Score one new record against the stored index, best candidates first.

        With remember=True the record's names join the term frequencies, so that they stay
        current as records arrive (the blocking index itself is rebuilt by the next link()).
        """
        index = against or self.index
        if index is None:
            raise RuntimeError("link() must run before score_one()")
        rec = _as_input(record)
        new = index.table.sibling([rec])
        if remember:
            index.tf.add(new)
        cand = index.blocking.candidates(new)
        cand = cand[~index.table.unidentified[cand]] if not rec.document else cand
        if len(cand) == 0:
            return []
        zeros = np.zeros(len(cand), dtype=np.int64)
        levels, tf_codes = index.comparator.compare(new, zeros, index.table, cand)
        log2_odds, fw, tfa = index.model.score(
            levels, tf_codes, index.tf, index.settings.tf_weight_bounds
        )
        assert index.model.parameters is not None
        order = np.argsort(-log2_odds)
        out: list[ScoredPair] = []
        for k in order.tolist():
            expl = _explain(index.model.parameters, levels[k], fw[k], tfa[k], None)
            p = expl.probability
            st = (
                "link"
                if p >= index.settings.match_probability
                else "review"
                if p >= index.settings.review_low
                else "non-link"
            )
            out.append(ScoredPair(rec.key, index.table.records[int(cand[k])].key, p, st, expl))
        return out

    def _compare_chunked(
        self, table: RecordTable, a: I64, b: I64, chunk: int | None = None
    ) -> tuple[I8, npt.NDArray[np.bool_]]:
        """Compare pairs in chunks, keeping only the levels (tf codes follow from them).

        With settings.skip_incompatible, pairs that Comparator.incompatible rules out get
        only their integer levels (names and documents read missing) and compared=False.
        """
        width = len(self.comparator.comparisons)
        levels = np.empty((len(a), width), dtype=np.int8)
        compared = np.ones(len(a), dtype=bool)
        cmp = self.comparator
        cmp.prepare(table)
        # Chunks of at most 1 M pairs bound the temporaries; at least eight of them keep
        # every thread busy to the end.
        chunk = chunk or max(_MIN_CHUNK, min(_CHUNK, -(-len(a) // 8)))

        def run(lo: int) -> None:
            # Each chunk writes its own rows of levels and compared: no two threads overlap.
            hi = min(lo + chunk, len(a))
            x, y = a[lo:hi], b[lo:hi]
            if not self.settings.skip_incompatible:
                levels[lo:hi] = cmp.compare(table, x, table, y)[0]
                return
            cheap = cmp.cheap_levels(table, x, table, y)
            skip = cmp.incompatible(table, x, table, y, cheap)
            full = np.flatnonzero(~skip)
            part = levels[lo:hi]
            part[full] = cmp.compare(table, x[full], table, y[full], cheap[full])[0]
            part[skip] = cheap[skip]
            compared[lo:hi] = ~skip

        tmap(run, range(0, len(a), chunk))
        return levels, compared

    def _tf_codes(self, table: RecordTable, a: I64, levels: I8, rows: I64) -> dict[int, I32]:
        """Return the tf codes of the pairs at rows per name column, in chunks.

        Once per run: they follow from the name levels, which the second pass keeps.
        """
        cols = [k for k, c in enumerate(self.comparator.comparisons) if c.spec.term_frequency]
        out = {c: np.empty(len(rows), dtype=np.int32) for c in cols}
        chunk = _CHUNK

        def run(lo: int) -> None:
            k = rows[lo : lo + chunk]
            codes = self.comparator.tf_codes(table, a[k], levels[k])
            for c in cols:
                out[c][lo : lo + len(k)] = codes[:, c]

        tmap(run, range(0, len(rows), chunk))
        return out

    def _score_chunked(
        self,
        model: FellegiSunter,
        levels: I8,
        tf_codes: dict[int, I32],
        tf: TermFrequencies,
    ) -> F64:
        """Calibrate term frequencies, then return the match probability of all pairs."""
        chunk = _CHUNK
        model.calibrate_tf_columns({c: x[x > 0] for c, x in tf_codes.items()}, tf)
        size = 1 + max((int(x.max(initial=0)) for x in tf_codes.values()), default=0)
        adjust = model.tf_adjustments(tf, self.settings.tf_weight_bounds, size)
        out = np.empty(len(levels), dtype=np.float64)

        def run(lo: int) -> None:
            hi = min(lo + chunk, len(levels))
            part = {c: x[lo:hi] for c, x in tf_codes.items()}
            log2_odds = model.score_levels(levels[lo:hi], part, adjust)
            out[lo:hi] = 1.0 / (1.0 + np.exp2(-np.clip(log2_odds, -60, 60)))

        tmap(run, range(0, len(levels), chunk))
        return out

    def _decide(self, prob: F64, rules: I8, compared: npt.NDArray[np.bool_]) -> I8:
        """Return each pair's status; zero the probability of forbidden pairs, mark uncompared.

        prob and rules are updated in place (full and incremental runs decide alike).
        """
        s = self.settings
        forbidden = rules > 0
        status = np.where(
            prob >= s.match_probability, 2, np.where(prob >= s.review_low, 1, 0)
        ).astype(np.int8)
        prob[forbidden] = 0.0
        status[forbidden] = 3
        # Kept at probability 0 rather than dropped: they still veto merges in clustering.
        rules[~compared & ~forbidden] = _UNCOMPARED
        return status

    @staticmethod
    def _case_pairs(table: RecordTable, a: I64, b: I64, max_rows: int = 40) -> tuple[I64, I64]:
        """Return the named victim pairs of one linked case, across files, not yet in (a, b)."""
        n = len(table)
        rows = np.flatnonzero(
            table.victim & ~table.unidentified & (table.case >= 0) & (table.file > 0)
        )
        case = table.case.astype(np.int64)
        size = np.bincount(case[rows], minlength=1)
        rows = rows[size[case[rows]] <= max_rows]  # a sprawling case says little about a pair
        x, y = components_pairs(rows, case)
        keep = table.file[x] != table.file[y]
        x, y = x[keep], y[keep]
        x, y = np.minimum(x, y), np.maximum(x, y)
        code = x * n + y
        inside = (table.case[a] == table.case[b]) & (table.case[a] >= 0)
        new = ~isin_sorted(code, a[inside] * n + b[inside])
        return x[new], y[new]

    @staticmethod
    def _case_levels(table: RecordTable, x: I64, y: I64) -> I8:
        ca, cb = table.case[x], table.case[y]
        lv = np.asarray(ca == cb, dtype=np.int8)
        lv[(ca < 0) | (cb < 0) | (table.police[x] & table.police[y])] = -1
        return lv

    def _sessions(self) -> list[tuple[Selector, frozenset[int]]]:
        """EM sessions for m: pairs sharing a document, then pairs sharing both surnames."""
        cols = {c.spec.kind: k for k, c in enumerate(self.comparator.comparisons)}
        out: list[tuple[Selector, frozenset[int]]] = []
        if "document" in cols:
            doc = cols["document"]

            def same_document(levels: I8) -> npt.NDArray[np.bool_]:
                return np.asarray(levels[:, doc] == levels[:, doc].max(initial=0))

            out.append((same_document, frozenset({doc})))
        sur = [cols[k] for k in ("paternal", "maternal") if k in cols]
        if sur:
            tops = [(c, len(self.comparator.comparisons[c].levels) - 1) for c in sur]

            def same_surnames(levels: I8) -> npt.NDArray[np.bool_]:
                top = np.ones(len(levels), dtype=bool)
                for c, exact in tops:
                    top &= levels[:, c] == exact
                return top

            out.append((same_surnames, frozenset(sur)))
        return out

    @staticmethod
    def _drop_hopeless(table: RecordTable, a: I64, b: I64) -> tuple[I64, I64, I64, I64]:
        """Split off pairs the constraints forbid: named same-file pairs are known non-matches."""
        keep = np.empty(len(a), dtype=bool)
        known = np.empty(len(a), dtype=bool)

        def run(lo: int) -> None:
            x, y = a[lo : lo + _CHUNK], b[lo : lo + _CHUNK]
            same_doc = (table.document[x] == table.document[y]) & (table.document[x] > 0)
            unident = table.unidentified[x] | table.unidentified[y]
            same_file = (table.file[x] == table.file[y]) & (table.file[x] > 0)
            part = same_doc | (~unident & ~same_file)
            keep[lo : lo + len(x)] = part
            known[lo : lo + len(x)] = ~part & ~unident

        tmap(run, range(0, len(a), _CHUNK))
        return a[keep], b[keep], a[known], b[known]

    def _constraints(self, table: RecordTable, a: I64, b: I64, levels: I8) -> I8:
        """Return the code of the rule (RULES) that forbids each pair, 0 when none does."""
        cols = {c.spec.kind: k for k, c in enumerate(self.comparator.comparisons)}
        codes = np.zeros(len(a), dtype=np.int8)
        same_doc = (table.document[a] == table.document[b]) & (table.document[a] > 0)
        codes[(table.unidentified[a] | table.unidentified[b]) & ~same_doc] = 3
        if "document" in cols:
            doc = levels[:, cols["document"]]
            codes[table.document_is_dni[a] & table.document_is_dni[b] & (doc == 0)] = 2
        same_file = (table.file[a] == table.file[b]) & (table.file[a] > 0)
        codes[same_file & ~(same_doc & (table.given[a] == table.given[b]))] = 1
        return codes

    @staticmethod
    def _judgement_pairs(table: RecordTable, judgements: Judgements) -> dict[tuple[int, int], bool]:
        out: dict[tuple[int, int], bool] = {}
        for (ka, kb), same in judgements.items():
            i, j = table.key_index.get(ka), table.key_index.get(kb)
            if i is not None and j is not None and i != j:
                out[(min(i, j), max(i, j))] = same
        return out

    @staticmethod
    def _cannot_link(table: RecordTable, negatives: set[tuple[int, int]]):  # type: ignore[no-untyped-def]
        file, doc, dni, given = table.file, table.document, table.document_is_dni, table.given
        minor = table.minor
        docs = table.other.values

        def cannot(i: int, j: int) -> bool:
            if (min(i, j), max(i, j)) in negatives:
                return True
            same_doc = doc[i] == doc[j] and doc[i] > 0
            if file[i] == file[j] and file[i] > 0 and not (same_doc and given[i] == given[j]):
                return True
            # A minor may carry a relative's DNI in one system and their own in the other.
            return bool(
                not minor[i]
                and not minor[j]
                and dni[i]
                and dni[j]
                and not same_doc
                and doc_distance(docs[doc[i]], docs[doc[j]]) > 2
            )

        return cannot

    @staticmethod
    def _cannot_link_many(table: RecordTable, negatives: set[tuple[int, int]]):  # type: ignore[no-untyped-def]
        """Return _cannot_link over arrays of pairs: the same answers, pair by pair."""
        file, doc, dni, given = table.file, table.document, table.document_is_dni, table.given
        minor = table.minor
        docs = table.other.values
        n = len(table)
        judged = np.array(sorted(i * n + j for i, j in negatives), dtype=np.int64)

        def cannot(x: I64, y: I64) -> npt.NDArray[np.bool_]:
            same_doc = (doc[x] == doc[y]) & (doc[x] > 0)
            out: npt.NDArray[np.bool_] = (
                (file[x] == file[y]) & (file[x] > 0) & ~(same_doc & (given[x] == given[y]))
            )
            if len(judged):
                out |= member_of_sorted(np.minimum(x, y) * n + np.maximum(x, y), judged)
            # Edit distances only for the few pairs of two adults' different DNIs left.
            ask = np.flatnonzero(~out & ~minor[x] & ~minor[y] & dni[x] & dni[y] & ~same_doc)
            if len(ask):
                dx, dy = doc[x[ask]].tolist(), doc[y[ask]].tolist()
                out[ask] = [doc_distance(docs[p], docs[q]) > 2 for p, q in zip(dx, dy, strict=True)]
            return out

        return cannot


def _apply_merges(roots: I64, merges: list[tuple[int, int]]) -> I64:
    """Merge clusters for inferred links and relabel each cluster by its smallest row."""
    labels = merge_labels(roots, ((int(roots[i]), int(roots[j])) for i, j in merges))
    # Canonical label: the smallest row index in the cluster, independent of merge order.
    first = np.full(len(labels) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(labels), dtype=np.int64))
    return first[labels]

"""Case linkage (police complaint + prosecutor files) and unidentified victims by elimination."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from app.matching.arrays import isin_sorted, unique_sorted
from app.matching.clustering import components, components_pairs
from app.matching.records import LinkInput, RecordKey

__all__ = [
    "CaseFile",
    "CaseLink",
    "CaseMemo",
    "InferredLink",
    "infer_by_elimination",
    "link_cases",
    "prepare_cases",
]

_MAX_DAYS_TO_PROSECUTOR = 730
_YEAR = 365.2425
_ELIMINATION_ROUNDS = 4  # passes over all cases while inferred links explain more


@dataclass
class CaseFile:
    """One police complaint or prosecutor file, with what identifies it as part of a case."""

    key: str
    system: str
    opened: dt.date
    refs: set[str] = field(default_factory=set)
    facts_dates: set[date] = field(default_factory=set)
    facts_places: set[str] = field(default_factory=set)
    rows: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class CaseLink:
    """Two files judged to belong to one case, with the evidence used."""

    file_a: str
    file_b: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class InferredLink:
    """A victim link found by elimination inside a linked case; reviewable."""

    a: RecordKey
    b: RecordKey
    case_files: tuple[str, str]
    reasoning: str


def case_files(records: Sequence[LinkInput]) -> dict[str, CaseFile]:
    """Return the police complaints and prosecutor files of records, by file key."""
    return _files(records)


def _files(records: Sequence[LinkInput]) -> dict[str, CaseFile]:
    files: dict[str, CaseFile] = {}
    for i, rec in enumerate(records):
        key = rec.file
        if not key:
            continue  # a plain person list has no case files
        ref_date = rec.reference_date or date.min
        cf = files.get(key)
        if cf is None:
            cf = files[key] = CaseFile(key, rec.key[0], ref_date)
        elif ref_date < cf.opened:
            cf.opened = ref_date
        if rec.complaint_ref:
            cf.refs.add(rec.complaint_ref)
        if rec.facts_date:
            cf.facts_dates.add(rec.facts_date)
        if rec.ubigeo_facts:
            cf.facts_places.add(rec.ubigeo_facts)
        cf.rows.append(i)
    return files


_Base = tuple[float, list[str], float, list[str]] | None


@dataclass
class CaseMemo:
    """What link_cases computes independently of persons, kept by the caller between passes.

    base: the evidence of each file pair examined; static: the file pairs proposed by a
    complaint number or by the date and place of the facts (the same in every pass), and
    which of them link on that evidence alone, with min_score they were judged at.
    """

    base: dict[int, _Base] = field(default_factory=dict)  # by pair code (see link_cases)
    static: npt.NDArray[np.int64] | None = None
    static_links: list[CaseLink] = field(default_factory=list)
    min_score: float | None = None
    # The files' positions in name order, and of each row with a file, for the files below.
    of_files: dict[str, CaseFile] | None = None
    names: list[str] = field(default_factory=list)
    in_order: list[CaseFile] = field(default_factory=list)  # the files, in name order
    rows: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    row_file: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    listed: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    static_codes: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Judged pairs of files sharing persons: (first, second, shared) -> its link, or None.
    shared: dict[tuple[int, int, int], CaseLink | None] = field(default_factory=dict)


def _evidence_base(x: CaseFile, y: CaseFile) -> _Base:
    """The evidence that does not depend on linked persons: None when the dates rule it out.

    Returns (score, reasons) of the complaint number, then of the facts' date and place.
    """
    if x.system == "RETA" and y.system == "RETA":
        return None
    first, second = (x, y) if x.system == "RETA" or x.opened <= y.opened else (y, x)
    gap = (second.opened - first.opened).days
    if x.system == "RETA" or y.system == "RETA":
        if not -30 <= gap <= _MAX_DAYS_TO_PROSECUTOR:
            return None
    elif abs(gap) > _MAX_DAYS_TO_PROSECUTOR:
        return None
    ref_score = 0.0
    ref_reasons: list[str] = []
    common = x.refs & y.refs
    if common:
        ref_score += 2.0
        ref_reasons.append(f"número de denuncia {min(common)}")
    score = 0.0
    reasons: list[str] = []
    if x.facts_dates and y.facts_dates:
        closest = min(abs((p - q).days) for p in x.facts_dates for q in y.facts_dates)
        if closest == 0:
            score += 2.0
            reasons.append("misma fecha de hechos")
        elif closest > 60:
            score -= 2.0
    if x.facts_places and y.facts_places:
        if x.facts_places & y.facts_places:
            score += 1.0
            reasons.append("mismo distrito de hechos")
        elif not {p[:2] for p in x.facts_places} & {p[:2] for p in y.facts_places}:
            score -= 2.0
    return ref_score, ref_reasons, score, reasons


def _evidence(
    x: CaseFile, y: CaseFile, shared: int, base: _Base | bool = False
) -> tuple[float, list[str]]:
    """Score how strongly two files are one case; positive reasons and penalties."""
    parts = _evidence_base(x, y) if base is False else base
    if parts is None or parts is True:
        return 0.0, []
    ref_score, ref_reasons, rest_score, rest_reasons = parts
    score = ref_score + rest_score
    reasons = list(ref_reasons)
    if shared:
        score += 2.0 * min(shared, 2)
        reasons.append(f"{shared} persona(s) en común")
    return score, reasons + rest_reasons


def prepare_cases(
    records: Sequence[LinkInput],
    files: dict[str, CaseFile] | None = None,
    memo: CaseMemo | None = None,
    *,
    min_score: float = 3.0,
) -> CaseMemo:
    """Return the memo of what link_cases finds without persons (files, proposed pairs).

    Pure Python that depends on records alone: a caller may run it early, e.g. in a thread
    while NumPy compares persons, and pass the memo (and files) to link_cases.
    """
    memo = memo if memo is not None else CaseMemo()
    files = files if files is not None else _files(records)
    if memo.of_files is not files:
        memo.of_files, memo.shared, memo.base = files, {}, {}
        memo.names = sorted(files)
        memo.in_order = [files[k] for k in memo.names]
        where = {k: n for n, k in enumerate(memo.names)}
        rows = [i for i, rec in enumerate(records) if rec.file]
        memo.rows = np.asarray(rows, dtype=np.int64)
        memo.row_file = np.fromiter(
            (where[records[i].file] for i in rows), dtype=np.int64, count=len(rows)
        )
        memo.listed = np.fromiter((where[k] for k in files), dtype=np.int64, count=len(files))
        memo.static = None
    names, n_files = memo.names, max(len(memo.names), 1)
    in_order = memo.in_order
    if memo.static is None or memo.min_score != min_score:
        memo.static = _static_candidates(in_order)
        memo.min_score = min_score
        memo.static_links = []
        kept: list[int] = []
        for code in memo.static.tolist():
            fi, fj = divmod(code, n_files)
            score, reasons = _evidence(in_order[fi], in_order[fj], 0, _base(memo, code, n_files))
            if score >= min_score:
                memo.static_links.append(CaseLink(names[fi], names[fj], score, tuple(reasons)))
                kept.append(code)
        memo.static_codes = np.asarray(kept, dtype=np.int64)
    return memo


def link_cases(
    records: Sequence[LinkInput],
    person: Sequence[int],
    *,
    min_score: float = 3.0,
    files: dict[str, CaseFile] | None = None,
    memo: CaseMemo | None = None,
) -> tuple[dict[str, int], list[CaseLink]]:
    """Group files into cases by complaint number, shared persons, date and place.

    files: the case files of records (case_files(records)), when the caller already has them;
    memo: person-independent evidence of file pairs, kept by the caller between passes.
    """
    memo = prepare_cases(records, files, memo, min_score=min_score)
    assert memo.of_files is not None
    files = memo.of_files
    names, n_files = memo.names, max(len(memo.names), 1)
    in_order = memo.in_order
    # The files of each person (at most 50: a larger cluster says little), paired in name
    # order, and how many persons each pair of files shares.
    persons = np.asarray(person, dtype=np.int64)[memo.rows]
    held = unique_sorted(persons * n_files + memo.row_file)
    who, file_of = held // n_files, held % n_files
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    count = np.diff(np.r_[starts, len(held)])
    several = np.repeat((count > 1) & (count <= 50), count)
    left, right = components_pairs(np.flatnonzero(several), who)
    pair_codes, n_shared = np.unique(file_of[left] * n_files + file_of[right], return_counts=True)
    # A pair of files sharing persons is scored with them; any other proposed pair links on
    # its person-independent evidence alone, as judged once in the memo.
    alone = ~isin_sorted(memo.static_codes, pair_codes)
    links = [lk for lk, keep in zip(memo.static_links, alone.tolist(), strict=True) if keep]
    codes = memo.static_codes[alone].tolist()
    judged = memo.shared
    for code, k in zip(pair_codes.tolist(), n_shared.tolist(), strict=True):
        fi, fj = divmod(code, n_files)
        key = (fi, fj, k)
        if key in judged:
            link = judged[key]
        else:
            score, reasons = _evidence(in_order[fi], in_order[fj], k, _base(memo, code, n_files))
            link = judged[key] = (
                CaseLink(names[fi], names[fj], score, tuple(reasons))
                if score >= min_score
                else None
            )
        if link is not None:
            links.append(link)
            codes.append(code)
    # Name order of (file_a, file_b) is code order: the files are numbered in name order.
    order = np.argsort(np.asarray(codes, dtype=np.int64), kind="stable").tolist()
    links = [links[k] for k in order]
    pairs = np.asarray(codes, dtype=np.int64)
    comp = components(n_files, pairs // n_files, pairs % n_files)[memo.listed]
    # Cases are numbered in the order their first file was met.
    _, first = np.unique(comp, return_index=True)
    rank = np.empty(n_files, dtype=np.int64)
    rank[comp[np.sort(first)]] = np.arange(len(first), dtype=np.int64)
    labels = dict(zip(files, rank[comp].tolist(), strict=True))
    return labels, links


def _base(memo: CaseMemo, code: int, n_files: int) -> _Base:
    """Return the person-independent evidence of the file pair code, computed once."""
    try:
        return memo.base[code]
    except KeyError:
        fi, fj = divmod(code, n_files)
        found = memo.base[code] = _evidence_base(memo.in_order[fi], memo.in_order[fj])
        return found


def _static_candidates(in_order: Sequence[CaseFile]) -> npt.NDArray[np.int64]:
    """Return the file pairs proposed by a complaint number or the facts' date and place.

    Files are numbered by their position in in_order (name order); a pair (i, j), i < j, is
    the code i * len(in_order) + j; the codes come sorted, each once.
    """
    n_files = max(len(in_order), 1)
    by_ref: dict[str, list[int]] = defaultdict(list)
    for n, cf in enumerate(in_order):
        for ref in cf.refs:
            # Complaint numbers restart per police unit: "1-2016" alone matches hundreds of
            # files, so pair files only within a department of the facts.
            for dept in {p[:2] for p in cf.facts_places} or {""}:
                by_ref[f"{ref}|{dept}"].append(n)
    # Each group of files that proposes its pairs: its number, and its files, row by row.
    group_of: dict[object, int] = {}
    group: list[int] = []
    member: list[int] = []
    # Without shared persons a pair links only on a complaint number with the same date or
    # district of the facts, or on both of those (see _evidence): within a complaint number's
    # group, propose only files that also share a date or a district. Groups grow with the
    # register, so this keeps the pairs proposed (and judged) near those that can link.
    for ref_key, keys in by_ref.items():
        if 1 < len(keys) <= 200:
            for n in keys:
                cf = in_order[n]
                for d in cf.facts_dates:
                    group.append(group_of.setdefault((ref_key, "date", d), len(group_of)))
                    member.append(n)
                for place in cf.facts_places:
                    group.append(group_of.setdefault((ref_key, "place", place), len(group_of)))
                    member.append(n)
    del by_ref
    # Same date and district of the facts: specific enough to propose a pair of files.
    by_facts: dict[tuple[date, str], list[int]] = defaultdict(list)
    for n, cf in enumerate(in_order):
        for d in cf.facts_dates:
            for place in cf.facts_places:
                by_facts[(d, place)].append(n)
    for keys in by_facts.values():
        if 1 < len(keys) <= 200:
            g = len(group_of)
            group_of[g] = g  # a number of its own (no key of by_ref's is an int)
            group.extend([g] * len(keys))
            member.extend(keys)
    del by_facts, group_of
    files = np.asarray(member, dtype=np.int64)
    x, y = components_pairs(np.arange(len(files), dtype=np.int64), np.asarray(group, np.int64))
    fi, fj = files[x], files[y]
    # Two police complaints never score (_evidence): pair only with a prosecutor file.
    police = np.fromiter((cf.system == "RETA" for cf in in_order), dtype=bool, count=len(in_order))
    keep = (fi != fj) & ~(police[fi] & police[fj])
    fi, fj = fi[keep], fj[keep]
    return unique_sorted(np.minimum(fi, fj) * n_files + np.maximum(fi, fj))


def _birth_range(r: LinkInput) -> tuple[float, float] | None:
    if r.birth_date:
        d = float(r.birth_date.toordinal())
        return d, d
    if r.age is not None and r.reference_date is not None:
        ref = r.reference_date.toordinal()
        return ref - (r.age + 1) * _YEAR, ref - r.age * _YEAR
    if r.minor and r.reference_date is not None:
        # "MENOR" without an age: born within the 18 years before the record.
        ref = r.reference_date.toordinal()
        return ref - 18 * _YEAR, float(ref)
    return None


def infer_by_elimination(
    records: Sequence[LinkInput],
    person: Sequence[int],
    links: Sequence[CaseLink],
    case_of_file: dict[str, int],
) -> tuple[list[InferredLink], list[tuple[int, int]]]:
    """Link an unidentified victim to the one unexplained victim on the other side of a case.

    Sides are pairs of linked prosecutor files, then the police rows and the prosecutor rows
    of a linked case (all its files). A victim is explained when the same person appears on
    the other side. An unidentified victim u and an unexplained victim c on the other side
    are one person when c is the only unexplained victim compatible with u (sex, age,
    nationality) and no other victim on u's side may be c (a named one only when c is
    unidentified: the linker already compared two names). Among several compatible, the
    only one of exactly u's age is taken when no other victim may be of c's age. Then the
    leftovers are paired (_pairings): a pair found in every pairing that gives each leftover
    of the smaller side a partner is certain; the rest of the closest-age pairing is taken
    for review when both sides are left with as many, or, between the police and the
    prosecutor, when not. All groups are gone through again while that explains more
    victims (a link in one group leaves fewer leftovers in another).
    """
    alias: dict[int, int] = {}

    def label(i: int) -> int:
        lab = person[i]
        if lab not in alias:
            return lab
        path = []
        while lab in alias:
            path.append(lab)
            lab = alias[lab]
        for p in path:  # path compression: chains grow with every inferred merge
            alias[p] = lab
        return lab

    compatible = _Compatibility(records)
    unidentified = [rec.unidentified for rec in records]
    groups: list[tuple[list[int], list[int], str, tuple[str, str]]] = []
    victims = [i for i, rec in enumerate(records) if rec.role == "victim" and rec.file]
    # Only a group with an unidentified victim can infer a link (every inference pairs one):
    # the files and cases of those victims are all that is gone through; most have none.
    files_u = {records[i].file for i in victims if unidentified[i]}
    cases_u = {case_of_file[f] for f in files_u}
    pairs_u = [
        lk
        for lk in links
        if not (lk.file_a.startswith("RETA") or lk.file_b.startswith("RETA"))
        and (lk.file_a in files_u or lk.file_b in files_u)
    ]
    wanted = {f for lk in pairs_u for f in (lk.file_a, lk.file_b)}
    wanted.update(f for f, c in case_of_file.items() if c in cases_u)
    by_case: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    by_file: dict[str, list[int]] = defaultdict(list)
    for i in victims:
        rec = records[i]
        if rec.file in wanted:
            by_file[rec.file].append(i)
            case = case_of_file[rec.file]
            if case in cases_u:
                by_case[case][0 if rec.system == "RETA" else 1].append(i)
    reasons: dict[int, list[str]] = defaultdict(list)
    for lk in links:
        case = case_of_file[lk.file_a]
        if case in cases_u:
            reasons[case].extend(lk.reasons)
    # Pairs of prosecutor files first: a victim named in one file and unidentified in another
    # is one person there, and must not be taken for an unexplained police victim first.
    for lk in pairs_u:
        groups.append(
            (by_file[lk.file_a], by_file[lk.file_b], "; ".join(lk.reasons), (lk.file_a, lk.file_b))
        )
    for case, (police, prosecutor) in by_case.items():
        if police and prosecutor:
            why = "; ".join(dict.fromkeys(reasons[case]))
            groups.append((police, prosecutor, why, ("policía", "fiscalía")))

    def leftovers(side_a: list[int], side_b: list[int]) -> tuple[list[int], list[int]]:
        """The unexplained victims of each side, one row per person."""
        labels_a = {label(i) for i in side_a}
        labels_b = {label(i) for i in side_b}
        left_a = _one_per_person([i for i in side_a if label(i) not in labels_b], label)
        left_b = _one_per_person([i for i in side_b if label(i) not in labels_a], label)
        return left_a, left_b

    out: list[InferredLink] = []
    merges: list[tuple[int, int]] = []

    def infer(x: int, y: int, text: str) -> None:
        """Make x's person y's and record the inferred link with its reasoning."""
        alias[label(x)] = label(y)
        merges.append((x, y))
        rx, ry = records[x], records[y]
        out.append(InferredLink(rx.key, ry.key, (rx.file, ry.file), text))

    pending = groups
    for _ in range(_ELIMINATION_ROUNDS):
        before = len(merges)
        for side_a, side_b, why, names in pending:
            left_a, left_b = leftovers(side_a, side_b)
            on_a = set(left_a)
            while left_a and left_b:
                found: tuple[int, int] | None = None
                by_age = False
                for u in [i for i in left_a + left_b if unidentified[i]]:
                    side, other = (left_a, left_b) if u in on_a else (left_b, left_a)
                    c, by_age = compatible.only(u, other)
                    if c < 0:
                        continue
                    # Rivals: other victims on u's side that may be c as well; a named one
                    # only when c is unidentified (else the linker compared their names).
                    rivals = (
                        x
                        for x in side
                        if (unidentified[x] or unidentified[c])
                        and x != u
                        and compatible(x, c)
                        and (not by_age or compatible.exact(x, c) is not False)
                    )
                    if next(rivals, None) is None:
                        found = u, c
                        break
                if found is None:
                    break
                u, c = found
                text = (
                    f"Caso vinculado ({why}): la víctima no identificada {records[u].key[1]} y "
                    f"{records[c].key[1]} son las únicas víctimas sin pareja compatibles entre "
                    f"{names[0]} y {names[1]} "
                    + (
                        "(sexo compatible y la misma edad; otras de edad cercana, revisar)."
                        if by_age
                        else "(sexo y edad compatibles)."
                    )
                )
                infer(u, c, text)
                # Both are explained now, and no one else changes: u and c were the only rows
                # of their persons among the leftovers, and neither person was on the other side.
                (left_a if u in on_a else left_b).remove(u)
                (left_b if u in on_a else left_a).remove(c)
                on_a.discard(u)
            # Pairings: each leftover of the side with fewer is someone on the other side (a
            # victim compatible with no one there is not, and is set aside). A pair found in
            # every such pairing is certain. The others of the pairing with the closest ages
            # are taken for review: the number of persons is certain, not who is whom. Between
            # prosecutor files, only when both are left with as many victims (a later file may
            # leave victims out).
            unbalanced = names[0] == "policía"
            for x, y, kind, options in _pairings(
                records, left_a, left_b, compatible, unbalanced=unbalanced
            ):
                head = (
                    f"Caso vinculado ({why}): {records[x].key[1]} y {records[y].key[1]} quedan "
                    f"sin pareja entre {names[0]} y {names[1]}"
                )
                if kind == "forced":
                    text = (
                        f"{head}; toda asignación compatible (sexo, edad y nacionalidad) que dé "
                        "pareja a cada víctima sin pareja del lado con menos los une: se asignan "
                        "por eliminación."
                    )
                elif kind == "balanced":
                    text = (
                        f"{head}, con tantas víctimas sin pareja compatibles de un lado como del "
                        "otro: se asignan por eliminación (sexo y edad compatibles; la edad más "
                        f"cercana entre {options} posibles, revisar)."
                    )
                else:
                    text = (
                        f"{head}; cada víctima sin pareja del lado con menos debe estar en el "
                        "otro: se asignan por eliminación (sexo y edad compatibles; la edad más "
                        f"cercana entre {options} posibles, revisar)."
                    )
                infer(x, y, text)
        if len(merges) == before:
            break
        # Only a group with a row of a person linked in this round can explain more now.
        touched = {label(i) for pair in merges[before:] for i in pair}
        pending = [g for g in groups if any(label(i) in touched for side in g[:2] for i in side)]
    return out, merges


class _Compatibility:
    """_compatible over row indices, each row's birth range computed once."""

    def __init__(self, records: Sequence[LinkInput]) -> None:
        self.records = records
        self.ranges: dict[int, tuple[float, float] | None] = {}

    def range(self, i: int) -> tuple[float, float] | None:
        try:
            return self.ranges[i]
        except KeyError:
            found = self.ranges[i] = _birth_range(self.records[i])
            return found

    def __call__(self, i: int, j: int) -> bool:
        x, y = self.records[i], self.records[j]
        if x.sex and y.sex and x.sex != y.sex:
            return False
        # Nationality is recorded from the person's papers or word, not typed freely.
        if x.nationality and y.nationality and x.nationality != y.nationality:
            return False
        bx, by = self.range(i), self.range(j)
        if bx and by:
            return max(0.0, by[0] - bx[1], bx[0] - by[1]) <= 400
        return True

    def only(self, u: int, rows: list[int]) -> tuple[int, bool]:
        """Return the one row compatible with u (else the one of exactly u's age), or -1.

        The second value says whether the age decided. Stops as soon as neither can be
        unique: sides of a sprawling case have hundreds of rows.
        """
        found, exact, n_exact = -1, -1, 0
        many = False
        aged = self.range(u) is not None
        for c in rows:
            if not self(u, c):
                continue
            if found < 0:
                found = c
            else:
                many = True
            if aged and self.exact(u, c):
                exact, n_exact = c, n_exact + 1
                if n_exact > 1:
                    return -1, False
            elif many and not aged:
                return -1, False
        if found >= 0 and not many:
            return found, False
        if many and n_exact == 1:
            return exact, True
        return -1, False

    def exact(self, i: int, j: int) -> bool | None:
        """Whether both rows' birth ranges overlap; None when either is unknown."""
        bx, by = self.range(i), self.range(j)
        if bx and by:
            return by[0] <= bx[1] and bx[0] <= by[1]
        return None


_MAX_PAIRING = 10  # leftovers per side beyond which pairings are not enumerated
_UNKNOWN_GAP = 200.0  # days counted for a pair whose ages are not both known


def _pairings(
    records: Sequence[LinkInput],
    left_a: list[int],
    left_b: list[int],
    compatible: _Compatibility,
    *,
    unbalanced: bool,
) -> list[tuple[int, int, str, int]]:
    """Return the pairs (x, y, kind, options) of leftovers assigned by elimination.

    Only pairs of compatible rows with at least one unidentified (two named victims were
    compared by name already). Rows with no such partner are set aside; the smaller side
    must then be paired whole. kind "forced": the pair is in every such pairing; otherwise,
    of the pairing with the closest ages, "balanced" when both sides have as many rows,
    "unbalanced" (only if asked) when not. options: the partners the smaller side's row has.
    """
    if len(left_a) > 3 * _MAX_PAIRING or len(left_b) > 3 * _MAX_PAIRING:
        return []  # a sprawling case: its sides are not enumerated, and say little
    edges = {
        x: [
            y
            for y in left_b
            if (records[x].unidentified or records[y].unidentified) and compatible(x, y)
        ]
        for x in left_a
    }
    side_a = [x for x in left_a if edges[x]]
    reached = {y for x in side_a for y in edges[x]}
    side_b = [y for y in left_b if y in reached]
    if not side_a or len(side_a) > _MAX_PAIRING or len(side_b) > _MAX_PAIRING:
        return []
    pairs = {(x, y) for x in side_a for y in edges[x]}
    if len(side_a) <= len(side_b):
        small, big, flip = side_a, side_b, False
    else:
        small, big, flip = side_b, side_a, True

    def allowed(s: int, g: int) -> bool:
        return ((g, s) if flip else (s, g)) in pairs

    def gap(s: int, g: int) -> float:
        bx, by = compatible.range(s), compatible.range(g)
        if bx and by:
            return max(0.0, by[0] - bx[1], bx[0] - by[1])
        return _UNKNOWN_GAP

    best = _saturating(small, big, allowed, gap)
    if best is None:
        return []
    balanced = len(small) == len(big)
    out: list[tuple[int, int, str, int]] = []
    for s, g in best:
        without = functools.partial(_allowed_but, allowed, (s, g))
        if _saturating(small, big, without) is None:
            kind = "forced"
        elif balanced or unbalanced:
            kind = "balanced" if balanced else "unbalanced"
        else:
            continue
        options = sum(allowed(s, h) for h in big)
        out.append((g, s, kind, options) if flip else (s, g, kind, options))
    return out


def _allowed_but(
    allowed: Callable[[int, int], bool], banned: tuple[int, int], s: int, g: int
) -> bool:
    return (s, g) != banned and allowed(s, g)


def _saturating(
    small: list[int],
    big: list[int],
    allowed: Callable[[int, int], bool],
    cost: Callable[[int, int], float] | None = None,
) -> list[tuple[int, int]] | None:
    """Return the cheapest pairing of every row of small with a row of big, or None."""
    # Dynamic programming over the sets of rows of big taken, small's rows in order.
    states: dict[int, tuple[float, list[tuple[int, int]]]] = {0: (0.0, [])}
    for s in small:
        nxt: dict[int, tuple[float, list[tuple[int, int]]]] = {}
        for mask, (total, chosen) in states.items():
            for k, g in enumerate(big):
                if mask >> k & 1 or not allowed(s, g):
                    continue
                value = total + (cost(s, g) if cost else 0.0)
                key = mask | 1 << k
                if key not in nxt or value < nxt[key][0]:
                    nxt[key] = (value, [*chosen, (s, g)])
        if not nxt:
            return None
        states = nxt
    return min(states.values(), key=lambda st: st[0])[1]


def _one_per_person(rows: list[int], label: Callable[[int], int]) -> list[int]:
    seen: set[int] = set()
    out: list[int] = []
    for i in rows:
        lab = label(i)
        if lab not in seen:
            seen.add(lab)
            out.append(i)
    return out

"""Fellegi-Sunter EM and term-frequency adjustment."""

import numpy as np
import pytest

from app.matching.comparisons import compile_comparisons
from app.matching.model import FellegiSunter, TermFrequencies
from app.matching.records import RecordTable, from_person
from app.matching.settings import ComparisonSpec


def test_em_recovers_m_and_u_on_synthetic_data() -> None:
    rng = np.random.default_rng(0)
    specs = (
        ComparisonSpec("a", "category", "sex"),
        ComparisonSpec("b", "category", "nationality"),
        ComparisonSpec("c", "ubigeo", "residence"),
        ComparisonSpec("d", "ubigeo", "birthplace"),
        ComparisonSpec("e", "category", "sex"),
    )
    comps = compile_comparisons(specs).comparisons
    m_true = [np.array([0.05, 0.95]), np.array([0.1, 0.9]), np.array([0.05, 0.05, 0.1, 0.8])]
    u_true = [np.array([0.8, 0.2]), np.array([0.7, 0.3]), np.array([0.6, 0.2, 0.15, 0.05])]
    m_true += [np.array([0.1, 0.1, 0.2, 0.6]), np.array([0.2, 0.8])]
    u_true += [np.array([0.5, 0.3, 0.1, 0.1]), np.array([0.6, 0.4])]
    n, lam = 60_000, 0.2
    match = rng.random(n) < lam
    levels = np.zeros((n, 5), dtype=np.int8)
    for c in range(5):
        levels[match, c] = rng.choice(len(m_true[c]), match.sum(), p=m_true[c])
        levels[~match, c] = rng.choice(len(u_true[c]), (~match).sum(), p=u_true[c])
    model = FellegiSunter(comps)
    params = model.fit(levels, prior=0.5, iterations=200, tolerance=1e-8)
    assert abs(params.prior - lam) < 0.03
    for c, fp in enumerate(params.fields):
        assert np.allclose(fp.m, m_true[c], atol=0.04), (fp.name, fp.m)
        assert np.allclose(fp.u, u_true[c], atol=0.04), (fp.name, fp.u)


def test_term_frequency_quispe_weaker_than_naupari() -> None:
    people = [from_person(str(i), given_name="ANA", surname="QUISPE") for i in range(200)]
    people += [from_person("x", given_name="ANA", surname="ÑAUPARI")]
    people += [from_person(str(i + 500), given_name="ANA", surname=f"S{i:03d}") for i in range(50)]
    table = RecordTable(people)
    tf = TermFrequencies()
    tf.add(table)
    specs = (ComparisonSpec("paternal", "paternal", "paternal", term_frequency=True),)
    comparator = compile_comparisons(specs)
    model = FellegiSunter(comparator.comparisons)
    a = np.array([0, 200, 0], dtype=np.int64)
    b = np.array([1, 200, 201], dtype=np.int64)
    levels, tf_codes = comparator.compare(table, a, table, b)
    model.fit(np.repeat(levels, 40, axis=0), prior=0.3)
    model.calibrate_tf(tf_codes, tf)
    _, _, adj = model.score(levels, tf_codes, tf, (-10.0, 10.0))
    quispe, naupari = adj[0, 0], adj[1, 0]
    assert quispe < 0 < naupari


def test_frequencies_kept_current_as_records_arrive() -> None:
    tf = TermFrequencies()
    first = RecordTable([from_person("1", given_name="ANA", surname="QUISPE")])
    tf.add(first)
    before = tf.frequency("surname", first.paternal)[0]
    tf.add(first.sibling([from_person("2", given_name="ANA", surname="ÑAUPARI")]))
    assert tf.frequency("surname", first.paternal)[0] < before


def test_collapse_counts_patterns_the_same_dense_or_sorted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.matching import model as model_module

    rng = np.random.default_rng(3)
    levels = rng.integers(-1, 3, size=(5000, 4)).astype(np.int8)
    known = rng.integers(-1, 3, size=(300, 4)).astype(np.int8)
    rows = rng.random(5000)
    parts = [(levels, 1.0, 0), (levels[:100], rows[:100], 0), (known, 2.0, 1)]
    dense = model_module._collapse(parts)
    monkeypatch.setattr(model_module, "_DENSE_CODES", 0)
    spread = model_module._collapse(parts)

    def as_dict(p: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[tuple[int, ...], float]:
        return {(*row.tolist(), int(f)): w for row, w, f in zip(p[0], p[1], p[2], strict=True)}

    want: dict[tuple[int, ...], float] = {}
    for lv, w, flag in parts:
        ws = np.broadcast_to(np.asarray(w, dtype=float), (len(lv),))
        for row, x in zip(lv.tolist(), ws.tolist(), strict=True):
            want[(*row, flag)] = want.get((*row, flag), 0.0) + x
    for got in (as_dict(dense), as_dict(spread)):
        assert got.keys() == want.keys()
        assert all(abs(got[k] - want[k]) < 1e-9 for k in want)


def test_em_without_pairs_keeps_a_finite_prior() -> None:
    comps = compile_comparisons((ComparisonSpec("a", "category", "sex"),)).comparisons
    params = FellegiSunter(comps).fit(np.zeros((0, 1), dtype=np.int8), prior=0.05)
    assert np.isfinite(params.prior)
    assert all(np.isfinite(fp.m).all() and np.isfinite(fp.u).all() for fp in params.fields)

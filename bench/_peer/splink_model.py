"""Splink 4 (DuckDB) set up as its documentation recommends, on the benchmark's person table.

Two sets of prediction blocking rules: "recommended" (Splink's own advice: exact matches on
derived phonetic keys, like Intertrata's keys before it splits blocks) and "comparable"
(the same keys refined by the attributes Intertrata splits oversized blocks by, so that
Splink scores a number of pairs comparable to Intertrata's at a million rows). Comparisons,
training and clustering are the same for both.

Imported only by the benchmark's child process: Splink is a benchmark-only dependency
(pyproject extra `bench`), never imported by the app or the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_analysis import cumulative_comparisons_to_be_scored_from_blocking_rules_data
from splink.blocking_rule_library import CustomRule

__all__ = [
    "BLOCKINGS",
    "SplinkOptions",
    "blocking_recall",
    "blocking_rules",
    "em_rules",
    "link_with_splink",
    "pairs_scored",
    "settings",
]


@dataclass(frozen=True)
class SplinkOptions:
    """Knobs of the Splink run; the defaults mirror Intertrata's decision threshold."""

    predict_threshold: float = 0.2
    cluster_threshold: float = 0.5
    u_max_pairs: float = 1e6
    recall: float = 0.7
    seed: int = 13
    extra_thresholds: tuple[float, ...] = field(default=())
    blocking: str = "recommended"


BLOCKINGS = ("recommended", "comparable")


def _refined(keys: tuple[str, ...], refinements: tuple[str, ...]) -> CustomRule:
    """Equal keys, and equal refinements unless one side's refinement is unknown.

    Intertrata lets a row of unknown refinement value join every part of a split block
    (of at most max_block_size rows); Splink cannot look at block sizes, so here it joins
    every part of any block.
    """
    equal = [f"l.{c} = r.{c}" for c in keys]
    loose = [f"(l.{c} = r.{c} or l.{c} is null or r.{c} is null)" for c in refinements]
    return CustomRule(" and ".join(equal + loose))


def _comparable_rules() -> list[Any]:
    """Intertrata's keys, each always refined by its first refinements and sex.

    Intertrata splits a block only when it has more than split_block_size (12) rows, by
    given initial / surname initials, then sex, then birth decade, as far as needed. Splink
    applies a rule's refinements to every block, so this set uses the first refinement and
    sex (not the decade): at 1,077,278 rows it scores 28.9 M pairs, 1.3x Intertrata's, with
    a blocking recall of 0.994 over true victim pairs. Tried there: the first refinement
    alone, 35.4 M pairs (recall 0.994); the first refinement required equal even when
    unknown, 28.2 M (0.971); the first refinement, sex and decade required equal, 12.0 M
    (0.821). At 107k rows this set scores a third of Intertrata's pairs: Intertrata splits
    fewer blocks there. The null-tolerant ORs make blocking slow (half of Splink's 1M run);
    the same pairs as 52 equi-join rules (one per equal / left null / right null case)
    counted no faster at 1M, so the ORs stay.
    """
    return [
        block_on("document"),
        _refined(("surname_pair_ph",), ("given_initial", "sex")),
        _refined(("given_first_ph", "paternal_ph"), ("surname_initials", "sex")),
        _refined(("given_first_ph", "maternal_ph"), ("surname_initials", "sex")),
        # Intertrata's given+birth-year key carries the initial of either surname.
        _refined(("given_first", "birth_year", "paternal_initial"), ("sex",)),
        _refined(("given_first", "birth_year", "maternal_initial"), ("sex",)),
        _refined(("paternal_ph", "ubigeo_residence"), ("given_initial", "sex")),
        _refined(("maternal_ph", "ubigeo_residence"), ("given_initial", "sex")),
    ]


def blocking_rules(kind: str = "recommended") -> list[Any]:
    """Prediction blocking rules of one set-up (BLOCKINGS)."""
    if kind == "comparable":
        return _comparable_rules()
    if kind != "recommended":
        raise ValueError(kind)
    # Rules like Intertrata's: document; surname pair; given+surname; given+year;
    # surname+home.
    return [
        block_on("document"),
        block_on("surname_pair_ph"),
        block_on("given_first_ph", "paternal_ph"),
        block_on("given_first_ph", "maternal_ph"),
        block_on("given_first", "birth_year"),
        block_on("paternal_ph", "ubigeo_residence"),
        block_on("maternal_ph", "ubigeo_residence"),
    ]


def em_rules() -> list[Any]:
    """EM sessions: full name (trains document, birth, ...), then document (trains names)."""
    return [block_on("given", "paternal", "maternal"), block_on("document")]


def _birth() -> cl.CustomComparison:
    """Full date when both have one, else approximate birth year (from age)."""
    return cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_date"),
            cll.DamerauLevenshteinLevel("birth_date", 1),
            cll.ExactMatchLevel("birth_year"),
            cll.AbsoluteDifferenceLevel("birth_year", 1),
            cll.AbsoluteDifferenceLevel("birth_year", 5),
            cll.ElseLevel(),
        ],
        comparison_description="birth date, else birth year",
    )


def settings(blocking: str = "recommended") -> SettingsCreator:
    """Comparisons from splink.comparison_library with term frequencies on names."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given").configure(term_frequency_adjustments=True),
            cl.NameComparison("paternal").configure(term_frequency_adjustments=True),
            cl.NameComparison("maternal").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("document", [1, 2]),
            _birth(),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("ubigeo_residence"),
            cl.ExactMatch("ubigeo_birth"),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(blocking),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def link_with_splink(df: pd.DataFrame, opt: SplinkOptions) -> tuple[dict[int, Any], dict]:
    """Train, predict and cluster; return unique_id -> cluster_id and run statistics."""
    db_api = DuckDBAPI()
    linker = Linker(df, settings(opt.blocking), db_api)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("document", "given_first"),
            block_on("given", "paternal", "maternal", "birth_year"),
        ],
        recall=opt.recall,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=opt.u_max_pairs, seed=opt.seed)
    # Two sessions that between them train every comparison. Of the sessions tried
    # (surnames / document / given+year; given+paternal / document; document /
    # given+birth date) this one gave Splink its best F1 on the demo worlds.
    for rule in em_rules():
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=opt.predict_threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=opt.cluster_threshold
    )
    cdf = clusters.as_pandas_dataframe()
    out = dict(zip(cdf["unique_id"].tolist(), cdf["cluster_id"].tolist(), strict=True))
    extra: dict[str, dict[int, Any]] = {}
    for t in opt.extra_thresholds:
        c = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=t
        ).as_pandas_dataframe()
        extra[f"{t:g}"] = dict(zip(c["unique_id"].tolist(), c["cluster_id"].tolist(), strict=True))
    stats = {
        "predicted_links": int(
            linker.misc.query_sql(
                f"select count(*) as n from {predictions.physical_name}"
                f" where match_probability >= {opt.cluster_threshold}"
            )["n"][0]
        ),
        "extra": extra,
        "prior": linker._settings_obj._probability_two_random_records_match,
    }
    return out, stats


def pairs_scored(df: pd.DataFrame, blocking: str = "recommended") -> int:
    """Comparisons Splink's prediction blocking generates (counted, not timed)."""
    counts = cumulative_comparisons_to_be_scored_from_blocking_rules_data(
        table_or_tables=df,
        blocking_rules=blocking_rules(blocking),
        link_type="dedupe_only",
        db_api=DuckDBAPI(),
    )
    return int(counts["row_count"].sum())


def blocking_recall(
    df: pd.DataFrame, blocking: str, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
) -> float:
    """Share of the given true pairs (unique_id positions) that some prediction rule blocks."""
    if not len(left):
        return 1.0
    rules = [r.get_blocking_rule("duckdb").blocking_rule_sql for r in blocking_rules(blocking)]
    blocked = " or ".join(f"coalesce(({sql}), false)" for sql in rules)
    pairs = pd.DataFrame({"a": left, "b": right})
    con = duckdb.connect()
    try:
        con.register("records", df)
        con.register("pairs", pairs)
        n = con.execute(
            f"select count(*) from pairs p join records l on l.unique_id = p.a"
            f" join records r on r.unique_id = p.b where {blocked}"
        ).fetchone()
    finally:
        con.close()
    return int(n[0]) / len(left) if n else 0.0

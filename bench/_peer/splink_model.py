"""Splink 4 (DuckDB) set up as its documentation recommends, on the benchmark's person table.

Imported only by the benchmark's child process: Splink is a benchmark-only dependency
(pyproject extra `bench`), never imported by the app or the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_analysis import cumulative_comparisons_to_be_scored_from_blocking_rules_data

__all__ = [
    "SplinkOptions",
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


def blocking_rules() -> list[Any]:
    """Rules like Intertrata's: document; surname pair; given+surname; given+year; surname+home."""
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


def settings() -> SettingsCreator:
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
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def link_with_splink(df: pd.DataFrame, opt: SplinkOptions) -> tuple[dict[int, Any], dict]:
    """Train, predict and cluster; return unique_id -> cluster_id and run statistics."""
    db_api = DuckDBAPI()
    linker = Linker(df, settings(), db_api)
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


def pairs_scored(df: pd.DataFrame) -> int:
    """Comparisons Splink's prediction blocking generates (counted, not timed)."""
    counts = cumulative_comparisons_to_be_scored_from_blocking_rules_data(
        table_or_tables=df,
        blocking_rules=blocking_rules(),
        link_type="dedupe_only",
        db_api=DuckDBAPI(),
    )
    return int(counts["row_count"].sum())

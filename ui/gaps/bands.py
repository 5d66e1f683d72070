"""The gap ranking's order with its uncertainty: each unit's priority score, the range its
figures may take for the population's error, and its rank in the chosen order as a band.

Streamlit-free; :mod:`ui.gaps.ranking` shows what it returns.
"""

from __future__ import annotations

import pandas as pd

from analytics.priority import priority_score, split_ranked
from analytics.uncertainty import coverage_interval, rank_bands


def rank_table(
    inputs: pd.DataFrame, weights: dict[str, float], order: str, years_old: int, key_column: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``inputs`` with the score, the population's interval and the rank band in ``order``
    joined, sorted by rank (units without one last) then ``key_column``; and the interval
    (:func:`analytics.uncertainty.coverage_interval`) of a census ``years_old`` years old."""
    scores = priority_score(inputs, weights)
    table = inputs.join(scores.rename(columns={"rank": "score_rank"}))
    interval = coverage_interval(table["population"], table["insured"], years_old)
    table = table.join(interval.drop(columns=["coverage"]))
    # No data is not a rank: units without population are ranked nowhere, and listed apart.
    ranked, _ = split_ranked(table)
    table = table.join(order_bands(inputs.loc[ranked.index], ranked, weights, order))
    table = table.sort_values(["rank", key_column], na_position="last").reset_index(drop=True)
    return table, interval


def order_bands(
    inputs: pd.DataFrame, ranked: pd.DataFrame, weights: dict[str, float], order: str
) -> pd.DataFrame:
    """Rank, best and worst rank of the ``ranked`` units in ``order`` (``priority``,
    ``coverage``, ``gap_to_target``, ``uninsured``, else population), from each figure and the
    ends of its interval; ``inputs`` are the same units' priority components."""
    if order == "priority":
        # The score's own interval: uninsured people and shortfall at the ends of the population
        # interval, rescaled on the central scale.
        ends = []
        for uninsured, coverage in (
            ("uninsured_low", "coverage_high"),
            ("uninsured_high", "coverage_low"),
        ):
            end = inputs.assign(
                uninsured=ranked[uninsured],
                shortfall=(ranked["target"] - ranked[coverage]).clip(lower=0),
            )
            ends.append(priority_score(end, weights, scale_from=inputs)["score"])
        return rank_bands(ranked["score"], ends[0], ends[1], ascending=False)
    if order == "coverage":
        return rank_bands(ranked["coverage"], ranked["coverage_low"], ranked["coverage_high"])
    if order == "gap_to_target":
        gap_lo = (ranked["target"] - ranked["coverage_high"]).clip(lower=0)
        gap_hi = (ranked["target"] - ranked["coverage_low"]).clip(lower=0)
        return rank_bands(ranked["gap_to_target"], gap_lo, gap_hi, ascending=False)
    if order == "uninsured":
        return rank_bands(
            ranked["uninsured"], ranked["uninsured_low"], ranked["uninsured_high"], ascending=False
        )
    return rank_bands(
        ranked["population"],
        ranked["population_low"],
        ranked["population_high"],
        ascending=False,
    )

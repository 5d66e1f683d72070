"""Tests of analytics/trends.py on constructed series: pace, projection to a goal, lagging units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.trends import (
    add_months,
    falling_behind,
    outreach_before_after,
    pace,
    project_to_goal,
    target_at,
    wide_coverage,
)

PERIODS = pd.date_range("2025-01-01", periods=12, freq="MS")  # Jan … Dec 2025


def series(*rows: np.ndarray, names: str = "abcdefgh") -> pd.DataFrame:
    return pd.DataFrame(list(rows), index=list(names[: len(rows)]), columns=PERIODS)


def projected(wide: pd.DataFrame, goal: float, last_n: int = 12) -> pd.DataFrame:
    return project_to_goal(pace(wide, last_n=last_n), goal)


def test_exact_linear_series_reaches_the_goal_in_the_exact_month():
    # 0.50, 0.52, … 0.72 in Dec 2025; +0.02 a month reaches 0.80 after exactly 4 months.
    out = projected(series(0.50 + 0.02 * np.arange(12)), goal=0.80).iloc[0]
    assert out["slope"] == pytest.approx(0.02)
    assert out["slope_low"] == pytest.approx(0.02) and out["slope_high"] == pytest.approx(0.02)
    assert out["status"] == "projected"
    assert out["months_to_goal"] == 4
    assert out["reach_month"] == pd.Timestamp("2026-04-01")
    assert out["reach_earliest"] == out["reach_latest"] == pd.Timestamp("2026-04-01")


@pytest.mark.parametrize(
    ("step", "goal", "ahead", "month"),
    [(0.01, 0.90, 15, "2027-03-01"), (0.03, 0.95, 3, "2026-03-01"), (0.05, 1.0, 1, "2026-01-01")],
)
def test_linear_series_month_for_other_paces(step, goal, ahead, month):
    # December 2025 stands ``ahead`` steps below the goal.
    values = goal - step * (ahead + np.arange(12)[::-1])
    out = projected(series(values), goal=goal).iloc[0]
    assert out["months_to_goal"] == ahead
    assert out["reach_month"] == pd.Timestamp(month)


def test_flat_series_never_reaches():
    out = projected(series(np.full(12, 0.6)), goal=0.8).iloc[0]
    assert out["status"] == "not_at_this_pace"
    assert pd.isna(out["reach_month"]) and pd.isna(out["reach_earliest"])
    assert np.isnan(out["months_to_goal"])


def test_falling_series_never_reaches():
    out = projected(series(0.7 - 0.01 * np.arange(12)), goal=0.8).iloc[0]
    assert out["status"] == "not_at_this_pace"
    assert pd.isna(out["reach_month"])


def test_already_reached():
    out = projected(series(0.80 + 0.01 * np.arange(12)), goal=0.85).iloc[0]
    assert out["status"] == "reached"
    assert out["months_to_goal"] == 0
    assert out["reach_month"] == pd.Timestamp("2025-12-01")
    # exactly at the goal counts as reached too
    exact = projected(series(np.linspace(0.5, 0.8, 12)), goal=0.8).iloc[0]
    assert exact["status"] == "reached"


def test_noisy_series_range_brackets_the_projection_and_matches_linregress():
    rng = np.random.default_rng(0)
    values = 0.5 + 0.01 * np.arange(12) + rng.normal(0, 0.004, 12)
    paced = pace(series(values), last_n=12, confidence=0.9).iloc[0]
    fit = stats.linregress(np.arange(12), values)
    half = stats.t.ppf(0.95, 10) * fit.stderr
    assert paced["slope"] == pytest.approx(fit.slope)
    assert paced["slope_low"] == pytest.approx(fit.slope - half)
    assert paced["slope_high"] == pytest.approx(fit.slope + half)
    out = projected(series(values), goal=0.9).iloc[0]
    assert out["reach_earliest"] <= out["reach_month"] <= out["reach_latest"]
    assert out["reach_earliest"] < out["reach_latest"]


def test_window_and_missing_months():
    values = 0.5 + 0.02 * np.arange(12)
    values[[3, 8]] = np.nan
    paced = pace(series(values), last_n=12).iloc[0]
    assert paced["n_months"] == 10
    assert paced["slope"] == pytest.approx(0.02)
    # only the last 6 months: a change of pace earlier does not count
    bent = np.r_[0.3 + 0.05 * np.arange(6), 0.6 + 0.01 * np.arange(1, 7)]
    assert pace(series(bent), last_n=6).iloc[0]["slope"] == pytest.approx(0.01)
    # latest is the last month with data
    tail_missing = 0.5 + 0.02 * np.arange(12)
    tail_missing[-1] = np.nan
    paced = pace(series(tail_missing)).iloc[0]
    assert paced["latest"] == pytest.approx(0.70)
    assert paced["latest_period"] == pd.Timestamp("2025-11-01")


def test_too_few_months_is_no_data_and_inputs_untouched():
    values = np.full(12, np.nan)
    values[-1] = 0.5
    wide = series(values, np.full(12, np.nan))
    before = wide.copy()
    out = projected(wide, goal=0.8)
    assert out["status"].tolist() == ["no_data", "no_data"]
    pd.testing.assert_frame_equal(wide, before)
    with pytest.raises(ValueError):
        pace(wide, last_n=1)
    with pytest.raises(ValueError):
        project_to_goal(pace(wide), goal=0)


def test_add_months_crosses_years_and_keeps_nat():
    out = add_months(pd.Series(pd.to_datetime(["2025-11-01", "2025-01-01", None])), [3, -1, 2])
    assert out.tolist()[:2] == [pd.Timestamp("2026-02-01"), pd.Timestamp("2024-12-01")]
    assert pd.isna(out.iloc[2])


def test_wide_coverage_pivots_long_output():
    long = pd.DataFrame(
        {
            "period": [PERIODS[0], PERIODS[0], PERIODS[1], PERIODS[1]],
            "area_id": ["a", "b", "a", "b"],
            "coverage": [0.1, 0.2, 0.3, np.nan],
        }
    )
    wide = wide_coverage(long, "area_id")
    assert list(wide.columns) == [PERIODS[0], PERIODS[1]]
    assert wide.loc["a"].tolist() == [0.1, 0.3]
    assert np.isnan(wide.loc["b", PERIODS[1]])


def test_target_line_uses_own_scope_then_region():
    targets = pd.DataFrame(
        {
            "scope": ["region", "region", "D1", "D1"],
            "period": pd.to_datetime(["2025-01-01", "2025-06-01", "2025-01-01", "2025-12-01"]),
            "target_coverage": [0.8, 0.9, 0.7, 0.95],
        }
    )
    line = target_at(targets, pd.Timestamp("2025-07-01"), pd.Series(["D1", "D2", None]))
    assert line.tolist() == [0.7, 0.9, 0.9]
    behind = falling_behind(pd.Series([0.75, 0.95, np.nan]), line)
    assert behind["behind"].tolist() == [False, False, False]
    assert behind["behind_by"].iloc[0] == pytest.approx(-0.05)
    assert falling_behind(pd.Series([0.6]), pd.Series([0.7]))["behind"].tolist() == [True]


def test_outreach_before_and_after():
    long = pd.DataFrame(
        {
            "area_id": ["a"] * 6,
            "period": pd.date_range("2025-01-01", periods=6, freq="MS"),
            "coverage": [0.25, 0.25, 0.25, 0.60, 0.95, 0.96],
            "insured": [3000, 3000, 3000, 7200, 11400, 11520],
        }
    )
    sessions = pd.DataFrame(
        {
            "session_id": ["S1", "S2", "S3"],
            "date": pd.to_datetime(["2025-03-15", "2025-06-02", "2025-04-01"]),
            "area_id": ["a", "a", None],
            "enrolled": [9000, 100, 5],
        }
    )
    out = outreach_before_after(sessions, long, months_after=2)
    assert out["session_id"].tolist() == ["S1", "S2"]  # S3 has no area
    s1 = out.iloc[0]
    assert s1["before_period"] == pd.Timestamp("2025-02-01")
    assert s1["after_period"] == pd.Timestamp("2025-05-01")
    assert s1["coverage_before"] == 0.25 and s1["coverage_after"] == 0.95
    assert s1["change"] == pytest.approx(0.70)
    assert s1["insured_change"] == 8400
    assert np.isnan(out.iloc[1]["coverage_after"])  # August has no data

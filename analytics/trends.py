"""Coverage over time: the pace of change, when the target would be reached, who falls behind.

The pace is the least-squares slope of monthly coverage over the last ``last_n`` months (in
coverage per month, e.g. 0.004 = 0.4 points a month), with a two-sided confidence interval from
Student's t on ``n - 2`` degrees of freedom. The projection starts from the last observed
coverage and goes on at that pace::

    months to goal = ceil((goal - latest) / slope)

and its range uses the ends of the slope's interval (the upper end gives the earliest month; a
lower end at or below zero means the goal is not reached at that pace). A unit whose latest
coverage already meets the goal is ``reached``; a slope at or below zero (below
:data:`FLAT_SLOPE`), or one that would take more than :data:`HORIZON_MONTHS` months, is
``not_at_this_pace``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from geodata.tables.calendar import from_month_key, month_keys, month_start, periods_calendar

__all__ = [
    "FLAT_SLOPE",
    "HORIZON_MONTHS",
    "PROJECTION_STATUSES",
    "add_months",
    "falling_behind",
    "outreach_before_after",
    "pace",
    "project_to_goal",
    "target_at",
    "wide_coverage",
]

#: Values of ``status`` from :func:`project_to_goal`.
PROJECTION_STATUSES: tuple[str, ...] = ("reached", "projected", "not_at_this_pace", "no_data")
# Rounding of the months to the goal before ceil, so that an exact 4.0000000001 is 4.
_MONTH_DECIMALS = 6
#: A pace below this (coverage per month) is flat: rounding noise of a constant series.
FLAT_SLOPE = 1e-9
#: Projections further away than this many months (50 years) count as not reached.
HORIZON_MONTHS = 600


def wide_coverage(long: pd.DataFrame, by: str) -> pd.DataFrame:
    """Monthly coverage as one row per unit and one column per month (ascending).

    Parameters
    ----------
    long : pandas.DataFrame
        Output of :func:`analytics.coverage.coverage_over_time` with ``by`` given: ``period``,
        ``by`` and ``coverage``.
    by : str
        The unit column.

    Returns
    -------
    pandas.DataFrame
        Index: units; columns: periods; values: coverage (NaN where unknown).
    """
    return long.pivot_table(index=by, columns="period", values="coverage", dropna=False)


def add_months(
    periods: pd.Series | pd.DatetimeIndex, months: np.ndarray, calendar: str | None = None
) -> pd.Series:
    """Month starts ``months`` whole months after ``periods`` (NaN months give NaT), in the
    periods' reporting calendar (``calendar``; None: the one they are month starts of, so
    Mehr 1405 + 1 is Aban 1405, 23 October 2026)."""
    start = pd.Series(pd.to_datetime(pd.Series(periods)).to_numpy(), dtype="datetime64[ns]")
    chosen = periods_calendar(start, calendar)
    keys = month_keys(start, chosen)
    ordinal = (
        (keys["year"] * 12 + keys["month"] - 1).astype("Float64").to_numpy(float, na_value=np.nan)
    )
    target = ordinal + np.asarray(months, dtype="float64")
    return from_month_key(target // 12, target % 12 + 1, chosen).reset_index(drop=True)


def pace(wide: pd.DataFrame, last_n: int = 12, confidence: float = 0.9) -> pd.DataFrame:
    """Least-squares slope of coverage over the last ``last_n`` months, with its interval.

    Parameters
    ----------
    wide : pandas.DataFrame
        Units × months of coverage (see :func:`wide_coverage`); columns are month dates,
        consecutive. Not modified.
    last_n : int, default 12
        Number of most recent months used (all when fewer).
    confidence : float, default 0.9
        Two-sided confidence level of the slope's interval.

    Returns
    -------
    pandas.DataFrame
        Index as ``wide``: ``n_months`` (months with data in the window), ``slope`` (coverage per
        month; NaN with fewer than 2 months), ``slope_low`` and ``slope_high`` (NaN with fewer
        than 3 months), ``latest`` (last observed coverage in the window) and ``latest_period``.

    Raises
    ------
    ValueError
        If ``last_n`` < 2 or ``confidence`` is not in (0, 1).
    """
    if last_n < 2:
        raise ValueError(f"last_n must be at least 2 months, got {last_n!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence!r}")
    window = wide.iloc[:, -last_n:]
    y = window.to_numpy(dtype="float64")
    m = y.shape[1]
    x = np.broadcast_to(np.arange(m, dtype="float64"), y.shape)
    known = np.isfinite(y)
    n = known.sum(axis=1).astype("float64")
    xk = np.where(known, x, 0.0)
    yk = np.where(known, y, 0.0)
    sx, sy = xk.sum(axis=1), yk.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = (xk * xk).sum(axis=1) - sx * sx / n
        sxy = (xk * yk).sum(axis=1) - sx * sy / n
        slope = np.where((n >= 2) & (sxx > 0), sxy / sxx, np.nan)
        intercept = (sy - slope * sx) / n
        resid = np.where(known, y - (intercept[:, None] + slope[:, None] * x), 0.0)
        sse = (resid * resid).sum(axis=1)
        se = np.sqrt(sse / (n - 2) / sxx)
        tq = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 2, 1))
        half = np.where(n >= 3, tq * se, np.nan)
    last_idx = np.where(known.any(axis=1), m - 1 - np.argmax(known[:, ::-1], axis=1), -1)
    rows = np.arange(len(y))
    latest = np.where(last_idx >= 0, y[rows, np.maximum(last_idx, 0)], np.nan)
    periods = pd.DatetimeIndex(window.columns)
    latest_period = pd.Series(
        [periods[i] if i >= 0 else pd.NaT for i in last_idx], dtype="datetime64[ns]"
    )
    return pd.DataFrame(
        {
            "n_months": n.astype("int64"),
            "slope": slope,
            "slope_low": slope - half,
            "slope_high": slope + half,
            "latest": latest,
            "latest_period": latest_period.to_numpy(),
        },
        index=wide.index,
    )


def _months_to(gap: np.ndarray, slope: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        months = np.ceil(np.round(gap / slope, _MONTH_DECIMALS))
    ok = np.isfinite(slope) & (slope > FLAT_SLOPE) & (months <= HORIZON_MONTHS)
    return np.where(ok, months, np.nan)


def project_to_goal(paced: pd.DataFrame, goal: float) -> pd.DataFrame:
    """When each unit would reach ``goal`` at its current pace, with a range.

    Parameters
    ----------
    paced : pandas.DataFrame
        Output of :func:`pace`. Not modified.
    goal : float
        Coverage to reach (0–1), e.g. the final target.

    Returns
    -------
    pandas.DataFrame
        ``paced`` plus ``status`` (one of :data:`PROJECTION_STATUSES`), ``months_to_goal``,
        ``reach_month`` (first month at or above the goal; for ``reached`` the latest period),
        ``reach_earliest`` and ``reach_latest`` (from the ends of the slope's interval; NaT where
        that end of the pace never reaches the goal or no interval is known).

    Raises
    ------
    ValueError
        If ``goal`` is not in (0, 1.5].
    """
    if not 0 < goal <= 1.5:
        raise ValueError(f"goal must be a coverage share above 0, got {goal!r}")
    out = paced.copy()
    latest = out["latest"].to_numpy(dtype="float64")
    slope = out["slope"].to_numpy(dtype="float64")
    gap = goal - latest
    reached = np.isfinite(latest) & (np.round(gap, 12) <= 0)
    no_data = ~np.isfinite(latest) | (~reached & ~np.isfinite(slope))
    months = _months_to(gap, slope)
    status = np.select(
        [reached, no_data, np.isfinite(months)],
        ["reached", "no_data", "projected"],
        default="not_at_this_pace",
    )
    months = np.where(reached, 0.0, months)
    earliest = np.where(reached, 0.0, _months_to(gap, out["slope_high"].to_numpy("float64")))
    latest_m = np.where(reached, 0.0, _months_to(gap, out["slope_low"].to_numpy("float64")))
    start = out["latest_period"]
    out["status"] = status
    out["months_to_goal"] = months
    out["reach_month"] = add_months(start, months).to_numpy()
    out["reach_earliest"] = add_months(start, earliest).to_numpy()
    out["reach_latest"] = add_months(start, latest_m).to_numpy()
    return out


def target_at(
    targets: pd.DataFrame, period: pd.Timestamp, scopes: pd.Series, fallback: str = "region"
) -> pd.Series:
    """The target line's value in ``period`` for each unit.

    Parameters
    ----------
    targets : pandas.DataFrame
        Targets table: ``scope``, ``period``, ``target_coverage``.
    period : pandas.Timestamp
        Month to read (the latest target at or before it is used).
    scopes : pandas.Series
        Preferred scope per unit (e.g. its district id); units whose scope has no target use
        ``fallback``.
    fallback : str, default "region"
        Scope used when a unit's own has no target.

    Returns
    -------
    pandas.Series
        Target coverage per unit (same index as ``scopes``), NaN when none applies.
    """
    known = targets[pd.to_datetime(targets["period"]) <= pd.Timestamp(period)]
    known = known.assign(period=pd.to_datetime(known["period"])).sort_values("period")
    latest = known.groupby(known["scope"].astype(str))["target_coverage"].last().astype(float)
    own = scopes.astype("string").map(latest).astype("float64")
    return own.fillna(latest.get(fallback, np.nan))


def falling_behind(latest: pd.Series, line: pd.Series) -> pd.DataFrame:
    """Units whose latest coverage is below the target line.

    Parameters
    ----------
    latest : pandas.Series
        Latest coverage per unit.
    line : pandas.Series
        Target line per unit in the same month (same index).

    Returns
    -------
    pandas.DataFrame
        ``latest``, ``line``, ``behind_by`` (line − latest, in coverage share; positive when
        behind) and ``behind`` (bool; False where either is unknown).
    """
    behind_by = line.astype("float64") - latest.astype("float64")
    return pd.DataFrame(
        {"latest": latest, "line": line, "behind_by": behind_by, "behind": behind_by > 0}
    )


def outreach_before_after(
    sessions: pd.DataFrame, long: pd.DataFrame, months_after: int = 2
) -> pd.DataFrame:
    """Coverage of a session's area in the month before it and ``months_after`` months later.

    Parameters
    ----------
    sessions : pandas.DataFrame
        Outreach sessions with ``session_id``, ``date``, ``area_id``, ``enrolled`` (optional
        ``kind``, ``partner_id``). Sessions without an area are left out. Not modified.
    long : pandas.DataFrame
        Per-area monthly coverage (:func:`analytics.coverage.coverage_over_time` by ``area_id``).
    months_after : int, default 2
        Months after the session's month at which "after" is read (0 = the session's month).

    Returns
    -------
    pandas.DataFrame
        One row per session: its columns, ``before_period``, ``coverage_before``,
        ``insured_before``, ``after_period``, ``coverage_after``, ``insured_after``, ``change``
        (coverage points as a share) and ``insured_change``; NaN where a month has no data.
    """
    if months_after < 0:
        raise ValueError("months_after must be 0 or more")
    base = sessions[sessions["area_id"].notna()].copy() if "area_id" in sessions else None
    columns = [
        "before_period",
        "coverage_before",
        "insured_before",
        "after_period",
        "coverage_after",
        "insured_after",
        "change",
        "insured_change",
    ]
    if base is None or base.empty:
        empty = pd.DataFrame(sessions.iloc[0:0].copy())
        for c in columns:
            empty[c] = pd.Series(dtype="float64")
        return empty
    base = pd.DataFrame(base.drop(columns=getattr(base, "_geometry_column_name", []) or []))
    # A session falls in the reporting month (of the periods' calendar) that holds its date.
    calendar = periods_calendar(long["period"])
    month = month_start(pd.to_datetime(base["date"]), calendar)
    base["before_period"] = add_months(month, np.full(len(base), -1.0), calendar).to_numpy()
    after = np.full(len(base), float(months_after))
    base["after_period"] = add_months(month, after, calendar).to_numpy()
    lookup = long[["area_id", "period", "coverage", "insured"]]
    for side in ("before", "after"):
        renamed = lookup.rename(
            columns={
                "period": f"{side}_period",
                "coverage": f"coverage_{side}",
                "insured": f"insured_{side}",
            }
        )
        base = base.merge(renamed, on=["area_id", f"{side}_period"], how="left")
    base["change"] = base["coverage_after"] - base["coverage_before"]
    base["insured_change"] = base["insured_after"] - base["insured_before"]
    return base.reset_index(drop=True)

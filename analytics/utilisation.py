"""Utilisation over time: how often facilities report, the latest window of records and the one
before it, growth per facility and per group (e.g. district), totals per period, and the district
each facility lies in.

Missing records are missing, never zero: a facility's window counts only when it has a record for
every period of it. Nothing here modifies its inputs; no loop runs over facilities or records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.tables.calendar import periods_calendar, shift_months

__all__ = [
    "FREQUENCIES",
    "UtilisationWindows",
    "facility_districts",
    "facility_growth",
    "group_growth",
    "group_series",
    "record_frequency",
    "utilisation_series",
    "utilisation_windows",
]

#: Record frequencies the growth windows know: months between successive periods, and how many
#: periods make up one window (a year).
FREQUENCIES: dict[str, tuple[int, int]] = {
    "monthly": (1, 12),
    "quarterly": (3, 4),
    "half_yearly": (6, 2),
    "yearly": (12, 1),
}
#: Mean length of a month in days (Gregorian and Solar Hijri alike, over a year).
_MONTH_DAYS = 365.2425 / 12


@dataclass(frozen=True)
class UtilisationWindows:
    """The two periods growth compares: the latest window and the one before it.

    ``frequency`` is how often facilities report (``"monthly"``, ``"quarterly"``,
    ``"half_yearly"`` or ``"yearly"``), read from the gaps between each facility's periods, not
    from the calendar date (a year that starts on 1 Farvardin is stored as a March date).
    ``months`` is the length of a window in months; ``current`` and ``previous`` hold the periods
    of each window, oldest first (a period nobody reported is still listed, so that no facility
    is complete without it).
    """

    frequency: str
    months: int
    current: tuple[pd.Timestamp, ...]
    previous: tuple[pd.Timestamp, ...]

    @property
    def complete(self) -> bool:
        """Whether there is a previous window to compare with at all."""
        return len(self.previous) > 0

    @property
    def n_periods(self) -> int:
        """Periods in one window (e.g. 4 quarters)."""
        return len(self.current)


def _records(utilisation: pd.DataFrame, measure: str | None) -> pd.DataFrame:
    rows = utilisation if measure is None else utilisation[utilisation["measure"] == measure]
    ids = (
        rows["facility_id"].astype(str)
        if "facility_id" in rows
        else pd.Series("", index=rows.index, dtype=object)
    )
    frame = pd.DataFrame({"facility_id": ids.to_numpy(), "period": pd.to_datetime(rows["period"])})
    return frame.dropna(subset=["period"]).drop_duplicates()


def _months_between(later: pd.Series | pd.Timestamp, earlier: pd.Series | pd.Timestamp):
    """Whole months between two dates, from the days between them (calendar-free)."""
    days = (later - earlier) / pd.Timedelta(days=1)
    return np.round(np.asarray(days, dtype="float64") / _MONTH_DAYS)


def record_frequency(utilisation: pd.DataFrame, measure: str | None = None) -> str | None:
    """How often facilities report ``measure``: the most common smallest gap between a
    facility's successive periods, in months, read as the nearest of :data:`FREQUENCIES`
    (None without records). With no facility reporting twice, the gaps between all periods
    decide; with a single period, records on 1 January read as yearly, others as monthly."""
    records = _records(utilisation, measure)
    if not len(records):
        return None
    records = records.sort_values(["facility_id", "period"])
    same = records["facility_id"].eq(records["facility_id"].shift())
    gaps = _months_between(records["period"], records["period"].shift())[same.to_numpy()]
    per_facility = (
        pd.Series(gaps, index=records["facility_id"][same].to_numpy())
        .loc[lambda g: g > 0]
        .groupby(level=0)
        .min()
    )
    if len(per_facility):
        step = float(per_facility.mode().min())
    else:
        periods = pd.Series(sorted(records["period"].unique()))
        if len(periods) < 2:
            first = periods.iloc[0]
            return "yearly" if (first.month, first.day) == (1, 1) else "monthly"
        positive = _months_between(periods, periods.shift())[1:]
        positive = positive[positive > 0]
        if not len(positive):
            return "monthly"
        step = float(positive.min())
    steps = {name: months for name, (months, _) in FREQUENCIES.items()}
    return min(steps, key=lambda name: (abs(np.log(max(step, 0.5) / steps[name])), -steps[name]))


def utilisation_windows(
    utilisation: pd.DataFrame, measure: str | None = None, *, window_months: int = 12
) -> UtilisationWindows | None:
    """The latest window of ``measure``'s records and the one before it (None without records).

    The frequency comes from :func:`record_frequency`. A window is a year: one yearly period,
    two half-years, four quarters, or ``window_months`` months. With fewer than two windows of
    periods on record, the window shrinks to half the periods available (at least 1). Each
    period on record is placed on a regular grid counted back from the latest one by the days
    between them, so periods dated in any calendar (1 Farvardin, the 1st of a Gregorian month)
    line up; a grid slot with no record at all still counts as a period of its window, dated the
    month as many steps back in the periods' own calendar (Solar Hijri or Gregorian).
    """
    records = _records(utilisation, measure)
    if not len(records):
        return None
    frequency = record_frequency(utilisation, measure)
    step, per_window = FREQUENCIES[str(frequency)]
    if frequency == "monthly":
        per_window = max(1, int(window_months))
    periods = pd.Series(sorted(records["period"].unique()))
    last, calendar = periods.iloc[-1], periods_calendar(periods)
    slots = pd.Series(
        np.round(_months_between(last, periods) / step).astype("int64"), index=periods.index
    )
    # One period per slot: the latest of the periods that fall on it.
    on_grid = pd.Series(periods.to_numpy(), index=slots.to_numpy())
    on_grid = on_grid[~on_grid.index.duplicated(keep="first")]
    span = int(slots.max()) + 1
    n = per_window
    if span < 2 * n:
        n = max(1, span // 2)

    def window(first_slot: int) -> tuple[pd.Timestamp, ...]:
        wanted = np.arange(first_slot + n - 1, first_slot - 1, -1)  # oldest first
        # A slot with no record: the month ``s`` steps back in the periods' own calendar.
        missing = {s: shift_months(last, -int(s * step), calendar) for s in wanted}
        return tuple(pd.Timestamp(on_grid[s] if s in on_grid.index else missing[s]) for s in wanted)

    current = window(0)
    previous = window(n) if 2 * n <= span else ()
    return UtilisationWindows(str(frequency), int(n * step), current, previous)


def facility_growth(
    utilisation: pd.DataFrame,
    measure: str,
    windows: UtilisationWindows | None = None,
    *,
    window_months: int = 12,
) -> pd.DataFrame:
    """Per facility: ``measure`` in the latest window and the one before it, and the growth.

    A facility's window is *complete* when it has a record for every period of the window;
    growth (``current / previous - 1``) is given only where both windows are complete and the
    previous total is above 0 (missing records are missing, never zero).

    Returns
    -------
    pandas.DataFrame
        ``facility_id``, ``current``, ``previous``, ``n_current``, ``n_previous``,
        ``complete`` (both windows complete), ``growth``; one row per facility with records of
        ``measure``, sorted by facility id. ``attrs["windows"]`` holds the windows.
    """
    columns = ["facility_id", "current", "previous", "n_current", "n_previous", "complete"]
    if windows is None:
        windows = utilisation_windows(utilisation, measure, window_months=window_months)
    rows = utilisation[utilisation["measure"] == measure]
    if windows is None or not len(rows):
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in [*columns, "growth"]})
        empty.attrs["windows"] = windows
        return empty
    period = pd.to_datetime(rows["period"])
    value = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    ids = rows["facility_id"].astype(str)
    in_current = period.isin(windows.current) & value.notna()
    in_previous = period.isin(windows.previous) & value.notna()
    frame = pd.DataFrame(
        {
            "facility_id": ids.to_numpy(),
            "current": value.where(in_current, 0.0).to_numpy(),
            "previous": value.where(in_previous, 0.0).to_numpy(),
            "n_current": in_current.to_numpy().astype("int64"),
            "n_previous": in_previous.to_numpy().astype("int64"),
        }
    )
    out = frame.groupby("facility_id", sort=True).sum().reset_index()
    full_current = out["n_current"] == len(windows.current)
    full_previous = out["n_previous"] == len(windows.previous)
    out["current"] = out["current"].where(full_current)
    out["previous"] = out["previous"].where(full_previous & windows.complete)
    out["complete"] = (full_current & full_previous & windows.complete).astype(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = out["current"] / out["previous"] - 1.0
    out["growth"] = growth.where(out["complete"] & (out["previous"] > 0))
    out.attrs["windows"] = windows
    return out


def group_growth(growth: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Growth per group (e.g. district) from :func:`facility_growth`: the sums over the facilities
    complete in both windows (others are counted in ``n_incomplete`` and left out of the sums).

    Parameters
    ----------
    growth : pandas.DataFrame
        From :func:`facility_growth`.
    groups : pandas.Series
        Group of each facility, indexed by facility_id (missing: no group, left out).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n_facilities``, ``n_incomplete``, ``current``, ``previous``, ``growth``
        (NaN where the previous sum is 0), sorted by group.
    """
    mapped = growth["facility_id"].map(groups)
    frame = pd.DataFrame(
        {
            "group": mapped.to_numpy(),
            "complete": growth["complete"].astype(bool).to_numpy(),
            "current": growth["current"].where(growth["complete"], 0.0).fillna(0.0).to_numpy(),
            "previous": growth["previous"].where(growth["complete"], 0.0).fillna(0.0).to_numpy(),
        }
    )
    frame = frame[frame["group"].notna()]
    grouped = frame.groupby("group", sort=True)
    out = pd.DataFrame(
        {
            "n_facilities": grouped.size(),
            "n_incomplete": grouped["complete"].agg(lambda s: int((~s).sum())),
            "current": grouped["current"].sum(),
            "previous": grouped["previous"].sum(),
        }
    )
    complete_any = grouped["complete"].any()
    out["current"] = out["current"].where(complete_any)
    out["previous"] = out["previous"].where(complete_any)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["growth"] = (out["current"] / out["previous"] - 1.0).where(out["previous"] > 0)
    out["n_incomplete"] = out["n_incomplete"].astype("int64")
    return out.rename_axis("group").reset_index()


def utilisation_series(
    utilisation: pd.DataFrame, measure: str, facility_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Total ``measure`` per period (over ``facility_ids`` when given): ``period``, ``value``,
    ``n_facilities`` (facilities with a record that period)."""
    rows = utilisation[utilisation["measure"] == measure]
    if facility_ids is not None:
        rows = rows[rows["facility_id"].isin(list(facility_ids))]
    value = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    frame = pd.DataFrame({"period": pd.to_datetime(rows["period"]), "value": value})
    frame = frame[frame["value"].notna()]
    out = frame.groupby("period").agg(value=("value", "sum"), n_facilities=("value", "size"))
    return out.reset_index().sort_values("period", ignore_index=True)


def group_series(utilisation: pd.DataFrame, measure: str, groups: pd.Series) -> pd.DataFrame:
    """Total ``measure`` per group (e.g. district) and period.

    Parameters
    ----------
    utilisation : pandas.DataFrame
        Records (``facility_id``, ``period``, ``measure``, ``value``). Not modified.
    groups : pandas.Series
        Group of each facility, indexed by facility_id (missing: left out).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``period``, ``value``, ``n_facilities`` (facilities of the group with a record
        that period), sorted by group and period.
    """
    rows = utilisation[utilisation["measure"] == measure]
    frame = pd.DataFrame(
        {
            "group": rows["facility_id"].astype(str).map(groups).to_numpy(),
            "period": pd.to_datetime(rows["period"]).to_numpy(),
            "value": pd.to_numeric(rows["value"], errors="coerce").astype("float64").to_numpy(),
        }
    )
    frame = frame[frame["group"].notna() & frame["value"].notna()]
    out = frame.groupby(["group", "period"], sort=True).agg(
        value=("value", "sum"), n_facilities=("value", "size")
    )
    return out.reset_index()


def facility_districts(
    facilities: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, column: str = "district_id"
) -> pd.Series:
    """The ``column`` (e.g. district) of the area each facility lies in, indexed by facility_id
    (None for a facility outside every area). A spatial join: no loop."""
    if column not in areas or not len(facilities):
        return pd.Series(None, index=facilities["facility_id"].to_numpy(), dtype=object)
    points = facilities[["facility_id", facilities.geometry.name]]
    if facilities.crs is not None and areas.crs is not None and facilities.crs != areas.crs:
        points = points.to_crs(areas.crs)
    joined = gpd.sjoin(points, areas[[column, areas.geometry.name]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    values = joined[column].astype(object).where(joined[column].notna(), None)
    return pd.Series(values.to_numpy(), index=joined["facility_id"].to_numpy(), dtype=object)

"""Recorded outreach sessions: where they took place, what they enrolled, and what one desk enrols
in a day.

:func:`sessions_with_areas` places sessions in areas (their own ``area_id`` or the area their point
falls in); :func:`sessions_by_area`, :func:`enrolled_by_area_month` and :func:`enrolled_by_month`
sum them for maps and trend charts; :func:`desk_capacity` takes from them the default number of
people a mobile desk enrols per day (the median per session-day), and
:func:`expected_enrolments` holds each desk-day of a plan (:mod:`analytics.outreach`) to it. Nothing here modifies its inputs; no loop runs
over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.tables.calendar import month_start, periods_calendar

__all__ = [
    "FALLBACK_DESK_CAPACITY",
    "DeskCapacity",
    "check_capacity",
    "desk_capacity",
    "enrolled_by_area_month",
    "enrolled_by_month",
    "expected_enrolments",
    "sessions_by_area",
    "sessions_with_areas",
]

#: People one desk enrols in a day where no session is recorded to take it from: one person about
#: every five minutes over an eight-hour day (registration, identity check, the scheme's form).
#: An assumption, said so on the page; a workspace's own recorded sessions replace it.
FALLBACK_DESK_CAPACITY = 100


def sessions_with_areas(outreach: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Sessions with an ``area_id`` for each: their own, or the area their point falls in.

    Parameters
    ----------
    outreach : pandas.DataFrame or geopandas.GeoDataFrame
        Sessions (``session_id``, ``date``, ``enrolled``; optional ``area_id``, point geometry,
        ``kind``, ``partner_id``). Not modified.
    areas : geopandas.GeoDataFrame
        Areas (``area_id``, polygons) in the same CRS as the sessions' points.

    Returns
    -------
    pandas.DataFrame
        The sessions (no geometry), ``date`` as datetime, ``enrolled`` as float, ``area_id``
        filled from a spatial join (an index query, no loop) where it was missing and the point
        lies in an area; ``lon`` / ``lat`` of the point where there is one.
    """
    out = pd.DataFrame(outreach.drop(columns=["geometry"], errors="ignore")).copy()
    if "area_id" not in out:
        out["area_id"] = pd.Series([None] * len(out), dtype="object")
    out["area_id"] = out["area_id"].astype("object").where(out["area_id"].notna(), None)
    out["date"] = pd.to_datetime(out["date"], errors="coerce")
    out["enrolled"] = pd.to_numeric(out["enrolled"], errors="coerce").astype("float64")
    out["lon"] = np.nan
    out["lat"] = np.nan
    if isinstance(outreach, gpd.GeoDataFrame) and len(outreach):
        geoms = outreach.geometry
        present = ~(geoms.isna() | geoms.is_empty).to_numpy()
        if present.any():
            if outreach.crs is None or areas.crs is None:
                raise ValueError("sessions and areas need a CRS to be matched by location")
            points = geoms[present].to_crs("EPSG:4326")
            out.loc[present, "lon"] = points.x.to_numpy()
            out.loc[present, "lat"] = points.y.to_numpy()
            missing = present & out["area_id"].isna().to_numpy()
            if missing.any() and len(areas):
                located = geoms[missing].to_crs(areas.crs)
                tree_idx, area_idx = areas.sindex.query(located.to_numpy(), predicate="within")
                found = pd.Series(areas["area_id"].to_numpy()[area_idx], index=tree_idx)
                found = found[~found.index.duplicated(keep="first")]
                rows = np.flatnonzero(missing)[found.index.to_numpy()]
                out.loc[out.index[rows], "area_id"] = found.to_numpy()
    return out


def _counted(base: pd.DataFrame, keys: str | list[str]) -> pd.DataFrame:
    """``sessions`` (rows) and ``enrolled`` (sum; missing when every count is missing) per key."""
    grouped = base.groupby(keys, sort=True)["enrolled"]
    return pd.DataFrame({"sessions": grouped.size(), "enrolled": grouped.sum(min_count=1)})


def sessions_by_area(sessions: pd.DataFrame) -> pd.DataFrame:
    """Per area: ``sessions``, ``enrolled`` (sum), and the last session's ``last_date``,
    ``last_enrolled`` and ``last_kind``. Sessions without an area are left out."""
    base = sessions[sessions["area_id"].notna()]
    if base.empty:
        return pd.DataFrame(
            {
                "area_id": pd.Series(dtype="object"),
                "sessions": pd.Series(dtype="int64"),
                "enrolled": pd.Series(dtype="float64"),
                "last_date": pd.Series(dtype="datetime64[ns]"),
                "last_enrolled": pd.Series(dtype="float64"),
                "last_kind": pd.Series(dtype="object"),
            }
        )
    totals = _counted(base, "area_id")
    order = base.sort_values(["area_id", "date"], kind="mergesort", na_position="first")
    last = order.groupby("area_id", sort=True).tail(1).set_index("area_id")
    kind = last["kind"] if "kind" in last else pd.Series(None, index=last.index, dtype="object")
    totals["last_date"] = last["date"]
    totals["last_enrolled"] = last["enrolled"]
    totals["last_kind"] = kind
    return totals.reset_index()


def _month(dates: pd.Series, calendar: str | None) -> pd.Series:
    """The start of the reporting month holding each date, in ``calendar`` (the workspace's
    reporting calendar; None: the one the dates are month starts of, else Gregorian)."""
    days = pd.to_datetime(dates)
    return month_start(days, periods_calendar(days, calendar))


def enrolled_by_area_month(sessions: pd.DataFrame, calendar: str | None = None) -> pd.DataFrame:
    """Per area and reporting month (its first day, in ``calendar``): ``sessions`` and
    ``enrolled`` (sum). In a Solar Hijri workspace 25 September and 20 October 2026 are both
    Mehr 1405."""
    base = sessions[sessions["area_id"].notna() & sessions["date"].notna()]
    period = _month(base["date"], calendar)
    return _counted(base.assign(period=period), ["area_id", "period"]).reset_index()


def enrolled_by_month(sessions: pd.DataFrame, calendar: str | None = None) -> pd.DataFrame:
    """Per reporting month (its first day in ``calendar``, column ``date`` for charts):
    ``sessions``, ``enrolled``."""
    base = sessions[sessions["date"].notna()]
    period = _month(base["date"], calendar)
    return _counted(base.assign(date=period), "date").reset_index()


@dataclass(frozen=True)
class DeskCapacity:
    """People one desk enrols in a day, and where the figure comes from.

    Attributes
    ----------
    per_desk_day : int
        The capacity (>= 1).
    n_sessions : int
        Session-days it was taken from (0: the fallback :data:`FALLBACK_DESK_CAPACITY`).
    kind : str or None
        ``"mobile_desk"`` when only mobile-desk sessions were used; None for every kind.
    """

    per_desk_day: int
    n_sessions: int
    kind: str | None = None

    @property
    def from_sessions(self) -> bool:
        """Whether the figure comes from recorded sessions (else it is the fallback)."""
        return self.n_sessions > 0


def desk_capacity(sessions: pd.DataFrame) -> DeskCapacity:
    """The default people-per-desk-day: the median enrolled per recorded session-day.

    A session-day is one session on one date (rows of the same session and date are added up);
    sessions with no date or no count are left out. Where sessions say their ``kind`` and some
    are mobile desks, only those count (a door-to-door round is not a desk). The median, rounded
    to a whole person and at least 1, is robust to one exceptional campaign day. With no usable
    session the fallback :data:`FALLBACK_DESK_CAPACITY` is returned (``n_sessions == 0``).

    Parameters
    ----------
    sessions : pandas.DataFrame
        Recorded sessions (``session_id``, ``date``, ``enrolled``; optional ``kind``). Not
        modified.

    Returns
    -------
    DeskCapacity
    """
    if not len(sessions) or "enrolled" not in sessions or "date" not in sessions:
        return DeskCapacity(FALLBACK_DESK_CAPACITY, 0)
    frame = pd.DataFrame(
        {
            "session": (
                sessions["session_id"].astype("string").to_numpy()
                if "session_id" in sessions
                else np.arange(len(sessions)).astype(str)
            ),
            "day": pd.to_datetime(sessions["date"], errors="coerce").dt.normalize().to_numpy(),
            "enrolled": pd.to_numeric(sessions["enrolled"], errors="coerce").to_numpy(),
            "kind": (
                sessions["kind"].astype("string").to_numpy()
                if "kind" in sessions
                else pd.array([pd.NA] * len(sessions), dtype="string")
            ),
        }
    )
    frame = frame[frame["day"].notna() & frame["enrolled"].notna() & (frame["enrolled"] >= 0)]
    kind = None
    desks = (frame["kind"] == "mobile_desk").fillna(False).to_numpy(bool)
    if desks.any():
        frame, kind = frame[desks], "mobile_desk"
    if frame.empty:
        return DeskCapacity(FALLBACK_DESK_CAPACITY, 0)
    per_day = frame.groupby(["session", "day"], sort=False)["enrolled"].sum()
    median = float(np.median(per_day.to_numpy(dtype="float64")))
    return DeskCapacity(max(1, int(np.floor(median + 0.5))), len(per_day), kind)


def check_capacity(capacity: float) -> float:
    """``capacity`` (people one desk enrols in a day) as a float; a ValueError unless > 0."""
    value = float(capacity)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"capacity must be a number > 0 (people per desk-day), got {capacity!r}")
    return value


def expected_enrolments(in_range_new: np.ndarray, capacity: float) -> np.ndarray:
    """Expected enrolments of each desk-day: the people it newly brings within range, at most
    ``capacity`` (what one desk enrols in a day).

    Parameters
    ----------
    in_range_new : numpy.ndarray
        People first within range of each desk-day (NaN or negative count as 0).
    capacity : float
        People one desk enrols in a day (> 0).

    Returns
    -------
    numpy.ndarray
        ``min(capacity, in_range_new)`` per desk-day (float): never above ``capacity``, so a
        plan of ``k`` desk-days never expects more than ``k × capacity``.
    """
    cap = check_capacity(capacity)
    gains = np.nan_to_num(np.asarray(in_range_new, dtype="float64"), nan=0.0)
    return np.clip(gains, 0.0, cap)

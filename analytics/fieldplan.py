"""The desk plan taken to the field: teams, the named place beside each desk, and the plan against
the sessions held.

A plan (:class:`analytics.outreach.DeskPlan`) puts ``N`` desks on each of ``D`` dated days.
:func:`assign_teams` shares each day's desks among ``T`` teams (desk ``k`` of a day goes to team
``((k - 1) mod T) + 1``, so every team has a desk every day while desks outnumber teams, and the
same team keeps the same desk number day after day). :func:`nearest_places` names the place
nearest each desk (a facility, as a landmark a team can find) and how far it is;
:func:`team_day_sheet` is one team's day, desk by desk. :func:`plan_against_held` sets each
desk-day of the plan beside the sessions recorded in its area on its date, and
:func:`held_by_day` sums that per day. Nothing here modifies its inputs; no loop runs over rows.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from analytics import distance

__all__ = [
    "HELD_COLUMNS",
    "assign_teams",
    "held_by_day",
    "nearest_places",
    "plan_against_held",
    "team_day_sheet",
    "teams_needed",
]

#: Columns :func:`plan_against_held` adds to the plan's rows.
HELD_COLUMNS = ("held_sessions", "held_enrolled", "held")


def teams_needed(desks_per_day: int, teams: int) -> int:
    """The teams a plan can use: between 1 and the desks of a day (a team runs one desk a day at
    least; more teams than desks would leave some idle). A ValueError below 1."""
    if int(teams) < 1:
        raise ValueError(f"a plan needs at least one team, got {teams!r}")
    return max(1, min(int(teams), int(desks_per_day)))


def assign_teams(plan: pd.DataFrame, desks_per_day: int, teams: int) -> pd.DataFrame:
    """A copy of the plan's rows with ``team`` (1…T): desk ``k`` of each day goes to team
    ``((k - 1) mod T) + 1``, T being :func:`teams_needed`.

    Parameters
    ----------
    plan : pandas.DataFrame
        The plan's rows (``day``, ``desk``…, see :class:`analytics.outreach.DeskPlan`). Not
        modified.
    desks_per_day, teams : int
        Desks on each day, and the teams that run them.
    """
    count = teams_needed(desks_per_day, teams)
    out = plan.copy()
    desk = pd.to_numeric(out["desk"], errors="coerce").astype("int64").to_numpy()
    out["team"] = ((desk - 1) % count + 1).astype("int64")
    return out


def nearest_places(
    points: pd.DataFrame, places: gpd.GeoDataFrame, names: pd.Series
) -> pd.DataFrame:
    """The named place nearest each point, and how far it is (straight line, km).

    Parameters
    ----------
    points : pandas.DataFrame
        ``lon`` and ``lat`` (EPSG:4326) of each point (e.g. a desk). Not modified.
    places : geopandas.GeoDataFrame
        Places with a geometry (points, or polygons measured from their representative point).
        Not modified.
    names : pandas.Series
        The name of each place, aligned on ``places``' index (already in the reader's
        language); places without a name are left out.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points``: ``place`` (the nearest named place, missing where there is none
        or the point has no coordinates) and ``place_km`` (float, NaN then).
    """
    out = pd.DataFrame(
        {"place": pd.Series(None, index=points.index, dtype="object"), "place_km": np.nan},
        index=points.index,
    )
    lon = pd.to_numeric(points["lon"], errors="coerce").to_numpy(dtype="float64")
    lat = pd.to_numeric(points["lat"], errors="coerce").to_numpy(dtype="float64")
    located = np.isfinite(lon) & np.isfinite(lat)
    named = names.reindex(places.index)
    keep = (named.notna() & (named.astype("string").str.strip() != "")).fillna(False)
    keep &= ~(places.geometry.isna() | places.geometry.is_empty).to_numpy()
    candidates = places.loc[keep.to_numpy()]
    if not located.any() or not len(candidates):
        return out
    origin = gpd.GeoSeries(gpd.points_from_xy(lon[located], lat[located]), crs="EPSG:4326")
    metric = distance.metric_crs_for({"points": origin, "places": candidates})
    here = distance.project_points(origin, metric, what="points")
    there = distance.project_points(candidates, metric, what="places")
    dist, nearest = cKDTree(there.xy).query(here.xy, k=1)
    rows = out.index[located]
    out.loc[rows, "place"] = named.loc[candidates.index].to_numpy()[nearest]
    out.loc[rows, "place_km"] = dist / 1000.0
    return out


def team_day_sheet(plan: pd.DataFrame, team: int, day: int) -> pd.DataFrame:
    """One team's desks on one day of a plan with teams (:func:`assign_teams`), desk by desk."""
    mask = (plan["team"] == int(team)) & (plan["day"] == int(day))
    return plan.loc[mask.to_numpy()].sort_values("desk", kind="stable").reset_index(drop=True)


def plan_against_held(plan: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """The plan's desk-days beside the sessions held: a copy of ``plan`` with
    ``held_sessions`` (sessions recorded in the desk's area on the desk-day's date),
    ``held_enrolled`` (what they enrolled; missing where none was held or none gave a count)
    and ``held`` (at least one session).

    Parameters
    ----------
    plan : pandas.DataFrame
        The plan's rows (``area_id``, ``date``…). Not modified.
    sessions : pandas.DataFrame
        Recorded sessions with an ``area_id``, a ``date`` and ``enrolled`` (e.g.
        :func:`analytics.sessions.sessions_with_areas`). Not modified.
    """
    out = plan.copy()
    day = pd.to_datetime(out["date"], errors="coerce").dt.normalize()
    base = sessions[sessions["area_id"].notna() & sessions["date"].notna()]
    keyed = pd.DataFrame(
        {
            "area_id": base["area_id"].astype(str).to_numpy(),
            "day": pd.to_datetime(base["date"], errors="coerce").dt.normalize().to_numpy(),
            "enrolled": pd.to_numeric(base["enrolled"], errors="coerce").to_numpy(),
        }
    )
    grouped = keyed.groupby(["area_id", "day"], sort=False)["enrolled"]
    counts = grouped.size()
    enrolled = grouped.sum(min_count=1)
    key = pd.MultiIndex.from_arrays([out["area_id"].astype(str).to_numpy(), day.to_numpy()])
    out["held_sessions"] = counts.reindex(key).fillna(0).astype("int64").to_numpy()
    out["held_enrolled"] = enrolled.reindex(key).astype("float64").to_numpy()
    out["held"] = out["held_sessions"].to_numpy() > 0
    return out


def held_by_day(compared: pd.DataFrame) -> pd.DataFrame:
    """Per plan day (and its date): desk-days ``planned``, desk-days ``held``, ``expected``
    enrolments and ``enrolled`` as recorded (missing where no held session gave a count)."""
    grouped = compared.groupby("day", sort=True)
    return pd.DataFrame(
        {
            "date": grouped["date"].first(),
            "planned": grouped.size(),
            "held": grouped["held"].sum().astype("int64"),
            "expected": grouped["enrolled"].sum(),
            "enrolled": grouped["held_enrolled"].sum(min_count=1),
        }
    ).reset_index()

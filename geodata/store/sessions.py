"""Outreach sessions held, recorded from the dashboard: one session (an area, a day, the people it
enrolled, a mobile desk or a door-to-door round, where it stood) added to the ``outreach`` table
and saved as a new version of the workspace.

A partner records for its own areas only: :func:`record_session` reads the areas from the
workspace itself and refuses an area the partner is not responsible for, whatever the page sent.
The previous version stays, so a record can be compared and undone; the audit trail records who
recorded what.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geodata.store import messages
from geodata.store.workspace import read_workspace, save_version, unchanged_since
from geodata.tables import schema as S
from geodata.tables.problems import DataError
from geodata.users import audit
from geodata.users.audit import Actor

__all__ = ["record_session", "with_session"]


def with_session(
    outreach: pd.DataFrame,
    *,
    area_id: str,
    date: dt.date,
    enrolled: int,
    kind: str,
    partner_id: str | None,
    lon: float | None = None,
    lat: float | None = None,
) -> gpd.GeoDataFrame:
    """A copy of ``outreach`` with one more session (a new ``session_id``), in EPSG:4326.

    Raises
    ------
    DataError
        A negative or fractional count, or an unknown kind.
    """
    if isinstance(enrolled, bool) or not float(enrolled).is_integer() or int(enrolled) < 0:
        raise DataError(f"People enrolled is a whole number of at least 0, not {enrolled!r}.")
    if kind not in S.OUTREACH_KINDS:
        raise DataError(f"A session is one of {', '.join(S.OUTREACH_KINDS)}, not {kind!r}.")
    day = pd.Timestamp(date).normalize()
    taken = set(outreach["session_id"].astype(str)) if "session_id" in outreach else set()
    stem = f"R{day:%Y%m%d}-{area_id}"
    number = 1 + sum(1 for s in taken if s.startswith(stem))
    while f"{stem}-{number}" in taken:
        number += 1
    located = lon is not None and lat is not None and math.isfinite(lon) and math.isfinite(lat)
    row = gpd.GeoDataFrame(
        {
            "session_id": [f"{stem}-{number}"],
            "date": [day],
            "enrolled": pd.array([int(enrolled)], dtype="Int64"),
            "area_id": [str(area_id)],
            "partner_id": [partner_id],
            "kind": [kind],
        },
        geometry=[Point(lon, lat) if located else None],
        crs="EPSG:4326",
    )
    if not len(outreach):
        return row
    if isinstance(outreach, gpd.GeoDataFrame) and outreach.crs is not None:
        before = outreach.to_crs("EPSG:4326")
    else:  # a table of sessions placed by area only
        before = gpd.GeoDataFrame(
            outreach.drop(columns=["geometry"], errors="ignore"),
            geometry=[None] * len(outreach),
            crs="EPSG:4326",
        )
    merged = pd.concat([before, row], ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")


def record_session(
    workspace: str | Path,
    *,
    area_id: str,
    date: dt.date,
    enrolled: int,
    kind: str,
    author: str,
    partner: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    expected_version: int | None = None,
    actor: Actor | None = None,
) -> int:
    """Record a session held in ``area_id`` on ``date`` and save a new version.

    Parameters
    ----------
    workspace
        The workspace to change.
    area_id, date, enrolled, kind
        Where and when it was held, the people it enrolled, ``mobile_desk`` or
        ``door_to_door``.
    author
        Who records it (kept with the version).
    partner
        The partner recording it, for a partner's session: the area must be one of its own (read
        from the workspace, not from the caller). None for a planner.
    lon, lat
        Where the desk stood (EPSG:4326), when known.
    expected_version
        The version the person was looking at: when the workspace has moved on meanwhile the
        record is refused rather than added to data they have not seen.
    actor
        Who records it, for the audit trail (default: the person at the command line).

    Returns
    -------
    int
        The new version number.

    Raises
    ------
    DataError
        An unknown area, an area of another partner, a bad count or kind, or a workspace that
        changed meanwhile.
    """
    unchanged_since(workspace, expected_version, "record the session again")
    tables = read_workspace(workspace)
    areas = tables["areas"]
    match = areas.loc[areas["area_id"].astype(str) == str(area_id)]
    if not len(match):
        raise DataError(f"Unknown area {area_id!r}: a session is recorded in an area.")
    owner = match["partner_id"].iloc[0] if "partner_id" in match else None
    owner = None if owner is None or pd.isna(owner) else str(owner)
    if partner is not None and owner != str(partner):
        raise DataError(
            f"Area {area_id!r} is not one of partner {partner!r}'s areas: a partner records "
            "sessions in its own areas only."
        )
    outreach = with_session(
        tables["outreach"],
        area_id=str(area_id),
        date=date,
        enrolled=enrolled,
        kind=kind,
        partner_id=owner,
        lon=lon,
        lat=lat,
    )
    day = pd.Timestamp(date).date().isoformat()
    what = f"area {area_id} on {day}: {int(enrolled)} enrolled ({kind})"
    number = save_version(
        workspace,
        {"outreach": outreach},
        message=messages.message(
            "session", area=area_id, day=day, enrolled=int(enrolled), kind=kind
        ),
        author=author,
        summary={"session": {"area_id": str(area_id), "date": day, "enrolled": int(enrolled)}},
    )
    audit.append(
        workspace, actor or audit.cli_actor(author), "session_record", f"{what}; version {number}"
    )
    return number

"""What-if scenarios as data: the changes to a facility network (upgrade a supply value, open,
close, or a new site), applied to a copy of the facilities, as rows of the ``scenarios`` table, new
sites chosen by :mod:`analytics.siting` as changes, and the list of stored scenarios.

A scenario is a list of :class:`Change` rows; :func:`apply_changes` applies them to a *copy* of the
facilities, and :func:`analytics.whatif.run_scenario` evaluates the network before and after.
Nothing here modifies its inputs; loops run over the few scenario changes, never over areas or
facilities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics import access, distance
from analytics.capacity import SUPPLY_COLUMNS
from geodata.tables.schema import SCENARIO_KINDS

__all__ = [
    "Change",
    "MissingFacilityError",
    "apply_changes",
    "changes_from_frame",
    "changes_to_frame",
    "scenario_list",
    "sites_after_changes",
    "sites_as_changes",
]

# --------------------------------------------------------------------------------------------------
# what-if: changes to the network
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change of a what-if scenario.

    ``kind`` is ``upgrade`` (set ``supply`` column to ``value``), ``open`` (status operational),
    ``close`` (status closed) or ``new_site`` (a new operational facility of ``facility_type`` at
    ``lon``/``lat``, with ``value`` in its ``supply`` column when given).
    """

    kind: str
    facility_id: str
    supply: str | None = None
    value: float | None = None
    facility_type: str | None = None
    facility_name: str | None = None
    lon: float | None = None
    lat: float | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCENARIO_KINDS:
            raise ValueError(f"kind must be one of {SCENARIO_KINDS}, got {self.kind!r}")
        if not str(self.facility_id or "").strip():
            raise ValueError("a change needs a facility_id")
        if self.kind == "upgrade":
            if self.supply not in SUPPLY_COLUMNS:
                raise ValueError(f"an upgrade changes one of {SUPPLY_COLUMNS}, not {self.supply!r}")
            if self.value is None or not np.isfinite(self.value) or self.value < 0:
                raise ValueError(f"an upgrade needs a value >= 0, got {self.value!r}")
        if self.kind == "new_site":
            if self.facility_type is None:
                raise ValueError("a new site needs a facility_type")
            if self.lon is None or self.lat is None:
                raise ValueError("a new site needs lon and lat (EPSG:4326)")
            if self.supply is not None and self.supply not in SUPPLY_COLUMNS:
                raise ValueError(f"supply must be one of {SUPPLY_COLUMNS}, not {self.supply!r}")


class MissingFacilityError(ValueError):
    """A change names a facility the facilities table does not hold (e.g. a saved scenario after
    an import removed the facility); ``facility_ids`` lists them."""

    def __init__(self, facility_ids: Sequence[str]) -> None:
        self.facility_ids = tuple(str(f) for f in facility_ids)
        super().__init__("no facility with id(s): " + ", ".join(self.facility_ids))


def _changes_frame(changes: Sequence[Change] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(changes, pd.DataFrame):
        return changes_to_frame(changes_from_frame(changes))
    return changes_to_frame(list(changes))


def apply_changes(
    facilities: gpd.GeoDataFrame, changes: Sequence[Change] | pd.DataFrame
) -> gpd.GeoDataFrame:
    """The facilities after a scenario's changes, as a new frame (``facilities`` is not modified).

    New sites are added first; then, per facility, the last upgrade of each supply column and the
    last open/close win. Raises :class:`MissingFacilityError` (a ``ValueError``) for a change
    naming a facility that does not exist, ``ValueError`` for a new site whose id exists already.
    """
    table = _changes_frame(changes)
    out = facilities.copy()
    ids = out["facility_id"].astype(str)
    new = table[table["kind"] == "new_site"]
    clash = new["facility_id"].isin(set(ids)) | new["facility_id"].duplicated()
    if clash.any():
        raise ValueError(
            "new site id(s) already used: " + ", ".join(new.loc[clash, "facility_id"].astype(str))
        )
    if len(new):
        added = pd.DataFrame(
            {
                "facility_id": new["facility_id"].astype(str).to_numpy(),
                "name": new["facility_name"]
                .where(new["facility_name"].notna(), new["facility_id"])
                .astype(str)
                .to_numpy(),
                "type": new["facility_type"].to_numpy(),
                "status": "operational",
            }
        )
        for column in SUPPLY_COLUMNS:
            with_value = (new["supply"] == column).to_numpy()
            if with_value.any():
                added[column] = np.where(with_value, new["value"].to_numpy(), np.nan)
        geometry = gpd.points_from_xy(
            new["lon"].astype(float), new["lat"].astype(float), crs="EPSG:4326"
        )
        added_gdf = gpd.GeoDataFrame(added, geometry=geometry, crs="EPSG:4326")
        if out.crs is not None and not added_gdf.crs.equals(out.crs):
            added_gdf = added_gdf.to_crs(out.crs)
        if added_gdf.geometry.name != out.geometry.name:
            added_gdf = added_gdf.rename_geometry(out.geometry.name)
        if "status" not in out:
            out["status"] = None
        for column in added_gdf.columns:
            if column not in out:
                out[column] = pd.Series(np.nan, index=out.index, dtype="float64")
        dtypes = out.dtypes
        combined = pd.concat(
            [out, added_gdf[[c for c in out.columns if c in added_gdf]]], ignore_index=True
        )
        for column in SUPPLY_COLUMNS:
            if column in dtypes and isinstance(dtypes[column], pd.Int64Dtype):
                numbers = pd.to_numeric(combined[column], errors="coerce").astype("float64")
                combined[column] = numbers.round().astype("Int64")
        out = gpd.GeoDataFrame(combined, geometry=facilities.geometry.name, crs=facilities.crs)
        ids = out["facility_id"].astype(str)
    known = set(ids)
    edits = table[table["kind"] != "new_site"]
    unknown = ~edits["facility_id"].isin(known)
    if unknown.any():
        raise MissingFacilityError(
            list(dict.fromkeys(edits.loc[unknown, "facility_id"].astype(str)))
        )
    upgrades = edits[edits["kind"] == "upgrade"].drop_duplicates(
        ["facility_id", "supply"], keep="last"
    )
    for column, rows in upgrades.groupby("supply", sort=False):
        values = rows.set_index("facility_id")["value"].astype("float64")
        hit = ids.isin(values.index).to_numpy()
        if column not in out:
            out[column] = pd.array([pd.NA] * len(out), dtype="Int64")
        if isinstance(out[column].dtype, pd.Int64Dtype):
            replaced = ids.map(values).round().astype("Int64")
        else:
            replaced = ids.map(values)
        out[column] = out[column].where(~hit, replaced)
    status = edits[edits["kind"].isin(["open", "close"])].drop_duplicates(
        "facility_id", keep="last"
    )
    if len(status):
        target = status.set_index("facility_id")["kind"].map(
            {"open": "operational", "close": "closed"}
        )
        hit = ids.isin(target.index).to_numpy()
        if "status" not in out:
            out["status"] = None
        out["status"] = out["status"].astype(object).where(~hit, ids.map(target))
    return out


def changes_to_frame(
    changes: Sequence[Change],
    *,
    scenario_id: str | None = None,
    name: str | None = None,
    author: str | None = None,
    created: str | None = None,
) -> pd.DataFrame:
    """Changes as rows of the ``scenarios`` table (``change`` numbers them from 1)."""
    frame = pd.DataFrame(
        {
            "kind": [c.kind for c in changes],
            "facility_id": [str(c.facility_id) for c in changes],
            "supply": [c.supply for c in changes],
            "value": pd.array([c.value for c in changes], dtype="Float64").astype("float64"),
            "facility_type": [c.facility_type for c in changes],
            "facility_name": [c.facility_name for c in changes],
            "lon": pd.array([c.lon for c in changes], dtype="Float64").astype("float64"),
            "lat": pd.array([c.lat for c in changes], dtype="Float64").astype("float64"),
            "note": [c.note for c in changes],
        }
    )
    for column in ("supply", "facility_type", "facility_name", "note"):
        frame[column] = frame[column].astype(object)
    frame.insert(0, "change", pd.array(np.arange(1, len(frame) + 1), dtype="Int64"))
    if scenario_id is not None or name is not None:
        frame.insert(0, "scenario_id", scenario_id)
        frame.insert(2, "name", name)
        frame["author"] = author
        frame["created"] = created
    return frame


def _optional(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def changes_from_frame(frame: pd.DataFrame) -> list[Change]:
    """The changes held in rows of the ``scenarios`` table (in ``change`` order when present)."""
    if "change" in frame:
        frame = frame.sort_values("change", kind="stable")
    columns = [f.name for f in Change.__dataclass_fields__.values()]
    present = [c for c in columns if c in frame]
    records = frame[present].to_dict("records")
    changes = []
    for record in records:
        # a record's cells are untyped table values; the numbers are made floats just below
        values: dict[str, Any] = {k: _optional(v) for k, v in record.items()}
        for number in ("value", "lon", "lat"):
            if values.get(number) is not None:
                values[number] = float(values[number])
        values["facility_id"] = str(values["facility_id"])
        changes.append(Change(**values))
    return changes


def sites_as_changes(
    chosen: gpd.GeoDataFrame,
    facility_type: str,
    *,
    prefix: str = "NEW",
    taken: Iterable[str] = (),
    supply: str | None = None,
    value: float | None = None,
    names: Sequence[str] | None = None,
) -> list[Change]:
    """Sites chosen by :func:`analytics.siting.choose_sites` as ``new_site`` changes, with ids
    ``{prefix}-1``, ``{prefix}-2``… that avoid the ids in ``taken``."""
    points = chosen.geometry
    if chosen.crs is not None and not chosen.crs.equals("EPSG:4326"):
        points = points.to_crs(4326)
    used = set(map(str, taken))
    ids: list[str] = []
    number = 1
    while len(ids) < len(chosen):
        candidate = f"{prefix}-{number}"
        if candidate not in used:
            ids.append(candidate)
        number += 1
    labels = list(names) if names is not None else [None] * len(chosen)
    return [
        Change(
            "new_site",
            fid,
            supply=supply,
            value=value,
            facility_type=facility_type,
            facility_name=label,
            lon=float(x),
            lat=float(y),
        )
        for fid, x, y, label in zip(
            ids, points.x.to_numpy(), points.y.to_numpy(), labels, strict=True
        )
    ]


def sites_after_changes(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    changes: Sequence[Change] | pd.DataFrame,
    care_types: Sequence[str],
    k: int,
    radius_km: float,
    *,
    weight: str = "population",
    time_limit: float | None = 20.0,
    trips: Callable[[gpd.GeoDataFrame], pd.DataFrame] | None = None,
):
    """New sites chosen by :func:`analytics.siting.choose_sites` for the network *after*
    ``changes``: a facility the what-if closes no longer counts, one it opens or adds does, and
    no neighbourhood where a facility of ``care_types`` already stands (within 1 m: e.g. a site
    added before) is a candidate again.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Demand: areas with ``weight``, measured from :func:`analytics.distance.area_points` (each
        of those points is a candidate site).
    facilities : geopandas.GeoDataFrame
        The facilities as stored; not modified.
    changes
        The pending changes (see :func:`apply_changes`, which may raise ``ValueError``).
    care_types : sequence of str
        Facility types that count as the care the sites bring within reach.
    k, radius_km, weight, time_limit
        As for :func:`analytics.siting.choose_sites`.
    trips : callable, optional
        Within a travel time instead of a distance (``radius_km`` then in minutes): the trips of
        the areas (row positions in ``areas``) to any sites, within ``radius_km`` —
        ``trips(sites)`` gives ``area``, ``facility`` (row position in ``sites``) and ``minutes``,
        as :func:`traveltime.workspace.travel_pairs` does; called for the candidates and for the
        facilities counted after the changes.

    Returns
    -------
    (SitingResult, geopandas.GeoDataFrame)
        As :func:`analytics.siting.choose_sites`.
    """
    from analytics import siting

    after = apply_changes(facilities, changes)
    counted = access.available_facilities(after)
    existing = counted[counted["type"].isin(list(care_types)).to_numpy()]
    keep = [c for c in ("area_id", "name", weight) if c in areas]
    # Demand and candidate sites at the point every area is measured from (as on every page).
    demand = gpd.GeoDataFrame(
        areas[keep], geometry=distance.area_points(areas).to_numpy(), crs=areas.crs
    )
    candidates = demand
    if len(existing) and len(demand):
        metric = distance.metric_crs_for({"demand": demand, "existing facilities": existing})
        spots = distance.project_points(demand, metric, what="candidates")
        have = distance.project_points(existing, metric, what="existing facilities")
        taken, _, _ = distance.pairs_within(spots, have, 0.001)
        free = np.ones(len(demand), dtype=bool)
        free[taken] = False
        candidates = demand.iloc[np.flatnonzero(free)]
    travel: dict[str, pd.DataFrame] = {}
    if trips is not None:
        travel = {"pairs": trips(candidates), "existing_pairs": trips(existing)}
    return siting.choose_sites(
        demand,
        existing,
        int(k),
        float(radius_km),
        candidates=candidates,
        weight=weight,
        time_limit=time_limit,
        **travel,
    )


# --------------------------------------------------------------------------------------------------
# scenarios stored in the workspace
# --------------------------------------------------------------------------------------------------


def scenario_list(scenarios: pd.DataFrame) -> pd.DataFrame:
    """One row per stored scenario: ``scenario_id``, ``name``, ``author``, ``created``,
    ``kinds`` (the kinds of change, comma-separated), ``n_changes``, ``facility_ids``; newest
    first."""
    columns = ["scenario_id", "name", "author", "created", "kinds", "n_changes", "facility_ids"]
    if not len(scenarios):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame = scenarios.copy()
    for column in ("author", "created"):
        if column not in frame:
            frame[column] = None
    frame = frame.sort_values(["scenario_id", "change"], kind="stable")
    grouped = frame.groupby("scenario_id", sort=False)
    out = pd.DataFrame(
        {
            "name": grouped["name"].first(),
            "author": grouped["author"].first(),
            "created": grouped["created"].first(),
            "kinds": grouped["kind"].agg(lambda s: ", ".join(dict.fromkeys(s.astype(str)))),
            "n_changes": grouped.size().astype("int64"),
            "facility_ids": grouped["facility_id"].agg(
                lambda s: ", ".join(dict.fromkeys(s.astype(str)))
            ),
        }
    ).reset_index()
    return out.sort_values(["created", "scenario_id"], ascending=False, ignore_index=True)[columns]

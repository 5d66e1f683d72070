"""Field work lists: one row per area with what a field team needs (coverage, the partner and its
contact, the nearest care and insurance office, recorded sessions, the desk plan's days, model
villages), aggregates only: never a person or household record.

Nothing here modifies its inputs; no loop runs over areas.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics import distance
from analytics.access import CARE_TYPES, UNITS
from analytics.outreach import DeskPlan
from analytics.sessions import sessions_by_area
from analytics.villages import ModelVillages

__all__ = ["WORK_LIST_COLUMNS", "work_list", "work_list_columns"]

#: Columns of :func:`work_list`, in order: per-area aggregates only (the reach of care and of an
#: insurance office in straight-line km; :func:`work_list_columns` in another unit).
WORK_LIST_COLUMNS = (
    "area_id",
    "name",
    "district_id",
    "district_name",
    "partner_id",
    "partner_name",
    "partner_contact",
    "population",
    "households",
    "insured",
    "uninsured",
    "coverage",
    "nearest_care",
    "nearest_care_type",
    "nearest_care_km",
    "nearest_office",
    "nearest_office_km",
    "sessions",
    "enrolled_total",
    "last_session_date",
    "last_session_enrolled",
    "last_session_kind",
    "desk_day",
    "desk_date",
    "desk_number",
    "reached_day",
    "model_village",
)
#: The work list's columns measured in the access unit: ``nearest_{name}_{unit}``.
_REACH_COLUMNS = ("nearest_care_km", "nearest_office_km")
#: Which facility set of a ``nearest`` table (:data:`analytics.access.DISTANCE_SETS`) each
#: nearest column of the work list reads.
_NEAREST_SETS = {"care": "care", "office": "insurance_office"}


def work_list_columns(unit: str = "km") -> tuple[str, ...]:
    """:data:`WORK_LIST_COLUMNS` with the reach of care and of an office in ``unit`` (``km`` in a
    straight line, ``min`` of travel): ``nearest_care_{unit}``, ``nearest_office_{unit}``."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    return tuple(
        c.removesuffix("_km") + f"_{unit}" if c in _REACH_COLUMNS else c for c in WORK_LIST_COLUMNS
    )


def work_list(
    areas: gpd.GeoDataFrame,
    *,
    coverage: pd.DataFrame | None = None,
    partners: pd.DataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    sessions: pd.DataFrame | None = None,
    plan: DeskPlan | None = None,
    villages: ModelVillages | None = None,
    points: gpd.GeoSeries | None = None,
    crs: object = None,
    nearest: pd.DataFrame | None = None,
    unit: str = "km",
) -> pd.DataFrame:
    """One row per area with what a field team needs: aggregates only.

    Never a person or household record: the output has exactly the columns of
    :func:`work_list_columns` in ``unit`` whatever columns the inputs carry.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas (``area_id``, ``name``, ``population``; optional ``district_id``,
        ``district_name``, ``partner_id``, ``households``). Not modified.
    coverage : pandas.DataFrame, optional
        Per area ``area_id``, ``insured``, ``uninsured``, ``coverage`` (e.g.
        :func:`analytics.coverage.coverage_by_area`); without it those columns are missing.
    partners : pandas.DataFrame, optional
        ``partner_id``, ``name``, optional ``contact``.
    facilities : geopandas.GeoDataFrame, optional
        Facilities that count (``facility_id``, ``name``, ``type``, points), same CRS as
        ``areas``: the nearest care facility (hospital, polyclinic, clinic, health post) and the
        nearest insurance office, with straight-line distance in km.
    sessions : pandas.DataFrame, optional
        Sessions with areas (:func:`analytics.sessions.sessions_with_areas`).
    plan : DeskPlan, optional
        ``desk_day`` / ``desk_date`` / ``desk_number`` where a desk stands in the area,
        ``reached_day`` (the first day a desk is within range).
    villages : ModelVillages, optional
        ``model_village`` is True for the chosen areas.
    points, crs
        As for :func:`analytics.distance.nearest_facility_km`.
    nearest : pandas.DataFrame, optional
        The nearest facility measured otherwise, indexed like ``areas``: ``care_{unit}``,
        ``care_id``, ``insurance_office_{unit}`` and ``insurance_office_id`` (e.g. travel minutes
        over the roads, ``unit="min"``, infinite where no road reaches one); the names and
        types are still taken from ``facilities``. By default the straight-line km.
    unit : {"km", "min"}, default "km"
        What the reach columns measure (``nearest_care_{unit}``, ``nearest_office_{unit}``);
        minutes need ``nearest``.

    Returns
    -------
    pandas.DataFrame
        :func:`work_list_columns` of ``unit``, one row per area, in the order of ``areas``.
    """
    for column in ("area_id", "name", "population"):
        if column not in areas:
            raise ValueError(f"areas have no column {column!r}")
    columns = work_list_columns(unit)
    if unit != "km" and nearest is None:
        raise ValueError(f"a work list in {unit!r} needs the nearest facilities measured so")
    n = len(areas)

    def col(name: str) -> np.ndarray:
        return areas[name].to_numpy() if name in areas else np.full(n, None, dtype=object)

    out = pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "name": areas["name"].to_numpy(),
            "district_id": col("district_id"),
            "district_name": col("district_name"),
            "partner_id": col("partner_id"),
        }
    )
    ids = out["area_id"]
    if partners is not None and len(partners):
        by_id = partners.drop_duplicates("partner_id").set_index(
            partners["partner_id"].drop_duplicates().astype("string")
        )
        key = out["partner_id"].astype("string")
        out["partner_name"] = key.map(by_id["name"]).astype("object").to_numpy()
        contact = by_id["contact"] if "contact" in by_id else pd.Series(dtype="object")
        out["partner_contact"] = key.map(contact).astype("object").to_numpy()
    else:
        out["partner_name"] = None
        out["partner_contact"] = None
    out["population"] = pd.to_numeric(areas["population"], errors="coerce").to_numpy()
    out["households"] = (
        pd.to_numeric(areas["households"], errors="coerce").to_numpy()
        if "households" in areas
        else np.nan
    )
    for column in ("insured", "uninsured", "coverage"):
        if coverage is not None and column in coverage:
            series = coverage.drop_duplicates("area_id").set_index("area_id")[column]
            out[column] = ids.map(series).astype("float64").to_numpy()
        else:
            out[column] = np.nan

    for name in _NEAREST_SETS:
        out[f"nearest_{name}"] = None
        out[f"nearest_{name}_{unit}"] = np.nan
    out["nearest_care_type"] = None
    if facilities is not None and len(facilities) and n:
        if nearest is None:
            groups: dict[str, Sequence[str]] = {
                "care": list(CARE_TYPES),
                "office": ["insurance_office"],
            }
            found_km = distance.nearest_facility_km(
                areas, facilities, types=[], groups=groups, points=points, crs=crs
            )
            near = {name: (found_km[f"{name}_id"], found_km[f"{name}_km"]) for name in groups}
        else:
            near = {
                name: (nearest[f"{measured}_id"], nearest[f"{measured}_{unit}"])
                for name, measured in _NEAREST_SETS.items()
            }
        fac = facilities.drop_duplicates("facility_id").set_index("facility_id")
        for name, (found, reach) in near.items():
            out[f"nearest_{name}"] = found.map(fac["name"]).to_numpy()
            out[f"nearest_{name}_{unit}"] = (
                pd.to_numeric(reach, errors="coerce").astype("float64").round(3).to_numpy()
            )
        out["nearest_care_type"] = near["care"][0].map(fac["type"]).to_numpy()

    if sessions is not None and len(sessions):
        per_area = sessions_by_area(sessions).set_index("area_id")
        out["sessions"] = ids.map(per_area["sessions"]).fillna(0).astype("int64").to_numpy()
        out["enrolled_total"] = ids.map(per_area["enrolled"]).to_numpy()
        out["last_session_date"] = ids.map(per_area["last_date"]).to_numpy()
        out["last_session_enrolled"] = ids.map(per_area["last_enrolled"]).to_numpy()
        out["last_session_kind"] = ids.map(per_area["last_kind"]).to_numpy()
    else:
        out["sessions"] = 0
        out["enrolled_total"] = np.nan
        out["last_session_date"] = pd.NaT
        out["last_session_enrolled"] = np.nan
        out["last_session_kind"] = None

    if plan is not None:
        desks = plan.plan.drop_duplicates("area_id").set_index("area_id")
        reach = plan.reach.set_index("area_id")
        out["desk_day"] = ids.map(desks["day"]).astype("Int64")
        out["desk_date"] = pd.to_datetime(ids.map(desks["date"])).to_numpy()
        out["desk_number"] = ids.map(desks["desk"]).astype("Int64")
        out["reached_day"] = ids.map(reach["reached_day"]).astype("Int64")
    else:
        for column in ("desk_day", "desk_number", "reached_day"):
            out[column] = pd.array([pd.NA] * n, dtype="Int64")
        out["desk_date"] = pd.NaT
    chosen = set(villages.table["area_id"]) if villages is not None else set()
    out["model_village"] = ids.isin(chosen).to_numpy()
    return out[list(columns)]

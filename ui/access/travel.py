"""Cached travel-time loaders of the access pages (#19): whether a workspace version can measure
travel time, each area's minutes to the nearest facility of every set, and capacity within a
catchment in minutes (2SFCA / E2SFCA over travel times).

Keyed like :mod:`ui.access.data` on the session's source + version and plain parameters, plus the
travel mode; the road network itself is processed once per stored set of files
(:mod:`traveltime.workspace`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import access, fca
from analytics.capacity import default_decay
from traveltime import workspace as travel
from ui import data
from ui.access import data as access_data
from ui.scope import Source, source_path

#: The "measure by" choices: straight line (km) or travel time over the roads, by mode.
MEASURES: tuple[str, ...] = ("line", "motorised", "walking")


def unit_of(measure: str) -> str:
    """The unit the access columns are in for ``measure``: ``km`` or ``min``."""
    return "km" if measure == "line" else "min"


@st.cache_data(show_spinner=False, max_entries=8)
def has_roads(source: Source, version: int) -> bool:
    """Whether the version holds a road extract, so travel time can be measured."""
    return travel.has_roads(source_path(source), version)


@st.cache_data(show_spinner=False, max_entries=16)
def nearest_minutes(
    source: Source, version: int, under_construction: bool, as_of: dt.date | None, mode: str
) -> pd.DataFrame:
    """Per area: ``area_id`` and, for each of :data:`analytics.access.DISTANCE_SETS`,
    ``{name}_min`` (travel minutes over the roads by ``mode``) and ``{name}_id``."""
    areas = data.tables(source, version)["areas"]
    counted = access_data.counted_facilities(source, version, under_construction, as_of)
    result = travel.nearest_minutes(
        source_path(source),  # the roads are the workspace's; the areas are the scope's
        version,
        areas,
        counted,
        access.DISTANCE_SETS,
        points=access_data.area_points(source, version),
        mode=mode,
    )
    result.insert(0, "area_id", areas["area_id"].to_numpy())
    return result.reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=16)
def capacity_minutes(
    source: Source,
    version: int,
    under_construction: bool,
    as_of: dt.date | None,
    supply: str | None,
    catchment_min: float,
    decay: bool,
    mode: str,
) -> pd.DataFrame:
    """:func:`ui.access.data.capacity` measured in travel minutes by ``mode``: the catchment
    (and the decay's zones) in minutes, the area–facility trips from the road network."""
    areas = data.tables(source, version)["areas"]
    counted, column = access_data.supplying(source, version, under_construction, as_of, supply)
    pairs = travel.travel_pairs(
        source_path(source),  # the roads are the workspace's; the areas are the scope's
        version,
        areas,
        counted,
        float(catchment_min),
        points=access_data.area_points(source, version),
        mode=mode,
    )
    result = fca.two_step_fca(
        areas,
        counted,
        catchment_km=float(catchment_min),
        supply=column,
        decay=default_decay(catchment_min) if decay else None,
        pairs=pairs,
    )
    result.insert(0, "area_id", areas["area_id"].to_numpy())
    return result.reset_index(drop=True)

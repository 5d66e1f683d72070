"""Speed of each road from its OpenStreetMap tags (the GeoHealthAccess / AccessMod speed table).

speed = the ``highway`` class's speed × min(tracktype, smoothness, surface factors); a tag
missing from the table counts as 1, a ``highway`` value missing from it leaves the way out (NaN).
Ferries (``route=ferry``) move at the table's ferry speed. Walking: every way the table knows
is walked at the walking speed; ferries keep theirs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WALK_KMH = 5.0
#: The land cover whose walking speed a walk off the roads takes over a network: built-up land,
#: where the areas' measuring points (their people's centres) lie.
WALK_COVER = "BuiltUp"
MODES = ("walking", "motorised")
QUALITY_TAGS = ("tracktype", "smoothness", "surface")
ONEWAY_FORWARD = {"yes", "true", "1"}
ONEWAY_BACKWARD = {"-1", "reverse"}

# The default speed table (km/h and factors): GeoHealthAccess's ``moving-speeds.json`` (MIT,
# © 2020 Y. Forget et al.), the same as ../shared/data/comoros_geohealthaccess/moving-speeds.json.
DEFAULT_TABLE: dict = {
    "land-cover": {
        "Bare": 3.0,
        "Crops": 2.5,
        "Grass": 4.86,
        "MossLichen": 4.86,
        "Shrub": 3.0,
        "Snow": 1.62,
        "Tree": 4.0,
        "BuiltUp": 5.0,
        "PermanentWater": 0.0,
        "SeasonalWater": 0.5,
    },
    "transport": {
        "highway": {
            "motorway": 90,
            "trunk": 80,
            "trunk_link": 80,
            "primary": 70,
            "primary_link": 70,
            "secondary": 60,
            "secondary_link": 60,
            "tertiary": 50,
            "tertiary_link": 50,
            "unclassified": 40,
            "residential": 30,
            "road": 30,
            "living_street": 20,
            "service": 20,
            "track": 20,
            "path": 10,
            "footway": 1,
        },
        "tracktype": {"grade1": 1.0, "grade2": 0.9, "grade3": 0.8, "grade4": 0.7, "grade5": 0.6},
        "surface": {
            "asphalt": 1.0,
            "paved": 0.9,
            "concrete": 0.9,
            "compacted": 0.85,
            "ground": 0.7,
            "dirt": 0.7,
            "unpaved": 0.7,
            "soil": 0.7,
            "gravel": 0.7,
        },
        "smoothness": {
            "excellent": 1.0,
            "very_good": 0.9,
            "good": 0.8,
            "intermediate": 0.7,
            "bad": 0.6,
            "very_bad": 0.5,
            "horrible": 0.4,
            "very_horrible": 0.3,
            "impassable": 0.0,
        },
        "route": {"ferry": 5},
    },
}


def walk_speed(table: dict) -> float:
    """The walking speed (km/h) of the off-road legs of a trip over a road network: the speed
    table's land-cover speed for :data:`WALK_COVER` (GeoHealthAccess's table: 5 km/h), as
    AccessMod and GeoHealthAccess walk off the network at the land cover's speed; the network
    engine knows no cover along a leg, so it takes the cover where people live. :data:`WALK_KMH`
    where the table has no positive speed for it."""
    speed = pd.to_numeric(pd.Series([table.get("land-cover", {}).get(WALK_COVER)]), errors="coerce")
    value = float(speed.iloc[0])
    return value if np.isfinite(value) and value > 0 else WALK_KMH


def road_speeds(
    ways: pd.DataFrame, table: dict, mode: str = "motorised", walk_kmh: float = WALK_KMH
) -> np.ndarray:
    """km/h for each row of ``ways`` (columns ``highway`` and optionally the quality tags and
    ``route``); NaN where the way carries no traffic in this table."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    transport = table["transport"]
    n = len(ways)
    highway = ways["highway"] if "highway" in ways else pd.Series([None] * n, index=ways.index)
    base = pd.to_numeric(highway.map(transport["highway"]), errors="coerce").to_numpy(float)
    factor = np.ones(n)
    for tag in QUALITY_TAGS:
        if tag in ways and tag in transport:
            values = pd.to_numeric(ways[tag].map(transport[tag]), errors="coerce")
            factor = np.minimum(factor, values.fillna(1.0).to_numpy(float))
    speed = base * factor
    if mode == "walking":
        speed = np.where(np.isfinite(speed) & (speed > 0), walk_kmh, np.nan)
    if "route" in ways:
        ferry = (ways["route"] == "ferry").to_numpy()
        speed = np.where(ferry, float(transport.get("route", {}).get("ferry", np.nan)), speed)
    speed = np.where(speed > 0, speed, np.nan)
    return speed


def oneway_of(ways: pd.DataFrame) -> np.ndarray:
    """1 = only u → v, -1 = only v → u, 0 = both (``oneway`` tags and roundabouts)."""
    n = len(ways)
    tag = ways["oneway"] if "oneway" in ways else pd.Series([None] * n, index=ways.index)
    tag = tag.fillna("").astype(str).str.lower()
    way = np.where(tag.isin(ONEWAY_FORWARD), 1, np.where(tag.isin(ONEWAY_BACKWARD), -1, 0))
    junction = ways["junction"] if "junction" in ways else pd.Series([None] * n, index=ways.index)
    roundabout = (junction == "roundabout").to_numpy() & (way == 0)
    return np.where(roundabout, 1, way)

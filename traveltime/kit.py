"""A friction surface from a kit folder (land cover, slope, water) and the roads of an extract."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np

from analytics.traveltime import friction as fr
from geodata.sources.rasters import Grid, burn_speeds, read_kit


@dataclass(frozen=True)
class FrictionKit:
    """Speed (km/h) and friction (seconds to cross a cell east-west, NaN = barrier) grids."""

    speed_kmh: Grid
    friction_s: Grid
    ns_over_ew: float
    barrier_cells: int


def friction_kit(
    folder: str | Path,
    roads: gpd.GeoDataFrame,
    road_kmh: np.ndarray,
    table: dict,
    mode: str = "motorised",
    max_slope_deg: float = fr.MAX_SLOPE_DEG,
    refine: int = 1,
) -> FrictionKit:
    """Speed and friction grids from a kit folder (AccessMod / GeoHealthAccess rules).

    Off-road speed from the land-cover fractions; slope ≥ ``max_slope_deg``, OSM water and
    surface water ≥ 10 months a year are barriers; ``roads`` (``road_kmh`` per line, e.g. from
    ``analytics.traveltime.speeds.road_speeds``) are burnt in, the fastest in each cell. Cells
    where the land cover is nodata are outside the study area (NaN friction). ``refine``: each
    cell split into refine × refine (land cover, slope and water keep their cell's value) with the
    roads burnt in at that finer size, so that a road makes only a narrow band fast.
    """
    layers = read_kit(folder)
    off = fr.offroad_speed(layers.cover, table["land-cover"])
    barrier = fr.barriers(
        off.shape, layers.slope, layers.water_osm, layers.water_gsw, max_slope_deg
    )
    outside = np.isnan(off)
    barrier_cells = int((barrier & ~outside).sum())
    grid = layers.template
    if refine > 1:
        off, barrier, outside = (fr.refine_cells(a, refine) for a in (off, barrier, outside))
        grid = grid.refined(refine)
        barrier_cells *= refine * refine
    road = burn_speeds(roads, road_kmh, grid)
    speed = fr.speed_surface(off, road, barrier, mode=mode)
    speed[outside] = np.nan
    ew, ns = grid.cell_size_m()
    friction = fr.friction_from_speed(np.nan_to_num(speed, nan=0.0), ew)
    return FrictionKit(grid.like(speed), grid.like(friction), ns / ew, barrier_cells)

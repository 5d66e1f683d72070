"""Travel-time catchments: the land within 15 / 30 / 60 minutes of each facility (or a proposed
site) over a friction surface, with the people and the uninsured inside.

The cells each start reaches within the longest time come from one bounded Dijkstra per start over
the r.cost moves of ``friction`` (compiled, ``analytics.traveltime.search.grid_reach``: it touches
only the cells it reaches; never a Python loop over cells). They are kept as long arrays (start,
cell, seconds), from which

- :func:`catchment_people` adds up a population grid, and an uninsured grid where it is known,
  per start and time with one ``numpy.bincount``;
- :func:`catchment_polygons` unions each catchment's cells into a polygon
  (``GeoDataFrame.dissolve(method="coverage")``).

Over a road network (:func:`network_reach`), a catchment is the areas (their measuring points)
whose trip to the facility — walk to the road, the road, walk to the facility, as in
``nearest_times`` — fits in the time; the same :func:`catchment_people` adds up the areas' people
and uninsured, and :func:`area_catchment_polygons` unions the areas reached.

A start on a barrier cell (NaN friction) reaches nothing: it is listed in ``Reach.stranded``, and
its catchments hold no one. Coordinates are in the grid's CRS; ``transform`` is the grid's affine
transform (``a, b, c, d, e, f`` as rasterio and affine write it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from analytics.traveltime.friction import _KNIGHT_MOVES, _QUEEN_MOVES
from analytics.traveltime.network import RoadGraph, direct_walk_pairs, quickest_pairs
from analytics.traveltime.search import bounded_reach, grid_reach
from analytics.traveltime.speeds import WALK_KMH

DEFAULT_MINUTES = (15, 30, 60)


@dataclass(frozen=True)
class Reach:
    """Every (start, cell) pair within the longest time, with the seconds from the start.

    ``cell`` is a flat index into a grid of ``shape``; ``stranded``: starts on a barrier cell or
    outside the grid (they reach nothing)."""

    start: np.ndarray
    cell: np.ndarray
    seconds: np.ndarray
    shape: tuple[int, int]
    n_starts: int
    stranded: np.ndarray


def cells_of(
    transform: Sequence[float], x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The (row, col) of the cell holding each point (x, y in the grid's CRS)."""
    a, b, c, d, e, f = (float(v) for v in tuple(transform)[:6])
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    det = a * e - b * d
    col = (e * (x - c) - b * (y - f)) / det
    row = (a * (y - f) - d * (x - c)) / det
    return np.floor(row).astype("int64"), np.floor(col).astype("int64")


def reach_within(
    friction: np.ndarray,
    start_rows: np.ndarray,
    start_cols: np.ndarray,
    max_minutes: float,
    *,
    ns_over_ew: float = 1.0,
    knight: bool = True,
    threads: int | None = None,
) -> Reach:
    """The cells each start reaches within ``max_minutes`` over ``friction`` (seconds to cross a
    cell east-west, NaN = barrier), with the rules of GRASS ``r.cost -k`` (as ``cost_distance``).

    One bounded search per start over the grid itself (compiled:
    :func:`analytics.traveltime.search.grid_reach`, the starts shared between ``threads``): the
    same pairs and seconds, in the same order, as ``scipy.sparse.csgraph.dijkstra`` with ``limit``
    on the graph of moves, without building that graph or a dense row of the grid per start."""
    friction = np.asarray(friction, dtype="float64")
    rows, cols = friction.shape
    start_rows = np.asarray(start_rows, dtype="int64")
    start_cols = np.asarray(start_cols, dtype="int64")
    inside = (start_rows >= 0) & (start_rows < rows) & (start_cols >= 0) & (start_cols < cols)
    cells = np.where(inside, start_rows * cols + start_cols, 0)
    usable = inside & np.isfinite(friction.ravel()[cells])
    stranded = np.flatnonzero(~usable)
    order = np.flatnonzero(usable)
    empty = np.zeros(0, dtype="int64")
    starts, reached_cells, seconds = empty, empty, np.zeros(0)
    if len(order):
        moves = _QUEEN_MOVES + (_KNIGHT_MOVES if knight else [])
        lengths = np.array([float(np.hypot(dr * ns_over_ew, dc)) for dr, dc, _ in moves])
        which, reached_cells, seconds = grid_reach(
            friction, cells[order], moves, lengths, float(max_minutes) * 60.0, threads
        )
        starts = order[which]
    return Reach(starts, reached_cells, seconds, (rows, cols), len(start_rows), stranded)


def _within(reach: Reach, minutes: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``reach`` inside each time: (index into reach, index of the time, group id)."""
    limits = np.asarray(minutes, dtype="float64") * 60.0
    pair, band = np.nonzero(reach.seconds[:, None] <= limits[None, :] + 1e-9)
    return pair, band, reach.start[pair] * len(limits) + band


def catchment_people(
    reach: Reach,
    minutes: Sequence[float],
    population: np.ndarray,
    uninsured: np.ndarray | None = None,
) -> pd.DataFrame:
    """People (and uninsured) within each time of each start: one row per start and time with
    ``start``, ``minutes``, ``cells``, ``people`` and ``uninsured``.

    ``population`` and ``uninsured``: grids of ``reach.shape`` (NaN = no one / not known). The
    uninsured of a catchment is known only where every populated cell in it has an uninsured
    count; otherwise it is NaN (no data, never zero).
    """
    minutes = list(minutes)
    n = reach.n_starts * len(minutes)
    pair, _, group = _within(reach, minutes)
    cell = reach.cell[pair]
    people_cells = np.nan_to_num(np.asarray(population, dtype="float64").ravel(), nan=0.0)
    people = np.bincount(group, weights=people_cells[cell], minlength=n)
    cells = np.bincount(group, minlength=n)
    table = pd.DataFrame(
        {
            "start": np.repeat(np.arange(reach.n_starts), len(minutes)),
            "minutes": np.tile(np.asarray(minutes), reach.n_starts),
            "cells": cells,
            "people": people,
        }
    )
    if uninsured is None:
        table["uninsured"] = np.nan
        return table
    values = np.asarray(uninsured, dtype="float64").ravel()
    unknown = np.isnan(values) & (people_cells > 0)
    missing = np.bincount(group, weights=unknown[cell].astype("float64"), minlength=n)
    known = np.bincount(group, weights=np.nan_to_num(values, nan=0.0)[cell], minlength=n)
    table["uninsured"] = np.where(missing > 0, np.nan, known)
    return table


def catchment_polygons(
    reach: Reach, minutes: Sequence[float], transform: Iterable[float], crs=None
) -> gpd.GeoDataFrame:
    """Each start's catchment within each time as one (multi)polygon: the union of its cells.

    One row per start and time that reaches at least its own cell: ``start``, ``minutes``,
    geometry in the grid's CRS.
    """
    minutes = list(minutes)
    pair, band, _ = _within(reach, minutes)
    cell = reach.cell[pair]
    row, col = np.divmod(cell, reach.shape[1])
    a, b, c, d, e, f = (float(v) for v in tuple(transform)[:6])
    corners_c = np.stack([col, col + 1, col + 1, col, col], axis=1).astype("float64")
    corners_r = np.stack([row, row, row + 1, row + 1, row], axis=1).astype("float64")
    xs = c + a * corners_c + b * corners_r
    ys = f + d * corners_c + e * corners_r
    boxes = shapely.polygons(np.stack([xs, ys], axis=-1))
    frame = gpd.GeoDataFrame(
        {"start": reach.start[pair], "minutes": np.asarray(minutes)[band]},
        geometry=boxes,
        crs=crs,
    )
    if frame.empty:
        return frame
    return frame.dissolve(by=["start", "minutes"], method="coverage").reset_index()


def uninsured_cells(
    population: np.ndarray, area_of_cell: np.ndarray, uninsured_share: np.ndarray
) -> np.ndarray:
    """The uninsured in each cell: its people times the uninsured share of the area it lies in
    (``area_of_cell``: index into ``uninsured_share``, -1 = in no area); NaN where not known."""
    area = np.asarray(area_of_cell, dtype="int64")
    share = np.asarray(uninsured_share, dtype="float64")
    known = area >= 0
    out = np.full(area.shape, np.nan)
    out[known] = np.asarray(population, dtype="float64")[known] * share[area[known]]
    return out


def network_reach(
    graph: RoadGraph,
    facilities_xy: np.ndarray,
    origins_xy: np.ndarray,
    max_minutes: float,
    *,
    walk_kmh: float = WALK_KMH,
    threads: int | None = None,
    direct_walk: bool = False,
    direct_within_legs: bool = False,
) -> Reach:
    """The origins (e.g. the areas' measuring points) each facility reaches within ``max_minutes``
    over a road network: walk to the nearest network node, the network, walk from the node nearest
    the facility to it (coordinates in metres); with ``direct_walk``, a straight walk from the
    origin to the facility where quicker (``direct_within_legs``: only where no longer than the
    two walks to the road, as :func:`analytics.traveltime.network.nearest_times`; the pairs then
    ordered by facility and origin). ``Reach.cell`` is the origin's index (``shape`` is
    ``(1, n_origins)``), so :func:`catchment_people` takes the origins' people as a 1-D array.

    One Dijkstra on the reversed network per facility, bounded at ``max_minutes`` less the
    facility's own walk, touching only the nodes it reaches (compiled:
    :func:`analytics.traveltime.search.bounded_reach`, the facilities shared between ``threads``);
    the same pairs and seconds, in the same order, as ``scipy.sparse.csgraph.dijkstra`` with
    ``limit`` on batches of facilities, with a fraction of its memory."""
    facilities = np.asarray(facilities_xy, dtype="float64").reshape(-1, 2)
    origins = np.asarray(origins_xy, dtype="float64").reshape(-1, 2)
    n = graph.n_nodes
    empty = np.zeros(0, dtype="int64")
    degree = np.diff(graph.seconds.indptr) + np.bincount(graph.seconds.indices, minlength=n)
    on_network = np.flatnonzero(degree > 0)
    if not len(on_network) or not len(facilities) or not len(origins):
        stranded = np.arange(len(facilities)) if not len(on_network) else empty
        return Reach(empty, empty, np.zeros(0), (1, len(origins)), len(facilities), stranded)
    walk = walk_kmh / 3.6
    tree = cKDTree(graph.xy[on_network])
    origin_m, o_pos = tree.query(origins)
    facility_m, f_pos = tree.query(facilities)
    o_node, f_node = on_network[o_pos], on_network[f_pos]
    reversed_ = graph.seconds.T.tocsr()  # times towards the facility
    starts, reached, seconds = bounded_reach(
        reversed_,
        f_node,
        facility_m / walk,
        o_node,
        origin_m / walk,
        float(max_minutes) * 60.0,
        threads=threads,
    )
    if direct_walk:
        legs = (facility_m, origin_m) if direct_within_legs else None
        limit = float(max_minutes) * 60.0
        on_foot = direct_walk_pairs(facilities, origins, walk_kmh, limit, legs)
        starts, reached, seconds = quickest_pairs((starts, reached, seconds), on_foot)
    return Reach(starts, reached, seconds, (1, len(origins)), len(facilities), empty)


def area_catchment_polygons(
    reach: Reach, minutes: Sequence[float], areas: gpd.GeoSeries
) -> gpd.GeoDataFrame:
    """A network catchment as the union of the areas it reaches (``areas``: the polygons whose
    measuring points were the origins, in the same order): ``start``, ``minutes``, geometry."""
    minutes = list(minutes)
    pair, band, _ = _within(reach, minutes)
    frame = gpd.GeoDataFrame(
        {"start": reach.start[pair], "minutes": np.asarray(minutes)[band]},
        geometry=areas.to_numpy()[reach.cell[pair]],
        crs=areas.crs,
    )
    if frame.empty:
        return frame
    return frame.dissolve(by=["start", "minutes"]).reset_index()

"""Travel time to care: two engines behind one interface.

- ``network``: over an OpenStreetMap road network (``road_graph`` + ``nearest_times``);
- ``friction``: over a friction surface with GRASS ``r.cost -k`` rules (``cost_distance``).

Both answer the same question through ``nearest_minutes``: for each origin (x, y in metres), the
minutes to its nearest facility and that facility's index (-1 when none can be reached).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.traveltime.friction import CostDistance, cost_distance
from analytics.traveltime.network import NearestTimes, RoadGraph, nearest_times, road_graph


@dataclass(frozen=True)
class Nearest:
    """Minutes to the nearest facility (inf when unreachable) and its index (-1 when none)."""

    minutes: np.ndarray
    facility: np.ndarray


def nearest_minutes_network(
    graph: RoadGraph, origins_xy: np.ndarray, facilities_xy: np.ndarray, walk_kmh: float = 5.0
) -> Nearest:
    result = nearest_times(graph, origins_xy, facilities_xy, walk_kmh=walk_kmh)
    return Nearest(result.minutes, result.facility)


def nearest_minutes_surface(surface: CostDistance, rows: np.ndarray, cols: np.ndarray) -> Nearest:
    """Read a cost-distance (seconds) at the origins' cells; outside the grid is unreachable."""
    rows = np.asarray(rows, dtype="int64")
    cols = np.asarray(cols, dtype="int64")
    n_rows, n_cols = surface.cost.shape
    inside = (rows >= 0) & (rows < n_rows) & (cols >= 0) & (cols < n_cols)
    minutes = np.full(len(rows), np.inf)
    facility = np.full(len(rows), -1, dtype="int64")
    cost = surface.cost[rows[inside], cols[inside]] / 60.0
    minutes[inside] = np.where(np.isnan(cost), np.inf, cost)
    facility[inside] = surface.nearest[rows[inside], cols[inside]]
    return Nearest(minutes, facility)


__all__ = [
    "CostDistance",
    "Nearest",
    "NearestTimes",
    "RoadGraph",
    "cost_distance",
    "nearest_minutes_network",
    "nearest_minutes_surface",
    "nearest_times",
    "road_graph",
]

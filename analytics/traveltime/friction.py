"""Friction-surface engine: speed rasters, friction and cost-distance with GRASS ``r.cost`` rules.

Pure arrays in, arrays out (no file reading: ``geodata.sources.rasters`` reads and writes GeoTIFFs).

The cost-distance follows GRASS GIS ``r.cost`` exactly (``raster/r.cost/main.c``):

- the friction of a cell is the cost of crossing it once, east to west (here: seconds);
- a move to one of the 8 neighbours costs the mean friction of the two cells times the move's
  length in cells (1 east-west, ns/ew north-south, the diagonal otherwise);
- with the knight's move (``r.cost -k``), 8 more moves two cells one way and one the other: they
  cost the mean friction of the four cells the move crosses (start, end and the two cells between
  them) times the move's length, e.g. (N + NW + NNW + here) / 4 × √(4·(ns/ew)² + 1);
- a move touching a null (NaN) cell does not exist: null cells are barriers;
- the nearest start of each cell is the start its cheapest path comes from.

One search runs from all starts at once, never once per start: for ``r.cost`` a compiled Dijkstra
over the grid itself (``analytics.traveltime.search.grid_cost``: each move's cost worked out from
its cells when it is relaxed, the same sums as the sparse graph of ``_grid_graph``, so the same
costs bit for bit, in a fraction of the time and memory); for ``r.walk`` (moves that cost more
uphill) the moves become one sparse graph and ``scipy.sparse.csgraph.dijkstra`` runs with
``min_only=True``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

# Off-road speeds never exceed this when the mode is walking (km/h); roads are walked at it too.
WALK_KMH = 5.0
# Off-road travel is impossible on these cells (GeoHealthAccess / AccessMod defaults).
MAX_SLOPE_DEG = 35.0
GSW_WATER_MONTHS = 10

# (row step, column step, the cells crossed besides start and end, as (row, col) steps)
_QUEEN_MOVES = [
    (0, -1, ()),
    (0, 1, ()),
    (-1, 0, ()),
    (1, 0, ()),
    (-1, -1, ()),
    (-1, 1, ()),
    (1, 1, ()),
    (1, -1, ()),
]
_KNIGHT_MOVES = [
    (-2, -1, ((-1, 0), (-1, -1))),
    (-2, 1, ((-1, 0), (-1, 1))),
    (2, 1, ((1, 0), (1, 1))),
    (2, -1, ((1, 0), (1, -1))),
    (-1, -2, ((0, -1), (-1, -1))),
    (-1, 2, ((0, 1), (-1, 1))),
    (1, 2, ((0, 1), (1, 1))),
    (1, -2, ((0, -1), (1, -1))),
]


@dataclass(frozen=True)
class CostDistance:
    """Cumulative cost from the nearest start, and which start that is.

    ``cost``: same shape as the friction grid, in the friction's unit (seconds for friction in
    seconds per cell), NaN where no start can be reached. ``nearest``: index into the starts
    given, -1 where unreachable. ``stranded``: indices of starts on a null cell (they reach
    nothing: null cells are barriers), reported rather than dropped silently.
    """

    cost: np.ndarray
    nearest: np.ndarray
    stranded: np.ndarray


def offroad_speed(cover_percent: Mapping[str, np.ndarray], landcover_kmh: Mapping[str, float]):
    """Off-road walking speed (km/h): Σ cover % / 100 × the class's speed (AccessMod/GeoHealthAccess).

    A class without a speed in the table counts as impassable (0 km/h) for its share.
    NaN wherever a cover fraction is NaN.
    """
    layers = list(cover_percent.items())
    if not layers:
        raise ValueError("no land-cover layer given")
    speed = np.zeros(np.shape(layers[0][1]), dtype="float64")
    for label, percent in layers:
        speed = speed + np.asarray(percent, dtype="float64") / 100.0 * float(
            landcover_kmh.get(label, 0.0)
        )
    return speed


def barriers(
    shape: tuple[int, int],
    slope_deg: np.ndarray | None = None,
    water_osm: np.ndarray | None = None,
    water_gsw_months: np.ndarray | None = None,
    max_slope_deg: float = MAX_SLOPE_DEG,
) -> np.ndarray:
    """True where off-road travel is impossible: slope ≥ ``max_slope_deg``, OSM water (≥ 1) or
    surface water ≥ 10 months a year. Missing layers and NaN cells bar nothing."""
    barrier = np.zeros(shape, dtype=bool)
    for layer, limit in (
        (slope_deg, max_slope_deg),
        (water_osm, 1),
        (water_gsw_months, GSW_WATER_MONTHS),
    ):
        if layer is not None:
            barrier |= np.nan_to_num(np.asarray(layer, dtype="float64"), nan=-np.inf) >= limit
    return barrier


def refine_cells(values: np.ndarray, refine: int) -> np.ndarray:
    """Each cell split into ``refine`` × ``refine`` cells with its value."""
    return np.repeat(np.repeat(np.asarray(values), refine, axis=0), refine, axis=1)


def speed_surface(
    offroad_kmh: np.ndarray,
    road_kmh: np.ndarray,
    barrier: np.ndarray,
    mode: str = "motorised",
    walk_kmh: float = WALK_KMH,
) -> np.ndarray:
    """Speed of each cell (km/h): roads burnt in over off-road speeds, barriers impassable.

    ``road_kmh``: the fastest road crossing each cell (0 where none). ``barrier``: True where
    off-road travel is impossible (water, steep slope); a road crossing a barrier cell still
    carries traffic (bridges, cuttings), as in AccessMod. Walking: roads are walked at
    ``walk_kmh`` and off-road speeds are kept (never above ``walk_kmh``). 0 = impassable.
    """
    if mode not in ("walking", "motorised"):
        raise ValueError(f"unknown mode {mode!r}: walking or motorised")
    off = np.where(np.asarray(barrier, dtype=bool), 0.0, np.nan_to_num(offroad_kmh, nan=0.0))
    road = np.nan_to_num(np.asarray(road_kmh, dtype="float64"), nan=0.0)
    if mode == "walking":
        road = np.where(road > 0, walk_kmh, 0.0)
        off = np.minimum(off, walk_kmh)
    return np.maximum(off, road)


def friction_from_speed(speed_kmh: np.ndarray, cell_m: float) -> np.ndarray:
    """Seconds to cross one cell (``cell_m`` metres east-west); NaN (a barrier) where speed ≤ 0."""
    speed = np.asarray(speed_kmh, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        friction = cell_m / (speed / 3.6)
    friction[~(speed > 0)] = np.nan
    return friction


def _moves(friction: np.ndarray, ns_over_ew: float, knight: bool):
    """Each r.cost move between non-null cells: from, to, mean friction crossed, length in
    east-west cells."""
    rows, cols = friction.shape
    ids = np.arange(rows * cols).reshape(rows, cols)
    for dr, dc, between in _QUEEN_MOVES + (_KNIGHT_MOVES if knight else []):
        # start cells whose move stays on the grid
        r0, r1 = max(0, -dr), rows - max(0, dr)
        c0, c1 = max(0, -dc), cols - max(0, dc)
        if r0 >= r1 or c0 >= c1:
            continue
        crossed = [friction[r0:r1, c0:c1], friction[r0 + dr : r1 + dr, c0 + dc : c1 + dc]]
        crossed += [friction[r0 + br : r1 + br, c0 + bc : c1 + bc] for br, bc in between]
        mean = np.sum(crossed, axis=0) / len(crossed)
        ok = np.isfinite(mean)
        heads = ids[r0:r1, c0:c1][ok]
        tails = ids[r0 + dr : r1 + dr, c0 + dc : c1 + dc][ok]
        yield heads, tails, mean[ok], float(np.hypot(dr * ns_over_ew, dc))


def _sparse(heads, tails, weights, n: int) -> sparse.csr_matrix:
    # a zero-cost move must stay an edge for the sparse solver
    weight = np.maximum(np.concatenate(weights), 1e-12)
    return sparse.csr_matrix((weight, (np.concatenate(heads), np.concatenate(tails))), shape=(n, n))


def _grid_graph(friction: np.ndarray, ns_over_ew: float, knight: bool) -> sparse.csr_matrix:
    """The r.cost moves between non-null cells as a sparse matrix of costs (the moves of
    ``_moves``, same costs).

    Built in CSR order directly: a cell's moves sit side by side in one row of an (n, moves)
    table, NaN where a move leaves the grid or touches a null cell, so the matrix needs no sort
    of tens of millions of (from, to) pairs (4 million cells: about 1.5 GB and a few seconds
    less than through COO)."""
    friction = np.asarray(friction, dtype="float64")
    rows, cols = friction.shape
    n = rows * cols
    moves = _QUEEN_MOVES + (_KNIGHT_MOVES if knight else [])
    padded = np.full((rows + 4, cols + 4), np.nan)  # 2 cells of nulls round the grid
    padded[2:-2, 2:-2] = friction
    cost = np.empty((rows, cols, len(moves)))
    offset = np.empty(len(moves), dtype="int64")
    for k, (dr, dc, between) in enumerate(moves):
        crossed = [padded[2 + r : 2 + r + rows, 2 + c : 2 + c + cols] for r, c in between]
        total = friction + padded[2 + dr : 2 + dr + rows, 2 + dc : 2 + dc + cols]
        for cells in crossed:
            total += cells
        cost[:, :, k] = total / (2 + len(between)) * float(np.hypot(dr * ns_over_ew, dc))
        offset[k] = dr * cols + dc
    table = cost.reshape(n, len(moves))
    ok = np.isfinite(table)
    index_type = "int32" if n + 2 * cols + 2 < np.iinfo("int32").max else "int64"
    ids = np.arange(n, dtype=index_type)
    tails = (ids[:, None] + offset.astype(index_type)[None, :])[ok]
    indptr = np.zeros(n + 1, dtype=index_type)
    np.cumsum(ok.sum(axis=1), out=indptr[1:])
    # a zero-cost move must stay an edge for the sparse solver
    weights = np.maximum(table[ok], 1e-12)
    return sparse.csr_matrix((weights, tails, indptr), shape=(n, n))


def _walk_graph(
    friction_per_m: np.ndarray,
    elevation: np.ndarray,
    ew_m: float,
    ns_m: float,
    knight: bool,
    walk_coeff: tuple[float, float, float, float],
    lambda_: float,
    slope_factor: float,
) -> sparse.csr_matrix:
    """The r.walk moves as a sparse matrix of costs (row → column; uphill differs from downhill)."""
    a, b, c, d = walk_coeff
    z = np.asarray(elevation, dtype="float64").ravel()
    heads, tails, weights = [], [], []
    for head, tail, mean, length in _moves(friction_per_m, ns_m / ew_m, knight):
        dist = length * ew_m
        climb = z[tail] - z[head]
        factor = np.where(climb >= 0, b, np.where(climb / dist < slope_factor, d, c))
        keep = np.isfinite(climb)
        heads.append(head[keep])
        tails.append(tail[keep])
        weights.append((climb * factor + dist * a + lambda_ * mean * dist)[keep])
    if any((w < 0).any() for w in weights):
        raise ValueError("walk_coeff and slope_factor give a negative cost for some moves")
    return _sparse(heads, tails, weights, friction_per_m.size)


def cost_distance(
    friction: np.ndarray,
    start_rows: np.ndarray,
    start_cols: np.ndarray,
    *,
    ns_over_ew: float = 1.0,
    knight: bool = True,
    graph_of=None,
) -> CostDistance:
    """Cumulative cost from the nearest start over ``friction`` (cost per cell, NaN = barrier).

    ``start_rows`` / ``start_cols``: the cell of each start (e.g. each facility). Several starts in
    one cell: the last one is that cell's nearest, as in ``r.cost``. ``ns_over_ew``: the
    north-south cell size over the east-west one (1 for square cells). ``graph_of``: builds
    another graph of moves over the same cells (``walk_cost_distance``).
    """
    friction = np.asarray(friction, dtype="float64")
    if friction.ndim != 2:
        raise ValueError("friction must be a 2-D grid")
    if np.nanmin(friction, initial=0.0) < 0:
        raise ValueError("friction must not be negative")
    rows, cols = friction.shape
    start_rows = np.asarray(start_rows, dtype="int64")
    start_cols = np.asarray(start_cols, dtype="int64")
    inside = (start_rows >= 0) & (start_rows < rows) & (start_cols >= 0) & (start_cols < cols)
    if not inside.all():
        raise ValueError(f"{int((~inside).sum())} start(s) outside the grid")
    cells = start_rows * cols + start_cols
    passable = np.isfinite(friction.ravel()[cells])
    stranded = np.flatnonzero(~passable)

    cost = np.full(rows * cols, np.nan)
    nearest = np.full(rows * cols, -1, dtype="int64")
    usable = np.flatnonzero(passable)
    if len(usable):
        # the last start in a cell wins, as in r.cost
        rev = usable[::-1]
        unique_cells, first = np.unique(cells[rev], return_index=True)
        owner = rev[first]
        if graph_of is None:  # r.cost: a search over the grid itself, no graph built
            from analytics.traveltime.search import grid_cost

            moves = _QUEEN_MOVES + (_KNIGHT_MOVES if knight else [])
            lengths = np.array([float(np.hypot(dr * ns_over_ew, dc)) for dr, dc, _ in moves])
            dist, nearest = grid_cost(friction, unique_cells, owner, moves, lengths)
            reached = np.isfinite(dist)
            cost[reached] = dist[reached]
        else:
            dist, _, sources = dijkstra(
                graph_of(),
                directed=True,
                indices=unique_cells,
                min_only=True,
                return_predecessors=True,
            )
            reached = np.isfinite(dist)
            cost[reached] = dist[reached]
            start_of_cell = np.full(rows * cols, -1, dtype="int64")
            start_of_cell[unique_cells] = owner
            nearest[reached] = start_of_cell[sources[reached]]
    return CostDistance(cost.reshape(rows, cols), nearest.reshape(rows, cols), stranded)


def snap_to_passable(
    friction: np.ndarray, rows: np.ndarray, cols: np.ndarray, max_cells: float = 2.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move points on a null cell to the nearest passable cell within ``max_cells`` cells.

    Returns the new rows and columns and how far each point moved in cells (0 when it stayed;
    NaN, with the point left where it was, when no passable cell is that close). A facility or a
    village on the coast often falls on a sea or no-data cell of a coarse grid.
    """
    from scipy import ndimage

    rows = np.asarray(rows, dtype="int64")
    cols = np.asarray(cols, dtype="int64")
    passable = np.isfinite(np.asarray(friction, dtype="float64"))
    if not passable.any():
        return rows, cols, np.full(len(rows), np.nan)
    distance, (near_r, near_c) = ndimage.distance_transform_edt(~passable, return_indices=True)
    moved = distance[rows, cols]
    ok = moved <= max_cells
    new_rows = np.where(ok, near_r[rows, cols], rows)
    new_cols = np.where(ok, near_c[rows, cols], cols)
    return new_rows, new_cols, np.where(ok, moved, np.nan)


# r.walk's defaults: Aitken / Langmuir walking time (s per m, per m climbed, per m descended
# gently, per m descended steeply) and the slope that parts gentle from steep descents.
WALK_COEFF = (0.72, 6.0, 1.9998, -1.9998)
SLOPE_FACTOR = -0.2125


def walk_cost_distance(
    friction_per_m: np.ndarray,
    elevation: np.ndarray,
    start_rows: np.ndarray,
    start_cols: np.ndarray,
    *,
    ew_m: float,
    ns_m: float,
    knight: bool = True,
    walk_coeff: tuple[float, float, float, float] = WALK_COEFF,
    lambda_: float = 1.0,
    slope_factor: float = SLOPE_FACTOR,
    towards: bool = False,
) -> CostDistance:
    """Anisotropic cost with the rules of GRASS ``r.walk`` (``raster/r.walk/main.c``).

    A move of ``dist`` metres climbing ``dh`` metres costs
    ``a·dist + {b·dh uphill, c·dh gentle downhill, d·dh steep downhill} + λ·friction·dist``, the
    friction (per metre) being the mean of the cells crossed as in ``r.cost``; a descent is steep
    where dh / dist < ``slope_factor``. Cells without friction or elevation cannot be entered;
    a knight's move may pass between two cells whose elevation is missing (only their friction
    counts there), as in r.walk.
    ``towards=False`` (as r.walk): the cost of walking from the nearest start out to each cell;
    ``towards=True``: of walking from each cell to its nearest start (to a facility).
    """
    friction = np.asarray(friction_per_m, dtype="float64")
    z = np.asarray(elevation, dtype="float64")
    if z.shape != friction.shape:
        raise ValueError("elevation and friction grids differ")

    def graph_of() -> sparse.csr_matrix:
        graph = _walk_graph(friction, z, ew_m, ns_m, knight, walk_coeff, lambda_, slope_factor)
        return graph.T.tocsr() if towards else graph

    return cost_distance(friction, start_rows, start_cols, knight=knight, graph_of=graph_of)

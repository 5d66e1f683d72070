"""Road-network engine: nearest-facility travel time over roads, with off-road legs on foot.

Pure arrays in, arrays out; coordinates in metres (a projected CRS: ``geodata.sources.roads`` reads an
OpenStreetMap extract and projects it). A trip from an origin to a facility is

    walk (straight line) from the origin to its nearest network node
    + the shortest time over the network
    + walk from the facility's nearest node to the facility

(with ``direct_walk=True``, a straight walk from the origin to a facility counts too where it is
quicker, as AccessMod and GeoHealthAccess let a trip cross land off the network: a site standing
at a neighbourhood's own point is reached at once, not through the nearest road node; with
``direct_within_legs=True`` only where the straight walk is no longer than the trip's own walks
off the roads, since the engine sees no sea or cliff between two points; off by default here, on
and bounded so in every workspace measure, :mod:`traveltime.workspace`). All origins are answered by
one multi-source Dijkstra from the facilities (``scipy.sparse.csgraph.dijkstra`` with
``min_only=True``) on the reversed network, never a loop over origins or facilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from analytics.traveltime.speeds import WALK_KMH, oneway_of, road_speeds

#: Facilities nearest in a straight line that a bounded straight walk is tried to (``nearest_times``
#: with ``direct_within_legs``).
DIRECT_CANDIDATES = 8


@dataclass(frozen=True)
class RoadGraph:
    """Network nodes (``xy`` in metres) and a sparse matrix of travel seconds (row → column).

    The nodes are the graph's own numbering (:func:`road_graph` puts them along a Z-order curve),
    not the order they were given in; results name origins and facilities, never nodes."""

    xy: np.ndarray
    seconds: sparse.csr_matrix

    @property
    def n_nodes(self) -> int:
        return len(self.xy)


@dataclass(frozen=True)
class NearestTimes:
    """Per origin: seconds to the nearest facility (inf when none can be reached), that
    facility's index (-1 when none), the walk in metres from the origin to the network, and
    whether the origin's part of the network holds no facility (cut off: it can only walk).
    Per facility: the walk in metres from the network to it."""

    seconds: np.ndarray
    facility: np.ndarray
    origin_snap_m: np.ndarray
    cut_off: np.ndarray
    facility_snap_m: np.ndarray

    @property
    def minutes(self) -> np.ndarray:
        return self.seconds / 60.0


def road_graph(
    xy: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    length_m: np.ndarray,
    speed_kmh: np.ndarray,
    oneway: np.ndarray | None = None,
) -> RoadGraph:
    """A graph from edges ``u → v`` (node indices into ``xy``) of ``length_m`` at ``speed_kmh``.

    Edges with no speed (NaN or ≤ 0) are left out. ``oneway``: 1 = only u → v, -1 = only
    v → u, 0 = both ways (default). Parallel edges keep the quickest. The nodes are numbered
    along a Z-order curve (:func:`spatial_order`), so that a search, which spreads in space,
    reads memory that lies together.
    """
    xy = np.asarray(xy, dtype="float64")
    u = np.asarray(u, dtype="int64")
    v = np.asarray(v, dtype="int64")
    speed = np.asarray(speed_kmh, dtype="float64")
    way = np.zeros(len(u), dtype="int64") if oneway is None else np.asarray(oneway, "int64")
    ok = np.isfinite(speed) & (speed > 0)
    secs = np.asarray(length_m, dtype="float64")[ok] / (speed[ok] / 3.6)
    u, v, way = u[ok], v[ok], way[ok]
    forward = way >= 0
    backward = way <= 0
    heads = np.concatenate([u[forward], v[backward]])
    tails = np.concatenate([v[forward], u[backward]])
    weight = np.concatenate([secs[forward], secs[backward]])
    order = spatial_order(xy)
    rank = np.empty(len(xy), dtype="int64")
    rank[order] = np.arange(len(xy))
    xy, heads, tails = xy[order], rank[heads], rank[tails]
    # keep the quickest of parallel edges (a sparse matrix would add them up); zero stays an edge
    order = np.lexsort((weight, tails, heads))
    heads, tails, weight = heads[order], tails[order], weight[order]
    first = np.ones(len(heads), dtype=bool)
    first[1:] = (heads[1:] != heads[:-1]) | (tails[1:] != tails[:-1])
    loops = heads == tails
    keep = first & ~loops
    n = len(xy)
    matrix = sparse.csr_matrix(
        (np.maximum(weight[keep], 1e-9), (heads[keep], tails[keep])), shape=(n, n)
    )
    return RoadGraph(xy, matrix)


def spatial_order(xy: np.ndarray) -> np.ndarray:
    """The points ``xy`` in the order of a Z-order (Morton) curve over their extent: each
    coordinate scaled to 21 bits and the bits of the two interleaved (ties keep their order).
    Neighbours in space become neighbours in memory: on a 1 million node road network, bounded
    searches run 1.2× and ``scipy.sparse.csgraph.dijkstra`` 1.2× faster than on nodes in rows of
    the grid, and 1.9× and 1.5× than on nodes in no spatial order (as an OSM extract's ids are):
    ``benchmarks.traveltime_bench``, catchment row. Worked out from the coordinates alone (a Hilbert curve, as
    ``geopandas.GeoSeries.hilbert_distance`` draws it, orders as well but needs a point geometry
    per node: a gigabyte on a national extract)."""
    xy = np.asarray(xy, dtype="float64").reshape(-1, 2)
    if len(xy) < 2 or not np.isfinite(xy).all():
        return np.arange(len(xy))
    low = xy.min(axis=0)
    span = max(float((xy.max(axis=0) - low).max()), 1.0)
    cells = ((xy - low) / span * (2**21 - 1)).astype(np.uint64)
    code = np.zeros(len(xy), dtype=np.uint64)
    for bit in range(21):  # 21 passes over the array, never one over the points
        one = np.uint64(1) << np.uint64(bit)
        code |= ((cells[:, 0] & one) << np.uint64(bit)) | (
            (cells[:, 1] & one) << np.uint64(bit + 1)
        )
    return np.argsort(code, kind="stable")


def network_graph(
    xy: np.ndarray,
    edges: pd.DataFrame,
    table: dict,
    mode: str = "motorised",
    walk_kmh: float = WALK_KMH,
) -> RoadGraph:
    """Travel seconds over a road network read from OSM (``geodata.sources.roads.read_osm_network``):
    ``edges`` has ``u``, ``v``, ``length_m`` and the ways' tags. Walking ignores one-way tags."""
    speed = road_speeds(edges, table, mode=mode, walk_kmh=walk_kmh)
    oneway = oneway_of(edges) if mode == "motorised" else None
    return road_graph(xy, edges["u"], edges["v"], edges["length_m"], speed, oneway)


def nearest_times(
    graph: RoadGraph,
    origins_xy: np.ndarray,
    facilities_xy: np.ndarray,
    walk_kmh: float = WALK_KMH,
    direct_walk: bool = False,
    direct_within_legs: bool = False,
) -> NearestTimes:
    """Seconds from each origin to its nearest facility (see the module docstring for a trip).

    An origin whose part of the network holds no facility is ``cut_off`` and unreachable (inf),
    unless ``direct_walk`` lets it walk straight to one. With ``direct_within_legs`` a straight
    walk counts only where it is no longer than the trip's own walks off the roads (the origin's
    to its road node plus the facility's from its node): the engine sees no sea or cliff, so it
    never walks farther across open land than the road trip already does (of the
    :data:`DIRECT_CANDIDATES` facilities nearest in a straight line, the nearest such one).
    """
    origins = np.asarray(origins_xy, dtype="float64").reshape(-1, 2)
    facilities = np.asarray(facilities_xy, dtype="float64").reshape(-1, 2)
    n_orig, n_fac, n = len(origins), len(facilities), graph.n_nodes
    walk = walk_kmh / 3.6
    seconds = np.full(n_orig, np.inf)
    facility = np.full(n_orig, -1, dtype="int64")
    origin_snap = np.full(n_orig, np.nan)
    facility_snap = np.full(n_fac, np.nan)
    cut_off = np.ones(n_orig, dtype=bool)
    if n_orig == 0 or n_fac == 0:
        return NearestTimes(seconds, facility, origin_snap, cut_off, facility_snap)

    # nodes that carry an edge: isolated nodes are not a way onto the network
    degree = np.diff(graph.seconds.indptr) + np.bincount(graph.seconds.indices, minlength=n)
    on_network = np.flatnonzero(degree > 0)
    if len(on_network):
        tree = cKDTree(graph.xy[on_network])
        origin_snap, o_pos = tree.query(origins)
        facility_snap, f_pos = tree.query(facilities)
        o_node, f_node = on_network[o_pos], on_network[f_pos]

        # reversed network plus one node per facility, joined to its node by the walk from it:
        # distances from those nodes are the times from every node to the nearest facility
        legs = sparse.csr_matrix(
            (np.maximum(facility_snap / walk, 1e-9), (np.arange(n_fac) + n, f_node)),
            shape=(n + n_fac, n + n_fac),
        )
        reversed_ = sparse.block_diag([graph.seconds.T, sparse.csr_matrix((n_fac, n_fac))])
        augmented = (reversed_.tocsr() + legs).tocsr()
        dist, _, source = dijkstra(
            augmented,
            directed=True,
            indices=np.arange(n_fac) + n,
            min_only=True,
            return_predecessors=True,
        )
        via = origin_snap / walk + dist[o_node]
        reached = np.isfinite(via)
        seconds[reached] = via[reached]
        facility[reached] = source[o_node[reached]] - n

        # a part of the network (weakly connected) without any facility is cut off
        _, label = connected_components(graph.seconds, directed=True, connection="weak")
        served = np.zeros(label.max() + 1, dtype=bool)
        served[label[f_node]] = True
        cut_off = ~served[label[o_node]]

    if not direct_walk:
        return NearestTimes(seconds, facility, origin_snap, cut_off, facility_snap)
    # a straight walk to the nearest facility, where quicker
    if direct_within_legs:
        k = min(DIRECT_CANDIDATES, n_fac)
        near_m, near_f = cKDTree(facilities).query(origins, k=k)
        near_m, near_f = near_m.reshape(n_orig, k), near_f.reshape(n_orig, k)
        legs = origin_snap[:, None] + facility_snap[near_f]
        near_m = np.where(near_m <= legs, near_m, np.inf)  # NaN legs (no network): no walk
        best = np.argmin(near_m, axis=1)
        direct_m = near_m[np.arange(n_orig), best]
        direct_f = near_f[np.arange(n_orig), best]
    else:
        direct_m, direct_f = cKDTree(facilities).query(origins)
    direct = direct_m / walk
    quicker = direct < seconds
    seconds[quicker] = direct[quicker]
    facility[quicker] = direct_f[quicker]
    return NearestTimes(seconds, facility, origin_snap, cut_off, facility_snap)


def direct_walk_pairs(
    starts_xy: np.ndarray,
    origins_xy: np.ndarray,
    walk_kmh: float,
    limit_s: float,
    legs_m: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (start, origin) pair a straight walk joins within ``limit_s`` seconds at
    ``walk_kmh``: start and origin indices and the seconds, from one k-d tree query of all
    pairs within the distance (``cKDTree.sparse_distance_matrix``), no loop over either.
    ``legs_m``: each start's and each origin's walk to its road node (metres); a pair then
    counts only where the straight walk is no longer than the two (as ``nearest_times`` with
    ``direct_within_legs``)."""
    starts = np.asarray(starts_xy, dtype="float64").reshape(-1, 2)
    origins = np.asarray(origins_xy, dtype="float64").reshape(-1, 2)
    walk = walk_kmh / 3.6
    empty = np.zeros(0, dtype="int64")
    if not len(starts) or not len(origins) or not limit_s >= 0:
        return empty, empty, np.zeros(0)
    near = cKDTree(starts).sparse_distance_matrix(
        cKDTree(origins), max_distance=float(limit_s) * walk, output_type="ndarray"
    )  # a start on an origin's own point is a pair at 0 m
    start, origin, metres = near["i"].astype("int64"), near["j"].astype("int64"), near["v"]
    if legs_m is not None:
        within = metres <= legs_m[0][start] + legs_m[1][origin]
        start, origin, metres = start[within], origin[within], metres[within]
    return start, origin, metres / walk


def quickest_pairs(
    *pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The quickest of each (start, origin) pair among several lists of pairs (e.g. over the
    roads and straight on foot), ordered by start, then origin."""
    start = np.concatenate([p[0] for p in pairs]).astype("int64")
    origin = np.concatenate([p[1] for p in pairs]).astype("int64")
    seconds = np.concatenate([p[2] for p in pairs]).astype("float64")
    order = np.lexsort((seconds, origin, start))
    start, origin, seconds = start[order], origin[order], seconds[order]
    first = np.ones(len(start), dtype=bool)
    first[1:] = (start[1:] != start[:-1]) | (origin[1:] != origin[:-1])
    return start[first], origin[first], seconds[first]

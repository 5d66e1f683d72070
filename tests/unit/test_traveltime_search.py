"""The compiled travel-time searches (analytics/traveltime/search.py) against scipy's Dijkstra on
the same graphs: r.cost's cost-distance bit for bit without building the graph of moves, and the
road catchments' bounded searches pair for pair."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from analytics.traveltime import friction as fr
from analytics.traveltime.search import bounded_reach


def _friction(seed: int, shape=(23, 31)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grid = rng.uniform(10.0, 400.0, shape)
    grid[rng.random(shape) < 0.12] = np.nan  # barriers
    grid[5, :] = 0.0  # a free road: zero-cost moves stay moves
    return grid


@pytest.mark.parametrize(("knight", "ns_over_ew"), [(True, 1.0), (True, 1.37), (False, 0.8)])
def test_cost_distance_is_the_sparse_graphs_dijkstra_bit_for_bit(monkeypatch, knight, ns_over_ew):
    friction = _friction(7)
    cols = friction.shape[1]
    passable = np.flatnonzero(np.isfinite(friction.ravel()))
    cells = np.random.default_rng(8).choice(passable, 9, replace=False)
    graph = fr._grid_graph(friction, ns_over_ew, knight)
    dist = dijkstra(graph, directed=True, indices=cells, min_only=True)

    def no_graph(*_args, **_kwargs):  # r.cost no longer builds the graph of moves
        raise AssertionError("the sparse graph of moves was built")

    monkeypatch.setattr(fr, "_grid_graph", no_graph)
    out = fr.cost_distance(friction, *np.divmod(cells, cols), ns_over_ew=ns_over_ew, knight=knight)
    reached = np.isfinite(dist)
    np.testing.assert_array_equal(np.isfinite(out.cost.ravel()), reached)
    np.testing.assert_array_equal(out.cost.ravel()[reached], dist[reached])
    # each cell's nearest start is one whose own search gives the cell that cost
    each = dijkstra(graph, directed=True, indices=cells)
    nearest = out.nearest.ravel()
    assert (nearest[~reached] == -1).all()
    np.testing.assert_array_equal(each[nearest[reached], np.flatnonzero(reached)], dist[reached])
    assert out.cost[cells // cols, cells % cols].tolist() == [0.0] * len(cells)


def _network(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, 3 * n)
    v = rng.integers(0, n, 3 * n)
    keep = u != v
    matrix = sparse.coo_matrix((rng.uniform(5, 300, keep.sum()), (u[keep], v[keep])), (n, n))
    return matrix.tocsr()  # one-way arcs, parallel ones added up: a directed network


@pytest.mark.parametrize("far", [False, True])
def test_bounded_reach_equals_a_whole_network_dijkstra_per_source(far):
    reversed_ = _network(3)
    rng = np.random.default_rng(4)
    sources = rng.integers(0, 400, 25)
    sources[1] = sources[0]  # two facilities on one node, different walks
    start_s = rng.uniform(0, 200, 25)
    if far:  # facilities whose own walk is past the limit, between the others and on their nodes
        start_s[::3] = 5_000.0
        sources[3] = sources[4]
    origin_node = rng.integers(0, 400, 300)
    origin_s = rng.uniform(0, 150, 300)
    limit = 900.0
    got = bounded_reach(reversed_, sources, start_s, origin_node, origin_s, limit, threads=3)

    dist = dijkstra(reversed_, directed=True, indices=sources)
    total = start_s[:, None] + dist[:, origin_node] + origin_s[None, :]
    want_source, want_origin = np.nonzero(total <= limit)
    assert len(want_source) > 500  # the bound keeps a real share of the pairs, not all
    assert len(want_source) < total.size / 2
    np.testing.assert_array_equal(got[0], want_source)
    np.testing.assert_array_equal(got[1], want_origin)
    np.testing.assert_array_equal(got[2], total[want_source, want_origin])


def test_bounded_reach_with_nothing_in_reach():
    reversed_ = _network(5, 50)
    got = bounded_reach(reversed_, np.array([3]), np.array([1e6]), np.arange(50), np.zeros(50), 60)
    assert [len(a) for a in got] == [0, 0, 0]
    got = bounded_reach(
        reversed_, np.zeros(0, "int64"), np.zeros(0), np.arange(50), np.zeros(50), 60
    )
    assert [len(a) for a in got] == [0, 0, 0]


def test_raster_catchments_equal_a_bounded_dijkstra_on_the_graph_of_moves(monkeypatch):
    from analytics.traveltime import catchments

    friction = _friction(11, (19, 27))
    cols = friction.shape[1]
    passable = np.flatnonzero(np.isfinite(friction.ravel()))
    cells = np.random.default_rng(12).choice(passable, 7, replace=False)
    rows_, cols_ = np.divmod(cells, cols)
    rows_ = np.append(rows_, [-1, 0])  # off the grid, and a barrier start: stranded
    barrier = np.flatnonzero(np.isnan(friction[0]))[0]
    cols_ = np.append(cols_, [0, barrier])
    limit_min = 12.0
    graph = fr._grid_graph(friction, 1.2, True)
    dist = dijkstra(graph, directed=True, indices=cells, limit=limit_min * 60.0)
    want_start, want_cell = np.nonzero(dist <= limit_min * 60.0)

    def no_graph(*_args, **_kwargs):
        raise AssertionError("the sparse graph of moves was built")

    monkeypatch.setattr(fr, "_grid_graph", no_graph)
    reach = catchments.reach_within(friction, rows_, cols_, limit_min, ns_over_ew=1.2, threads=2)
    assert 0 < len(want_start) < len(cells) * friction.size / 2
    np.testing.assert_array_equal(reach.start, want_start)
    np.testing.assert_array_equal(reach.cell, want_cell)
    np.testing.assert_array_equal(reach.seconds, dist[want_start, want_cell])
    assert reach.stranded.tolist() == [7, 8]


def test_a_facility_that_reaches_nothing_leaves_no_trace_for_the_next():
    # a line 0 - 1 - 2 with half-second arcs: the first facility (node 1) walks past the limit,
    # the next (node 0) reaches node 2 through node 1 within its first one-second bucket
    arcs = sparse.coo_matrix(([0.5, 0.5, 0.5, 0.5], ([0, 1, 1, 2], [1, 0, 2, 1])), (3, 3))
    got = bounded_reach(
        arcs.tocsr(), np.array([1, 0]), np.array([100.0, 0.0]), np.array([2]), np.zeros(1), 60.0, 1
    )
    assert got[0].tolist() == [1] and got[1].tolist() == [0] and got[2].tolist() == [1.0]

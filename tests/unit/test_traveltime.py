"""Travel-time engines against brute force: the road network against networkx's Dijkstra run
from every origin on small hand-built networks, the friction surface against a cell-by-cell
Dijkstra written from GRASS ``r.cost``'s rules (the real GRASS comparison is in
tests/realdata/test_traveltime_comoros.py)."""

from __future__ import annotations

import heapq
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analytics.traveltime import friction as fr
from analytics.traveltime.catchments import network_reach
from analytics.traveltime.network import nearest_times, network_graph, road_graph, spatial_order
from analytics.traveltime.speeds import DEFAULT_TABLE, oneway_of, road_speeds, walk_speed

WALK = 5.0 / 3.6  # m/s


def _random_network(seed: int, n: int = 40, m: int = 45):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5000, (n, 2))
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    # a few parallel edges and self-loops on purpose
    u[:3], v[:3] = u[3:6], v[3:6]
    v[6] = u[6]
    length = np.hypot(*(xy[v] - xy[u]).T) * rng.uniform(1.0, 1.5, m)
    speed = rng.choice([5.0, 20.0, 60.0, np.nan], m, p=[0.3, 0.4, 0.25, 0.05])
    oneway = rng.choice([0, 1, -1], m, p=[0.7, 0.2, 0.1])
    return rng, xy, u, v, length, speed, oneway


def _brute_force(xy, u, v, length, speed, oneway, origins, facilities, direct_walk):
    """networkx, one Dijkstra per origin, snapping by scanning every node."""
    g = nx.DiGraph()
    for a, b, d, s, w in zip(u, v, length, speed, oneway, strict=True):
        if not (s > 0) or a == b:
            continue
        t = d / (s / 3.6)
        for p, q in [(a, b)] if w == 1 else [(b, a)] if w == -1 else [(a, b), (b, a)]:
            if not g.has_edge(p, q) or g[p][q]["weight"] > t:
                g.add_edge(p, q, weight=t)
    nodes = np.array(sorted(g.nodes))
    for j, f in enumerate(facilities):
        near = nodes[np.argmin(np.hypot(*(xy[nodes] - f).T))]
        g.add_edge(near, ("f", j), weight=np.hypot(*(xy[near] - f)) / WALK)
    times, which = [], []
    for o in origins:
        near = nodes[np.argmin(np.hypot(*(xy[nodes] - o).T))]
        walk_in = np.hypot(*(xy[near] - o)) / WALK
        reach = nx.single_source_dijkstra_path_length(g, near)
        best, best_f = np.inf, -1
        for j, f in enumerate(facilities):
            t = walk_in + reach.get(("f", j), np.inf)
            if direct_walk:
                t = min(t, np.hypot(*(f - o)) / WALK)
            if t < best:
                best, best_f = t, j
        times.append(best)
        which.append(best_f)
    return np.array(times), np.array(which)


@pytest.mark.parametrize("direct_walk", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_network_equals_brute_force_dijkstra(seed, direct_walk):
    rng, xy, u, v, length, speed, oneway = _random_network(seed)
    origins = rng.uniform(-500, 5500, (60, 2))
    facilities = rng.uniform(0, 5000, (4, 2))
    graph = road_graph(xy, u, v, length, speed, oneway)
    got = nearest_times(graph, origins, facilities, walk_kmh=5.0, direct_walk=direct_walk)
    want_t, want_f = _brute_force(xy, u, v, length, speed, oneway, origins, facilities, direct_walk)
    assert np.isfinite(want_t).any()
    np.testing.assert_allclose(got.seconds, want_t, rtol=1e-9)
    np.testing.assert_array_equal(got.facility, want_f)


def test_network_reports_cut_off_places_and_walks():
    # two separate roads; the only facility is on the first one
    xy = np.array([[0, 0], [1000, 0], [0, 5000], [1000, 5000]], dtype=float)
    graph = road_graph(xy, [0, 2], [1, 3], [1000, 1000], [36.0, 36.0])
    origins = np.array([[0, 100], [1000, 5300]], dtype=float)
    got = nearest_times(graph, origins, np.array([[1000.0, 50.0]]), walk_kmh=3.6)
    # 100 m walk + 1000 m at 10 m/s + 50 m walk; the other origin cannot get there by road
    np.testing.assert_allclose(got.seconds, [100 + 100 + 50, np.inf])
    np.testing.assert_array_equal(got.facility, [0, -1])
    # ... but may walk straight there (5,250 m at 1 m/s)
    walked = nearest_times(graph, origins, np.array([[1000.0, 50.0]]), 3.6, direct_walk=True)
    np.testing.assert_allclose(walked.seconds, [250.0, 5250.0])
    np.testing.assert_array_equal(got.cut_off, [False, True])
    np.testing.assert_allclose(got.origin_snap_m, [100, 300])
    np.testing.assert_allclose(got.facility_snap_m, [50])


def test_one_way_street_is_driven_one_way_only():
    xy = np.array([[0, 0], [1000, 0]], dtype=float)
    fac = np.array([[1000.0, 0.0]])
    ahead = road_graph(xy, [0], [1], [1000], [36.0], oneway=[1])
    against = road_graph(xy, [1], [0], [1000], [36.0], oneway=[1])
    assert nearest_times(ahead, xy[:1], fac).seconds[0] == pytest.approx(100)
    # against the one-way street: no way by road, only the straight walk, 1000 m at 5 km/h
    assert np.isinf(nearest_times(against, xy[:1], fac).seconds[0])
    assert nearest_times(against, xy[:1], fac, direct_walk=True).seconds[0] == pytest.approx(720)


def test_road_speeds_follow_the_table():
    ways = pd.DataFrame(
        {
            "highway": ["primary", "track", "residential", "steps", "path", None],
            "surface": ["asphalt", "gravel", None, None, None, None],
            "tracktype": [None, "grade2", None, None, None, None],
            "smoothness": [None, "bad", "impassable", None, None, None],
            "route": [None, None, None, None, None, "ferry"],
        }
    )
    got = road_speeds(ways, DEFAULT_TABLE)
    # track: 20 × min(0.7 gravel, 0.9 grade2, 0.6 bad); impassable and unknown classes: none
    np.testing.assert_allclose(got, [70, 12, np.nan, np.nan, 10, 5])
    walking = road_speeds(ways, DEFAULT_TABLE, mode="walking")
    np.testing.assert_allclose(walking, [5, 5, np.nan, np.nan, 5, 5])


def test_speed_surface_barriers_and_roads():
    off = np.array([[4.0, 4.0, 3.0]])
    road = np.array([[0.0, 60.0, 0.0]])
    barrier = np.array([[True, True, False]])
    np.testing.assert_allclose(fr.speed_surface(off, road, barrier), [[0, 60, 3]])
    np.testing.assert_allclose(fr.speed_surface(off, road, barrier, "walking"), [[0, 5, 3]])
    friction = fr.friction_from_speed(np.array([[0.0, 36.0]]), 1000.0)
    assert np.isnan(friction[0, 0]) and friction[0, 1] == pytest.approx(100.0)
    cover = {"Tree": np.array([50.0]), "Grass": np.array([50.0]), "PermanentWater": np.zeros(1)}
    got = fr.offroad_speed(cover, DEFAULT_TABLE["land-cover"])
    np.testing.assert_allclose(got, [0.5 * 4.0 + 0.5 * 4.86])


def _grass_reference(friction, starts, ns_over_ew, knight):
    """r.cost's loop, cell by cell (raster/r.cost/main.c): neighbours 1-16 and their costs."""
    rows, cols = friction.shape
    ew, ns = 1.0, ns_over_ew
    diag = math.hypot(ew, ns)
    v_diag, h_diag = math.sqrt(4 * ns * ns + ew * ew), math.sqrt(ns * ns + 4 * ew * ew)
    cost = np.full(friction.shape, np.nan)
    nearest = np.full(friction.shape, -1)
    heap = []
    for k, (r, c) in enumerate(starts):
        cost[r, c] = 0.0
        nearest[r, c] = k
        heapq.heappush(heap, (0.0, r, c))
    moves = [(0, -1), (0, 1), (-1, 0), (1, 0), (-1, -1), (-1, 1), (1, 1), (1, -1)]
    while heap:
        here, r, c = heapq.heappop(heap)
        if here > cost[r, c]:
            continue
        f = friction

        def at(dr, dc, r=r, c=c, f=f):
            rr, cc = r + dr, c + dc
            return f[rr, cc] if 0 <= rr < rows and 0 <= cc < cols else np.nan

        step = {}
        for dr, dc in moves:
            fac = ew if dr == 0 else ns if dc == 0 else diag
            step[(dr, dc)] = (at(dr, dc) + f[r, c]) / 2 * fac
        if knight:
            for dr, dc, mid in [
                (-2, -1, (-1, 0)),
                (-2, 1, (-1, 0)),
                (2, 1, (1, 0)),
                (2, -1, (1, 0)),
                (-1, -2, (0, -1)),
                (-1, 2, (0, 1)),
                (1, 2, (0, 1)),
                (1, -2, (0, -1)),
            ]:
                corner = (dr // 2, dc) if abs(dr) == 2 else (dr, dc // 2)
                fac = v_diag if abs(dr) == 2 else h_diag
                four = at(*mid) + at(*corner) + at(dr, dc) + f[r, c]
                step[(dr, dc)] = four / 4 * fac
        for (dr, dc), w in step.items():
            rr, cc = r + dr, c + dc
            if not (0 <= rr < rows and 0 <= cc < cols) or np.isnan(w):
                continue
            if np.isnan(cost[rr, cc]) or here + w < cost[rr, cc]:
                cost[rr, cc] = here + w
                nearest[rr, cc] = nearest[r, c]
                heapq.heappush(heap, (here + w, rr, cc))
    return cost, nearest


@pytest.mark.parametrize(
    ("seed", "ratio", "knight"), [(0, 1.0, True), (1, 0.8, True), (2, 1.0, False)]
)
def test_cost_distance_follows_r_cost_rules(seed, ratio, knight):
    rng = np.random.default_rng(seed)
    friction = rng.uniform(1, 50, (18, 23))
    friction[rng.random(friction.shape) < 0.12] = np.nan
    starts = [(2, 3), (15, 20), (9, 11)]
    for r, c in starts:
        friction[r, c] = 10.0
    want_cost, want_near = _grass_reference(friction, starts, ratio, knight)
    got = fr.cost_distance(
        friction, [s[0] for s in starts], [s[1] for s in starts], ns_over_ew=ratio, knight=knight
    )
    np.testing.assert_allclose(got.cost, want_cost, rtol=1e-12)
    np.testing.assert_array_equal(got.nearest, want_near)
    assert len(got.stranded) == 0


def test_cost_distance_reports_stranded_starts_and_snaps_them():
    friction = np.ones((5, 5))
    friction[0, :] = np.nan
    got = fr.cost_distance(friction, [0, 4], [0, 4])
    np.testing.assert_array_equal(got.stranded, [0])
    assert (got.nearest[1:] == 1).all() and np.isnan(got.cost[0]).all()
    rows, _cols, moved = fr.snap_to_passable(friction, np.array([0, 3]), np.array([2, 3]))
    np.testing.assert_array_equal(rows, [1, 3])
    np.testing.assert_array_equal(moved, [1.0, 0.0])


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="-11.70" lon="43.25"/>
  <node id="2" lat="-11.70" lon="43.26"/>
  <node id="3" lat="-11.71" lon="43.26"/>
  <node id="4" lat="-11.71" lon="43.27"/>
  <node id="5" lat="-11.72" lon="43.27"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="track"/><tag k="surface" v="gravel"/></way>
  <way id="12"><nd ref="4"/><nd ref="5"/><tag k="building" v="yes"/></way>
</osm>
"""


def test_read_osm_network_joins_ways_at_shared_nodes(tmp_path: Path):
    from geodata.sources.roads import read_osm_network

    path = tmp_path / "tiny.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    net = read_osm_network(path)
    assert len(net.xy) == 4  # node 5 belongs only to a building
    assert net.edges["way"].tolist() == [10, 10, 11]
    assert oneway_of(net.edges).tolist() == [1, 1, 0]
    # 0.01° of longitude at 11.7° S is about 1,090 m
    assert net.edges["length_m"].iloc[0] == pytest.approx(1090, rel=0.01)
    graph = network_graph(net.xy, net.edges, DEFAULT_TABLE)
    assert graph.seconds.nnz == 4  # two one-way edges, the track both ways
    speed = road_speeds(net.edges, DEFAULT_TABLE)
    np.testing.assert_allclose(speed, [70, 70, 14])


def test_command_line_network_and_raster(tmp_path: Path, capsys):
    from affine import Affine

    from geodata.sources.rasters import Grid, read_grid, write_grid
    from traveltime.cli import main

    osm = tmp_path / "tiny.osm"
    osm.write_text(OSM_XML, encoding="utf-8")
    facilities = tmp_path / "facilities.csv"
    facilities.write_text("name,lon,lat\nClinic,43.27,-11.711\n", encoding="utf-8")
    origins = tmp_path / "origins.csv"
    origins.write_text("id,lon,lat\na,43.25,-11.7005\nb,43.30,-11.80\n", encoding="utf-8")
    out = tmp_path / "times.csv"
    args = ["network", "--osm", str(osm), "--facilities", str(facilities)]
    assert main([*args, "--origins", str(origins), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table["facility_name"].tolist() == ["Clinic", "Clinic"]
    # a: 55 m walk (40 s), 2.2 km of primary at 70 km/h (113 s), 1.09 km of gravel track at
    # 14 km/h (280 s), 111 m walk (80 s): 8.55 minutes
    assert table["minutes"][0] == pytest.approx(8.55, abs=0.03)
    assert "cut_off" in table and "walk_to_road_m" in table
    assert "Origins: 2" in capsys.readouterr().out

    import pyproj

    speed = np.full((6, 8), 3.6)  # 1 m/s on 100 m cells: 100 s a cell
    speed[:, 4] = 0  # a river with one ford
    speed[5, 4] = 3.6
    grid = Grid(speed, Affine(100, 0, 500000, 0, -100, 8700000), pyproj.CRS("EPSG:32738"))
    write_grid(tmp_path / "speed.tif", grid)
    fac = pyproj.Transformer.from_crs("EPSG:32738", "EPSG:4326", always_xy=True)
    lon, lat = fac.transform(500050, 8699950)
    facilities.write_text(f"name,lon,lat\nA,{lon},{lat}\n", encoding="utf-8")
    cost, near = tmp_path / "cost.tif", tmp_path / "near.tif"
    args = ["raster", "--speed", str(tmp_path / "speed.tif")]
    args += ["--facilities", str(facilities), "--cost-out", str(cost), "--nearest-out", str(near)]
    assert main(args) == 0
    got = read_grid(cost).values
    assert got[0, 0] == 0 and got[0, 3] == pytest.approx(300)
    assert np.isnan(got[0, 4]) and got[0, 5] > 900  # round by the ford
    assert np.nanmax(read_grid(near).values) == 1
    # on flat ground r.walk adds its 0.72 s/m walking time: 3 cells of 100 m cost 3 × 172 s
    write_grid(tmp_path / "flat.tif", grid.like(np.zeros(speed.shape)))
    assert main([*args, "--elevation", str(tmp_path / "flat.tif")]) == 0
    assert read_grid(cost).values[0, 3] == pytest.approx(516)


def test_friction_kit_reads_rasters_burns_roads_and_refines(tmp_path: Path):
    import geopandas as gpd
    import pyproj
    import shapely
    from affine import Affine

    from geodata.sources.rasters import Grid, write_grid
    from traveltime.kit import friction_kit

    crs = pyproj.CRS("EPSG:32738")
    transform = Affine(1000, 0, 500000, 0, -1000, 8700000)
    tree = np.full((3, 4), 100.0)
    tree[0, 0] = np.nan  # outside the study area
    write_grid(tmp_path / "landcover_Tree.tif", Grid(tree, transform, crs))
    write_grid(
        tmp_path / "landcover_Grass.tif",
        Grid(np.where(np.isnan(tree), np.nan, 0.0), transform, crs),
    )
    slope = np.zeros((3, 4))
    slope[1, 1] = 40.0  # too steep
    write_grid(tmp_path / "slope.tif", Grid(slope, transform, crs))
    water = np.zeros((3, 4))
    water[:, 3] = 1  # a river along the east edge
    write_grid(tmp_path / "water_osm.tif", Grid(water, transform, crs), "uint8", nodata=255)
    # a road along the middle row, crossing the steep cell
    road = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(501200, 8698550), (502800, 8698550)])], crs=crs
    )
    kit = friction_kit(tmp_path, road, np.array([36.0]), DEFAULT_TABLE)
    speed = kit.speed_kmh.values
    assert np.isnan(speed[0, 0]) and (speed[:, 3] == 0).all()
    assert speed[1, 1] == 36.0 and speed[1, 2] == 36.0 and speed[0, 1] == 4.0
    assert speed[1, 0] == 4.0  # the road stops short of the first cell
    assert kit.barrier_cells == 4  # three river cells and the steep one
    assert kit.friction_s.values[0, 1] == pytest.approx(900.0)  # 1 km at 4 km/h
    fine = friction_kit(tmp_path, road, np.array([36.0]), DEFAULT_TABLE, refine=10)
    assert fine.friction_s.shape == (30, 40)
    assert fine.friction_s.values[14, 15] == pytest.approx(10.0)  # 100 m at 36 km/h
    # the steep cell away from the road stays impassable at 100 m
    assert np.isnan(fine.friction_s.values[10, 15])
    assert fine.friction_s.values[2, 15] == pytest.approx(90.0)  # 100 m at 4 km/h


def test_walk_cost_by_hand_uphill_and_downhill():
    friction = np.zeros((1, 3))
    z = np.array([[0.0, 10.0, 20.0]])
    up = fr.walk_cost_distance(friction, z, [0], [0], ew_m=100.0, ns_m=100.0)
    # 100 m at 0.72 s/m + 10 m climbed at 6 s/m, twice
    np.testing.assert_allclose(up.cost, [[0, 132, 264]])
    down = fr.walk_cost_distance(friction, z, [0], [2], ew_m=100.0, ns_m=100.0)
    # a gentle descent (10 m in 100 m, above the -0.2125 slope factor) saves 1.9998 s/m
    np.testing.assert_allclose(down.cost, [[104.004, 52.002, 0]])
    # towards the start: the walk from each cell down to the start at the bottom
    towards = fr.walk_cost_distance(friction, z, [0], [0], ew_m=100.0, ns_m=100.0, towards=True)
    np.testing.assert_allclose(towards.cost, [[0, 52.002, 104.004]])


def test_walk_cost_on_flat_ground_is_r_cost_with_the_walking_time_added():
    rng = np.random.default_rng(4)
    friction = rng.uniform(0.1, 1.0, (15, 17))
    friction[rng.random(friction.shape) < 0.1] = np.nan
    rows, cols = np.array([1, 12]), np.array([2, 14])
    friction[rows, cols] = 0.5
    walk = fr.walk_cost_distance(
        friction, np.zeros(friction.shape), rows, cols, ew_m=100.0, ns_m=90.0, lambda_=2.0
    )
    per_cell = (0.72 + 2.0 * friction) * 100.0  # seconds to cross a cell east-west
    plain = fr.cost_distance(per_cell, rows, cols, ns_over_ew=0.9)
    np.testing.assert_allclose(walk.cost, plain.cost, rtol=1e-12)
    np.testing.assert_array_equal(walk.nearest, plain.nearest)


def test_walk_towards_is_the_trip_back():
    rng = np.random.default_rng(5)
    friction = rng.uniform(0.1, 1.0, (12, 14))
    z = np.cumsum(rng.normal(0, 15, (12, 14)), axis=0)
    start = (np.array([6]), np.array([7]))
    towards = fr.walk_cost_distance(friction, z, *start, ew_m=100.0, ns_m=100.0, towards=True)
    for r, c in [(0, 0), (11, 13), (3, 10)]:
        back = fr.walk_cost_distance(friction, z, [r], [c], ew_m=100.0, ns_m=100.0)
        assert towards.cost[r, c] == pytest.approx(back.cost[6, 7], rel=1e-12)
    away = fr.walk_cost_distance(friction, z, *start, ew_m=100.0, ns_m=100.0)
    assert not np.allclose(away.cost, towards.cost)  # uphill is not downhill


def test_network_catchment_walks_straight_where_quicker_than_the_roads():
    # one road, 3 km at 36 km/h (10 m/s); walking at 3.6 km/h (1 m/s)
    xy = np.array([[0, 0], [3000, 0]], dtype=float)
    graph = road_graph(xy, [0], [1], [3000], [36.0])
    site = np.array([[300.0, 400.0]])  # 500 m from the road's end (0, 0)
    origins = np.array([[0, 400], [3000, 50], [300, 400]], dtype=float)
    by_road = network_reach(graph, site, origins, 15, walk_kmh=3.6)
    walked = network_reach(graph, site, origins, 15, walk_kmh=3.6, direct_walk=True)
    # by road: 400 m to the road, 0 s on it, 500 m to the site; the site's own point 1,000 m
    np.testing.assert_array_equal(by_road.cell, [0, 1])
    np.testing.assert_allclose(by_road.seconds, [900.0, 850.0])
    # on foot: straight 300 m from the first origin, nothing from the site's own point; the
    # second origin is quicker by road (50 m, 300 s on it, 500 m) than 2,722 m on foot
    np.testing.assert_array_equal(walked.start, [0, 0, 0])
    np.testing.assert_array_equal(walked.cell, [0, 1, 2])
    np.testing.assert_allclose(walked.seconds, [300.0, 850.0, 0.0])
    # within 10 minutes only the straight walks reach the site
    ten = network_reach(graph, site, origins, 10, walk_kmh=3.6, direct_walk=True)
    np.testing.assert_array_equal(ten.cell, [0, 2])
    assert not len(network_reach(graph, site, origins, 10, walk_kmh=3.6).cell)
    # the nearest-facility engine agrees
    nearest = nearest_times(graph, origins, site, walk_kmh=3.6, direct_walk=True)
    np.testing.assert_allclose(nearest.seconds, [300.0, 850.0, 0.0])


def test_off_road_walking_speed_comes_from_the_speed_table():
    assert walk_speed(DEFAULT_TABLE) == DEFAULT_TABLE["land-cover"]["BuiltUp"] == 5.0
    slower = {**DEFAULT_TABLE, "land-cover": {**DEFAULT_TABLE["land-cover"], "BuiltUp": 4.0}}
    assert walk_speed(slower) == 4.0
    assert walk_speed({"transport": DEFAULT_TABLE["transport"], "land-cover": {}}) == 5.0


def test_a_bounded_straight_walk_never_crosses_more_open_land_than_the_road_trip():
    # two separate roads; the only facility is on the first one (as in the cut-off test)
    xy = np.array([[0, 0], [1000, 0], [0, 5000], [1000, 5000]], dtype=float)
    graph = road_graph(xy, [0, 2], [1, 3], [1000, 1000], [36.0, 36.0])
    origins = np.array([[0, 100], [1000, 5300], [1000, 250]], dtype=float)
    site = np.array([[1000.0, 50.0]])
    kw = {"walk_kmh": 3.6, "direct_walk": True, "direct_within_legs": True}
    got = nearest_times(graph, origins, site, **kw)
    # the cut-off origin would walk 5,250 m straight, more than its 300 m and the site's 50 m to
    # the roads: it stays unreachable; the third walks 200 m straight (250 + 50 m to the roads)
    np.testing.assert_allclose(got.seconds, [250.0, np.inf, 200.0])
    reach = network_reach(graph, site, origins, 90, **kw)
    np.testing.assert_array_equal(reach.cell, [0, 2])
    np.testing.assert_allclose(reach.seconds, [250.0, 200.0])


def test_spatial_order_puts_neighbours_together_and_keeps_ties() -> None:
    side = 64
    r, c = np.divmod(np.arange(side * side), side)
    xy = np.column_stack([c, r]).astype(float) * 100.0
    order = spatial_order(xy)
    assert sorted(order.tolist()) == list(range(side * side))  # a permutation
    rank = np.empty(side * side, dtype=int)
    rank[order] = np.arange(side * side)
    # grid neighbours up and down lie closer in memory than in rows (64 apart), on the median
    below = np.arange(side * (side - 1))
    assert np.median(np.abs(rank[below] - rank[below + side])) < side / 2
    # the same point twice keeps its order; a single point, or one with no coordinates, stays put
    assert spatial_order(np.array([[5.0, 5.0], [5.0, 5.0], [0.0, 0.0]])).tolist() == [2, 0, 1]
    assert spatial_order(np.array([[1.0, 2.0]])).tolist() == [0]
    assert spatial_order(np.array([[np.nan, 1.0], [0.0, 0.0]])).tolist() == [0, 1]


@pytest.mark.parametrize("seed", [1, 2])
def test_times_do_not_depend_on_the_order_the_nodes_come_in(seed) -> None:
    rng, xy, u, v, length, speed, oneway = _random_network(seed)
    origins = rng.uniform(0, 5000, (30, 2))
    facilities = rng.uniform(0, 5000, (4, 2))
    shuffle = rng.permutation(len(xy))  # node i of the shuffled list is node shuffle[i]
    where = np.empty(len(xy), dtype=int)
    where[shuffle] = np.arange(len(xy))
    given = road_graph(xy, u, v, length, speed, oneway)
    shuffled = road_graph(xy[shuffle], where[u], where[v], length, speed, oneway)
    a = nearest_times(given, origins, facilities)
    b = nearest_times(shuffled, origins, facilities)
    np.testing.assert_array_equal(a.seconds, b.seconds)
    np.testing.assert_array_equal(a.facility, b.facility)
    reach_a = network_reach(given, facilities, origins, 20.0)
    reach_b = network_reach(shuffled, facilities, origins, 20.0)
    np.testing.assert_array_equal(reach_a.cell, reach_b.cell)
    np.testing.assert_array_equal(reach_a.seconds, reach_b.seconds)

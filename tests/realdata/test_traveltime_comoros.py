"""Real data: the travel-time engines on the Comoros kit (../shared/data/comoros_geohealthaccess).

The friction engine against GRASS GIS ``r.cost -k`` (Debian's grass-core) on the whole 1 km grid
(147 × 117 cells, no crop needed: each run takes about a second), and the road-network engine
against networkx's multi-source Dijkstra on the full OpenStreetMap extract.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest

from analytics.traveltime.friction import cost_distance, snap_to_passable
from analytics.traveltime.network import nearest_times, network_graph
from analytics.traveltime.speeds import DEFAULT_TABLE, road_speeds
from tests.conftest import SHARED_DATA, require

pytestmark = pytest.mark.realdata

KIT = SHARED_DATA / "comoros_geohealthaccess"


@pytest.fixture(scope="module")
def network():
    require(KIT.is_dir(), f"Comoros kit not found at {KIT}")
    from geodata.sources.roads import read_osm_network

    return read_osm_network(KIT / "comores-latest.osm.pbf")


@pytest.fixture(scope="module")
def facilities():
    require(KIT.is_dir(), f"Comoros kit not found at {KIT}")
    return gpd.read_file(KIT / "health.gpkg")


def _grass_r_cost(tmp: Path, friction_grid, start_values: np.ndarray, elevation=None):
    """Run ``r.cost -k`` (``r.walk -k`` given an elevation grid) in a throw-away GRASS location;
    the cost and the nearest start (1-based)."""
    from geodata.sources.rasters import read_grid, write_grid

    write_grid(tmp / "friction.tif", friction_grid)
    command = "r.cost -k --quiet input=friction"
    if elevation is not None:
        write_grid(tmp / "elevation.tif", friction_grid.like(elevation))
        command = "r.walk -k --quiet friction=friction elevation=elevation"
    write_grid(tmp / "starts.tif", friction_grid.like(start_values), "int32", nodata=0)
    script = tmp / "run.sh"
    lines = [
        "set -e",
        f"r.in.gdal --quiet input={tmp}/friction.tif output=friction",
        f"r.in.gdal --quiet input={tmp}/starts.tif output=starts",
        "g.region raster=friction",
        f"{command} start_raster=starts output=cost nearest=nearest",
        f"r.out.gdal --quiet -c input=cost output={tmp}/cost.tif type=Float64 nodata=-1",
        f"r.out.gdal --quiet -c input=nearest output={tmp}/nearest.tif type=Int32 nodata=0",
    ]
    if elevation is not None:
        lines.insert(3, f"r.in.gdal --quiet input={tmp}/elevation.tif output=elevation")
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = subprocess.run(
        ["grass", "--tmp-location", str(tmp / "friction.tif"), "--exec", "bash", str(script)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return read_grid(tmp / "cost.tif").values, read_grid(tmp / "nearest.tif").values


@pytest.mark.parametrize("mode", ["motorised", "walking"])
def test_friction_engine_equals_grass_r_cost(network, facilities, mode, tmp_path):
    require(shutil.which("grass") is not None, "GRASS GIS (grass-core) is not installed")
    from traveltime.kit import friction_kit

    lines = network.lines()
    kit = friction_kit(
        KIT, lines, road_speeds(lines, DEFAULT_TABLE, mode=mode), DEFAULT_TABLE, mode
    )
    friction = kit.friction_s.values
    points = facilities.to_crs(kit.friction_s.crs).geometry
    rows, cols = kit.friction_s.cells_of(points.x, points.y)
    rows, cols, moved = snap_to_passable(friction, rows, cols, max_cells=2)
    assert np.isfinite(moved).all()  # every facility within 2 km of a passable cell
    ours = cost_distance(friction, rows, cols, ns_over_ew=kit.ns_over_ew)
    assert len(ours.stranded) == 0
    # GRASS takes one start per cell: the last facility in a cell, as ours does
    starts = np.full(friction.shape, np.nan)
    starts[rows, cols] = np.arange(len(rows)) + 1
    cost, nearest = _grass_r_cost(tmp_path, kit.friction_s, starts)

    np.testing.assert_array_equal(np.isnan(cost), np.isnan(ours.cost))
    reached = np.isfinite(cost)
    assert reached.sum() > 1500  # the three islands' land cells
    relative = np.abs(ours.cost[reached] - cost[reached]) / np.maximum(cost[reached], 1e-9)
    assert relative.max() < 1e-3  # 0.1 % per cell
    differ = reached & (ours.nearest + 1 != np.nan_to_num(nearest, nan=0))
    # a different nearest facility only where two are exactly as far
    for r, c in zip(*np.nonzero(differ), strict=True):
        theirs = int(nearest[r, c]) - 1
        alone = cost_distance(friction, rows[[theirs]], cols[[theirs]], ns_over_ew=kit.ns_over_ew)
        assert alone.cost[r, c] == pytest.approx(ours.cost[r, c], rel=1e-9)
    assert differ.sum() < reached.sum() / 10


def test_network_engine_equals_networkx_on_the_comoros(network, facilities):
    graph = network_graph(network.xy, network.edges, DEFAULT_TABLE, "motorised")
    fac = facilities.to_crs(network.crs)
    fac_xy = np.column_stack([fac.geometry.x, fac.geometry.y])
    rng = np.random.default_rng(7)
    origins = network.xy[rng.choice(len(network.xy), 300, replace=False)]
    origins = origins + rng.normal(0, 150, origins.shape)
    got = nearest_times(graph, origins, fac_xy)

    # networkx: the reversed network, one node per facility joined by its walk, one run
    coo = graph.seconds.tocoo()
    g = nx.DiGraph()
    g.add_weighted_edges_from(
        zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist(), strict=True)
    )
    nodes = np.array(sorted(g.nodes))
    walk = 5.0 / 3.6
    for j, (x, y) in enumerate(fac_xy):
        k = nodes[np.argmin(np.hypot(graph.xy[nodes, 0] - x, graph.xy[nodes, 1] - y))]
        g.add_edge(("f", j), int(k), weight=np.hypot(*(graph.xy[k] - (x, y))) / walk)
    dist = nx.multi_source_dijkstra_path_length(g, {("f", j) for j in range(len(fac_xy))})
    want = []
    for o in origins:
        k = nodes[np.argmin(np.hypot(*(graph.xy[nodes] - o).T))]
        want.append(np.hypot(*(graph.xy[k] - o)) / walk + dist.get(int(k), np.inf))
    np.testing.assert_allclose(got.seconds, want, rtol=1e-9)
    # places on a piece of the network without a facility are cut off: unreachable by road
    assert np.isinf(got.seconds[got.cut_off]).all()
    # facilities lie close to the roads; some places sit on pieces with no facility
    assert np.nanmax(got.facility_snap_m) < 1000
    assert 0 < got.cut_off.sum() < len(origins) / 2


def test_walking_engine_equals_grass_r_walk(network, facilities, tmp_path):
    """r.walk -k with its default coefficients on the walking friction (s/m) and SRTM elevation."""
    require(shutil.which("grass") is not None, "GRASS GIS (grass-core) is not installed")
    from analytics.traveltime.friction import walk_cost_distance
    from geodata.sources.rasters import read_grid
    from traveltime.kit import friction_kit

    lines = network.lines()
    speeds = road_speeds(lines, DEFAULT_TABLE, mode="walking")
    kit = friction_kit(KIT, lines, speeds, DEFAULT_TABLE, "walking")
    grid = kit.friction_s
    # GRASS measures in the grid's own units (1,000 m Web Mercator cells)
    ew, ns = abs(grid.transform.a), abs(grid.transform.e)
    per_m = grid.values / ew
    elevation = read_grid(KIT / "elevation.tif").values
    points = facilities.to_crs(grid.crs).geometry
    rows, cols = grid.cells_of(points.x, points.y)
    rows, cols, _ = snap_to_passable(per_m, rows, cols, max_cells=2)
    ours = walk_cost_distance(per_m, elevation, rows, cols, ew_m=ew, ns_m=ns)
    starts = np.full(per_m.shape, np.nan)
    starts[rows, cols] = np.arange(len(rows)) + 1
    cost, nearest = _grass_r_cost(tmp_path, grid.like(per_m), starts, elevation=elevation)

    np.testing.assert_array_equal(np.isnan(cost), np.isnan(ours.cost))
    reached = np.isfinite(cost)
    assert reached.sum() > 1500
    relative = np.abs(ours.cost[reached] - cost[reached]) / np.maximum(cost[reached], 1e-9)
    assert relative.max() < 1e-3  # 0.1 % per cell
    differ = reached & (ours.nearest + 1 != np.nan_to_num(nearest, nan=0))
    for r, c in zip(*np.nonzero(differ), strict=True):
        theirs = int(nearest[r, c]) - 1
        alone = walk_cost_distance(
            per_m, elevation, rows[[theirs]], cols[[theirs]], ew_m=ew, ns_m=ns
        )
        assert alone.cost[r, c] == pytest.approx(ours.cost[r, c], rel=1e-9)

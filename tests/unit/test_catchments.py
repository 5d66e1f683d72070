"""Travel-time catchments over a friction surface and over a road network
(analytics.traveltime.catchments)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from analytics.traveltime.catchments import (
    area_catchment_polygons,
    catchment_people,
    catchment_polygons,
    cells_of,
    network_reach,
    reach_within,
    uninsured_cells,
)
from analytics.traveltime.friction import cost_distance

# a 1 km grid: x = 1000 * col, y = -1000 * row from the corner (0, 0)
TRANSFORM = (1000.0, 0.0, 0.0, 0.0, -1000.0, 0.0)


def test_uniform_grid_catchment_is_the_cells_within_the_time():
    friction = np.full((11, 11), 60.0)  # one minute to cross a cell
    population = np.arange(121, dtype="float64").reshape(11, 11)
    reach = reach_within(friction, [5], [5], 2)
    table = catchment_people(reach, [1, 2], population)
    # 1 minute: the cell and its 4 neighbours; 2 minutes adds the 4 diagonals (84.9 s) and the
    # 4 cells two steps away (120 s); a knight's move (134 s) and diagonal + step (145 s) are out
    one = [(5, 5), (4, 5), (6, 5), (5, 4), (5, 6)]
    two = one + [(4, 4), (4, 6), (6, 4), (6, 6), (3, 5), (7, 5), (5, 3), (5, 7)]
    assert list(table["cells"]) == [5, 13]
    assert table["people"].tolist() == [
        sum(population[r, c] for r, c in one),
        sum(population[r, c] for r, c in two),
    ]
    polygons = catchment_polygons(reach, [1, 2], TRANSFORM)
    assert polygons["geometry"].area.tolist() == [5e6, 13e6]
    centres = shapely.points([(1000 * c + 500, -1000 * r - 500) for r, c in two])
    assert shapely.contains(polygons.geometry.iloc[1], centres).all()


def test_people_in_each_catchment_equal_the_cells_within_its_time():
    rng = np.random.default_rng(3)
    friction = rng.uniform(20, 200, (40, 50))
    friction[rng.random(friction.shape) < 0.08] = np.nan  # barriers
    friction[10, 10] = friction[30, 40] = friction[5, 45] = 50.0
    population = rng.uniform(0, 30, friction.shape)
    rows, cols = np.array([10, 30, 5]), np.array([10, 40, 45])
    minutes = [15, 30, 60]
    table = catchment_people(reach_within(friction, rows, cols, 60), minutes, population)
    for i in range(3):  # the oracle: the cost-distance of each facility alone
        cost = cost_distance(friction, rows[i : i + 1], cols[i : i + 1]).cost
        for m in minutes:
            inside = np.nan_to_num(cost, nan=np.inf) <= m * 60
            got = table.query("start == @i and minutes == @m")
            assert got["people"].item() == pytest.approx(population[inside].sum())
            assert got["cells"].item() == inside.sum()


def test_uninsured_inside_is_known_only_where_every_populated_cell_is():
    friction = np.full((5, 9), 60.0)
    population = np.full((5, 9), 10.0)
    area_of_cell = np.zeros((5, 9), dtype="int64")
    area_of_cell[:, 6:] = 1
    share = np.array([0.25, np.nan])  # the second area has no insured data
    uninsured = uninsured_cells(population, area_of_cell, share)
    reach = reach_within(friction, [2, 2], [1, 7], 1)
    table = catchment_people(reach, [1], population, uninsured)
    assert table["people"].tolist() == [50.0, 50.0]
    assert table["uninsured"].iloc[0] == pytest.approx(12.5)
    assert np.isnan(table["uninsured"].iloc[1])  # no data, never zero


def test_a_proposed_site_by_its_coordinates_and_a_site_on_a_barrier():
    friction = np.full((6, 6), 60.0)
    friction[:, 3] = np.nan  # a river down the middle
    population = np.ones((6, 6))
    rows, cols = cells_of(TRANSFORM, [1500.0, 3500.0, 9000.0], [-2500.0, -2500.0, -100.0])
    assert rows.tolist() == [2, 2, 0] and cols.tolist() == [1, 3, 9]
    reach = reach_within(friction, rows, cols, 60)
    table = catchment_people(reach, [60], population)
    assert table["people"].tolist() == [18.0, 0.0, 0.0]  # its bank only; stranded; off the grid
    assert reach.stranded.tolist() == [1, 2]
    polygons = catchment_polygons(reach, [60], TRANSFORM)
    assert polygons["start"].tolist() == [0]
    assert polygons.geometry.iloc[0].equals(shapely.box(0, -6000, 3000, 0))


def small_network():
    """A grid of streets 500 m apart (6 × 6 nodes) at 30 km/h, one street at 60 km/h, one
    one-way street, and a separate piece of road far away."""
    from analytics.traveltime.network import road_graph

    rng = np.random.default_rng(11)
    side = 6
    ids = np.arange(side * side).reshape(side, side)
    xy = np.stack([(ids % side) * 500.0, (ids // side) * 500.0], axis=-1).reshape(-1, 2)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    speed = np.where(np.arange(len(u)) < side - 1, 60.0, rng.uniform(15, 40, len(u)))
    oneway = np.zeros(len(u), dtype="int64")
    oneway[7] = 1
    far = np.array([[50_000.0, 0.0], [50_500.0, 0.0]])
    graph = road_graph(
        np.vstack([xy, far]),
        np.append(u, 36),
        np.append(v, 37),
        np.full(len(u) + 1, 500.0),
        np.append(speed, 30.0),
        np.append(oneway, 0),
    )
    return graph


def test_network_catchments_equal_one_nearest_time_per_facility():
    from analytics.traveltime.network import nearest_times

    graph = small_network()
    rng = np.random.default_rng(2)
    origins = np.vstack([rng.uniform(-200, 2700, (60, 2)), [[50_200.0, 30.0]]])
    facilities = np.array([[0.0, 0.0], [2500.0, 2400.0], [1200.0, 1300.0]])
    people = rng.integers(0, 500, len(origins)).astype("float64")
    minutes = [5, 10, 20]
    reach = network_reach(graph, facilities, origins, max(minutes))
    table = catchment_people(reach, minutes, people)
    for i in range(len(facilities)):  # the oracle: nearest_times with that facility alone
        alone = nearest_times(graph, origins, facilities[i : i + 1]).seconds
        for m in minutes:
            got = table.query("start == @i and minutes == @m")
            assert got["people"].item() == pytest.approx(people[alone <= m * 60].sum())
            assert got["cells"].item() == int((alone <= m * 60).sum())
    # the far piece of road reaches no facility: its origin is in no catchment
    assert len(origins) - 1 not in set(reach.cell)


def test_network_catchment_polygons_are_the_areas_reached():
    import geopandas as gpd

    graph = small_network()
    origins = np.array([[0.0, 0.0], [500.0, 0.0], [2500.0, 2500.0]])
    areas = gpd.GeoSeries([shapely.Point(x, y).buffer(200) for x, y in origins])
    reach = network_reach(graph, np.array([[0.0, 10.0]]), origins, 2)
    polygons = area_catchment_polygons(reach, [2], areas)
    assert len(polygons) == 1
    assert polygons.geometry.iloc[0].equals(shapely.union_all(areas.iloc[:2].to_numpy()))

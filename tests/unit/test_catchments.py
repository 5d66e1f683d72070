"""Travel-time catchments over a friction surface (analytics.traveltime.catchments)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from analytics.traveltime.catchments import (
    catchment_people,
    catchment_polygons,
    cells_of,
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

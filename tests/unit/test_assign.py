"""The grid locator (geodata.persons.assign) places points exactly as geopandas.sjoin(predicate="within")
does: borders, corners, holes, multipolygons, overlaps, missing coordinates; in any chunking and
with any number of threads."""

from __future__ import annotations

import pickle

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geodata.persons.assign import AreaLocator


def sjoin_first_area(geoms: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Reference: a plain sjoin on a point GeoDataFrame; the first (lowest) area where several."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y))
    areas = gpd.GeoDataFrame({"area": np.arange(len(geoms))}, geometry=list(geoms))
    joined = gpd.sjoin(points, areas, how="left", predicate="within")
    first = joined.groupby(level=0)["area"].min()
    return first.reindex(range(len(x))).fillna(-1).astype("int64").to_numpy()


def voronoi_areas(n: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    seeds = shapely.multipoints(rng.uniform(0, 10, (n, 2)))
    region = shapely.Point(5, 5).buffer(4.5)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=region.envelope))
    cells = shapely.intersection(cells, region)
    return shapely.segmentize(cells[~shapely.is_empty(cells)], 0.2)


def grid_squares() -> np.ndarray:
    """A 3 x 3 grid of unit squares sharing borders, with a hole in the middle one."""
    squares = [shapely.box(i, j, i + 1, j + 1) for j in range(3) for i in range(3)]
    squares[4] = squares[4].difference(shapely.box(1.25, 1.25, 1.75, 1.75))
    return np.array(squares, dtype=object)


def border_points() -> tuple[np.ndarray, np.ndarray]:
    """Every quarter grid line crossing: shared borders, corners, outer edges, hole edges."""
    gx, gy = np.meshgrid(np.arange(-0.5, 3.75, 0.25), np.arange(-0.5, 3.75, 0.25))
    return gx.ravel(), gy.ravel()


def test_border_rule_matches_sjoin_within() -> None:
    geoms = grid_squares()
    x, y = border_points()
    got = AreaLocator(geoms).locate(x, y)
    np.testing.assert_array_equal(got, sjoin_first_area(geoms, x, y))
    # The rule, spelled out: interior points are in their square; points on a shared border, a
    # corner, the outer edge or the edge of the hole are in no area; points in the hole too.
    at = {(px, py): a for px, py, a in zip(x, y, got, strict=True)}
    assert at[(0.5, 0.5)] == 0 and at[(2.75, 2.25)] == 8
    assert at[(1.0, 0.5)] == -1  # shared border of squares 0 and 1
    assert at[(1.0, 1.0)] == -1  # corner of four squares
    assert at[(0.0, 0.5)] == -1  # outer edge
    assert at[(1.5, 1.5)] == -1  # inside the hole
    assert at[(1.25, 1.5)] == -1  # on the hole's edge


@pytest.mark.parametrize("cells_per_area", [1, 8, 48, 400])
def test_random_points_match_sjoin(cells_per_area: int) -> None:
    geoms = voronoi_areas(60)
    rng = np.random.default_rng(5)
    x = rng.uniform(-0.5, 10.5, 20_000)
    y = rng.uniform(-0.5, 10.5, 20_000)
    # Points exactly on vertices and on edges of the areas as well.
    vertices = shapely.get_coordinates(geoms)[::7]
    edges = shapely.line_interpolate_point(shapely.boundary(geoms), 0.37, normalized=True)
    x = np.concatenate([x, vertices[:, 0], shapely.get_x(edges)])
    y = np.concatenate([y, vertices[:, 1], shapely.get_y(edges)])
    locator = AreaLocator(geoms, cells_per_area=cells_per_area)
    np.testing.assert_array_equal(locator.locate(x, y), sjoin_first_area(geoms, x, y))


def test_overlaps_multipolygons_and_missing_geometries() -> None:
    geoms = np.array(
        [
            None,
            shapely.box(0, 0, 4, 4),  # overlaps the next: its points go here (lower index)
            shapely.box(2, 2, 6, 6),
            shapely.MultiPolygon([shapely.box(7, 0, 8, 1), shapely.box(9, 0, 10, 1)]),
            shapely.Polygon(),
            shapely.box(1, 1, 2, 2),  # inside area 1 entirely: never gets a point
        ],
        dtype=object,
    )
    rng = np.random.default_rng(9)
    x, y = rng.uniform(-1, 11, 5000), rng.uniform(-1, 7, 5000)
    got = AreaLocator(geoms).locate(x, y)
    np.testing.assert_array_equal(got, sjoin_first_area(geoms, x, y))
    assert set(np.unique(got)) == {-1, 1, 2, 3}


def test_chunks_threads_nan_and_pickle_give_the_same_answer() -> None:
    geoms = voronoi_areas(40, seed=4)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 10, 9_001), rng.uniform(0, 10, 9_001)
    x[::100] = np.nan
    y[5::100] = np.inf
    locator = AreaLocator(geoms)
    expected = locator.locate(x, y, workers=1)
    assert (expected[::100] == -1).all() and (expected[5::100] == -1).all()
    assert np.array_equal(locator.locate(x, y, workers=2, chunk=997), expected)
    again = pickle.loads(pickle.dumps(locator))
    assert np.array_equal(again.locate(x, y, workers=3, chunk=1000), expected)
    counts, outside = locator.count(x, y)
    assert counts.sum() + outside == len(x)
    assert np.array_equal(counts, np.bincount(expected[expected >= 0], minlength=len(geoms)))


def test_no_areas_and_no_points() -> None:
    empty = AreaLocator([])
    assert empty.locate(np.array([1.0]), np.array([2.0])).tolist() == [-1]
    assert AreaLocator(grid_squares()).locate(np.array([]), np.array([])).tolist() == []
    with pytest.raises(ValueError):
        empty.locate(np.zeros(2), np.zeros(3))

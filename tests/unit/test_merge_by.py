"""analytics.geometry.merge_by: one polygon per group, also when neighbours' shared vertices
differ by rounding noise (real layers, computed grids), where coverage_union_all alone leaves
the members apart."""

from __future__ import annotations

import geopandas as gpd
import geopandas.testing
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from analytics.geometry import merge_by


def grid(side: int, block: int, cell: float, noisy: bool) -> gpd.GeoDataFrame:
    rows, cols = np.divmod(np.arange(side * side), side)
    if noisy:  # each cell's far edge computed from its own corner: off by float noise
        x0, y0 = 51.0 + cols * cell, 35.0 + rows * cell
        x1, y1 = x0 + cell, y0 + cell
    else:
        xs = 51.0 + np.arange(side + 1) * cell
        ys = 35.0 + np.arange(side + 1) * cell
        x0, x1, y0, y1 = xs[cols], xs[cols + 1], ys[rows], ys[rows + 1]
    return gpd.GeoDataFrame(
        {"district_id": [f"D{r // block}{c // block}" for r, c in zip(rows, cols, strict=True)]},
        geometry=shapely.box(x0, y0, x1, y1),
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("noisy", [False, True])
def test_each_group_becomes_one_polygon_without_holes(noisy):
    cells = grid(side=40, block=10, cell=0.01, noisy=noisy)
    if noisy:  # the case this guards: the cells do not share their vertices exactly
        members = cells[cells["district_id"] == "D11"].geometry.to_numpy()
        assert len(shapely.get_parts(shapely.coverage_union_all(members))) > 1
    merged = merge_by(cells, "district_id")
    assert len(merged) == 16 and merged.crs == cells.crs
    assert (merged.geom_type == "Polygon").all()
    assert shapely.get_num_interior_rings(merged.geometry.to_numpy()).sum() == 0
    expected = (
        cells.assign(a=shapely.area(cells.geometry.to_numpy())).groupby("district_id")["a"].sum()
    )
    got = dict(zip(merged["district_id"], shapely.area(merged.geometry.to_numpy()), strict=True))
    assert np.allclose([got[k] for k in expected.index], expected)
    for geom in merged.geometry:  # each district is its square, with no slit inside
        assert geom.envelope.difference(geom).area < 1e-9 * geom.envelope.area


def test_parts_apart_stay_apart_and_missing_keys_form_a_group():
    frame = gpd.GeoDataFrame(
        {"district_id": ["A", "A", None, "B"]},
        geometry=[box(0, 0, 1, 1), box(5, 5, 6, 6), box(1, 0, 2, 1), box(0, 1, 1, 2)],
        crs="EPSG:3857",
    )
    before = frame.copy()
    merged = merge_by(frame, "district_id")
    by_key = dict(zip(merged["district_id"], merged.geometry, strict=True))
    assert by_key["A"].geom_type == "MultiPolygon" and len(by_key["A"].geoms) == 2
    assert by_key["B"].equals(box(0, 1, 1, 2))
    assert merged["district_id"].isna().sum() == 1
    gpd.testing.assert_geodataframe_equal(frame, before)  # input not modified

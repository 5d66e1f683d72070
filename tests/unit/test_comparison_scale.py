"""The side-by-side comparison draws both maps on one colour scale and at one map scale
(reports.comparison.shared_scale): the same classes and legend, the same span of ground, on the
page's live maps and in the PNG / PDF alike."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from render.language import Language
from reports import comparison
from ui.context import Context
from ui.views import _classes

EN = Language("en", "gregorian")


def district(x0: float, size: float, n: int, coverage: list[float]) -> gpd.GeoDataFrame:
    """``n`` areas in a row, ``size`` degrees each, from longitude ``x0`` (near Tehran)."""
    return gpd.GeoDataFrame(
        {"area_id": [f"a{x0}-{i}" for i in range(n)], "coverage": coverage},
        geometry=[box(x0 + i * size, 35.6, x0 + (i + 1) * size, 35.6 + size) for i in range(n)],
        crs=4326,
    )


def spans(frame: gpd.GeoDataFrame, bounds: list[list[float]]) -> tuple[float, float]:
    (south, west), (north, east) = bounds
    corners = gpd.GeoSeries.from_xy([west, east], [south, north], crs=4326)
    x0, y0, x1, y1 = corners.to_crs(frame.estimate_utm_crs()).total_bounds
    return x1 - x0, y1 - y0


def test_two_districts_of_different_sizes_are_drawn_at_one_scale_in_the_document():
    small = district(51.30, 0.02, 2, [0.55, 0.60])
    large = district(51.50, 0.08, 3, [0.40, 0.70, 0.95])
    sides = [
        comparison.Side("Small", small, {"coverage": 0.57}),
        comparison.Side("Large", large, {"coverage": 0.68}),
    ]
    fig = comparison.comparison_figure(sides, lang=EN, breaks=None, date_line="", source_note="")
    widths = [np.diff(ax.get_xlim())[0] for ax in fig.axes]
    heights = [np.diff(ax.get_ylim())[0] for ax in fig.axes]
    assert widths[0] == widths[1] and heights[0] == heights[1]
    # the same scale bar on both
    bars = [[t.get_text() for t in ax.texts if "m" in t.get_text()] for ax in fig.axes]
    assert bars[0] == bars[1] and bars[0]


def test_live_maps_open_on_the_same_span_each_centred_on_its_side():
    small = district(51.30, 0.02, 2, [0.55, 0.60])
    large = district(51.50, 0.08, 3, [0.40, 0.70, 0.95])
    scale = comparison.shared_scale([small, large])
    fits = [scale.fit(small), scale.fit(large)]
    (w1, h1), (w2, h2) = (spans(small, f) for f in fits)
    assert abs(w1 - w2) / w2 < 0.01 and abs(h1 - h2) / h2 < 0.01
    assert w2 >= 0.99 * spans(large, [[35.6, 51.5], [35.68, 51.74]])[0]
    for frame, fit in zip((small, large), fits, strict=True):
        minx, miny, maxx, maxy = frame.total_bounds
        (south, west), (north, east) = fit
        eps = 1e-4  # a box of the projection, back in degrees
        assert west <= minx + eps and maxx <= east + eps
        assert south <= miny + eps and maxy <= north + eps
        assert abs((west + east) / 2 - (minx + maxx) / 2) < 0.001 * (east - west)


def test_two_months_share_classes_and_legend():
    shapes = district(51.30, 0.05, 5, [0.2, 0.3, 0.4, 0.5, 0.6])
    later = shapes.assign(coverage=[0.5, 0.6, 0.7, 0.8, 0.9])
    scale = comparison.shared_scale([shapes, later])
    assert len(scale.breaks) == comparison.CLASSES and scale.lower == 0.2
    ctx = Context(workspace="", version=1, is_demo=True, lang="en", title="")
    legends = [
        [i.label for i in _classes(ctx, f["coverage"], "coverage", "user", 5, list(scale.breaks),
                                   scale.lower)[2]]
        for f in (shapes, later)
    ]  # fmt: skip
    assert legends[0] == legends[1]
    assert legends[0][0].startswith("20.0 %")  # the lowest of both months, on both legends

"""Labels on a map of many small areas (a workspace of communes) do not overlap: of labels whose
boxes would collide, the larger area's is kept (render.labels), in the PNG / PDF figure and on the
live map (render.mapframe.MapFrame, at each zoom)."""

from __future__ import annotations

import itertools
import json

import folium
import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from shapely.geometry import box

from render.language import Language
from render.mapframe import MapFrame
from render.maps import area_labels
from reports.figures import classify_metric, map_figure, place_labels
from reports.fonts import matplotlib_families


def communes(n: int = 9, size: float = 0.03) -> gpd.GeoDataFrame:
    """An ``n`` × ``n`` grid of communes, each a little larger than the one before."""
    cells = [
        box(106.0 + i * size, 10.0 + j * size, 106.0 + (i + 1) * size, 10.0 + (j + 1) * size)
        for j, i in itertools.product(range(n), range(n))
    ]
    shrink = np.linspace(0.55, 1.0, len(cells))  # distinct areas: a clear order of weight
    cells = [c.buffer(-(1 - s) * size / 4) for c, s in zip(cells, shrink, strict=True)]
    return gpd.GeoDataFrame(
        {"coverage": np.linspace(0.3, 0.9, len(cells)), "name": [f"Xã Phước Long {k}" for k in range(len(cells))]},
        geometry=cells,
        crs=4326,
    )  # fmt: skip


def overlapping(extents: list) -> list[tuple[int, int]]:
    return [
        (a, b)
        for (a, ea), (b, eb) in itertools.combinations(enumerate(extents), 2)
        if ea.x0 < eb.x1 - 1 and eb.x0 < ea.x1 - 1 and ea.y0 < eb.y1 - 1 and eb.y0 < ea.y1 - 1
    ]


def test_greedy_placement_keeps_no_two_overlapping_boxes_and_prefers_weight():
    from render.labels import keep_apart, label_boxes

    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 400, 300), rng.uniform(0, 300, 300)
    texts = [f"Commune {k}" for k in range(300)]
    weight = rng.uniform(0, 1, 300)
    boxes = label_boxes(x, y, texts, 11)
    kept = keep_apart(boxes, weight)
    assert 10 < kept.sum() < 300
    chosen = boxes[kept]
    for a, b in itertools.combinations(chosen, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    assert kept[np.argmax(weight)]  # the heaviest label is always drawn
    # a label dropped collides with a heavier one kept
    for i in np.flatnonzero(~kept):
        b = boxes[i]
        clash = (
            (chosen[:, 0] < b[2])
            & (b[0] < chosen[:, 2])
            & (chosen[:, 1] < b[3])
            & (b[1] < chosen[:, 3])
        )
        assert clash.any() and (weight[kept][clash] >= weight[i]).any()  # fmt: skip


def test_the_exported_map_of_many_communes_draws_no_overlapping_labels():
    areas = communes()
    vi = Language("vi")
    labels = place_labels(areas, areas["name"])
    with matplotlib.rc_context({"font.family": matplotlib_families(vi.code)}):
        fig = map_figure(
            areas,
            classify_metric(areas["coverage"], "coverage", vi),
            vi,
            title="t",
            legend_title="l",
            date_line="d",
            source_note="s",
            labels=labels,
        )
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        drawn = [t for t in fig.axes[0].texts if t.get_text().startswith("Xã")]
        extents = [t.get_window_extent(renderer) for t in drawn]
    assert overlapping(extents) == []
    assert 5 <= len(drawn) < len(areas)
    # the largest commune keeps its name
    assert any(t.get_text() == areas["name"].iloc[-1] for t in drawn)


def test_live_map_labels_are_ordered_widest_first_and_checked_for_collisions():
    areas = communes(4)
    labels = area_labels(areas, areas["name"].tolist())
    frame = MapFrame(None, labels)
    ordered = json.loads(frame.labels_json)
    widths = [label[3] - label[2] for label in ordered]
    assert widths == sorted(widths, reverse=True) and len(ordered) == len(areas)
    assert ordered[0][4] == areas["name"].iloc[-1]
    fmap = folium.Map(tiles=None)
    frame.add_to(fmap)
    page = fmap.get_root().render()
    assert "taken.some(" in page and str(frame.char_width) in page
    assert pd.Series(widths).is_monotonic_decreasing

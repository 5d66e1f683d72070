"""What render.maps.choropleth_map sends about its frame: a metric scale bar, the fit to the
region, folding legends, tooltips kept inside and escaped, bidi-isolated place labels."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from render.mapframe import ASIDE_ZOOM_LOSS, LEGEND_SHARE, MapFrame
from render.maps import LegendItem, area_labels, choropleth_map
from render.offline import offline_map

HOSTILE = "</script><img src=x onerror=alert(1)>{{ 7*7 }}"


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_id": ["A", "B", "C"],
            "fill": ["#fee5d9", "#de2d26", "#bdbdbd"],
            "label": ["منطقهٔ ۵", HOSTILE, None],
        },
        geometry=[box(51.40, 35.70, 51.50, 35.80), box(51.50, 35.70, 51.60, 35.80), None],
        crs="EPSG:4326",
    )


def draw(areas: gpd.GeoDataFrame, **kwargs) -> tuple[object, str]:
    fmap = choropleth_map(
        areas,
        id_column="area_id",
        colour_column="fill",
        tooltip=[("area_id", "Area")],
        legend_title="Coverage",
        legend_items=[LegendItem("#de2d26", "High", 1)],
        **kwargs,
    )
    return fmap, fmap.get_root().render()


def test_scale_bar_is_metric_only():
    page = offline_map(location=[35.7, 51.4], zoom_start=10).get_root().render()
    assert page.count("L.control.scale(") == 1
    assert "L.control.scale({imperial: false})" in page


def test_fitted_to_the_areas_not_to_far_points(areas):
    far = gpd.GeoDataFrame(geometry=[Point(60.0, 30.0)], crs="EPSG:4326")
    fmap, page = draw(areas, points=far)
    (frame,) = [c for c in fmap._children.values() if isinstance(c, MapFrame)]
    assert json.loads(frame.bounds_json) == [[35.7, 51.4], [35.8, 51.6]]
    assert "fitBounds(bounds, {padding: [pad, pad]" in page
    assert "map.options.zoomSnap = 0.1" in page
    # folium's own whole-step fit is not added
    assert not re.search(r"\.fitBounds\(\s*\[\[", page)


def test_legends_fold_with_a_button_and_tooltips_stay_inside(areas):
    _, page = draw(areas)
    assert f"var share = {LEGEND_SHARE}" in page and LEGEND_SHARE == 0.02
    assert f"var lossAllowed = {ASIDE_ZOOM_LOSS}" in page and "paddingBottomRight" in page
    for piece in ('button.type = "button"', "aria-expanded", "ca-folded", "ResizeObserver"):
        assert piece in page
    assert "L.Tooltip.prototype._setPosition = function" in page


def test_labels_escaped_isolated_and_only_for_named_areas(areas):
    labels = area_labels(areas, areas["label"].tolist())
    assert [label[4] for label in labels] == [
        "منطقهٔ ۵",
        "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&#123;&#123; 7*7 &#125;&#125;",
    ]
    lat, lng, west, east, _, outer = labels[0]
    assert 35.7 <= lat <= 35.8 and 51.4 <= lng <= 51.5 and (west, east) == (51.4, 51.5)
    assert outer == 0 and area_labels(areas, ["D", None, None], outer=True)[0][5] == 1
    _, page = draw(areas, label_column="label")
    assert "onerror=alert(1)>" not in page and "{{ 7*7 }}" not in page
    assert '" dir="auto">' in page and 'class="ca-label' in page and "unicode-bidi: isolate" in page
    with pytest.raises(ValueError, match="names for"):
        area_labels(areas, ["x"])


def test_no_label_column_no_labels(areas):
    fmap, _ = draw(areas)
    (frame,) = [c for c in fmap._children.values() if isinstance(c, MapFrame)]
    assert frame.labels_json == "[]"


def test_exported_map_names_its_districts_in_the_reader_language_and_digits(areas):
    """The PNG's labels: one per named shape wide enough, Persian digits, right to left."""
    from render.language import Language
    from reports.figures import RLM, classify_metric, map_figure, place_labels

    fa = Language("fa")
    shapes = areas.iloc[:2].assign(share=[0.4, 0.8])
    named = gpd.GeoDataFrame(
        geometry=[*shapes.geometry, box(51.45, 35.75, 51.4501, 35.7501)], crs="EPSG:4326"
    )
    labels = place_labels(named, pd.Series(["District 5", "District 12", "tiny"]))
    fig = map_figure(
        shapes,
        classify_metric(shapes["share"], "coverage", fa),
        fa,
        title="t",
        legend_title="l",
        date_line="d",
        source_note="s",
        labels=labels,
    )
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {RLM + "District ۵", RLM + "District ۱۲"} <= texts
    assert not any("tiny" in t for t in texts)  # a shape too narrow to carry its name

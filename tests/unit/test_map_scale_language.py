"""The maps' scale bar in the reader's digits and unit words (issue #20): the live map's Leaflet
scale, the standalone HTML export and the map PNG."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from render.language import Language
from render.mapframe import MapFrame, scale_text, scale_texts
from render.maps import LegendItem, choropleth_map


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_id": ["A", "B"], "fill": ["#fee5d9", "#de2d26"]},
        geometry=[box(51.40, 35.70, 51.50, 35.80), box(51.50, 35.70, 51.60, 35.80)],
        crs="EPSG:4326",
    )


def test_every_length_leaflet_draws_has_its_words():
    fa, vi, en = (scale_texts(Language(code)) for code in ("fa", "vi", "en"))
    # Leaflet rounds to 1, 2, 3 or 5 x 10^n metres
    assert fa["5000"] == "۵ کیلومتر"
    assert fa["500"] == "۵۰۰ متر"
    assert fa["2000000"] == "۲٬۰۰۰ کیلومتر"
    assert vi["1000000"] == "1.000 km"
    assert en["300"] == "300 m"
    assert set(fa) >= {str(s * 10**p) for p in range(7) for s in (1, 2, 3, 5)}
    assert not any(re.search(r"[0-9]|km|\bm\b", text) for text in fa.values())


def test_png_scale_bar_says_metres_below_a_kilometre():
    assert scale_text(Language("fa"), 500) == "۵۰۰ متر"
    assert scale_text(Language("fa"), 20000) == "۲۰ کیلومتر"
    assert scale_text(Language("vi"), 200) == "200 m"


def test_live_map_writes_its_scale_in_persian(areas):
    fmap = choropleth_map(
        areas,
        id_column="area_id",
        colour_column="fill",
        tooltip=[("area_id", "ناحیه")],
        legend_title="پوشش",
        legend_items=[LegendItem("#de2d26", "زیاد", 1)],
        scale=scale_texts(Language("fa")),
    )
    page = fmap.get_root().render()
    (frame,) = [c for c in fmap._children.values() if isinstance(c, MapFrame)]
    assert json.loads(frame.scale_json)["5000"] == "۵ کیلومتر"
    # the scale control is kept on the map before the frame's script rewrites its text
    assert page.index(".caScale =") < page.index("scale._updateMetric = function")
    assert "scale._update();" in page


def test_scale_texts_are_escaped_and_cannot_close_the_script(areas):
    frame = MapFrame(None, None, {"5000": "</script><b>5</b>"})
    assert "</script>" not in frame.scale_json
    assert "<b>" not in frame.scale_json


def test_exported_html_map_in_persian_has_persian_scale(areas):
    from reports.mapexport import map_html

    frame = areas.assign(name=["یک", "دو"], coverage=[0.4, 0.8])
    page = map_html(
        frame,
        id_column="area_id",
        name_column="name",
        metric="coverage",
        lang=Language("fa"),
        place="تهران",
        month=None,
        source_note="منبع",
    )
    assert '"5000": "۵ کیلومتر"' in page

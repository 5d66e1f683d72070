"""ui.area_maps' live area map: packed geometry that unpacks to the polygons (to 1e-5 degree),
every data string escaped, the restyle tied to its map, and the map rendered as st_folium would
send it with nothing but local links."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from render.maps import LegendItem
from render.offline import offline_map
from ui.area_maps import (
    PACKED_DECIMALS,
    PackedAreas,
    RestyleScript,
    area_signature,
    map_parts,
    packed_geometries,
    restyle_script,
)

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "${alert(1)}`;alert(2);//\\",
    "{{ 7*7 }}{% if 1 %}x{% endif %}",
    "</script><script>alert(3)</script>",
]


def unpack(feature: list) -> shapely.Geometry:
    polygons = []
    for polygon in feature:
        rings = []
        for steps in polygon:
            xy = np.cumsum(np.asarray(steps, dtype=np.int64).reshape(-1, 2), axis=0)
            rings.append(xy / 10**PACKED_DECIMALS)
        polygons.append(Polygon(rings[0], rings[1:]))
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    holed = Polygon(
        [(51.40, 35.70), (51.43, 35.70), (51.43, 35.73), (51.40, 35.73)],
        [[(51.41, 35.71), (51.42, 35.71), (51.42, 35.72), (51.41, 35.72)]],
    )
    return gpd.GeoDataFrame(
        {"area_id": ["A-1", "A-2", PAYLOADS[0]], "name": [PAYLOADS[1], "تجریش", PAYLOADS[3]]},
        geometry=[
            holed,
            MultiPolygon([box(51.44, 35.70, 51.45, 35.71), box(51.46, 35.70, 51.47, 35.71)]),
            box(51.123456789, 35.987654321, 51.2, 36.0),
        ],
        crs="EPSG:4326",
    )


def test_packed_geometry_unpacks_to_the_polygons(areas):
    packed = packed_geometries(areas.geometry.to_numpy())
    for geom, feature in zip(areas.geometry, packed, strict=True):
        back = unpack(feature)
        assert back.geom_type == geom.geom_type
        assert shapely.hausdorff_distance(back, geom) <= 0.5 * 10**-PACKED_DECIMALS * 1.5
        # rounding moves each edge by at most half a unit
        assert back.symmetric_difference(geom).area <= geom.length * 10**-PACKED_DECIMALS
    # the hole survives, the closing vertex is not sent, later vertices are steps
    assert len(packed[0][0]) == 2 and len(packed[0][0][0]) == 8
    assert packed[0][0][0][:4] == [5140000, 3570000, 3000, 0]


def test_missing_empty_and_merged_vertices():
    tiny = Polygon([(0, 0), (0.000001, 0), (1, 0), (1, 1), (0, 1)])  # rounds onto (0, 0)
    packed = packed_geometries([None, Polygon(), tiny])
    assert packed[:2] == [None, None]
    assert packed[2] == [[[0, 0, 100000, 0, 0, 100000, -100000, 0]]]


def test_layer_sends_only_escaped_ids_and_names(areas):
    layer = PackedAreas(
        areas.assign(secret="do-not-send"), id_column="area_id", names=areas["name"]
    )
    data = json.loads(layer.features_json)
    assert [f[0] for f in data][:2] == ["A-1", "A-2"]
    text = layer.features_json
    assert "do-not-send" not in text
    for raw in ("<", ">", "{{", "{%", "`", "$"):
        assert raw not in text, raw
    assert data[2][0] == "&lt;img src=x onerror=alert(1)&gt;"
    assert data[2][1] == "&#123;&#123; 7*7 &#125;&#125;&#123;% if 1 %&#125;x&#123;% endif %&#125;"


def test_layer_wants_lon_lat(areas):
    with pytest.raises(ValueError, match="EPSG:4326"):
        PackedAreas(areas.to_crs(32639), id_column="area_id", names=areas["name"])
    with pytest.raises(ValueError, match="names for"):
        PackedAreas(areas, id_column="area_id", names=["one"])


def test_signature_follows_ids_and_their_order():
    assert area_signature(["a", "b"]) != area_signature(["b", "a"])
    assert area_signature(["a", "b"]) == area_signature(["a", "b"])


def restyle(**kwargs) -> str:
    args = dict(
        palette=["#edf8b1", "#2c7fb8"],
        classes=[0, 1, None],
        values=[["12 %", "1,000"], [PAYLOADS[4], None], [None, "3"]],
        labels=["Name", PAYLOADS[2], "Population"],
        legend_title="Coverage <b>",
        legend_items=[LegendItem("#edf8b1", PAYLOADS[0], 1), LegendItem("#2c7fb8", "high", 1)],
        count_format=str,
    )
    args.update(kwargs)
    return restyle_script("sig", **args)


def payload_of(script: str) -> dict:
    match = re.search(r"if \(restyle\) restyle\((\{.*\})\); \}\)\(\);", script)
    assert match, script
    return json.loads(match.group(1))


def test_restyle_escapes_every_string_and_keeps_missing_missing():
    script = restyle(highlight=1)
    for raw in ("<", ">", "{{", "`", "$"):
        assert raw not in script.replace("{ var", "").replace("}}", ""), raw
    data = payload_of(script)
    assert data["classes"] == [0, 1, -1]
    assert data["values"][1] == ["&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;", None]
    assert data["values"][2][0] is None
    assert data["labels"][1] == "&#36;&#123;alert(1)&#125;&#96;;alert(2);//&#92;"
    assert "&lt;img src=x onerror=alert(1)&gt;" in data["legend"]
    assert data["highlight"] == 1 and data["dir"] == "ltr"
    assert 'maps["sig"]' in script


def test_restyle_direction_follows_the_labels():
    data = payload_of(restyle(labels=["نام", "پوشش", None], legend_title="پوشش"))
    assert data["dir"] == "rtl" and data["legend_dir"] == "rtl"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"palette": ["red", "#2c7fb8"]}, "hex colour"),
        ({"classes": [0, 2, None]}, "no colour"),
        ({"values": [["1", "2"]]}, "tooltip rows"),
    ],
)
def test_restyle_rejects_bad_input(change, message):
    with pytest.raises(ValueError, match=message):
        restyle(**change)


def test_map_parts_is_what_st_folium_sends_and_stays_local(areas):
    fmap = offline_map(location=[35.7, 51.4], zoom_start=10)
    layer = PackedAreas(areas, id_column="area_id", names=areas["name"])
    layer.add_to(fmap)
    parts = map_parts(fmap)
    assert layer.signature in parts.script and "caAreaMaps" in parts.script
    assert layer.features_json in parts.script
    assert all(not link.startswith(("http:", "https:", "//")) for link in parts.js_links)
    assert all(not link.startswith(("http:", "https:", "//")) for link in parts.css_links)
    assert ".ca-legend" in parts.header
    assert parts.bounds["_southWest"] == {"lat": 35.70, "lng": 51.123456789}
    # The saved page (a benchmark, an export) carries the restyle after the layer.
    fmap2 = offline_map(location=[35.7, 51.4], zoom_start=10)
    layer2 = PackedAreas(areas, id_column="area_id", names=areas["name"])
    layer2.add_to(fmap2)
    RestyleScript(restyle_script(layer2.signature, **_restyle_args())).add_to(fmap2)
    page = fmap2.get_root().render()
    assert page.index("window.caAreaMaps[") < page.index("if (restyle) restyle(")
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)


def _restyle_args() -> dict:
    return dict(
        palette=["#edf8b1"],
        classes=[0, 0, 0],
        values=[["1"], ["2"], ["3"]],
        labels=["Name", "Value"],
        legend_title="Value",
        legend_items=[LegendItem("#edf8b1", "all", 3)],
        count_format=str,
    )

"""Tests of render/offline.py, render/maps.py and render/simplify.py: offline links, escaping,
simplification, vendoring."""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from pathlib import Path

import branca
import folium
import folium.elements
import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point, Polygon, box

from render import offline
from render.mapframe import MapFrame
from render.maps import LegendItem, choropleth_map, escape_text
from render.offline import (
    LEAFLET_CSS_URL,
    LEAFLET_JS_URL,
    TILE_URL_SETTING,
    basemap_tiles,
    ensure_vendor_assets,
    offline_map,
)
from render.simplify import simplify_for_display

# --------------------------------------------------------------------------- helpers

XSS_PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "</div><svg onload=alert(1)>",
    "${alert(1)}`;alert(2);//\\",
]


def links_st_folium_would_load(fmap: folium.Map) -> tuple[list[str], list[str]]:
    """Replicate streamlit_folium 0.27's walk that collects the JS/CSS links it loads."""

    def walk(fig):
        if isinstance(fig, branca.colormap.ColorMap):
            yield fig
        if isinstance(fig, folium.elements.JSCSSMixin):
            yield fig
        if hasattr(fig, "_children"):
            for child in fig._children.values():
                yield from walk(child)

    js: list[str] = []
    css: list[str] = []
    for elem in walk(fmap):
        if isinstance(elem, branca.colormap.ColorMap):
            js.insert(0, "https://d3js.org/d3.v4.min.js")
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))


def as_browser_sees(page: str) -> str:
    """Undo the JSON escapes (``\\u003c`` ...) that folium's ``tojson`` puts into scripts.

    The browser's JavaScript sees the decoded characters and hands them to ``innerHTML``,
    so the XSS checks must look at the decoded text, not at the escaped source.
    """
    return (
        page.replace("\\u003c", "<")
        .replace("\\u003e", ">")
        .replace("\\u0026", "&")
        .replace("\\u0027", "'")
        .replace('\\"', '"')
    )


def find_geojson(fmap: folium.Map, name: str) -> list[folium.GeoJson]:
    return [
        child
        for child in fmap._children.values()
        if isinstance(child, folium.GeoJson) and child.layer_name == name
    ]


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_id": ["T-01", "T-02", "T-03", "T-04"],
            "name": ["Tajrish", "Darband", "تجریش", "Phường Bến Nghé"],
            "fill": ["#fee5d9", "#de2d26", "#bdbdbd", "#fcae91"],
            "share": ["12 %", "80 %", "no data", "35 %"],
            "secret_note": ["do-not-send-1", "do-not-send-2", "do-not-send-3", "do-not-send-4"],
        },
        geometry=[
            box(51.40, 35.70, 51.41, 35.71),
            box(51.41, 35.70, 51.42, 35.71),
            box(51.40, 35.71, 51.41, 35.72),
            box(51.41, 35.71, 51.42, 35.72),
        ],
        crs="EPSG:4326",
        index=[10, 11, 12, 13],
    )


@pytest.fixture
def facilities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Shohada hospital", "Clinic 7"], "type": ["hospital", "clinic"]},
        geometry=[Point(51.405, 35.705), Point(51.415, 35.715)],
        crs="EPSG:4326",
    )


def legend() -> list[LegendItem]:
    return [
        LegendItem("#fee5d9", "0–20 %", 1),
        LegendItem("#fcae91", "20–60 %", 1),
        LegendItem("#de2d26", "60–100 %", 1),
        LegendItem("#bdbdbd", "no data", 1),
    ]


def build(areas: gpd.GeoDataFrame, **kwargs) -> folium.Map:
    args = dict(
        id_column="area_id",
        colour_column="fill",
        tooltip=[("name", "Area"), ("share", "Uninsured")],
        legend_title="Uninsured share",
        legend_items=legend(),
    )
    args.update(kwargs)
    return choropleth_map(areas, **args)


# --------------------------------------------------------------------------- (a) offline


def test_walk_helper_sees_folium_cdn_defaults() -> None:
    """Sanity check of the helper: a plain folium.Map does pull CDN links."""
    js, css = links_st_folium_would_load(folium.Map(tiles=None))
    assert any(u.startswith("https://") for u in js + css)


def test_offline_map_links_only_local_leaflet() -> None:
    fmap = offline_map()
    js, css = links_st_folium_would_load(fmap)
    assert js == [LEAFLET_JS_URL]
    assert css == [LEAFLET_CSS_URL]
    # the class-level defaults of folium are left alone
    assert any(u.startswith("https://") for _, u in folium.Map.default_js)
    page = fmap.get_root().render()
    assert "http://" not in page and "https://" not in page
    assert '"/app/static/vendor/leaflet/images/"' in page  # marker icons resolve locally


def test_choropleth_without_tiles_has_no_external_url(areas, facilities) -> None:
    fmap = build(areas, highlight_id="T-02", points=facilities, point_tooltip=[("name", "Name")])
    page = fmap.get_root().render()
    assert "http://" not in page
    assert "https://" not in page
    assert "http://" not in fmap._repr_html_() and "https://" not in fmap._repr_html_()

    js, css = links_st_folium_would_load(fmap)
    assert LEAFLET_JS_URL in js and LEAFLET_CSS_URL in css
    for url in js + css:
        assert url.startswith("/app/static/"), url
    assert not any(isinstance(c, folium.TileLayer) for c in fmap._children.values())


def test_basemap_tiles_are_opt_in(areas, monkeypatch) -> None:
    monkeypatch.delenv(TILE_URL_SETTING, raising=False)
    assert basemap_tiles() is None
    monkeypatch.setenv(TILE_URL_SETTING, "http://tiles.internal.example/{z}/{x}/{y}.png")
    configured = basemap_tiles()
    page = build(areas, basemap_tiles=configured).get_root().render()
    assert "http://tiles.internal.example/" in page
    js, css = links_st_folium_would_load(build(areas, basemap_tiles=configured))
    assert all(url.startswith("/app/static/") for url in js + css)


def test_one_polygon_layer_with_only_needed_properties(areas) -> None:
    fmap = build(areas, highlight_id="T-03")
    (layer,) = find_geojson(fmap, "areas")
    assert len(layer.data["features"]) == len(areas)
    for feature in layer.data["features"]:
        assert set(feature["properties"]) == {"area_id", "fill", "name", "share"}
    assert [f["properties"]["area_id"] for f in layer.data["features"]] == list(areas.area_id)
    page = fmap.get_root().render()
    assert "do-not-send" not in page
    # the highlighted area is drawn on top, thick and dark, not clickable
    (top,) = find_geojson(fmap, "highlight")
    assert len(top.data["features"]) == 1
    assert top.options.get("interactive") is False
    assert list(fmap._children.values()).index(top) > list(fmap._children.values()).index(layer)
    # fitted to the areas (render.mapframe.MapFrame)
    fits = [c for c in fmap._children.values() if isinstance(c, MapFrame)]
    assert fits and np.allclose(json.loads(fits[-1].bounds_json), [[35.70, 51.40], [35.72, 51.42]])


def test_unknown_highlight_is_ignored(areas) -> None:
    assert find_geojson(build(areas, highlight_id="nope"), "highlight") == []


def test_map_does_not_modify_input(areas, facilities) -> None:
    before, before_pts = areas.copy(deep=True), facilities.copy(deep=True)
    build(areas, highlight_id="T-01", points=facilities, point_tooltip=[("name", "Name")])
    assert_geodataframe_equal(areas, before)
    assert_geodataframe_equal(facilities, before_pts)


# --------------------------------------------------------------------------- (b) escaping


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_tooltip_legend_and_points_escape_payloads(areas, facilities, payload) -> None:
    areas = areas.copy()
    areas.loc[11, "name"] = payload
    facilities = facilities.copy()
    facilities.loc[0, "name"] = payload
    items = legend() + [LegendItem("#000000", payload, 3)]
    fmap = build(
        areas,
        tooltip=[("name", payload), ("share", "Uninsured")],
        legend_title=payload,
        legend_items=items,
        points=facilities,
        point_tooltip=[("name", "Name")],
    )
    raw_page = fmap.get_root().render()
    seen = as_browser_sees(raw_page)
    assert payload not in raw_page
    assert payload not in seen
    assert escape_text(payload) in seen
    # the escaped form appears for the tooltip data, the alias, the legend and the point
    assert seen.count(escape_text(payload)) >= 4


def test_escaped_forms_are_the_expected_entities() -> None:
    assert escape_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape_text('"><script>') == "&quot;&gt;&lt;script&gt;"
    assert escape_text("a'b") == "a&#x27;b"
    assert escape_text("${x}`\\") == "&#36;&#123;x&#125;&#96;&#92;"
    assert escape_text("T-01") == "T-01"


def test_template_expressions_in_names_are_not_evaluated_on_the_server(areas) -> None:
    """branca compiles each element's rendered script (data included) as a Jinja template again:
    a name like ``{{ 6*7 }}`` must reach the page as text, not as 42."""
    areas = areas.copy()
    areas.loc[12, "name"] = "SSTI{{ 6*7 }} {% for x in [1] %}loop{{ x }}{% endfor %}"
    page = build(areas).get_root().render()
    assert "SSTI42" not in page and "loop1" not in page
    assert "SSTI&#123;&#123; 6*7 &#125;&#125;" in as_browser_sees(page)


def test_img_payload_in_area_name_is_escaped_in_the_layer_data(areas) -> None:
    areas = areas.copy()
    areas.loc[12, "name"] = "<img src=x onerror=alert(1)>"
    fmap = build(areas)
    (layer,) = find_geojson(fmap, "areas")
    names = [f["properties"]["name"] for f in layer.data["features"]]
    assert "&lt;img src=x onerror=alert(1)&gt;" in names
    assert "<img src=x onerror=alert(1)>" not in names
    seen = as_browser_sees(fmap.get_root().render())
    assert "&lt;img src=x onerror=alert(1)&gt;" in seen
    assert "<img src=x" not in seen


def test_tooltip_aliases_are_escaped(areas) -> None:
    fmap = build(areas, tooltip=[("name", "<b onmouseover=alert(1)>Area</b>")])
    (layer,) = find_geojson(fmap, "areas")
    (tip,) = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonTooltip)]
    assert tip.aliases == ["&lt;b onmouseover=alert(1)&gt;Area&lt;/b&gt;"]


def test_legend_is_rtl_ready_and_self_contained(areas) -> None:
    fmap = build(areas, legend_title="سهم بی‌بیمه", legend_items=[LegendItem("#de2d26", "بالا", 5)])
    page = as_browser_sees(fmap.get_root().render())
    assert '<div class="ca-legend-title" dir="auto">' in page
    assert '<span class="ca-legend-label" dir="auto">' in page
    assert 'div.setAttribute("dir", "rtl")' in page
    assert "background-color:#de2d26" in page
    assert "d3" not in "".join(links_st_folium_would_load(fmap)[0])


@pytest.mark.parametrize(
    ("title", "labels", "expected"),
    [
        ("سهم بی‌بیمه", ["low"], "rtl"),
        ("Uninsured share", ["کم"], "ltr"),
        ("2025 –", ["کم"], "rtl"),  # digits are neutral: the first label decides
        ("Tỷ lệ chưa có bảo hiểm", [], "ltr"),
    ],
)
def test_legend_direction_follows_the_text(areas, title, labels, expected) -> None:
    items = [LegendItem("#de2d26", label) for label in labels]
    page = build(areas, legend_title=title, legend_items=items).get_root().render()
    assert f'div.setAttribute("dir", "{expected}")' in page
    forced = build(areas, legend_title=title, legend_items=items, legend_dir="rtl")
    assert 'div.setAttribute("dir", "rtl")' in forced.get_root().render()


@pytest.mark.parametrize("bad", ["red;}</style><script>alert(1)</script>", "#12345", None, ""])
def test_colours_must_be_hex(areas, bad) -> None:
    with pytest.raises(ValueError, match="hex colour"):
        build(areas, legend_items=[LegendItem(bad, "x")])
    areas = areas.copy()
    areas["fill"] = areas["fill"].astype(object)
    areas.loc[10, "fill"] = bad
    with pytest.raises(ValueError, match="hex colour"):
        build(areas)


def test_missing_tooltip_column_is_named(areas) -> None:
    with pytest.raises(ValueError, match="population"):
        build(areas, tooltip=[("population", "Population")])


# --------------------------------------------------------------------------- (e) CRS


def test_non_wgs84_areas_raise(areas) -> None:
    with pytest.raises(ValueError, match="EPSG:4326"):
        build(areas.to_crs(3857))
    with pytest.raises(ValueError, match="EPSG:4326"):
        build(areas.set_crs(None, allow_override=True))


def test_non_wgs84_points_raise(areas, facilities) -> None:
    with pytest.raises(ValueError, match="points"):
        build(areas, points=facilities.to_crs(32639), point_tooltip=[("name", "Name")])


# --------------------------------------------------------------------------- (c) simplify

UTM = "EPSG:32639"  # Tehran


def _jagged_grid(n: int = 3, size: float = 1000.0, step: float = 10.0, amp: float = 25.0):
    """n x n cells in UTM metres whose shared edges are identical wiggly lines.

    Each shared edge is one polyline (a few random sines, tapered to zero at the corners, plus
    noise) used forward by one cell and backward by its neighbour; each ring starts at a random
    vertex, as real data do. That makes per-polygon simplification disagree between neighbours.
    """
    rng = np.random.default_rng(0)
    edges: dict[tuple, list[tuple[float, float]]] = {}

    def edge(p, q):
        key = (p, q) if p <= q else (q, p)
        if key not in edges:
            (x0, y0), (x1, y1) = key
            k = int(max(abs(x1 - x0), abs(y1 - y0)) / step)
            t = np.linspace(0.0, 1.0, k + 1)
            xs, ys = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            off = rng.uniform(-0.3, 0.3, k + 1)
            for freq in (3, 7, 13, 29):
                phase = rng.uniform(0, 2 * np.pi)
                off += rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * freq * t + phase) / freq**0.3
            off *= amp * np.sin(np.pi * t) / 2
            off[0] = off[-1] = 0.0
            if x0 == x1:  # vertical edge: wiggle x
                xs = xs + off
            else:
                ys = ys + off
            edges[key] = list(zip(xs.tolist(), ys.tolist(), strict=True))
        pts = edges[key]
        return pts if key == (p, q) else pts[::-1]

    cells = []
    for i, j in itertools.product(range(n), range(n)):
        x0, y0 = 500_000 + i * size, 3_950_000 + j * size
        corners = [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)]
        ring: list[tuple[float, float]] = []
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
            ring.extend(edge(a, b)[:-1])
        start = int(rng.integers(len(ring)))
        cells.append(Polygon(ring[start:] + ring[:start]))
    return gpd.GeoDataFrame(
        {"area_id": [f"A{k}" for k in range(n * n)], "population": range(n * n)},
        geometry=cells,
        crs=UTM,
        index=[f"row{k}" for k in range(n * n)],
    )


def _touching_pairs(geoms) -> list[tuple[int, int]]:
    return [
        (a, b)
        for a, b in itertools.combinations(range(len(geoms)), 2)
        if geoms[a].intersection(geoms[b]).length > 1.0
    ]


def _coverage_invariants_hold(simplified_utm: gpd.GeoSeries, touching) -> bool:
    geoms = list(simplified_utm)
    union = shapely.union_all(geoms)
    no_overlap_no_gap = (
        abs(sum(g.area for g in geoms) - union.area) < 1e-6 * union.area
        and union.geom_type == "Polygon"
        and len(union.interiors) == 0
    )
    still_share_borders = all(geoms[a].intersection(geoms[b]).length > 1.0 for a, b in touching)
    return no_overlap_no_gap and still_share_borders


def test_grid_fixture_is_a_valid_coverage_and_naive_simplify_breaks_it() -> None:
    """The fixture discriminates: per-polygon simplification opens gaps/overlaps on it."""
    grid = _jagged_grid()
    assert shapely.coverage_is_valid(grid.geometry.to_numpy())
    touching = _touching_pairs(list(grid.geometry))
    assert len(touching) == 12  # shared edges of a 3 x 3 grid (corner contacts have no length)
    naive = grid.geometry.simplify(15.0, preserve_topology=True)
    assert not _coverage_invariants_hold(naive, touching)


def test_simplify_keeps_shared_borders() -> None:
    grid_utm = _jagged_grid()
    grid = grid_utm.to_crs(4326)
    before = grid.copy(deep=True)
    touching = _touching_pairs(list(grid_utm.geometry))

    out = simplify_for_display(grid, tolerance_m=15.0)

    assert_geodataframe_equal(grid, before)  # input untouched
    assert out is not grid
    assert list(out.index) == list(grid.index)
    assert list(out.columns) == list(grid.columns)
    assert out.crs == grid.crs
    assert (out["population"] == grid["population"]).all()
    assert out.geometry.is_valid.all() and not out.geometry.is_empty.any()
    n_in = shapely.get_num_coordinates(grid.geometry.to_numpy()).sum()
    n_out = shapely.get_num_coordinates(out.geometry.to_numpy()).sum()
    assert n_out < 0.3 * n_in  # it really simplified the zigzags
    assert _coverage_invariants_hold(out.to_crs(UTM).geometry, touching)


def test_simplify_cleans_a_near_coverage_first() -> None:
    """Real files: neighbours' shared vertices differ by millimetres. Still no gaps after."""
    grid_utm = _jagged_grid()
    # move every vertex of every other cell by up to 2 mm (a function of the vertex, so that
    # rings stay closed); their neighbours keep the original vertices
    nudged = [
        shapely.transform(g, lambda xy: xy + 0.002 * np.sin(xy[:, ::-1] * 1000.0))
        if k % 2 == 0
        else g
        for k, g in enumerate(grid_utm.geometry)
    ]
    near = grid_utm.set_geometry(gpd.GeoSeries(nudged, index=grid_utm.index, crs=UTM))
    assert not shapely.coverage_is_valid(near.geometry.to_numpy())
    touching = _touching_pairs(list(grid_utm.geometry))

    out = simplify_for_display(near.to_crs(4326), tolerance_m=15.0)

    assert out.geometry.is_valid.all() and not out.geometry.is_empty.any()
    assert _coverage_invariants_hold(out.to_crs(UTM).geometry, touching)


def test_simplify_falls_back_when_not_a_coverage() -> None:
    overlapping = gpd.GeoDataFrame(
        {"area_id": ["a", "b"]},
        geometry=[
            Polygon([(0, 0), (1000, 3), (1003, 1000), (2, 998)]).buffer(0),
            box(500, 500, 1500, 1500),
        ],
        crs=UTM,
        index=[5, 7],
    ).to_crs(4326)
    assert not shapely.coverage_is_valid(overlapping.to_crs(UTM).geometry.to_numpy())
    out = simplify_for_display(overlapping, tolerance_m=15.0)
    assert list(out.index) == [5, 7]
    assert out.geometry.is_valid.all() and not out.geometry.is_empty.any()


def test_simplify_keeps_missing_geometry_and_rejects_points() -> None:
    frame = gpd.GeoDataFrame(
        {"area_id": ["a", "b"]}, geometry=[box(51.4, 35.7, 51.41, 35.71), None], crs=4326
    )
    out = simplify_for_display(frame)
    assert out.geometry.iloc[1] is None and out.geometry.iloc[0].is_valid
    with pytest.raises(ValueError, match="Point"):
        simplify_for_display(gpd.GeoDataFrame(geometry=[Point(51.4, 35.7)], crs=4326))
    with pytest.raises(ValueError, match="CRS"):
        simplify_for_display(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]))


# --------------------------------------------------------------------------- (d) vendoring


def _source_dir() -> Path:
    import xstatic.pkg.leaflet as xleaflet

    return Path(xleaflet.BASE_DIR)


def test_ensure_vendor_assets_copies_leaflet(tmp_path: Path) -> None:
    target = ensure_vendor_assets(tmp_path)
    assert target == tmp_path / "static" / "vendor" / "leaflet"
    src = _source_dir()
    for rel in ("leaflet.js", "leaflet.css", "images/marker-icon.png", "images/layers.png"):
        assert (target / rel).read_bytes() == (src / rel).read_bytes(), rel
    # the URLs the map uses point at exactly these files
    served = "/app/" + target.relative_to(tmp_path).as_posix()
    assert (f"{served}/leaflet.js", f"{served}/leaflet.css") == (LEAFLET_JS_URL, LEAFLET_CSS_URL)
    assert not list(target.rglob("*.tmp"))


def test_ensure_vendor_assets_is_idempotent(tmp_path: Path, monkeypatch) -> None:
    target = ensure_vendor_assets(tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in target.rglob("*") if p.is_file()}

    def no_write(*args, **kwargs):
        raise AssertionError("files rewritten although already current")

    monkeypatch.setattr(offline, "_atomic_write_bytes", no_write)
    assert ensure_vendor_assets(tmp_path) == target
    assert {p: p.stat().st_mtime_ns for p in target.rglob("*") if p.is_file()} == stamps


def test_ensure_vendor_assets_repairs_a_damaged_copy(tmp_path: Path) -> None:
    target = ensure_vendor_assets(tmp_path)
    (target / "leaflet.js").write_text("truncated")
    (target / "images" / "marker-icon.png").unlink()
    ensure_vendor_assets(tmp_path)
    src = _source_dir()
    assert (target / "leaflet.js").read_bytes() == (src / "leaflet.js").read_bytes()
    assert (target / "images" / "marker-icon.png").is_file()


def test_ensure_vendor_assets_concurrent(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            ensure_vendor_assets(tmp_path)
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    target = tmp_path / "static" / "vendor" / "leaflet"
    src = _source_dir()
    assert (target / "leaflet.js").read_bytes() == (src / "leaflet.js").read_bytes()
    assert not [p for p in target.rglob("*") if p.name.endswith(".tmp")]


def test_points_tooltip_is_escaped_text(areas, facilities) -> None:
    facilities = facilities.copy()
    facilities.loc[1, "name"] = "Clinic `${document.cookie}`"
    page = (
        build(areas, points=facilities, point_tooltip=[("name", "Name"), ("type", "Type")])
        .get_root()
        .render()
    )
    assert "${document.cookie}" not in page
    assert "Clinic &#96;&#36;&#123;document.cookie&#125;&#96;" in page
    assert re.search(r"<b>Name</b>: Shohada hospital<br><b>Type</b>: hospital", page)


def test_deepcopy_of_legend_items_unaffected(areas) -> None:
    items = legend()
    snapshot = copy.deepcopy(items)
    build(areas, legend_items=items)
    assert items == snapshot


def test_facility_popups_are_escaped() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from render.offline import offline_map
    from ui.context import Context
    from ui.facility_layer import add_facility_layer

    ctx = Context(
        workspace="w", version=1, is_demo=False, lang="en", title="t", calendar="gregorian"
    )
    payload = "<img src=x onerror=alert(1)>`${alert(2)}`"
    facilities = gpd.GeoDataFrame(
        {"name": [payload], "type": ["clinic"], "status": ["operational"], "operator": [payload]},
        geometry=[Point(51.4, 35.7)],
        crs="EPSG:4326",
    )
    fmap = offline_map(location=[35.7, 51.4], zoom_start=12)
    add_facility_layer(ctx, fmap, facilities)
    page = fmap.get_root().render().encode().decode("unicode_escape", errors="ignore")
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "${alert(2)}" not in page

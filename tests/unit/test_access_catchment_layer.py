"""The travel-time catchments' map layer (#19): each time's polygon drawn under the quicker ones,
labelled in the reader's language and escaped, with one legend row per time."""

from __future__ import annotations

import folium
import geopandas as gpd
from shapely.geometry import box

from ui.access.catchments import BAND_COLOURS, add_catchments
from ui.context import Context


def _polygons() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"minutes": [15, 30, 60]},
        geometry=[
            box(43.2, -11.7, 43.25, -11.65),
            box(43.1, -11.8, 43.3, -11.6),
            box(43, -12, 43.5, -11.4),
        ],
        crs="EPSG:4326",
    )


def test_catchments_are_drawn_longest_first_with_a_legend_row_each():
    ctx = Context(workspace="w", version=1, is_demo=False, lang="en", title="t")
    fmap = folium.Map(location=[-11.7, 43.3], zoom_start=9)
    items = add_catchments(ctx, fmap, _polygons())
    html = fmap.get_root().render()
    assert [i.label for i in items] == ["Within 15 min", "Within 30 min", "Within 60 min"]
    assert [i.colour for i in items] == [BAND_COLOURS[m] for m in (15, 30, 60)]
    # the widest catchment goes on the map first, so the quicker ones stay on top
    assert html.index("Within 60 min") < html.index("Within 30 min") < html.index("Within 15 min")
    for colour in BAND_COLOURS.values():
        assert colour in html


def test_catchment_labels_in_persian_use_persian_digits():
    ctx = Context(workspace="w", version=1, is_demo=False, lang="fa", title="t")
    items = add_catchments(ctx, folium.Map(), _polygons())
    assert [i.label for i in items] == ["تا ۱۵ دقیقه", "تا ۳۰ دقیقه", "تا ۶۰ دقیقه"]

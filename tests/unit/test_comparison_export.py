"""The comparison document (reports.comparison): names from the data are drawn as text (a "$" is
never a formula), and right to left the first side stands on the right, where the reader starts."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from render.language import Language
from reports import comparison


def sides(*titles: str) -> list[comparison.Side]:
    frame = gpd.GeoDataFrame(
        {"area_id": ["a", "b"], "coverage": [0.5, 0.9]},
        geometry=[box(51.0, 35.0, 51.1, 35.1), box(51.1, 35.0, 51.2, 35.1)],
        crs=4326,
    )
    return [
        comparison.Side(t, frame, {"coverage": c}) for t, c in zip(titles, (0.7, 0.8), strict=True)
    ]


def test_names_with_dollars_are_text():
    png = comparison.comparison_png(
        sides("$\\frac{x$", "b$"), lang=Language("en", "gregorian"), breaks=None, month=None,
        source_note="source",
    )  # fmt: skip
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize(("code", "first_on_right"), [("fa", True), ("en", False)])
def test_the_first_side_is_where_reading_starts(code, first_on_right):
    fig = comparison.comparison_figure(
        sides("first", "second"), lang=Language(code, "gregorian"), breaks=None,
        date_line="", source_note="",
    )  # fmt: skip
    left, right = sorted(fig.axes, key=lambda ax: ax.get_position().x0)
    first = right if first_on_right else left
    assert first.get_title().startswith("first")

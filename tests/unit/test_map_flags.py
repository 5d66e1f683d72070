"""Map tooltips flag an area left out of coverage for having more insured than residents, in the
reader's language and escaped (ui.views.metric_map and live_metric_map)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from ui import views
from ui.context import Context


def _areas() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    shapes = gpd.GeoDataFrame(
        {"area_id": ["A1", "A2", "A3"]},
        geometry=[box(51.0 + i / 10, 35.6, 51.1 + i / 10, 35.7) for i in range(3)],
        crs="EPSG:4326",
    )
    values = pd.DataFrame(
        {
            "area_id": ["A1", "A2", "A3"],
            "name": ["One", "Two <b>", "Three"],
            "population": [1000.0, 500.0, 800.0],
            "insured": [600.0, 900.0, 400.0],
            "coverage": [0.6, float("nan"), 0.5],
            "data_status": ["ok", "insured_above_population", "ok"],
        }
    )
    return shapes, values


def _ctx(lang: str) -> Context:
    return Context(workspace="w", version=1, is_demo=True, lang=lang, title="t")


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_live_map_tooltip_flags_insured_above_population(monkeypatch, lang):
    ctx = _ctx(lang)
    sent: list[str] = []
    drawn = views._DrawnMap(parts=None, signature="sig")  # type: ignore[arg-type]
    monkeypatch.setattr(views, "_drawn_map", lambda *a, **k: drawn)
    monkeypatch.setattr(views, "show_parts", lambda parts, restyle, **k: sent.append(restyle))
    shapes, values = _areas()
    views.live_metric_map(
        ctx, shapes, values, view=("t",), id_column="area_id", name_column="name",
        metric="coverage", key="m",
    )  # fmt: skip
    payload = json.loads(re.search(r"restyle\((\{.*\})\);", sent[0]).group(1))
    flag = ctx.t("map.insured_above_population")
    assert flag != "map.insured_above_population"
    assert [row[-1] for row in payload["values"]] == [None, flag, None]  # None: no row
    assert payload["labels"][-1] == ctx.t("table.status")


def test_folium_map_tooltip_flags_insured_above_population(monkeypatch):
    ctx = _ctx("fa")
    drawn: dict = {}

    def choropleth(frame, **kwargs):
        drawn.update(frame=frame, **kwargs)

    monkeypatch.setattr(views, "choropleth_map", choropleth)
    monkeypatch.setattr(views, "st_folium", lambda *a, **k: None)
    shapes, values = _areas()
    views.metric_map(
        ctx, shapes, values, id_column="area_id", name_column="name", metric="coverage", key="m"
    )
    assert ("_flag", ctx.t("table.status")) in drawn["tooltip"]
    flag = ctx.t("map.insured_above_population")
    assert drawn["frame"]["_flag"].tolist() == ["", flag, ""]
    # Without a flagged area there is no such row.
    views.metric_map(
        ctx, shapes, values.assign(data_status="ok"), id_column="area_id", name_column="name",
        metric="coverage", key="m",
    )  # fmt: skip
    assert [c for c, _ in drawn["tooltip"]] == ["_name", "_value", "_population"]

"""analytics.access in travel minutes (#19): access_by_area takes the nearest table measured over
the roads (``unit="min"``) and classifies near care, referral gaps and double gaps from it with
the thresholds in minutes, through the same access_classes and access_summary as the km."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from analytics import access
from render.language import Language


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_id": ["a", "b", "c", "d"], "population": [100.0, 200.0, 300.0, np.nan]},
        geometry=[Point(43.2 + i * 0.01, -11.7) for i in range(4)],
        crs="EPSG:4326",
    )


def _minutes(index: pd.Index) -> pd.DataFrame:
    table = {"care_min": [10.0, 30.0, np.inf, 5.0], "hospital_min": [50.0, 61.0, np.inf, 5.0]}
    for name in access.DISTANCE_SETS:
        table.setdefault(f"{name}_min", [np.nan] * 4)
        table[f"{name}_id"] = [None] * 4
    return pd.DataFrame(table, index=index)


def test_classes_and_summary_come_from_the_minutes():
    areas = _areas()
    per_area = access.access_by_area(
        areas,
        areas.iloc[:0].assign(type=[]),
        near_km=30.0,
        referral_km=60.0,
        coverage=pd.Series([0.95, 0.5, 0.95, 0.2], index=areas.index),
        covered_at=0.9,
        nearest=_minutes(areas.index),
        unit="min",
    )
    assert "care_km" not in per_area
    assert per_area["near_care"].tolist() == [True, True, False, True]  # 30 min inclusive
    assert per_area["referral_gap"].tolist() == [False, True, True, False]  # unreachable: a gap
    assert per_area["double_gap"].tolist()[:3] == ["covered_near", "uninsured_near", "insured_far"]
    summary = access.access_summary(per_area)
    assert summary["people_near_care"] == 300.0 and summary["people_total"] == 600.0
    assert summary["people_referral_gap"] == 500.0


def test_minutes_need_their_table_and_a_known_unit():
    areas = _areas()
    with pytest.raises(ValueError, match="nearest table"):
        access.access_by_area(areas, areas.iloc[:0], near_km=30, referral_km=60, unit="min")
    with pytest.raises(ValueError, match="unit"):
        access.access_classes(_minutes(areas.index), None, near_km=1, referral_km=1, unit="h")


class _Ctx:
    lang = "en"
    language = Language("en")

    def t(self, key: str, **fields: object) -> str:
        from render.i18n import translate

        return translate(key, "en", **fields)


def test_map_in_minutes_keeps_unreachable_areas_apart_from_missing_ones():
    from ui.access.views import UNREACHABLE_COLOUR, colour_areas

    frame = pd.DataFrame({"care_min": [5.0, np.inf, np.nan, 40.0]})
    colours, items, title, shown = colour_areas(
        _Ctx(), frame, "care_km", near_km=30.0, referral_km=60.0, unit="min"
    )
    assert title == "Travel time to nearest care facility (min)"
    assert shown.tolist() == [
        "5.0 min",
        "Not reachable over the roads",
        "None in the workspace",
        "40.0 min",
    ]
    assert colours[1] == UNREACHABLE_COLOUR
    counts = {i.label: i.count for i in items}
    assert counts["Not reachable over the roads"] == 1 and counts["None in the workspace"] == 1

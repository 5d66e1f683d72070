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
        _Ctx(), frame, "care_km", near_km=30.0, referral_km=60.0, measure="motorised"
    )
    assert title == "Travel time to nearest care facility (min), by car"
    assert shown.tolist() == [
        "5.0 min",
        "Not reachable over the roads",
        "None in the workspace",
        "40.0 min",
    ]
    assert colours[1] == UNREACHABLE_COLOUR
    counts = {i.label: i.count for i in items}
    assert counts["Not reachable over the roads"] == 1 and counts["None in the workspace"] == 1


class _Reader(_Ctx):
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.language = Language(lang)

    def t(self, key: str, **fields: object) -> str:
        from render.i18n import translate

        return translate(key, self.lang, **fields)


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
@pytest.mark.parametrize("measure", ["motorised", "walking"])
@pytest.mark.parametrize("view", ["care_km", "referral_gap", "double_gap", "capacity"])
def test_every_legend_in_minutes_names_the_mode_and_speaks_of_travel_time(lang, measure, view):
    from render.i18n import translate
    from ui.access.views import colour_areas

    frame = pd.DataFrame(
        {
            "care_min": [5.0, 20.0, 40.0],
            "care_km": [0.5, 2.0, 4.0],
            "referral_gap": [True, False, False],
            "double_gap": ["both", "covered_near", "insured_far"],
            "access": [0.5, 1.0, 2.0],
        }
    )
    _, _, title, _ = colour_areas(
        _Reader(lang), frame, view, near_km=30.0, referral_km=60.0, measure=measure
    )
    mode = translate(f"access.minutes.by.{measure}", lang)
    assert title.endswith(mode), title
    named = "view.capacity" if view == "capacity" else f"view.{view}"
    assert title.startswith(translate(f"access.minutes.{named}", lang)), title
    _, _, line_title, _ = colour_areas(
        _Reader(lang), frame, view, near_km=3.0, referral_km=10.0, measure="line"
    )
    assert mode not in line_title and line_title.startswith(translate(f"access.{named}", lang))


@pytest.mark.parametrize("decay", [False, True])
def test_the_capacity_legend_names_the_method_used(decay):
    from ui.access.views import colour_areas

    frame = pd.DataFrame({"access": [0.5, 1.0, 2.0]})
    _, _, title, _ = colour_areas(
        _Reader("en"), frame, "capacity", near_km=3.0, referral_km=10.0, decay=decay
    )
    assert ("(E2SFCA)" in title) is decay and ("(2SFCA)" in title) is not decay


def test_no_capacity_class_reads_the_same_at_both_ends():
    """Capacity within reach often runs to thousandths per 1,000 people (one clinic for 40,000
    people is 0.025): each class's bounds are written with enough decimals to read apart."""
    from ui.access.views import colour_areas

    frame = pd.DataFrame({"access": np.linspace(0.001, 0.009, 40)})
    _, items, _, _ = colour_areas(_Reader("en"), frame, "capacity", near_km=3.0, referral_km=10.0)
    bounds = [i.label.split(" – ") for i in items]
    assert len(bounds) == 5 and all(len(b) == 2 and b[0] != b[1] for b in bounds), bounds
    assert [b[0] for b in bounds] == sorted({b[0] for b in bounds}), bounds

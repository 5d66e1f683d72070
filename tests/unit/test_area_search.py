"""Finding an area by name (:mod:`analytics.area_search`) and bringing a map to it
(:mod:`render.mapfocus`): folding, ranking, districts, and the script that fits the map."""

from __future__ import annotations

import json

import folium
import pandas as pd
import pytest
import shapely

from analytics.area_search import RANKS, fold_names, place_names, search_places
from render.mapfocus import MapFocus, focus_script, place_focus


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ha noi", "Hà Nội"),
        ("HA NOI", "Hà  Nội"),
        ("dong da", "Đống Đa"),
        ("thanh hoa", "Thanh Hoá"),
        ("Thanh Hóa", "Thanh Hoá"),  # the tone on either vowel of "oa"
        ("phuong ben nghe", "Phường Bến Nghé"),
        ("نازی آباد", "نازي‌آباد"),  # Arabic ye and a ZWNJ against Persian ye and a space
        ("کوی کارگر", "كوي كارگر"),  # Arabic kaf and ye
        ("اباد", "آباد"),  # alef with madda
        ("منطقه 5", "منطقه ۵"),  # Persian digits
        ("منطقه ٥", "منطقه ۵"),  # Arabic-Indic digits
        ("خانه", "خانۀ"),  # heh with hamza
        ("ali-abad", "Ali Abad"),
    ],
)
def test_names_fold_to_what_a_reader_types(typed, stored):
    typed_folded, stored_folded = fold_names(pd.Series([typed, stored])).tolist()
    assert typed_folded == stored_folded


def test_folding_keeps_words_and_missing_names_are_empty():
    folded = fold_names(pd.Series(["  Quận  Ba   Đình ", None, float("nan"), 12]))
    assert folded.tolist() == ["quan ba dinh", "", "", "12"]


AREAS = pd.DataFrame(
    {
        "area_id": ["A1", "A2", "A3", "A4", "A5"],
        "name": ["Hà Nội", "Hải Phòng", "Nazi Abad", "Đống Đa", "Ha Long"],
        "name_fa": [None, None, "نازي‌آباد", None, None],
        "name_vi": ["Hà Nội", None, None, None, "Hạ Long"],
        "district_id": ["1", "1", "2", "2", None],
        "district_name": ["Quận Ba Đình", "Quận Ba Đình", "منطقه ۵", "منطقه ۵", None],
    }
)


def found(query: str, areas: pd.DataFrame = AREAS) -> list[tuple[str, str, str]]:
    hits = search_places(place_names(areas), query)
    return [
        (k, i, RANKS[r]) for k, i, r in zip(hits["kind"], hits["id"], hits["rank"], strict=True)
    ]


def test_places_are_the_areas_and_each_district_once():
    places = place_names(AREAS)
    assert places["kind"].tolist() == ["area"] * 5 + ["district"] * 2
    assert places["id"].tolist() == ["A1", "A2", "A3", "A4", "A5", "1", "2"]
    names = places.loc[2, "names"]
    assert names[:2] == ["Nazi Abad", "نازي‌آباد"] and pd.isna(names[2]) and names[3] == "A3"


def test_vietnamese_without_tones_finds_the_area_best_match_first():
    assert found("ha noi") == [("area", "A1", "exact")]
    # "ha" starts three names: the shortest first.
    assert [i for _, i, _ in found("ha")] == ["A1", "A5", "A2"]
    assert found("long") == [("area", "A5", "word")]
    assert found("hanoi") == [("area", "A1", "unspaced")]


def test_persian_with_arabic_letters_and_digits_finds_areas_and_districts():
    assert found("نازی") == [("area", "A3", "prefix")]
    assert found("نازیآباد") == [("area", "A3", "unspaced")]
    # a district's name: the district first, then nothing else holds "منطقه ٥"
    assert found("منطقه ٥") == [("district", "2", "exact")]
    assert found("quan ba") == [("district", "1", "prefix")]


def test_ids_are_found_and_nothing_is_found_for_nothing():
    assert found("a4") == [("area", "A4", "exact")]
    assert found("") == []
    assert found("  ‌ ") == []
    assert found("zzz") == []


def test_a_partners_places_hold_only_its_areas():
    own = AREAS[AREAS["district_id"] == "2"]
    assert found("ha noi", own) == []
    assert found("dong", own) == [("area", "A4", "prefix")]
    assert found("quan ba dinh", own) == []


def test_workspace_without_districts_lists_areas_only():
    communes = AREAS.drop(columns=["district_id", "district_name"])
    assert set(place_names(communes)["kind"]) == {"area"}
    assert found("dong da", communes) == [("area", "A4", "exact")]


def test_limit_keeps_the_best():
    many = pd.DataFrame({"area_id": [f"X{i}" for i in range(30)], "name": ["Tân Phú"] * 30})
    assert len(search_places(place_names(many), "tan", limit=5)) == 5


def test_focus_fits_the_place_and_writes_no_data():
    square = shapely.box(51.0, 35.0, 51.2, 35.1)
    focus = place_focus("area:<script>", [square, None])
    assert focus is not None
    assert focus.bounds == [[35.0, 51.0], [35.1, 51.2]]
    assert focus.outline["type"] == "Polygon"
    script = focus_script("window.map", focus)
    assert "<script>" not in script and "area:" not in script
    payload = json.loads(script[script.rfind('{"key"') : script.rfind(")")])
    assert payload["bounds"] == focus.bounds and payload["key"] == focus.key
    assert place_focus("none", [None]) is None
    cleared = focus_script("window.map", None)
    assert '"bounds":null' in cleared


def test_map_focus_renders_after_the_map():
    fmap = folium.Map(location=[35, 51], zoom_start=10)
    fmap.add_child(MapFocus(place_focus("A1", [shapely.box(51.0, 35.0, 51.2, 35.1)])))
    html = fmap.get_root().render()
    assert f"}})({fmap.get_name()}, " in html
    assert '"bounds":[[35.0,51.0],[35.1,51.2]]' in html

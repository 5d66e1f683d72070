"""AppTest: the Infrastructure needs page measures access by straight line or by travel time
over the roads (#19, item 3) where the workspace holds a road extract (the Comoros recipe), in
en, fa and vi; the choice is kept in the URL; a workspace without roads says why it has none."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from analytics import access, distance
from geodata.store.workspace import read_workspace
from render.format import fmt_int, fmt_pct
from render.i18n import translate
from tests.apptest.helpers import query
from tests.apptest.helpers import run_page as run_app_page
from traveltime import workspace as travel

PAGE = "app_pages/infrastructure.py"


def run_page(params: dict[str, str]) -> AppTest:
    return run_app_page(PAGE, params)


def direct_summary(path, near_min: float, referral_min: float, mode: str = "motorised") -> dict:
    """The page's figures computed straight from the analytics, without the UI."""
    tables = read_workspace(path)
    areas = tables["areas"]
    counted = access.available_facilities(tables["facilities"])
    nearest = travel.nearest_minutes(
        path,
        None,
        areas,
        counted,
        access.DISTANCE_SETS,
        points=distance.area_points(areas),
        mode=mode,
    )
    per_area = access.access_by_area(
        areas,
        counted,
        near_km=near_min,
        referral_km=referral_min,
        nearest=nearest,
        unit="min",
    )
    return access.access_summary(per_area)


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_comoros_in_travel_time_shows_minutes_equal_to_the_analytics(on_comoros, lang):
    at = run_page({"lang": lang})
    measure = at.selectbox(key="url_measure_by")
    assert measure.options == [
        translate(f"access.measure.{m}", lang) for m in ("line", "motorised", "walking")
    ]
    line_labels = [m.label for m in at.metric]
    measure.select("motorised").run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at)["measure_by"] == "motorised"
    figures = direct_summary(on_comoros, access.NEAR_MIN, access.REFERRAL_MIN)
    tiles = {m.label: m.value for m in at.metric}
    near_label = translate("access.minutes.headline.care", lang, min=fmt_int(30, lang))
    assert near_label in tiles and near_label not in line_labels
    assert tiles[near_label] == fmt_pct(figures["share_near_care"], lang)
    gap_label = translate("access.minutes.headline.referral_gap", lang, min=fmt_int(60, lang))
    assert tiles[gap_label] == fmt_int(figures["people_referral_gap"], lang)
    # the threshold slider is in minutes and moves the share
    at.select_slider(key="url_near_min").set_value(15.0).run()
    figures15 = direct_summary(on_comoros, 15.0, access.REFERRAL_MIN)
    label15 = translate("access.minutes.headline.care", lang, min=fmt_int(15, lang))
    assert {m.label: m.value for m in at.metric}[label15] == fmt_pct(
        figures15["share_near_care"], lang
    )
    assert query(at)["near_min"] == "15"


@pytest.mark.realdata
def test_comoros_link_reopens_travel_time(on_comoros):
    at = run_page({"lang": "en", "measure": "walking", "near_min": "60", "view": "care_km"})
    assert at.selectbox(key="url_measure_by").value == "walking"
    figures = direct_summary(on_comoros, 60.0, access.REFERRAL_MIN, mode="walking")
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Care within 60 min"] == fmt_pct(figures["share_near_care"], "en")
    assert any("Travel time over the roads" in c.value for c in at.caption)
    q = query(at)
    assert q["measure_by"] == "walking" and q["near_min"] == "60" and "measure" not in q


def test_demo_without_roads_offers_no_travel_time_and_says_why(on_demo):
    at = run_page({"lang": "en", "measure": "motorised"})
    assert not [s for s in at.selectbox if s.key == "url_measure_by"]
    assert any("[roads]" in c.value for c in at.sidebar.caption)
    labels = [m.label for m in at.metric]
    assert "Care within 2.0 km" in labels
    assert query(at).get("measure_by", "line") == "line" and "measure" not in query(at)

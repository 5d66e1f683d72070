"""The briefing's access figures in the unit the reader chose (#19): measured by travel time,
the referral gap, the people beyond care and the needs table come from the travel minutes
(reports.briefing.build_briefing(nearest=…, unit="min")) and the PDF's page says minutes in the
reader's language and digits; the hand-built road of tests/unit/test_whatif_minutes."""

from __future__ import annotations

import pytest

from analytics import access, distance
from geodata.store.workspace import read_workspace
from render.format import fmt_int
from render.i18n import translate
from render.language import Language
from reports.briefing import build_briefing
from reports.pdf import briefing_html
from tests.unit.test_whatif_minutes import road_workspace  # noqa: F401 (the fixture)
from traveltime import workspace as travel


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_briefing_in_minutes_of_travel(road_workspace, lang):  # noqa: F811
    tables = read_workspace(road_workspace)
    areas = tables["areas"]
    nearest = travel.nearest_minutes(
        road_workspace,
        None,
        areas,
        access.available_facilities(tables["facilities"]),
        access.DISTANCE_SETS,
        points=distance.area_points(areas),
    )
    b = build_briefing(tables, near_km=5.0, referral_km=5.0, nearest=nearest, unit="min")
    assert b.unit == "min"
    # the hospital is in the middle area: the two others are over 5 minutes' drive from it
    measured = access.access_by_area(
        areas,
        access.available_facilities(tables["facilities"]),
        near_km=5.0,
        referral_km=5.0,
        nearest=nearest,
        unit="min",
    )
    expected = access.access_summary(measured)
    assert b.access["referral_gap_people"] == expected["people_referral_gap"] == 2000.0
    assert "care_min" in b.needs and "care_km" not in b.needs
    in_km = build_briefing(tables, near_km=5.0, referral_km=5.0)
    assert in_km.unit == "km" and "care_km" in in_km.needs
    page = briefing_html(b, Language(lang), region_title="r", source_note="s")
    five = translate("access.minutes.units.km", lang, min=fmt_int(5, lang))
    gap = translate(
        "reports.access.referral_gap",
        lang,
        km=five,
        n=fmt_int(2, lang),
        people=fmt_int(2000, lang),
    )
    assert gap in page
    # by car or on foot: the figures alone do not say, so the page does (once it is told)
    by_car = translate("reports.access.by_motorised", lang)
    assert by_car not in page
    told = build_briefing(
        tables, near_km=5.0, referral_km=5.0, nearest=nearest, unit="min", mode="motorised"
    )
    assert by_car in briefing_html(told, Language(lang), region_title="r", source_note="s")
    on_foot = build_briefing(
        tables, near_km=5.0, referral_km=5.0, nearest=nearest, unit="min", mode="walking"
    )
    walked = briefing_html(on_foot, Language(lang), region_title="r", source_note="s")
    assert translate("reports.access.by_walking", lang) in walked and by_car not in walked

"""AppTest: the Capacity and load page measures each facility's load by straight line or by travel
time over the roads (#19, item 3) where the workspace holds a road extract (the Comoros recipe):
in minutes the catchment slider, caption and table header are in minutes (en, fa, vi) and the
ranked table equals :func:`analytics.capacity.facility_load` over the travel pairs; the choice is
kept in the URL as ``measure_by`` (``measure`` is the utilisation measure). The demo, without roads,
offers no choice and measures in km as before."""

from __future__ import annotations

import pytest

from analytics import access, distance, whatif
from analytics.capacity import facility_load
from analytics.supply import SERVICES
from geodata.store.workspace import read_workspace
from render.format import fmt_number
from render.i18n import translate
from tests.apptest.helpers import query, run_page
from traveltime import workspace as travel

PAGE = "app_pages/capacity.py"


def load_table(at, lang: str = "en"):
    """The ranked load table (the frame with the load ratio column)."""
    header = translate("capacity.table.load_ratio", lang)
    return next(d.value for d in at.dataframe if header in d.value)


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_comoros_load_in_minutes_equals_the_analytics(on_comoros, lang):
    at = run_page(PAGE, {"lang": lang, "service": "care", "supply": "facility"})
    by = at.selectbox(key="url_measure_by")
    assert by.options == [
        translate(f"access.measure.{m}", lang) for m in ("line", "motorised", "walking")
    ]
    km_header = translate("capacity.table.catchment", lang)
    assert km_header in load_table(at, lang)
    by.select("motorised").run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at)["measure_by"] == "motorised"
    slider = at.select_slider(key="url_catchment_min")
    assert slider.value == access.CATCHMENT_MIN
    at.select_slider(key="url_catchment_min").set_value(60.0).run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at)["catchment_min"] == "60"

    tables = read_workspace(on_comoros)
    areas = tables["areas"]
    settings = whatif.NetworkSettings(supply=None, service_types=SERVICES["care"])
    service = whatif.service_facilities(tables["facilities"], settings)
    points = distance.area_points(areas)
    pairs = travel.travel_pairs(on_comoros, None, areas, service, 60.0, points=points)
    expected = facility_load(areas, service, catchment_km=60.0, supply=None, pairs=pairs)
    expected = expected.sort_values(
        ["load_ratio", "allocated_population"], ascending=False
    ).reset_index(drop=True)

    shown = load_table(at, lang)
    header = translate("capacity.minutes.catchment", lang, min=fmt_number(60, lang, digits=0))
    assert header in shown and km_header not in shown
    assert shown[header].tolist() == pytest.approx(
        expected["catchment_population"].round().tolist()
    )
    ratio = translate("capacity.table.load_ratio", lang)
    assert shown[ratio].tolist() == pytest.approx(expected["load_ratio"].round(2).tolist())
    # the straight-line load differs: the minutes are not km under another name
    line = facility_load(areas, service, catchment_km=access.CATCHMENT_KM, supply=None)
    assert sorted(line["catchment_population"].round()) != sorted(shown[header])
    minutes = fmt_number(60, lang, digits=0)
    mode = translate("access.measure.motorised", lang)
    assert any(minutes in c.value and mode in c.value for c in at.caption)


def test_demo_offers_no_travel_time_and_keeps_km(on_demo):
    at = run_page(PAGE, {"lang": "en", "by": "motorised"})
    assert not [s for s in at.selectbox if s.key == "url_measure_by"]
    assert not [s for s in at.select_slider if s.key == "url_catchment_min"]
    assert at.select_slider(key="url_catchment").value == access.CATCHMENT_KM
    shown = load_table(at)
    assert translate("capacity.table.catchment", "en") in shown
    assert "by" not in query(at) and "measure_by" not in query(at)
    km = fmt_number(access.CATCHMENT_KM, "en", digits=1)
    assert any(f"within {km} km" in c.value for c in at.caption)

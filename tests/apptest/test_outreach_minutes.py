"""AppTest: on the Comoros workspace (roads) the Outreach planner measures a desk's reach by the
access pages' "measure by" choice (#19): in travel time the reach is in minutes over the roads,
the plan equals :func:`analytics.outreach.plan_desks` given the workspace's trips, and the model
is said in minutes, in en and fa."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from analytics import access, distance, outreach
from geodata.store.workspace import read_workspace
from render.format import fmt_int, fmt_pct
from render.i18n import translate
from tests.apptest.helpers import query, run_page
from traveltime import workspace as travel

PAGE = "app_pages/outreach.py"


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_comoros_desks_reach_in_minutes_over_the_roads(on_comoros, lang):
    at = run_page(
        PAGE,
        {"lang": lang, "by": "motorised", "radius_min": "15", "desks": "1", "days": "2"},
    )
    assert at.selectbox(key="url_measure_by").value == "motorised"
    assert at.select_slider(key="url_radius_min").value == 15.0
    assert not [s for s in at.select_slider if s.key == "url_radius"]
    assert query(at)["measure_by"] == "motorised"

    areas = read_workspace(on_comoros)["areas"]
    points = distance.area_points(areas)
    sites = gpd.GeoDataFrame(geometry=points.to_numpy(), crs=points.crs)
    pairs = travel.travel_pairs(on_comoros, None, areas, sites, 15.0, points=points)
    plan = outreach.plan_desks(areas, 1, 2, 15.0, weight="population", pairs=pairs)
    assert plan.unit == "min"
    shown = {m.label: m.value for m in at.metric}
    assert shown[translate("outreach.plan.share", lang)] == fmt_pct(plan.share, lang)
    what = translate("outreach.weight.population", lang)
    model = translate(
        "outreach.minutes.model",
        lang,
        desks=fmt_int(1, lang),
        days=fmt_int(2, lang),
        m=fmt_int(15, lang),
        what=what,
    )
    assert model in [c.value for c in at.caption]
    # the map and the people in range say minutes of travel, never a walking distance
    explain = translate("outreach.minutes.explain_plan", lang, m=fmt_int(15, lang))
    assert explain in [c.value for c in at.caption]
    assert translate("outreach.map.explain_plan", lang) not in [c.value for c in at.caption]
    label = translate("outreach.plan.in_range", lang, what=what)
    helped = next(m for m in at.metric if m.label == label).proto.help
    walking = translate("outreach.plan.in_range_help", lang, total="X", bound="Y").split("X")[0]
    minutes = translate(
        "outreach.minutes.in_range_help", lang, total="X", bound="Y", m=fmt_int(15, lang)
    ).split("X")[0]
    assert helped.startswith(minutes) and walking not in helped


@pytest.mark.realdata
def test_comoros_work_list_reach_of_care_in_minutes(on_comoros):
    """In travel time the work list gives the minutes to the nearest care facility over the
    roads (the access pages' minutes, from each area's measuring point) under its own header,
    and no column in km."""
    at = run_page(PAGE, {"lang": "vi", "by": "motorised", "desks": "1", "days": "2", "list": "all"})
    header = {
        key: translate(f"outreach.col.{key}", "vi")
        for key in ("area_id", "nearest_care_min", "nearest_care_km", "nearest_office_km")
    }
    listed = next(d.value for d in at.dataframe if header["area_id"] in d.value)
    assert header["nearest_care_km"] not in listed
    assert header["nearest_office_km"] not in listed

    tables = read_workspace(on_comoros)
    areas = tables["areas"]
    minutes = travel.nearest_minutes(
        on_comoros,
        None,
        areas,
        access.available_facilities(tables["facilities"]),
        access.DISTANCE_SETS,
        points=distance.area_points(areas),
        mode="motorised",
    ).set_axis(areas["area_id"].to_numpy())
    # the list holds minutes to three decimals, the page and the files to one
    want = minutes.loc[listed[header["area_id"]], "care_min"].round(3).round(1)
    assert len(want) > 10 and np.isfinite(want).any()
    shown = listed[header["nearest_care_min"]].to_numpy()
    reached = np.isfinite(want.to_numpy())
    assert shown[reached].astype("float64") == pytest.approx(want[reached].to_numpy())
    assert set(shown[~reached]) <= {translate("access.minutes.unreachable", "vi")}

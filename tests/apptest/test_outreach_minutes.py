"""AppTest: on the Comoros workspace (roads) the Outreach planner measures a desk's reach by the
access pages' "measure by" choice (#19): in travel time the reach is in minutes over the roads,
the plan equals :func:`analytics.outreach.plan_desks` given the workspace's trips, and the model
is said in minutes, in en and fa."""

from __future__ import annotations

import geopandas as gpd
import pytest

from analytics import distance, outreach
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

"""AppTest: on the Comoros workspace (roads), the Capacity page's what-if is judged in the mode
the page measures by (#19): in travel time a closure and a site placed by hand are measured in
minutes over the roads (the new site reached from the nearest road), the changed neighbourhoods
table and the before/after figures equal :func:`analytics.whatif.run_scenario` with the
workspace's travel times, the siting what-if's reach is in minutes, and the text says so."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from analytics import access, distance, whatif
from analytics.scenarios import Change
from analytics.supply import SERVICES
from geodata.store.workspace import read_workspace
from render.format import fmt_pct
from render.i18n import translate
from tests.apptest.helpers import run_page
from traveltime import workspace as travel

PAGE = "app_pages/capacity.py"


def _changes(path) -> list[Change]:
    """Close the care facility nearest to the most neighbourhoods by road; add a clinic by the
    road nearest to the most populous neighbourhood over 30 minutes and 5 km from care."""
    tables = read_workspace(path)
    areas = tables["areas"]
    points = distance.area_points(areas)
    counted = access.available_facilities(tables["facilities"])
    nearest = travel.nearest_minutes(
        path, None, areas, counted, access.DISTANCE_SETS, points=points
    )
    busiest = str(nearest["care_id"].value_counts().index[0])
    line = distance.nearest_facility_km(
        areas, counted, types=[], groups={"care": list(access.CARE_TYPES)}, points=points
    )
    far = areas.loc[(nearest["care_min"] > 30.0) & (line["care_km"] > 5.0)]
    far = far.sort_values("population").index[-1]
    network = travel.road_network(path)
    to_metres = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    x, y = to_metres.transform(points.loc[far].x, points.loc[far].y)
    node = network.graph.xy[
        np.argmin(np.hypot(network.graph.xy[:, 0] - x, network.graph.xy[:, 1] - y))
    ]
    lon, lat = to_metres.transform(*node, direction="INVERSE")
    return [
        Change("close", busiest),
        Change("new_site", "NEW-1", facility_type="clinic", lon=float(lon), lat=float(lat)),
    ]


@pytest.mark.realdata
def test_comoros_what_if_in_minutes_equals_the_analytics(on_comoros):
    at = run_page(PAGE, {"lang": "en", "service": "care", "supply": "facility", "by": "motorised"})
    changes = _changes(on_comoros)
    at.session_state["cap_changes"] = changes
    at.run()
    assert not at.exception, [e.value for e in at.exception]

    tables = read_workspace(on_comoros)
    areas = tables["areas"]
    settings = whatif.NetworkSettings(
        near_km=access.NEAR_MIN,
        referral_km=access.REFERRAL_MIN,
        catchment_km=access.CATCHMENT_MIN,
        supply=None,
        service_types=SERVICES["care"],
        catchment_unit="min",
    )
    measure = travel.network_travel(
        on_comoros, None, areas, settings, points=distance.area_points(areas)
    )
    expected = whatif.run_scenario(areas, tables["facilities"], changes, settings, travel=measure)

    shares = next(
        d.value
        for d in at.dataframe
        if "Figure" in d.value.columns and "Share of people near care" in set(d.value["Figure"])
    )
    row = shares[shares["Figure"] == "Share of people near care"].iloc[0]
    assert row["Before"] == fmt_pct(expected.before.summary["share_near_care"], "en")
    assert row["After"] == fmt_pct(expected.after.summary["share_near_care"], "en")

    before = translate("capacity.minutes.care_before", "en")
    after = translate("capacity.minutes.care_after", "en")
    changed = next(d.value for d in at.dataframe if after in d.value.columns)
    assert translate("capacity.areas.care_km_after", "en") not in changed.columns
    by_area = expected.by_area
    rows = by_area[by_area["changed"]].sort_values("population", ascending=False)
    assert len(changed) == len(rows) > 0
    assert changed[after].tolist() == pytest.approx(rows["care_min_after"].round(2).tolist())
    assert changed[before].tolist() == pytest.approx(rows["care_min_before"].round(2).tolist())
    # the new clinic, by a road, brings some neighbourhoods nearer care
    assert (by_area["care_min_after"] < by_area["care_min_before"]).any()

    mode = translate("access.measure.motorised", "en")
    assert translate("capacity.minutes.whatif", "en", mode=mode) in [c.value for c in at.caption]
    # the siting what-if's reach is in minutes
    at.selectbox(key="cap_action").select("sites").run()
    assert at.select_slider(key="cap_site_radius_min").value == 30.0
    at.select_slider(key="cap_site_radius_min").set_value(15.0).run()
    at.button(key="cap_add_sites").click().run()
    assert not at.exception, [e.value for e in at.exception]
    added = at.session_state["cap_changes"][len(changes) :]  # chosen within 15 minutes
    assert added and {c.kind for c in added} == {"new_site"}

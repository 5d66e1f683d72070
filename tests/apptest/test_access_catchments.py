"""AppTest: travel-time catchments on the Infrastructure needs page (#19, item 4) on the Comoros
workspace: a facility's or a proposed site's 15 / 30 / 60-minute catchment drawn on the map, with
the people and the uninsured inside, equal to the engine; none offered in a straight line."""

from __future__ import annotations

import numpy as np
import pytest

from analytics import access, distance
from geodata.store.workspace import read_workspace
from render.i18n import translate
from tests.apptest.helpers import query, run_page
from traveltime import workspace as travel

PAGE = "app_pages/infrastructure.py"


def direct_catchments(path, site, uninsured=None):
    """The engine's catchments of ``site`` (a one-row GeoDataFrame) among every area."""
    areas = read_workspace(path)["areas"]
    return travel.area_catchments(
        path, None, areas, site, points=distance.area_points(areas), uninsured=uninsured
    )


@pytest.mark.realdata
def test_comoros_facility_catchment_counts_people_and_uninsured(on_comoros):
    tables = read_workspace(on_comoros)
    counted = access.available_facilities(tables["facilities"])
    hospital = counted[counted["type"] == "hospital"].iloc[[0]]
    fid = str(hospital["facility_id"].iloc[0])
    at = run_page(PAGE, {"lang": "en", "measure": "motorised", "catch": f"facility:{fid}"})
    assert at.selectbox(key="url_catch").value == f"facility:{fid}"
    expected = direct_catchments(on_comoros, hospital).table
    shown = next(d.value for d in at.dataframe if "Travel time (min)" in d.value)
    assert shown["Travel time (min)"].tolist() == [15, 30, 60]
    assert shown["Population"].tolist() == pytest.approx(expected["people"].round().tolist())
    # the Comoros workspace holds no insured counts: no uninsured column (never zeros)
    assert "Uninsured" not in shown
    assert np.all(np.diff(shown["Population"].to_numpy()) >= 0) and shown["Population"].iloc[-1] > 0
    name = str(hospital["name"].iloc[0])
    assert any(name in s.value for s in at.subheader)
    assert query(at)["catch"] == f"facility:{fid}"
    # the map is brought to the catchments chosen: the bounds of their widest band
    polygons = direct_catchments(on_comoros, hospital).polygons
    west, south, east, north = polygons.to_crs("EPSG:4326").total_bounds
    expected = [south, west, north, east]
    assert np.ravel(page_focus(at).bounds).tolist() == pytest.approx(expected)
    # a later rerun keeps it; no catchment asked for: the map is let go of it
    at.run()
    assert np.ravel(page_focus(at).bounds).tolist() == pytest.approx(expected)
    at.selectbox(key="url_catch").set_value("").run()
    assert not at.exception and page_focus(at) is None


def page_focus(at):
    """The place the page's maps are brought to (``ui.area_search.page_focus``), or None."""
    held = at.session_state.get("_ca_focus", {})
    return next((f for f in held.values() if f is not None), None)


@pytest.mark.realdata
def test_catchment_uninsured_are_the_areas_reached(on_comoros):
    """The uninsured inside a catchment: the sum over the areas whose trip fits (any counts)."""
    areas = read_workspace(on_comoros)["areas"]
    site = areas.iloc[[len(areas) // 2]].copy()
    site.geometry = distance.area_points(areas).iloc[[len(areas) // 2]]
    uninsured = np.arange(len(areas), dtype="float64")
    result = direct_catchments(on_comoros, site, uninsured)
    people = direct_catchments(on_comoros, site).table
    pairs = travel.travel_pairs(
        on_comoros, None, areas, site, 60.0, points=distance.area_points(areas)
    )
    for minutes, total in zip(result.table["minutes"], result.table["uninsured"], strict=True):
        inside = pairs.loc[pairs["minutes"] <= minutes, "area"].to_numpy()
        assert total == pytest.approx(uninsured[inside].sum())
    assert result.table["people"].tolist() == people["people"].tolist()
    assert people["uninsured"].isna().all()  # not known: NaN, never zero
    # an area whose count is unknown makes the catchments holding it unknown
    unknown = uninsured.copy()
    unknown[pairs.sort_values("minutes")["area"].iloc[0]] = np.nan  # in every catchment
    assert direct_catchments(on_comoros, site, unknown).table["uninsured"].isna().all()


@pytest.mark.realdata
def test_comoros_proposed_site_catchment(on_comoros):
    at = run_page(
        PAGE,
        {"lang": "fa", "measure": "motorised", "plan": "1", "k": "1", "catch": "site:1"},
    )
    label = translate("access.catchment.site", "fa", rank="۱")
    assert at.selectbox(key="url_catch").value == "site:1"
    assert any(label in s.value for s in at.subheader)
    header = translate("access.catchment.minutes", "fa")
    shown = next(d.value for d in at.dataframe if header in d.value)
    assert len(shown) == 3 and shown[translate("metric.population", "fa")].iloc[-1] > 0


def test_demo_in_straight_line_offers_no_catchment(on_demo):
    at = run_page(PAGE, {"lang": "en", "catch": "site:1"})
    assert not [s for s in at.selectbox if s.key == "url_catch"]
    assert not any("Travel time (min)" in d.value for d in at.dataframe)

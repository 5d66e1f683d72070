"""What-ifs and scenarios judged in minutes of travel (#19): a network's nearest care, referral
gaps, 2SFCA access and load come from its travel times (analytics.whatif.TravelTimes), the
network after a what-if's changes is measured again (its closures gone, its new sites reached
over the roads like any facility: traveltime.workspace.network_travel), and the Capacity page's
siting what-if chooses sites within minutes (analytics.scenarios.sites_after_changes(trips=…)).

The world is hand-built: one primary road along 11.70° S from 43.20° E to 43.40° E (about 22 km)
in a tiny OpenStreetMap file (a node every 0.01°), three areas on it, a clinic in the west and a hospital in the
middle."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analytics import access, distance, whatif
from analytics.scenarios import Change, sites_after_changes
from geodata.sources.recipe import build_workspace
from geodata.store.workspace import read_workspace
from traveltime import workspace as travel

#: A node every 0.01° (about 1.1 km): places are reached from the nearest node.
NODES = [round(43.20 + i / 100, 2) for i in range(21)]
ROAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"test\">\n"
    + "".join(f'<node id="{i}" lat="-11.70" lon="{x}"/>\n' for i, x in enumerate(NODES, 1))
    + '<way id="100">'
    + "".join(f'<nd ref="{i}"/>' for i in range(1, len(NODES) + 1))
    + '<tag k="highway" v="primary"/></way>\n</osm>\n'
)
#: Area centres on the road (lon); each area a 0.01° square around it.
CENTRES = (43.21, 43.30, 43.39)
MINUTES = whatif.NetworkSettings(
    near_km=10.0,
    referral_km=10.0,
    catchment_km=15.0,
    supply=None,
    service_types=("clinic", "hospital"),
    catchment_unit="min",
)


@pytest.fixture(scope="module")
def road_workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("road")
    (folder / "road.osm").write_text(ROAD, encoding="utf-8")
    rows = [
        f'{i},Area {i},"{shapely.box(x - 0.005, -11.705, x + 0.005, -11.695).wkt}",1000'
        for i, x in enumerate(CENTRES, start=1)
    ]
    (folder / "areas.csv").write_text("id,name,wkt,population\n" + "\n".join(rows) + "\n")
    (folder / "sites.csv").write_text(
        "id,name,type,lat,lon\nF1,West clinic,clinic,-11.70,43.21\nF2,Hospital,hospital,-11.70,43.30\n"
    )
    (folder / "r.toml").write_text(
        """
[areas]
path = "areas.csv"
columns = { area_id = "id", name = "name", population = "population", wkt = "wkt" }
crs = "EPSG:4326"
[facilities]
path = "sites.csv"
columns = { facility_id = "id", name = "name", type = "type", lat = "lat", lon = "lon" }
[roads]
path = "road.osm"
""",
        encoding="utf-8",
    )
    out = folder / "road.gpkg"
    build_workspace(folder / "r.toml", out, author="tests")
    return out


def _measure(path, areas, settings=MINUTES):
    return travel.network_travel(
        path, None, areas, settings, points=distance.area_points(areas), mode="motorised"
    )


def test_a_network_in_minutes_takes_its_travel_times_and_needs_them():
    areas = gpd.GeoDataFrame(
        {"area_id": ["a", "b"], "population": [100.0, 300.0]},
        geometry=[
            shapely.Point(43.21, -11.7).buffer(0.001),
            shapely.Point(43.3, -11.7).buffer(0.001),
        ],
        crs="EPSG:4326",
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["F"], "name": ["F"], "type": ["clinic"]},
        geometry=[shapely.Point(43.21, -11.7)],
        crs="EPSG:4326",
    )
    # minutes a straight line would never give: b (10 km away) is 5 minutes off, a is 40
    nearest = pd.DataFrame(index=areas.index)
    for name in access.DISTANCE_SETS:
        has = name in ("care", "clinic")
        nearest[f"{name}_min"] = [40.0, 5.0] if has else np.nan
        nearest[f"{name}_id"] = pd.Series(["F", "F"] if has else [None, None], dtype=object)
    pairs = pd.DataFrame({"area": [1], "facility": [0], "minutes": [5.0]})
    times = whatif.TravelTimes(nearest=nearest, pairs=pairs)
    result = whatif.evaluate_network(areas, facilities, MINUTES, travel=times)
    assert result.unit == "min"
    assert result.areas["care_min"].tolist() == [40.0, 5.0]
    assert result.areas["near_care"].tolist() == [False, True]  # within 10 minutes
    assert result.summary["people_near_care"] == 300.0
    assert result.load["catchment_population"].tolist() == [300.0]
    with pytest.raises(ValueError, match="travel times"):
        whatif.evaluate_network(areas, facilities, MINUTES)


def test_what_if_in_minutes_measures_closures_and_new_sites_over_the_roads(road_workspace):
    tables = read_workspace(road_workspace)
    areas, facilities = tables["areas"], tables["facilities"]
    measure = _measure(road_workspace, areas)
    # the east area gets a clinic 500 m off the road; the west clinic closes
    changes = [
        Change("new_site", "NEW-1", facility_type="clinic", lon=43.39, lat=-11.7045),
        Change("close", "F1"),
    ]
    result = whatif.run_scenario(areas, facilities, changes, MINUTES, travel=measure)
    by_area = result.by_area.set_index("area_id")
    assert "care_min_before" in by_area and "care_km_before" not in by_area
    # the same minutes as measuring the network after the changes straight from the roads
    after = result.facilities_after
    expected = travel.nearest_minutes(
        road_workspace,
        None,
        areas,
        access.available_facilities(after),
        access.DISTANCE_SETS,
        points=distance.area_points(areas),
    )
    np.testing.assert_allclose(
        by_area["care_min_after"].to_numpy(), expected["care_min"].to_numpy()
    )
    west, east = by_area.loc["1"], by_area.loc["3"]
    # the east area now has a clinic a walk from its road; the west one lost its own
    assert east["care_min_after"] < east["care_min_before"]
    assert west["care_min_after"] > west["care_min_before"]
    # about 8.5 minutes' drive (9.8 km at 70 km/h) to the hospital in the middle
    assert west["care_min_after"] == pytest.approx(9.8 / 70 * 60, rel=0.15)
    # the new site counts in the load, reached over the roads within the 15-minute catchment:
    # the east area and the middle one (about 8 minutes' drive and a 6-minute walk from the
    # road), not the west one (about 15 minutes' drive)
    load = result.after.load.set_index("facility_id")
    assert load.loc["NEW-1", "catchment_population"] == pytest.approx(2000.0)
    # saved scenarios are compared in the same minutes
    table = whatif.compare_scenarios(areas, facilities, {"s": changes}, MINUTES, travel=measure)
    assert table.loc[1, "people_near_care"] == result.after.summary["people_near_care"]
    # measured in km, the same what-if keeps its distances in km
    km = whatif.run_scenario(
        areas, facilities, changes, whatif.NetworkSettings(near_km=10.0, supply=None)
    )
    assert km.before.unit == "km" and "care_km_after" in km.by_area


def test_siting_what_if_within_minutes_reaches_candidates_over_the_roads(road_workspace):
    tables = read_workspace(road_workspace)
    areas, facilities = tables["areas"], tables["facilities"]
    points = distance.area_points(areas)

    def trips(to):
        return travel.travel_pairs(road_workspace, None, areas, to, 5.0, points=points)

    # within 5 minutes by road only the areas with a facility are covered: one site, in the east
    result, chosen = sites_after_changes(
        areas, facilities, [], access.DISTANCE_SETS["care"], 1, 5.0, trips=trips
    )
    assert chosen["area_id"].tolist() == ["3"]
    assert result.covered_after == pytest.approx(3000.0)

"""2SFCA / E2SFCA and the load model measured in travel minutes (#19): the same functions take
area–facility travel pairs instead of straight lines, the catchment and decay then in minutes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analytics import fca
from analytics.capacity import default_decay, facility_load


def _tables() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    # three areas side by side, two facilities; straight lines would put every area within 5 km
    areas = gpd.GeoDataFrame(
        {"area_id": ["a", "b", "c"], "population": [1000.0, 3000.0, None]},
        geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(3)],
        crs="EPSG:32738",
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["f", "g"], "beds": [10.0, 40.0]},
        geometry=[Point(500, 500), Point(2500, 500)],
        crs="EPSG:32738",
    )
    return areas, facilities


# a river without a bridge: area a reaches f in 10 min and g in 50; b reaches f in 40, g in 20;
# c reaches only g, in 5 (a pair not listed is out of reach)
PAIRS = pd.DataFrame(
    {"area": [0, 0, 1, 1, 2], "facility": [0, 1, 0, 1, 1], "minutes": [10, 50, 40, 20, 5]}
)


def test_two_step_fca_in_minutes_uses_the_travel_pairs_and_a_catchment_in_minutes():
    areas, facilities = _tables()
    out = fca.two_step_fca(areas, facilities, catchment_km=30, supply="beds", pairs=PAIRS)
    # within 30 min: f serves a (1000 people), g serves b and c (3000 + no demand)
    r_f, r_g = 10 / 1000, 40 / 3000
    assert out["access"].tolist() == pytest.approx([r_f * 1000, r_g * 1000, r_g * 1000])
    assert out["n_facilities"].tolist() == [1, 1, 1]
    # the same tables in straight lines put both facilities within 30 km of every area
    line = fca.two_step_fca(areas, facilities, catchment_km=30, supply="beds")
    assert line["n_facilities"].tolist() == [2, 2, 2]


def test_two_step_fca_in_minutes_with_decay_in_minutes():
    areas, facilities = _tables()
    decay = default_decay(60)  # zones 20 / 40 / 60 min: 1, 0.68, 0.22
    out = fca.two_step_fca(
        areas, facilities, catchment_km=60, supply="beds", decay=decay, pairs=PAIRS
    )
    demand_f = 1000 * 1.0 + 3000 * 0.68
    demand_g = 1000 * 0.22 + 3000 * 1.0
    r_f, r_g = 10 / demand_f, 40 / demand_g
    expected = [r_f * 1.0 + r_g * 0.22, r_f * 0.68 + r_g * 1.0, r_g * 1.0]
    assert out["access"].to_numpy() / 1000 == pytest.approx(expected)


def test_unreachable_pairs_and_missing_supply_are_left_out():
    areas, facilities = _tables()
    facilities = facilities.assign(beds=[np.nan, 40.0])
    pairs = PAIRS.assign(minutes=[10, np.inf, 40, 20, 5])
    links = fca.catchment_links(areas, facilities, catchment_km=None, supply="beds", pairs=pairs)
    # f has no supply: left out, g renumbered to 0; the infinite trip a -> g is beyond reach
    assert links.kept.tolist() == [False, True]
    assert sorted(zip(links.area.tolist(), links.facility.tolist(), strict=True)) == [
        (1, 0),
        (2, 0),
    ]
    assert sorted(links.km.tolist()) == [5.0, 20.0]


def test_load_in_minutes_agrees_with_2sfca_on_who_is_in_reach():
    areas, facilities = _tables()
    load = facility_load(areas, facilities, catchment_km=30, supply="beds", pairs=PAIRS)
    assert load["n_areas"].tolist() == [1, 2]
    assert load["catchment_population"].tolist() == pytest.approx([1000, 3000])


def test_pairs_outside_the_tables_are_refused():
    areas, facilities = _tables()
    bad = PAIRS.assign(facility=[0, 1, 0, 1, 2])
    with pytest.raises(ValueError, match="outside"):
        fca.two_step_fca(areas, facilities, catchment_km=30, pairs=bad)

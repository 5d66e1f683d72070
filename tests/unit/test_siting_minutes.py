"""Siting within X minutes (#19): choose_sites given travel pairs covers by travel time, the
reach then in minutes, the existing facilities' trips deciding who is within reach already."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from analytics import siting


def _demand() -> gpd.GeoDataFrame:
    # four villages on a line 1 km apart: in a straight line any site covers its neighbours
    return gpd.GeoDataFrame(
        {"area_id": list("abcd"), "population": [100.0, 200.0, 300.0, 400.0]},
        geometry=[Point(i * 1000, 0) for i in range(4)],
        crs="EPSG:32738",
    )


def _pairs(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["area", "facility", "minutes"])


EXISTING = gpd.GeoDataFrame({"facility_id": ["f"]}, geometry=[Point(0, 0)], crs="EPSG:32738")


def test_sites_cover_by_travel_minutes_not_by_straight_line():
    demand = _demand()
    candidates = gpd.GeoDataFrame(
        {"name": ["ridge", "valley"]}, geometry=[Point(2000, 0), Point(9000, 0)], crs="EPSG:32738"
    )
    # the ridge site is near in km but a long climb; the valley site is far but on a road
    pairs = _pairs(
        [(2, 0, 25.0), (1, 0, 55.0), (3, 0, 70.0), (1, 1, 20.0), (2, 1, 28.0), (3, 1, 15.0)]
    )
    existing = _pairs([(0, 0, 5.0), (1, 0, 45.0)])
    result, chosen = siting.choose_sites(
        demand,
        EXISTING,
        1,
        30.0,
        candidates=candidates,
        pairs=pairs,
        existing_pairs=existing,
    )
    assert chosen["name"].tolist() == ["valley"]
    assert result.covered_before == pytest.approx(100.0)
    assert result.covered_after == pytest.approx(1000.0)
    assert result.newly_covered.tolist() == [False, True, True, True]
    # the same run in a straight line: both candidates' neighbours are within 1.5 km
    _, line_chosen = siting.choose_sites(demand, EXISTING, 1, 1.5, candidates=candidates)
    assert line_chosen["name"].tolist() == ["ridge"]


def test_areas_as_candidates_with_pairs_and_the_reach_in_minutes():
    demand = _demand()
    pairs = _pairs([(0, 0, 0.0), (1, 1, 0.0), (2, 2, 0.0), (3, 3, 0.0), (2, 3, 12.0), (1, 3, 40.0)])
    result, chosen = siting.choose_sites(
        demand, EXISTING.iloc[:0], 1, 15.0, pairs=pairs, existing_pairs=_pairs([])
    )
    assert chosen["area_id"].tolist() == ["d"]
    assert result.covered_after == pytest.approx(700.0)
    wider, _ = siting.choose_sites(
        demand, EXISTING.iloc[:0], 1, 45.0, pairs=pairs, existing_pairs=_pairs([])
    )
    assert wider.covered_after == pytest.approx(900.0)


def test_travel_cover_leaves_out_unreachable_trips_and_refuses_bad_positions():
    cover = siting.travel_cover(_pairs([(0, 0, 10.0), (1, 0, np.inf), (1, 1, 30.0)]), 2, 2, 30.0)
    assert cover.toarray().tolist() == [[True, False], [False, True]]
    with pytest.raises(ValueError, match="outside"):
        siting.travel_cover(_pairs([(2, 0, 1.0)]), 2, 2, 30.0)
    with pytest.raises(ValueError, match="both or neither"):
        siting.choose_sites(_demand(), EXISTING, 1, 30.0, pairs=_pairs([]))

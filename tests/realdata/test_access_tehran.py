"""Real data: access and siting on the Tehran neighbourhoods and the insurer-network centres."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from analytics import access, distance, siting
from geodata.store.workspace import read_workspace

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def tehran(tehran_workspace):
    tables = read_workspace(tehran_workspace)
    return tables["areas"], tables["facilities"]


def test_nearest_hospital_matches_geodesic_distances(tehran):
    areas, facilities = tehran
    hospitals = facilities[facilities["type"] == "hospital"]
    result = distance.nearest_facility_km(areas, hospitals, ["hospital"])
    sample = areas.iloc[::15]
    origins = sample.representative_point()
    geod = Geod(ellps="WGS84")
    n, m = len(origins), len(hospitals)
    _, _, metres = geod.inv(
        np.repeat(origins.x.to_numpy(), m),
        np.repeat(origins.y.to_numpy(), m),
        np.tile(hospitals.geometry.x.to_numpy(), n),
        np.tile(hospitals.geometry.y.to_numpy(), n),
    )
    best = metres.reshape(n, m).min(axis=1) / 1000
    np.testing.assert_allclose(result.loc[sample.index, "hospital_km"], best, rtol=0.005)
    assert result["hospital_km"].max() < 15  # every neighbourhood has a hospital in reach


def test_siting_on_tehran_exact_beats_or_equals_greedy(tehran):
    areas, facilities = tehran
    clinics = facilities[facilities["type"].isin(access.CARE_TYPES)]
    demand = areas[areas["population"].notna()]
    exact, chosen = siting.choose_sites(demand, clinics, 3, 1.0, method="exact")
    greedy, _ = siting.choose_sites(demand, clinics, 3, 1.0, method="greedy")
    assert exact.optimal and len(chosen) <= 3
    assert greedy.covered_after <= exact.covered_after <= greedy.upper_bound
    before = distance.population_within(
        distance.nearest_facility_km(demand, clinics, groups={"care": access.CARE_TYPES})[
            "care_km"
        ],
        demand["population"],
        1.0,
    )
    assert exact.covered_before == pytest.approx(before["within"])

"""One definition per access measure (docs/MEASURES.md): the measuring point, the per-area classes
and the summary are the same whichever function asks for them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import access, distance, siting, whatif
from analytics.fca import two_step_fca
from analytics.scenarios import apply_changes, sites_after_changes, sites_as_changes
from tests.unit.test_access import DLAT, DLON, facilities_frame, grid_areas


@pytest.fixture
def weighted():
    """Areas whose population lives in a corner (a population-weighted centre far from the
    representative point), some of them without a known centre, and one without a population."""
    areas = grid_areas()
    bounds = areas.geometry.bounds
    areas["pop_lon"] = bounds["minx"].to_numpy() + 0.05 * DLON
    areas["pop_lat"] = bounds["miny"].to_numpy() + 0.05 * DLAT
    areas.loc[areas.index[:4], "pop_lon"] = np.nan
    areas["population"] = areas["population"].astype("float64")
    areas.loc[areas.index[5], "population"] = np.nan
    return areas


def test_every_distance_is_measured_from_the_area_points_by_default(weighted):
    fac = facilities_frame()
    points = distance.area_points(weighted)
    explicit = distance.nearest_facility_km(weighted, fac, ["hospital"], points=points)
    default = distance.nearest_facility_km(weighted, fac, ["hospital"])
    np.testing.assert_allclose(default["hospital_km"], explicit["hospital_km"])
    representative = distance.nearest_facility_km(
        weighted.drop(columns=["pop_lon", "pop_lat"]), fac, ["hospital"]
    )
    assert not np.allclose(default["hospital_km"], representative["hospital_km"])
    fca = two_step_fca(weighted, fac, catchment_km=2.0, supply=None)
    fca_explicit = two_step_fca(weighted, fac, catchment_km=2.0, supply=None, points=points)
    np.testing.assert_allclose(fca["access"], fca_explicit["access"])


def test_summary_adds_up_and_matches_the_pieces(weighted):
    fac = access.available_facilities(facilities_frame())
    coverage = pd.Series(np.linspace(0.5, 1.0, len(weighted)), index=weighted.index)
    measured = access.access_by_area(
        weighted, fac, near_km=1.5, referral_km=3.0, covered_at=0.8, coverage=coverage
    )
    figures = access.access_summary(measured)
    pop = weighted["population"]
    assert figures["people_total"] == pop.sum()
    assert figures["people_near_care"] + figures["people_beyond_care"] == pop.sum()
    assert figures["areas_near_care"] + figures["areas_beyond_care"] == len(weighted)
    classes = sum(figures[f"people_{c}"] for c in access.DOUBLE_GAP_CLASSES)
    assert classes == pop.sum()
    within = distance.population_within(measured["care_km"], pop, 1.5)
    assert figures["people_near_care"] == within["within"]
    assert figures["share_near_care"] == pytest.approx(within["share"])
    gap = access.referral_gap(measured["hospital_km"], 3.0)
    assert figures["people_referral_gap"] == pop[gap].sum()
    assert figures["areas_referral_gap"] == int(gap.sum())
    table = access.double_gap_summary(measured["double_gap"], pop).set_index("double_gap")
    for c in access.DOUBLE_GAP_CLASSES:
        assert figures[f"people_{c}"] == table.loc[c, "population"]


def test_capacity_network_and_siting_use_the_same_definitions(weighted):
    facilities = facilities_frame()
    coverage = pd.Series(np.linspace(0.5, 1.0, len(weighted)), index=weighted.index)
    settings = whatif.NetworkSettings(
        near_km=1.5, referral_km=3.0, covered_at=0.8, supply=None, service_types=("clinic",)
    )
    network = whatif.evaluate_network(weighted, facilities, settings, coverage)
    measured = access.access_by_area(
        weighted,
        access.available_facilities(facilities),
        near_km=1.5,
        referral_km=3.0,
        covered_at=0.8,
        coverage=coverage,
    )
    figures = access.access_summary(measured)
    for name in ("people_near_care", "share_near_care", "people_referral_gap"):
        assert network.summary[name] == pytest.approx(figures[name])
    for c in access.DOUBLE_GAP_CLASSES:
        assert network.summary[f"people_{c}"] == figures[f"people_{c}"]
    # Sites chosen after no change bring as many people within reach as the siting tool says,
    # and opening them raises "people near care" by exactly that many.
    existing = access.available_facilities(facilities)
    care = existing[existing["type"].isin(access.CARE_TYPES)]
    direct, _ = siting.choose_sites(weighted, care, 2, 1.5)
    after, chosen = sites_after_changes(weighted, facilities, [], access.CARE_TYPES, 2, 1.5)
    assert after.gain == pytest.approx(direct.gain)
    changes = sites_as_changes(chosen, "clinic", prefix="NEW", taken=facilities["facility_id"])
    opened = whatif.evaluate_network(
        weighted, apply_changes(facilities, changes), settings, coverage
    )
    gained = opened.summary["people_near_care"] - network.summary["people_near_care"]
    assert gained == pytest.approx(after.gain)

"""AppTest: a workspace with more neighbourhoods than the map draws smoothly opens the Coverage
map on its districts, says why in the page's language, aggregates the figures correctly, and
drills into a chosen district. The threshold is lowered for the test (the demo has 300
neighbourhoods in 12 districts) instead of building a workspace of 10,000."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from render.format import fmt_int
from render.i18n import translate
from tests.apptest.helpers import query, run_page

PAGE = "app_pages/coverage_map.py"
LIMIT = 100


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr("ui.views.MAX_AREAS_ON_MAP", LIMIT)


@pytest.fixture
def gapped(tmp_path, monkeypatch, small_limit):
    """The demo with no insured counts at all in one district and none for one neighbourhood
    of another; its populations, its newest month and the district left without data."""
    from geodata.sources.demo import build_demo_tables
    from geodata.store.workspace import save_version

    tables = build_demo_tables()
    areas, insured = tables["areas"], tables["insured"]
    empty_district = min(areas["district_id"].unique())
    partial = areas.loc[areas["district_id"] != empty_district, "area_id"].iloc[0]
    dropped = set(areas.loc[areas["district_id"] == empty_district, "area_id"]) | {partial}
    tables["insured"] = insured[~insured["area_id"].isin(dropped)].reset_index(drop=True)
    path = tmp_path / "gapped.gpkg"
    save_version(path, tables, message="insured counts missing in one district")
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    return tables, empty_district


def district_table(at) -> pd.DataFrame:
    return at.dataframe[-1].value


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_opens_on_districts_and_says_why(on_demo, small_limit, lang):
    at = run_page(PAGE, {"lang": lang})
    assert at.radio(key="url_level").value == "district"
    why = translate(
        "coverage_map.districts_instead",
        lang,
        areas=fmt_int(300, lang),
        limit=fmt_int(LIMIT, lang),
        districts=fmt_int(12, lang),
    )
    assert why in [i.value for i in at.info]
    assert len(district_table(at)) == 12
    assert "level" not in query(at)  # districts are this workspace's default view


def test_small_workspace_still_opens_on_neighbourhoods(on_demo):
    at = run_page(PAGE)
    assert at.radio(key="url_level").value == "area"
    assert len(district_table(at)) == 300
    assert not any("neighbourhoods, more than the map" in i.value for i in at.info)


def test_district_figures_are_population_weighted_and_missing_stays_missing(gapped):
    tables, empty_district = gapped
    at = run_page(PAGE)
    shown = district_table(at).set_index("Name")

    areas = tables["areas"].set_index("area_id")
    insured = tables["insured"]
    newest = insured[insured["period"] == insured["period"].max()]
    per_area = pd.DataFrame(
        {
            "district": areas["district_name"],
            "population": areas["population"].astype("float64"),
            "insured": newest.groupby("area_id")["insured"].sum().astype("float64"),
        }
    )
    with_data = per_area[per_area["insured"].notna() & (per_area["population"] > 0)]
    expected = (
        with_data.groupby("district")["insured"].sum()
        / with_data.groupby("district")["population"].sum()
    )

    empty_name = (
        tables["areas"]
        .loc[tables["areas"]["district_id"] == empty_district, "district_name"]
        .iloc[0]
    )
    assert pd.isna(shown.loc[empty_name, "Coverage"])  # not 0 %: nothing is known there
    assert pd.isna(shown.loc[empty_name, "Insured"])
    assert (
        shown.loc[empty_name, "Population"]
        == per_area.loc[per_area["district"] == empty_name, "population"].sum()
    )
    others = shown.drop(index=empty_name)
    assert np.allclose(others["Coverage"], expected.loc[others.index], rtol=1e-12)
    # Σ insured / Σ population, never the mean of the neighbourhoods' rates.
    rates = (with_data["insured"] / with_data["population"]).groupby(with_data["district"]).mean()
    assert not np.allclose(others["Coverage"], rates.loc[others.index])


def test_choosing_a_district_shows_its_neighbourhoods(on_demo, small_limit):
    at = run_page(PAGE)
    at.selectbox(key="url_district").select("D03").run()
    assert not at.exception
    assert at.radio(key="url_level").value == "area"
    assert 5 <= len(district_table(at)) < 60  # only D03's neighbourhoods
    assert query(at)["district"] == "D03"
    assert not any("neighbourhoods, more than the map" in i.value for i in at.info)
    # Back up: the districts again, still because there are too many neighbourhoods.
    up = next(b for b in at.button if b.label == translate("coverage_map.up", "en"))
    up.click().run()
    assert at.radio(key="url_level").value == "district"
    assert len(district_table(at)) == 12


def test_asking_for_every_neighbourhood_keeps_the_districts(on_demo, small_limit):
    at = run_page(PAGE, {"level": "area"})
    assert at.radio(key="url_level").value == "district"
    assert len(district_table(at)) == 12

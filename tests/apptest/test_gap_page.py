"""AppTest of the gap-analysis page on the demo and the Tehran workspace."""

from __future__ import annotations

import pandas as pd
import pytest

from render.i18n import translate
from tests.apptest.helpers import query, run_page

PAGE = "app_pages/gap_analysis.py"
SECTIONS = ["ranking", "clusters", "trends", "breakdowns"]


def show(at, view: str):
    at.segmented_control(key="url_view").set_value(view).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_ranking_shows_formula_and_orders_by_score(on_demo):
    at = run_page(PAGE, {"top": "5"})
    assert at.title[0].value == "Gap analysis"
    assert any("Synthetic demo data" in i.value for i in at.info)
    assert "score" in at.latex[0].value
    table = at.dataframe[0].value
    scores = table["Priority score"].to_numpy()
    assert (scores[:-1] >= scores[1:]).all()
    assert len(table) == 300
    assert {"Distance to care (km)", "Distance to care: points"} <= set(table.columns)
    at.select_slider(key="gap_w_distance").set_value(0).run()
    at.selectbox(key="url_order").select("uninsured").run()
    assert not at.exception
    q = query(at)
    assert q["w_distance"] == "0" and q["order"] == "uninsured" and q["top"] == "5"
    areas = at.dataframe[0].value
    uninsured = areas["Uninsured"].to_numpy()
    assert (uninsured[:-1] >= uninsured[1:]).all()
    assert "Distance to care (km)" not in areas.columns
    assert "Distance to care: points" not in areas.columns
    # districts add up to their neighbourhoods
    at.radio(key="url_level").set_value("district").run()
    districts = at.dataframe[0].value
    assert len(districts) == 12
    assert districts["Uninsured"].sum() == pytest.approx(areas["Uninsured"].sum())
    assert districts["Population"].sum() == areas["Population"].sum()


def test_every_section_runs_and_reopens_from_the_url(on_demo):
    at = run_page(PAGE, {"view": "clusters", "alpha": "0.1", "goal": "90", "window": "6"})
    assert at.selectbox(key="url_alpha").value == 0.1
    assert "Cold spot (cluster of low coverage)" in [m.label for m in at.metric]
    assert len(at.dataframe) == 1
    show(at, "trends")
    assert at.slider(key="url_goal").value == 90
    assert at.select_slider(key="url_window").value == 6
    assert any(m.label == "Reaches 90 %" for m in at.metric)
    assert len(at.dataframe) == 2  # falling behind, outreach before/after
    show(at, "breakdowns")
    assert len(at.dataframe) == 3  # scheme, underserved, population groups
    assert query(at)["view"] == "breakdowns"


def test_bad_url_values_fall_back(on_demo):
    at = run_page(PAGE, {"view": "<script>", "top": "999", "w_uninsured": "x", "census": "1200"})
    assert at.segmented_control(key="url_view").value == "ranking"
    assert at.select_slider(key="gap_w_uninsured").value == 1
    assert at.select_slider(key="url_top").value == 10
    assert at.number_input(key="url_census").value == 2026


@pytest.mark.realdata
def test_tehran_says_there_are_no_insured_counts(on_tehran):
    at = run_page(PAGE)
    assert any("has no insured counts" in w.value for w in at.warning)
    assert not any("Synthetic" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert len(table) == 296  # the neighbourhoods with a census population; 79 have none
    assert "Coverage" not in table.columns
    # distance to care (to the 930 facilities) is known for every neighbourhood
    assert table["Priority score"].notna().all()
    for view in SECTIONS[1:]:
        show(at, view)
        assert any("has no insured counts" in w.value for w in at.warning)
        assert any("No insured counts" in i.value for i in at.info)


def no_data_list(at) -> pd.DataFrame:
    """The units listed apart as "no data", below the ranking (the page's second table)."""
    assert len(at.dataframe) == 2, [list(d.value.columns) for d in at.dataframe]
    return at.dataframe[1].value


@pytest.fixture
def blanked(tmp_path, monkeypatch):
    """The demo with no population figure for the neighbourhood farthest from care (which a
    ranking on distance would put first) and a population of 0 for another."""
    from geodata.sources.demo import build_demo_tables
    from geodata.store.workspace import save_version

    tables = build_demo_tables()
    areas = tables["areas"].copy()
    areas["population"] = areas["population"].astype("Float64")
    areas.loc[areas.index[0], "population"] = pd.NA
    areas.loc[areas.index[1], "population"] = 0
    tables["areas"] = areas
    path = tmp_path / "blanked.gpkg"
    save_version(path, tables, message="population missing for two neighbourhoods")
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    return areas.iloc[:2]


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_areas_without_population_are_listed_apart_not_ranked(blanked, lang):
    """No data is not a rank: in every order (the distance-only one included), the ranking
    and its top N leave out the areas without population and list them apart."""
    at = run_page(PAGE, {"lang": lang, "w_uninsured": "0", "w_shortfall": "0", "top": "10"})
    name = translate("table.name", lang)
    names = set(blanked["name"]) | set(blanked["name_fa"])
    for order in ("priority", "population", "uninsured"):
        at.selectbox(key="url_order").select(order).run()
        assert not at.exception, [e.value for e in at.exception]
        ranked = at.dataframe[0].value
        assert len(ranked) == 298 and not names & set(ranked[name]), order
        assert (ranked[translate("metric.population", lang)] > 0).all()
        # Listed apart by their names in the page's language.
        shown = set(blanked["name_fa" if lang == "fa" else "name"])
        assert set(no_data_list(at)[name]) == shown
    told = translate("gap.ranking.no_data", lang, n="2" if lang != "fa" else "۲")
    assert told in [c.value for c in at.caption]


@pytest.mark.realdata
def test_tehran_ranks_only_neighbourhoods_with_population(on_tehran):
    """The Tehran ranking (distance to care only, as there are no insured counts) leaves the
    79 neighbourhoods without a census population out of its top 10, lists them apart."""
    at = run_page(PAGE, {"top": "10"})
    ranked = at.dataframe[0].value
    assert len(ranked) == 296 and (ranked["Population"] > 0).all()
    assert ranked["Priority score"].notna().all()
    apart = no_data_list(at)
    assert len(apart) == 79 and not set(apart["Name"]) & set(ranked.head(10)["Name"])
    assert any("79 units have no population figure" in c.value for c in at.caption)

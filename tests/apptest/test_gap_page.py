"""AppTest of the gap-analysis page on the demo and the Tehran workspace."""

from __future__ import annotations

import pytest

from tests.apptest.helpers import query, run_page

PAGE = "pages/gap_analysis.py"
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
    assert len(table) == 375
    assert "Coverage" not in table.columns
    # distance to care (to the 930 facilities) is known for every neighbourhood
    assert table["Priority score"].notna().all()
    for view in SECTIONS[1:]:
        show(at, view)
        assert any("has no insured counts" in w.value for w in at.warning)
        assert any("No insured counts" in i.value for i in at.info)

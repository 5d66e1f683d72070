"""AppTest: the Infrastructure needs page on the demo and the Tehran workspace."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest.helpers import query
from tests.apptest.helpers import run_page as run_app_page

PAGE = "pages/infrastructure.py"


def run_page(query: dict[str, str] | None = None) -> AppTest:
    return run_app_page(PAGE, query)


def test_demo_page_shows_access_figures_and_tables(on_demo):
    at = run_page()
    assert at.title[0].value == "Infrastructure needs"
    labels = [m.label for m in at.metric]
    assert "Care within 2.0 km" in labels
    assert any("referral" in s.value.lower() or "Insurance" in s.value for s in at.subheader)
    assert len(at.dataframe) >= 3  # double gap, lowest capacity, needs
    assert at.selectbox(key="url_view").options[0]


def test_demo_widgets_write_the_url_and_siting_proposes_sites(on_demo):
    at = run_page()
    at.selectbox(key="url_view").select("double_gap").run()
    at.select_slider(key="url_near").set_value(3.0).run()
    at.toggle(key="url_uc").set_value(True).run()
    at.number_input(key="url_k").set_value(2).run()
    at.toggle(key="url_plan").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    q = query(at)
    assert q["view"] == "double_gap" and q["near"] == "3" and q["uc"] == "1"
    assert q["plan"] == "1" and q["k"] == "2"
    labels = {m.label: m.value for m in at.metric}
    assert "People newly within reach" in labels
    sites = at.dataframe[-1].value
    assert 1 <= len(sites) <= 2 and {"lat", "lon"} <= set(sites.columns)


def test_demo_reopens_from_the_url_and_drops_bad_values(on_demo):
    at = run_page({"view": "capacity", "catchment": "15", "decay": "1", "near": "<b>", "k": "99"})
    assert at.selectbox(key="url_view").value == "capacity"
    assert at.select_slider(key="url_catchment").value == 15.0
    assert at.toggle(key="url_decay").value is True
    assert at.select_slider(key="url_near").value == 2.0
    assert at.number_input(key="url_k").value == 3


@pytest.mark.realdata
def test_tehran_page_runs_without_insured_counts_or_beds(on_tehran):
    at = run_page({"plan": "1"})
    infos = " ".join(i.value for i in at.info)
    assert "no insured counts" in infos and "no bed counts" in infos
    assert "Insurance and distance (double gap)" not in at.selectbox(key="url_view").options
    assert at.selectbox(key="url_objective").options == ["Most people"]
    labels = {m.label: m.value for m in at.metric}
    assert labels["Solution"]  # the siting tool ran on 375 neighbourhoods


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_demo_page_runs_in_every_language(on_demo, lang):
    at = run_page({"lang": lang, "plan": "1", "view": "double_gap"})
    assert at.title[0].value != "Infrastructure needs"  # translated


def test_candidate_layer_upload_is_read_and_bad_files_are_reported(on_demo):
    import json

    from geodata.problems import DataError
    from ui.access_data import candidate_layer

    layer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "<b>Lot 7</b>"},
                "geometry": {"type": "Point", "coordinates": [51.40, 35.70]},
            },
            {
                "type": "Feature",
                "properties": {"name": "Lot 9"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[51.5, 35.6], [51.51, 35.6], [51.51, 35.61], [51.5, 35.6]]],
                },
            },
        ],
    }
    sites = candidate_layer.__wrapped__("sites.geojson", json.dumps(layer).encode())
    assert sites["name"].tolist() == ["<b>Lot 7</b>", "Lot 9"]
    assert sites.crs.to_epsg() == 4326 and sites.geom_type.eq("Point").all()
    with pytest.raises(DataError):
        candidate_layer.__wrapped__("sites.geojson", b"not json at all")


def test_upload_candidates_asks_for_a_file(on_demo):
    at = run_page({"candidates": "upload", "plan": "1"})
    assert any("Upload a layer" in i.value for i in at.info)


def test_what_if_counts_the_clinic_under_construction_from_its_opening_date(on_demo):
    at = run_page({"uc": "1"})
    dates = at.selectbox(key="url_asof").options
    assert len(dates) >= 2  # "All opened" and at least one opening date
    counted_all = next(c.value for c in at.caption if "facilities count" in c.value)
    base = run_page()
    counted_now = next(c.value for c in base.caption if "facilities count" in c.value)
    assert counted_all.split()[0] == str(int(counted_now.split()[0]) + 1)

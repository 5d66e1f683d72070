"""AppTest: the Infrastructure needs page on the demo and the Tehran workspace."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest.helpers import query
from tests.apptest.helpers import run_page as run_app_page

PAGE = "app_pages/infrastructure.py"


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

    from geodata.tables.problems import DataError
    from ui.access.data import candidate_layer

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


def test_uninsured_objective_labels_count_uninsured_people(on_demo):
    at = run_page({"plan": "1", "objective": "uninsured"})
    labels = [m.label for m in at.metric]
    assert "Uninsured people newly within reach" in labels
    assert "Uninsured within reach now" in labels and "Uninsured within reach after" in labels
    assert "People newly within reach" not in labels and "Within reach now" not in labels
    sites = at.dataframe[-1].value
    assert "Uninsured people newly within reach" in sites.columns
    fa = run_page({"lang": "fa", "plan": "1", "objective": "uninsured"})
    assert any("بدون بیمه" in m.label for m in fa.metric)


def test_needs_table_has_its_own_selector_and_the_referral_threshold_for_hospitals(on_demo):
    at = run_page()
    assert at.selectbox(key="url_needs").value == "care"
    at.selectbox(key="url_needs").select("hospital").run()
    assert not at.exception, [e.value for e in at.exception]
    q = query(at)
    assert q["needs"] == "hospital" and "care" not in q  # the siting selector is untouched
    assert at.selectbox(key="url_care").value == "care"
    threshold = next(c.value for c in at.caption if "threshold" in c.value)
    assert (
        "more than 10.0 km from a hospital" in threshold and "Referral hospital within" in threshold
    )
    needs = next(d.value for d in at.dataframe if "Distance (km)" in d.value.columns)
    distances = needs["Distance (km)"]
    assert (distances.isna() | (distances > 10.0)).all()
    # as many neighbourhoods as the referral gap counts (headline help: "in the N neighbourhoods")
    gap_help = next(m.help for m in at.metric if m.label.startswith("No hospital in"))
    assert f"the {len(needs)} neighbourhoods" in gap_help
    # the threshold follows the referral slider, not the near one
    at.select_slider(key="url_referral").set_value(5.0).run()
    needs5 = next(d.value for d in at.dataframe if "Distance (km)" in d.value.columns)
    assert len(needs5) > len(needs) and (needs5["Distance (km)"].fillna(99) >= 5.0).all()
    reopened = run_page({"needs": "hospital"})
    assert reopened.selectbox(key="url_needs").value == "hospital"


def test_under_construction_sites_are_not_candidates_once_they_count(on_demo):
    def proposed(at: AppTest) -> set[str]:
        tables = [d.value for d in at.dataframe if "lat" in d.value.columns]
        return set(tables[0]["Name"]) if tables else set()

    # New hospitals: the clinic under construction is a site to build on while it does not count;
    # with the what-if on it counts as a facility (a clinic), so it is no longer a candidate.
    wanted = {"plan": "1", "candidates": "pipeline", "k": "2", "care": "hospital", "radius": "10"}
    off = run_page(wanted)
    assert "Dawn Bridge Clinic" in proposed(off)
    on = run_page({**wanted, "uc": "1"})
    assert "Dawn Bridge Clinic" not in proposed(on)
    assert proposed(on) <= {"Old Canal General Hospital"}


def test_supply_selector_headlines_and_office_threshold_are_in_the_url(on_demo):
    at = run_page()
    assert at.selectbox(key="url_supply").options == [
        "Hospital beds",
        "Staff of care facilities",
        "Insurance office desks",
        "Care facilities (1 each)",
    ]
    labels = [m.label for m in at.metric]
    assert {"Care within 2.0 km", "Clinic within 2.0 km", "Office within 5.0 km"} <= set(labels)
    at.selectbox(key="url_supply").select("staff").run()
    at.select_slider(key="url_office").set_value(3.0).run()
    assert not at.exception, [e.value for e in at.exception]
    q = query(at)
    assert q["supply"] == "staff" and q["office"] == "3"
    assert any("Staff of care facilities per 1,000" in c.value for c in at.caption)
    assert "Office within 3.0 km" in [m.label for m in at.metric]
    reopened = run_page({"supply": "desks", "office": "7.5"})
    assert reopened.selectbox(key="url_supply").value == "desks"
    assert any("Insurance office desks per 1,000" in c.value for c in reopened.caption)


def test_every_table_downloads_as_csv_and_xlsx(on_demo):
    at = run_page({"plan": "1"})
    ids = [b.proto.id for b in at.get("download_button")]
    for stem in ("infra_areas", "infra_double_gap", "infra_capacity", "infra_needs_csv"):
        for ext in ("csv", "xlsx"):
            assert any(i.endswith(f"{stem}_{ext}") for i in ids), (stem, ext, ids)
    assert any(i.endswith("infra_sites_csv_xlsx") for i in ids)


def test_proposed_sites_open_as_a_what_if_on_the_capacity_page(on_demo):
    at = run_page({"plan": "1", "k": "2", "care": "clinic"})
    sites = at.dataframe[-1].value
    at.button(key="infra_open_capacity").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Capacity and load"
    changes = at.session_state["cap_changes"]
    assert [c.kind for c in changes] == ["new_site"] * len(sites)
    assert [c.facility_type for c in changes] == ["clinic"] * len(sites)
    assert [c.facility_name for c in changes] == sites["Name"].tolist()
    assert [round(c.lat, 6) for c in changes] == sites["lat"].tolist()
    assert len({c.facility_id for c in changes}) == len(sites)
    assert at.selectbox(key="url_service").value == "care"
    listed = " ".join(m.value for m in at.markdown)
    assert all(name in listed for name in sites["Name"])

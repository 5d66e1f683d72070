"""AppTest: the shared facility filters (type, status, operator, beds) round-trip through the URL
on the Coverage map, Infrastructure needs, Gap analysis and Overview pages."""

from __future__ import annotations

import pytest

from tests.apptest.helpers import query, run_page

COVERAGE = "app_pages/coverage_map.py"
INFRA = "app_pages/infrastructure.py"


def test_coverage_map_reopens_filters_from_the_url(on_demo):
    at = run_page(
        COVERAGE,
        {"types": "hospital,clinic,nope", "status": "operational", "beds": "50-300"},
    )
    assert at.toggle(key="cm_facilities").value is True
    assert at.multiselect(key="cm_facility_types").value == ["hospital", "clinic"]
    assert at.multiselect(key="cm_facility_status").value == ["operational"]
    assert at.slider(key="cm_facility_beds").value == (50, 300)
    q = query(at)
    assert q["types"] == "hospital,clinic" and q["status"] == "operational"
    assert q["beds"] == "50-300"


def test_coverage_map_filters_write_the_url(on_demo):
    at = run_page(COVERAGE)
    q = query(at)
    assert not {"types", "status", "operators", "beds", "fac"} & set(q)  # defaults stay out
    operators = at.multiselect(key="cm_facility_operators")
    assert "Ministry of Health" in operators.options
    at.multiselect(key="cm_facility_types").set_value(["pharmacy", "lab"]).run()
    at.multiselect(key="cm_facility_status").set_value(["operational", "planned"]).run()
    at.multiselect(key="cm_facility_operators").set_value(["Private"]).run()
    at.slider(key="cm_facility_beds").set_value((10, 100)).run()
    assert not at.exception, [e.value for e in at.exception]
    q = query(at)
    assert q["types"] == "pharmacy,lab" and q["status"] == "operational,planned"
    assert q["operators"] == "Private" and q["beds"] == "10-100"
    # The same link opens the same view.
    again = run_page(COVERAGE, query(at))
    assert again.multiselect(key="cm_facility_types").value == ["pharmacy", "lab"]
    assert again.multiselect(key="cm_facility_operators").value == ["Private"]
    assert again.slider(key="cm_facility_beds").value == (10, 100)
    at.toggle(key="cm_facilities").set_value(False).run()
    assert query(at)["fac"] == "0"
    assert not [m for m in at.multiselect if m.key == "cm_facility_types"]


def test_infrastructure_uses_the_shared_filters_and_keeps_old_links(on_demo):
    # ``beds=50`` is how the page wrote a minimum before the range: it still opens.
    at = run_page(INFRA, {"types": "hospital", "operators": "Private", "beds": "50"})
    assert at.multiselect(key="infra_facility_types").value == ["hospital"]
    assert at.multiselect(key="infra_facility_operators").value == ["Private"]
    low, high = at.slider(key="infra_facility_beds").value
    assert low == 50 and high >= 300
    at.multiselect(key="infra_facility_status").set_value(["under_construction"]).run()
    assert not at.exception, [e.value for e in at.exception]
    q = query(at)
    assert q["status"] == "under_construction" and q["types"] == "hospital"
    assert q["beds"] == f"50-{high}"


@pytest.mark.parametrize("page", ["app_pages/gap_analysis.py", "app_pages/overview.py"])
def test_facilities_are_off_until_asked_for(on_demo, page):
    prefix = "gap" if "gap" in page else "ov"
    at = run_page(page)
    assert at.toggle(key=f"{prefix}_facilities").value is False
    assert not [m for m in at.multiselect if m.key == f"{prefix}_facility_types"]
    at = run_page(page, {"fac": "1", "types": "hospital"})
    assert at.toggle(key=f"{prefix}_facilities").value is True
    assert at.multiselect(key=f"{prefix}_facility_types").value == ["hospital"]


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_filter_labels_are_translated(on_demo, lang):
    from render.i18n import translate

    at = run_page(COVERAGE, {"lang": lang})
    labels = {e.label for e in at.expander}
    assert translate("facilities.filters", lang) in labels
    assert at.multiselect(key="cm_facility_types").label == translate(
        "facilities.filter.types", lang
    )


@pytest.mark.realdata
def test_tehran_has_type_filters_only(on_tehran):
    at = run_page(COVERAGE, {"fac": "1"})
    types = at.multiselect(key="cm_facility_types")
    assert "Hospital" in types.options and "Clinic" in types.options  # shown labels
    # The Tehran workspace has no status, operator or bed counts: no such filters.
    keys = {w.key for w in (*at.multiselect, *at.slider)}
    assert "cm_facility_status" not in keys and "cm_facility_operators" not in keys
    assert "cm_facility_beds" not in keys

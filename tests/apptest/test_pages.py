"""AppTest: every page runs on the demo and the Tehran workspace in every language; widgets
round-trip the URL."""

from __future__ import annotations

import re

import pytest

from render.i18n import translate
from tests.apptest.helpers import query, run_page

PAGES = ["app_pages/overview.py", "app_pages/coverage_map.py"]
LANGUAGES = ["en", "fa", "vi"]
TITLE_KEYS = {
    "app_pages/overview.py": "overview.title",
    "app_pages/coverage_map.py": "coverage_map.title",
    "app_pages/gap_analysis.py": "gap.title",
    "app_pages/infrastructure.py": "access.title",
    "app_pages/partners.py": "partners.title",
    "app_pages/data.py": "data.title",
}
ALL_PAGES = list(TITLE_KEYS)
ASCII_DIGIT = re.compile("[0-9]")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_runs_on_demo(on_demo, page, lang):
    at = run_page(page, {"lang": lang})
    assert at.title[0].value == translate(TITLE_KEYS[page], lang)
    assert any(translate("header.demo_label", lang) in i.value for i in at.info)
    if page == PAGES[0]:
        assert translate("metric.population", lang) in {m.label for m in at.metric}
    if lang == "fa":  # Persian digits in every figure shown; the data behind stays numeric
        for m in at.metric:
            assert not ASCII_DIGIT.search(m.value), (m.label, m.value)
        if page in PAGES:
            # The demo's month is a Gregorian month, named as one: not the day it starts on.
            assert "اکتبر ۲۰۲۶" in at.caption[0].value
    assert query(at)["lang"] == lang


@pytest.mark.realdata
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_runs_on_tehran(on_tehran, page, lang):
    at = run_page(page, {"lang": lang})
    assert at.title[0].value == translate(TITLE_KEYS[page], lang)
    assert not any("Synthetic" in i.value for i in at.info)


def test_overview_headline_matches_analytics(on_demo):
    from analytics.coverage import headline_figures
    from geodata.store.workspace import latest_version
    from ui.data import area_coverage
    from ui.workspace import _demo_path

    at = run_page(PAGES[0])
    tiles = {m.label: m.value for m in at.metric}
    path = str(on_demo)
    figures = headline_figures(area_coverage.__wrapped__(path, latest_version(path), None, None))
    assert tiles["Population"] == f"{figures['population']:,.0f}"
    assert tiles["Insured"] == f"{figures['insured']:,.0f}"
    assert tiles["Coverage"] == f"{figures['coverage'] * 100:.1f} %"
    assert _demo_path() == path


@pytest.mark.realdata
def test_tehran_overview_shows_population_and_no_coverage(on_tehran):
    at = run_page(PAGES[0])
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Population"] == "7,510,552"
    assert tiles["Coverage"] == "—"
    assert any("no insured counts" in w.value for w in at.warning)


def test_coverage_map_widgets_write_the_url(on_demo):
    at = run_page(PAGES[1])
    at.selectbox(key="url_metric").select("uninsured").run()
    at.selectbox(key="url_classes").select("equal_interval").run()
    at.radio(key="url_level").set_value("district").run()
    assert not at.exception
    q = query(at)
    assert q["metric"] == "uninsured"
    assert q["classes"] == "equal_interval"
    assert q["level"] == "district"
    assert "Table (District)" in at.subheader[-1].value


def test_coverage_map_reopens_from_the_url(on_demo):
    at = run_page(
        PAGES[1],
        {
            "metric": "population",
            "classes": "natural_breaks",
            "k": "7",
            "district": "D02",
            "level": "area",
        },
    )
    assert at.selectbox(key="url_metric").value == "population"
    assert at.selectbox(key="url_classes").value == "natural_breaks"
    assert at.select_slider(key="url_k").value == 7
    assert at.selectbox(key="url_district").value == "D02"
    table = at.dataframe[-1].value
    assert 5 < len(table) < 60  # only the neighbourhoods of district D02


def test_bad_url_values_fall_back_to_defaults(on_demo):
    at = run_page(PAGES[1], {"metric": "<script>", "k": "99", "level": "nowhere", "district": "ZZ"})
    assert at.selectbox(key="url_metric").value == "coverage"
    assert at.select_slider(key="url_k").value == 5
    assert at.radio(key="url_level").value == "area"
    assert at.selectbox(key="url_district").value == ""


def test_user_breaks(on_demo):
    at = run_page(PAGES[1], {"classes": "user"})
    assert at.warning  # no breaks typed yet
    at.text_input(key="url_breaks").input("60, 75, 90").run()
    assert not at.exception
    assert query(at)["breaks"] == "60, 75, 90"


def test_selected_area_shows_details(on_demo):
    at = run_page(PAGES[1], {"area": "A119"})
    assert any(s.value for s in at.subheader if s.value and s.value != "Coverage map")
    labels = [m.label for m in at.metric]
    assert "Population" in labels and "Coverage" in labels


def test_month_change_changes_figures(on_demo):
    at = run_page(PAGES[0])
    before = {m.label: m.value for m in at.metric}["Insured"]
    months = at.selectbox(key="ov_month").options
    at.selectbox(key="ov_month").select(months[-1]).run()
    after = {m.label: m.value for m in at.metric}["Insured"]
    assert before != after


def test_switching_language_keeps_the_view(on_demo):
    at = run_page(PAGES[1], {"metric": "uninsured", "k": "4"})
    at.selectbox(key="language").select("vi").run()
    assert not at.exception
    q = query(at)
    assert q["lang"] == "vi" and q["metric"] == "uninsured" and q["k"] == "4"
    assert at.title[0].value == "Bản đồ bao phủ"
    assert at.selectbox(key="url_metric").value == "uninsured"
    at.selectbox(key="language").select("fa").run()
    assert at.title[0].value == translate("coverage_map.title", "fa")
    assert query(at)["metric"] == "uninsured"


def test_language_survives_a_move_to_another_page(on_demo):
    at = run_page(PAGES[0], {"lang": "fa"})
    at.switch_page(PAGES[1]).run()
    assert not at.exception
    assert at.title[0].value == translate("coverage_map.title", "fa")


def test_gregorian_toggle_in_persian(on_demo):
    at = run_page(PAGES[0], {"lang": "fa"})
    assert at.toggle(key="solar_hijri").value is True
    at.toggle(key="solar_hijri").set_value(False).run()
    assert not at.exception
    assert query(at)["cal"] == "gregorian"
    # The switch is for days; the month is the workspace's (Gregorian) month either way.
    assert "اکتبر ۲۰۲۶" in at.caption[0].value


def test_shared_link_with_gregorian_calendar(on_demo):
    at = run_page(PAGES[0], {"lang": "fa", "cal": "gregorian"})
    assert at.toggle(key="solar_hijri").value is False
    assert "اکتبر ۲۰۲۶" in at.caption[0].value


@pytest.mark.parametrize("lang", LANGUAGES)
def test_area_names_in_the_chosen_language(on_demo, lang):
    from geodata.store.workspace import latest_version, read_workspace

    areas = read_workspace(str(on_demo), latest_version(str(on_demo)))["areas"]
    expected = areas.set_index("area_id").loc["A119", f"name_{lang}"]
    at = run_page(PAGES[1], {"area": "A119", "lang": lang})
    assert any(s.value == expected for s in at.subheader), [s.value for s in at.subheader]
    table = at.dataframe[-1].value
    assert expected in set(table[translate("table.name", lang)])
    # Numbers stay numbers in the table; only their display is localised.
    assert table[translate("metric.population", lang)].dtype.kind in "iuf"


def test_basemap_toggle_only_where_a_deployment_names_tiles(on_demo, monkeypatch):
    monkeypatch.delenv("COVERAGE_ATLAS_TILE_URL", raising=False)
    at = run_page(PAGES[1])
    assert not [t for t in at.toggle if t.key == "cm_basemap"]
    monkeypatch.setenv("COVERAGE_ATLAS_TILE_URL", "http://tiles.internal.example/{z}/{x}/{y}.png")
    at = run_page(PAGES[1])
    toggle = next(t for t in at.toggle if t.key == "cm_basemap")
    assert toggle.value is False  # opt-in: off until the user switches it on
    toggle.set_value(True).run()
    assert not at.exception


def test_facility_type_filter(on_demo):
    at = run_page(PAGES[1])
    types = at.multiselect(key="cm_facility_types")
    assert set(types.value) >= {"hospital", "clinic", "pharmacy"}
    types.set_value(["hospital"]).run()
    assert not at.exception
    assert at.multiselect(key="cm_facility_types").value == ["hospital"]

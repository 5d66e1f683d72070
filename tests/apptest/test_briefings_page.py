"""AppTest: the Briefings page (briefing PDF, map export, side by side, presentation mode)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from render.i18n import translate
from tests.apptest.helpers import query
from tests.apptest.helpers import run_page as run_app_page

PAGE = "app_pages/briefings.py"


def run_page(params: dict[str, str] | None = None) -> AppTest:
    return run_app_page(PAGE, params)


def downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
def test_briefing_is_made_in_every_language(on_demo, lang):
    at = run_page(
        {"lang": lang, "scope": "district", "district": "D03", "orientation": "landscape"}
    )
    assert at.title[0].value == translate("briefings.title", lang)
    assert at.radio(key="br_scope").value == "district"
    at.button(key="br_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    pages = {"en": "3", "fa": "۳", "vi": "3"}[lang]
    assert at.success[0].value == translate("briefings.pdf.ready", lang, pages=pages)
    assert translate("briefings.pdf.download", lang) in downloads(at)
    command = at.code[0].value
    assert "--district D03" in command and f"--lang {lang}" in command
    assert "--orientation landscape" in command


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
@pytest.mark.parametrize("section", ["map", "compare", "present"])
def test_every_section_runs_in_every_language(on_demo, lang, section):
    at = run_page({"lang": lang, "section": section})
    assert at.segmented_control(key="br_section").value == section
    if section == "map":
        labels = downloads(at)
        for key in ("download_png", "download_html", "download_geojson", "download_gpkg"):
            assert translate(f"briefings.map.{key}", lang) in labels
        assert translate("downloads.xlsx", lang) in labels
        assert len(at.dataframe) == 1
    if section == "compare":
        assert at.radio(key="br_cmp").value == "months"
        assert at.selectbox(key="br_a").value != at.selectbox(key="br_b").value
        assert any(translate("briefings.compare.same_scale", lang) == c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_the_map_table_names_each_areas_district(on_demo, lang):
    at = run_page({"lang": lang, "section": "map", "level": "area"})
    table = at.dataframe[0].value
    districts = set(table[translate("table.district", lang)].astype(str))
    assert districts and not any(d.startswith("D") and d[1:].isdigit() for d in districts)
    assert {"fa": "منطقهٔ ۵", "vi": "Quận 5"}[lang] in districts


def test_compare_two_districts_and_widgets_write_the_url(on_demo):
    at = run_page({"section": "compare", "cmp": "districts", "a": "D01", "b": "D05"})
    assert at.selectbox(key="br_a").value == "D01" and at.selectbox(key="br_b").value == "D05"
    at.selectbox(key="br_b").select("D07").run()
    assert not at.exception
    assert query(at)["b"] == "D07" and query(at)["cmp"] == "districts"


def test_presentation_steps_through_months(on_demo):
    at = run_page({"present": "1", "by": "months"})
    assert not at.title  # no page header in the presentation view
    assert at.button(key="br_prev").disabled
    at.button(key="br_next").click().run()
    assert not at.exception
    assert query(at)["step"] == "1"
    at.button(key="br_exit").click().run()
    assert "present" not in query(at)


def test_partner_scope_and_bad_url_values(on_demo):
    at = run_page({"scope": "partner", "partner": "P2", "month": "1999-01", "section": "<x>"})
    assert at.segmented_control(key="br_section").value == "briefing"
    assert at.radio(key="br_scope").value == "partner"
    assert at.selectbox(key="br_month").value == "2026-10"  # the latest month, Oct 2026
    at.button(key="br_make").click().run()
    assert not at.exception and at.success


@pytest.mark.realdata
def test_tehran_briefing_without_insured_counts(on_tehran):
    at = run_page({"scope": "district"})
    at.button(key="br_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success
    at = run_page({"section": "map", "level": "area"})
    assert translate("briefings.map.download_png", "en") in downloads(at)


MAP_EXPORTS = ("download_png", "download_html", "download_geojson", "download_gpkg")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_coverage_map_exports_the_view_it_shows(on_demo, lang):
    """Under the Coverage map: the drilled-down view as PNG, HTML, GeoJSON and GeoPackage."""
    at = run_app_page(
        "app_pages/coverage_map.py", {"lang": lang, "district": "D03", "level": "area"}
    )
    assert not at.exception, [e.value for e in at.exception]
    labels = downloads(at)
    for key in MAP_EXPORTS:
        assert labels.count(translate(f"briefings.map.{key}", lang)) == 1
    assert any(c.value == translate("briefings.map.export", lang) for c in at.caption)


def test_partners_own_briefing_is_a_partner_briefing(on_demo, tmp_path, monkeypatch):
    """In a partner's session the briefing is the partner's (as ``--partner`` makes it)."""
    from tests.apptest.helpers import run_as, write_users

    monkeypatch.setenv(
        "COVERAGE_ATLAS_USERS",
        write_users(tmp_path / "users.toml", {"crescent": ("partner", "P2")}),
    )
    at = run_as("crescent", PAGE)
    scope = at.radio(key="br_scope")
    assert scope.value == "region"
    assert scope.options[0] == translate("briefings.scope.own", "en")
    at.button(key="br_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    wanted, (_pdf, pages) = at.session_state["br_pdf"]
    assert wanted[:2] == ("partner", "P2") and pages == 3
    command = at.code[0].value
    assert command.count("--partner") == 1 and "--partner P2" in command

"""AppTest: the Capacity and load page on the demo and the Tehran workspace, in every language;
a what-if saved as a scenario makes a new version and leaves the facilities as they were."""

from __future__ import annotations

import json
import re

import pytest
from geopandas.testing import assert_geodataframe_equal

from geodata.store.workspace import list_versions, read_table
from render.i18n import translate
from tests.apptest.helpers import query
from tests.apptest.helpers import run_page as run_app_page

PAGE = "app_pages/capacity.py"
LANGUAGES = ["en", "fa", "vi"]
ASCII_DIGIT = re.compile("[0-9]")


def run_page(query: dict[str, str] | None = None):
    return run_app_page(PAGE, query)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_demo_page_runs_in_every_language(on_demo, lang):
    at = run_page({"lang": lang})
    assert at.title[0].value == translate("capacity.title", lang)
    assert any(translate("header.demo_label", lang) in i.value for i in at.info)
    labels = [m.label for m in at.metric]
    assert translate("capacity.load.facilities", lang) in labels
    assert len(at.dataframe) >= 3  # load, growth per facility, growth per district
    if lang == "fa":
        for m in at.metric:
            assert not ASCII_DIGIT.search(m.value), (m.label, m.value)
    assert query(at)["lang"] == lang


def test_demo_load_table_ranks_the_heaviest_first_and_growth_is_shown(on_demo):
    at = run_page()
    load = at.dataframe[0].value
    ratios = load["Load ratio"].tolist()
    assert ratios == sorted(ratios, reverse=True)
    assert {"People served", "People per unit (Beds)", "Growth (%)"} <= set(load.columns)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Facilities counted"] == "5"  # the demo's operational hospitals
    visits = metrics["Visits, latest period"]
    assert visits != "—" and int(visits.replace(",", "")) > 0
    # The demo's visits grow by about 18 % a year.
    delta = next(m for m in at.metric if m.label == "Visits, latest period").proto.delta
    assert 12.0 <= float(delta.replace("%", "").strip()) <= 25.0


def test_demo_settings_live_in_the_url(on_demo):
    at = run_page({"service": "insurance_office", "supply": "desks", "catchment": "3"})
    assert at.selectbox(key="url_service").value == "insurance_office"
    assert at.selectbox(key="url_supply").value == "desks"
    assert at.select_slider(key="url_catchment").value == 3.0
    at.select_slider(key="url_overload").set_value(2.0).run()
    assert not at.exception, [e.value for e in at.exception]
    q = query(at)
    assert q["service"] == "insurance_office" and q["overload"] == "2"
    assert any(s.value == "Load: Insurance branch offices" for s in at.subheader)


def test_what_if_upgrade_is_compared_and_saved_as_a_scenario(demo_copy):
    facilities_before = read_table(demo_copy, "facilities")
    versions_before = len(list_versions(demo_copy))
    at = run_page()
    at.selectbox(key="cap_upgrade_id").select("F005")
    at.run()
    value_keys = [n.key for n in at.number_input if n.key.startswith("cap_upgrade_value_F005")]
    at.number_input(key=value_keys[0]).set_value(300).run()
    at.button(key="cap_add_upgrade").click().run()
    assert not at.exception, [e.value for e in at.exception]
    comparison = next(
        d.value for d in at.dataframe if "Before" in d.value.columns and "Figure" in d.value.columns
    )
    capacity_row = comparison[comparison["Figure"] == "Capacity in all (Beds)"].iloc[0]
    # F005 has 94 beds: 1,151 beds in all before, 1,357 after.
    assert capacity_row["Before"] == "1,151" and capacity_row["After"] == "1,357"
    assert capacity_row["Change"] == "+206"
    at.text_input(key="cap_scenario_name").input("Double Peace Gate").run()
    at.button(key="cap_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("saved as workspace version" in s.value for s in at.success)
    versions = list_versions(demo_copy)
    assert len(versions) == versions_before + 1
    assert versions[-1].summary["changed"].keys() == {"scenarios"}
    assert_geodataframe_equal(read_table(demo_copy, "facilities"), facilities_before)
    stored = read_table(demo_copy, "scenarios")
    assert stored[
        ["scenario_id", "kind", "facility_id", "supply", "value", "name"]
    ].values.tolist() == [["S001", "upgrade", "F005", "beds", 300.0, "Double Peace Gate"]]
    table = at.dataframe[-1].value
    assert "Double Peace Gate" in table["Scenario"].tolist()
    assert "Network as it is" in table["Scenario"].tolist()
    # Deleting it is one more version; the version that saved it still holds it.
    assert at.selectbox(key="cap_pick").value == "S001"
    at.button(key="cap_delete_scenario").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("“Double Peace Gate” deleted" in s.value for s in at.success)
    after = list_versions(demo_copy)
    assert len(after) == versions_before + 2
    assert after[-1].message == "delete scenario S001"
    assert read_table(demo_copy, "scenarios").empty
    assert_geodataframe_equal(read_table(demo_copy, "facilities"), facilities_before)
    assert not any(b.key == "cap_delete_scenario" for b in at.button)
    at.run()
    assert any(c.value == translate("capacity.scenarios.none", "en") for c in at.caption)


def test_managers_see_scenarios_but_cannot_delete_them(demo_copy, tmp_path, monkeypatch):
    import pandas as pd

    from geodata.tables.utilisation import save_scenario
    from geodata.users.accounts import User, hash_password, write_user
    from tests.apptest.helpers import run_as

    save_scenario(
        demo_copy,
        pd.DataFrame(
            {"kind": ["upgrade"], "facility_id": ["F005"], "supply": ["beds"], "value": [300.0]}
        ),
        name="Kept",
    )
    users = tmp_path / "users.toml"
    write_user(users, User("manager", "Manager", "manager", None, None, hash_password("x" * 12)))
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", str(users))
    at = run_as("manager", "app_pages/capacity.py")
    assert at is not None
    assert at.selectbox(key="cap_pick").value == "S001"
    assert any(b.key == "cap_load_scenario" for b in at.button)
    assert not any(b.key == "cap_delete_scenario" for b in at.button)


def test_what_if_close_and_new_sites_from_the_siting_tool(on_demo):
    at = run_page()
    at.selectbox(key="cap_action").select("close").run()
    at.selectbox(key="cap_close_id").select("F002").run()
    at.button(key="cap_add_close").click().run()
    at.selectbox(key="cap_action").select("sites").run()
    at.button(key="cap_add_sites").click().run()
    assert not at.exception, [e.value for e in at.exception]
    listed = " ".join(m.value for m in at.markdown)
    assert "Close" in listed and "New" in listed
    comparison = next(d.value for d in at.dataframe if "Before" in d.value.columns)
    counted = comparison[comparison["Figure"] == "Facilities counted"].iloc[0]
    assert counted["Change"] == "-1"  # one hospital closed; new sites are clinics
    scenarios = at.dataframe[-1].value
    assert "Current what-if (not saved)" in scenarios["Scenario"].tolist()


@pytest.mark.realdata
@pytest.mark.parametrize("lang", LANGUAGES)
def test_tehran_page_runs_and_says_there_is_no_utilisation(on_tehran, lang):
    at = run_page({"lang": lang})
    assert at.title[0].value == translate("capacity.title", lang)
    infos = " ".join(i.value for i in at.info)
    assert translate("capacity.growth.none", lang) in infos
    assert not any("Synthetic" in i.value for i in at.info)
    # No bed counts in the Tehran register: each facility counts 1.
    assert at.selectbox(key="url_supply").options == [translate("capacity.supply.facility", lang)]


@pytest.mark.realdata
def test_tehran_sites_from_the_siting_tool_after_a_closure(on_tehran):
    """Siting on Tehran's network (930 centres, counted per facility) after a closure."""
    at = run_page({"service": "care"})
    at.selectbox(key="cap_action").select("close").run()
    at.button(key="cap_add_close").click().run()
    at.selectbox(key="cap_action").select("sites").run()
    at.button(key="cap_add_sites").click().run()
    assert not at.exception, [e.value for e in at.exception]
    pending = at.session_state["cap_changes"]
    assert pending[0].kind == "close"
    sites = [c for c in pending if c.kind == "new_site"]
    assert sites and len({(round(c.lon, 6), round(c.lat, 6)) for c in sites}) == len(sites)
    assert comparison_of(at) is not None


def comparison_of(at):
    return next(
        d.value for d in at.dataframe if "Before" in d.value.columns and "Figure" in d.value.columns
    )


def figure_row(at, figure: str):
    table = comparison_of(at)
    return table[table["Figure"] == figure].iloc[0]


def test_new_sites_carry_capacity_and_are_never_proposed_twice(on_demo):
    at = run_page()
    downloads = {d.key for d in at.get("download_button")}
    assert {"cap_load_dl_csv", "cap_load_dl_xlsx", "cap_growth_dl_xlsx"} <= downloads
    at.selectbox(key="cap_action").select("sites").run()
    at.selectbox(key="cap_site_care").select("hospital").run()
    at.number_input(key="cap_site_value").set_value(100).run()
    at.button(key="cap_add_sites").click().run()
    at.button(key="cap_add_sites").click().run()
    assert not at.exception, [e.value for e in at.exception]
    pending = at.session_state["cap_changes"]
    assert [c.kind for c in pending] == ["new_site"] * 4
    assert len({c.facility_id for c in pending}) == 4
    assert len({(round(c.lon, 6), round(c.lat, 6)) for c in pending}) == 4
    assert {(c.supply, c.value, c.facility_type) for c in pending} == {("beds", 100.0, "hospital")}
    # Four new hospitals of 100 beds: 1,151 beds in all before, 1,551 after; fewer people per bed.
    capacity_row = figure_row(at, "Capacity in all (Beds)")
    assert capacity_row["Change"] == "+400"
    per_bed = figure_row(at, "People per unit (Beds), region")
    assert per_bed["Change"].startswith("-") and per_bed["Better or worse"] == "Better"
    downloads = {d.key for d in at.get("download_button")}
    assert {"cap_whatif_dl_csv", "cap_whatif_dl_xlsx", "cap_scenarios_dl_xlsx"} <= downloads


def test_a_facility_placed_by_hand_and_upgrades_only_of_the_chosen_supply(on_demo):
    at = run_page()
    at.selectbox(key="cap_action").select("place").run()
    at.number_input(key="cap_place_lat").set_value(35.70).run()
    at.number_input(key="cap_place_lon").set_value(51.40).run()
    at.selectbox(key="cap_place_type").select("hospital").run()
    at.text_input(key="cap_place_name").input("Field hospital").run()
    at.number_input(key="cap_place_value").set_value(64).run()
    at.button(key="cap_add_place").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (change,) = at.session_state["cap_changes"]
    assert (change.kind, change.facility_type, change.supply, change.value) == (
        "new_site",
        "hospital",
        "beds",
        64.0,
    )
    assert (change.lat, change.lon, change.facility_name) == (35.70, 51.40, "Field hospital")
    assert figure_row(at, "Capacity in all (Beds)")["Change"] == "+64"
    # Capacity counted per facility: no upgrade of beds is offered, and the page says why.
    at = run_page({"supply": "facility"})
    at.selectbox(key="cap_action").select("upgrade").run()
    assert not any(b.key == "cap_add_upgrade" for b in at.button)
    assert any(translate("capacity.whatif.upgrade_needs_supply", "en") in i.value for i in at.info)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_stale_scenario_is_marked_and_the_others_still_compared(demo_copy, lang):
    import pandas as pd

    from geodata.store.workspace import save_version
    from geodata.tables.utilisation import save_scenario

    facilities = read_table(demo_copy, "facilities")
    gone = str(facilities["facility_id"].iloc[-1])
    save_scenario(
        demo_copy, pd.DataFrame({"kind": ["close"], "facility_id": [gone]}), name="Removed since"
    )
    # A later import no longer has that facility: the saved scenario names a facility that is gone.
    save_version(
        demo_copy,
        {"facilities": facilities[facilities["facility_id"] != gone]},
        message="import facilities",
    )
    save_scenario(
        demo_copy,
        pd.DataFrame(
            {"kind": ["upgrade"], "facility_id": ["F005"], "supply": ["beds"], "value": [300.0]}
        ),
        name="Still fine",
    )
    at = run_page({"lang": lang})
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[-1].value
    names = table[translate("capacity.scenarios.name", lang)].tolist()
    assert {"Removed since", "Still fine"} <= set(names)
    status = dict(zip(names, table[translate("capacity.scenarios.status", lang)], strict=True))
    assert status["Removed since"] == translate("capacity.scenarios.stale_missing", lang, ids=gone)
    assert status["Still fine"] == ""
    near = table.set_index(translate("capacity.scenarios.name", lang))[
        translate("capacity.scenarios.changes", lang)
    ]
    assert near["Removed since"] == 1
    assert any(translate("capacity.scenarios.stale_note", lang) in w.value for w in at.warning)


def test_growth_without_complete_facilities_shows_no_figure_and_facility_filters(demo_copy):
    from geodata.store.workspace import save_version

    records = read_table(demo_copy, "utilisation")
    months = sorted(records["period"].unique())
    # No facility reported visits in the sixth month: none has both periods complete.
    kept = records[~((records["measure"] == "visits") & (records["period"] == months[5]))]
    save_version(demo_copy, {"utilisation": kept}, message="import utilisation")
    at = run_page({"measure": "visits", "fac": "1", "types": "clinic,insurance_office"})
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Visits, latest period"] == "—"
    assert metrics["Visits, period before"] == "—"
    # The shared facility filters drive the facilities drawn beside the load circles.
    assert at.toggle(key="cap_facilities").value is True
    assert at.multiselect(key="cap_facility_types").value == ["clinic", "insurance_office"]
    assert query(at)["types"] == "clinic,insurance_office"


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_growth_names_districts_in_the_readers_language(on_demo, lang):
    """The growth tables and the chart per district name each district as every other page does
    (the workspace's district_name_<lang>), the chart's lines in the order of the districts."""
    from geodata.sources.workspaces import demo_workspace_path
    from render.language import Language

    areas = read_table(demo_workspace_path(), "areas").drop_duplicates("district_id")
    names = Language(lang).names(areas, "district_name").tolist()
    at = run_page({"lang": lang})
    header = translate("table.district", lang)
    shown = [set(d.value[header].dropna()) for d in at.dataframe if header in d.value.columns]
    assert len(shown) >= 2, "growth per facility and per district"
    for column in shown:
        assert column and column <= set(names) | {"—"}, column
        assert not any("District" in str(n) for n in column), column
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    lines = next([t["name"] for t in spec["data"]] for spec in specs if len(spec["data"]) > 1)
    # The districts with records, in the districts' order (D01, D02 ... D10, not 1, 10, 11, 2).
    assert lines and [n for n in names if n in lines] == lines, lines

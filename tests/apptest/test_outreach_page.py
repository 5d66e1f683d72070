"""AppTest: the Outreach planner on the demo and the Tehran workspace, in every language."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from analytics.sessions import FALLBACK_DESK_CAPACITY
from render.i18n import translate
from tests.apptest.helpers import query
from tests.apptest.helpers import run_page as run_app_page
from tests.conftest import ROOT

PAGE = "app_pages/outreach.py"


def run_page(query: dict[str, str] | None = None) -> AppTest:
    return run_app_page(PAGE, query)


@pytest.fixture(autouse=True)
def exact_plans(monkeypatch):
    """Plans solved to optimality whatever the machine's load (the page's time budget would
    otherwise make a figure depend on how busy the test machine is)."""
    monkeypatch.setattr("ui.outreach.data.PLAN_TIME_LIMIT_S", 120.0)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def downloads(monkeypatch) -> list[bytes]:
    """Every file the runs offer for download at once, and the work lists (made on press)."""
    offered: list[bytes] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, *args, **kwargs):
        if isinstance(path_or_data, bytes | bytearray):
            offered.append(bytes(path_or_data))
        return add(self, path_or_data, *args, **kwargs)

    def press(self, make, mimetype, coordinates, file_name=None, **kwargs):
        if str(file_name).startswith("work_list_"):
            offered.append(make())
        return add_deferred(self, make, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", press)
    return offered


def test_demo_page_plans_desks_and_offers_work_lists(on_demo, downloads):
    at = run_page()
    assert at.title[0].value == "Outreach planner"
    figures = metrics(at)
    assert figures["Within range: uninsured people"] != "—"
    assert figures["Plan"] == "Optimal"
    assert figures["Desk-days used"] == "21 of 21"
    assert at.radio(key="url_view").options == [
        "Desk plan, day by day",
        "Model villages",
        "Recorded sessions",
    ]
    plan = at.dataframe[0].value
    assert len(plan) == 21 and sorted(plan["Day"].unique()) == list(range(1, 8))
    assert (plan.groupby("Day").size() == 3).all()
    reached = plan["Newly within range (uninsured people)"].to_numpy()
    assert list(reached) == sorted(reached, reverse=True)
    assert any("3 desks a day for 7 days" in c.value for c in at.caption)
    # a CSV and an XLSX work list of the plan: 21 rows, formatted header, no person records
    csv = next(b for b in downloads if b.startswith("\ufeffDay,Date,Desk,".encode()))
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert len(table) == 21 and {"Day", "Desk", "Responsible partner"} <= set(table.columns)
    xlsx = next(b for b in reversed(downloads) if b.startswith(b"PK"))
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet["A3"].value == "Day" and sheet["A3"].font.bold
    assert sheet.max_row == 3 + 21


def test_plan_village_and_session_tables_download_and_facilities_show(on_demo, monkeypatch):
    """The plan, model-village and session tables each offer CSV and XLSX (made on press, like
    every table); the shared facility filters draw the facilities on the outreach map."""
    made: dict[str, bytes] = {}
    add_deferred = MediaFileManager.add_deferred

    def record(self, callable_, mimetype, coordinates, file_name=None, **kwargs):
        made[str(file_name)] = callable_()
        return add_deferred(self, callable_, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at = run_page({"view": "sessions", "fac": "1"})
    for stem in ("outreach_desk_plan", "outreach_model_villages", "outreach_sessions_by_area"):
        assert {f"{stem}.csv", f"{stem}.xlsx"} <= set(made), sorted(made)
        book = load_workbook(io.BytesIO(made[f"{stem}.xlsx"]))
        assert book.active.max_row > 1, stem
    plan = pd.read_csv(io.BytesIO(made["outreach_desk_plan.csv"]), encoding="utf-8-sig")
    assert len(plan) == 21 and plan["Day"].tolist() == sorted(plan["Day"])
    # The facility layer and its legend are in the map sent to the browser (off by default).
    legend = translate("access.map.facilities", "en")
    assert at.toggle(key="outreach_facilities").value
    assert legend in map_args(at)
    assert legend not in map_args(run_page({"view": "sessions"}))


def map_args(at: AppTest) -> str:
    """What the page sent to its map components (their arguments hold the map's HTML)."""
    return "\n".join(str(n.proto) for n in at._tree if type(n).__name__ == "UnknownElement")


def test_demo_widgets_round_trip_through_the_url(on_demo):
    at = run_page()
    at.number_input(key="url_desks").set_value(2).run()
    at.number_input(key="url_days").set_value(5).run()
    at.select_slider(key="url_radius").set_value(500).run()
    at.selectbox(key="url_partner").select("P2").run()
    at.radio(key="url_view").set_value("villages").run()
    at.selectbox(key="url_rule").select("score").run()
    at.slider(key="url_quota").set_value(6).run()
    at.select_slider(key="url_wd").set_value(0).run()
    at.selectbox(key="url_list").select("villages").run()
    assert not at.exception, [e.value for e in at.exception]
    q = query(at)
    assert q["start"] == dt.date.today().isoformat()  # the plan's dates travel with the link
    assert {k: v for k, v in q.items() if k != "start"} == {
        "desks": "2",
        "days": "5",
        "radius": "500",
        "partner": "P2",
        "view": "villages",
        "rule": "score",
        "quota": "6",
        "wd": "0",
        "list": "villages",
    }
    assert metrics(at)["Desk-days used"].endswith("of 10")
    assert any("Red Crescent" in c.value for c in at.caption)
    assert any("0.62 × uninsured" in c.value for c in at.caption)  # 50 / (50 + 30)
    plan = at.dataframe[0].value
    assert set(plan["Responsible partner"]) == {"Red Crescent"}

    again = run_page(q)  # the link reopens the same view
    assert again.number_input(key="url_desks").value == 2
    assert again.selectbox(key="url_partner").value == "P2"
    assert again.radio(key="url_view").value == "villages"
    assert again.slider(key="url_quota").value == 6
    assert metrics(again) == metrics(at)


def test_demo_drops_bad_url_values(on_demo):
    at = run_page({"desks": "99", "radius": "<b>", "partner": "P9", "view": "x", "rule": "y"})
    assert at.number_input(key="url_desks").value == 3
    assert at.select_slider(key="url_radius").value == 1000
    assert at.selectbox(key="url_partner").value == ""
    assert at.radio(key="url_view").value == "plan"
    assert at.selectbox(key="url_rule").value == "uninsured"


@pytest.mark.parametrize("lang", ["en", "fa", "vi"])
@pytest.mark.parametrize("view", ["plan", "villages", "sessions"])
def test_demo_page_runs_in_every_language_and_view(on_demo, lang, view):
    at = run_page({"lang": lang, "view": view, "rule": "score", "list": "all"})
    assert at.title[0].value == translate("outreach.title", lang)
    assert at.radio(key="url_view").value == view
    labels = list(metrics(at))
    assert translate("outreach.plan.quality", lang) in labels
    if lang != "en":
        assert "Outreach planner" not in [t.value for t in at.title]


def test_one_area_work_list(on_demo, downloads):
    at = run_page({"list": "area"})
    at.selectbox(key="outreach_list_area").set_value("A010").run()
    assert not at.exception
    assert at.selectbox(key="outreach_list_area").value == "A010"
    csv = next(b for b in reversed(downloads) if b.startswith("\ufeffArea code,".encode()))
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert len(table) == 1 and table["Area code"].tolist() == ["A010"]
    assert "Nearest insurance office" in table.columns


def test_partner_user_is_held_to_its_own_areas(on_demo, tmp_path, monkeypatch):
    from geodata.users.accounts import User, hash_password, write_user

    users = tmp_path / "users.toml"
    write_user(users, User("crescent", "Crescent", "partner", "P2", None, hash_password("x" * 12)))
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", str(users))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["_ca_user"] = "crescent"
    at.query_params["partner"] = "P1"  # someone else's: not allowed
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.selectbox(key="url_partner")
    assert box.options == ["Red Crescent"] and box.disabled
    plan = at.dataframe[0].value
    assert set(plan["Responsible partner"]) == {"Red Crescent"}
    # The coverage trend's target line is the partner's own (a flat 100 %), not the region's
    # (which climbs from 80 %).
    import json

    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    target_name = translate("chart.target", "en")
    lines = [t for c in charts for t in c["data"] if t.get("name") == target_name]
    assert lines and all({shown for _, shown in t["customdata"]} == {"100 %"} for t in lines)


@pytest.mark.realdata
def test_tehran_page_plans_by_population_and_says_so(on_tehran):
    at = run_page({"view": "villages", "list": "villages"})
    infos = " ".join(i.value for i in at.info)
    assert "no insured counts" in infos
    figures = metrics(at)
    # No session recorded: the capacity is the stated fallback, and it bounds the enrolments
    # (21 desk-days), far below the people within range.
    cap = FALLBACK_DESK_CAPACITY
    assert at.number_input(key="url_cap").value == cap
    assert any("an assumption" in c.value for c in at.sidebar.caption)
    enrolled = int(figures["Expected enrolments"].replace(",", ""))
    assert 0 < enrolled <= 21 * cap < int(figures["Within range: people"].replace(",", ""))
    assert at.selectbox(key="url_rule").options == ["Most people"]
    assert at.selectbox(key="url_partner").disabled  # no partners in this workspace
    villages = at.dataframe[1].value
    per_district = villages.groupby("District").size()
    assert len(per_district) >= 20 and per_district.max() == 5
    assert any("no outreach session" in i.value.lower() for i in at.info)


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_tehran_page_in_other_languages(on_tehran, lang):
    at = run_page({"lang": lang, "view": "sessions"})
    assert at.title[0].value == translate("outreach.title", lang)


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_the_desk_plan_names_each_desks_district(on_demo, lang):
    at = run_page({"lang": lang, "view": "plan"})
    header = translate("outreach.col.district_id", lang)
    plans = [d.value for d in at.dataframe if header in d.value.columns]
    assert plans, "no desk plan table"
    districts = set(plans[0][header].astype(str))
    assert districts and not any(d.startswith("D") and d[1:].isdigit() for d in districts)
    assert all(d.startswith({"fa": "منطقهٔ", "vi": "Quận"}[lang]) for d in districts)


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_the_partner_is_named_in_the_readers_language(on_demo, lang):
    """The partner picker and the plan's caption name the partner as the rest of the dashboard
    does (``name_fa``, ``name_vi``), not by the workspace's base name."""
    from geodata.store.workspace import read_workspace

    partners = read_workspace(str(on_demo))["partners"].set_index("partner_id")
    own, base = partners.loc["P1", f"name_{lang}"], partners.loc["P1", "name"]
    assert own != base
    at = run_page({"lang": lang, "partner": "P1"})
    options = [o for picker in at.selectbox for o in picker.options]
    assert own in options and base not in options
    caption = " ".join(c.value for c in at.caption)
    assert own in caption and base not in caption

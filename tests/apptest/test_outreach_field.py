"""AppTest: the Outreach planner's plan for the field — teams, dated desk-days with coordinates and
the nearest named place, the team sheet PDF (recorded in the audit trail when downloaded) and
sessions held recorded by a planner anywhere, by a partner in its own areas only, by a manager
not at all. Each test works on its own copy of the demo workspace."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geodata.store.workspace import latest_version, read_workspace, save_version
from geodata.users import audit
from render.i18n import translate
from tests.apptest.helpers import run_as, write_users
from tests.conftest import require

PAGE = "app_pages/outreach.py"
START = "2026-09-23"  # Mehr 1, 1405


@pytest.fixture(autouse=True)
def exact_plans(monkeypatch):
    monkeypatch.setattr("ui.outreach.data.PLAN_TIME_LIMIT_S", 120.0)


@pytest.fixture
def workspace(demo_workspace: Path, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "ws.gpkg"
    shutil.copyfile(demo_workspace, path)
    with closing(sqlite3.connect(path)) as db, db:  # the copy's audit trail starts empty
        db.execute(f"DROP TABLE IF EXISTS {audit.TABLE}")
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    users = {"planner": ("planner", None), "crescent": ("partner", "P2"), "boss": ("manager", None)}
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", write_users(tmp_path / "users.toml", users))
    return path


def field_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Nearest named place" in d.value.columns)


def open_as(user: str, query: dict[str, str] | None = None) -> AppTest:
    at = run_as(user, PAGE, {"start": START, **(query or {})})
    assert at is not None
    return at


def submit(at: AppTest, area: str, date: str, enrolled: int) -> AppTest:
    at.session_state["outreach_field_area"] = area
    at.date_input(key="outreach_field_date").set_value(pd.Timestamp(date).date())
    at.number_input(key="outreach_field_enrolled").set_value(enrolled)
    at.button(key="FormSubmitter:outreach_field_record-Record the session").click()
    return at.run()


def test_planner_sees_teams_places_and_records_a_session_held(workspace):
    at = open_as("planner")
    at.number_input(key="outreach_field_teams").set_value(3).run()
    table = field_table(at)
    assert len(table) == 21 and sorted(table["Team"].unique()) == [1, 2, 3]
    assert table["Date"].iloc[0] == "2026-09-23" and table["Date"].iloc[-1] == "2026-09-29"
    assert table["Latitude, longitude"].str.fullmatch(r"\d+\.\d{5}, \d+\.\d{5}").all()
    assert table["Nearest named place"].str.contains(r" \(\d+(\.\d)? km away\)$").all()
    assert not table.astype(str).isin(["None", "nan"]).any().any()
    assert set(table["Held"]) == {"Not yet"}
    first = table.iloc[0]
    areas = read_workspace(workspace)["areas"]
    area = areas.loc[areas["name"] == first["Neighbourhood"], "area_id"].iloc[0]
    # the form offers the plan's areas first, in the plan's order
    assert at.selectbox(key="outreach_field_area").options[0].endswith(f"({area})")
    before = latest_version(workspace)

    at = submit(at, area, START, 42)
    assert not at.exception, [e.value for e in at.exception]
    assert latest_version(workspace) == before + 1
    assert any("recorded (42 people enrolled)" in s.value for s in at.success)
    after = field_table(at)
    assert after["Held"].iloc[0] == "Held" and after["People enrolled (recorded)"].iloc[0] == 42
    assert any(c.value.startswith("1 of 21 desk-days held") for c in at.caption)
    trail = audit.read(workspace, actions=["session_record"])
    assert trail["user"].tolist() == ["planner"] and area in trail["what"].iloc[0]


def test_partner_records_in_its_own_areas_only(workspace):
    areas = read_workspace(workspace)["areas"]
    own = areas.loc[areas["partner_id"] == "P2", "area_id"].iloc[0]
    other = areas.loc[areas["partner_id"] == "P1", "area_id"].iloc[0]
    at = open_as("crescent")
    offered = " ".join(at.selectbox(key="outreach_field_area").options)
    assert f"({other})" not in offered and f"({own})" in offered
    before = latest_version(workspace)
    at = submit(at, own, START, 11)
    assert latest_version(workspace) == before + 1
    new = read_workspace(workspace)["outreach"].iloc[-1]
    assert new["area_id"] == own and int(new["enrolled"]) == 11 and new["partner_id"] == "P2"


def test_partner_cannot_record_outside_even_when_the_widget_is_forged(workspace, monkeypatch):
    """The area list a partner's form offers is forged to hold another partner's area (as a
    tampered client could send it): the store still refuses it."""
    areas = read_workspace(workspace)["areas"]
    other = areas.loc[areas["partner_id"] == "P1", "area_id"].iloc[0]
    import ui.outreach.field as field

    monkeypatch.setattr(
        field, "record_choices", lambda names, in_scope, planned: [other, *in_scope]
    )
    at = open_as("crescent")
    assert at.selectbox(key="outreach_field_area").options[0].endswith(f"({other})")
    before = latest_version(workspace)
    at = submit(at, other, START, 9)
    assert latest_version(workspace) == before
    assert any("own areas only" in e.value for e in at.error)


def test_manager_reads_the_plan_in_vietnamese_but_records_nothing(workspace):
    at = open_as("boss", {"lang": "vi"})
    place = translate("outreach.field.col_place", "vi")
    table = next(d.value for d in at.dataframe if place in d.value.columns)
    assert len(table) == 21
    assert table[translate("outreach.col.date", "vi")].iloc[0] == "23/09/2026"
    position = table[translate("outreach.field.col_position", "vi")]
    assert position.str.fullmatch(r"\d+,\d{5}; \d+,\d{5}").all()  # decimal commas, kept apart
    assert table[place].str.contains(r"\(cách \d+(,\d)? km\)$").all()
    assert not [b for b in at.button if b.label == translate("outreach.field.record", "vi")]


def test_team_sheet_in_persian_is_downloaded_and_recorded(workspace, monkeypatch):
    require(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    sheets: list[tuple[str, bytes]] = []
    add_deferred = MediaFileManager.add_deferred

    def press(self, make, mimetype, coordinates, file_name=None, **kwargs):
        if str(file_name).startswith("outreach_sheet"):
            sheets.append((str(file_name), make()))
        return add_deferred(self, make, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", press)
    at = open_as("planner", {"lang": "fa"})
    assert not at.exception
    made = dict(sheets)
    name = "outreach_sheet_team1_day1_fa.pdf"
    pdf = made[name]
    # every team's day, a page each: 2 teams (of 3 desks a day) × 7 days
    every = subprocess.run(
        ["pdftotext", "-", "-"],
        input=made["outreach_sheets_fa.pdf"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert every.count("\f") == 14
    raw = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    text = " ".join(re.sub("[\u202a-\u202e]", "", raw.stdout.decode()).split())
    # The demo names its districts in English only ("District 10"): data, not the sheet's words.
    text = re.sub(r"District \d+", "", text)
    assert "۱۴۰۵/۰۷/۰۱" in text  # day 1 on Mehr 1, 1405
    assert "کیلومتر" in text and "گروه" in text
    latin = re.search("[0-9]", text)
    assert latin is None and "None" not in text, (
        text[max(0, latin.start() - 40) :][:80] if latin else text
    )
    trail = audit.read(workspace, actions=["download"])
    assert {name, "outreach_sheets_fa.pdf"} <= set(trail["what"])


def test_no_district_column_where_there_are_no_districts(workspace):
    areas = read_workspace(workspace)["areas"]
    save_version(
        workspace,
        {"areas": areas.drop(columns=["district_id", "district_name"])},
        message="communes straight under the province",
    )
    at = open_as("planner", {"lang": "vi"})
    place = translate("outreach.field.col_place", "vi")
    table = next(d.value for d in at.dataframe if place in d.value.columns)
    assert translate("outreach.col.district_id", "vi") not in table.columns
    assert not table.astype(str).isin(["None", "nan", "—"]).any().any()

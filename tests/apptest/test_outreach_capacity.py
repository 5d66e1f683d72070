"""AppTest: the Outreach planner's enrolment figures are bounded by what its desks can enrol.

The people a desk enrols per day is a setting whose default comes from the demo's recorded
mobile-desk sessions (the page says so); the expected enrolments never exceed desks × days ×
that capacity, per desk-day never the capacity; each plan day has its date in the reader's
calendar; the setting and the start date live in the URL.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from geodata.store.workspace import read_table
from render.i18n import translate
from tests.apptest.helpers import query
from tests.apptest.helpers import run_page as run_app_page

PAGE = "app_pages/outreach.py"


@pytest.fixture(autouse=True)
def exact_plans(monkeypatch):
    """Plans solved to optimality whatever the machine's load."""
    monkeypatch.setattr("ui.outreach.data.PLAN_TIME_LIMIT_S", 120.0)


@pytest.fixture
def files(monkeypatch) -> dict[str, bytes]:
    """Every CSV the runs offer, by file name (made at once or on press)."""
    made: dict[str, bytes] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, **kwargs):
        if isinstance(data, bytes | bytearray) and file_name:
            made[str(file_name)] = bytes(data)
        return add(self, data, mimetype, coordinates, file_name, **kwargs)

    def record_deferred(self, callable_, mimetype, coordinates, file_name=None, **kwargs):
        made[str(file_name)] = callable_()
        return add_deferred(self, callable_, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return made


def csv_table(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")


def count(text: str) -> int:
    return int(text.replace(",", ""))


def demo_desk_median(workspace) -> int:
    """The median enrolled per recorded mobile-desk session, computed here from the table."""
    sessions = read_table(workspace, "outreach")
    desks = sessions[sessions["kind"] == "mobile_desk"]
    return int(pd.to_numeric(desks["enrolled"]).median() + 0.5), len(desks)


def test_demo_capacity_defaults_to_the_sessions_median_and_bounds_every_figure(
    on_demo, demo_workspace, files
):
    cap, n = demo_desk_median(demo_workspace)
    assert (cap, n) == (269, 15)
    at = run_app_page(PAGE)
    assert at.number_input(key="url_cap").value == cap
    source = f"Default: median of {n} recorded mobile-desk sessions = {cap} per desk-day."
    assert source in [c.value for c in at.sidebar.caption]
    figures = {m.label: m.value for m in at.metric}
    enrolled = count(figures["Expected enrolments"])
    within = count(figures["Within range: uninsured people"])
    assert 0 < enrolled <= 3 * 7 * cap < within  # 21 desk-days cannot enrol all within range
    plan = at.dataframe[0].value
    per_desk_day = plan["Expected enrolments"].astype(float)
    assert (per_desk_day <= cap).all()
    assert (plan.assign(e=per_desk_day).groupby("Day")["e"].sum() <= 3 * cap).all()
    assert per_desk_day.sum() == pytest.approx(enrolled)
    assert (per_desk_day <= plan["Newly within range (uninsured people)"].astype(float)).all()
    assert any(f"at most {3 * 7 * cap:,}" in c.value for c in at.caption)
    # the exports: the plan table and the plan's work list, enrolments as whole numbers
    exported = csv_table(files["outreach_desk_plan.csv"])["Expected enrolments"]
    assert exported.dtype.kind == "i" and exported.max() <= cap
    assert exported.sum() == enrolled
    work = csv_table(files["work_list_plan.csv"])
    assert len(work) == 21 and work["Expected enrolments"].max() <= cap
    assert work["Expected enrolments"].sum() == enrolled

    # a lower capacity lowers the bound, and the link keeps it
    at.number_input(key="url_cap").set_value(40).run()
    assert not at.exception
    figures = {m.label: m.value for m in at.metric}
    assert count(figures["Expected enrolments"]) <= 3 * 7 * 40
    assert count(figures["Within range: uninsured people"]) == within  # reach is apart
    assert (at.dataframe[0].value["Expected enrolments"].astype(float) <= 40).all()
    q = query(at)
    assert q["cap"] == "40" and "start" in q
    again = run_app_page(PAGE, q)
    assert again.number_input(key="url_cap").value == 40
    assert {m.label: m.value for m in again.metric} == figures


def test_plan_days_carry_their_dates_in_the_readers_calendar(on_demo):
    at = run_app_page(PAGE, {"start": "2026-09-23", "days": "3", "lang": "fa"})
    plan = at.dataframe[0].value
    day, date = translate("outreach.col.day", "fa"), translate("outreach.col.date", "fa")
    dates = plan.groupby(day)[date].first()
    assert dates.tolist() == ["۱۴۰۵/۰۷/۰۱", "۱۴۰۵/۰۷/۰۲", "۱۴۰۵/۰۷/۰۳"]  # 1–3 Mehr 1405
    assert any("۱۴۰۵/۰۷/۰۱" in c.value and "۱۴۰۵/۰۷/۰۳" in c.value for c in at.sidebar.caption)
    english = run_app_page(PAGE, {"start": "2026-09-23", "days": "3"})
    assert english.dataframe[0].value["Date"].unique().tolist() == [
        "2026-09-23",
        "2026-09-24",
        "2026-09-25",
    ]
    assert query(english)["start"] == "2026-09-23"
    # a start no plan can have is dropped for today, like any bad URL value
    odd = run_app_page(PAGE, {"start": "9999-01-01", "days": "2", "cap": "0"})
    assert odd.date_input(key="url_start").value == dt.date.today()
    assert odd.number_input(key="url_cap").value == 269

"""The desk plan taken to the field: teams, the nearest named place, the plan against the sessions
held (analytics.fieldplan), recording a session (geodata.store.sessions) and the team sheet PDF
(reports.fieldsheet) read back with pdftotext in Persian and Vietnamese."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analytics.fieldplan import (
    assign_teams,
    held_by_day,
    nearest_places,
    plan_against_held,
    team_day_sheet,
)
from analytics.outreach import plan_desks
from geodata.tables.problems import DataError
from render.language import Language
from reports.fieldsheet import Sheet, field_sheet_pdf, field_sheets_pdf
from tests.conftest import require


def _plan(desks: int = 3, days: int = 2) -> pd.DataFrame:
    day = np.repeat(np.arange(1, days + 1), desks)
    return pd.DataFrame(
        {
            "day": day,
            "date": pd.Timestamp("2026-09-23") + pd.to_timedelta(day - 1, unit="D"),
            "desk": np.tile(np.arange(1, desks + 1), days),
            "area_id": [f"A{i}" for i in range(desks * days)],
            "enrolled": np.full(desks * days, 100.0),
        }
    )


def test_teams_share_each_days_desks_and_keep_their_desk_number():
    plan = _plan(desks=3, days=2)
    two = assign_teams(plan, 3, 2)
    assert "team" not in plan  # the input is not modified
    assert two["team"].tolist() == [1, 2, 1, 1, 2, 1]
    # more teams than desks: one team per desk, none idle
    assert assign_teams(plan, 3, 9)["team"].tolist() == [1, 2, 3, 1, 2, 3]
    sheet = team_day_sheet(two, 1, 2)
    assert sheet["desk"].tolist() == [1, 3] and set(sheet["day"]) == {2}
    with pytest.raises(ValueError, match="at least one team"):
        assign_teams(plan, 3, 0)


def test_days_are_dated_from_the_start_and_desks_have_coordinates():
    areas = gpd.GeoDataFrame(
        {"area_id": ["a", "b", "c"], "name": ["A", "B", "C"], "uninsured": [500, 400, 300]},
        geometry=[
            box(51.30, 35.70, 51.31, 35.71),
            box(51.40, 35.70, 51.41, 35.71),
            box(51.50, 35.70, 51.51, 35.71),
        ],
        crs="EPSG:4326",
    )
    plan = plan_desks(areas, 1, 3, 500, start=dt.date(2026, 9, 23), method="exact")
    assert [d.date() for d in plan.plan["date"]] == [
        dt.date(2026, 9, 23),
        dt.date(2026, 9, 24),
        dt.date(2026, 9, 25),
    ]
    assert plan.plan["lat"].between(35.70, 35.71).all()


def test_nearest_named_place_skips_unnamed_places_and_measures_km():
    points = pd.DataFrame({"lon": [51.40, 51.60, np.nan], "lat": [35.70, 35.70, 35.70]})
    places = gpd.GeoDataFrame(
        {"name": ["Near clinic", None, "Far hospital"]},
        geometry=[Point(51.401, 35.70), Point(51.60, 35.70), Point(51.70, 35.70)],
        crs="EPSG:4326",
    )
    names = pd.Series(["بیمارستان نزدیک", None, "Far hospital"], index=places.index)
    found = nearest_places(points, places, names)
    # the unnamed place right on the second point is not a landmark: the far hospital is
    assert found["place"].tolist()[:2] == ["بیمارستان نزدیک", "Far hospital"]
    assert found["place_km"].iloc[0] == pytest.approx(0.09, abs=0.01)
    assert 8 < found["place_km"].iloc[1] < 10
    assert pd.isna(found["place"].iloc[2]) and np.isnan(found["place_km"].iloc[2])


def test_plan_against_held_matches_area_and_day():
    plan = _plan(desks=2, days=2)  # A0, A1 on 23 Sep; A2, A3 on 24 Sep
    sessions = pd.DataFrame(
        {
            "area_id": ["A0", "A0", "A3", "A1", None],
            "date": pd.to_datetime(
                [
                    "2026-09-23 10:00",
                    "2026-09-23 00:00",
                    "2026-09-24 00:00",
                    "2026-09-30 00:00",
                    "2026-09-23 00:00",
                ]
            ),
            "enrolled": [40.0, 15.0, np.nan, 80.0, 10.0],
        }
    )
    compared = plan_against_held(plan, sessions)
    assert compared["held_sessions"].tolist() == [2, 0, 0, 1]
    assert compared["held"].tolist() == [True, False, False, True]
    assert compared["held_enrolled"].iloc[0] == 55.0
    assert np.isnan(compared["held_enrolled"].iloc[3])  # held, but no count given
    per_day = held_by_day(compared)
    assert per_day["planned"].tolist() == [2, 2] and per_day["held"].tolist() == [1, 1]
    assert per_day["expected"].tolist() == [200.0, 200.0]
    assert per_day["enrolled"].iloc[0] == 55.0 and np.isnan(per_day["enrolled"].iloc[1])


@pytest.fixture
def workspace(tmp_path, demo_workspace):
    path = tmp_path / "ws.gpkg"
    shutil.copyfile(demo_workspace, path)
    return path


def test_a_partner_records_only_in_its_own_areas(workspace):
    from geodata.store.sessions import record_session
    from geodata.store.workspace import latest_version, read_workspace

    areas = read_workspace(workspace)["areas"]
    own = areas.loc[areas["partner_id"] == "P2", "area_id"].iloc[0]
    other = areas.loc[areas["partner_id"] == "P1", "area_id"].iloc[0]
    before = latest_version(workspace)
    with pytest.raises(DataError, match="own areas"):
        record_session(
            workspace,
            area_id=other,
            date=dt.date(2026, 9, 23),
            enrolled=5,
            kind="mobile_desk",
            author="crescent",
            partner="P2",
        )
    with pytest.raises(DataError, match="own areas"):  # a partner without an id: no area
        record_session(
            workspace,
            area_id=own,
            date=dt.date(2026, 9, 23),
            enrolled=5,
            kind="mobile_desk",
            author="x",
            partner="",
        )
    assert latest_version(workspace) == before
    number = record_session(
        workspace,
        area_id=own,
        date=dt.date(2026, 9, 23),
        enrolled=37,
        kind="door_to_door",
        author="crescent",
        partner="P2",
        lon=51.4,
        lat=35.7,
        expected_version=before,
    )
    assert number == before + 1
    sessions = read_workspace(workspace)["outreach"]
    new = sessions[sessions["area_id"] == own].iloc[-1]
    assert int(new["enrolled"]) == 37 and new["partner_id"] == "P2"
    assert new["geometry"].x == pytest.approx(51.4)
    with pytest.raises(DataError, match="moved on"):
        record_session(
            workspace,
            area_id=own,
            date=dt.date(2026, 9, 23),
            enrolled=1,
            kind="mobile_desk",
            author="p",
            expected_version=before,
        )


def _sheet(lang: str, team: int = 2) -> Sheet:
    rows = pd.DataFrame(
        {
            "desk": [1, 3],
            "area": ["<b>Nam</b> & Co", "محلهٔ یک"],
            "district": [None, "منطقه ۵"],
            "place": ["Bệnh viện Bạch Mai", None],
            "place_km": [0.4, np.nan],
            "lat": [35.71236, 35.7],
            "lon": [51.412345, 51.5],
            "in_range_new": [1234.0, 1.0],
            "enrolled": [100.0, 1.0],
        }
    )
    sheet = Sheet(
        title="Tehran",
        team=team,
        day=3,
        date=pd.Timestamp("2026-09-25"),
        radius_m=1000.0,
        weight="uninsured",
        rows=rows,
        source_note="Tehran",
    )
    return sheet


def _text(pdf: bytes) -> str:
    """The PDF's text, one space between words, without the bidi controls pdftotext adds."""
    require(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    raw = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(re.sub("[\u202a-\u202e]", "", raw.stdout.decode("utf-8")).split())


def test_team_sheet_pdf_in_persian():
    text = _text(field_sheet_pdf(_sheet("fa"), Language("fa")))
    assert "گروه" in text and "۲" in text  # the team, in Persian digits
    assert "۱۴۰۵/۰۷/۰۳" in text  # 25 September 2026 in the Solar Hijri calendar
    assert "۳۵٫۷۱۲۳۶، ۵۱٫۴۱۲۳۵" in text  # coordinates, Persian digits and separators
    assert "۱٬۲۳۴" in text and "Bệnh viện Bạch Mai" in text and "کیلومتر" in text
    assert "Nam</b> & Co" in text  # a name from the data, escaped: read back as written
    assert "None" not in text and not re.search("[0-9]", text)  # no Latin digit at all


def test_team_sheet_pdf_in_vietnamese():
    text = _text(field_sheet_pdf(_sheet("vi"), Language("vi")))
    assert "Đội 2" in text and "Ngày 3: 25/09/2026" in text
    assert "Bệnh viện Bạch Mai (cách 0,4 km)" in text and "1.234" in text
    assert "35,71236; 51,41235" in text
    assert "None" not in text and "nan" not in text
    assert not re.search(r"\d\.0(?!\d)", text)  # whole numbers written whole ("1.0")


def test_every_team_sheet_is_a_page_of_one_pdf():
    require(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) not installed")
    pdf = field_sheets_pdf([_sheet("vi", 1), _sheet("vi", 2)], Language("vi"))
    raw = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    pages = raw.stdout.decode("utf-8").split("\f")
    assert "Đội 1" in pages[0] and "Đội 2" in pages[1] and not pages[2].strip()

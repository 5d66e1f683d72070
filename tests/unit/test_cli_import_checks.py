"""``python -m geodata import`` never changes what the workspace means behind the user's back (#16):
a Solar Hijri-dated month, a file without a scheme column, rows that would replace existing ones,
more insured than residents and blank counts each end in a row report and a choice the user makes
(``--dates``, ``--scheme``, ``--on-existing``, ``--flagged``), never in a silent change.

The region built by ``write_region`` reports by Solar Hijri months (its counts are dated 1404/01);
the demo workspace reports by Gregorian months."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from geodata_inputs import write_region, write_table

from analytics.coverage import coverage_by_area
from geodata.__main__ import main
from geodata.store.workspace import latest_version, read_workspace, workspace_calendar

pytestmark = pytest.mark.filterwarnings("error")

FARVARDIN = pd.Timestamp("2025-03-21")  # 1 Farvardin 1404: the region's month
ORDIBEHESHT = pd.Timestamp("2025-04-21")  # 1 Ordibehesht 1404
ABAN_1405 = pd.Timestamp("2026-10-23")  # 1 Aban 1405


def _run(argv: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def region(tmp_path: Path, capsys) -> Path:
    """A Solar Hijri workspace: areas 101–104 (44,406 residents in 101), 1,000 insured each in
    Farvardin 1404 under the health scheme."""
    workspace = tmp_path / "ws.gpkg"
    assert _run(["build", write_region(tmp_path / "region"), "--out", workspace], capsys)[0] == 0
    assert workspace_calendar(workspace) == "solar_hijri"
    return workspace


def _insured(workspace: Path) -> pd.DataFrame:
    return read_workspace(workspace)["insured"].sort_values(["area_id", "period"])


def test_solar_hijri_dates_are_read_as_solar_hijri_months(region: Path, tmp_path, capsys):
    rows = [
        {"area": "101", "month": "۱۴۰۵/۰۸/۰۱", "n": "500"},  # 1 Aban 1405: a month
        {"area": "102", "month": "1405/08/15", "n": "600"},  # mid-Aban: not a month's first day
    ]
    source = write_table(rows, tmp_path / "aban.csv")
    argv = ["import", region, source, "--table", "insured", "--map", "n=insured"]
    code, out, _ = _run([*argv, "--scheme", "health"], capsys)
    assert code == 1  # a row was rejected: the report says which, the rest is saved
    assert "Reporting months: solar hijri." in out
    assert "aban.csv" in out and "1405/08/15 (2026-11-06) is not the first day of a Solar " in out
    assert "Hijri month; row rejected" in out
    insured = _insured(region)
    new = insured[insured["period"] > FARVARDIN]
    # 1 Aban 1405 is 23 October 2026, never snapped to 1 October.
    assert new[["area_id", "period", "insured"]].values.tolist() == [["101", ABAN_1405, 500]]
    # Booking each date to the month that contains it is a choice, and each row says so.
    code, out, err = _run([*argv, "--scheme", "health", "--dates", "containing"], capsys)
    assert "booked to the month that contains it, 1405/08 (first day 2026-10-23)" in out
    # 101's Aban row, saved above, would be replaced: that needs a choice too.
    assert "1 rows would replace rows the workspace holds" in out
    assert code == 1 and "--on-existing" in err
    assert latest_version(region) == 2


def test_a_solar_hijri_date_in_a_gregorian_workspace_is_a_row_problem(
    demo_workspace: Path, tmp_path: Path, capsys
):
    workspace = tmp_path / "demo.gpkg"
    shutil.copyfile(demo_workspace, workspace)
    before = _insured(workspace)
    rows = [{"area_id": "A001", "month": "۱۴۰۵/۰۸/۰۱", "insured": "44045", "scheme": "health"}]
    source = write_table(rows, tmp_path / "insured.csv")
    code, out, err = _run(["import", workspace, source, "--table", "insured"], capsys)
    assert "Reporting months: gregorian." in out
    assert "۱۴۰۵/۰۸/۰۱ (2026-10-23) is not the first day of a Gregorian month" in out
    assert "0 to import" in out and code == 1 and "no row can be imported" in err
    pd.testing.assert_frame_equal(_insured(workspace), before)  # October 2026 untouched
    assert latest_version(workspace) == 1


def test_a_file_without_a_scheme_column_needs_the_scheme_named(region: Path, tmp_path, capsys):
    rows = [{"area": "101", "month": "1404/02/01", "n": "700"}]
    source = write_table(rows, tmp_path / "no-scheme.csv")
    argv = ["import", region, source, "--table", "insured", "--map", "n=insured"]
    code, _, err = _run(argv, capsys)
    assert code == 1 and "no scheme column" in err and "--scheme" in err
    assert latest_version(region) == 1
    code, out, _ = _run([*argv, "--scheme", "unspecified"], capsys)
    assert code == 0, out
    assert "Every row is booked to the scheme unspecified (--scheme)." in out
    added = _insured(region).query("period == @ORDIBEHESHT")
    assert added[["area_id", "scheme", "insured"]].values.tolist() == [["101", "unspecified", 700]]


def test_rows_that_would_replace_existing_ones_need_a_choice(region: Path, tmp_path, capsys):
    rows = [
        {"area": "101", "month": "1404/01/01", "n": "2000", "fund": "health"},  # held: 1,000
        {"area": "102", "month": "1404/02/01", "n": "800", "fund": "health"},  # new
    ]
    source = write_table(rows, tmp_path / "again.csv")
    argv = ["import", region, source, "--table", "insured", "--map", "n=insured"]
    code, out, err = _run(argv, capsys)
    assert code == 1 and "--on-existing replace" in err and "Nothing was saved" in err
    assert "1 rows would replace rows the workspace holds (same area_id, period, scheme):" in out
    listed = out.split("(same area_id, period, scheme):")[1].splitlines()[1:]
    assert listed[0].split() == [
        "area_id", "period", "month", "scheme", "insured_now", "insured_file",
    ]  # fmt: skip
    assert listed[1].split() == ["101", "2025-03-21", "1404/01", "health", "1000", "2000"]
    assert latest_version(region) == 1
    assert _run([*argv, "--on-existing", "cancel"], capsys)[0] == 0
    assert latest_version(region) == 1
    code, out, _ = _run([*argv, "--on-existing", "add"], capsys)
    assert code == 0 and "existing rows: add" in out
    insured = _insured(region)
    assert insured.query("area_id == '101'")["insured"].tolist() == [1000]  # kept
    assert insured.query("area_id == '102'")["insured"].tolist() == [1000, 800]  # added
    code, out, _ = _run([*argv, "--on-existing", "replace"], capsys)
    assert code == 0 and "existing rows: replace" in out
    assert _insured(region).query("area_id == '101'")["insured"].tolist() == [2000]


def test_more_insured_than_residents_and_blank_counts_are_reported_and_flagged(
    region: Path, tmp_path, capsys
):
    rows = [
        {
            "area": "101",
            "month": "1404/02/01",
            "n": "99,999",
            "fund": "health",
        },  # 44,406 live there
        {"area": "102", "month": "1404/02/01", "n": "", "fund": "health"},
        {"area": "103", "month": "1404/02/01", "n": "12.5", "fund": "health"},
        {"area": "104", "month": "1404/02/01", "n": "3000", "fund": "health"},
    ]
    source = write_table(rows, tmp_path / "counts.csv")
    argv = ["import", region, source, "--table", "insured", "--map", "n=insured"]
    code, out, err = _run(argv, capsys)
    assert code == 1 and "--flagged keep" in err and "Nothing was saved" in err
    lines = out.splitlines()
    above = next(line for line in lines if "more insured than residents" in line)
    assert above.split()[:4] == ["counts.csv", "2", "n", "99,999"]
    assert "area 101, 1404/02: 99,999 insured (all schemes) / 44,406 residents (225%)" in above
    blank = next(line for line in lines if "insured count is blank" in line)
    assert blank.split()[:3] == ["counts.csv", "3", "n"]
    fractional = next(line for line in lines if "not a whole number; kept as missing" in line)
    assert fractional.split()[:4] == ["counts.csv", "4", "n", "12.5"]
    assert "3 rows have a blank, negative, fractional or implausible count" in out
    assert latest_version(region) == 1
    code, out, _ = _run([*argv, "--flagged", "skip"], capsys)
    assert "flagged rows: skip" in out
    assert _insured(region).query("period == @ORDIBEHESHT")["area_id"].tolist() == ["104"]
    code, out, _ = _run([*argv, "--flagged", "keep", "--on-existing", "replace"], capsys)
    assert "flagged rows: keep" in out
    tables = read_workspace(region)
    per_area = coverage_by_area(tables["areas"], tables["insured"], period=ORDIBEHESHT)
    status = dict(zip(per_area["area_id"], per_area["data_status"], strict=True))
    assert status == {
        "101": "insured_above_population",
        "102": "no_insured",
        "103": "no_insured",
        "104": "ok",
    }
    assert per_area.set_index("area_id").loc["101", "insured"] == 99_999  # kept as counted
    assert per_area["coverage"].notna().tolist() == [False, False, False, True]


def test_person_records_count_in_the_workspaces_months(region: Path, tmp_path, capsys):
    """Enrolment dates of person records are counted into the Solar Hijri month that holds them
    (10 and 11 Aban 1405 are 1 and 2 November 2026: Aban, never November); a file without a
    scheme column needs its scheme named."""
    rows = [
        {"lat": "35.65", "lon": "51.35", "enrolled": "1405/08/10"},
        {"lat": "35.65", "lon": "51.35", "enrolled": "2026-11-02"},
        {"lat": "35.65", "lon": "51.45", "enrolled": "1405/07/30"},  # the last day of Mehr
    ]
    source = write_table(rows, tmp_path / "people.csv")
    argv = ["import", region, source, "--table", "insured_points", "--map", "enrolled=period"]
    code, _, err = _run(argv, capsys)
    assert code == 1 and "--scheme" in err and latest_version(region) == 1
    code, out, _ = _run([*argv, "--scheme", "household"], capsys)
    assert code == 0, out
    counted = _insured(region).query("scheme == 'household'")
    assert counted[["area_id", "period", "insured"]].values.tolist() == [
        ["101", ABAN_1405, 2],
        ["102", pd.Timestamp("2026-09-23"), 1],  # 1 Mehr 1405
    ]

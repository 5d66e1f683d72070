"""AppTest: an import through the Data page never changes what the workspace means behind the
user's back (#16). A Solar Hijri-dated month, a file without a scheme column, rows that would
replace existing ones, more insured than residents and blank counts each end in a row report and
a choice the user makes; nothing is saved before it. Every test works on its own copy of the
demo workspace (Gregorian months; A001 has 34,984 residents and 16,083 insured under the health
scheme in October 2026)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.coverage import coverage_by_area
from geodata.store.workspace import latest_version, read_workspace
from tests.apptest.helpers import run_page

PAGE = "app_pages/data.py"
OCTOBER = pd.Timestamp("2026-10-01")
NOVEMBER = pd.Timestamp("2026-11-01")


@pytest.fixture
def own_workspace(demo_workspace: Path, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "ws.gpkg"
    shutil.copyfile(demo_workspace, path)
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    return path


def upload_insured(csv: str, lang: str | None = None) -> AppTest:
    at = run_page(PAGE, {"lang": lang} if lang else None)
    at.selectbox(key="dm_table").select("insured").run()
    at.get("file_uploader")[0].set_value(("insured.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget(widgets, prefix: str):
    found = [w for w in widgets if w.key and w.key.startswith(prefix)]
    return found[0] if found else None


def report(at: AppTest) -> pd.DataFrame:
    """The validation report (the first table the check shows)."""
    return at.dataframe[0].value


def insured(workspace: Path) -> pd.DataFrame:
    return read_workspace(workspace)["insured"]


def test_a_solar_hijri_dated_month_is_a_row_problem_until_the_user_maps_it(own_workspace: Path):
    before = insured(own_workspace)
    csv = (
        "area_id,month,insured,scheme\nA001,۱۴۰۵/۰۸/۰۱,44045,health\nA002,2026-11-01,3000,health\n"
    )
    at = upload_insured(csv)
    # 1 Aban 1405 is read as Solar Hijri (23 October 2026): not a Gregorian month's first day.
    assert widget(at.radio, "dm_dates_").value == "first_day"
    rows = report(at)
    assert rows.iloc[0]["Row"] == 2 and rows.iloc[0]["Column"] == "month"
    assert rows.iloc[0]["Value"] == "۱۴۰۵/۰۸/۰۱" and rows.iloc[0]["Severity"] == "rejected"
    assert "(2026-10-23) is not the first day of a Gregorian month" in rows.iloc[0]["Problem"]
    assert {m.label: m.value for m in at.metric}["Rows to import"] == "1"
    assert any("Solar Hijri calendar" in i.value for i in at.info)
    # The user books it to the month that contains it: the report shows the mapping, and the
    # October row it would replace (with more insured than residents) asks for two choices.
    widget(at.radio, "dm_dates_").set_value("containing").run()
    rows = report(at)
    mapped = rows[rows["Severity"] == "repaired"].iloc[0]
    assert (
        "booked to the month that contains it, 2026-10 (first day 2026-10-01)"
        in (mapped["Problem"])
    )
    above = rows[rows["Problem"].str.contains("more insured than residents")].iloc[0]
    assert "44,045 insured" not in above["Problem"]  # the area's month: every scheme counts
    assert "for 34,984 residents (166 %)" in above["Problem"] and above["Value"] == "44,045"
    assert any("1 rows would replace rows" in w.value for w in at.warning)
    assert at.button(key="dm_import").disabled
    assert latest_version(own_workspace) == 1
    pd.testing.assert_frame_equal(insured(own_workspace), before)
    widget(at.radio, "dm_on_existing_").set_value("replace").run()
    assert at.button(key="dm_import").disabled  # the flagged row still needs its answer
    widget(at.radio, "dm_flagged_").set_value("keep").run()
    at.button(key="dm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    tables = read_workspace(own_workspace)
    per_area = coverage_by_area(tables["areas"], tables["insured"], period=OCTOBER)
    a001 = per_area.set_index("area_id").loc["A001"]
    assert a001["data_status"] == "insured_above_population" and pd.isna(a001["coverage"])


def test_a_file_without_a_scheme_column_waits_for_the_users_scheme(own_workspace: Path):
    at = upload_insured("area_id,month,insured\nA003,2026-11-01,7000\n")
    assert widget(at.selectbox, "dm_scheme_").value is None
    assert any("Choose the scheme" in w.value for w in at.warning)
    assert not at.metric and "dm_import" not in [b.key for b in at.button]  # no check yet
    widget(at.selectbox, "dm_scheme_").select("unspecified").run()
    assert {m.label: m.value for m in at.metric}["Rows to import"] == "1"
    assert any("booked to the scheme unspecified" in i.value for i in at.info)
    at.button(key="dm_import").click().run()
    new = insured(own_workspace).query("period == @NOVEMBER")
    assert new[["area_id", "scheme", "insured"]].values.tolist() == [["A003", "unspecified", 7000]]


def test_rows_that_would_replace_existing_ones_are_listed_and_need_a_choice(own_workspace: Path):
    csv = (
        "area_id,month,insured,scheme\nA001,2026-10-01,17000,health\nA002,2026-11-01,3000,health\n"
    )
    at = upload_insured(csv)
    assert any("1 rows would replace rows" in w.value for w in at.warning)
    listed = next(d.value for d in at.dataframe if "Insured: Now" in d.value.columns)
    assert listed.to_dict("records") == [
        {
            "Area id": "A001",
            "First day": "2026-10-01",
            "Month": "2026-10",
            "Scheme": "Health insurance",
            "Insured: Now": 16083,
            "Insured: In the file": 17000,
        }
    ]
    assert widget(at.radio, "dm_on_existing_").value is None  # no default that replaces
    assert at.button(key="dm_import").disabled
    widget(at.radio, "dm_on_existing_").set_value("add").run()
    assert at.button(key="dm_import").label.startswith("Import 1 rows")
    at.button(key="dm_import").click().run()
    rows = insured(own_workspace).query("scheme == 'health' and area_id in ['A001', 'A002']")
    assert rows.query("period == @OCTOBER and area_id == 'A001'")["insured"].tolist() == [16083]
    assert rows.query("period == @NOVEMBER")["insured"].tolist() == [3000]
    # The same file again, cancelled: nothing saved, the file picker emptied.
    at = upload_insured(csv)
    widget(at.radio, "dm_on_existing_").set_value("cancel").run()
    assert any("Import cancelled" in i.value for i in at.info)
    assert latest_version(own_workspace) == 2


def test_implausible_and_blank_counts_are_reported_in_the_pages_language(own_workspace: Path):
    csv = (
        "area_id,month,insured,scheme\nA002,2026-11-01,99999,health\nA003,2026-11-01,,health\n"
        "A004,2026-11-01,4000,health\nA001,2026-10-01,16000,health\n"
    )
    at = upload_insured(csv, lang="fa")
    rows = report(at)
    assert list(rows.columns)[:2] == ["پرونده", "ردیف"]
    blank = rows[rows["ردیف"] == 3].iloc[0]
    assert blank["مشکل"].startswith("شمار بیمه‌شدگان خالی است")
    assert blank["شدت"] == "ردشده"
    above = rows[rows["ردیف"] == 2].iloc[0]
    assert above["مشکل"].startswith("محلهٔ A002، ۲۰۲۶-۱۱: ۹۹٬۹۹۹ بیمه‌شده")
    assert "برای ۶٬۱۷۲ ساکن" in above["مشکل"] and "بیمه‌شده بیش از ساکنان" in above["مشکل"]
    quality = " ".join(w.value for w in at.warning)
    assert "۱ شمار خالی" in quality and "۱ ردیف با بیمه‌شدهٔ بیش از جمعیت" in quality
    listed = next(d.value for d in at.dataframe if "بیمه‌شده: کنونی" in d.value.columns)
    assert listed.iloc[0][["شناسهٔ محله", "روز نخست", "ماه"]].tolist() == [
        "A001", "۲۰۲۶-۱۰-۰۱", "۲۰۲۶-۱۰",
    ]  # fmt: skip
    widget(at.radio, "dm_on_existing_").set_value("add").run()
    assert widget(at.radio, "dm_flagged_").value is None and at.button(key="dm_import").disabled
    widget(at.radio, "dm_flagged_").set_value("skip").run()
    at.button(key="dm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    new = insured(own_workspace).query("period == @NOVEMBER")
    assert new["area_id"].tolist() == ["A004"]


def test_location_problems_are_reported_in_vietnamese(own_workspace: Path):
    at = run_page(PAGE, {"lang": "vi"})
    at.selectbox(key="dm_table").select("facilities").run()
    csv = "id,name,type,latitude,longitude\nN1,Trạm,clinic,35.70,51.40\nN2,Không vị trí,clinic,,\n"
    at.get("file_uploader")[0].set_value(("c.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    row = report(at).iloc[0]
    assert (row["Dòng"], row["Vấn đề"], row["Mức độ"]) == (3, "thiếu tọa độ", "bị loại")
    assert row["Cách sửa gợi ý"] == "điền vĩ độ và kinh độ, hoặc bỏ dòng này"


def test_two_dates_booked_to_one_month_are_repeated_rows_not_a_silent_sum(own_workspace: Path):
    csv = "area_id,month,insured,scheme\nA005,2026-11-05,10,health\nA005,2026-11-20,20,health\n"
    at = upload_insured(csv)
    widget(at.radio, "dm_dates_").set_value("containing").run()
    assert any(
        "Insured counts: 2 rows share the same area_id + period + scheme"
        in e.value.replace("\\", "")
        for e in at.error
    ), [e.value for e in at.error]
    listed = at.dataframe[0].value
    assert listed["Problem"].tolist() == ["duplicate area_id/period/scheme"] * 2
    assert latest_version(own_workspace) == 1


def test_a_solar_hijri_workspace_takes_aban_1405_as_a_month(own_workspace: Path):
    from geodata.store.workspace import read_table, save_version, workspace_calendar

    partners = read_table(own_workspace, "partners")
    save_version(own_workspace, {"partners": partners}, message="Solar Hijri months",
                 summary={"calendar": "solar_hijri"})  # fmt: skip
    assert workspace_calendar(own_workspace) == "solar_hijri"
    at = upload_insured("area_id,month,insured,scheme\nA001,۱۴۰۵/۰۸/۰۱,20000,health\n")
    assert widget(at.radio, "dm_dates_") is None  # 1 Aban 1405 is a month's first day
    assert any("reports by Solar Hijri months" in c.value for c in at.caption)
    at.button(key="dm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    new = insured(own_workspace)
    aban = new[new["period"] == pd.Timestamp("2026-10-23")]  # 1 Aban 1405, not 1 October
    assert aban[["area_id", "insured"]].values.tolist() == [["A001", 20000]]

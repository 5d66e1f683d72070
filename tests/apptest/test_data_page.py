"""AppTest: the Data page runs on the demo and Tehran workspaces; an upload goes through mapping,
check and import into a new version; a restore needs its confirmation. Every test that writes works
on its own copy of the demo workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata.store.workspace import list_versions, read_workspace
from geodata.uploads.reading import UPLOAD_SUFFIXES
from render.i18n import available_languages, translate
from tests.apptest.helpers import run_page

PAGE = "app_pages/data.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    return run_page(PAGE, query)


@pytest.fixture
def own_workspace(demo_workspace: Path, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "ws.gpkg"
    shutil.copyfile(demo_workspace, path)
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    return path


def test_data_page_runs_on_demo_in_every_language(demo_workspace, monkeypatch):
    monkeypatch.delenv("COVERAGE_ATLAS_WORKSPACE", raising=False)
    at = open_page()
    assert len(at.tabs) == 3
    assert at.get("file_uploader")
    # The uploader's browser side refuses a file whose suffix is not in its list: it takes every
    # format the importer reads (read, mapped and imported by the functions the page calls:
    # tests/unit/test_imports.py; the browser uploads three: tests/browser/test_data_page.py).
    accepted = {t.lstrip(".").lower() for t in at.get("file_uploader")[0].proto.type}
    wanted = {s.lstrip(".") for s in UPLOAD_SUFFIXES} | {"shp", "shx", "dbf", "prj"}
    assert wanted - accepted == set(), wanted - accepted
    assert {"geojson", "gpkg", "kml", "zip", "csv", "xlsx", "parquet"} <= wanted
    assert at.dataframe  # the versions table
    assert at.title[0].value == "Data"
    assert [t.label for t in at.tabs] == ["Import a table", "Versions", "Backup"]
    for lang in sorted(set(available_languages()) - {"en"}):
        at.query_params["lang"] = lang
        at.run()
        assert not at.exception, (lang, [e.value for e in at.exception])
        assert at.title[0].value == translate("data.title", lang)


@pytest.mark.realdata
def test_data_page_runs_on_tehran(tehran_workspace, monkeypatch):
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(tehran_workspace))
    at = open_page()
    assert not any("Synthetic" in i.value for i in at.info)
    at.selectbox(key="dm_table").select("insured").run()
    assert not at.exception


def test_upload_map_check_import_then_restore(own_workspace: Path):
    at = open_page()
    at.selectbox(key="dm_table").select("facilities").run()
    csv = (
        "id,name,type,latitude,longitude\n"
        "N1,New clinic,درمانگاه,35.70,51.40\n"
        "N2,<img src=x onerror=alert(1)>,Bệnh viện,35.72,51.42\n"
        "N3,No place,clinic,,\n"
    )
    at.get("file_uploader")[0].set_value(("centres.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    chosen = {s.key.rsplit("_", 1)[-1]: s.value for s in at.selectbox if s.key.startswith("dm_map")}
    assert chosen["id"] == "id" and chosen["lat"] == "latitude" and chosen["lon"] == "longitude"
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Rows read"] == "3" and tiles["Rows to import"] == "2"
    report = at.dataframe[0].value
    assert report.iloc[0]["Row"] == 4 and report.iloc[0]["Problem"] == "missing coordinates"
    assert list_versions(own_workspace)[-1].number == 1  # nothing saved before the button
    at.button(key="dm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("imported as version 2" in s.value for s in at.success)
    facilities = read_workspace(own_workspace)["facilities"]
    assert sorted(facilities["facility_id"]) == ["N1", "N2"]
    assert sorted(facilities["type"]) == ["clinic", "hospital"]
    assert "version 2" in at.caption[0].value  # the page shows the new version
    assert at.get("file_uploader")[0].key != "dm_files_0"  # the file picker was emptied
    # Restoring version 1 needs its confirmation, and adds version 3.
    assert at.button(key="dm_restore_go").disabled
    at.checkbox(key="dm_restore_sure").check().run()
    at.button(key="dm_restore_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    versions = list_versions(own_workspace)
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[-1].summary["restored_from"] == 1
    assert len(read_workspace(own_workspace)["facilities"]) > 2
    assert any("restored as version 3" in s.value for s in at.success)


def test_insured_by_name_shows_the_matching_step(own_workspace: Path):
    areas = read_workspace(own_workspace)["areas"]
    names = areas["name"].head(3).tolist()
    rows = [f"{names[0]},2026-10,100", f"{names[1].upper()}  ,2026-10,50", "Nowhere,2026-10,7"]
    csv = "neighbourhood,month,insured\n" + "\n".join(rows) + "\n"
    at = open_page()
    at.selectbox(key="dm_table").select("insured").run()
    at.get("file_uploader")[0].set_value(("insured.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [r.value for r in at.radio if r.key.startswith("dm_area_by")] == ["name"]
    editor = at.get("arrow_data_frame") or at.dataframe
    assert editor
    # The file has no scheme column: the person names it before the check.
    next(s for s in at.selectbox if s.key.startswith("dm_scheme_")).select("health").run()
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Rows to import"] == "2"
    # October's health counts of both areas exist: replacing them is chosen, not assumed.
    next(r for r in at.radio if r.key.startswith("dm_on_existing_")).set_value("replace").run()
    at.button(key="dm_import").click().run()
    insured = read_workspace(own_workspace)["insured"]
    new = insured[insured["period"] == "2026-10-01"]
    assert set(new["area_id"]) >= set(areas["area_id"].head(2))


def test_person_records_are_counted_into_areas(own_workspace: Path):
    areas = read_workspace(own_workspace)["areas"]
    inside = areas.geometry.iloc[:3].representative_point()
    lines = [f"{p.y:.6f},{p.x:.6f},2026-10-05,health" for p in inside]
    lines.append("10.0,10.0,2026-10-05,health")  # far outside every area
    csv = "lat,lon,enrolled,scheme\n" + "\n".join(lines) + "\n"
    at = open_page()
    at.selectbox(key="dm_table").select("insured_points").run()
    at.get("file_uploader")[0].set_value(("people.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    period = next(s for s in at.selectbox if s.key.endswith("_insured_points_period"))
    period.select("enrolled").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("3 counted into areas, 1 outside" in i.value for i in at.info)
    next(r for r in at.radio if r.key.startswith("dm_on_existing_")).set_value("replace").run()
    at.button(key="dm_import").click().run()
    insured = read_workspace(own_workspace)["insured"]
    october = insured[(insured["period"] == "2026-10-01") & (insured["source"] == "points")]
    assert int(october["insured"].sum()) == 3


FACILITIES_CSV = (
    "id,name,type,latitude,longitude\nN1,New clinic,clinic,35.70,51.40\n"
    "N2,Second,hospital,35.72,51.42\n"
)


def test_signed_in_author_downloads_and_demo_reset(own_workspace: Path, tmp_path, monkeypatch):
    from geodata.sources.demo import holds_only_demo_data
    from tests.apptest.helpers import run_as, write_users

    monkeypatch.setenv(
        "COVERAGE_ATLAS_USERS", write_users(tmp_path / "users.toml", {"ana": ("planner", None)})
    )
    at = run_as("ana", PAGE)
    assert any("Synthetic" in i.value for i in at.info)
    at.selectbox(key="dm_table").select("facilities").run()
    at.get("file_uploader")[0].set_value(("c.csv", FACILITIES_CSV.encode(), "text/csv"))
    at.run()
    at.button(key="dm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    versions = list_versions(own_workspace)
    assert versions[-1].number == 2 and versions[-1].author == "Ana"
    # The demo now holds imported rows: no "synthetic" banner any more.
    assert not any("Synthetic" in i.value for i in at.info)
    downloads = {d.key for d in at.get("download_button")}
    assert {"dm_versions_download_csv", "dm_versions_download_xlsx"} <= downloads
    assert {"dm_compare_download_csv", "dm_compare_download_xlsx"} <= downloads
    # Restoring is open to planners; resetting the demo needs its confirmation.
    assert at.button(key="dm_restore_go")
    assert at.button(key="dm_reset_go").disabled
    at.checkbox(key="dm_reset_sure").check().run()
    at.button(key="dm_reset_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    versions = list_versions(own_workspace)
    assert versions[-1].number == 3 and versions[-1].author == "Ana"
    assert holds_only_demo_data(versions)
    assert any("reset (version 3)" in s.value for s in at.success)
    assert any("Synthetic" in i.value for i in at.info)
    assert "N1" not in set(read_workspace(own_workspace)["facilities"]["facility_id"])


def test_report_downloads_and_failures_name_the_file(own_workspace: Path, tmp_path, monkeypatch):
    import tempfile

    from geodata.uploads import workflow as I

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    at = open_page()
    at.selectbox(key="dm_table").select("facilities").run()
    broken = FACILITIES_CSV + "N3,No place,clinic,,\n"
    at.get("file_uploader")[0].set_value(("c.csv", broken.encode(), "text/csv"))
    at.run()
    keys = {d.key for d in at.get("download_button")}
    assert any(k.startswith("dm_report_") and k.endswith("_xlsx") for k in keys), keys
    report = at.dataframe[0].value
    assert report.iloc[0]["Suggested fix"]  # every problem suggests a fix
    # A file no reader can read: a message naming it, and its temporary folder is gone.
    at.get("file_uploader")[0].set_value(("broken.xlsx", b"PK\x03\x04 not a workbook", "x"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value.replace("\\", "") for e in at.error]  # markdown-escaped
    assert any("broken.xlsx" in e for e in shown), shown
    assert not list(tmp_path.glob("ca-upload-*"))

    def crash(*args, **kwargs):
        raise KeyError("wkt")

    monkeypatch.setattr(I, "prepare_import", crash)
    at.get("file_uploader")[0].set_value(("centres.csv", FACILITIES_CSV.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value.replace("\\", "") for e in at.error]
    assert any("centres.csv" in e and "KeyError" in e for e in shown), shown
    assert list_versions(own_workspace)[-1].number == 1


def test_the_preview_map_of_rows_for_the_workspaces_areas_has_the_search_box(own_workspace: Path):
    """The import preview that draws the workspace's areas has the map search box (#20): a
    district typed there is chosen in the link and the preview map is brought to it."""
    areas = read_workspace(own_workspace)["areas"]
    rows = [f"{a},2026-10,100,health" for a in areas["area_id"].head(3)]
    csv = "area_id,month,insured,scheme\n" + "\n".join(rows) + "\n"
    at = open_page({"lang": "fa"})
    at.selectbox(key="dm_table").select("insured").run()
    at.get("file_uploader")[0].set_value(("insured.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="dm_map_find").input("منطقه ۱۰").run()
    at.button(key="dm_map_found_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["area"] in ("district:D10", ["district:D10"])

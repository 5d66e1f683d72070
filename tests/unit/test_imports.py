"""Import of one table from an uploaded file: every format, the proposed mapping (synonyms in
en/fa/vi, HXL), validation report, name matching with a crosswalk reused, atomic saving."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geodata_inputs import (
    ALL_FORMATS,
    AREA_NAMES,
    AREA_NAMES_OTHER_SPELLING,
    FACILITY_POINTS,
    area_frame,
    write_layer,
    write_table,
)
from workspace_backends import Workspace, fail_on_write, leftovers, workspace_state

from geodata.store.workspace import (
    latest_version,
    list_versions,
    read_table,
    read_workspace,
    save_version,
)
from geodata.tables import schema as S
from geodata.tables.problems import DataError
from geodata.tables.validate import conform
from geodata.uploads import workflow as I
from geodata.uploads.checks import REPORT_COLUMNS, validation_report
from geodata.uploads.mapping import mapping_of, missing_targets, propose_mapping, targets_for
from geodata.uploads.matching import looks_like_names, match_names
from geodata.uploads.reading import (
    UPLOAD_SUFFIXES,
    Upload,
    safe_file_name,
    save_upload,
    save_uploads,
)


@pytest.fixture
def workspace(new_workspace: Workspace) -> Workspace:
    """A workspace holding the four test areas (ids 101–104) and nothing else, on GeoPackage and
    on PostGIS (each test that takes it runs on both)."""
    raw = area_frame().rename(columns={"code": "area_id", "Name": "name", "pop": "population"})
    areas, _ = conform(raw, S.AREAS, source="areas")
    path = new_workspace
    save_version(path, {"areas": areas.drop(columns=["_row", "_source"])}, message="start")
    return path


def upload_of(path: Path, **kwargs) -> Upload:
    data = path.read_bytes()
    return I.read_upload(save_upload(data, path.name), name=path.name, **kwargs)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_areas_import_from_every_format(fmt: str, tmp_path: Path, workspace: Path) -> None:
    source = write_layer(area_frame(), tmp_path / "in", fmt, stem="areas")
    if fmt == "shp":  # a Shapefile comes as several files, uploaded together
        parts = sorted(source.parent.glob("areas.*"))
        upload = I.read_upload(save_uploads([(p.name, p.read_bytes()) for p in parts]))
    else:
        upload = upload_of(source)
    mapping = mapping_of(propose_mapping(upload, "areas"))
    assert mapping["area_id"] == "code"
    assert mapping["name"] == "Name"
    assert mapping["population"] == "pop"
    prepared = I.prepare_import(upload, "areas", mapping, read_workspace(workspace))
    assert [p for p in prepared.problems if p.severity == "rejected"] == []
    assert len(prepared.frame) == 4
    number = I.commit_import(workspace, prepared, author="tester")
    areas = read_workspace(workspace)["areas"]
    assert number == 2 and latest_version(workspace) == 2
    assert sorted(areas["area_id"]) == ["101", "102", "103", "104"]
    assert areas["population"].tolist() == [44406, 44406, 44406, 12000]
    assert shapely.area(areas.geometry.to_numpy()).round(4).tolist() == [0.01] * 4


def test_facilities_from_csv_with_lat_lon_and_local_words(tmp_path: Path, workspace: Path) -> None:
    rows = [
        {"کد": f"F{i}", "نام": f"مرکز {i}", "نوع": kind, "عرض جغرافیایی": y, "طول جغرافیایی": x}
        for i, ((x, y), kind) in enumerate(
            zip(FACILITY_POINTS, ["بیمارستان", "درمانگاه", "Bệnh viện", "hospital"], strict=True)
        )
    ]
    rows.append(
        {
            "کد": "F9",
            "نام": "بدون مختصات",
            "نوع": "clinic",
            "عرض جغرافیایی": "",
            "طول جغرافیایی": "",
        }
    )
    source = write_table(rows, tmp_path / "centres.csv")
    upload = upload_of(source)
    mapping = mapping_of(propose_mapping(upload, "facilities"))
    assert mapping == {
        "facility_id": "کد",
        "name": "نام",
        "type": "نوع",
        "lat": "عرض جغرافیایی",
        "lon": "طول جغرافیایی",
    }
    prepared = I.prepare_import(upload, "facilities", mapping, read_workspace(workspace))
    assert prepared.frame["type"].tolist() == ["hospital", "clinic", "hospital", "hospital"]
    report = validation_report(prepared.problems)
    assert report.loc[0, ["file", "row", "column", "problem"]].tolist() == [
        "centres.csv",
        6,
        "عرض جغرافیایی/طول جغرافیایی",
        "missing coordinates",
    ]
    assert list(report.columns) == list(REPORT_COLUMNS)


def test_vietnamese_and_persian_synonyms() -> None:
    frame = pd.DataFrame(
        {"Mã xã": ["1"], "Tên xã": ["A"], "Dân số": ["5"], "vĩ độ": ["1"], "kinh độ": ["2"]}
    )
    upload = Upload(Path("x.csv"), "x.csv", frame)
    mapping = mapping_of(propose_mapping(upload, "areas"))
    assert mapping == {"area_id": "Mã xã", "name": "Tên xã", "population": "Dân số"}
    persian = Upload(Path("x.csv"), "x.csv", pd.DataFrame({"جمعیت": ["1"], "نام محله": ["x"]}))
    assert mapping_of(propose_mapping(persian, "areas")) == {
        "name": "نام محله",
        "population": "جمعیت",
    }


def test_similar_names_are_proposed_and_each_column_only_once() -> None:
    frame = pd.DataFrame({"Populaton": ["1"], "facility id": ["x"], "area_ids": ["a"]})
    proposal = propose_mapping(Upload(Path("x.csv"), "x.csv", frame), "areas")
    assert proposal["population"] == ("Populaton", "similar")
    assert proposal["area_id"] == ("area_ids", "similar")
    used = [c for c, _ in proposal.values() if c]
    assert len(used) == len(set(used))


def test_hxl_hashtags_in_the_second_row(tmp_path: Path) -> None:
    rows = [
        {"A": "#adm3+code", "B": "#adm3+name", "C": "#population", "D": "#geo+lat"},
        {"A": "101", "B": "x", "C": "5", "D": "35.6"},
        {"A": "102", "B": "y", "C": "6", "D": "35.7"},
    ]
    upload = upload_of(write_table(rows, tmp_path / "hxl.csv"))
    assert upload.hxl == {"A": "#adm3+code", "B": "#adm3+name", "C": "#population", "D": "#geo+lat"}
    assert len(upload.frame) == 2
    assert upload.frame["_row"].tolist() == [3, 4]  # rows as the spreadsheet numbers them
    proposal = propose_mapping(upload, "areas")
    assert proposal["area_id"] == ("A", "hxl")
    assert proposal["name"] == ("B", "hxl")
    assert proposal["population"] == ("C", "hxl")
    plain = upload_of(write_table(rows[1:], tmp_path / "plain.csv"))
    assert plain.hxl == {} and len(plain.frame) == 2


def test_unmapped_population_is_kept_from_the_workspace(tmp_path: Path, workspace: Path) -> None:
    source = write_layer(area_frame().drop(columns="pop"), tmp_path / "in", "geojson")
    upload = upload_of(source)
    prepared = I.prepare_import(
        upload, "areas", {"area_id": "code", "name": "Name"}, read_workspace(workspace)
    )
    assert prepared.frame["population"].tolist() == [44406, 44406, 44406, 12000]
    assert any(n.startswith("kept:population") for n in prepared.notes)


def test_required_column_unmapped_is_a_clear_error(tmp_path: Path, workspace: Path) -> None:
    upload = upload_of(write_layer(area_frame(), tmp_path / "in", "geojson"))
    with pytest.raises(DataError, match=r"needs column.*area_id"):
        I.prepare_import(upload, "areas", {"name": "Name"}, read_workspace(workspace))


def test_a_shapefile_without_its_other_parts_is_a_clear_error(tmp_path: Path) -> None:
    source = write_layer(area_frame(), tmp_path / "in", "shp", stem="areas")
    with pytest.raises(DataError, match=r"areas\.shp: a Shapefile needs its \.shx and \.dbf"):
        upload_of(source)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.zip", b"not a zip", "not a valid zip"),
        ("broken.geojson", b"{ nope", "cannot read"),
        ("broken.xlsx", b"PK\x03\x04 broken", "cannot read"),
        ("latin.csv", "نام,x\n".encode("cp1256"), "not UTF-8"),
        ("notes.docx", b"x", "unsupported file type"),
    ],
)
def test_broken_uploads_end_in_a_message_naming_the_file(
    name: str, data: bytes, message: str
) -> None:
    with pytest.raises(DataError, match=message) as caught:
        I.read_upload(save_upload(data, name), name=name)
    assert name in str(caught.value)


def test_upload_names_cannot_escape_the_folder(tmp_path: Path) -> None:
    path = save_upload(b"x", "../../etc/passwd", tmp_path)
    assert path.parent == tmp_path and path.name == "passwd"
    assert safe_file_name("..\\a b.csv") == "a_b.csv"


# --------------------------------------------------------------------------- names


def insured_rows(names) -> list[dict]:
    return [
        {"commune": n, "month": "2025-03", "insured_people": "1,000", "scheme": "health"}
        for n in names
    ]


def test_insured_by_name_exact_after_normalisation(tmp_path: Path, workspace: Path) -> None:
    upload = upload_of(write_table(insured_rows(AREA_NAMES_OTHER_SPELLING), tmp_path / "ins.csv"))
    current = read_workspace(workspace)
    mapping = {
        "area_id": "commune",
        "period": "month",
        "insured": "insured_people",
        "scheme": "scheme",
    }
    assert looks_like_names(upload.frame["commune"], current["areas"])
    matches = match_names(upload.frame["commune"], current["areas"])
    assert set(matches["method"]) == {"exact"} and matches["confirmed"].all()
    prepared = I.prepare_import(
        upload, "insured", mapping, current, area_by="name", matches=matches
    )
    assert sorted(prepared.frame["area_id"]) == ["101", "102", "103", "104"]
    assert prepared.crosswalk is None  # exact matches need no crosswalk


def test_fuzzy_match_confirmed_becomes_a_crosswalk_reused_next_time(
    tmp_path: Path, workspace: Path
) -> None:
    names = ["نازی آباد", "Tajrishh", "Kuye Nasr?", "Nowhere at all"]
    upload = upload_of(write_table(insured_rows(names), tmp_path / "ins.csv"))
    current = I.current_tables(workspace)
    mapping = {
        "area_id": "commune",
        "period": "month",
        "insured": "insured_people",
        "scheme": "scheme",
    }
    matches = match_names(upload.frame["commune"], current["areas"], current["name_crosswalk"])
    by_name = matches.set_index("source_name")
    assert by_name.loc["نازی آباد", "method"] == "exact"
    assert by_name.loc["Tajrishh", "method"] == "fuzzy"
    assert by_name.loc["Tajrishh", "area_id"] == "104"
    assert not by_name.loc["Tajrishh", "confirmed"]
    assert by_name.loc["Nowhere at all", "method"] == "none"
    # Unconfirmed: the fuzzy row is rejected and reported.
    prepared = I.prepare_import(
        upload, "insured", mapping, current, area_by="name", matches=matches
    )
    assert prepared.frame["area_id"].tolist() == ["101"]
    rejected = validation_report(prepared.problems)
    assert set(rejected["value"]) >= {"Tajrishh", "Nowhere at all"}
    assert set(rejected["column"]) == {"commune"}
    # The person confirms Tajrishh and picks area 102 for "Kuye Nasr?" by hand.
    matches.loc[matches["source_name"] == "Tajrishh", "confirmed"] = True
    pick = matches["source_name"] == "Kuye Nasr?"
    matches.loc[pick, ["area_id", "method", "confirmed"]] = ["102", "manual", True]
    prepared = I.prepare_import(
        upload,
        "insured",
        mapping,
        current,
        area_by="name",
        matches=matches,
        crosswalk=current["name_crosswalk"],
        confirmed_by="tester",
    )
    assert sorted(prepared.frame["area_id"]) == ["101", "102", "104"]
    assert sorted(prepared.crosswalk["area_id"]) == ["102", "104"]
    I.commit_import(workspace, prepared)
    stored = read_table(workspace, "name_crosswalk")
    assert sorted(stored["source_name"]) == ["Kuye Nasr?", "Tajrishh"]
    assert set(stored["confirmed_by"]) == {"tester"}
    # Next time the same spellings match through the crosswalk, with nothing to confirm.
    again = match_names(upload.frame["commune"], current["areas"], stored).set_index("source_name")
    assert again.loc["Tajrishh", "method"] == "crosswalk" and again.loc["Tajrishh", "confirmed"]
    assert again.loc["Kuye Nasr?", "area_id"] == "102"
    assert sorted(read_workspace(workspace)["insured"]["area_id"]) == ["101", "102", "104"]


def test_names_shared_by_two_areas_are_ambiguous(workspace: Path) -> None:
    areas = read_workspace(workspace)["areas"].copy()
    areas.loc[1, "name"] = areas.loc[0, "name"]
    matches = match_names(pd.Series([AREA_NAMES[0]]), areas)
    assert matches.loc[0, "method"] == "ambiguous" and not matches.loc[0, "confirmed"]


def test_insured_by_id_reports_unknown_areas(tmp_path: Path, workspace: Path) -> None:
    rows = [{"area": a, "month": "2025-01", "n": "5"} for a in ("101", "102.0", "999")]
    upload = upload_of(write_table(rows, tmp_path / "ins.csv"))
    mapping = mapping_of(propose_mapping(upload, "insured"))
    assert mapping == {"area_id": "area", "period": "month"}
    mapping["insured"] = "n"
    current = read_workspace(workspace)
    assert not looks_like_names(upload.frame["area"], current["areas"])
    prepared = I.prepare_import(upload, "insured", mapping, current, default_scheme="health")
    assert prepared.frame["area_id"].tolist() == ["101", "102"]
    assert prepared.frame["scheme"].tolist() == ["health", "health"]
    [problem] = prepared.problems
    assert (problem.row, problem.column, problem.value) == (4, "area", "999")


def test_update_mode_keeps_other_rows(tmp_path: Path, workspace: Path) -> None:
    current = read_workspace(workspace)
    mapping = {"area_id": "area", "period": "month", "insured": "n"}
    first = [{"area": a, "month": "2025-01", "n": "5"} for a in ("101", "102")]
    upload = upload_of(write_table(first, tmp_path / "a.csv"))
    I.commit_import(
        workspace, I.prepare_import(upload, "insured", mapping, current, default_scheme="health")
    )
    second = [
        {"area": "102", "month": "2025-01", "n": "7"},
        {"area": "103", "month": "2025-01", "n": "1"},
    ]
    upload = upload_of(write_table(second, tmp_path / "b.csv"))
    number = I.commit_import(
        workspace,
        I.prepare_import(upload, "insured", mapping, current, default_scheme="health"),
        mode="update",
        on_existing="replace",
    )
    insured = read_workspace(workspace)["insured"]
    assert dict(zip(insured["area_id"], insured["insured"], strict=True)) == {
        "101": 5,
        "102": 7,
        "103": 1,
    }
    summary = list_versions(workspace)[-1].summary
    assert number == 3
    assert summary["diff"]["insured"] == {"added": 1, "changed": 1, "removed": 0}
    assert summary["import"]["mode"] == "update"


def test_failed_import_leaves_the_workspace_byte_identical(
    tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = upload_of(write_layer(area_frame(), tmp_path / "in", "geojson"))
    mapping = {"area_id": "code", "name": "Name", "population": "pop"}
    prepared = I.prepare_import(upload, "areas", mapping, read_workspace(workspace))
    before = workspace_state(workspace)
    fail_on_write(monkeypatch, workspace, lambda n, layer: layer == "workspace_versions")
    with pytest.raises(OSError, match="disk full"):
        I.commit_import(workspace, prepared)
    assert workspace_state(workspace) == before
    assert leftovers(workspace) == []


def test_duplicate_ids_stop_the_import_and_write_nothing(tmp_path: Path, workspace: Path) -> None:
    frame = area_frame()
    frame.loc[1, "code"] = "101"
    upload = upload_of(write_layer(frame, tmp_path / "in", "geojson"))
    before = workspace_state(workspace)
    with pytest.raises(DataError, match="duplicated") as caught:
        I.prepare_import(
            upload,
            "areas",
            {"area_id": "code", "name": "Name", "population": "pop"},
            read_workspace(workspace),
        )
    assert {p.column for p in caught.value.problems} == {"code"}
    assert workspace_state(workspace) == before


def test_replacing_areas_notes_insured_rows_left_without_an_area(
    tmp_path: Path, workspace: Path
) -> None:
    rows = [{"area": "104", "month": "2025-01", "n": "5"}]
    upload = upload_of(write_table(rows, tmp_path / "a.csv"))
    current = read_workspace(workspace)
    I.commit_import(
        workspace,
        I.prepare_import(
            upload,
            "insured",
            {"area_id": "area", "period": "month", "insured": "n"},
            current,
            default_scheme="health",
        ),
    )
    frame = area_frame().iloc[:3]
    upload = upload_of(write_layer(frame, tmp_path / "in", "geojson"))
    prepared = I.prepare_import(
        upload,
        "areas",
        {"area_id": "code", "name": "Name", "population": "pop"},
        read_workspace(workspace),
    )
    assert "orphans:insured:1" in prepared.notes


def test_merged_table_update_keeps_geometry() -> None:
    old = gpd.GeoDataFrame(
        {"facility_id": ["a", "b"], "name": ["A", "B"], "type": ["clinic", "clinic"]},
        geometry=gpd.points_from_xy([1, 2], [1, 2]),
        crs="EPSG:4326",
    )
    new = old.iloc[[1]].assign(name="B2")
    merged = I.merged_table(old, new, "facilities", "update")
    assert isinstance(merged, gpd.GeoDataFrame)
    assert merged["name"].tolist() == ["A", "B2"]
    assert I.merged_table(old, new, "facilities", "replace")["name"].tolist() == ["B2"]


def _current_areas() -> dict[str, pd.DataFrame]:
    raw = area_frame().rename(columns={"code": "area_id", "Name": "name", "pop": "population"})
    areas, _ = conform(raw, S.AREAS, source="areas")
    return {"areas": areas.drop(columns=["_row", "_source"])}


@pytest.mark.parametrize(("table", "suffix"), [("facilities", "csv"), ("outreach", "xlsx")])
def test_point_tables_take_a_wkt_column(table: str, suffix: str, tmp_path: Path) -> None:
    if table == "facilities":
        rows = [
            {"id": f"W{i}", "name": f"Clinic {i}", "type": "clinic", "geom": f"POINT ({x} {y})"}
            for i, (x, y) in enumerate(FACILITY_POINTS)
        ]
    else:
        rows = [
            {"session": f"S{i}", "day": "2026-10-05", "enrolled": "12", "geom": f"POINT ({x} {y})"}
            for i, (x, y) in enumerate(FACILITY_POINTS)
        ]
    rows[1]["geom"] = "POINT (oops)"
    upload = upload_of(write_table(rows, tmp_path / f"points.{suffix}"))
    assert "wkt" in targets_for(table, upload)
    mapping = mapping_of(propose_mapping(upload, table))
    assert mapping["wkt"] == "geom"
    assert "lat" not in mapping and missing_targets(table, upload, mapping) == []
    prepared = I.prepare_import(upload, table, mapping, _current_areas())
    assert len(prepared.frame) == 3
    assert prepared.frame.geometry.geom_type.unique().tolist() == ["Point"]
    bad = [p for p in prepared.problems if p.problem == "geometry is not valid WKT"]
    assert [(p.row, p.column) for p in bad] == [(3, "geom")] and bad[0].fix


def test_lat_lon_still_required_without_wkt(tmp_path: Path) -> None:
    upload = upload_of(
        write_table([{"id": "1", "name": "a", "type": "clinic"}], tmp_path / "f.csv")
    )
    assert missing_targets("facilities", upload, {"facility_id": "id"}) == [
        "name",
        "type",
        "lat",
        "lon",
    ]


def test_wkt_column_also_mapped_to_another_field_keeps_its_text(tmp_path: Path) -> None:
    rows = [
        {"code": f"A{i}", "geometry": shapely.to_wkt(b, rounding_precision=-1)}
        for i, b in enumerate(area_frame().geometry)
    ]
    upload = upload_of(write_table(rows, tmp_path / "areas.csv"))
    mapping = {"area_id": "code", "wkt": "geometry", "name": "geometry"}
    prepared = I.prepare_import(upload, "areas", mapping, {"areas": _current_areas()["areas"]})
    assert len(prepared.frame) == 4
    assert prepared.frame["name"].str.startswith("POLYGON").all()
    assert prepared.frame.geometry.geom_type.unique().tolist() == ["Polygon"]


def test_geoparquet_suffix_is_accepted_for_upload() -> None:
    assert ".geoparquet" in UPLOAD_SUFFIXES and ".parquet" in UPLOAD_SUFFIXES

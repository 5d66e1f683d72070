"""Readers for every supported format (geodata/sources/readers.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geodata_inputs import (
    ALL_FORMATS,
    AREA_NAMES,
    FACILITY_POINTS,
    area_frame,
    write_layer,
    write_table,
)

from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN, read_source
from geodata.tables.problems import DataError

pytestmark = pytest.mark.filterwarnings("error")


def _read_args(fmt: str) -> dict:
    return {"wkt": "wkt", "crs": "EPSG:4326"} if fmt.endswith("-wkt") else {}


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_read_every_format(tmp_path: Path, fmt: str) -> None:
    path = write_layer(area_frame(), tmp_path, fmt, stem="areas")
    frame, problems = read_source(path.name, tmp_path, **_read_args(fmt))
    assert problems == []
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.equals("EPSG:4326")
    assert frame["code"].astype(str).tolist() == ["101", "102", "103", "104"]
    assert frame["pop"].tolist() == ["44,406", "۴۴۴۰۶", "٤٤٬٤٠٦", "12000"]  # raw text, parsed later
    assert frame[SOURCE_COLUMN].unique().tolist() == [path.name]
    # Rows as a person counts them: the spreadsheet row (header = 1) or the feature number.
    first = 2 if fmt.endswith("-wkt") else 1
    assert frame[ROW_COLUMN].tolist() == list(range(first, first + 4))
    assert frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    expected = area_frame().geometry
    areas = shapely.area(frame.geometry.to_numpy())
    np.testing.assert_allclose(areas, shapely.area(expected.to_numpy()), rtol=1e-6)
    if fmt != "kml":  # KML keeps the name in its own Name field
        assert frame["Name"].tolist() == list(AREA_NAMES)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "shp.zip"])
def test_projected_crs_is_kept_not_reprojected(tmp_path: Path, fmt: str) -> None:
    utm = area_frame().to_crs("EPSG:32639")
    path = write_layer(utm, tmp_path, fmt, stem="utm")
    frame, _ = read_source(path.name, tmp_path)
    assert frame.crs.to_epsg() == 32639
    assert frame.total_bounds[0] > 1000  # metres, not degrees


def test_shapefile_without_prj_is_an_error(tmp_path: Path) -> None:
    path = write_layer(area_frame().to_crs("EPSG:32639"), tmp_path, "shp", stem="noprj")
    path.with_suffix(".prj").unlink()
    with pytest.raises(DataError, match=r"noprj\.shp.*no coordinate reference system") as info:
        read_source(path.name, tmp_path)
    assert "crs =" in str(info.value)  # says how to fix it


def test_shapefile_without_prj_reads_with_named_crs(tmp_path: Path) -> None:
    path = write_layer(area_frame().to_crs("EPSG:32639"), tmp_path, "shp", stem="noprj")
    path.with_suffix(".prj").unlink()
    frame, _ = read_source(path.name, tmp_path, crs="EPSG:32639")
    assert frame.crs.to_epsg() == 32639


def test_wkt_without_crs_is_an_error(tmp_path: Path) -> None:
    path = write_layer(area_frame(), tmp_path, "csv-wkt", stem="areas")
    with pytest.raises(DataError, match=r"areas\.csv.*'wkt'.*CRS"):
        read_source(path.name, tmp_path, wkt="wkt")


def test_bad_crs_name_is_an_error(tmp_path: Path) -> None:
    path = write_layer(area_frame(), tmp_path, "csv-wkt", stem="areas")
    with pytest.raises(DataError, match="not a coordinate reference system"):
        read_source(path.name, tmp_path, wkt="wkt", crs="EPSG:not-a-code")


def _facility_rows(lat: str = "latitude", lon: str = "longitude") -> list[dict]:
    return [
        {"id": f"F{i}", "name": f"Clinic {i}", lat: str(y), lon: str(x)}
        for i, (x, y) in enumerate(FACILITY_POINTS, start=1)
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_lat_lon_table(tmp_path: Path, suffix: str) -> None:
    rows = _facility_rows()
    rows[1]["latitude"] = "۳۵٫۶۵"  # Persian digits and decimal separator
    path = write_table(rows, tmp_path / f"facilities{suffix}")
    frame, problems = read_source(path.name, tmp_path, lat="latitude", lon="longitude")
    assert problems == []
    assert frame.crs.equals("EPSG:4326")
    np.testing.assert_allclose(frame.geometry.x, [p[0] for p in FACILITY_POINTS])
    np.testing.assert_allclose(frame.geometry.y, [p[1] for p in FACILITY_POINTS])
    assert frame[ROW_COLUMN].tolist() == [2, 3, 4, 5]


def test_lat_lon_rows_that_cannot_be_read_are_reported(tmp_path: Path) -> None:
    rows = _facility_rows()
    rows[0]["latitude"] = "north"
    rows[1]["longitude"] = ""
    rows[2]["latitude"] = "135.7"
    path = write_table(rows, tmp_path / "facilities.csv")
    frame, problems = read_source(path.name, tmp_path, lat="latitude", lon="longitude")
    assert frame["id"].tolist() == ["F4"]
    assert [(p.file, p.row, p.column, p.severity) for p in problems] == [
        ("facilities.csv", 2, "latitude/longitude", "rejected"),
        ("facilities.csv", 3, "latitude/longitude", "rejected"),
        ("facilities.csv", 4, "latitude/longitude", "rejected"),
    ]
    assert "not numbers" in problems[0].problem
    assert "missing" in problems[1].problem
    assert "outside" in problems[2].problem


def test_lat_lon_swapped_beyond_90_stops(tmp_path: Path) -> None:
    # Hồ Chí Minh City: longitude 106.7 cannot be a latitude.
    rows = [
        {"id": str(i), "lat": str(106.70 + i / 100), "lon": str(10.77 + i / 100)} for i in range(4)
    ]
    path = write_table(rows, tmp_path / "clinics.csv")
    with pytest.raises(DataError, match="swapped") as info:
        read_source(path.name, tmp_path, lat="lat", lon="lon")
    assert "clinics.csv" in str(info.value) and "lat = 'lat'" in str(info.value)
    ok, _ = read_source(path.name, tmp_path, lat="lon", lon="lat")
    assert ok.geometry.x.min() > 100


def test_lat_lon_column_not_in_file(tmp_path: Path) -> None:
    path = write_table(_facility_rows(), tmp_path / "facilities.csv")
    with pytest.raises(DataError, match=r"facilities\.csv: no column 'lat'"):
        read_source(path.name, tmp_path, lat="lat", lon="longitude")


def test_csv_keeps_identifiers_as_text(tmp_path: Path) -> None:
    path = write_table([{"code": "007", "n": "1"}, {"code": "010", "n": "2"}], tmp_path / "t.csv")
    frame, _ = read_source(path.name, tmp_path)
    assert not isinstance(frame, gpd.GeoDataFrame)
    assert frame["code"].tolist() == ["007", "010"]


def test_csv_encoding(tmp_path: Path) -> None:
    path = tmp_path / "cp1256.csv"
    path.write_bytes("code,name\n1,كوي نصر\n".encode("cp1256"))  # cp1256 has Arabic ي/ك only
    with pytest.raises(DataError, match=r"cp1256\.csv: the text is not UTF-8.*encoding"):
        read_source(path.name, tmp_path)
    frame, _ = read_source(path.name, tmp_path, encoding="cp1256")
    assert frame["name"].tolist() == ["كوي نصر"]


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    path = write_table([{"a": "1"}], tmp_path / "book.xlsx")
    with pytest.raises(DataError, match=r"book\.xlsx: cannot read"):
        read_source(path.name, tmp_path, sheet="nope")
    frame, _ = read_source(path.name, tmp_path, sheet="data")
    assert frame["a"].tolist() == ["1"]


def test_glob_reads_many_files_as_one(tmp_path: Path) -> None:
    areas = area_frame()
    write_layer(areas.iloc[:2], tmp_path / "wards", "geojson", stem="north")
    write_layer(areas.iloc[2:], tmp_path / "wards", "geojson", stem="south")
    frame, _ = read_source("wards/*.geojson", tmp_path)
    assert sorted(frame["code"]) == ["101", "102", "103", "104"]
    assert set(frame[SOURCE_COLUMN]) == {"north.geojson", "south.geojson"}


def test_glob_with_different_crs_is_an_error(tmp_path: Path) -> None:
    areas = area_frame()
    write_layer(areas.iloc[:2], tmp_path / "wards", "geojson", stem="a")
    write_layer(areas.iloc[2:].to_crs("EPSG:32639"), tmp_path / "wards", "gpkg", stem="b")
    with pytest.raises(DataError, match="different CRSs"):
        read_source("wards/*", tmp_path)


@pytest.mark.parametrize("pattern", ["missing.geojson", "nowhere/*.shp"])
def test_missing_file(tmp_path: Path, pattern: str) -> None:
    with pytest.raises(DataError, match=r"(File not found|No file matches)"):
        read_source(pattern, tmp_path)


def test_unsupported_suffix(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_text("x")
    with pytest.raises(DataError, match=r"unsupported file type '\.docx'"):
        read_source("notes.docx", tmp_path)


def test_broken_vector_file(tmp_path: Path) -> None:
    (tmp_path / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(DataError, match=r"broken\.geojson: cannot read"):
        read_source("broken.geojson", tmp_path)


def test_zip_with_two_datasets_is_an_error(tmp_path: Path) -> None:
    a = write_layer(area_frame(), tmp_path / "parts", "geojson", stem="a")
    b = write_layer(area_frame(), tmp_path / "parts", "geojson", stem="b")
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.write(a, "a.geojson")
        archive.write(b, "b.geojson")
    with pytest.raises(DataError, match="expected one dataset"):
        read_source("two.zip", tmp_path)


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(DataError, match="not a valid zip"):
        read_source("fake.zip", tmp_path)


def test_filter_compares_normalised_names(tmp_path: Path) -> None:
    rows = [
        {"id": "1", "province": "استان تهران"},
        {"id": "2", "province": "استان تهران"},  # Arabic letters elsewhere are fine too
        {"id": "3", "province": "استان قم"},
    ]
    rows[1]["province"] = "استان\u200cتهران"
    path = write_table(rows, tmp_path / "t.csv")
    frame, _ = read_source(path.name, tmp_path, keep={"province": "استان تهران"})
    assert frame["id"].tolist() == ["1", "2"]
    assert frame.attrs["filtered"] == 1
    with pytest.raises(DataError, match="filter column 'region'"):
        read_source(path.name, tmp_path, keep={"region": "x"})

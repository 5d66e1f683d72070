"""Insured person/household records with a location: counted per area, month and scheme by a
chunked STRtree point-in-polygon join that agrees with geopandas.sjoin; points outside reported."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geodata_inputs import AREA_BOXES, write_table

from geodata.persons.points import count_points_in_areas
from geodata.store.workspace import list_versions, read_workspace, save_version
from geodata.tables import schema as S
from geodata.tables.problems import DataError
from geodata.tables.validate import conform
from geodata.uploads import workflow as I
from geodata.uploads.mapping import POINTS_TABLE, mapping_of, propose_mapping
from geodata.uploads.reading import save_upload


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_id": ["101", "102", "103", "104"]}, geometry=list(AREA_BOXES), crs="EPSG:4326"
    )


def random_records(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "lat": rng.uniform(35.55, 35.85, n).round(6),  # some outside the boxes (35.6–35.8)
            "lon": rng.uniform(51.25, 51.55, n).round(6),
            "enrolled": rng.choice(["2025-01-15", "2025-02-03", "1404/01/10"], n),
            "fund": rng.choice(["health", "Social_Security", "voluntary"], n),
        }
    )


def expected_with_sjoin(records: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    points = gpd.GeoDataFrame(
        records, geometry=gpd.points_from_xy(records["lon"], records["lat"]), crs="EPSG:4326"
    )
    joined = gpd.sjoin(points, areas, how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    period = (
        pd.to_datetime(joined["enrolled"].replace({"1404/01/10": "2025-03-30"}))
        .dt.to_period("M")
        .dt.to_timestamp()
    )
    scheme = joined["fund"].str.casefold()
    out = (
        pd.DataFrame({"area_id": joined["area_id"], "period": period, "scheme": scheme})
        .groupby(["area_id", "period", "scheme"], as_index=False)
        .size()
        .rename(columns={"size": "insured"})
    )
    return out


@pytest.mark.parametrize("chunk_rows", [7, 1000])
def test_counts_equal_geopandas_sjoin(tmp_path: Path, areas, chunk_rows: int) -> None:
    records = random_records(400)
    source = tmp_path / "people.csv"
    records.to_csv(source, index=False)
    seen: list[int] = []
    result = count_points_in_areas(
        source,
        areas,
        lat="lat",
        lon="lon",
        date="enrolled",
        scheme="fund",
        chunk_rows=chunk_rows,
        progress=seen.append,
    )
    expected = expected_with_sjoin(records, areas)
    got = result.counts[["area_id", "period", "scheme", "insured"]]
    pd.testing.assert_frame_equal(
        got.astype({"insured": "int64"}).reset_index(drop=True),
        expected.astype({"insured": "int64"})
        .sort_values(["area_id", "period", "scheme"])
        .reset_index(drop=True),
        check_dtype=False,
    )
    assert result.read == 400 == seen[-1]
    assert result.counted == int(expected["insured"].sum())
    assert result.outside == 400 - result.counted > 0
    assert len(seen) == (1 if chunk_rows == 1000 else -(-400 // chunk_rows))
    outside = [p for p in result.problems if "no area" in p.problem]
    assert len(outside) == result.outside
    first = outside[0]
    lat, lon = records.iloc[first.row - 2][["lat", "lon"]]
    assert not areas.geometry.contains(gpd.points_from_xy([lon], [lat])[0]).any()


def test_geoparquet_records_in_a_projected_crs(tmp_path: Path, areas) -> None:
    records = random_records(200, seed=3)
    points = gpd.GeoDataFrame(
        records.drop(columns=["lat", "lon"]),
        geometry=gpd.points_from_xy(records["lon"], records["lat"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:32639")
    source = tmp_path / "people.parquet"
    points.to_parquet(source)
    result = count_points_in_areas(source, areas, date="enrolled", chunk_rows=50)
    expected = expected_with_sjoin(records, areas)
    assert result.counted == int(expected["insured"].sum())
    assert set(result.counts["scheme"]) == {"household"}
    per_area = result.counts.groupby("area_id")["insured"].sum()
    assert per_area.to_dict() == expected.groupby("area_id")["insured"].sum().to_dict()


def test_bad_rows_are_reported_not_counted(tmp_path: Path, areas) -> None:
    rows = [
        {"y": "35.65", "x": "51.35", "d": "2025-01-01"},
        {"y": "۳۵٫۶۵", "x": "۵۱٫۳۵", "d": "2025-01-02"},  # Persian digits: fine
        {"y": "", "x": "51.35", "d": "2025-01-01"},
        {"y": "north", "x": "51.35", "d": "2025-01-01"},
        {"y": "0", "x": "0", "d": "2025-01-01"},
        {"y": "35.65", "x": "51.35", "d": "yesterday"},
    ]
    source = write_table(rows, tmp_path / "r.csv")
    result = count_points_in_areas(source, areas, lat="y", lon="x", date="d")
    assert result.counted == 2 and result.rejected == 4 and result.outside == 1 - 1
    rows_reported = sorted((p.row, p.problem.split(";")[0]) for p in result.problems)
    assert rows_reported == [
        (4, "missing coordinates"),
        (5, "coordinates are not numbers"),
        (6, "coordinates are 0, 0 (a missing location)"),
        (7, "not a date"),
    ]
    assert result.counts["insured"].tolist() == [2]


def test_rows_with_too_many_or_too_few_values_are_rejected_with_their_line(
    tmp_path: Path, areas
) -> None:
    source = tmp_path / "ragged.csv"
    source.write_text(
        "\ufeff lat , lon ,when\n"  # a BOM and spaces around the names
        "35.65, 51.35,2025-01-01\n"
        "35.65,51.35,2025-01-01,extra\n"
        "35.65,51.35\n"
        "35.65,51.35,2025-02-01\n",
        encoding="utf-8",
    )
    result = count_points_in_areas(source, areas, lat="lat", lon="lon", date="when")
    assert (result.read, result.counted, result.rejected) == (4, 2, 2)
    assert sorted((p.row, p.problem) for p in result.problems) == [
        (3, "the row has 4 values where the header names 3; not counted"),
        (4, "the row has 2 values where the header names 3; not counted"),
    ]
    assert result.counts["insured"].tolist() == [1, 1]


@pytest.mark.parametrize("chunk_rows", [3, 1000])
def test_arrow_and_pandas_readers_agree(tmp_path: Path, areas, chunk_rows, monkeypatch) -> None:
    import geodata.persons.points as points

    records = random_records(300, seed=7).astype(str)
    records.loc[::17, "lat"] = ""  # missing
    records.loc[::23, "lon"] = "۵۱٫۳۵"  # Persian digits: the slow number path
    records.loc[::29, "enrolled"] = "not a date"
    records.loc[::31, "fund"] = "  health"
    source = tmp_path / "people.csv"
    records.to_csv(source, index=False, encoding="utf-8-sig")

    def count():
        return count_points_in_areas(
            source,
            areas,
            lat="lat",
            lon="lon",
            date="enrolled",
            scheme="fund",
            chunk_rows=chunk_rows,
        )

    arrow = count()
    monkeypatch.setattr(points, "_arrow_readable", lambda *_: False)
    plain = count()
    pd.testing.assert_frame_equal(arrow.counts, plain.counts)
    assert (arrow.read, arrow.counted, arrow.outside, arrow.rejected) == (
        plain.read,
        plain.counted,
        plain.outside,
        plain.rejected,
    )
    assert [(p.row, p.problem) for p in arrow.problems] == [
        (p.row, p.problem) for p in plain.problems
    ]


def test_missing_column_is_a_clear_error(tmp_path: Path, areas) -> None:
    source = write_table([{"y": "1", "x": "2"}], tmp_path / "r.csv")
    with pytest.raises(DataError, match=r"r\.csv: no column"):
        count_points_in_areas(source, areas, lat="y", lon="x", date="when")


def test_points_import_stores_counts_never_records(tmp_path: Path, areas) -> None:
    workspace = tmp_path / "ws.gpkg"
    typed, _ = conform(areas.assign(name=["a", "b", "c", "d"], population=100), S.AREAS, source="a")
    save_version(workspace, {"areas": typed.drop(columns=["_row", "_source"])}, message="start")
    records = random_records(300, seed=5).rename(columns={"lat": "Latitude", "lon": "Longitude"})
    source = tmp_path / "households.csv"
    records.to_csv(source, index=False)
    upload = I.read_upload(save_upload(source.read_bytes(), source.name))
    mapping = mapping_of(propose_mapping(upload, POINTS_TABLE))
    assert mapping == {"lat": "Latitude", "lon": "Longitude", "scheme": "fund"}
    mapping["period"] = "enrolled"
    prepared = I.prepare_import(upload, POINTS_TABLE, mapping, read_workspace(workspace))
    assert prepared.table == "insured"
    assert prepared.points.outside > 0
    assert {p.column for p in prepared.problems} == {"Latitude/Longitude"}
    I.commit_import(workspace, prepared)
    insured = read_workspace(workspace)["insured"]
    assert int(insured["insured"].sum()) == prepared.points.counted
    assert set(insured["source"]) == {"points"}
    summary = list_versions(workspace)[-1].summary["import"]
    assert summary["points_outside"] == prepared.points.outside
    # No layer of the workspace holds a coordinate of a record.
    import pyogrio

    layers = [name for name, _ in pyogrio.list_layers(workspace)]
    assert not any("point" in name for name in layers)
    for name in layers:
        frame = pyogrio.read_dataframe(workspace, layer=name, read_geometry=False)
        assert "Latitude" not in frame.columns and len(frame) < 300


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_large_record_files_are_sampled_for_mapping(tmp_path: Path, suffix: str) -> None:
    records = random_records(250, seed=9)
    source = tmp_path / f"people.{suffix}"
    if suffix == "csv":
        records.to_csv(source, index=False)
    else:
        gpd.GeoDataFrame(
            records.drop(columns=["lat", "lon"]),
            geometry=gpd.points_from_xy(records["lon"], records["lat"]),
            crs="EPSG:4326",
        ).to_parquet(source)
    upload = I.read_upload(source, sample_rows=100)
    assert upload.sampled and len(upload.frame) == 100
    assert upload.frame["_row"].iloc[0] == (2 if suffix == "csv" else 1)
    targets = mapping_of(propose_mapping(upload, POINTS_TABLE))
    assert targets["scheme"] == "fund"
    whole = I.read_upload(source, sample_rows=1000)
    assert not whole.sampled and len(whole.frame) == 250
    if suffix == "parquet":
        assert whole.has_geometry and whole.frame.crs.to_epsg() == 4326


def test_points_on_borders_follow_sjoin_within(tmp_path: Path, areas) -> None:
    """Border rule: a record on an area's boundary (a shared border, a corner, the outer edge) is
    in no area, as with ``geopandas.sjoin(predicate="within")``, and is reported as outside."""
    lons = [51.35, 51.4, 51.4, 51.3, 51.45, 51.4, 51.5]
    lats = [35.65, 35.65, 35.7, 35.65, 35.7, 35.75, 35.8]
    records = pd.DataFrame(
        {
            "lat": lats,
            "lon": lons,
            "enrolled": "2025-01-15",
            "fund": "health",
        }
    )
    source = tmp_path / "border.csv"
    records.to_csv(source, index=False)
    result = count_points_in_areas(
        source, areas, lat="lat", lon="lon", date="enrolled", scheme="fund"
    )
    expected = expected_with_sjoin(records, areas)
    assert result.counts[["area_id", "insured"]].astype({"insured": "int64"}).to_dict(
        "records"
    ) == expected[["area_id", "insured"]].to_dict("records")
    assert result.counted == 1 and result.outside == 6

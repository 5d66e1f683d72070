"""Identical counts from the single-machine path (chunked), the grid locator on plain arrays, a
plain geopandas.sjoin, and the dask-geopandas path (synchronous scheduler and a local cluster)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.persons.assign import AreaLocator
from geodata.persons.points import count_points_in_areas
from geodata.tables.problems import DataError

pytest.importorskip("dask_geopandas")
from geodata.persons.distributed import count_points_distributed, main  # noqa: E402


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    """A 4 x 3 grid of boxes sharing borders (points on them are in no area), one with a hole."""
    boxes = [
        shapely.box(51.3 + 0.05 * i, 35.6 + 0.05 * j, 51.35 + 0.05 * i, 35.65 + 0.05 * j)
        for j in range(3)
        for i in range(4)
    ]
    boxes[5] = boxes[5].difference(shapely.box(51.36, 35.66, 51.39, 35.69))
    return gpd.GeoDataFrame(
        {"area_id": [f"A{i:02d}" for i in range(12)]}, geometry=boxes, crs="EPSG:4326"
    )


def records(n: int = 3000, seed: int = 8) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(51.28, 51.52, n).round(3)  # rounded: many fall on the shared borders
    lat = rng.uniform(35.58, 35.77, n).round(3)
    frame = gpd.GeoDataFrame(
        {
            "enrolled": rng.choice(["2025-01-15", "2025-02-03", "2025-03-30", ""], n),
            "fund": rng.choice(["health", "Social_Security", "voluntary", None], n),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    frame.loc[::97, "geometry"] = None
    return frame


def write_partitioned(frame: gpd.GeoDataFrame, folder: Path, parts: int) -> Path:
    folder.mkdir()
    for k, piece in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[piece].to_parquet(folder / f"part-{k:03d}.parquet")
    return folder


def comparable(counts: pd.DataFrame) -> pd.DataFrame:
    return counts.astype({"insured": "int64"}).reset_index(drop=True)


@pytest.fixture
def single(tmp_path: Path, areas):
    people = records().to_crs("EPSG:32639")  # a projected CRS: both paths transform it
    path = tmp_path / "people.parquet"
    people.to_parquet(path, row_group_size=500)
    result = count_points_in_areas(path, areas, date="enrolled", scheme="fund", chunk_rows=700)
    return people, path, result


def test_single_machine_chunked_matches_sjoin_and_locator(single, areas) -> None:
    people, _, result = single
    wgs = people.to_crs("EPSG:4326")
    dated = wgs[wgs["enrolled"] != ""]
    joined = gpd.sjoin(dated, areas, how="inner", predicate="within")
    assert result.counted == len(joined)
    per_area = result.counts.groupby("area_id")["insured"].sum().astype(int).to_dict()
    assert per_area == joined["area_id"].value_counts().sort_index().to_dict()
    xy = shapely.get_coordinates(dated.geometry)
    ok = ~dated.geometry.isna().to_numpy()
    counts, _ = AreaLocator(areas.geometry.to_numpy()).count(xy[:, 0], xy[:, 1])
    assert ok.sum() == len(xy)
    assert dict(zip(areas["area_id"], counts.tolist(), strict=True)) == {
        a: per_area.get(a, 0) for a in areas["area_id"]
    }
    assert result.outside > 0 and result.rejected > 0


def test_dask_synchronous_matches_single_machine(tmp_path: Path, single, areas) -> None:
    people, one_file, expected = single
    folder = write_partitioned(people, tmp_path / "parts", 4)
    for source in (folder, one_file):
        got = count_points_distributed(
            source, areas, date="enrolled", scheme="fund", scheduler="synchronous"
        )
        pd.testing.assert_frame_equal(comparable(got.counts), comparable(expected.counts))
        assert (got.read, got.counted, got.outside, got.rejected) == (
            expected.read,
            expected.counted,
            expected.outside,
            expected.rejected,
        )


def test_dask_local_cluster_two_workers_matches(tmp_path: Path, single, areas) -> None:
    people, _, expected = single
    folder = write_partitioned(people, tmp_path / "parts", 3)
    got = count_points_distributed(
        folder, areas, date="enrolled", scheme="fund", workers=2, processes=False
    )
    pd.testing.assert_frame_equal(comparable(got.counts), comparable(expected.counts))
    assert got.counted == expected.counted and got.outside == expected.outside


def test_command_line_and_errors(tmp_path: Path, single, areas, capsys) -> None:
    _people, one_file, expected = single
    areas_file = tmp_path / "areas.parquet"
    areas.to_parquet(areas_file)
    out = tmp_path / "counts.csv"
    code = main(
        [
            str(one_file),
            "--areas",
            str(areas_file),
            "--date",
            "enrolled",
            "--scheme",
            "fund",
            "--scheduler",
            "synchronous",
            "--out",
            str(out),
        ]
    )
    assert code == 0 and f"{expected.counted:,} counted" in capsys.readouterr().out
    written = pd.read_csv(out)
    assert int(written["insured"].sum()) == expected.counted
    with pytest.raises(DataError, match="no column"):
        count_points_distributed(one_file, areas, date="when", scheduler="synchronous")

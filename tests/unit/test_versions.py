"""Versions: what changed per table (by key), comparing two versions, restoring one as a new
version, and backups (GeoPackage, zip of GeoJSON + CSV) that read back to the same tables.

Tests that take ``workspace`` run twice: on a GeoPackage file and on PostGIS."""

from __future__ import annotations

import os
import random
import signal
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from workspace_backends import Workspace, leftovers, workspace_state

from geodata.store.backup import backup_bytes, export_backup, read_backup
from geodata.store.diff import diff_rows, summarise_change
from geodata.store.versions import compare_versions, describe_changes, version_table
from geodata.store.workspace import (
    list_versions,
    read_table,
    read_workspace,
    restore_version,
    save_version,
)


def areas(ids, population, names=None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_id": list(ids),
            "name": names or [f"Area {i}" for i in ids],
            "population": pd.array(population, dtype="Int64"),
            "underserved": pd.array([True] * len(ids), dtype="boolean"),
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(len(ids))],
        crs="EPSG:4326",
    )


def insured(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_id": [r[0] for r in rows],
            "period": pd.to_datetime([r[1] for r in rows]).astype("datetime64[ns]"),
            "scheme": "health",
            "insured": pd.array([r[2] for r in rows], dtype="Int64"),
        }
    )


@pytest.fixture
def workspace(new_workspace: Workspace) -> Workspace:
    path = new_workspace
    save_version(path, {"areas": areas("abc", [10, 20, None])}, message="v1")
    save_version(
        path,
        {
            "areas": areas("abd", [10, 25, 5]),  # b changed, c removed, d added
            "insured": insured([("a", "2025-01-01", 3), ("b", "2025-01-01", 4)]),
        },
        message="v2",
    )
    return path


def test_diff_rows_by_key() -> None:
    old, new = areas("abc", [10, 20, None]), areas("abd", [10, 25, 5])
    rows = diff_rows(old, new, ("area_id",))
    assert rows[["area_id", "change"]].values.tolist() == [
        ["d", "added"],
        ["b", "changed"],
        ["c", "removed"],
    ]
    assert rows.loc[1, "columns"] == "population"
    # Geometry counts as a column; a missing value equals a missing value.
    moved = old.copy()
    moved.loc[0, "geometry"] = shapely.box(5, 5, 6, 6)
    assert diff_rows(old, moved, ("area_id",))["columns"].tolist() == ["geometry"]
    assert diff_rows(old, old.copy(), ("area_id",)).empty


def test_summary_of_a_new_table_and_without_a_key() -> None:
    assert summarise_change("areas", None, areas("ab", [1, 2])) == {
        "added": 2,
        "changed": 0,
        "removed": 0,
    }
    plain_old = pd.DataFrame({"x": [1, 2, 2]})
    plain_new = pd.DataFrame({"x": [2, 3]})
    assert summarise_change("unknown", plain_old, plain_new) == {
        "added": 1,
        "changed": 0,
        "removed": 2,
    }


def test_each_version_records_what_changed(workspace: Workspace) -> None:
    v1, v2 = list_versions(workspace)
    assert v1.summary["diff"] == {"areas": {"added": 3, "changed": 0, "removed": 0}}
    assert v2.summary["diff"] == {
        "areas": {"added": 1, "changed": 1, "removed": 1},
        "insured": {"added": 2, "changed": 0, "removed": 0},
    }
    assert describe_changes(v2) == "areas +1 ~1 −1; insured +2 ~0 −0"
    table = version_table(workspace)
    assert table["version"].tolist() == [2, 1]
    assert table.loc[0, "message"] == "v2"


def test_compare_two_versions(workspace: Workspace) -> None:
    summary, details = compare_versions(workspace, 1, 2)
    assert summary.set_index("table").loc["areas", ["added", "changed", "removed"]].tolist() == [
        1,
        1,
        1,
    ]
    assert summary.set_index("table").loc["insured", "rows_new"] == 2
    assert details["areas"]["area_id"].tolist() == ["d", "b", "c"]
    assert compare_versions(workspace, 2, 2)[0].empty


def test_restore_is_a_new_version_that_overwrites_nothing(workspace: Workspace) -> None:
    before = {v.number: v.layers for v in list_versions(workspace)}
    number = restore_version(workspace, 1, author="tester")
    assert number == 3
    versions = list_versions(workspace)
    assert {v.number: v.layers for v in versions[:2]} == before
    assert versions[-1].layers == before[1]
    assert versions[-1].summary["restored_from"] == 1
    assert versions[-1].summary["diff"]["areas"] == {"added": 1, "changed": 1, "removed": 1}
    assert versions[-1].summary["diff"]["insured"] == {"added": 0, "changed": 0, "removed": 2}
    pd.testing.assert_frame_equal(
        pd.DataFrame(read_workspace(workspace)["areas"]),
        pd.DataFrame(read_workspace(workspace, 1)["areas"]),
    )
    assert len(read_workspace(workspace)["insured"]) == 0
    # Saving on top of a restored version goes on from its tables.
    save_version(workspace, {"areas": areas("abc", [10, 20, 30])}, message="v4")
    assert list_versions(workspace)[-1].summary["diff"]["areas"]["changed"] == 1


def test_restore_of_an_unknown_version_changes_nothing(workspace: Workspace) -> None:
    before = workspace_state(workspace)
    with pytest.raises(Exception, match="no version 9"):
        restore_version(workspace, 9)
    assert workspace_state(workspace) == before


@pytest.mark.parametrize("fmt", ["gpkg", "zip"])
def test_backup_round_trip(workspace: Workspace, tmp_path: Path, fmt: str) -> None:
    save_version(
        workspace,
        {"name_crosswalk": pd.DataFrame({"source_key": ["x"], "area_id": ["a"], "score": [91.0]})},
        message="crosswalk",
    )
    out = export_backup(workspace, tmp_path / f"backup.{fmt}", fmt=fmt)
    back = read_backup(out)
    original = read_workspace(workspace)
    assert set(back) == {"areas", "insured", "name_crosswalk"}
    for name in ("areas", "insured"):
        got, want = back[name], original[name]
        assert list(got.columns) == list(want.columns), name
        pd.testing.assert_frame_equal(
            pd.DataFrame(got).drop(columns="geometry", errors="ignore"),
            pd.DataFrame(want).drop(columns="geometry", errors="ignore"),
            check_dtype=True,
        )
        if isinstance(want, gpd.GeoDataFrame):
            assert got.geometry.geom_equals(want.geometry).all()
    assert back["name_crosswalk"]["area_id"].tolist() == ["a"]
    if fmt == "zip":
        names = set(zipfile.ZipFile(out).namelist())
        assert names == {"areas.geojson", "insured.csv", "name_crosswalk.csv", "backup.json"}
    # An older version can be backed up too.
    old = read_backup(export_backup(workspace, tmp_path / f"v1.{fmt}", version=1, fmt=fmt))
    assert set(old) == {"areas"} and len(old["areas"]) == 3
    assert backup_bytes(workspace, fmt=fmt)[:2] in (b"PK", b"SQ")


def test_crosswalk_is_not_a_data_table(workspace: Workspace) -> None:
    assert "name_crosswalk" not in read_workspace(workspace)
    assert list(read_table(workspace, "name_crosswalk").columns) == ["source_key", "area_id"]


def test_command_line_export_restore_compare(workspace: Workspace, tmp_path: Path, capsys) -> None:
    from geodata.__main__ import main

    assert main(["export", str(workspace), "--out", str(tmp_path / "b.zip"), "--version", "1"]) == 0
    assert set(read_backup(tmp_path / "b.zip")) == {"areas"}
    assert main(["compare", str(workspace), "1", "2"]) == 0
    assert "areas" in capsys.readouterr().out
    assert main(["restore", str(workspace), "1"]) == 0
    assert list_versions(workspace)[-1].summary["restored_from"] == 1
    assert main(["restore", str(workspace), "42"]) == 1
    assert "no version 42" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_writer_killed_at_random_points_leaves_the_workspace_usable(workspace: Workspace) -> None:
    """SIGKILL a process in the middle of saving versions, many times, at random moments: the
    workspace always opens, keeps every version it had, and its newest version reads whole."""
    rng = random.Random(20261122)
    for _ in range(8):
        before = [(v.number, v.layers) for v in list_versions(workspace)]
        pid = os.fork()
        if pid == 0:  # the child saves versions until it is killed
            try:
                child = random.Random(os.getpid())
                while True:
                    population = [child.randint(1, 99) for _ in range(3)]
                    save_version(workspace, {"areas": areas("abc", population)}, message="loop")
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        after = [(v.number, v.layers) for v in list_versions(workspace)]
        assert after[: len(before)] == before
        newest = read_workspace(workspace)
        assert len(newest["areas"]) == 3 and newest["areas"]["population"].notna().all()
    save_version(workspace, {"areas": areas("ab", [1, 2])}, message="after the kills")
    assert leftovers(workspace) == []  # stale copies were cleared; no half-written tables

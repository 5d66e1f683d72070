"""The versioned workspace store, on GeoPackage and on PostGIS, and the demo workspace
(geodata/store/workspace.py, geodata/store/postgis.py, geodata/sources/workspaces.py).

Tests that take ``workspace`` or ``new_workspace`` run twice: on a GeoPackage file and on a schema
of a private PostGIS server (``tests/unit/workspace_backends.py``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geodata_inputs import AREA_BOXES, FACILITY_POINTS, sha256
from geopandas.testing import assert_geodataframe_equal
from workspace_backends import (
    Workspace,
    fail_on_write,
    leftovers,
    stored_layers,
    workspace_exists,
    workspace_state,
)

from geodata.store.workspace import (
    latest_version,
    list_versions,
    read_workspace,
    save_version,
    table_fingerprint,
    workspace_location,
    workspace_token,
)
from geodata.tables import schema as S
from geodata.tables.problems import DataError

pytestmark = pytest.mark.filterwarnings("error")


def _text(*values: str | None) -> pd.Series:
    """A text column as the workspace stores it: Python strings and None (object dtype)."""
    return pd.Series(list(values), dtype=object)


def _areas(population: list[int | None] | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_id": _text("101", "102", "103", "104"),
            "name": _text("نازی‌آباد", "کوی نصر", "Phường Bến Nghé", "Tajrish"),
            "population": pd.array(population or [44406, None, 3000, 0], dtype="Int64"),
            "underserved": pd.array([True, False, None, True], dtype="boolean"),
            "deprivation": [0.5, np.nan, 0.1, 1.0],
        },
        geometry=list(AREA_BOXES),
        crs=S.STORAGE_CRS,
    )


def _facilities() -> gpd.GeoDataFrame:
    xs, ys = zip(*FACILITY_POINTS, strict=True)
    return gpd.GeoDataFrame(
        {
            "facility_id": _text("F1", "F2", "F3", "F4"),
            "name": _text("a", "b", "c", "d"),
            "type": _text("hospital", "clinic", "clinic", "lab"),
            "beds": pd.array([120, None, 0, None], dtype="Int64"),
            "opens_on": pd.to_datetime([None, "2026-01-01", None, None]).astype("datetime64[ns]"),
        },
        geometry=gpd.points_from_xy(xs, ys),
        crs=S.STORAGE_CRS,
    )


def _insured(value: int = 1000) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_id": _text("101", "102", "101"),
            "period": pd.to_datetime(["2025-03-01", "2025-03-01", "2025-04-01"]).astype(
                "datetime64[ns]"
            ),
            "insured": pd.array([value, None, 1200], dtype="Int64"),
            "scheme": _text("health", "health", None),
        }
    )


def _assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    if isinstance(left, gpd.GeoDataFrame):
        assert isinstance(right, gpd.GeoDataFrame)
        assert right.crs.equals(left.crs)
        assert shapely.equals(left.geometry.to_numpy(), right.geometry.to_numpy()).all()
        left, right = left.drop(columns="geometry"), right.drop(columns="geometry")
    pd.testing.assert_frame_equal(
        pd.DataFrame(left).reset_index(drop=True),
        pd.DataFrame(right)[list(left.columns)].reset_index(drop=True),
    )


def _first_version(path: Workspace) -> Workspace:
    save_version(
        path,
        {"areas": _areas(), "facilities": _facilities(), "insured": _insured()},
        message="first",
        author="tester",
    )
    return path


@pytest.fixture
def workspace(new_workspace: Workspace) -> Workspace:
    """A workspace with one version, on GeoPackage and on PostGIS."""
    return _first_version(new_workspace)


@pytest.fixture
def gpkg_workspace(tmp_path: Path) -> Path:
    """The same, as a GeoPackage only (for what only a file has)."""
    return _first_version(tmp_path / "ws.gpkg")


def test_round_trip_keeps_types_and_missing_values(workspace: Workspace) -> None:
    tables = read_workspace(workspace)
    assert set(tables) == set(S.TABLES)
    _assert_same(_areas(), tables["areas"])
    _assert_same(_facilities(), tables["facilities"])
    _assert_same(_insured(), tables["insured"])
    assert tables["areas"]["population"].iloc[1] is pd.NA  # missing stays missing, not 0
    assert tables["areas"]["population"].iloc[3] == 0
    assert tables["insured"]["period"].dtype == "datetime64[ns]"


def test_tables_not_saved_come_back_empty_and_typed(workspace: Workspace) -> None:
    tables = read_workspace(workspace)
    for name in ("partners", "targets", "outreach"):
        assert len(tables[name]) == 0
        assert set(S.TABLES[name].required) <= set(tables[name].columns)
    assert tables["targets"]["period"].dtype == "datetime64[ns]"
    assert isinstance(tables["outreach"], gpd.GeoDataFrame)


def test_versions_listed_and_unchanged_tables_reuse_layers(workspace: Workspace) -> None:
    second = save_version(
        workspace, {"areas": _areas(), "insured": _insured(999)}, message="second", author="b"
    )
    assert second == 2
    versions = list_versions(workspace)
    assert [v.number for v in versions] == [1, 2]
    assert [v.message for v in versions] == ["first", "second"]
    assert versions[0].author == "tester"
    first, last = versions[0].layers, versions[1].layers
    assert last["areas"] == first["areas"] == "areas__v1"  # unchanged: reused
    assert last["facilities"] == "facilities__v1"  # not given: carried over
    assert last["insured"] == "insured__v2"
    assert set(versions[1].summary["changed"]) == {"insured"}
    assert versions[1].summary["rows"] == {"areas": 4, "facilities": 4, "insured": 3}
    layers = stored_layers(workspace)
    assert "areas__v2" not in layers and {"areas__v1", "insured__v2"} <= layers
    assert latest_version(workspace) == 2


def test_old_versions_stay_readable(workspace: Workspace) -> None:
    save_version(workspace, {"insured": _insured(5)}, message="second")
    save_version(workspace, {"areas": _areas([1, 2, 3, 4])}, message="third")
    old = read_workspace(workspace, version=1)
    new = read_workspace(workspace)
    assert old["insured"]["insured"].iloc[0] == 1000
    assert new["insured"]["insured"].iloc[0] == 5
    assert old["areas"]["population"].iloc[1] is pd.NA
    assert new["areas"]["population"].tolist() == [1, 2, 3, 4]
    with pytest.raises(DataError, match="no version 7"):
        read_workspace(workspace, version=7)


def test_workspace_token_changes_with_each_version(workspace: Workspace) -> None:
    path, number = workspace_token(workspace)
    assert path == workspace_location(workspace) and number == 1
    save_version(workspace, {"insured": _insured(7)}, message="second")
    assert workspace_token(workspace) == (path, 2)


def test_fingerprint_sees_values_and_geometry() -> None:
    base = table_fingerprint(_areas())
    assert table_fingerprint(_areas()) == base
    assert table_fingerprint(_areas([1, 2, 3, 4])) != base
    moved = _areas()
    moved.geometry = moved.geometry.translate(0.001, 0)
    assert table_fingerprint(moved) != base


@pytest.mark.parametrize(
    ("tables", "error"),
    [
        ({"areas": _areas().to_crs("EPSG:32639")}, "must be in EPSG:4326"),
        ({"areas": pd.DataFrame(_areas().drop(columns="geometry"))}, "must be a GeoDataFrame"),
        ({"wards": _areas()}, "Unknown table"),
    ],
    ids=["utm", "no-geometry", "unknown-table"],
)
def test_invalid_save_leaves_the_file_alone(workspace: Workspace, tables: dict, error: str) -> None:
    before = workspace_state(workspace)
    with pytest.raises(ValueError, match=error):
        save_version(workspace, tables, message="bad")
    assert workspace_state(workspace) == before
    assert latest_version(workspace) == 1
    assert leftovers(workspace) == []


def test_failure_mid_save_leaves_the_file_alone(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = workspace_state(workspace)
    calls = fail_on_write(monkeypatch, workspace, lambda n, layer: n == 2)
    changed = {"areas": _areas([1, 2, 3, 4]), "facilities": _facilities().iloc[:2]}
    with pytest.raises(OSError, match="simulated"):
        save_version(workspace, changed, message="half")
    assert calls["n"] == 2
    assert workspace_state(workspace) == before
    assert leftovers(workspace) == []
    monkeypatch.undo()
    assert latest_version(workspace) == 1
    assert save_version(workspace, changed, message="again") == 2  # the store still works


def test_failure_while_creating_leaves_nothing(
    new_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_write(monkeypatch, new_workspace, lambda n, layer: True)
    with pytest.raises(OSError):
        save_version(new_workspace, {"areas": _areas()}, message="x")
    assert not workspace_exists(new_workspace)
    if isinstance(new_workspace, Path):
        assert leftovers(new_workspace) == []


def test_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="Workspace not found"):
        list_versions(tmp_path / "nothing.gpkg")
    other = tmp_path / "other.gpkg"
    pyogrio.write_dataframe(_areas(), other, layer="wards", driver="GPKG")
    before = sha256(other)
    with pytest.raises(DataError, match="not a Coverage Atlas workspace"):
        save_version(other, {"areas": _areas()}, message="x")
    assert sha256(other) == before
    text = tmp_path / "notes.gpkg"
    text.write_text("hello")
    with pytest.raises(DataError, match="not a Coverage Atlas workspace"):
        list_versions(text)


def test_saving_keeps_the_file_mode(gpkg_workspace: Path) -> None:
    gpkg_workspace.chmod(0o644)
    save_version(gpkg_workspace, {"insured": _insured(3)}, message="second")
    assert gpkg_workspace.stat().st_mode & 0o777 == 0o644


def test_saved_geometries_match(workspace: Workspace) -> None:
    areas = read_workspace(workspace)["areas"]
    assert_geodataframe_equal(
        areas[["area_id", "geometry"]],
        _areas()[["area_id", "geometry"]],
        check_geom_type=False,  # GeoPackage may promote Polygon to MultiPolygon
        normalize=True,
    )


# --- demo workspace -------------------------------------------------------------------------------

_HAS_DEMO = importlib.util.find_spec("geodata.sources.demo") is not None


@pytest.fixture
def demo_tables_available() -> None:
    if not _HAS_DEMO:
        pytest.skip("geodata/sources/demo.py is not written yet")
    from geodata.sources import demo

    if not hasattr(demo, "build_demo_tables"):
        pytest.skip("geodata.sources.demo has no build_demo_tables yet")


@pytest.mark.usefixtures("demo_tables_available")
def test_demo_workspace_is_generated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geodata.sources.workspaces import demo_workspace_path, is_demo

    monkeypatch.setenv("COVERAGE_ATLAS_CACHE", str(tmp_path / "cache"))
    path = demo_workspace_path()
    assert path.parent == tmp_path / "cache"
    assert path.exists()
    versions = list_versions(path)
    assert len(versions) == 1
    assert is_demo(versions)
    tables = read_workspace(path)
    assert len(tables["areas"]) > 0 and len(tables["insured"]) > 0
    assert tables["areas"].crs.equals(S.STORAGE_CRS)
    before = sha256(path)
    assert demo_workspace_path() == path  # reused, not regenerated
    assert sha256(path) == before


@pytest.mark.usefixtures("demo_tables_available")
def test_broken_demo_cache_is_regenerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geodata.sources.workspaces import demo_workspace_path

    monkeypatch.setenv("COVERAGE_ATLAS_CACHE", str(tmp_path))
    first = demo_workspace_path()
    first.write_bytes(b"truncated")
    again = demo_workspace_path()
    assert again == first
    assert latest_version(again) == 1


def test_is_demo_false_for_built_workspaces(workspace: Workspace) -> None:
    from geodata.sources.workspaces import is_demo

    assert not is_demo(list_versions(workspace))
    assert not is_demo([])

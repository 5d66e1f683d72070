"""Real data on PostGIS: the Tehran workspace (375 neighbourhoods with Persian names, 5,380 medical
centres) saved into PostGIS reads back exactly as from the GeoPackage, and a backup of it too."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geodata.store.backup import export_backup, read_backup
from geodata.store.workspace import list_versions, read_workspace, save_version

pytestmark = pytest.mark.realdata


def test_tehran_on_postgis_reads_back_as_from_the_geopackage(
    tehran_workspace: Path, postgis_url: str, tmp_path: Path
) -> None:
    url = f"{postgis_url}?schema=tehran"
    original = read_workspace(tehran_workspace)
    summary = list_versions(tehran_workspace)[-1].summary
    save_version(
        url,
        {name: frame for name, frame in original.items() if len(frame)},
        message="Tehran, copied from the GeoPackage",
        author="tests",
        summary={"title": summary.get("title")},
    )
    copied = read_workspace(url)
    assert len(copied["areas"]) == 375 and len(copied["facilities"]) == len(original["facilities"])
    for name, frame in original.items():
        if isinstance(frame, gpd.GeoDataFrame):
            assert_geodataframe_equal(frame, copied[name])
        else:
            pd.testing.assert_frame_equal(frame, copied[name])
    back = read_backup(export_backup(url, tmp_path / "tehran.zip", fmt="zip"))
    assert back["areas"]["name"].tolist() == original["areas"]["name"].tolist()

"""Fixtures for the geodata unit tests (inputs are built by ``geodata_inputs``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from geodata_inputs import area_frame
from workspace_backends import backend, new_workspace  # noqa: F401 (fixtures)


@pytest.fixture
def areas_source() -> gpd.GeoDataFrame:
    return area_frame()


@pytest.fixture
def write_recipe(tmp_path: Path) -> Callable[[str], Path]:
    """Write a recipe's TOML text into ``tmp_path/recipe.toml``."""

    def write(text: str, name: str = "recipe.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write

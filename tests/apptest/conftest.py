"""Fixtures of the AppTests: which workspace the pages open."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def on_demo(demo_workspace, monkeypatch):
    """Pages open the embedded demo workspace."""
    monkeypatch.delenv("COVERAGE_ATLAS_WORKSPACE", raising=False)
    return demo_workspace


@pytest.fixture
def on_tehran(tehran_workspace, monkeypatch):
    """Pages open the workspace built from the Tehran recipe (real data)."""
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(tehran_workspace))
    return tehran_workspace


@pytest.fixture
def on_comoros(comoros_workspace, monkeypatch):
    """Pages open the workspace built from the Comoros recipe (hexagons from a population raster)."""
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(comoros_workspace))
    return comoros_workspace


@pytest.fixture
def demo_copy(demo_workspace, tmp_path, monkeypatch):
    """Pages open a private copy of the demo workspace (a test that saves adds versions to it)."""
    path = tmp_path / "demo-copy.gpkg"
    shutil.copyfile(demo_workspace, path)
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    return path

"""Real data (../shared/data): the Tehran and Iran workspaces build from the recipes in tests/recipes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analytics.coverage import coverage_by_area, headline_figures
from geodata.sources.recipe import build_from_recipe
from geodata.store.workspace import list_versions, read_workspace
from tests.conftest import RECIPES, ROOT

pytestmark = pytest.mark.realdata


def test_tehran_totals(tehran_workspace):
    tables = read_workspace(tehran_workspace)
    areas = tables["areas"]
    assert len(areas) == 375
    assert areas["area_id"].is_unique
    assert areas["population"].notna().sum() == 296
    assert areas["population"].isna().sum() == 79  # no data, never zero
    assert int(areas["population"].sum()) == 7_510_552
    assert (areas["population"].dropna() > 0).all()
    assert areas.crs.to_epsg() == 4326
    assert areas.geometry.is_valid.all()
    assert sorted(areas["district_id"].astype(int).unique()) == list(range(1, 23))
    minx, miny, maxx, maxy = areas.total_bounds
    assert 51.0 < minx < maxx < 51.7 and 35.5 < miny < maxy < 35.9


def test_tehran_facilities_mapped_from_persian_types(tehran_workspace):
    facilities = read_workspace(tehran_workspace)["facilities"]
    assert len(facilities) > 800
    counts = facilities["type"].value_counts()
    assert {"hospital", "clinic", "lab", "pharmacy"} <= set(counts.index)
    assert counts["hospital"] > 50  # public, private and non-governmental hospitals
    assert facilities["facility_id"].is_unique
    # Tehran province only: nothing far outside it.
    minx, miny, maxx, maxy = facilities.total_bounds
    assert minx > 50.0 and maxx < 53.5 and miny > 34.5 and maxy < 36.5


def test_tehran_report_lists_rejected_rows():
    _tables, report = build_from_recipe(RECIPES / "tehran.toml")
    text = report.render()
    assert "unmatched 0" in text
    assert report.sections["population"].joined == 296
    rejected = [p for p in report.problems if p.severity == "rejected"]
    assert rejected and all(p.row and p.column for p in rejected)
    assert any(
        "عینک سازی" in (p.value or "") for p in rejected
    )  # opticians are not in the vocabulary


def test_tehran_coverage_flags_missing_population(tehran_workspace):
    tables = read_workspace(tehran_workspace)
    per_area = coverage_by_area(tables["areas"], tables["insured"].astype({"insured": "Int64"}))
    assert (per_area["data_status"] == "no_population").sum() == 79
    figures = headline_figures(per_area)
    assert figures["population"] == 7_510_552


def test_iran_counties(iran_workspace):
    areas = read_workspace(iran_workspace)["areas"]
    assert len(areas) == 429
    assert int(areas["population"].sum()) == 79_926_270
    assert areas["name"].str.len().gt(1).all()  # names joined from the CSV, not the DBF's '?'
    assert areas["province"].nunique() == 31


def test_cli_builds_and_lists_versions(tmp_path):
    out = tmp_path / "tehran.gpkg"
    for _ in range(2):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "geodata",
                "build",
                str(RECIPES / "tehran.toml"),
                "--out",
                str(out),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert "[population]" in done.stdout and "joined 296" in done.stdout
    assert [v.number for v in list_versions(out)] == [1, 2]
    listing = subprocess.run(
        [sys.executable, "-m", "geodata", "versions", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listing.returncode == 0 and "build from tehran.toml" in listing.stdout

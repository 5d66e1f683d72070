"""No data is not a rank (AppTest, demo with the population of one whole district blanked):
Overview's districts ranked and the Infrastructure page's areas that need a facility leave
the units without population out and list them apart as "no data"."""

from __future__ import annotations

import pandas as pd
import pytest

from render.i18n import translate
from tests.apptest.helpers import run_page


@pytest.fixture
def district_blanked(tmp_path, monkeypatch):
    """The demo with no population figure for any area of its first district; that district's
    name and its areas' names."""
    from geodata.sources.demo import build_demo_tables
    from geodata.store.workspace import save_version

    tables = build_demo_tables()
    areas = tables["areas"].copy()
    district = min(areas["district_id"].unique())
    inside = (areas["district_id"] == district).to_numpy()
    areas["population"] = areas["population"].astype("Float64")
    areas.loc[inside, "population"] = pd.NA
    tables["areas"] = areas
    path = tmp_path / "district-blanked.gpkg"
    save_version(path, tables, message="no population in one district")
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    name = str(areas.loc[inside, "district_name"].iloc[0])
    return name, set(areas.loc[inside, "name"].astype(str))


def tables_with(at, column: str) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if column in d.value.columns]


def no_data_told(at, lang: str = "en") -> list[str]:
    start = translate("gap.ranking.no_data", lang, n="@").split("@")[0]
    return [c.value for c in at.caption if c.value.startswith(start)]


def test_overview_ranks_only_districts_with_population(district_blanked):
    district, _ = district_blanked
    at = run_page("app_pages/overview.py")
    ranked = tables_with(at, "Uninsured")[0]
    assert district not in set(ranked["Name"]) and len(ranked) == 11
    apart = [d for d in tables_with(at, "Name") if "Uninsured" not in d.columns]
    assert [set(d["Name"]) for d in apart] == [{district}]
    assert no_data_told(at) == [translate("gap.ranking.no_data", "en", n="1")]


def test_infrastructure_needs_rank_only_areas_with_population(district_blanked):
    _, names = district_blanked
    at = run_page("app_pages/infrastructure.py")
    needs = tables_with(at, "Distance (km)")
    assert needs, [list(d.value.columns) for d in at.dataframe]
    assert not names & set(needs[0]["Name"])
    assert (needs[0]["Population"] > 0).all()
    assert len(no_data_told(at)) == 1

"""Recipes: read, validate and join a region's files into workspace tables (geodata/sources/recipe.py)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geodata_inputs import (
    ALL_FORMATS,
    AREA_NAMES,
    AREA_NAMES_OTHER_SPELLING,
    FACILITY_POINTS,
    area_frame,
    write_layer,
    write_region,
    write_table,
)
from workspace_backends import Workspace, leftovers, workspace_state

from geodata.sources.recipe import build_from_recipe, build_workspace
from geodata.sources.recipe_format import load_recipe
from geodata.store.workspace import latest_version, list_versions, read_workspace
from geodata.tables import schema as S
from geodata.tables.problems import DataError

pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_build_every_area_format(tmp_path: Path, fmt: str) -> None:
    recipe = write_region(tmp_path, fmt)
    tables, report = build_from_recipe(recipe)
    areas = tables["areas"]
    assert isinstance(areas, gpd.GeoDataFrame) and areas.crs.equals(S.STORAGE_CRS)
    assert areas["area_id"].tolist() == ["101", "102", "103", "104"]
    assert areas["population"].tolist() == [44406, 44406, 44406, 12000]
    assert areas["population"].dtype == "Int64"
    assert not any(c.startswith("_") for t in tables.values() for c in t.columns)
    counts = report.counts()
    assert counts["areas"] == {
        "read": 4,
        "kept": 4,
        "joined": None,
        "filtered": 0,
        "unmatched": 0,
        "repaired": 0,
        "rejected": 0,
    }
    assert counts["population"]["joined"] == 4
    assert report.sections["population"].unmatched == ["row 6: 999"]
    assert counts["facilities"]["kept"] == 4
    assert tables["facilities"]["type"].tolist() == ["hospital", "clinic", "clinic", "hospital"]
    assert report.problems == []
    text = report.render()
    assert "[population] pop.csv: read 5, kept 4, joined 4, unmatched 1" in text


def test_insured_joined_by_name_across_spellings(tmp_path: Path) -> None:
    insured = [
        {"commune": n, "month": "1404/01", "insured_people": "1,000", "scheme": "health"}
        for n in AREA_NAMES_OTHER_SPELLING
    ]
    insured.append(
        {"commune": "Nowhere", "month": "1404/01", "insured_people": "5", "scheme": "health"}
    )
    recipe = write_region(
        tmp_path,
        insured=insured,
        sections=("insured",),
        areas_extra=('defaults = { population = "50000" }'),
    )
    tables, report = build_from_recipe(recipe)
    table = tables["insured"]
    assert sorted(table["area_id"]) == ["101", "102", "103", "104"]  # every spelling joined
    # 1404/01 is Farvardin 1404: the dates propose Solar Hijri months, and the period is its
    # first day (it used to be moved to 1 March 2025, a Gregorian month it only partly overlaps).
    assert set(table["period"]) == {pd.Timestamp("2025-03-21")}
    assert report.calendar == "solar_hijri" and report.calendar_proposed
    assert table["insured"].tolist() == [1000] * 4
    section = report.sections["insured"]
    assert (section.read, section.kept, section.joined, section.rejected) == (5, 4, 4, 1)
    assert section.unmatched == ["Nowhere"]
    [problem] = report.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "insured.csv",
        6,
        "commune",
        "Nowhere",
    )
    assert "unmatched 1" in report.render() and "Nowhere" in report.render()


def test_insured_by_name_shared_by_two_areas_is_not_guessed(tmp_path: Path) -> None:
    areas = area_frame().drop(columns="pop")
    areas.loc[3, "Name"] = "كوي نصر"  # the same name as area 102, spelt with Arabic letters
    recipe = write_region(
        tmp_path,
        areas=areas,
        sections=("insured",),
        areas_extra=('defaults = { population = "50000" }'),
    )
    tables, report = build_from_recipe(recipe)
    assert sorted(tables["insured"]["area_id"]) == ["101", "103"]
    rejected = [(p.row, p.column) for p in report.problems if "more than one area" in p.problem]
    assert rejected == [(3, "commune")]
    assert len([p for p in report.problems if p.severity == "rejected"]) == 2  # + 'tajrish'


@pytest.mark.parametrize("words", ["n/a", "about 5000"])
def test_population_with_words_is_reported_and_kept_missing(tmp_path: Path, words: str) -> None:
    population = [("tehran:m101", "44,406"), ("tehran:m102", words), ("tehran:m103", "3000")]
    recipe = write_region(tmp_path, population=population, sections=("population",))
    tables, report = build_from_recipe(recipe)
    population_of = dict(
        zip(tables["areas"]["area_id"], tables["areas"]["population"], strict=True)
    )
    assert population_of["101"] == 44406
    assert population_of["102"] is pd.NA  # missing, never zero
    assert population_of["104"] is pd.NA  # no row for it: missing too
    [problem] = report.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "pop.csv",
        3,
        "value",
        words,
    )
    assert "pop.csv, row 3, column 'value': not a number" in report.render()
    assert "2 have none" in report.render()


def test_population_summed_over_columns(tmp_path: Path) -> None:
    recipe = write_region(tmp_path, sections=())
    write_table(
        [
            {"id": "101", "men": "10", "women": "۱۲"},
            {"id": "101", "men": "1", "women": "1"},
            {"id": "102", "men": "5", "women": ""},  # a blank part: the total is unknown
            {"id": "103", "men": "5", "women": "n/a"},
            {"id": "104", "men": "5", "women": "6"},
        ],
        tmp_path / "pop.csv",
    )
    recipe.write_text(
        recipe.read_text(encoding="utf-8")
        + '[population]\npath = "pop.csv"\nkey = "id"\naggregate = "sum"\n'
        + 'columns = { population = ["men", "women"] }\n',
        encoding="utf-8",
    )
    tables, report = build_from_recipe(recipe)
    population = tables["areas"]["population"]
    assert population.iloc[0] == 24 and population.iloc[3] == 11
    assert population.iloc[1] is pd.NA and population.iloc[2] is pd.NA  # never 0 or 5
    assert [(p.file, p.row, p.column, p.value) for p in report.problems] == [
        ("pop.csv", 5, "women", "n/a")
    ]


def test_insured_above_population_is_a_warning(tmp_path: Path) -> None:
    insured = [
        {"commune": "Tajrish", "month": "2025-03", "insured_people": "12001", "scheme": "health"},
        {"commune": "Tajrish", "month": "2025-04", "insured_people": "100", "scheme": "health"},
    ]
    recipe = write_region(tmp_path, insured=insured, sections=("population", "insured"))
    tables, report = build_from_recipe(recipe)
    assert tables["insured"]["insured"].tolist() == [12001, 100]  # kept
    [warning] = [p for p in report.problems if p.severity == "warning"]
    assert (warning.file, warning.row, warning.column) == ("insured.csv", 2, "insured_people")
    assert "above the population 12,000" in warning.problem and "104" in warning.problem


def test_swapped_lat_lon_stops_the_build(tmp_path: Path) -> None:
    facilities = [
        {"id": f"F{i}", "name": "c", "type": "clinic", "latitude": x, "longitude": y}
        for i, (x, y) in enumerate(FACILITY_POINTS)
    ]
    recipe = write_region(
        tmp_path,
        facilities=facilities,
        sections=("facilities",),
        areas_extra=('defaults = { population = "1" }'),
    )
    with pytest.raises(DataError, match="swapped") as info:
        build_from_recipe(recipe)
    message = str(info.value)
    assert "facilities.csv" in message
    assert "lat = 'latitude'" in message and "lon = 'longitude'" in message


def test_facility_with_unknown_type_is_rejected_and_reported(tmp_path: Path) -> None:
    facilities = [
        {"id": "F1", "name": "a", "type": "عینک سازی", "latitude": "35.65", "longitude": "51.35"},
        {"id": "F2", "name": "b", "type": "clinic", "latitude": "35.75", "longitude": "51.45"},
        {"id": "F3", "name": "c", "type": "clinic", "latitude": "north", "longitude": "51.45"},
    ]
    recipe = write_region(
        tmp_path,
        facilities=facilities,
        sections=("facilities",),
        areas_extra=('defaults = { population = "1" }'),
    )
    tables, report = build_from_recipe(recipe)
    assert tables["facilities"]["facility_id"].tolist() == ["F2"]
    assert report.counts()["facilities"]["rejected"] == 2
    where = sorted((p.row, p.column) for p in report.problems)
    assert where == [(2, "type"), (4, "latitude/longitude")]


def test_invalid_area_geometry_repaired_and_counted(tmp_path: Path) -> None:
    areas = area_frame().drop(columns="pop")
    areas.loc[0, "geometry"] = shapely.Polygon(
        [(51.3, 35.6), (51.4, 35.7), (51.4, 35.6), (51.3, 35.7)]
    )
    recipe = write_region(tmp_path, "gpkg", areas=areas, sections=("population",))
    tables, report = build_from_recipe(recipe)
    assert tables["areas"].geometry.is_valid.all()
    assert report.counts()["areas"]["repaired"] == 1
    assert "[repaired] areas.gpkg, row 1, column 'geometry'" in report.render()


def test_duplicate_area_ids_stop_the_build(tmp_path: Path) -> None:
    areas = area_frame().drop(columns="pop")
    areas.loc[2, "code"] = "101"
    recipe = write_region(tmp_path, areas=areas)
    with pytest.raises(DataError, match="duplicated area_id") as info:
        build_from_recipe(recipe)
    assert [(p.file, p.row, p.column) for p in info.value.problems] == [
        ("areas.geojson", 1, "code"),
        ("areas.geojson", 3, "code"),
    ]


def test_shapefile_without_prj(tmp_path: Path) -> None:
    recipe = write_region(tmp_path, "shp", areas=area_frame().drop(columns="pop").to_crs(32639))
    (tmp_path / "areas.prj").unlink()
    with pytest.raises(DataError, match=r"areas\.shp.*no coordinate reference system"):
        build_from_recipe(recipe)
    text = recipe.read_text(encoding="utf-8").replace(
        'path = "areas.shp"', 'path = "areas.shp"\ncrs = "EPSG:32639"'
    )
    recipe.write_text(text, encoding="utf-8")
    tables, _ = build_from_recipe(recipe)
    assert tables["areas"].crs.equals(S.STORAGE_CRS)
    assert tables["areas"].total_bounds == pytest.approx([51.3, 35.6, 51.5, 35.8], abs=1e-6)


def test_insured_points_are_counted_per_area_and_month(tmp_path: Path) -> None:
    recipe = write_region(tmp_path, sections=("population",))
    rows = [
        {"lat": "35.65", "lon": "51.35", "enrolled": "2025-03-04"},
        {"lat": "35.66", "lon": "51.36", "enrolled": "2025-03-20"},
        {"lat": "35.66", "lon": "51.36", "enrolled": "1404/02/01"},
        {"lat": "35.75", "lon": "51.45", "enrolled": "2025-03-01"},
        {"lat": "35.75", "lon": "52.45", "enrolled": "2025-03-01"},  # in no area
        {"lat": "35.75", "lon": "51.45", "enrolled": ""},  # no date
    ]
    write_table(rows, tmp_path / "people.csv")
    recipe.write_text(
        recipe.read_text(encoding="utf-8")
        + '[insured]\npath = "people.csv"\npoints = true\n'
        + 'columns = { lat = "lat", lon = "lon", period = "enrolled" }\n',
        encoding="utf-8",
    )
    tables, report = build_from_recipe(recipe)
    counts = tables["insured"].set_index(["area_id", "period"])["insured"]
    assert counts.to_dict() == {
        ("101", pd.Timestamp("2025-03-01")): 2,
        ("101", pd.Timestamp("2025-04-01")): 1,
        ("104", pd.Timestamp("2025-03-01")): 1,
    }
    assert set(tables["insured"]["scheme"]) == {"household"}
    section = report.counts()["insured"]
    assert (section["read"], section["kept"], section["rejected"]) == (6, 4, 2)
    assert sorted(p.row for p in report.problems) == [6, 7]


def test_outreach_sessions_placed_in_areas(tmp_path: Path) -> None:
    recipe = write_region(tmp_path, sections=("population",))
    write_table(
        [
            {"id": "s1", "day": "2025-03-02", "n": "40", "lat": "35.65", "lon": "51.35"},
            {"id": "s2", "day": "2025-03-03", "n": "12", "lat": "35.75", "lon": "51.45"},
            {"id": "s3", "day": "2025-03-03", "n": "5", "lat": "35.75", "lon": "53.0"},
        ],
        tmp_path / "outreach.csv",
    )
    recipe.write_text(
        recipe.read_text(encoding="utf-8")
        + '[outreach]\npath = "outreach.csv"\n'
        + 'columns = { session_id = "id", date = "day", enrolled = "n", lat = "lat", lon = "lon" }\n',
        encoding="utf-8",
    )
    tables, report = build_from_recipe(recipe)
    assert tables["outreach"]["area_id"].tolist()[:2] == ["101", "104"]
    assert pd.isna(tables["outreach"]["area_id"].iloc[2])
    assert "1 lie in no area" in report.render()


# --- recipe mistakes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[areas]\npath = "areas.geojson"\ncolumns = { area_id = "code" \n',
            r"not valid TOML.*line 3",
        ),
        (
            '[areas]\npath = "a.geojson"\n[wards]\npath = "w.shp"\n',
            r"unknown section\(s\) \['wards'\]",
        ),
        (
            '[areas]\npath = "a.geojson"\nsheet_name = "x"\n',
            r"unknown setting\(s\) \['sheet_name'\]",
        ),
        (
            '[areas]\npath = "a.geojson"\ncolumns = { area_code = "code" }\n',
            r"columns \['area_code'\] are not columns of the areas table",
        ),
        ('[facilities]\npath = "f.csv"\n', r"needs an \[areas\] section"),
        ("[areas]\ncolumns = {}\n", r"\[areas\] needs a path"),
        ("[areas]\npath = 5\n", r"\[areas\] path must be text"),
        ('[areas]\npath = "a.csv"\nfilter = "x"\n', r"filter must be a table"),
        ('[areas]\npath = "a.csv"\ncolumns = { area_id = 5 }\n', r"columns must map"),
        ('[areas]\npath = "a.csv"\npoints = "yes"\n', r"points must be true/false"),
        (
            '[areas]\npath = "a.csv"\n[population]\npath = "p.csv"\ncolumns = { people = "v" }\n',
            r"\[population\] columns \['people'\] are not columns of the areas table",
        ),
    ],
    ids=[
        "broken-toml",
        "unknown-section",
        "unknown-setting",
        "unknown-column",
        "no-areas",
        "no-path",
        "path-number",
        "filter-text",
        "column-number",
        "points-text",
        "population-column",
    ],
)
def test_recipe_mistakes(write_recipe, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_recipe(write_recipe(text))


def test_broken_toml_names_line_and_column(write_recipe) -> None:
    path = write_recipe('[areas]\npath = "a.geojson"\ncolumns = { area_id = code }\n')
    with pytest.raises(DataError) as info:
        load_recipe(path)
    assert str(info.value).startswith("recipe.toml: not valid TOML")
    assert "line 3" in str(info.value) and "column" in str(info.value)


def test_missing_recipe_and_missing_file(tmp_path: Path, write_recipe) -> None:
    with pytest.raises(DataError, match="Recipe not found"):
        build_from_recipe(tmp_path / "nope.toml")
    path = write_recipe('[areas]\npath = "gone.geojson"\n')
    with pytest.raises(DataError, match=r"File not found: 'gone\.geojson'"):
        build_from_recipe(path)


def test_column_not_in_file(tmp_path: Path) -> None:
    recipe = write_region(tmp_path, sections=())
    recipe.write_text(
        recipe.read_text(encoding="utf-8").replace('name = "Name"', 'name = "NAME_MAHAL"'),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"areas\.geojson: column\(s\) \['NAME_MAHAL'\]"):
        build_from_recipe(recipe)


def test_insured_key_column_not_in_file(tmp_path: Path) -> None:
    recipe = write_region(
        tmp_path, sections=("insured",), areas_extra='defaults = { population = "1" }'
    )
    recipe.write_text(
        recipe.read_text(encoding="utf-8").replace('key = "commune"', 'key = "ward"'),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"insured\.csv: key column 'ward' is not in the file"):
        build_from_recipe(recipe)


# --- build_workspace: every build adds a version; a failed one changes nothing ----------------------


def test_every_build_adds_a_version(tmp_path: Path, new_workspace: Workspace) -> None:
    recipe = write_region(tmp_path / "region")
    out = new_workspace
    assert build_workspace(recipe, out)[0] == 1
    number, report = build_workspace(recipe, out, author="planner", message="again")
    assert number == 2
    versions = list_versions(out)
    assert [v.message for v in versions] == ["build from recipe.toml", "again"]
    assert versions[1].layers == versions[0].layers  # nothing changed: layers reused
    assert versions[1].summary["report"] == report.counts()
    assert versions[1].summary["title"] == "Test region"
    tables = read_workspace(out)
    assert tables["areas"]["population"].tolist() == [44406, 44406, 44406, 12000]
    assert len(tables["insured"]) == 4


def _break_duplicate_ids(folder: Path) -> None:
    areas = area_frame().drop(columns="pop")
    areas.loc[1, "code"] = "101"
    write_layer(areas, folder, "geojson", stem="areas")


def _break_no_crs(folder: Path) -> None:
    recipe = folder / "recipe.toml"
    write_layer(area_frame().drop(columns="pop"), folder, "shp", stem="areas")
    (folder / "areas.prj").unlink()
    recipe.write_text(
        recipe.read_text(encoding="utf-8").replace("areas.geojson", "areas.shp"), encoding="utf-8"
    )


def _break_swapped(folder: Path) -> None:
    rows = [
        {"id": f"F{i}", "name": "c", "type": "clinic", "latitude": x, "longitude": y}
        for i, (x, y) in enumerate(FACILITY_POINTS)
    ]
    write_table(rows, folder / "facilities.csv")


def _break_toml(folder: Path) -> None:
    (folder / "recipe.toml").write_text("[areas\n", encoding="utf-8")


def _break_missing_file(folder: Path) -> None:
    (folder / "pop.csv").unlink()


def _break_unknown_column(folder: Path) -> None:
    recipe = folder / "recipe.toml"
    recipe.write_text(
        recipe.read_text(encoding="utf-8").replace("population = ", "people = "), encoding="utf-8"
    )


@pytest.mark.parametrize(
    "breakage",
    [
        _break_duplicate_ids,
        _break_no_crs,
        _break_swapped,
        _break_toml,
        _break_missing_file,
        _break_unknown_column,
    ],
)
def test_failed_build_leaves_the_workspace_byte_identical(
    tmp_path: Path, new_workspace: Workspace, breakage
) -> None:
    folder = tmp_path / "region"
    recipe = write_region(folder)
    out = new_workspace
    build_workspace(recipe, out)
    before = workspace_state(out)
    breakage(folder)
    with pytest.raises(DataError):
        build_workspace(recipe, out)
    assert workspace_state(out) == before
    assert latest_version(out) == 1
    assert leftovers(out) == []
    if isinstance(out, Path):
        assert sorted(p.name for p in tmp_path.iterdir()) == ["region", "ws.gpkg", "ws.gpkg.lock"]


def test_population_for_unknown_areas_only(tmp_path: Path) -> None:
    recipe = write_region(tmp_path, population=[("tehran:m900", "5")], sections=("population",))
    tables, report = build_from_recipe(recipe)
    assert tables["areas"]["population"].isna().all()
    assert report.counts()["population"]["joined"] == 0
    assert report.sections["population"].unmatched == ["row 2: 900"]


def test_no_usable_areas_stops(tmp_path: Path) -> None:
    areas = area_frame().drop(columns="pop")
    areas["code"] = None
    recipe = write_region(tmp_path, areas=areas, sections=("population",))
    with pytest.raises(DataError, match="no usable areas") as info:
        build_from_recipe(recipe)
    assert [(p.row, p.column) for p in info.value.problems] == [(r, "code") for r in (1, 2, 3, 4)]


def test_areas_section_needs_population(tmp_path: Path) -> None:
    recipe = write_region(tmp_path, sections=())
    with pytest.raises(DataError, match=r"needs column\(s\) population"):
        build_from_recipe(recipe)


def test_real_world_names_round_trip(tmp_path: Path, new_workspace: Workspace) -> None:
    recipe = write_region(tmp_path / "region", "xlsx-wkt")
    out = new_workspace
    build_workspace(recipe, out)
    assert read_workspace(out)["areas"]["name"].tolist() == list(AREA_NAMES)

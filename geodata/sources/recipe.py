"""Recipes: a TOML file that turns a region's own files into a workspace.

See DESIGN.md ("Recipes") for the format. :func:`build_from_recipe` reads every section, maps the
columns, validates each table, joins population and insured counts onto the areas, and returns the
tables with a :class:`BuildReport`; nothing is written. :func:`build_workspace` then saves them as a
new workspace version.

The parts, by job: what a recipe may say (:mod:`geodata.sources.recipe_format`), the build report
(:mod:`geodata.sources.recipe_report`), reading one section (:mod:`geodata.sources.recipe_sections`),
the joins onto areas and facilities (:mod:`geodata.sources.recipe_joins`) and the checks of where
points fall (:mod:`geodata.sources.recipe_checks`); the travel-time files (``[roads]``,
``[rasters]``) are kept by :mod:`geodata.sources.inputs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.sources.grid_areas import hexagon_areas, read_places
from geodata.sources.inputs import input_rows, recipe_inputs
from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN
from geodata.sources.recipe_checks import (
    check_swapped,
    flag_insured_above_population,
    outreach_areas,
    reject_far_points,
)
from geodata.sources.recipe_format import load_recipe
from geodata.sources.recipe_joins import insured_table, join_population, utilisation_table
from geodata.sources.recipe_report import BuildReport, SectionReport
from geodata.sources.recipe_sections import conform_in_source_terms, drop_internal, read_section
from geodata.store import messages
from geodata.store.workspace import save_version
from geodata.tables import schema as S
from geodata.tables.periods import calendar_setting, settle_periods
from geodata.tables.problems import DataError


def build_from_recipe(recipe_path: str | Path) -> tuple[dict[str, pd.DataFrame], BuildReport]:
    """Read, validate and join every section of a recipe; nothing is written.

    Returns
    -------
    tables, report
        The workspace tables and the build report.

    Raises
    ------
    DataError
        When the build cannot go on (missing file, broken TOML, no CRS, duplicate ids, swapped
        coordinates …); its message names the file, row and column.
    """
    recipe_path = Path(recipe_path)
    recipe = load_recipe(recipe_path)
    base = recipe_path.parent
    report = BuildReport(
        recipe=recipe_path.name,
        title=str(recipe.get("name", recipe_path.stem)),
        titles={
            key.removeprefix("name_"): str(recipe[key])
            for key in ("name_fa", "name_vi", "name_en")
            if str(recipe.get(key) or "").strip()
        },
    )
    if "calendar" in recipe:
        report.calendar = calendar_setting(recipe["calendar"], recipe_path.name)
    tables: dict[str, pd.DataFrame] = {}

    areas_section = dict(recipe["areas"])
    if "population" in recipe and "population" not in areas_section.get("columns", {}):
        # The population comes from its own section; until joined, every area has none.
        areas_section["defaults"] = {**areas_section.get("defaults", {}), "population": None}
    if "grid" in areas_section:
        areas = _grid_areas(areas_section, base, report)
    else:
        areas, _ = read_section(areas_section, S.AREAS, base, "areas", report)
    if areas.empty:
        raise DataError(
            f"{areas_section['path']}: no usable areas (every row was rejected); nothing was saved.",
            report.problems,
        )
    if "population" in recipe:
        areas = join_population(areas, recipe["population"], base, report)
    tables["areas"] = areas
    region = areas.union_all() if len(areas) else None

    if "facilities" in recipe:
        facilities, _ = read_section(recipe["facilities"], S.FACILITIES, base, "facilities", report)
        check_swapped(facilities, region, recipe["facilities"], "facilities")
        tables["facilities"] = reject_far_points(facilities, areas, "facilities", report)
    if "insured" in recipe:
        tables["insured"] = insured_table(recipe["insured"], areas, base, report)
    for name in ("partners", "targets"):
        if name in recipe:
            tables[name], _ = read_section(recipe[name], S.TABLES[name], base, name, report)
    if "outreach" in recipe:
        outreach, _ = read_section(recipe["outreach"], S.OUTREACH, base, "outreach", report)
        tables["outreach"] = outreach_areas(outreach, areas, report)
    if "utilisation" in recipe:
        tables["utilisation"] = utilisation_table(
            recipe["utilisation"], tables.get("facilities"), base, report
        )

    if "partners" in tables and "partner_id" in areas:
        known = set(tables["partners"]["partner_id"])
        unknown = areas["partner_id"].notna() & ~areas["partner_id"].isin(known)
        if unknown.any():
            report.sections["areas"].notes.append(
                f"{int(unknown.sum())} areas name a partner_id that is not in the partners table: "
                + ", ".join(sorted(set(areas.loc[unknown, "partner_id"])))[:300]
            )
    if "insured" in tables and len(tables["insured"]):
        count_column = recipe["insured"].get("columns", {}).get("insured", "insured")
        flag_insured_above_population(tables["insured"], areas, str(count_column), report)
    report.calendar, report.calendar_proposed = settle_periods(tables, report.calendar)
    for name, frame in tables.items():
        tables[name] = drop_internal(frame)
    files = recipe_inputs(recipe, base, recipe_path.name)
    if files:
        tables["inputs"] = input_rows(files)
        for section, roles in (("roads", ("roads", "speeds")), ("rasters", None)):
            held = {
                r: f
                for r, f in files.items()
                if (r in roles if roles else r not in ("roads", "speeds"))
            }
            if held:
                report.sections[section] = SectionReport(
                    source=", ".join(sorted({p.parent.name for ps in held.values() for p in ps})),
                    read=sum(map(len, held.values())),
                    kept=sum(map(len, held.values())),
                    notes=[
                        f"{role}: {', '.join(p.name for p in paths)} "
                        f"({sum(p.stat().st_size for p in paths):,} bytes)"
                        for role, paths in held.items()
                    ],
                )
    return tables, report


def build_workspace(
    recipe_path: str | Path, out: str | Path, *, author: str = "", message: str | None = None
) -> tuple[int, BuildReport]:
    """Build a recipe and save the tables as a new version of the workspace ``out``."""
    tables, report = build_from_recipe(recipe_path)
    version = save_version(
        out,
        tables,
        message=message or messages.message("build", file=Path(recipe_path).name),
        author=author,
        summary={
            "report": report.counts(),
            "title": report.title,
            "titles": report.titles,
            "calendar": report.calendar,
        },
    )
    return version, report


def _grid_areas(section: Mapping, base: Path, report: BuildReport) -> gpd.GeoDataFrame:
    """``[areas] grid = "hexagon"``: areas and their people from a population raster."""
    raster = base / str(section["population_raster"])
    report.sections["areas"] = rep = SectionReport(source=str(section["population_raster"]))
    places = None
    if section.get("place_names"):
        where = base / str(section["place_names"])
        if not where.exists():
            raise DataError(f"[areas] place_names: file not found: {section['place_names']}")
        places = read_places(where)
    areas = hexagon_areas(
        raster,
        float(section["cell_km"]),
        district_names=section.get("district_names"),
        places=places,
    )
    for column, value in dict(section.get("defaults", {})).items():
        if column not in areas and column != "population":
            areas[column] = value
    areas[ROW_COLUMN] = range(1, len(areas) + 1)
    areas[SOURCE_COLUMN] = raster.name
    table, problems = conform_in_source_terms(areas, S.AREAS, raster.name, {})
    report.problems += problems
    rep.read = rep.kept = len(table)
    rep.notes.append(
        f"{len(table)} hexagons {section['cell_km']} km across from {raster.name}, "
        f"{int(table['population'].sum()):,} people in "
        f"{table['district_id'].nunique()} districts."
    )
    return table

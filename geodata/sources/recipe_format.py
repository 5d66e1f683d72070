"""What a recipe may say, and :func:`load_recipe`, which reads one and checks every setting.

See DESIGN.md ("Recipes") for the format: one TOML table per workspace table, plus the files of
the travel-time engines (``[roads]``, ``[rasters]``, :mod:`geodata.sources.inputs`). A mistake is a
:class:`DataError` that names the recipe file, the section and the setting.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from geodata.sources.grid_areas import check_grid_settings
from geodata.sources.inputs import recipe_inputs
from geodata.tables import schema as S
from geodata.tables.periods import calendar_setting
from geodata.tables.problems import DataError

SECTIONS = (
    "areas",
    "population",
    "facilities",
    "insured",
    "partners",
    "targets",
    "outreach",
    "utilisation",
)
SECTION_KEYS = {
    "path",
    "columns",
    "crs",
    "sheet",
    "encoding",
    "layer",
    "key",
    "key_column",
    "key_pattern",
    "points",
    "filter",
    "type_map",
    "defaults",
    "aggregate",
    "measures",
    # [areas] made from a population raster (geodata.sources.grid_areas)
    "grid",
    "population_raster",
    "cell_km",
    "district_names",
    "place_names",
    "fill",
}
GRID_KEYS = {"grid", "population_raster", "cell_km", "district_names", "place_names"}
GEOMETRY_KEYS = {"lat", "lon", "wkt"}
# Files of the travel-time engines, kept byte for byte in the workspace (geodata.sources.inputs)
INPUT_SECTIONS = ("roads", "rasters")
# The type each setting must have, as TOML writes it.
SETTING_TYPES: dict[str, tuple[type, ...]] = {
    "path": (str,),
    "crs": (str, int),
    "sheet": (str, int),
    "encoding": (str,),
    "layer": (str,),
    "key": (str,),
    "key_column": (str,),
    "key_pattern": (str,),
    "points": (bool,),
    "filter": (dict,),
    "type_map": (dict,),
    "defaults": (dict,),
    "aggregate": (str,),
    "measures": (dict,),
    "grid": (str,),
    "population_raster": (str,),
    "cell_km": (int, float),
    "district_names": (dict,),
    "place_names": (str,),
    "fill": (dict,),
}


def load_recipe(path: str | Path) -> dict:
    """Parse and check a recipe file; every mistake is a :class:`DataError` naming where it is."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"Recipe not found: {path}")
    try:
        recipe = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path.name}: not valid TOML — {exc}.") from None
    except UnicodeDecodeError:
        raise DataError(f"{path.name}: the recipe must be UTF-8 text.") from None
    unknown = (
        set(recipe)
        - set(SECTIONS)
        - set(INPUT_SECTIONS)
        - {"name", "name_fa", "name_vi", "name_en", "description", "vintage", "calendar"}
    )
    if unknown:
        raise DataError(
            f"{path.name}: unknown section(s) {sorted(unknown)}; sections are {', '.join(SECTIONS)}."
        )
    if "areas" not in recipe:
        raise DataError(f"{path.name}: a recipe needs an [areas] section.")
    if "calendar" in recipe:
        calendar_setting(recipe["calendar"], path.name)
    recipe_inputs(recipe, path.parent, path.name)  # [roads] and [rasters]: files named exist
    for name in SECTIONS:
        section = recipe.get(name)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise DataError(f"{path.name}: [{name}] must be a table of settings.")
        gridded = name == "areas" and "grid" in section
        if "path" not in section and not gridded:
            raise DataError(f"{path.name}: [{name}] needs a path.")
        allowed_keys = SECTION_KEYS if gridded else SECTION_KEYS - GRID_KEYS
        bad = set(section) - allowed_keys
        if bad:
            raise DataError(
                f"{path.name}: [{name}] has unknown setting(s) {sorted(bad)}; allowed: "
                f"{', '.join(sorted(SECTION_KEYS))}."
            )
        for setting, types in SETTING_TYPES.items():
            value = section.get(setting)
            if value is not None and (
                not isinstance(value, types) or (bool not in types and isinstance(value, bool))
            ):
                kinds = " or ".join(
                    {str: "text", int: "a number", bool: "true/false", dict: "a table { … }"}[t]
                    for t in types
                )
                raise DataError(f"{path.name}: [{name}] {setting} must be {kinds}, not {value!r}.")
        if gridded:
            check_grid_settings(section, path.name)
        columns = section.get("columns", {})
        summed = name == "population" and section.get("aggregate") == "sum"
        if not isinstance(columns, dict) or not all(
            isinstance(v, str) or (summed and isinstance(v, list)) for v in columns.values()
        ):
            raise DataError(
                f"{path.name}: [{name}] columns must map names to source column names "
                "(a list of columns to add up only with aggregate = 'sum' in [population])."
            )
        if "measures" in section and name != "utilisation":
            raise DataError(f"{path.name}: [{name}] measures is a setting of [utilisation] only.")
        if name == "utilisation" and section.get("key_column") not in (None, "facility_id", "name"):
            raise DataError(
                f"{path.name}: [utilisation] key_column must be 'facility_id' or 'name'."
            )
        if section.get("aggregate") not in (None, "sum"):
            raise DataError(f"{path.name}: [{name}] aggregate can only be 'sum'.")
        table = S.AREAS if name == "population" else S.TABLES[name]
        allowed = set(table.columns) | ({"date"} | GEOMETRY_KEYS if name != "population" else set())
        wrong = set(columns) - allowed
        if wrong:
            raise DataError(
                f"{path.name}: [{name}] columns {sorted(wrong)} are not columns of the "
                f"{table.name} table (columns: {', '.join(table.columns)})."
            )
    return recipe

"""Recipes: a TOML file that turns a region's own files into a workspace.

See DESIGN.md ("Recipes") for the format. :func:`build_from_recipe` reads every section, maps the
columns, validates each table, joins population and insured counts onto the areas, and returns the
tables with a :class:`BuildReport`; nothing is written. :func:`build_workspace` then saves them as a
new workspace version.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.sources.fill import fill_blanks
from geodata.sources.grid_areas import check_grid_settings
from geodata.sources.inputs import input_rows, recipe_inputs
from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN, read_source
from geodata.store.workspace import save_version
from geodata.tables import schema as S
from geodata.tables.calendar import GREGORIAN
from geodata.tables.periods import calendar_setting, settle_periods
from geodata.tables.problems import DataError, Problem
from geodata.tables.text import name_key, parse_numbers
from geodata.tables.utilisation import check_utilisation, facility_ids_by_name, melt_measures
from geodata.tables.validate import clean_ids, conform

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


@dataclass
class SectionReport:
    """What happened to one recipe section."""

    source: str
    read: int = 0
    kept: int = 0
    joined: int | None = None
    filtered: int = 0
    unmatched: list[str] = field(default_factory=list)
    repaired: int = 0
    rejected: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class BuildReport:
    """The build report: rows read, joined, unmatched, repaired and rejected, per section."""

    recipe: str
    title: str = ""
    calendar: str | None = (
        None  # reporting months: the recipe's, or proposed (geodata.tables.periods)
    )
    calendar_proposed: bool = False
    sections: dict[str, SectionReport] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int | None]]:
        return {
            name: {
                "read": s.read,
                "kept": s.kept,
                "joined": s.joined,
                "filtered": s.filtered,
                "unmatched": len(s.unmatched),
                "repaired": s.repaired,
                "rejected": s.rejected,
            }
            for name, s in self.sections.items()
        }

    def render(self, max_rows: int = 40) -> str:
        """The report as text, one block per section, problems listed with file, row, column."""
        lines = [f"Build report for {self.recipe}"]
        if self.calendar:
            how = " (proposed by the periods' dates)" if self.calendar_proposed else ""
            lines.append(f"  reporting months: {self.calendar.replace('_', ' ')}{how}")
        for name, s in self.sections.items():
            parts = [f"read {s.read}", f"kept {s.kept}"]
            if s.joined is not None:
                parts.append(f"joined {s.joined}")
            if s.filtered:
                parts.append(f"filtered out {s.filtered}")
            parts += [
                f"unmatched {len(s.unmatched)}",
                f"repaired {s.repaired}",
                f"rejected {s.rejected}",
            ]
            lines.append(f"[{name}] {s.source}: " + ", ".join(parts))
            if s.unmatched:
                shown = ", ".join(s.unmatched[:max_rows])
                more = (
                    f" … and {len(s.unmatched) - max_rows} more"
                    if len(s.unmatched) > max_rows
                    else ""
                )
                lines.append(f"    unmatched: {shown}{more}")
            lines += [f"    note: {n}" for n in s.notes]
        if self.problems:
            lines.append(f"Problems ({len(self.problems)}):")
            by_kind: dict[str, int] = {}
            for p in self.problems:
                by_kind[p.problem] = by_kind.get(p.problem, 0) + 1
            for p in self.problems[:max_rows]:
                lines.append(f"  - [{p.severity}] {p}")
            if len(self.problems) > max_rows:
                lines.append(f"  … and {len(self.problems) - max_rows} more:")
                for what, n in sorted(by_kind.items(), key=lambda kv: -kv[1]):
                    lines.append(f"      {n} × {what}")
        return "\n".join(lines)


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
        - {"name", "description", "vintage", "calendar"}
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
    report = BuildReport(recipe=recipe_path.name, title=str(recipe.get("name", recipe_path.stem)))
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
        areas, _ = _read_section(areas_section, S.AREAS, base, "areas", report)
    if areas.empty:
        raise DataError(
            f"{areas_section['path']}: no usable areas (every row was rejected); nothing was saved.",
            report.problems,
        )
    if "population" in recipe:
        areas = _join_population(areas, recipe["population"], base, report)
    tables["areas"] = areas
    region = areas.union_all() if len(areas) else None

    if "facilities" in recipe:
        facilities, _ = _read_section(
            recipe["facilities"], S.FACILITIES, base, "facilities", report
        )
        _check_swapped(facilities, region, recipe["facilities"], "facilities")
        tables["facilities"] = _reject_far_points(facilities, areas, "facilities", report)
    if "insured" in recipe:
        tables["insured"] = _insured(recipe["insured"], areas, base, report)
    for name in ("partners", "targets"):
        if name in recipe:
            tables[name], _ = _read_section(recipe[name], S.TABLES[name], base, name, report)
    if "outreach" in recipe:
        outreach, _ = _read_section(recipe["outreach"], S.OUTREACH, base, "outreach", report)
        tables["outreach"] = _outreach_areas(outreach, areas, report)
    if "utilisation" in recipe:
        tables["utilisation"] = _utilisation(
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
        _flag_insured_above_population(tables["insured"], areas, str(count_column), report)
    report.calendar, report.calendar_proposed = settle_periods(tables, report.calendar)
    for name, frame in tables.items():
        tables[name] = _drop_internal(frame)
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
        message=message or f"build from {Path(recipe_path).name}",
        author=author,
        summary={"report": report.counts(), "title": report.title, "calendar": report.calendar},
    )
    return version, report


def _grid_areas(section: Mapping, base: Path, report: BuildReport) -> gpd.GeoDataFrame:
    """``[areas] grid = "hexagon"``: areas and their people from a population raster."""
    from geodata.sources.grid_areas import hexagon_areas, read_places

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
    table, problems = _conform(areas, S.AREAS, raster.name, {})
    report.problems += problems
    rep.read = rep.kept = len(table)
    rep.notes.append(
        f"{len(table)} hexagons {section['cell_km']} km across from {raster.name}, "
        f"{int(table['population'].sum()):,} people in "
        f"{table['district_id'].nunique()} districts."
    )
    return table


def _open_section(
    section: Mapping, base: Path, name: str, report: BuildReport, **geometry_args: str
) -> tuple[pd.DataFrame, SectionReport]:
    """Read a section's source file(s) and start its report (rows read, filtered, problems)."""
    frame, problems = read_source(
        section["path"],
        base,
        crs=section.get("crs"),
        sheet=section.get("sheet"),
        encoding=section.get("encoding"),
        layer=section.get("layer"),
        keep=section.get("filter"),
        **geometry_args,
    )
    rep = SectionReport(source=str(section["path"]), read=len(frame) + len(problems))
    rep.filtered = frame.attrs.get("filtered", 0)
    rep.read += rep.filtered
    report.sections[name] = rep
    report.problems += problems
    return frame, rep


def _read_section(
    section: Mapping, table: S.TableSchema, base: Path, name: str, report: BuildReport
) -> tuple[pd.DataFrame, SectionReport]:
    columns = dict(section.get("columns", {}))
    geometry_args = {k: columns.pop(k) for k in list(columns) if k in GEOMETRY_KEYS}
    frame, rep = _open_section(section, base, name, report, **geometry_args)
    if section.get("fill"):
        frame = fill_blanks(frame, section["fill"], columns, section["path"], rep.notes)
    frame = _rename(frame, columns, section["path"])
    for column, value in dict(section.get("defaults", {})).items():
        if column not in frame:
            frame[column] = value
    name = Path(section["path"]).name
    type_map = section.get("type_map")
    conformed, problems = _conform(
        frame, table, name, columns, type_map=type_map, months=report.calendar
    )
    report.problems += problems
    rep.kept = len(conformed)
    rep.repaired = sum(p.severity == "repaired" for p in problems)
    rep.rejected = rep.read - rep.filtered - len(conformed)
    return conformed, rep


def _conform(
    frame: pd.DataFrame,
    table: S.TableSchema,
    source: str,
    columns: Mapping[str, object],
    *,
    type_map: Mapping[str, str] | None = None,
    months: str | None = GREGORIAN,  # the periods' calendar; None: kept as dated (to propose one)
) -> tuple[pd.DataFrame, list[Problem]]:
    """:func:`conform`, with every problem naming the file's own column (``value``, not ``population``)."""
    try:
        conformed, problems = conform(
            frame, table, source=source, type_map=type_map, period_months=months
        )
    except DataError as exc:
        raise DataError(exc.message, _in_source_terms(exc.problems, columns)) from None
    return conformed, _in_source_terms(problems, columns)


def _in_source_terms(problems: list[Problem], columns: Mapping[str, object]) -> list[Problem]:
    """Problems whose column is the one a person sees in the file the recipe maps from."""
    out = []
    for p in problems:
        src = columns.get(p.column) if p.column else None
        if isinstance(src, list):
            src = " + ".join(map(str, src))
        if isinstance(src, str) and src != p.column and not src.startswith("_"):
            p = replace(p, column=src)
        out.append(p)
    return out


def _rename(frame: pd.DataFrame, columns: Mapping[str, str], source: str) -> pd.DataFrame:
    missing = [src for src in columns.values() if src not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: column(s) {missing} named in the recipe are not in the file (columns: "
            f"{', '.join(c for c in frame.columns if not str(c).startswith('_'))})."
        )
    keep = [*columns.values(), ROW_COLUMN, SOURCE_COLUMN]
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    if geometry:
        keep.append(geometry)
    selected = frame[[c for c in dict.fromkeys(keep) if c in frame.columns]].copy()
    renamed = selected.rename(columns={src: dst for dst, src in columns.items()})
    for dst, src in columns.items():  # one source column mapped to two targets
        if dst not in renamed:
            renamed[dst] = frame[src]
    if geometry:
        renamed = gpd.GeoDataFrame(renamed, geometry=geometry, crs=frame.crs)
        if geometry != "geometry":
            renamed = renamed.rename_geometry("geometry")
    return renamed


def _area_keys(areas: pd.DataFrame, key_column: str, source: str) -> pd.Series:
    if key_column not in areas:
        raise DataError(f"{source}: key_column '{key_column}' is not a column of the areas table.")
    return areas[key_column].map(name_key)


def _source_keys(frame: pd.DataFrame, key: str, pattern: str | None, source: str) -> pd.Series:
    if key not in frame:
        raise DataError(f"{source}: key column '{key}' is not in the file.")
    values = frame[key].astype("string")
    if pattern:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise DataError(
                f"{source}: key_pattern is not a valid regular expression ({exc})."
            ) from None
        if regex.groups < 1:
            raise DataError(f"{source}: key_pattern needs a group, e.g. 'm(\\d+)'.")
        values = values.str.extract(regex, expand=False)
    return values.map(name_key, na_action="ignore")


def _join_population(
    areas: gpd.GeoDataFrame, section: Mapping, base: Path, report: BuildReport
) -> gpd.GeoDataFrame:
    source = str(section["path"])
    columns = dict(section.get("columns", {}))
    if "key" not in section:
        raise DataError(f"[population] needs key = the column that names the area in {source}.")
    frame, rep = _open_section(section, base, "population", report)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    frame = frame.copy()
    for dst, src in list(columns.items()):
        if isinstance(src, list):  # several source columns added up into one
            missing = [c for c in src if c not in frame]
            if missing:
                raise DataError(
                    f"{source}: column(s) {missing} named in the recipe are not in the file."
                )
            parts = []
            for column in src:
                numbers, bad = parse_numbers(frame[column])
                _report_rows(
                    frame,
                    bad,
                    column,
                    f"not a number; {dst} kept as missing",
                    Path(source).name,
                    report,
                )
                parts.append(numbers)
            frame[f"_sum_{dst}"] = sum(parts[1:], parts[0])  # a missing part leaves it missing
            columns[dst] = f"_sum_{dst}"
    keys = _source_keys(frame, section["key"], section.get("key_pattern"), source)
    value_columns = {dst: src for dst, src in columns.items() if dst in S.AREAS.kinds}
    renamed = _rename(frame, value_columns, source)
    renamed["_key"] = keys.to_numpy()
    typed, problems = _conform(
        renamed,
        S.TableSchema("population", (), S.AREAS.optional + ("population",), S.AREAS.kinds),
        Path(source).name,
        dict(section.get("columns", {})),
    )
    report.problems += problems
    if section.get("aggregate") == "sum":
        typed = _sum_by_key(typed, value_columns)
    no_key = typed["_key"].isna() | (typed["_key"] == "")
    for row in typed.loc[no_key, ROW_COLUMN]:
        report.problems.append(
            Problem(
                Path(source).name,
                "no key; row not joined",
                int(row),
                section["key"],
                None,
                "rejected",
            )
        )
    typed = typed.loc[~no_key]
    dup = typed["_key"].duplicated(keep=False)
    if dup.any():
        raise DataError(
            f"{source}: {int(dup.sum())} rows share a key, so the population cannot be joined "
            "unambiguously.",
            [
                Problem(Path(source).name, "duplicate key", int(r), section["key"], str(k))
                for r, k in zip(typed.loc[dup, ROW_COLUMN], typed.loc[dup, "_key"], strict=True)
            ],
        )
    key_column = section.get("key_column", "area_id")
    area_keys = _area_keys(areas, key_column, source)
    shared = _shared_keys(area_keys)
    ambiguous = typed["_key"].isin(shared)
    for row, value in zip(
        typed.loc[ambiguous, ROW_COLUMN], typed.loc[ambiguous, "_key"], strict=True
    ):
        report.problems.append(
            Problem(
                Path(source).name,
                f"matches more than one area by {key_column}; not joined",
                int(row),
                section["key"],
                str(value),
                "rejected",
            )
        )
    typed = typed.loc[~ambiguous]
    area_keys = area_keys.where(~area_keys.isin(shared), "")
    matched = typed["_key"].isin(set(area_keys) - {""})
    rep.unmatched = [
        f"row {r}: {v}"
        for r, v in zip(typed.loc[~matched, ROW_COLUMN], typed.loc[~matched, "_key"], strict=True)
    ]
    lookup = typed.loc[matched].set_index("_key")
    out = areas.copy()
    for column in value_columns:
        joined = area_keys.map(lookup[column])
        if column in out:
            out[column] = joined.where(joined.notna(), out[column])
        else:
            out[column] = joined
        if S.AREAS.kinds.get(column) == "count":
            out[column] = out[column].astype("Int64")
    rep.kept = int(matched.sum())
    rep.joined = int(area_keys.isin(set(typed.loc[matched, "_key"])).sum())
    rep.rejected = int(no_key.sum()) + int(ambiguous.sum())
    missing_pop = int(out["population"].isna().sum()) if "population" in out else len(out)
    rep.notes.append(
        f"{rep.joined} of {len(out)} areas joined; {len(out) - missing_pop} have a population, "
        f"{missing_pop} have none (shown as no data, never zero)."
    )
    return out


def _sum_by_key(typed: pd.DataFrame, value_columns: Mapping[str, str]) -> pd.DataFrame:
    """Add up the numeric columns of rows that share a key (text columns keep the first value).

    A sum with a missing part is missing: a blank cell is not a zero.
    """
    numeric = [c for c in value_columns if S.AREAS.kinds.get(c) in ("count", "number")]
    agg: dict[str, str] = {ROW_COLUMN: "first", SOURCE_COLUMN: "first"}
    for column in value_columns:
        agg[column] = "sum" if column in numeric else "first"
    summed = typed.groupby("_key", dropna=False).agg(agg)
    if numeric:
        incomplete = typed[numeric].isna().groupby(typed["_key"], dropna=False).any()
        summed[numeric] = summed[numeric].mask(incomplete)
    summed = summed.reset_index()
    for column in value_columns:
        if S.AREAS.kinds.get(column) == "count":
            summed[column] = summed[column].astype("Int64")
    return summed


def _insured(
    section: Mapping, areas: gpd.GeoDataFrame, base: Path, report: BuildReport
) -> pd.DataFrame:
    source = str(section["path"])
    if section.get("points"):
        return _insured_points(section, areas, base, report)
    file_name = Path(source).name
    columns = dict(section.get("columns", {}))
    key = section.get("key") or columns.get("area_id")
    if not key:
        raise DataError(
            f"[insured] needs the column that names the area in {source}: key = '…' or "
            "columns = { area_id = '…' }."
        )
    frame, rep = _open_section(section, base, "insured", report)
    if key not in frame:
        raise DataError(f"{source}: key column '{key}' is not in the file.")
    frame = frame.copy()
    if section.get("key") or section.get("key_pattern") or section.get("key_column"):
        keys = _source_keys(frame, key, section.get("key_pattern"), source)
        key_column = section.get("key_column", "area_id")
        area_keys = _area_keys(areas, key_column, source)
        shared = _shared_keys(area_keys)
        ambiguous = keys.isin(shared)
        lookup = pd.Series(areas["area_id"].to_numpy(), index=area_keys.to_numpy())
        lookup = lookup[~lookup.index.isin(shared) & (lookup.index != "")]
        frame["_area_id"] = keys.map(lookup).where(~ambiguous)
        _report_rows(
            frame,
            ambiguous,
            key,
            f"matches more than one area by {key_column}; row rejected",
            file_name,
            report,
        )
        unmatched = frame["_area_id"].isna() & ~ambiguous
    else:
        frame["_area_id"] = clean_ids(frame[key])
        unmatched = ~frame["_area_id"].isin(set(areas["area_id"]))
        ambiguous = pd.Series(False, index=frame.index)
    columns["area_id"] = "_area_id"
    rep.unmatched = sorted(set(frame.loc[unmatched, key].dropna().astype(str)))
    _report_rows(frame, unmatched, key, "matches no area; row rejected", file_name, report)
    frame = frame.loc[~(unmatched | ambiguous)]
    frame = _rename(frame, columns, source)
    for column, value in dict(section.get("defaults", {})).items():
        if column not in frame:
            frame[column] = value
    if "scheme" not in frame:
        frame["scheme"] = "health"
    keyed = {**columns, "area_id": key}
    table, problems = _conform(frame, S.INSURED, file_name, keyed, months=report.calendar)
    report.problems += problems
    rep.kept = len(table)
    rep.joined = len(table)
    rep.rejected = rep.read - rep.filtered - len(table)
    return table


def _utilisation(
    section: Mapping, facilities: pd.DataFrame | None, base: Path, report: BuildReport
) -> pd.DataFrame:
    """Facility activity per period: long rows (``measure`` and ``value`` columns), or a wide
    table whose ``measures = { visits = "column", … }`` are melted into rows. Rows must name a
    facility of the [facilities] section, by id or (``key_column = "name"``) by name."""
    source = str(section["path"])
    file_name = Path(source).name
    if facilities is None:
        raise DataError(
            f"[utilisation] {source}: utilisation records name facilities; the recipe needs a "
            "[facilities] section."
        )
    columns = dict(section.get("columns", {}))
    frame, rep = _open_section(section, base, "utilisation", report)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    measures = section.get("measures")
    if measures:
        if "measure" in columns or "value" in columns:
            raise DataError(
                f"[utilisation] {source}: use either measures = {{ … }} or the measure and value "
                "columns, not both."
            )
        frame = melt_measures(frame, measures, source)
        columns.update(measure="measure", value="value")
    frame = _rename(frame, columns, source)
    for column, value in dict(section.get("defaults", {})).items():
        if column not in frame:
            frame[column] = value
    facility_column = str(columns.get("facility_id", "facility_id"))
    if section.get("key_column") == "name" and "facility_id" in frame:
        ids, problems = facility_ids_by_name(frame, facilities, file_name, facility_column)
        report.problems += problems
        frame["facility_id"] = ids.to_numpy()
        frame = frame[frame["facility_id"].notna().to_numpy()]
    table, problems = _conform(frame, S.UTILISATION, file_name, columns, months=report.calendar)
    report.problems += problems
    kept, problems, unmatched = check_utilisation(table, facilities, file_name, facility_column)
    report.problems += problems
    rep.unmatched = unmatched
    rep.kept = len(kept)
    rep.joined = len(kept)
    rep.rejected = rep.read - rep.filtered - len(kept) if not measures else len(problems)
    if len(kept):
        rep.notes.append(
            f"{kept['facility_id'].nunique()} facilities, {kept['measure'].nunique()} measures, "
            f"{kept['period'].nunique()} periods."
        )
    return kept


def _shared_keys(area_keys: pd.Series) -> set[str]:
    """Keys that more than one area has (two neighbourhoods with one name): joining by them is a guess."""
    counts = area_keys[area_keys != ""].value_counts()
    return set(counts.index[counts > 1])


def _report_rows(
    frame: pd.DataFrame,
    mask: pd.Series,
    column: str,
    problem: str,
    file_name: str,
    report: BuildReport,
) -> None:
    for row, value in zip(frame.loc[mask, ROW_COLUMN], frame.loc[mask, column], strict=True):
        shown = None if pd.isna(value) else str(value)
        report.problems.append(Problem(file_name, problem, int(row), column, shown, "rejected"))


def _insured_points(
    section: Mapping, areas: gpd.GeoDataFrame, base: Path, report: BuildReport
) -> pd.DataFrame:
    """Person or household records with coordinates, assigned to areas and counted per month."""
    source = str(section["path"])
    columns = dict(section.get("columns", {}))
    geometry_args = {k: columns.pop(k) for k in list(columns) if k in GEOMETRY_KEYS}
    if not geometry_args:
        raise DataError(f"[insured] points = true needs lat and lon (or wkt) columns in {source}.")
    date_column = columns.get("period") or columns.get("date")
    if not date_column:
        raise DataError(
            f"[insured] points = true needs a period (enrolment date) column in {source}."
        )
    frame, rep = _open_section(section, base, "insured", report, **geometry_args)
    wanted = [date_column] + ([columns["scheme"]] if "scheme" in columns else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: column(s) {missing} named in the recipe are not in the file (columns: "
            f"{', '.join(c for c in frame.columns if not str(c).startswith('_'))})."
        )
    points = frame.to_crs(S.STORAGE_CRS)
    _check_swapped(points, areas.union_all(), section, "insured")
    joined = gpd.sjoin(
        points[[ROW_COLUMN, "geometry"]],
        areas[["area_id", "geometry"]],
        how="left",
        predicate="within",
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    outside = joined["area_id"].isna()
    rep.unmatched = [f"row {r}" for r in joined.loc[outside, ROW_COLUMN].head(200)]
    for row in joined.loc[outside, ROW_COLUMN]:
        report.problems.append(
            Problem(
                Path(source).name,
                "point lies in no area; not counted",
                int(row),
                "/".join(geometry_args.values()),
                None,
                "rejected",
            )
        )
    records = pd.DataFrame(
        {
            "area_id": joined["area_id"],
            "period": frame[date_column],
            "scheme": frame[columns["scheme"]] if "scheme" in columns else "household",
            "insured": 1,
            ROW_COLUMN: frame[ROW_COLUMN],
            SOURCE_COLUMN: Path(source).name,
        }
    ).loc[~outside]
    typed, problems = _conform(
        records,
        S.TableSchema(
            "insured_points", ("area_id", "period"), ("insured", "scheme"), S.INSURED.kinds
        ),
        Path(source).name,
        {"period": date_column, "scheme": columns.get("scheme")},
        # Records are counted into months here: in the recipe's calendar, Gregorian unless named.
        months=report.calendar or GREGORIAN,
    )
    report.problems += problems
    counts = (
        typed.groupby(["area_id", "period", "scheme"], as_index=False, dropna=False)["insured"]
        .sum()
        .assign(source="points")
    )
    counts["insured"] = counts["insured"].astype("Int64")
    rep.kept = int(len(typed))
    rep.joined = int(len(typed))
    rep.rejected = rep.read - rep.kept
    rep.notes.append(f"{rep.kept} records counted into {len(counts)} area-month-scheme rows.")
    return counts


def _outreach_areas(
    outreach: pd.DataFrame, areas: gpd.GeoDataFrame, report: BuildReport
) -> pd.DataFrame:
    if not isinstance(outreach, gpd.GeoDataFrame):
        return outreach
    has_point = outreach.geometry.notna() & ~outreach.geometry.is_empty
    need = has_point & (outreach["area_id"].isna() if "area_id" in outreach else True)
    if need.any():
        joined = gpd.sjoin(
            outreach.loc[need, ["geometry"]],
            areas[["area_id", "geometry"]],
            how="left",
            predicate="within",
        )
        joined = joined[~joined.index.duplicated(keep="first")]
        outreach = outreach.copy()
        outreach.loc[need, "area_id"] = joined["area_id"]
        outside = int(joined["area_id"].isna().sum())
        report.sections["outreach"].notes.append(
            f"{int(need.sum()) - outside} sessions placed in areas by their location"
            + (f"; {outside} lie in no area and keep no area_id." if outside else ".")
        )
    return outreach


def _check_swapped(points: pd.DataFrame, region, section: Mapping, name: str) -> None:
    """Stop when most points fall outside the areas but would fall inside with x and y swapped."""
    if region is None or not isinstance(points, gpd.GeoDataFrame) or len(points) < 3:
        return
    geoms = points.geometry
    geoms = geoms[geoms.notna() & ~geoms.is_empty & (geoms.geom_type == "Point")]
    if len(geoms) < 3:
        return
    hull = gpd.GeoSeries([region.convex_hull], crs=S.STORAGE_CRS)
    x, y = geoms.x.to_numpy(), geoms.y.to_numpy()
    inside = gpd.points_from_xy(x, y, crs=S.STORAGE_CRS).within(hull.iloc[0]).mean()
    swapped = gpd.points_from_xy(y, x, crs=S.STORAGE_CRS).within(hull.iloc[0]).mean()
    if swapped > 0.5 and inside < 0.1:
        columns = section.get("columns", {})
        if columns.get("lat") and columns.get("lon"):
            fix = (
                f"Swap lat = '{columns['lat']}' and lon = '{columns['lon']}' in the recipe's "
                f"[{name}] columns."
            )
        else:
            fix = "The file's x and y are in the wrong order; write it again with x = longitude."
        raise DataError(
            f"{section['path']}: latitude and longitude look swapped — {swapped:.0%} of the "
            f"{name} fall inside the areas with them swapped, {inside:.0%} as given. {fix}"
        )


FAR_KM = 100.0


def _reject_far_points(
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    name: str,
    report: BuildReport,
    max_km: float = FAR_KM,
) -> gpd.GeoDataFrame:
    """Reject single points far (> ``max_km``) from every area: a typo or a swapped row.

    A whole file with swapped coordinates stops the build (:func:`_check_swapped`); here single
    rows are rejected and reported, saying when swapping that row's numbers would place it.
    """
    if not isinstance(points, gpd.GeoDataFrame) or not len(points) or not len(areas):
        return points
    has_point = points.geometry.notna() & ~points.geometry.is_empty
    if not has_point.any():
        return points
    metric = areas.estimate_utm_crs()
    hull = areas.to_crs(metric).union_all().convex_hull
    located = points.loc[has_point]
    distance = located.geometry.to_crs(metric).distance(hull) / 1000
    far = distance > max_km
    if not far.any():
        return points
    swapped = (
        gpd.GeoSeries(
            gpd.points_from_xy(located.geometry.y, located.geometry.x),
            index=located.index,
            crs=S.STORAGE_CRS,
        )
        .to_crs(metric)
        .distance(hull)
        / 1000
        <= max_km
    )
    rep = report.sections[name]
    for idx in far[far].index:
        row = points.loc[idx]
        reason = (
            "latitude and longitude look swapped in this row (swapped, it lies among the areas); "
            "row rejected"
            if swapped[idx]
            else f"location is {distance[idx]:,.0f} km from the nearest area; row rejected"
        )
        report.problems.append(
            Problem(
                str(row.get(SOURCE_COLUMN, rep.source)),
                reason,
                int(row[ROW_COLUMN]) if ROW_COLUMN in row else None,
                "location",
                f"{row.geometry.y:.6f}, {row.geometry.x:.6f}",
                "rejected",
                "correct the coordinates",
            )
        )
    rep.rejected += int(far.sum())
    rep.kept -= int(far.sum())
    return points.drop(index=far[far].index)


def _flag_insured_above_population(
    insured: pd.DataFrame, areas: pd.DataFrame, column: str, report: BuildReport
) -> None:
    """Warn (and keep the rows) where an area's insured count for a month exceeds its population."""
    if "population" not in areas:
        return
    insured = insured.assign(
        _first=insured.get(ROW_COLUMN, pd.NA),
    )
    totals = (
        insured.groupby(["area_id", "period"])
        .agg(insured=("insured", "sum"), row=("_first", "min"))
        .reset_index()
        .merge(areas[["area_id", "population"]], on="area_id", how="left")
    )
    above = (totals["population"].notna() & (totals["insured"] > totals["population"])).astype(bool)
    section = report.sections["insured"]
    for row in totals.loc[above].itertuples(index=False):
        report.problems.append(
            Problem(
                Path(section.source).name,
                f"area {row.area_id}: insured {int(row.insured):,} above the population "
                f"{int(row.population):,} in {row.period:%Y-%m}; kept and flagged",
                None if pd.isna(row.row) else int(row.row),
                column,
                str(int(row.insured)),
                "warning",
                "check the count, or the area's population",
            )
        )


def _drop_internal(frame: pd.DataFrame) -> pd.DataFrame:
    drop = [c for c in frame.columns if str(c).startswith("_")]
    return frame.drop(columns=drop)

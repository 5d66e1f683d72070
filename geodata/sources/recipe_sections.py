"""Reading one recipe section: open its file, map its columns, check it against its table.

Shared by the recipe's build (:mod:`geodata.sources.recipe`) and its joins
(:mod:`geodata.sources.recipe_joins`); every problem names the column as the source file has it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.sources.fill import fill_blanks
from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN, read_source
from geodata.sources.recipe_format import GEOMETRY_KEYS
from geodata.sources.recipe_report import BuildReport, SectionReport
from geodata.tables import schema as S
from geodata.tables.calendar import GREGORIAN
from geodata.tables.problems import DataError, Problem
from geodata.tables.text import name_key
from geodata.tables.validate import conform


def open_section(
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


def read_section(
    section: Mapping, table: S.TableSchema, base: Path, name: str, report: BuildReport
) -> tuple[pd.DataFrame, SectionReport]:
    columns = dict(section.get("columns", {}))
    geometry_args = {k: columns.pop(k) for k in list(columns) if k in GEOMETRY_KEYS}
    frame, rep = open_section(section, base, name, report, **geometry_args)
    if section.get("fill"):
        frame = fill_blanks(frame, section["fill"], columns, section["path"], rep.notes)
    frame = rename_columns(frame, columns, section["path"])
    for column, value in dict(section.get("defaults", {})).items():
        if column not in frame:
            frame[column] = value
    name = Path(section["path"]).name
    type_map = section.get("type_map")
    conformed, problems = conform_in_source_terms(
        frame, table, name, columns, type_map=type_map, months=report.calendar
    )
    report.problems += problems
    rep.kept = len(conformed)
    rep.repaired = sum(p.severity == "repaired" for p in problems)
    rep.rejected = rep.read - rep.filtered - len(conformed)
    return conformed, rep


def conform_in_source_terms(
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


def rename_columns(frame: pd.DataFrame, columns: Mapping[str, str], source: str) -> pd.DataFrame:
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


def area_join_keys(areas: pd.DataFrame, key_column: str, source: str) -> pd.Series:
    if key_column not in areas:
        raise DataError(f"{source}: key_column '{key_column}' is not a column of the areas table.")
    return areas[key_column].map(name_key)


def source_join_keys(frame: pd.DataFrame, key: str, pattern: str | None, source: str) -> pd.Series:
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


def shared_keys(area_keys: pd.Series) -> set[str]:
    """Keys that more than one area has (two neighbourhoods with one name): joining by them is a guess."""
    counts = area_keys[area_keys != ""].value_counts()
    return set(counts.index[counts > 1])


def report_rows(
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


def drop_internal(frame: pd.DataFrame) -> pd.DataFrame:
    drop = [c for c in frame.columns if str(c).startswith("_")]
    return frame.drop(columns=drop)

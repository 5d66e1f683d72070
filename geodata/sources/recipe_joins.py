"""The recipe's joins: population onto the areas, insured counts (by key or by location) and
facility utilisation onto the facilities, each reporting what matched and what did not."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN
from geodata.sources.recipe_checks import check_swapped
from geodata.sources.recipe_format import GEOMETRY_KEYS
from geodata.sources.recipe_report import BuildReport
from geodata.sources.recipe_sections import (
    area_join_keys,
    conform_in_source_terms,
    open_section,
    rename_columns,
    report_rows,
    shared_keys,
    source_join_keys,
)
from geodata.tables import schema as S
from geodata.tables.calendar import GREGORIAN
from geodata.tables.problems import DataError, Problem
from geodata.tables.text import parse_numbers
from geodata.tables.utilisation import check_utilisation, facility_ids_by_name, melt_measures
from geodata.tables.validate import clean_ids


def join_population(
    areas: gpd.GeoDataFrame, section: Mapping, base: Path, report: BuildReport
) -> gpd.GeoDataFrame:
    source = str(section["path"])
    columns = dict(section.get("columns", {}))
    if "key" not in section:
        raise DataError(f"[population] needs key = the column that names the area in {source}.")
    frame, rep = open_section(section, base, "population", report)
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
                report_rows(
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
    keys = source_join_keys(frame, section["key"], section.get("key_pattern"), source)
    value_columns = {dst: src for dst, src in columns.items() if dst in S.AREAS.kinds}
    renamed = rename_columns(frame, value_columns, source)
    renamed["_key"] = keys.to_numpy()
    typed, problems = conform_in_source_terms(
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
    area_keys = area_join_keys(areas, key_column, source)
    shared = shared_keys(area_keys)
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


def insured_table(
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
    frame, rep = open_section(section, base, "insured", report)
    if key not in frame:
        raise DataError(f"{source}: key column '{key}' is not in the file.")
    frame = frame.copy()
    if section.get("key") or section.get("key_pattern") or section.get("key_column"):
        keys = source_join_keys(frame, key, section.get("key_pattern"), source)
        key_column = section.get("key_column", "area_id")
        area_keys = area_join_keys(areas, key_column, source)
        shared = shared_keys(area_keys)
        ambiguous = keys.isin(shared)
        lookup = pd.Series(areas["area_id"].to_numpy(), index=area_keys.to_numpy())
        lookup = lookup[~lookup.index.isin(shared) & (lookup.index != "")]
        frame["_area_id"] = keys.map(lookup).where(~ambiguous)
        report_rows(
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
    report_rows(frame, unmatched, key, "matches no area; row rejected", file_name, report)
    frame = frame.loc[~(unmatched | ambiguous)]
    frame = rename_columns(frame, columns, source)
    for column, value in dict(section.get("defaults", {})).items():
        if column not in frame:
            frame[column] = value
    if "scheme" not in frame:
        frame["scheme"] = "health"
    keyed = {**columns, "area_id": key}
    table, problems = conform_in_source_terms(
        frame, S.INSURED, file_name, keyed, months=report.calendar
    )
    report.problems += problems
    rep.kept = len(table)
    rep.joined = len(table)
    rep.rejected = rep.read - rep.filtered - len(table)
    return table


def utilisation_table(
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
    frame, rep = open_section(section, base, "utilisation", report)
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
    frame = rename_columns(frame, columns, source)
    for column, value in dict(section.get("defaults", {})).items():
        if column not in frame:
            frame[column] = value
    facility_column = str(columns.get("facility_id", "facility_id"))
    if section.get("key_column") == "name" and "facility_id" in frame:
        ids, problems = facility_ids_by_name(frame, facilities, file_name, facility_column)
        report.problems += problems
        frame["facility_id"] = ids.to_numpy()
        frame = frame[frame["facility_id"].notna().to_numpy()]
    table, problems = conform_in_source_terms(
        frame, S.UTILISATION, file_name, columns, months=report.calendar
    )
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
    frame, rep = open_section(section, base, "insured", report, **geometry_args)
    wanted = [date_column] + ([columns["scheme"]] if "scheme" in columns else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: column(s) {missing} named in the recipe are not in the file (columns: "
            f"{', '.join(c for c in frame.columns if not str(c).startswith('_'))})."
        )
    points = frame.to_crs(S.STORAGE_CRS)
    check_swapped(points, areas.union_all(), section, "insured")
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
    typed, problems = conform_in_source_terms(
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

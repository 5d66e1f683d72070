"""Where the recipe's points fall: sessions placed in areas, swapped coordinates stopped, far
points rejected, insured counts above an area's population flagged."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.sources.readers import ROW_COLUMN, SOURCE_COLUMN
from geodata.sources.recipe_report import BuildReport
from geodata.tables import schema as S
from geodata.tables.problems import DataError, Problem


def outreach_areas(
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


def check_swapped(points: pd.DataFrame, region, section: Mapping, name: str) -> None:
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


def reject_far_points(
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    name: str,
    report: BuildReport,
    max_km: float = FAR_KM,
) -> gpd.GeoDataFrame:
    """Reject single points far (> ``max_km``) from every area: a typo or a swapped row.

    A whole file with swapped coordinates stops the build (:func:`check_swapped`); here single
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


def flag_insured_above_population(
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

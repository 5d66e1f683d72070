"""The Infrastructure needs page's figures and tables: the per-area frame behind the map and every
table, the headline, the download of every area, and the double-gap, capacity and needs sections.

Thresholds are in the measure's unit (km, or travel minutes with ``unit="min"``; see
:mod:`ui.access.measure`); every table downloads whole as CSV and XLSX.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from analytics import access, distance
from analytics.priority import split_ranked
from ui import data
from ui.access import data as access_data
from ui.access import travel as travel_data
from ui.access.measure import THRESHOLD_DIGITS, threshold_for, unit_text
from ui.context import Context
from ui.downloads import table_downloads
from ui.gaps.rankings import no_data_list
from ui.localize import without_empty_district
from ui.tables import show_table, unreachable_as_word


def area_figures(
    ctx: Context,
    areas: pd.DataFrame,
    *,
    measure: str,
    under_construction: bool,
    as_of: dt.date | None,
    supply: str,
    catchment_km: float,
    decay: bool,
    near_km: float,
    referral_km: float,
    covered_at: float,
) -> pd.DataFrame:
    """:func:`area_table` of the context's workspace version: distances in km for the straight
    line, else travel minutes by ``measure``; capacity by ``supply`` within ``catchment_km`` (in
    minutes of travel when measuring by travel time)."""
    ws, ver = ctx.source, ctx.version
    unit = travel_data.unit_of(measure)
    return area_table(
        ctx,
        areas,
        access_data.nearest(ws, ver, under_construction, as_of)
        if unit == "km"
        else travel_data.nearest_minutes(ws, ver, under_construction, as_of, measure),
        access_data.capacity(ws, ver, under_construction, as_of, supply, catchment_km, decay)
        if unit == "km"
        else travel_data.capacity_minutes(
            ws, ver, under_construction, as_of, supply, catchment_km, decay, measure
        ),
        data.area_coverage(ws, ver, None, None),
        near_km=near_km,
        referral_km=referral_km,
        covered_at=covered_at,
        unit=unit,
    )


def area_table(
    ctx: Context,
    areas: pd.DataFrame,
    distances: pd.DataFrame,
    capacity: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    near_km: float,
    referral_km: float,
    covered_at: float,
    unit: str = "km",
) -> pd.DataFrame:
    """One row per area: names in the reader's language, population, distances (``{set}_km``;
    travel minutes ``{set}_min`` with ``unit="min"``, the thresholds then in minutes), capacity,
    coverage, referral gap and double-gap class."""
    frame = pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "name": ctx.language.names(areas, "name").to_numpy(),
            "district_name": ctx.language.names(areas, "district_name").to_numpy(),
            "population": areas["population"].to_numpy(),
        }
    ).merge(distances, on="area_id")
    frame = frame.merge(capacity[["area_id", "access", "n_facilities"]], on="area_id")
    frame = frame.merge(coverage[["area_id", "coverage", "uninsured"]], on="area_id", how="left")
    classes = access.access_classes(
        frame,
        frame["coverage"],
        near_km=near_km,
        referral_km=referral_km,
        covered_at=covered_at,
        unit=unit,
    )
    return pd.concat([frame, classes], axis=1)


def area_export(
    ctx: Context, frame: pd.DataFrame, *, with_insured: bool, unit: str = "km"
) -> pd.DataFrame:
    """Every area's figures with headers in the reader's language, for download: names,
    population (and coverage, uninsured), the distance to each facility set, the referral gap,
    the double-gap class, the 2SFCA value and the facilities within the catchment."""
    lang_t = ctx.t
    columns: dict[str, object] = {
        lang_t("access.table.area_id"): frame["area_id"].astype(str).to_numpy(),
        lang_t("table.name"): frame["name"].astype(str).to_numpy(),
        lang_t("table.district"): frame["district_name"].astype("string").to_numpy(),
        lang_t("metric.population"): frame["population"].to_numpy(),
    }
    if with_insured:
        columns[lang_t("metric.coverage")] = frame["coverage"].to_numpy()
        columns[lang_t("metric.uninsured")] = frame["uninsured"].to_numpy()
    for name in ("care", "clinic", "hospital", "insurance_office"):
        if f"{name}_{unit}" in frame:
            header = unit_text(ctx, f"table.{name}_km", unit)
            columns[header] = reach_values(ctx, frame[f"{name}_{unit}"], 3)
    yes, no = lang_t("access.map.yes"), lang_t("access.map.no")
    columns[lang_t("access.table.referral_gap")] = np.where(frame["referral_gap"], yes, no)
    if with_insured:
        columns[lang_t("access.double_gap.class")] = (
            frame["double_gap"].astype(str).map(lambda c: lang_t(f"access.double_gap.{c}"))
        ).to_numpy()
    columns[lang_t("access.table.capacity")] = frame["access"].round(4).to_numpy()
    columns[lang_t("access.table.n_facilities")] = frame["n_facilities"].to_numpy()
    return pd.DataFrame(columns)


def area_downloads(
    ctx: Context, frame: pd.DataFrame, *, with_insured: bool, unit: str = "km"
) -> None:
    """CSV and XLSX of :func:`area_export` (every neighbourhood, every figure of the page)."""
    st.caption(ctx.t("access.download_all", n=ctx.language.int(len(frame))))
    table = area_export(ctx, frame, with_insured=with_insured, unit=unit)
    table_downloads(
        ctx,
        table,
        "infrastructure_areas",
        percent=(ctx.t("metric.coverage"),) if with_insured else (),
        key="infra_areas",
    )


def headline(
    ctx: Context,
    frame: pd.DataFrame,
    *,
    near_km: float,
    referral_km: float,
    office_km: float,
    measure: str = "line",
) -> None:
    """Shares of people near care and near a clinic (``near_km``), near a hospital
    (``referral_km``) and an insurance office (``office_km``); people in a referral gap. Measured
    by a travel mode, the thresholds are travel minutes, the columns ``{set}_min``, and a line
    above the figures names the mode."""
    unit = travel_data.unit_of(measure)
    if unit == "min":
        st.caption(ctx.t(f"reports.access.by_{measure}"))
    cols = st.columns(5)
    figures = access.access_summary(frame)
    for col, name, km_value in (
        (cols[0], "care", near_km),
        (cols[1], "clinic", near_km),
        (cols[2], "hospital", referral_km),
        (cols[3], "insurance_office", office_km),
    ):
        label = unit_text(
            ctx,
            f"headline.{name}",
            unit,
            km=ctx.language.number(km_value, THRESHOLD_DIGITS[unit]),
        )
        if frame[f"{name}_{unit}"].isna().all():
            col.metric(label, "—", help=ctx.t("access.map.none_in_workspace"))
            continue
        within = distance.population_within(frame[f"{name}_{unit}"], frame["population"], km_value)
        col.metric(
            label,
            ctx.language.pct(within["share"]),
            help=ctx.t(
                "access.headline.people",
                n=ctx.language.int(within["within"]),
                total=ctx.language.int(within["total"]),
            ),
        )
    cols[4].metric(
        unit_text(
            ctx,
            "headline.referral_gap",
            unit,
            km=ctx.language.number(referral_km, THRESHOLD_DIGITS[unit]),
        ),
        ctx.language.int(figures["people_referral_gap"]),
        help=ctx.t(
            "access.headline.referral_gap_help",
            n=ctx.language.int(figures["areas_referral_gap"]),
        ),
    )


def counted_caption(
    ctx: Context, total: int, *, under_construction: bool, as_of: dt.date | None
) -> None:
    """How many of the workspace's ``total`` facilities count (open, or also those under
    construction, opened by ``as_of``, under the what-if)."""
    counted = access_data.counted_facilities(ctx.source, ctx.version, under_construction, as_of)
    n = ctx.language.int(len(counted))
    st.caption(
        ctx.t("access.counted", n=n, total=ctx.language.int(total))
        + (" " + ctx.t("access.what_if_on") if under_construction else "")
    )


def double_gap_section(
    ctx: Context, frame: pd.DataFrame, *, covered_at: float, near_km: float, unit: str = "km"
):
    """Areas, people and uninsured people per double-gap class."""
    st.subheader(ctx.t("access.double_gap.title"))
    summary = access.double_gap_summary(
        frame["double_gap"], frame["population"], frame["uninsured"]
    )
    summary = summary[summary["n_areas"] > 0]
    labels = [ctx.t("access.table.areas"), ctx.t("metric.population"), ctx.t("metric.uninsured")]
    table = pd.DataFrame(
        {
            ctx.t("access.double_gap.class"): [
                ctx.t(f"access.double_gap.{c}") for c in summary["double_gap"]
            ],
            labels[0]: summary["n_areas"].to_numpy(),
            labels[1]: summary["population"].to_numpy(),
            labels[2]: summary["uninsured"].to_numpy(),
        }
    )
    show_table(
        ctx,
        table,
        "double_gap",
        kinds=dict.fromkeys(labels, "count"),
        download_key="infra_double_gap",
    )
    st.caption(
        unit_text(
            ctx,
            "double_gap.note",
            unit,
            target=ctx.language.pct(covered_at),
            km=ctx.language.number(near_km, THRESHOLD_DIGITS[unit]),
        )
    )


def capacity_section(
    ctx: Context,
    frame: pd.DataFrame,
    *,
    supply: str,
    catchment_km: float,
    decay: bool,
    unit: str = "km",
) -> None:
    """The neighbourhoods with the least capacity within reach (most people first on ties): the
    first rows shown, every neighbourhood in the downloads. ``supply`` is one of
    :data:`analytics.supply.SUPPLY_TYPES`; the catchment is in ``unit`` (km or travel minutes)."""
    st.subheader(ctx.t("access.capacity.title"))
    st.caption(
        unit_text(
            ctx,
            f"capacity.{supply}",
            unit,
            km=ctx.language.number(catchment_km, THRESHOLD_DIGITS[unit]),
        )
        + (" " + unit_text(ctx, "capacity.decay", unit) if decay else "")
    )
    ranked = frame[frame["population"].notna()].sort_values(
        ["access", "population"], ascending=[True, False]
    )
    table = pd.DataFrame(
        {
            ctx.t("table.name"): ranked["name"].astype(str).to_numpy(),
            ctx.t("table.district"): ranked["district_name"].astype("string").to_numpy(),
            ctx.t("access.table.capacity"): ranked["access"].round(3).to_numpy(),
            ctx.t("access.table.n_facilities"): ranked["n_facilities"].to_numpy(),
            ctx.t("metric.population"): ranked["population"].to_numpy(),
        }
    )
    table = without_empty_district(table, ctx.lang)
    # The first rows on the page, every neighbourhood in the files.
    show_table(
        ctx,
        table.head(8),
        "capacity",
        kinds=figure_kinds(ctx),
        download_key="infra_capacity",
        files=table,
    )
    st.caption(ctx.t("access.capacity.all_rows", n=ctx.language.int(len(table))))


def needs_section(
    ctx: Context,
    frame: pd.DataFrame,
    *,
    sets: list[str],
    key: str,
    near_km: float,
    referral_km: float,
    office_km: float,
    by_uninsured: bool,
    unit: str = "km",
) -> None:
    """Ranked table of neighbourhoods beyond reach of the facility set chosen here (its own
    selector, widget ``key``), downloadable. A hospital is out of reach beyond the referral
    distance, an insurance office beyond the office distance, any other set beyond ``near_km``."""
    st.subheader(ctx.t("access.needs.title"))
    care_set = str(
        st.selectbox(
            ctx.t("access.needs.set"),
            sets,
            key=key,
            format_func=lambda v: ctx.t(f"access.set.{v}"),
        )
    )
    threshold, km_value = threshold_for(
        care_set, near_km=near_km, referral_km=referral_km, office_km=office_km
    )
    st.caption(
        unit_text(
            ctx,
            "needs.threshold",
            unit,
            km=ctx.language.number(km_value, THRESHOLD_DIGITS[unit]),
            care=ctx.t(f"access.set.{care_set}"),
            control=ctx.t(f"access.controls.{threshold}"),
        )
    )
    needs = access.facility_needs(
        frame,
        distance_column=f"{care_set}_{unit}",
        near_km=km_value,
        weight="uninsured" if by_uninsured else None,
    )
    table = pd.DataFrame(
        {
            ctx.t("access.table.rank"): needs["rank"].to_numpy(),
            ctx.t("table.name"): needs["name"].astype(str).to_numpy(),
            ctx.t("table.district"): needs["district_name"].astype("string").to_numpy(),
            ctx.t("metric.population"): needs["population"].to_numpy(),
            **({ctx.t("metric.uninsured"): needs["uninsured"].to_numpy()} if by_uninsured else {}),
            unit_text(ctx, "table.distance", unit): needs[f"{care_set}_{unit}"].round(2).to_numpy(),
            unit_text(ctx, "table.hospital_km", unit): needs[f"hospital_{unit}"]
            .round(2)
            .to_numpy(),
            ctx.t("access.table.capacity"): needs["access"].round(3).to_numpy(),
        }
    )
    table = without_empty_district(table, ctx.lang)
    if table.empty:
        st.success(
            unit_text(
                ctx,
                "needs.none",
                unit,
                km=ctx.language.number(km_value, THRESHOLD_DIGITS[unit]),
                care=ctx.t(f"access.set.{care_set}"),
            )
        )
        return
    distances = [unit_text(ctx, f"table.{k}", unit) for k in ("distance", "hospital_km")]
    show_table(
        ctx,
        table,
        f"facility_needs_{care_set}",
        kinds=figure_kinds(ctx) | dict.fromkeys(distances, "reach:2"),  # numbers: they sort
        download_key="infra_needs_csv",
        height=320,
    )
    # No data is not a rank: the areas without population, far or not, are listed apart.
    no_data_list(
        ctx,
        split_ranked(frame)[1],
        name_column="name",
        key_column="area_id",
        district_column="district_name",
        key="infra_needs_no_data",
    )


def reach_values(ctx: Context, values: pd.Series, digits: int = 2) -> np.ndarray:
    """Distances or travel minutes for a table or a file: rounded to ``digits``; where no road
    reaches a facility (infinite minutes) the word for it in the reader's language, never
    ``inf``. A column without such a place stays numeric."""
    return unreachable_as_word(ctx, pd.to_numeric(values, errors="coerce").round(digits))


def figure_kinds(ctx: Context) -> dict[str, str]:
    """The kinds of the page's table columns (:func:`ui.tables.show_table`) besides the
    catalogue's counts: the rank, names and districts in the reader's digits, the capacity within
    reach with three decimals as it is rounded, the facilities counted."""
    return {
        ctx.t("access.table.rank"): "rank",
        ctx.t("table.name"): "label",
        ctx.t("table.district"): "label",
        ctx.t("access.table.capacity"): "number:3",
        ctx.t("access.table.n_facilities"): "count",
    }

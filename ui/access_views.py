"""Map of the Infrastructure needs page: areas coloured by access, facilities, proposed sites.

Colours are decided here (distance classes, referral gap, double-gap classes, 2SFCA classes); the
drawing is :func:`ui.maps.choropleth_map`, which escapes every string that reaches HTML. Proposed
sites are added as a second point layer, their tooltips escaped the same way.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analytics import access
from analytics.access import DOUBLE_GAP_CLASSES
from analytics.classify import NO_DATA_COLOUR, classify, palette_for
from ui.area_maps import add_legend, areas_with, show_map, value_map
from ui.context import Context
from ui.downloads import table_downloads
from ui.facility_layer import add_facilities
from ui.format import fmt_int, fmt_number, fmt_pct
from ui.localize import display_names, number_columns
from ui.maps import LegendItem, escape_text, text_direction

#: Map views: a distance (``*_km``), the referral gap, the double gap, or capacity (2SFCA).
VIEWS = (
    "care_km",
    "hospital_km",
    "clinic_km",
    "insurance_office_km",
    "referral_gap",
    "double_gap",
    "capacity",
)

GAP_COLOUR = "#d7301f"
NO_GAP_COLOUR = "#c7e9c0"
DOUBLE_GAP_COLOURS = {
    "covered_near": "#1a9850",
    "insured_far": "#fdae61",
    "uninsured_near": "#74add1",
    "both": "#d73027",
    "no_data": NO_DATA_COLOUR,
}
SITE_COLOUR = "#111111"
SITE_RING = "#ffd92f"


def _classes(
    values: pd.Series, breaks: list[float] | None, fmt, no_data_label: str, reverse: bool
) -> tuple[np.ndarray, list[LegendItem]]:
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    classes = classify(numbers, scheme="user" if breaks else "quantiles", k=5, breaks=breaks)
    palette = palette_for(max(classes.k, 1), reverse=reverse)
    colours = classes.class_of.map(dict(enumerate(palette))).fillna(NO_DATA_COLOUR).to_numpy()
    items = [
        LegendItem(c, label, n)
        for c, label, n in zip(palette, classes.labels(fmt), classes.counts, strict=False)
    ]
    if classes.n_no_data:
        items.append(LegendItem(NO_DATA_COLOUR, no_data_label, classes.n_no_data))
    return colours, items


def colour_areas(
    ctx: Context, frame: pd.DataFrame, view: str, *, near_km: float, referral_km: float
) -> tuple[np.ndarray, list[LegendItem], str, pd.Series]:
    """Fill colour per row, legend items, legend title and the tooltip value of ``view``."""
    lang = ctx.lang
    if view.endswith("_km"):
        threshold = referral_km if view == "hospital_km" else near_km
        breaks = sorted({threshold / 2, threshold, threshold * 2, threshold * 4})
        colours, items = _classes(
            frame[view],
            breaks,
            lambda v: fmt_number(v, lang, digits=1),
            ctx.t("access.map.none_in_workspace"),
            reverse=False,
        )
        shown = frame[view].map(
            lambda v: (
                ctx.t("access.units.km", km=fmt_number(v, lang, digits=1))
                if pd.notna(v)
                else ctx.t("access.map.none_in_workspace")
            )
        )
        return colours, items, ctx.t(f"access.view.{view}") + " (km)", shown
    if view == "referral_gap":
        gap = frame["referral_gap"].astype(bool).to_numpy()
        colours = np.where(gap, GAP_COLOUR, NO_GAP_COLOUR)
        items = [
            LegendItem(
                GAP_COLOUR,
                ctx.t("access.map.gap", km=fmt_number(referral_km, lang)),
                int(gap.sum()),
            ),
            LegendItem(NO_GAP_COLOUR, ctx.t("access.map.no_gap"), int((~gap).sum())),
        ]
        shown = pd.Series(
            np.where(gap, ctx.t("access.map.yes"), ctx.t("access.map.no")), index=frame.index
        )
        return colours, items, ctx.t("access.view.referral_gap"), shown
    if view == "double_gap":
        classes = frame["double_gap"].astype(str)
        colours = classes.map(DOUBLE_GAP_COLOURS).fillna(NO_DATA_COLOUR).to_numpy()
        counts = classes.value_counts()
        items = [
            LegendItem(
                DOUBLE_GAP_COLOURS[c], ctx.t(f"access.double_gap.{c}"), int(counts.get(c, 0))
            )
            for c in DOUBLE_GAP_CLASSES
            if counts.get(c, 0)
        ]
        shown = classes.map(lambda c: ctx.t(f"access.double_gap.{c}"))
        return colours, items, ctx.t("access.view.double_gap"), shown
    if view == "capacity":
        colours, items = _classes(
            frame["access"],
            None,
            lambda v: fmt_number(v, lang, digits=2),
            ctx.t("map.no_data"),
            reverse=True,
        )
        shown = frame["access"].map(lambda v: fmt_number(v, lang, digits=2))
        return colours, items, ctx.t("access.view.capacity"), shown
    raise ValueError(f"unknown view {view!r}")


def access_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    frame: pd.DataFrame,
    view: str,
    *,
    near_km: float,
    referral_km: float,
    facilities: gpd.GeoDataFrame | None,
    proposed: gpd.GeoDataFrame | None,
    key: str,
    height: int = 560,
) -> None:
    """Draw the areas coloured by ``view`` with facilities and proposed sites."""
    merged = areas_with(shapes, frame)
    colours, items, title, shown = colour_areas(
        ctx, merged, view, near_km=near_km, referral_km=referral_km
    )
    merged["_colour"] = colours
    fmap = value_map(
        ctx,
        merged,
        names=merged["name"],
        values=shown,
        title=title,
        legend_items=items,
        height=height,
    )
    point_items: list[LegendItem] = []
    if proposed is not None and len(proposed):
        add_proposed_sites(ctx, fmap, proposed)
        point_items.append(LegendItem(SITE_COLOUR, ctx.t("access.map.proposed"), len(proposed)))
    if facilities is not None and len(facilities):
        # Types, then the status and bed-size keys: proposed sites first, above the keys.
        point_items += add_facilities(ctx, fmap, facilities)
    if point_items:
        add_legend(ctx, fmap, ctx.t("access.map.facilities"), point_items, position="topright")
    show_map(fmap, key=key, height=height)


def add_proposed_sites(ctx: Context, fmap: folium.Map, proposed: gpd.GeoDataFrame) -> None:
    """Proposed sites as large black circles ringed in yellow, with rank and gain in their
    (escaped) tooltip."""
    layer = folium.FeatureGroup(name="proposed", control=False)
    direction = text_direction(ctx.t("access.siting.site", rank=1, gain="1"))
    for geom, rank, gain in zip(
        proposed.geometry.to_numpy(), proposed["rank"], proposed["gain"], strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        text = escape_text(
            ctx.t("access.siting.site", rank=fmt_int(rank, ctx.lang), gain=fmt_int(gain, ctx.lang))
        )
        folium.CircleMarker(
            location=[round(geom.y, 6), round(geom.x, 6)],
            radius=9,
            color=SITE_RING,
            weight=4,
            fill=True,
            fill_color=SITE_COLOUR,
            fill_opacity=0.95,
            tooltip=folium.Tooltip(text, style=f"direction: {direction};"),
        ).add_to(layer)
    layer.add_to(fmap)


# --------------------------------------------------------------------------------------------------
# page sections
# --------------------------------------------------------------------------------------------------


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
) -> pd.DataFrame:
    """One row per area: names in the reader's language, population, distances, capacity,
    coverage, referral gap and double-gap class."""
    frame = pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "name": display_names(areas, "name", ctx.lang).to_numpy(),
            "district_name": display_names(areas, "district_name", ctx.lang).to_numpy(),
            "population": areas["population"].to_numpy(),
        }
    ).merge(distances, on="area_id")
    frame = frame.merge(capacity[["area_id", "access", "n_facilities"]], on="area_id")
    frame = frame.merge(coverage[["area_id", "coverage", "uninsured"]], on="area_id", how="left")
    frame["referral_gap"] = access.referral_gap(frame["hospital_km"], referral_km).to_numpy()
    frame["double_gap"] = access.double_gap(
        frame["coverage"], frame["care_km"], covered_at=covered_at, near_km=near_km
    ).to_numpy()
    return frame


def headline(ctx: Context, frame: pd.DataFrame, *, near_km: float, referral_km: float) -> None:
    """Shares of people near care, a hospital and an insurance office; people in a referral gap."""
    cols = st.columns(4)
    for col, name, km_value in (
        (cols[0], "care", near_km),
        (cols[1], "hospital", referral_km),
        (cols[2], "insurance_office", near_km),
    ):
        label = ctx.t(f"access.headline.{name}", km=fmt_number(km_value, ctx.lang, digits=1))
        if frame[f"{name}_km"].isna().all():
            col.metric(label, "—", help=ctx.t("access.map.none_in_workspace"))
            continue
        within = access.population_within(frame[f"{name}_km"], frame["population"], km_value)
        col.metric(
            label,
            fmt_pct(within["share"], ctx.lang),
            help=ctx.t(
                "access.headline.people",
                n=fmt_int(within["within"], ctx.lang),
                total=fmt_int(within["total"], ctx.lang),
            ),
        )
    gap_people = pd.to_numeric(frame.loc[frame["referral_gap"], "population"]).sum()
    cols[3].metric(
        ctx.t("access.headline.referral_gap", km=fmt_number(referral_km, ctx.lang, digits=1)),
        fmt_int(gap_people, ctx.lang),
        help=ctx.t(
            "access.headline.referral_gap_help", n=fmt_int(frame["referral_gap"].sum(), ctx.lang)
        ),
    )


def double_gap_section(ctx: Context, frame: pd.DataFrame, *, covered_at: float, near_km: float):
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
    st.dataframe(table, hide_index=True, width="stretch", column_config=number_columns(*labels))
    download(ctx, table, "double_gap.csv", key="infra_double_gap")
    st.caption(
        ctx.t(
            "access.double_gap.note",
            target=fmt_pct(covered_at, ctx.lang),
            km=fmt_number(near_km, ctx.lang, digits=1),
        )
    )


def capacity_section(
    ctx: Context, frame: pd.DataFrame, *, beds: bool, catchment_km: float, decay: bool
) -> None:
    """The neighbourhoods with the least capacity within reach (most people first on ties)."""
    st.subheader(ctx.t("access.capacity.title"))
    st.caption(
        ctx.t(
            "access.capacity.beds" if beds else "access.capacity.facilities",
            km=fmt_number(catchment_km, ctx.lang, digits=1),
        )
        + (" " + ctx.t("access.capacity.decay") if decay else "")
    )
    low = frame[frame["population"].notna()].sort_values(
        ["access", "population"], ascending=[True, False]
    )
    low = low.head(8)
    table = pd.DataFrame(
        {
            ctx.t("table.name"): low["name"].astype(str).to_numpy(),
            ctx.t("access.table.capacity"): low["access"].round(3).to_numpy(),
            ctx.t("metric.population"): low["population"].to_numpy(),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=number_columns(ctx.t("metric.population")),
    )
    download(ctx, table, "lowest_capacity.csv", key="infra_capacity")


def needs_section(
    ctx: Context, frame: pd.DataFrame, *, care_set: str, near_km: float, by_uninsured: bool
) -> None:
    """Ranked table of neighbourhoods beyond ``near_km`` of ``care_set``, downloadable as CSV."""
    st.subheader(
        ctx.t(
            "access.needs.title",
            km=fmt_number(near_km, ctx.lang, digits=1),
            care=ctx.t(f"access.set.{care_set}"),
        )
    )
    needs = access.facility_needs(
        frame,
        distance_column=f"{care_set}_km",
        near_km=near_km,
        weight="uninsured" if by_uninsured else None,
    )
    table = pd.DataFrame(
        {
            ctx.t("access.table.rank"): needs["rank"].to_numpy(),
            ctx.t("table.name"): needs["name"].astype(str).to_numpy(),
            ctx.t("table.district"): needs["district_name"].astype("string").to_numpy(),
            ctx.t("metric.population"): needs["population"].to_numpy(),
            **({ctx.t("metric.uninsured"): needs["uninsured"].to_numpy()} if by_uninsured else {}),
            ctx.t("access.table.distance"): needs[f"{care_set}_km"].round(2).to_numpy(),
            ctx.t("access.table.hospital_km"): needs["hospital_km"].round(2).to_numpy(),
            ctx.t("access.table.capacity"): needs["access"].round(3).to_numpy(),
        }
    )
    if table.empty:
        st.success(ctx.t("access.needs.none"))
        return
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=320,
        column_config=number_columns(ctx.t("metric.population"), ctx.t("metric.uninsured")),
    )
    download(ctx, table, "facility_needs.csv", key="infra_needs_csv")


def siting_results(
    ctx: Context,
    figures: dict[str, float | str | bool],
    chosen: gpd.GeoDataFrame,
    names: pd.Series,
) -> None:
    """Before/after figures, the solution's quality and the proposed sites (CSV download).

    ``names`` maps ``area_id`` to the name shown, for sites at neighbourhood centres."""
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ctx.t("access.siting.before"), fmt_pct(figures["share_before"], ctx.lang))
    m2.metric(
        ctx.t("access.siting.after"),
        fmt_pct(figures["share_after"], ctx.lang),
        delta=ctx.t("access.siting.people", n=fmt_int(figures["gain"], ctx.lang)),
    )
    m3.metric(ctx.t("access.siting.gain"), fmt_int(figures["gain"], ctx.lang))
    m4.metric(
        ctx.t("access.siting.quality"),
        ctx.t("access.siting.optimal")
        if figures["optimal"]
        else ctx.t("access.siting.within", share=fmt_pct(figures["guaranteed"], ctx.lang)),
        help=ctx.t(
            "access.siting.quality_help",
            method=ctx.t(f"access.siting.method_{figures['method']}"),
            bound=fmt_int(float(figures["upper_bound"]) - float(figures["before"]), ctx.lang),
        ),
    )
    if chosen.empty:
        st.info(ctx.t("access.siting.nothing"))
        return
    if "area_id" in chosen:  # neighbourhood centres: names in the reader's language
        site_names = chosen["area_id"].map(names)
    else:
        site_names = chosen["name"] if "name" in chosen else chosen.iloc[:, 1]
    table = pd.DataFrame(
        {
            ctx.t("access.table.rank"): chosen["rank"].to_numpy(),
            ctx.t("table.name"): site_names.astype(str).to_numpy(),
            ctx.t("access.siting.gain"): chosen["gain"].to_numpy(),
            "lat": chosen.geometry.y.round(6).to_numpy(),
            "lon": chosen.geometry.x.round(6).to_numpy(),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=number_columns(ctx.t("access.siting.gain")),
    )
    download(ctx, table, "proposed_sites.csv", key="infra_sites_csv")


def download(ctx: Context, table: pd.DataFrame, file_name: str, *, key: str) -> None:
    """CSV and XLSX buttons for ``table`` (see :func:`ui.downloads.table_downloads`)."""
    table_downloads(ctx, table, file_name.removesuffix(".csv"), key=key)

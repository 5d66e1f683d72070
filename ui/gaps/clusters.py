"""The Gap analysis page's clusters section: Gi* cold and hot spots and local-Moran isolated low
areas of coverage (FDR-corrected at the chosen significance), counted, mapped and listed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.clusters import CATEGORIES
from render.maps import LegendItem
from ui import data
from ui.gaps import data as gd
from ui.gaps import maps as gap_maps
from ui.gaps import views as gap_views
from ui.gaps.selection import Selection


def section(sel: Selection) -> None:
    """The significance level, the count per category, the map and the flagged areas' table."""
    ctx = sel.ctx
    st.subheader(ctx.t("gap.clusters.title"))
    if not sel.with_insured:
        st.info(ctx.t("gap.clusters.no_insured"))
        return
    st.columns(3)[0].selectbox(
        ctx.t("gap.clusters.alpha"),
        [0.01, 0.05, 0.1],
        key=sel.key("alpha"),
        format_func=lambda a: ctx.language.pct(a, 0),
    )
    found = gd.coverage_clusters(sel.ws, sel.ver, sel.month, float(sel.value("alpha")))
    areas = sel.areas.set_index("area_id")
    names = areas[[c for c in areas.columns if c.startswith(("name", "district_name"))]]
    found = found.join(names, on="area_id")
    counts = found["category"].value_counts()
    cols = st.columns(3)
    for col, cat in zip(cols, ("cold_spot", "isolated_low", "hot_spot"), strict=True):
        col.metric(ctx.t(f"gap.cluster.{cat}"), ctx.language.int(counts.get(cat, 0)))
    found["_colour"] = found["category"].map(gap_views.CLUSTER_COLOURS)
    found["_name"] = ctx.language.names(found, "name").fillna(found["area_id"]).astype(str)
    found["_category"] = found["category"].map(lambda c: ctx.t(f"gap.cluster.{c}"))
    found["_coverage"] = found["coverage"].map(ctx.language.pct)
    cluster_map(sel, found, counts)
    st.caption(ctx.t("gap.clusters.method", alpha=ctx.language.pct(sel.value("alpha"), 0)))
    flagged_table(sel, found)


def cluster_map(sel: Selection, found: pd.DataFrame, counts: pd.Series) -> None:
    """The areas coloured by their category, with the count of each category in the legend."""
    ctx = sel.ctx
    items = [
        LegendItem(gap_views.CLUSTER_COLOURS[c], ctx.t(f"gap.cluster.{c}"), int(counts.get(c, 0)))
        for c in CATEGORIES
        if counts.get(c, 0)
    ]
    gap_maps.category_map(
        ctx,
        data.display_shapes(sel.ws, sel.ver, "area"),
        found,
        id_column="area_id",
        colour_column="_colour",
        tooltip=[
            ("_name", ctx.t("map.name")),
            ("_category", ctx.t("gap.table.category")),
            ("_coverage", ctx.t("metric.coverage")),
        ],
        legend_title=ctx.t("gap.clusters.legend"),
        legend_items=items,
        key="gap_cluster_map",
        size="section",
        facilities=sel.facilities,
    )


def flagged_table(sel: Selection, found: pd.DataFrame) -> None:
    """Cold spots and isolated low areas with their statistics, and the table's downloads."""
    ctx = sel.ctx
    flagged = found[found["category"].isin(["cold_spot", "isolated_low"])].sort_values(
        ["category", "coverage"]
    )
    shown = {
        "name": ctx.t("table.name"),
        **({"district_name": ctx.t("table.district")} if sel.by_district else {}),
        "_category": ctx.t("gap.table.category"),
        "coverage": ctx.t("metric.coverage"),
        "gi_z": ctx.t("gap.table.gi_z"),
        "gi_q": ctx.t("gap.table.gi_q"),
        "moran_i": ctx.t("gap.table.moran_i"),
        "moran_fdr": ctx.t("gap.table.moran_q"),
    }
    view = flagged[list(shown)].rename(columns=shown)
    # Names in the reader's language where the workspace has them; figures in its format.
    view[ctx.t("table.name")] = ctx.language.names(flagged, "name").to_numpy()
    if sel.by_district:
        view[ctx.t("table.district")] = ctx.language.names(flagged, "district_name").to_numpy()
    view[ctx.t("metric.coverage")] = view[ctx.t("metric.coverage")] * 100
    digits = {
        "gap.table.gi_z": 2,
        "gap.table.gi_q": 3,
        "gap.table.moran_i": 2,
        "gap.table.moran_q": 3,
    }
    kinds = {ctx.t(k): f"number:{d}" for k, d in digits.items()}
    gap_views.show(ctx, view, "gap_clusters", kinds=kinds)

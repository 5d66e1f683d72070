"""Map of the Infrastructure needs page: areas coloured by access, facilities, proposed sites.

Colours are decided here (distance classes, referral gap, double-gap classes, 2SFCA classes); the
drawing is :func:`render.maps.choropleth_map`, which escapes every string that reaches HTML. Proposed
sites are added as a second point layer, their tooltips escaped the same way.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analytics import access, distance
from analytics.access import DOUBLE_GAP_CLASSES
from analytics.capacity import Change, sites_as_changes
from analytics.classify import NO_DATA_COLOUR, classify, palette_for
from analytics.priority import split_ranked
from render.format import fmt_int, fmt_number, fmt_pct
from render.maps import LegendItem, escape_text, text_direction
from ui.access.measure import THRESHOLD_DIGITS, unit_text
from ui.area_maps import add_legend, areas_with, show_map, value_map
from ui.auth import may_open
from ui.capacity.data import SITE_TYPES
from ui.context import Context
from ui.downloads import table_downloads
from ui.facility_layer import add_facilities
from ui.gaps.rankings import no_data_list
from ui.localize import display_names, number_columns, without_empty_district
from ui.state import open_page

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
#: Travel time: areas no road reaches a facility from (past the last class).
UNREACHABLE_COLOUR = "#3f007d"
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

#: Which sidebar threshold decides "within reach" for each facility set: a hospital is a
#: referral, an insurance office has its own distance, every other set counts as care nearby.
THRESHOLDS: dict[str, str] = {"hospital": "referral", "insurance_office": "office"}

#: Where the Capacity page keeps the what-if being built (a list of ``analytics.capacity.Change``).
CAPACITY_CHANGES = "cap_changes"
CAPACITY_PAGE = "app_pages/capacity.py"
#: Capacity page service for the sites of each siting care set (its widget key ``url_service``).
CAPACITY_SERVICES = {
    "care": "care",
    "clinic": "care",
    "hospital": "hospital",
    "insurance_office": "insurance_office",
}


def threshold_for(
    care_set: str, *, near_km: float, referral_km: float, office_km: float | None = None
) -> tuple[str, float]:
    """The threshold that applies to ``care_set``: its name (``near``, ``referral`` or
    ``office``; a sidebar control) and its value in km."""
    name = THRESHOLDS.get(care_set, "near")
    if name == "office" and office_km is None:
        name = "near"
    km = {"near": near_km, "referral": referral_km, "office": office_km}[name]
    return name, float(km)  # type: ignore[arg-type]


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
    ctx: Context,
    frame: pd.DataFrame,
    view: str,
    *,
    near_km: float,
    referral_km: float,
    office_km: float | None = None,
    unit: str = "km",
) -> tuple[np.ndarray, list[LegendItem], str, pd.Series]:
    """Fill colour per row, legend items, legend title and the tooltip value of ``view``; a
    distance view (``{set}_km``) shows the column ``{set}_{unit}`` (travel minutes with
    ``unit="min"``, the thresholds then in minutes)."""
    lang = ctx.lang
    if view.endswith("_km"):
        _, threshold = threshold_for(
            view.removesuffix("_km"), near_km=near_km, referral_km=referral_km, office_km=office_km
        )
        breaks = sorted({threshold / 2, threshold, threshold * 2, threshold * 4})
        column = f"{view.removesuffix('_km')}_{unit}"
        values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        unreachable = np.isinf(values.to_numpy())
        none_label = ctx.t("access.map.none_in_workspace")
        colours, items = _classes(
            values.where(~unreachable),
            breaks,
            lambda v: fmt_number(v, lang, digits=1),
            none_label,
            reverse=False,
        )
        if unreachable.any():  # counted as no data by the classes: a legend row of their own
            n = int(unreachable.sum())
            items = [
                LegendItem(i.colour, i.label, i.count - n) if i.label == none_label else i
                for i in items
            ]
            items = [i for i in items if i.label != none_label or i.count]
            items.append(LegendItem(UNREACHABLE_COLOUR, ctx.t("access.minutes.unreachable"), n))
            colours = np.where(unreachable, UNREACHABLE_COLOUR, colours)
        shown = frame[column].map(
            lambda v: (
                ctx.t("access.map.none_in_workspace")
                if pd.isna(v)
                else ctx.t("access.minutes.unreachable")
                if np.isinf(v)  # travel time: no road reaches one from here
                else unit_text(ctx, "units.km", unit, km=fmt_number(v, lang, digits=1))
            )
        )
        suffix = ctx.t("access.minutes.suffix") if unit == "min" else "km"
        return colours, items, unit_text(ctx, f"view.{view}", unit) + f" ({suffix})", shown
    if view == "referral_gap":
        gap = frame["referral_gap"].astype(bool).to_numpy()
        colours = np.where(gap, GAP_COLOUR, NO_GAP_COLOUR)
        items = [
            LegendItem(
                GAP_COLOUR,
                unit_text(ctx, "map.gap", unit, km=fmt_number(referral_km, lang)),
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
    office_km: float | None = None,
    facilities: gpd.GeoDataFrame | None,
    proposed: gpd.GeoDataFrame | None,
    objective: str = "population",
    key: str,
    height: int = 560,
    unit: str = "km",
) -> None:
    """Draw the areas coloured by ``view`` with facilities and proposed sites (their gain in
    people, or uninsured people under the ``uninsured`` objective)."""
    merged = areas_with(shapes, frame)
    colours, items, title, shown = colour_areas(
        ctx,
        merged,
        view,
        near_km=near_km,
        referral_km=referral_km,
        office_km=office_km,
        unit=unit,
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
        add_proposed_sites(ctx, fmap, proposed, objective)
        point_items.append(LegendItem(SITE_COLOUR, ctx.t("access.map.proposed"), len(proposed)))
    if facilities is not None and len(facilities):
        # Types, then the status and bed-size keys: proposed sites first, above the keys.
        point_items += add_facilities(ctx, fmap, facilities)
    if point_items:
        add_legend(ctx, fmap, ctx.t("access.map.facilities"), point_items, position="topright")
    show_map(fmap, key=key, height=height)


def add_proposed_sites(
    ctx: Context, fmap: folium.Map, proposed: gpd.GeoDataFrame, objective: str = "population"
) -> None:
    """Proposed sites as large black circles ringed in yellow, with rank and gain (people, or
    uninsured people under that objective) in their (escaped) tooltip."""
    layer = folium.FeatureGroup(name="proposed", control=False)
    site_key = siting_key("site", objective)
    direction = text_direction(ctx.t(site_key, rank=1, gain="1"))
    for geom, rank, gain in zip(
        proposed.geometry.to_numpy(), proposed["rank"], proposed["gain"], strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        text = escape_text(
            ctx.t(site_key, rank=fmt_int(rank, ctx.lang), gain=fmt_int(gain, ctx.lang))
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
    unit: str = "km",
) -> pd.DataFrame:
    """One row per area: names in the reader's language, population, distances (``{set}_km``;
    travel minutes ``{set}_min`` with ``unit="min"``, the thresholds then in minutes), capacity,
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
            columns[header] = frame[f"{name}_{unit}"].round(3).to_numpy()
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
    st.caption(ctx.t("access.download_all", n=fmt_int(len(frame), ctx.lang)))
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
    unit: str = "km",
) -> None:
    """Shares of people near care and near a clinic (``near_km``), near a hospital
    (``referral_km``) and an insurance office (``office_km``); people in a referral gap. With
    ``unit="min"`` the thresholds are travel minutes and the columns ``{set}_min``."""
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
            km=fmt_number(km_value, ctx.lang, digits=THRESHOLD_DIGITS[unit]),
        )
        if frame[f"{name}_{unit}"].isna().all():
            col.metric(label, "—", help=ctx.t("access.map.none_in_workspace"))
            continue
        within = distance.population_within(frame[f"{name}_{unit}"], frame["population"], km_value)
        col.metric(
            label,
            fmt_pct(within["share"], ctx.lang),
            help=ctx.t(
                "access.headline.people",
                n=fmt_int(within["within"], ctx.lang),
                total=fmt_int(within["total"], ctx.lang),
            ),
        )
    cols[4].metric(
        unit_text(
            ctx,
            "headline.referral_gap",
            unit,
            km=fmt_number(referral_km, ctx.lang, digits=THRESHOLD_DIGITS[unit]),
        ),
        fmt_int(figures["people_referral_gap"], ctx.lang),
        help=ctx.t(
            "access.headline.referral_gap_help",
            n=fmt_int(figures["areas_referral_gap"], ctx.lang),
        ),
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
    st.dataframe(table, hide_index=True, width="stretch", column_config=number_columns(*labels))
    download(ctx, table, "double_gap.csv", key="infra_double_gap")
    st.caption(
        unit_text(
            ctx,
            "double_gap.note",
            unit,
            target=fmt_pct(covered_at, ctx.lang),
            km=fmt_number(near_km, ctx.lang, digits=THRESHOLD_DIGITS[unit]),
        )
    )


def capacity_section(
    ctx: Context, frame: pd.DataFrame, *, supply: str, catchment_km: float, decay: bool
) -> None:
    """The neighbourhoods with the least capacity within reach (most people first on ties): the
    first rows shown, every neighbourhood in the downloads. ``supply`` is one of
    :data:`ui.access.data.SUPPLY_TYPES`."""
    st.subheader(ctx.t("access.capacity.title"))
    st.caption(
        ctx.t(f"access.capacity.{supply}", km=fmt_number(catchment_km, ctx.lang, digits=1))
        + (" " + ctx.t("access.capacity.decay") if decay else "")
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
    st.dataframe(
        table.head(8),
        hide_index=True,
        width="stretch",
        column_config=number_columns(ctx.t("metric.population")),
    )
    st.caption(ctx.t("access.capacity.all_rows", n=fmt_int(len(table), ctx.lang)))
    download(ctx, table, "capacity.csv", key="infra_capacity")


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
            km=fmt_number(km_value, ctx.lang, digits=THRESHOLD_DIGITS[unit]),
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
                km=fmt_number(km_value, ctx.lang, digits=THRESHOLD_DIGITS[unit]),
                care=ctx.t(f"access.set.{care_set}"),
            )
        )
        return
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=320,
        column_config=number_columns(ctx.t("metric.population"), ctx.t("metric.uninsured")),
    )
    download(ctx, table, f"facility_needs_{care_set}.csv", key="infra_needs_csv")
    # No data is not a rank: the areas without population, far or not, are listed apart.
    no_data_list(
        ctx,
        split_ranked(frame)[1],
        name_column="name",
        key_column="area_id",
        district_column="district_name",
        key="infra_needs_no_data",
    )


def siting_key(name: str, objective: str) -> str:
    """The catalog key of a siting label: the ``uninsured`` objective counts uninsured people,
    and its labels say so."""
    return (
        f"access.siting.{name}_uninsured" if objective == "uninsured" else f"access.siting.{name}"
    )


def siting_results(
    ctx: Context,
    figures: dict[str, float | str | bool],
    chosen: gpd.GeoDataFrame,
    names: pd.Series,
    *,
    care_set: str,
    facility_ids: list[str],
    services: list[str],
) -> None:
    """Before/after figures, the solution's quality and the proposed sites (CSV and XLSX), and a
    button that opens them as a what-if on the Capacity page (see :func:`open_on_capacity`).

    Under the ``uninsured`` objective every figure counts uninsured people, and the labels say
    so. ``names`` maps ``area_id`` to the name shown, for sites at neighbourhood centres;
    ``facility_ids`` are the ids the new sites must not take; ``services`` the Capacity page's."""
    objective = str(figures.get("objective", "population"))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ctx.t(siting_key("before", objective)), fmt_pct(figures["share_before"], ctx.lang))
    m2.metric(
        ctx.t(siting_key("after", objective)),
        fmt_pct(figures["share_after"], ctx.lang),
        delta=ctx.t(siting_key("people", objective), n=fmt_int(figures["gain"], ctx.lang)),
    )
    m3.metric(ctx.t(siting_key("gain", objective)), fmt_int(figures["gain"], ctx.lang))
    m4.metric(
        ctx.t("access.siting.quality"),
        ctx.t("access.siting.optimal")
        if figures["optimal"]
        else ctx.t("access.siting.within", share=fmt_pct(figures["guaranteed"], ctx.lang)),
        help=ctx.t(
            siting_key("quality_help", objective),
            method=ctx.t(f"access.siting.method_{figures['method']}"),
            bound=fmt_int(float(figures["upper_bound"]) - float(figures["before"]), ctx.lang),
        ),
    )
    if chosen.empty:
        st.info(ctx.t("access.siting.nothing"))
        return
    site_names = proposed_names(chosen, names)
    table = pd.DataFrame(
        {
            ctx.t("access.table.rank"): chosen["rank"].to_numpy(),
            ctx.t("table.name"): site_names.astype(str).to_numpy(),
            ctx.t(siting_key("gain", objective)): chosen["gain"].to_numpy(),
            "lat": chosen.geometry.y.round(6).to_numpy(),
            "lon": chosen.geometry.x.round(6).to_numpy(),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=number_columns(ctx.t(siting_key("gain", objective))),
    )
    download(ctx, table, "proposed_sites.csv", key="infra_sites_csv")
    if may_open(ctx.role, "capacity"):
        if st.button(
            ctx.t("access.siting.open_capacity"),
            key="infra_open_capacity",
            icon=":material/bed:",
            help=ctx.t("access.siting.open_capacity_help"),
        ):
            open_on_capacity(
                chosen,
                care_set=care_set,
                names=site_names.astype(str).tolist(),
                facility_ids=facility_ids,
                services=services,
            )


def proposed_names(chosen: gpd.GeoDataFrame, names: pd.Series) -> pd.Series:
    """The name of each proposed site: its neighbourhood's (in the reader's language, from
    ``names`` by ``area_id``) for neighbourhood centres, else the candidate layer's own name."""
    if "area_id" in chosen:
        return chosen["area_id"].map(names)
    return chosen["name"] if "name" in chosen else chosen.iloc[:, 1]


def siting_changes(
    chosen: gpd.GeoDataFrame, *, care_set: str, names: list[str], facility_ids: list[str]
) -> list[Change]:
    """The proposed sites as ``new_site`` changes of the Capacity page's what-if (ids ``NEW-1``,
    ``NEW-2``… that no facility has; the facility type the Capacity page gives new sites of
    ``care_set``)."""
    return sites_as_changes(
        chosen,
        SITE_TYPES.get(care_set, "clinic"),
        prefix="NEW",
        taken=facility_ids,
        names=names,
    )


def open_on_capacity(
    chosen: gpd.GeoDataFrame,
    *,
    care_set: str,
    names: list[str],
    facility_ids: list[str],
    services: list[str],
) -> None:
    """Put the proposed sites in the Capacity page's what-if (replacing the one being built
    there), show that page's service for them, and go there."""
    st.session_state[CAPACITY_CHANGES] = siting_changes(
        chosen, care_set=care_set, names=names, facility_ids=facility_ids
    )
    service = CAPACITY_SERVICES.get(care_set)
    open_page(CAPACITY_PAGE, **({"service": service} if service in services else {}))


def download(ctx: Context, table: pd.DataFrame, file_name: str, *, key: str) -> None:
    """CSV and XLSX buttons for ``table`` (see :func:`ui.downloads.table_downloads`)."""
    table_downloads(ctx, table, file_name.removesuffix(".csv"), key=key)

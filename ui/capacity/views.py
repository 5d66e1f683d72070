"""Views of the Capacity and load page: the load map (sized symbols), ranked tables, utilisation
growth, the what-if comparison and the scenario table.

Every string from data reaches HTML escaped (:func:`render.maps.escape_text`) or Markdown escaped
(:func:`render.safe.md_escape`); numbers and dates go through :mod:`render.format`.
"""

from __future__ import annotations

import math
from functools import partial

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import capacity as cap
from analytics.access import DOUBLE_GAP_CLASSES
from analytics.classify import NO_DATA_COLOUR, classify, palette_for
from render.charts import _PLOTLY_SEPARATORS, month_ticks
from render.fonts import font_stack
from render.format import fmt_int, fmt_month, fmt_number, fmt_pct
from render.i18n import direction
from render.maps import LegendItem, escape_text, text_direction
from ui.area_maps import add_legend, area_map, areas_with, show_map, value_map
from ui.context import Context
from ui.downloads import table_downloads
from ui.facility_layer import add_facilities
from ui.localize import localized_table

#: Load classes by load ratio (upper bounds, inclusive) and their colours.
LOAD_CLASSES: tuple[tuple[str, float, str], ...] = (
    ("light", 0.75, "#1a9850"),
    ("even", 1.25, "#91bfdb"),
    ("heavy", math.inf, "#fc8d59"),
)
OVERLOADED_COLOUR = "#b2182b"
NO_LOAD_COLOUR = "#bdbdbd"
NONE_IN_REACH_COLOUR = "#fde0dd"
CHANGE_COLOURS = {"better": "#1a9850", "worse": "#d73027", "same": "#f0f0f0"}
NEW_SITE_COLOUR = "#111111"
CHANGED_RING = "#ffd92f"


#: Decimals of capacity within reach per 1,000 people, per supply: beds and staff run to a few per
#: 1,000 people, desks and whole facilities to small fractions.
ACCESS_DIGITS = {"beds": 2, "staff": 2, "desks": 3, "facility": 4}


def access_digits(supply: str, value: float | None = None) -> int:
    """Decimals for capacity within reach per 1,000 people of ``supply``; with ``value`` (e.g. a
    change), enough to show its first two significant digits (at most 6)."""
    digits = ACCESS_DIGITS.get(supply, 3)
    if value is not None and np.isfinite(value) and value != 0:
        digits = max(digits, min(6, 1 - int(math.floor(math.log10(abs(value))))))
    return digits


def supply_label(ctx: Context, supply: str) -> str:
    return ctx.t(f"capacity.supply.{supply}")


def measure_label(ctx: Context, measure: str) -> str:
    return ctx.label("capacity.measure", measure)


def load_colour(ratio: float, overloaded: bool) -> str:
    if overloaded:
        return OVERLOADED_COLOUR
    if ratio is None or not np.isfinite(ratio):
        return NO_LOAD_COLOUR
    for _, upper, colour in LOAD_CLASSES:
        if ratio <= upper:
            return colour
    return LOAD_CLASSES[-1][2]


def _radius(values: np.ndarray) -> np.ndarray:
    """Circle radius in pixels, area proportional to the value (5 px to 24 px)."""
    v = np.nan_to_num(np.asarray(values, dtype="float64"), nan=0.0)
    top = v.max() if len(v) and v.max() > 0 else 1.0
    return 5.0 + 19.0 * np.sqrt(np.clip(v, 0, None) / top)


def add_load_symbols(
    ctx: Context,
    fmap: folium.Map,
    load: pd.DataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    supply: str,
    overload_at: float,
    changed: set[str] | None = None,
) -> list[LegendItem]:
    """Circles sized by people served and coloured by load ratio, with escaped tooltips; facilities
    named in ``changed`` get a yellow ring. Returns the legend rows."""
    located = facilities[["facility_id", facilities.geometry.name]].drop_duplicates("facility_id")
    merged = load.merge(located, on="facility_id", how="left")
    geoms = merged[facilities.geometry.name].to_numpy()
    radius = _radius(merged["allocated_population"].to_numpy())
    layer = folium.FeatureGroup(name="load", control=False)
    labels = {
        "name": ctx.t("map.facility"),
        "served": ctx.t("capacity.table.allocated"),
        "supply": supply_label(ctx, supply),
        "per": ctx.t("capacity.table.per_supply", supply=supply_label(ctx, supply)),
        "ratio": ctx.t("capacity.table.load_ratio"),
    }
    direction = text_direction(*labels.values())
    changed = changed or set()
    order = np.argsort(-np.nan_to_num(merged["allocated_population"].to_numpy(), nan=0.0))
    for k in order:
        geom = geoms[k]
        if geom is None or geom.is_empty:
            continue
        row = merged.iloc[k]
        lines = [
            f"<b>{escape_text(labels['name'])}</b>: {escape_text(row.get('name', row['facility_id']))}",
            f"<b>{escape_text(labels['served'])}</b>: "
            f"{escape_text(fmt_int(row['allocated_population'], ctx.lang))}",
        ]
        if supply != "facility":
            lines.append(
                f"<b>{escape_text(labels['supply'])}</b>: "
                f"{escape_text(fmt_int(row['supply'], ctx.lang))}"
            )
            lines.append(
                f"<b>{escape_text(labels['per'])}</b>: "
                f"{escape_text(fmt_int(row['people_per_supply'], ctx.lang))}"
            )
        lines.append(
            f"<b>{escape_text(labels['ratio'])}</b>: "
            f"{escape_text(fmt_number(row['load_ratio'], ctx.lang, digits=2))}"
        )
        ring = str(row["facility_id"]) in changed
        folium.CircleMarker(
            location=[round(geom.y, 6), round(geom.x, 6)],
            radius=float(radius[k]),
            color=CHANGED_RING if ring else "#1f2328",
            weight=4 if ring else 1,
            fill=True,
            fill_color=load_colour(row["load_ratio"], bool(row["overloaded"])),
            fill_opacity=0.8,
            tooltip=folium.Tooltip("<br>".join(lines), style=f"direction: {direction};"),
        ).add_to(layer)
    layer.add_to(fmap)
    ratio = merged["load_ratio"].to_numpy(dtype="float64")
    over = merged["overloaded"].to_numpy(dtype=bool)
    items = []
    lower = 0.0
    for name, upper, colour in LOAD_CLASSES:
        hit = (~over) & (ratio > lower) & (ratio <= upper) if lower else (~over) & (ratio <= upper)
        label = ctx.t(
            f"capacity.load_class.{name}",
            low=fmt_number(lower, ctx.lang, digits=2),
            high=fmt_number(upper, ctx.lang, digits=2),
        )
        items.append(LegendItem(colour, label, int(hit.sum())))
        lower = upper
    items.append(
        LegendItem(
            OVERLOADED_COLOUR,
            ctx.t("capacity.load_class.over", at=fmt_number(overload_at, ctx.lang, digits=2)),
            int(over.sum()),
        )
    )
    missing = int((~over & ~np.isfinite(ratio)).sum())
    if missing:
        items.append(LegendItem(NO_LOAD_COLOUR, ctx.t("capacity.load_class.none"), missing))
    return items


def load_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    per_area: pd.DataFrame,
    load: pd.DataFrame,
    facilities: gpd.GeoDataFrame,
    others: gpd.GeoDataFrame | None,
    *,
    supply: str,
    overload_at: float,
    key: str,
    height: int = 540,
) -> None:
    """Areas coloured by capacity within reach (2SFCA), the service's facilities as circles sized
    by the people they serve and coloured by load, and the other facilities (shared layer)."""
    merged = areas_with(shapes, per_area[["area_id", "name", "population", "access"]])
    numbers = pd.to_numeric(merged["access"], errors="coerce").astype("float64")
    # Areas with nothing in reach get a class of their own; the rest are split into quantiles.
    none_in_reach = (numbers <= 0).to_numpy()
    classes = classify(numbers.where(~none_in_reach), scheme="quantiles", k=4)
    palette = palette_for(max(classes.k, 1), reverse=True)
    colours = classes.class_of.map(dict(enumerate(palette))).fillna(NO_DATA_COLOUR)
    merged["_colour"] = np.where(none_in_reach, NONE_IN_REACH_COLOUR, colours.to_numpy())
    digits = access_digits(supply)
    items = [
        LegendItem(c, label, n)
        for c, label, n in zip(
            palette,
            classes.labels(lambda v: fmt_number(v, ctx.lang, digits=digits)),
            classes.counts,
            strict=False,
        )
    ]
    if none_in_reach.any():
        items.append(
            LegendItem(
                NONE_IN_REACH_COLOUR, ctx.t("capacity.map.none_in_reach"), int(none_in_reach.sum())
            )
        )
    missing = classes.n_no_data - int(none_in_reach.sum())
    if missing > 0:
        items.append(LegendItem(NO_DATA_COLOUR, ctx.t("map.no_data"), missing))
    title = ctx.t("capacity.map.access", supply=supply_label(ctx, supply))
    fmap = value_map(
        ctx,
        merged,
        names=merged["name"],
        values=merged["access"].map(lambda v: fmt_number(v, ctx.lang, digits=digits)),
        title=title,
        legend_items=items,
        height=height,
    )
    if others is not None and len(others):
        other_items = add_facilities(ctx, fmap, others)
        add_legend(ctx, fmap, ctx.t("access.map.facilities"), other_items, position="bottomleft")
    load_items = add_load_symbols(
        ctx, fmap, load, facilities, supply=supply, overload_at=overload_at
    )
    add_legend(ctx, fmap, ctx.t("capacity.map.load"), load_items, position="topright")
    show_map(fmap, key=key, height=height)


def change_map(
    ctx: Context,
    shapes: gpd.GeoDataFrame,
    by_area: pd.DataFrame,
    names: pd.Series,
    result: cap.ScenarioResult,
    *,
    supply: str,
    overload_at: float,
    key: str,
    height: int = 480,
) -> None:
    """Areas coloured by the change in capacity within reach (better / worse / same), the load
    after the change, and the changed facilities ringed."""
    merged = areas_with(shapes, by_area)
    delta = pd.to_numeric(merged["access_change"], errors="coerce").fillna(0.0)
    nearer = merged["care_km_after"].fillna(np.inf) < merged["care_km_before"].fillna(np.inf) - 1e-9
    farther = (
        merged["care_km_after"].fillna(np.inf) > merged["care_km_before"].fillna(np.inf) + 1e-9
    )
    better = ((delta > 1e-12) | nearer) & ~(delta < -1e-12)
    worse = (delta < -1e-12) | (farther & ~better)
    state = np.select([better.to_numpy(), worse.to_numpy()], ["better", "worse"], default="same")
    merged["_colour"] = pd.Series(state).map(CHANGE_COLOURS).to_numpy()
    merged["_name"] = merged["area_id"].map(names).fillna(merged["area_id"]).astype(str)
    digits = access_digits(supply)
    merged["_value"] = [
        f"{fmt_number(b, ctx.lang, digits=digits)} → {fmt_number(a, ctx.lang, digits=digits)}"
        for b, a in zip(merged["access_before"], merged["access_after"], strict=True)
    ]
    merged["_km"] = [
        f"{fmt_number(b, ctx.lang, digits=1)} → {fmt_number(a, ctx.lang, digits=1)}"
        for b, a in zip(merged["care_km_before"], merged["care_km_after"], strict=True)
    ]
    counts = pd.Series(state).value_counts()
    items = [
        LegendItem(CHANGE_COLOURS[s], ctx.t(f"capacity.change.{s}"), int(counts.get(s, 0)))
        for s in ("better", "worse", "same")
    ]
    title = ctx.t("capacity.change.title")
    fmap = area_map(
        ctx,
        merged,
        tooltip=[
            ("_name", ctx.t("map.name")),
            ("_value", ctx.t("capacity.map.access", supply=supply_label(ctx, supply))),
            ("_km", ctx.t("capacity.change.care_km")),
        ],
        legend_title=title,
        legend_items=items,
        height=height,
    )
    changed = {c.facility_id for c in result.changes}
    load_items = add_load_symbols(
        ctx,
        fmap,
        result.after.load,
        result.facilities_after,
        supply=supply,
        overload_at=overload_at,
        changed=changed,
    )
    load_items.append(LegendItem(CHANGED_RING, ctx.t("capacity.map.changed"), len(changed)))
    add_legend(ctx, fmap, ctx.t("capacity.map.load_after"), load_items, position="topright")
    show_map(fmap, key=key, height=height)


# --------------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------------


def load_table(
    ctx: Context,
    load: pd.DataFrame,
    *,
    supply: str,
    totals: pd.Series,
    measure: str | None,
    growth: pd.DataFrame | None,
) -> pd.DataFrame:
    """The service's facilities ranked by load ratio (heaviest first), as shown (and downloaded)."""
    ranked = load.sort_values(["load_ratio", "allocated_population"], ascending=False)
    ranked = ranked.reset_index(drop=True)
    columns: dict[str, object] = {
        ctx.t("access.table.rank"): np.arange(1, len(ranked) + 1),
        ctx.t("table.name"): ranked["name"].astype(str).to_numpy()
        if "name" in ranked
        else ranked["facility_id"].to_numpy(),
        ctx.t("map.type"): ranked["type"].map(lambda t: ctx.label("facility_type", t)).to_numpy(),
    }
    if supply != "facility":
        columns[supply_label(ctx, supply)] = ranked["supply"].round().astype("Int64").to_numpy()
    columns[ctx.t("capacity.table.catchment")] = ranked["catchment_population"].round().to_numpy()
    columns[ctx.t("capacity.table.allocated")] = ranked["allocated_population"].round().to_numpy()
    if supply != "facility":
        columns[ctx.t("capacity.table.per_supply", supply=supply_label(ctx, supply))] = (
            ranked["people_per_supply"].round().to_numpy()
        )
    columns[ctx.t("capacity.table.load_ratio")] = ranked["load_ratio"].round(2).to_numpy()
    columns[ctx.t("capacity.table.overloaded")] = np.where(
        ranked["overloaded"], ctx.t("access.map.yes"), ""
    )
    if measure is not None and len(totals):
        label = measure_label(ctx, measure)
        columns[ctx.t("capacity.table.latest", measure=label)] = (
            ranked["facility_id"].map(totals).round().to_numpy()
        )
        if supply != "facility":
            per = cap.utilisation_per_supply(
                totals,
                ranked.assign(**{supply: ranked["supply"]})[["facility_id", supply]],
                supply,
            )
            columns[
                ctx.t(
                    "capacity.table.activity_per", measure=label, supply=supply_label(ctx, supply)
                )
            ] = ranked["facility_id"].map(per).round(1).to_numpy()
        if growth is not None and len(growth):
            rates = growth.set_index("facility_id")["growth"]
            columns[ctx.t("capacity.table.growth")] = (
                (ranked["facility_id"].map(rates) * 100).round(1).to_numpy()
            )
    return pd.DataFrame(columns)


def _decimals(values: pd.Series) -> int:
    """Decimal places a column of figures needs: none for whole numbers, else one."""
    present = values.dropna()
    return 0 if present.empty or bool((present % 1 == 0).all()) else 1


def show_table(
    ctx: Context, table: pd.DataFrame, name: str, *, key: str, height: int = 320
) -> None:
    """A table with localised numbers, and CSV and XLSX downloads of it as shown (translated
    headers; :func:`ui.downloads.table_downloads`). ``name`` is the file name stem."""
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    formats = {c: partial(fmt_number, lang=ctx.lang, digits=_decimals(table[c])) for c in numeric}
    st.dataframe(
        localized_table(table, formats, ctx.lang),  # a missing figure reads "—", never "None"
        hide_index=True,
        width="stretch",
        height=min(height, 38 + 35 * max(len(table), 1)),
    )
    table_downloads(ctx, table, name, key=key)


def _figure_text(
    ctx: Context, figure: str, value: float, *, change: bool = False, supply: str = "beds"
) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    sign = "+" if change and value > 0 else ""
    if figure == "share_near_care":
        if change:
            return sign + ctx.t("units.points", n=fmt_number(value * 100, ctx.lang, digits=1))
        return fmt_pct(value, ctx.lang)
    if figure == "access_mean":
        digits = access_digits(supply, value if change else None)
        return sign + fmt_number(value, ctx.lang, digits=digits)
    if figure == "max_load_ratio":
        return sign + fmt_number(value, ctx.lang, digits=2)
    return sign + fmt_int(value, ctx.lang)


def comparison_table(ctx: Context, comparison: pd.DataFrame, *, supply: str) -> pd.DataFrame:
    """Before / after / change side by side, every figure formatted for the reader (capacity
    within reach to as many decimals as ``supply`` needs, a change to its first significant
    digits); a change within the tolerance of :func:`analytics.capacity.compare_networks` has no
    verdict."""
    labels = [
        ctx.t(f"capacity.figure.{f}", supply=supply_label(ctx, supply))
        for f in comparison["figure"]
    ]
    verdict = comparison["better"].map(
        lambda b: (
            "" if pd.isna(b) else ctx.t("capacity.change.better" if b else "capacity.change.worse")
        )
    )
    return pd.DataFrame(
        {
            ctx.t("capacity.whatif.figure"): labels,
            ctx.t("capacity.whatif.before"): [
                _figure_text(ctx, f, v, supply=supply)
                for f, v in zip(comparison["figure"], comparison["before"], strict=True)
            ],
            ctx.t("capacity.whatif.after"): [
                _figure_text(ctx, f, v, supply=supply)
                for f, v in zip(comparison["figure"], comparison["after"], strict=True)
            ],
            ctx.t("capacity.whatif.change"): [
                _figure_text(ctx, f, v, change=True, supply=supply)
                for f, v in zip(comparison["figure"], comparison["change"], strict=True)
            ],
            ctx.t("capacity.whatif.verdict"): verdict.to_numpy(),
        }
    )


def changed_areas_table(
    ctx: Context, by_area: pd.DataFrame, names: pd.Series, *, supply: str = "beds"
) -> pd.DataFrame:
    """The areas whose figures change, most people first (capacity to the decimals ``supply``
    needs)."""
    digits = access_digits(supply)
    rows = by_area[by_area["changed"]].sort_values("population", ascending=False)
    yes, no = ctx.t("access.map.yes"), ctx.t("access.map.no")
    return pd.DataFrame(
        {
            ctx.t("table.name"): rows["area_id"]
            .map(names)
            .fillna(rows["area_id"])
            .astype(str)
            .to_numpy(),
            ctx.t("metric.population"): rows["population"].to_numpy(),
            ctx.t("capacity.areas.care_km_before"): rows["care_km_before"].round(2).to_numpy(),
            ctx.t("capacity.areas.care_km_after"): rows["care_km_after"].round(2).to_numpy(),
            ctx.t("capacity.areas.access_before"): rows["access_before"].round(digits).to_numpy(),
            ctx.t("capacity.areas.access_after"): rows["access_after"].round(digits).to_numpy(),
            ctx.t("capacity.areas.gap_before"): np.where(rows["referral_gap_before"], yes, no),
            ctx.t("capacity.areas.gap_after"): np.where(
                rows["referral_gap_after"].astype(bool), yes, no
            ),
            ctx.t("capacity.areas.class_before"): rows["double_gap_before"]
            .map(lambda c: ctx.t(f"access.double_gap.{c}"))
            .to_numpy(),
            ctx.t("capacity.areas.class_after"): rows["double_gap_after"]
            .map(lambda c: ctx.t(f"access.double_gap.{c}"))
            .to_numpy(),
        }
    )


def double_gap_table(ctx: Context, comparison: pd.DataFrame) -> pd.DataFrame:
    """People per double-gap class before and after."""
    rows = comparison.set_index("figure")
    classes = [c for c in DOUBLE_GAP_CLASSES if f"people_{c}" in rows.index]
    return pd.DataFrame(
        {
            ctx.t("access.double_gap.class"): [ctx.t(f"access.double_gap.{c}") for c in classes],
            ctx.t("capacity.whatif.before"): [rows.loc[f"people_{c}", "before"] for c in classes],
            ctx.t("capacity.whatif.after"): [rows.loc[f"people_{c}", "after"] for c in classes],
            ctx.t("capacity.whatif.change"): [rows.loc[f"people_{c}", "change"] for c in classes],
        }
    )


def change_label(ctx: Context, change: cap.Change, names: pd.Series) -> str:
    """A change in words (names escaped for Markdown by the caller where needed)."""
    name = change.facility_name or names.get(change.facility_id, change.facility_id)
    if change.kind == "upgrade":
        return ctx.t(
            "capacity.whatif.upgrade_to",
            name=name,
            supply=supply_label(ctx, str(change.supply)),
            value=fmt_int(change.value, ctx.lang),
        )
    if change.kind == "new_site":
        return ctx.t(
            "capacity.whatif.new_site_at",
            name=name,
            type=ctx.label("facility_type", change.facility_type),
        )
    return ctx.t(f"capacity.whatif.{change.kind}_named", name=name)


def scenario_status(ctx: Context, row: pd.Series) -> str:
    """Whether a compared scenario still applies, and if not, why (in the reader's language)."""
    if row.get("applicable", True) is not False:
        return ""
    missing = row.get("missing")
    if isinstance(missing, str) and missing:
        return ctx.t("capacity.scenarios.stale_missing", ids=missing)
    return ctx.t("capacity.scenarios.stale", reason=str(row.get("reason") or ""))


def scenario_table(
    ctx: Context, compared: pd.DataFrame, *, supply: str, current_label: str
) -> pd.DataFrame:
    """Scenarios side by side with the network as it is: the figures after and the changes; a
    scenario that no longer applies keeps its row, with no figures and the reason."""

    def name_of(row: pd.Series) -> str:
        if row["scenario"] == "":
            return ctx.t("capacity.scenarios.as_is")
        if row["scenario"] == current_label:
            return ctx.t("capacity.scenarios.current")
        return str(row["name"] if pd.notna(row.get("name")) else row["scenario"])

    kinds = compared["kinds"].map(
        lambda k: (
            ", ".join(ctx.t(f"capacity.kind.{x.strip()}") for x in str(k).split(","))
            if isinstance(k, str) and k
            else ""
        )
    )
    s = supply_label(ctx, supply)

    def people(column: str) -> np.ndarray:
        return compared[column].astype("float64").round().to_numpy()

    table = pd.DataFrame(
        {
            ctx.t("capacity.scenarios.name"): compared.apply(name_of, axis=1).to_numpy(),
            ctx.t("capacity.scenarios.kinds"): kinds.to_numpy(),
            ctx.t("capacity.scenarios.changes"): compared["n_changes"].to_numpy(),
            ctx.t("capacity.figure.people_near_care", supply=s): people("people_near_care"),
            ctx.t("capacity.scenarios.gain_near"): people("people_near_care_change"),
            ctx.t("capacity.figure.people_referral_gap", supply=s): people("people_referral_gap"),
            ctx.t("capacity.figure.access_mean", supply=s): compared["access_mean"]
            .astype("float64")
            .round(access_digits(supply))
            .to_numpy(),
            ctx.t("capacity.figure.people_no_supply", supply=s): people("people_no_supply"),
            ctx.t("capacity.figure.facilities_overloaded", supply=s): compared[
                "facilities_overloaded"
            ]
            .astype("float64")
            .round()
            .astype("Int64")
            .to_numpy(),
            ctx.t("capacity.figure.people_both", supply=s): people("people_both"),
        }
    )
    if "applicable" in compared and not compared["applicable"].astype(bool).all():
        table[ctx.t("capacity.scenarios.status")] = compared.apply(
            lambda row: scenario_status(ctx, row), axis=1
        ).to_numpy()
    return table


def growth_tables(
    ctx: Context, per_facility: pd.DataFrame, per_district: pd.DataFrame, measure: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Growth per facility (fastest first) and per district, as shown."""
    label = measure_label(ctx, measure)
    rows = per_facility.sort_values("growth", ascending=False, na_position="last")
    facility_table = pd.DataFrame(
        {
            ctx.t("table.name"): rows["name"].astype(str).to_numpy(),
            ctx.t("map.type"): rows["type"].map(lambda t: ctx.label("facility_type", t)).to_numpy(),
            ctx.t("table.district"): rows["district"].astype("string").to_numpy(),
            ctx.t("capacity.growth.current", measure=label): rows["current"].round().to_numpy(),
            ctx.t("capacity.growth.previous", measure=label): rows["previous"].round().to_numpy(),
            ctx.t("capacity.table.growth"): (rows["growth"] * 100).round(1).to_numpy(),
            ctx.t("capacity.growth.per_bed"): rows["per_bed"].round(1).to_numpy(),
            ctx.t("capacity.growth.complete"): np.where(
                rows["complete"].astype(bool), ctx.t("access.map.yes"), ctx.t("access.map.no")
            ),
        }
    )
    district_table = pd.DataFrame(
        {
            ctx.t("table.district"): per_district["group"].astype(str).to_numpy(),
            ctx.t("capacity.growth.facilities"): per_district["n_facilities"].to_numpy(),
            ctx.t("capacity.growth.incomplete"): per_district["n_incomplete"].to_numpy(),
            ctx.t("capacity.growth.current", measure=label): per_district["current"]
            .round()
            .to_numpy(),
            ctx.t("capacity.growth.previous", measure=label): per_district["previous"]
            .round()
            .to_numpy(),
            ctx.t("capacity.table.growth"): (per_district["growth"] * 100).round(1).to_numpy(),
        }
    )
    return facility_table, district_table


def window_text(ctx: Context, windows: cap.UtilisationWindows) -> str:
    """The two windows compared, in the reader's calendar."""

    def span(periods: tuple[pd.Timestamp, ...]) -> str:
        if not periods:
            return "—"
        first = fmt_month(periods[0], ctx.lang, calendar=ctx.calendar)
        if len(periods) == 1:
            return first
        return f"{first} – {fmt_month(periods[-1], ctx.lang, calendar=ctx.calendar)}"

    return ctx.t(
        f"capacity.growth.windows_{windows.frequency}",
        current=span(windows.current),
        previous=span(windows.previous),
        months=fmt_int(windows.months, ctx.lang),
        n=fmt_int(windows.n_periods, ctx.lang),
    )


def utilisation_chart(ctx: Context, series: pd.DataFrame, label: str, height: int = 260):
    """``measure`` per period (all facilities) as bars, every label in the reader's language and
    calendar (Plotly writes dates and digits only in English)."""
    months = series["period"].map(lambda p: fmt_month(p, ctx.lang, calendar=ctx.calendar))
    values = series["value"].map(lambda v: fmt_int(v, ctx.lang))
    fig = go.Figure(
        go.Bar(
            x=series["period"],
            y=series["value"],
            marker={"color": "#1d6fa5"},
            customdata=np.column_stack([months.to_numpy(), values.to_numpy()]),
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
        )
    )
    _lay_out_counts_over_time(ctx, fig, series, series["period"], label, height, showlegend=False)
    return fig


def _lay_out_counts_over_time(
    ctx: Context,
    fig: go.Figure,
    series: pd.DataFrame,
    periods: pd.Series,
    label: str,
    height: int,
    *,
    yaxis: dict | None = None,
    **layout: object,
) -> None:
    """The layout the utilisation charts share: round count ticks on the y axis (at most about
    five steps of 1, 2, 2.5 or 5 × 10ⁿ), month ticks on the x axis, both in the reader's
    language and calendar, the axis title left out in right-to-left languages."""
    rtl = direction(ctx.lang) == "rtl"
    top = float(series["value"].max()) if len(series) else 1.0
    step = 10 ** max(0, int(math.floor(math.log10(max(top, 1.0) / 4))))
    step = next(s * step for s in (1, 2, 2.5, 5, 10) if top / (s * step) <= 5)
    ticks = [i * step for i in range(int(top // step) + 2)]
    tick_x, tick_x_text = month_ticks(periods, ctx.lang, ctx.calendar, max_ticks=6)
    fig.update_layout(
        font={"family": font_stack('"Source Sans", "Open Sans", sans-serif')},
        separators=_PLOTLY_SEPARATORS.get(ctx.lang, ".,"),
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={
            "tickvals": ticks,
            "ticktext": [fmt_int(t, ctx.lang) for t in ticks],
            "title": {"text": "" if rtl else label, "standoff": 10},
            "automargin": True,
            **(yaxis or {}),
        },
        xaxis={"tickvals": tick_x, "ticktext": tick_x_text, "automargin": True},
        template="plotly_white",
        **layout,
    )


def district_chart(ctx: Context, series: pd.DataFrame, label: str, height: int = 300):
    """``measure`` per district and period (:func:`analytics.capacity.group_series`): one line
    per district, every label in the reader's language and calendar."""
    fig = go.Figure()
    for group, rows in series.groupby("group", sort=True):
        months = rows["period"].map(lambda p: fmt_month(p, ctx.lang, calendar=ctx.calendar))
        values = rows["value"].map(lambda v: fmt_int(v, ctx.lang))
        name = escape_text(group)
        fig.add_trace(
            go.Scatter(
                x=rows["period"],
                y=rows["value"],
                mode="lines+markers",
                name=name,
                customdata=np.column_stack([months.to_numpy(), values.to_numpy()]),
                hovertemplate=f"{name}<br>%{{customdata[0]}}: %{{customdata[1]}}<extra></extra>",
            )
        )
    _lay_out_counts_over_time(
        ctx,
        fig,
        series,
        pd.Series(sorted(series["period"].unique())),
        label,
        height,
        yaxis={"rangemode": "tozero"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15},
    )
    return fig

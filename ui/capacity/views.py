"""The pieces every section of the Capacity and load page shares: supply and measure labels, the
decimals of capacity within reach, the load symbols both maps draw (circles sized by people served,
coloured by load), and tables shown with their downloads.

Every string from data reaches HTML escaped (:func:`render.maps.escape_text`) or Markdown escaped
(:func:`render.safe.md_escape`); numbers and dates go through :mod:`render.format`. The sections:
:mod:`ui.capacity.load`, :mod:`ui.capacity.growth`, :mod:`ui.capacity.whatif` and
:mod:`ui.capacity.scenarios`.
"""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from render.maps import LegendItem, escape_text, text_direction
from ui import tables
from ui.context import Context
from ui.downloads import column_kinds

#: Load classes by load ratio (upper bounds, inclusive) and their colours.
LOAD_CLASSES: tuple[tuple[str, float, str], ...] = (
    ("light", 0.75, "#1a9850"),
    ("even", 1.25, "#91bfdb"),
    ("heavy", math.inf, "#fc8d59"),
)
OVERLOADED_COLOUR = "#b2182b"
NO_LOAD_COLOUR = "#bdbdbd"
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
            f"{escape_text(ctx.language.int(row['allocated_population']))}",
        ]
        if supply != "facility":
            lines.append(
                f"<b>{escape_text(labels['supply'])}</b>: "
                f"{escape_text(ctx.language.int(row['supply']))}"
            )
            lines.append(
                f"<b>{escape_text(labels['per'])}</b>: "
                f"{escape_text(ctx.language.int(row['people_per_supply']))}"
            )
        lines.append(
            f"<b>{escape_text(labels['ratio'])}</b>: "
            f"{escape_text(ctx.language.number(row['load_ratio'], 2))}"
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
            low=ctx.language.number(lower, 2),
            high=ctx.language.number(upper, 2),
        )
        items.append(LegendItem(colour, label, int(hit.sum())))
        lower = upper
    items.append(
        LegendItem(
            OVERLOADED_COLOUR,
            ctx.t("capacity.load_class.over", at=ctx.language.number(overload_at, 2)),
            int(over.sum()),
        )
    )
    missing = int((~over & ~np.isfinite(ratio)).sum())
    if missing:
        items.append(LegendItem(NO_LOAD_COLOUR, ctx.t("capacity.load_class.none"), missing))
    return items


def _decimals(values: pd.Series) -> int:
    """Decimal places a column of figures needs: none for whole numbers, else one."""
    present = values.dropna()
    return 0 if present.empty or bool((present % 1 == 0).all()) else 1


def show_table(
    ctx: Context, table: pd.DataFrame, name: str, *, key: str, height: int = 320
) -> None:
    """A table with localised numbers, and CSV and XLSX downloads of it as shown (translated
    headers), one spec for both (:func:`ui.tables.show_table`): a figure column is a count where
    it holds whole numbers, else a figure with one decimal, unless its catalogue label names its
    kind. ``name`` is the file name stem."""
    named = column_kinds(ctx, table)
    kinds = {
        str(c): "count" if _decimals(table[c]) == 0 else "number"
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
        and str(c) not in named
    }
    tables.show_table(
        ctx,
        table,
        name,
        kinds=kinds,
        download_key=key,
        height=min(height, 38 + 35 * max(len(table), 1)),
    )

"""Maps and charts drawn with matplotlib, without tiles: the polygons of the workspace only.

- :func:`map_png` is the map export: title, legend, date, scale bar, north arrow and a data-source
  note, in the chosen language (Persian laid out right to left; matplotlib >= 3.11 shapes Persian
  itself, so text is passed as it is, never pre-shaped).
- :func:`briefing_map_png` is the map inside a briefing: polygons, district outlines, scale bar and
  north arrow; the briefing prints title and legend as text around it.
- :func:`trend_png` is coverage over time against the target.

Maps are drawn in the areas' UTM zone (metres), so the scale bar is true and grid north is up.
Every function uses its own :class:`matplotlib.figure.Figure` (no pyplot, no global state).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Patch, Rectangle

from analytics.classify import NO_DATA_COLOUR, classify, palette_for
from geodata.tables.calendar import tick_months
from render.labels import keep_apart, label_boxes
from render.language import Language
from render.mapframe import scale_text
from reports.fonts import matplotlib_families

__all__ = [
    "METRIC_KINDS",
    "LegendEntry",
    "Classified",
    "briefing_map_png",
    "classify_metric",
    "map_figure",
    "map_png",
    "percent_ticks",
    "trend_png",
]

matplotlib.use("Agg", force=False)

#: Metric → kind (``rate`` 0–1, ``count`` people, ``density`` people per km²), as on the maps.
METRIC_KINDS: dict[str, str] = {
    "coverage": "rate",
    "uninsured": "count",
    "insured": "count",
    "people_to_target": "count",
    "gap_to_target": "rate",
    "population": "count",
    "density": "density",
}
BORDER = "#ffffff"
OUTLINE = "#1f2328"
INK = "#1f2328"
MUTED = "#57606a"
TARGET_COLOUR = "#d1242f"
LINE_COLOUR = "#225ea8"


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str
    count: int


@dataclass(frozen=True)
class Classified:
    """Fill colour per row (aligned with the input) and the legend that explains them."""

    colours: pd.Series
    legend: list[LegendEntry]


def classify_metric(
    values: pd.Series,
    metric: str,
    lang: Language,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: list[float] | None = None,
) -> Classified:
    """Classes of ``metric`` values as colours and legend rows (with a grey "No data" row)."""
    kind = METRIC_KINDS[metric]
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    classes = classify(numbers, scheme=scheme, k=k, breaks=breaks)
    palette = palette_for(max(classes.k, 1))
    colours = classes.class_of.map(dict(enumerate(palette))).fillna(NO_DATA_COLOUR)

    def fmt(v: float) -> str:
        return lang.pct(v) if kind == "rate" else lang.int(v)

    legend = [
        LegendEntry(colour, label, int(count))
        for colour, label, count in zip(palette, classes.labels(fmt), classes.counts, strict=False)
    ]
    if classes.n_no_data:
        legend.append(LegendEntry(NO_DATA_COLOUR, lang.t("map.no_data"), int(classes.n_no_data)))
    return Classified(colours=colours.astype(str), legend=legend)


def _projected(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise ValueError("the map's areas have no CRS; set it before drawing")
    if frame.crs.is_projected:
        return frame
    return frame.to_crs(frame.estimate_utm_crs())


def _nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^n metres) of about a fifth of ``span_m``."""
    raw = max(span_m / 5, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    for step in (5, 2, 1):
        if step * power <= raw:
            return step * power
    return power


def _scale_bar(ax, lang: Language, fontsize: float) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    height = (y1 - y0) * 0.012
    left = x1 - (x1 - x0) * 0.04 - length if lang.rtl else x0 + (x1 - x0) * 0.04
    bottom = y0 + (y1 - y0) * 0.04
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (left + i * length / 2, bottom),
                length / 2,
                height,
                facecolor=INK if i == 0 else "white",
                edgecolor=INK,
                linewidth=0.8,
                zorder=5,
            )
        )
    label = scale_text(lang, length)
    ax.text(
        left + length / 2,
        bottom + height * 1.8,
        label,
        ha="center",
        va="bottom",
        fontsize=fontsize,
        color=INK,
        zorder=5,
    )


#: A label is drawn only on a shape at least this share of the map's width across.
LABEL_MIN_WIDTH = 0.05


def place_labels(shapes: gpd.GeoDataFrame, names: pd.Series) -> gpd.GeoDataFrame:
    """``shapes``' polygons with a ``label`` column from ``names`` (same index); the unnamed
    left out. What :func:`map_figure` and :func:`briefing_map_png` label the map with."""
    named = names.reindex(shapes.index)
    keep = named.notna().to_numpy() & (named.astype("string").str.strip() != "").fillna(False)
    keep &= ~(shapes.geometry.isna() | shapes.geometry.is_empty).to_numpy()
    return gpd.GeoDataFrame(
        {"label": named[keep].astype(str).to_numpy()},
        geometry=shapes.geometry[keep].to_numpy(),
        crs=shapes.crs,
    )


def _draw_labels(ax, labels: gpd.GeoDataFrame, lang: Language, fontsize: float) -> None:
    """Each label at a point inside its shape, with a white halo, in the reader's digits;
    shapes narrower than :data:`LABEL_MIN_WIDTH` of the map stay unlabelled, and of labels that
    would overlap only the larger shape's is drawn (:func:`render.labels.keep_apart`)."""
    x0, x1 = ax.get_xlim()
    bounds = labels.geometry.bounds
    wide = ((bounds["maxx"] - bounds["minx"]) >= (x1 - x0) * LABEL_MIN_WIDTH).to_numpy()
    shown = labels[wide]
    if not len(shown):
        return
    points = shown.geometry.representative_point()
    texts = [lang.numerals(str(text)) for text in shown["label"]]
    ax.apply_aspect()  # the axes' final box: where each label lands, in pixels
    xy = ax.transData.transform(np.column_stack([points.x, points.y]))
    boxes = label_boxes(xy[:, 0], xy[:, 1], texts, fontsize * ax.figure.dpi / 72)
    kept = keep_apart(boxes, shown.geometry.area.to_numpy())
    mark = RLM if lang.rtl else ""
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for point, text, keep in zip(points, texts, kept, strict=True):
        if not keep:
            continue
        ax.text(
            point.x,
            point.y,
            mark + text,
            ha="center",
            va="center",
            fontsize=fontsize,
            fontweight="bold",
            color=INK,
            path_effects=halo,
            zorder=6,
            clip_on=True,
        )


def _north_arrow(ax, lang: Language, fontsize: float) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    size = min(x1 - x0, y1 - y0) * 0.08
    x = x0 + (x1 - x0) * 0.06 if lang.rtl else x1 - (x1 - x0) * 0.06
    top = y1 - (y1 - y0) * 0.05
    ax.add_patch(
        FancyArrow(
            x,
            top - size,
            0,
            size * 0.9,
            width=size * 0.12,
            head_width=size * 0.45,
            head_length=size * 0.45,
            length_includes_head=True,
            color=INK,
            zorder=5,
        )
    )
    ax.text(
        x,
        top - size * 1.15,
        lang.t("reports.map.north"),
        ha="center",
        va="top",
        fontsize=fontsize,
        fontweight="bold",
        color=INK,
        zorder=5,
    )


def _draw_polygons(
    ax,
    areas: gpd.GeoDataFrame,
    colours: pd.Series,
    outlines: gpd.GeoDataFrame | None,
    highlight: gpd.GeoDataFrame | None = None,
) -> None:
    areas.plot(ax=ax, color=list(colours), edgecolor=BORDER, linewidth=0.35)
    if outlines is not None and len(outlines):
        outlines.boundary.plot(ax=ax, color=OUTLINE, linewidth=0.9)
    if highlight is not None and len(highlight):
        highlight.boundary.plot(ax=ax, color=OUTLINE, linewidth=2.2)
    ax.set_axis_off()
    ax.set_aspect("equal")
    xmin, ymin, xmax, ymax = areas.total_bounds
    padx, pady = (xmax - xmin) * 0.04, (ymax - ymin) * 0.06
    ax.set_xlim(xmin - padx, xmax + padx)
    ax.set_ylim(ymin - pady * 1.8, ymax + pady)


def _png(fig: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def briefing_map_png(
    areas: gpd.GeoDataFrame,
    colours: pd.Series,
    lang: Language,
    *,
    outlines: gpd.GeoDataFrame | None = None,
    size_in: tuple[float, float] = (7.0, 5.2),
    dpi: int = 200,
    labels: gpd.GeoDataFrame | None = None,
) -> bytes:
    """The briefing's map: filled polygons, district outlines, ``labels`` (see
    :func:`place_labels`), scale bar and north arrow."""
    with matplotlib.rc_context({"font.family": matplotlib_families(lang.code)}):
        fig = Figure(figsize=size_in)
        ax = fig.add_axes((0, 0, 1, 1))
        projected = _projected(areas)
        _draw_polygons(
            ax,
            projected,
            colours,
            outlines.to_crs(projected.crs) if outlines is not None and len(outlines) else None,
        )
        if labels is not None and len(labels):
            _draw_labels(ax, labels.to_crs(projected.crs), lang, 7)
        _scale_bar(ax, lang, 8)
        _north_arrow(ax, lang, 9)
        return _png(fig, dpi)


#: Right-to-left mark: put before a label, it makes the label's paragraph right to left, so a
#: range of Persian numbers ("۱۰٪ – ۲۰٪") reads from the right, as the Persian text around it.
RLM = "\u200f"


def map_figure(
    areas: gpd.GeoDataFrame,
    classified: Classified,
    lang: Language,
    *,
    title: str,
    legend_title: str,
    date_line: str,
    source_note: str,
    outlines: gpd.GeoDataFrame | None = None,
    highlight: gpd.GeoDataFrame | None = None,
    size_in: tuple[float, float] = (11.0, 8.0),
    labels: gpd.GeoDataFrame | None = None,
) -> Figure:
    """The map export as a figure: title, date, map, legend, scale bar, north arrow and
    data-source note (call it inside the language's font context, as :func:`map_png` does).

    The figure's texts are: ``fig.texts`` title, date line and source note; the legend's title and
    one row per class; on the map's axes the place ``labels`` (:func:`place_labels`), the scale
    bar's length and the north arrow's letter.
    """
    fig = Figure(figsize=size_in)
    ax = fig.add_axes((0.26 if lang.rtl else 0.02, 0.08, 0.72, 0.78))
    projected = _projected(areas)
    _draw_polygons(
        ax,
        projected,
        classified.colours,
        outlines.to_crs(projected.crs) if outlines is not None and len(outlines) else None,
        highlight.to_crs(projected.crs) if highlight is not None and len(highlight) else None,
    )
    if labels is not None and len(labels):
        _draw_labels(ax, labels.to_crs(projected.crs), lang, 8)
    _scale_bar(ax, lang, 9)
    _north_arrow(ax, lang, 11)
    anchor_x, ha = (0.98, "right") if lang.rtl else (0.02, "left")
    mark = RLM if lang.rtl else ""
    fig.text(anchor_x, 0.955, title, ha=ha, va="top", fontsize=17, fontweight="bold", color=INK)
    fig.text(anchor_x, 0.905, mark + date_line, ha=ha, va="top", fontsize=11, color=MUTED)
    fig.text(anchor_x, 0.02, mark + source_note, ha=ha, va="bottom", fontsize=8, color=MUTED)
    handles = [
        Patch(
            facecolor=e.colour,
            edgecolor="#8c959f",
            # In Persian the whole row, range and count, reads from the right.
            label=f"{mark}{e.label}  ({lang.int(e.count)})",
        )
        for e in classified.legend
    ]
    legend_x = 0.02 if lang.rtl else 0.98 - 0.24
    legend = fig.legend(
        handles=handles,
        title=legend_title,
        loc="upper left",
        bbox_to_anchor=(legend_x, 0.84),
        frameon=False,
        fontsize=10,
        title_fontsize=11,
        markerfirst=not lang.rtl,
        alignment="right" if lang.rtl else "left",
    )
    legend.get_title().set_fontweight("bold")
    return fig


def map_png(
    areas: gpd.GeoDataFrame,
    classified: Classified,
    lang: Language,
    *,
    title: str,
    legend_title: str,
    date_line: str,
    source_note: str,
    outlines: gpd.GeoDataFrame | None = None,
    highlight: gpd.GeoDataFrame | None = None,
    size_in: tuple[float, float] = (11.0, 8.0),
    dpi: int = 150,
    labels: gpd.GeoDataFrame | None = None,
) -> bytes:
    """The map export as PNG bytes (see :func:`map_figure`)."""
    with matplotlib.rc_context({"font.family": matplotlib_families(lang.code)}):
        fig = map_figure(
            areas,
            classified,
            lang,
            title=title,
            legend_title=legend_title,
            date_line=date_line,
            source_note=source_note,
            outlines=outlines,
            highlight=highlight,
            size_in=size_in,
            labels=labels,
        )
        return _png(fig, dpi)


def percent_ticks(low: float, high: float) -> list[float]:
    """Round tick values (steps of 5, 10, 20 or 25 points) from at or below ``low`` to at or above
    ``high`` (shares 0–1): at most six ticks, never below 0 % or above 100 %."""
    low, high = max(0.0, min(low, 1.0)), min(1.0, max(high, 0.0))
    for step in (0.05, 0.1, 0.2, 0.25):
        first = math.floor(low / step + 1e-9)
        last = max(math.ceil(high / step - 1e-9), first + 1)
        if last - first <= 5:
            break
    ticks = [round(i * step, 4) for i in range(first, last + 1) if i * step <= 1 + 1e-9]
    return ticks if len(ticks) > 1 else [round(ticks[0] - step, 4), ticks[0]]


def trend_png(
    trend: pd.DataFrame,
    targets: pd.DataFrame,
    lang: Language,
    *,
    month: pd.Timestamp | None = None,
    size_in: tuple[float, float] = (7.0, 3.2),
    dpi: int = 200,
) -> bytes:
    """Coverage per month (line) against the target (dashed), the reported month marked."""
    with matplotlib.rc_context({"font.family": matplotlib_families(lang.code)}):
        fig = Figure(figsize=size_in)
        ax = fig.add_axes((0.1, 0.2, 0.86, 0.7))
        periods = pd.to_datetime(trend["period"])
        ax.plot(
            periods,
            trend["coverage"],
            color=LINE_COLOUR,
            linewidth=2,
            label=lang.t("metric.coverage"),
        )
        if len(targets):
            shown = (
                targets[(targets["period"] >= periods.min()) & (targets["period"] <= periods.max())]
                if len(periods)
                else targets
            )
            ax.plot(
                pd.to_datetime(shown["period"]),
                shown["target_coverage"],
                color=TARGET_COLOUR,
                linewidth=1.5,
                linestyle="--",
                label=lang.t("reports.trend.target"),
            )
        if month is not None and len(periods):
            row = trend[periods == month]
            if len(row):
                ax.plot([month], [row["coverage"].iloc[0]], "o", color=LINE_COLOUR, markersize=6)
        values = [v for v in trend["coverage"].tolist() if v == v]
        if len(targets):
            values += targets["target_coverage"].tolist()
        # Round steps that take in every value; the axis ends at 100 % at most.
        ticks = percent_ticks(min(values) if values else 0.0, max(values) if values else 1.0)
        ax.set_ylim(ticks[0], ticks[-1] + 0.01)
        ax.set_yticks(ticks, [lang.pct(v, 0) for v in ticks])
        if len(periods):
            # One tick per reporting month, or per quarter … when long, each named as a month.
            shown_periods = list(tick_months(periods, lang.months, max_ticks=8))
            ax.set_xticks(shown_periods, [lang.month(p) for p in shown_periods])
        ax.tick_params(labelsize=8, colors=MUTED)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", color="#d0d7de", linewidth=0.6)
        ax.legend(  # above the plot, where it hides no line
            loc="lower right" if not lang.rtl else "lower left",
            bbox_to_anchor=(0.0 if lang.rtl else 1.0, 1.0),
            ncols=2,
            fontsize=8,
            frameon=False,
            markerfirst=not lang.rtl,
        )
        return _png(fig, dpi)

"""Two maps side by side as a document: the Briefings page's comparison (two months, or two
districts) exported as a PNG and as an A4 landscape PDF, in the chosen language.

Both maps are drawn on one colour scale and at one map scale (:func:`shared_scale`: the classes of
both sides' values together, and the same ground span, the wider and taller of the two, each map
centred on its own side), so two months or two districts compare by eye; each under its title and its coverage, with one legend, the difference in coverage, the month and
the day it was made, scale bars, north arrows and the data-source note. Right to left (Persian),
the first side stands on the right, where the reader starts. The PDF holds the picture and the
headline figures of both sides as a table (text that ``pdftotext`` reads back); it loads nothing
but the embedded fonts and inline images, like the briefing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from pyproj import CRS

from analytics.classify import classify
from render.i18n import joined
from render.language import Language
from reports.figures import (
    INK,
    MUTED,
    RLM,
    _draw_polygons,
    _north_arrow,
    _png,
    _scale_bar,
    classify_metric,
)
from reports.fonts import font_face_css, matplotlib_families
from reports.pdf import _img, _local_only

__all__ = [
    "SharedScale",
    "Side",
    "comparison_figure",
    "comparison_pdf",
    "comparison_png",
    "comparison_texts",
    "shared_scale",
]

#: Headline figures in the table, as :func:`analytics.coverage.headline_figures` names them.
FIGURES = ("population", "insured", "uninsured", "coverage")


@dataclass(frozen=True)
class Side:
    """One side of the comparison: its title (a month, a district), the units drawn with their
    ``coverage`` and polygons, and its headline figures (``population``, ``insured``...)."""

    title: str
    frame: gpd.GeoDataFrame
    figures: dict[str, float]


#: Classes of the shared colour scale (quantiles of both sides' values together).
CLASSES = 5


@dataclass(frozen=True)
class SharedScale:
    """The one colour scale and the one map scale of both sides.

    ``breaks``: upper class bounds (empty where neither side has a value); ``lower``: the lowest
    value of both, where the first class starts in both legends; ``crs``: the projection both
    sides are measured and drawn in; ``width`` and ``height``: the ground each map spans, in
    metres of ``crs``.
    """

    breaks: tuple[float, ...]
    lower: float
    crs: Any
    width: float
    height: float

    def box(self, frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` in :attr:`crs`: the shared span centred on ``frame``'s
        shapes (the whole span when ``frame`` has none)."""
        minx, miny, maxx, maxy = _present(frame).to_crs(self.crs).total_bounds
        if not np.isfinite([minx, miny, maxx, maxy]).all():
            minx = miny = maxx = maxy = 0.0
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        return (
            cx - self.width / 2,
            cy - self.height / 2,
            cx + self.width / 2,
            cy + self.height / 2,
        )

    def fit(self, frame: gpd.GeoDataFrame) -> list[list[float]]:
        """:meth:`box` as a live map fits it: ``[[south, west], [north, east]]``."""
        minx, miny, maxx, maxy = self.box(frame)
        corners = gpd.GeoSeries.from_xy([minx, maxx], [miny, maxy], crs=self.crs)
        west, south, east, north = corners.to_crs(4326).total_bounds
        return [[float(south), float(west)], [float(north), float(east)]]


def _present(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame[~(frame.geometry.isna() | frame.geometry.is_empty)]


def shared_scale(
    frames: list[gpd.GeoDataFrame], metric: str = "coverage", k: int = CLASSES
) -> SharedScale:
    """One colour scale and one map scale for the sides ``frames`` (their units with ``metric``
    and shapes, any CRS): the quantile classes of all their values together, and the widest and
    tallest of their extents in one projection (UTM of the sides together)."""
    values = pd.concat([pd.to_numeric(f[metric], errors="coerce") for f in frames])
    classes = classify(values.reset_index(drop=True), "quantiles", k)
    shapes = [_present(f) for f in frames]
    drawn = [s for s in shapes if len(s)]
    both = pd.concat([s.to_crs(4326).geometry for s in drawn]) if drawn else None
    crs = (
        gpd.GeoSeries(both, crs=4326).estimate_utm_crs()
        if both is not None
        else CRS.from_epsg(3857)
    )
    spans = np.array([s.to_crs(crs).total_bounds for s in drawn]).reshape(-1, 4)
    width = float((spans[:, 2] - spans[:, 0]).max()) if len(spans) else 0.0
    height = float((spans[:, 3] - spans[:, 1]).max()) if len(spans) else 0.0
    return SharedScale(tuple(classes.bins), float(classes.lower), crs, width, height)


def _coverage_line(side: Side, lang: Language) -> str:
    return f"{lang.t('metric.coverage')}: {lang.pct(side.figures.get('coverage'))}"


def difference_line(sides: list[Side], lang: Language) -> str:
    """ "Coverage B against A: N points" (empty when either side has no coverage)."""
    first, second = (s.figures.get("coverage") for s in sides)
    if first is None or second is None or first != first or second != second:
        return ""
    return lang.t(
        "briefings.compare.difference",
        a=lang.pct(second),
        b=lang.pct(first),
        diff=lang.number((second - first) * 100, 1),
    )


def comparison_figure(
    sides: list[Side],
    *,
    lang: Language,
    breaks: list[float] | None,
    date_line: str,
    source_note: str,
    size_in: tuple[float, float] = (13.0, 7.6),
) -> Figure:
    """The two maps side by side as a matplotlib figure (call it inside the language's font
    context, as :func:`comparison_png` does); its texts are read back by
    :func:`comparison_texts`."""
    scheme = "user" if breaks else "quantiles"
    both = pd.concat([s.frame["coverage"] for s in sides], ignore_index=True)
    legend = classify_metric(both, "coverage", lang, scheme=scheme, breaks=breaks).legend
    fig = Figure(figsize=size_in)
    mark = RLM if lang.rtl else ""
    anchor_x, ha = (0.98, "right") if lang.rtl else (0.02, "left")
    title = lang.t("briefings.compare_export.title", a=sides[0].title, b=sides[1].title)
    # Names come from the data: a "$" in one is text, never the start of a formula (mathtext).
    fig.text(
        anchor_x, 0.965, title, ha=ha, va="top", fontsize=16, fontweight="bold", color=INK,
        parse_math=False,
    )  # fmt: skip
    fig.text(anchor_x, 0.915, mark + date_line, ha=ha, va="top", fontsize=10.5, color=MUTED)
    order = list(reversed(sides)) if lang.rtl else sides  # the first side where reading starts
    scale = shared_scale([s.frame for s in sides])
    for index, side in enumerate(order):
        ax = fig.add_axes((0.02 + index * 0.40, 0.12, 0.38, 0.70))
        classes = classify_metric(
            side.frame["coverage"], "coverage", lang, scheme=scheme, breaks=breaks
        )
        projected = side.frame.to_crs(scale.crs)
        _draw_polygons(ax, projected, classes.colours, None)
        # Both maps at one scale: the same span of ground, each centred on its side.
        x0, y0, x1, y1 = scale.box(side.frame)
        padx, pady = (x1 - x0) * 0.04, (y1 - y0) * 0.06
        ax.set_xlim(x0 - padx, x1 + padx)
        ax.set_ylim(y0 - pady * 1.8, y1 + pady)
        _scale_bar(ax, lang, 8)
        _north_arrow(ax, lang, 9)
        ax.set_title(
            f"{side.title}\n{mark}{_coverage_line(side, lang)}",
            fontsize=12,
            color=INK,
            pad=6,
            parse_math=False,
        )
    difference = difference_line(sides, lang)
    if difference:
        fig.text(anchor_x, 0.065, mark + difference, ha=ha, va="bottom", fontsize=11, color=INK)
    fig.text(anchor_x, 0.02, mark + source_note, ha=ha, va="bottom", fontsize=8, color=MUTED)
    handles = [
        Patch(
            facecolor=e.colour,
            edgecolor="#8c959f",
            label=f"{mark}{e.label}  ({lang.int(e.count)})",
        )
        for e in legend
    ]
    fig_legend = fig.legend(
        handles=handles,
        title=lang.t("metric.coverage"),
        loc="upper left",
        bbox_to_anchor=(0.825, 0.80),
        frameon=False,
        fontsize=9.5,
        title_fontsize=10.5,
        markerfirst=not lang.rtl,
        alignment="right" if lang.rtl else "left",
    )
    fig_legend.get_title().set_fontweight("bold")
    return fig


def comparison_texts(fig: Figure) -> list[str]:
    """Every text the figure prints: its lines, the maps' titles and labels, the legend."""
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [ax.get_title(), *(t.get_text() for t in ax.texts)]
    for legend in fig.legends:
        texts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return [t for t in texts if t]


def _date_line(lang: Language, month: pd.Timestamp | None, made: dt.date | None) -> str:
    made_on = lang.t("briefings.compare_export.made", date=lang.date(made or dt.date.today()))
    when = lang.t("reports.month_line", month=lang.month(month)) if month is not None else ""
    return joined([when, made_on], lang.code)


def comparison_png(
    sides: list[Side],
    *,
    lang: Language,
    breaks: list[float] | None,
    month: pd.Timestamp | None,
    source_note: str,
    made: dt.date | None = None,
    dpi: int = 150,
) -> bytes:
    """The comparison as PNG bytes (``month``: the month both districts are shown for; None for
    two months, whose titles say them)."""
    with matplotlib.rc_context({"font.family": matplotlib_families(lang.code)}):
        fig = comparison_figure(
            sides,
            lang=lang,
            breaks=breaks,
            date_line=_date_line(lang, month, made),
            source_note=source_note,
        )
        return _png(fig, dpi)


def _figures_table(sides: list[Side], lang: Language) -> str:
    start, end = ("right", "left") if lang.rtl else ("left", "right")
    head = f'<th style="text-align:{start}">{escape(lang.t("table.name"))}</th>' + "".join(
        f'<th style="text-align:{end}">{escape(lang.t(f"metric.{f}"))}</th>' for f in FIGURES
    )
    rows = "".join(
        f'<tr><td style="text-align:{start}">{escape(side.title)}</td>'
        + "".join(
            f'<td class="num">'
            f"{escape(lang.pct(side.figures.get(f)) if f == 'coverage' else lang.int(side.figures.get(f)))}"
            "</td>"
            for f in FIGURES
        )
        + "</tr>"
        for side in sides
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def comparison_pdf(
    sides: list[Side],
    *,
    lang: Language,
    breaks: list[float] | None,
    month: pd.Timestamp | None,
    source_note: str,
    made: dt.date | None = None,
) -> bytes:
    """The comparison as a one-page A4 landscape PDF: title, date line, the picture of
    :func:`comparison_png`, the headline figures of both sides and the difference."""
    from weasyprint import HTML

    picture = comparison_png(
        sides, lang=lang, breaks=breaks, month=month, source_note=source_note, made=made, dpi=170
    )
    title = lang.t("briefings.compare_export.title", a=sides[0].title, b=sides[1].title)
    start = "right" if lang.rtl else "left"
    difference = difference_line(sides, lang)
    body = (
        f"<h1>{escape(title)}</h1>"
        f'<p class="meta">{escape(_date_line(lang, month, made))}</p>'
        f"{_img(picture, title, 'picture')}"
        f"<h2>{escape(lang.t('briefings.compare_export.figures'))}</h2>"
        f"{_figures_table(sides, lang)}"
        + (f"<p>{escape(difference)}</p>" if difference else "")
        + f'<p class="meta">{escape(source_note)}</p>'
    )
    css = f"""
{font_face_css()}
@page {{ size: A4 landscape; margin: 10mm 12mm; }}
html {{ font-family: AtlasArabic, AtlasLatin; font-size: 9.5pt; color: #1f2328; }}
* {{ font-variant-ligatures: no-common-ligatures no-discretionary-ligatures; font-kerning: none; }}
h1 {{ font-size: 16pt; margin: 0 0 1mm 0; color: #0b3d62; }}
h2 {{ font-size: 11pt; margin: 2mm 0 1mm 0; color: #0b3d62; }}
p {{ margin: 1mm 0; text-align: {start}; }}
.meta {{ color: #57606a; }}
img.picture {{ width: 100%; max-height: 120mm; object-fit: contain; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9pt; }}
th {{ border-bottom: 0.4mm solid #1f2328; padding: 1mm 1.5mm; }}
td {{ border-bottom: 0.2mm solid #d0d7de; padding: 0.8mm 1.5mm; }}
td.num {{ text-align: {"left" if lang.rtl else "right"}; white-space: nowrap; }}
"""
    document = (
        f'<!DOCTYPE html><html lang="{lang.code}" dir="{lang.direction}"><head>'
        f'<meta charset="utf-8"><title>{escape(title)}</title><style>{css}</style></head>'
        f"<body>{body}</body></html>"
    )
    return HTML(string=document, url_fetcher=_local_only()).write_pdf()

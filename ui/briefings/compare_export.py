"""The side-by-side comparison's downloads: the two maps on their one colour scale with titles,
legend, difference and source note as a PNG and as a PDF (:mod:`reports.comparison`), in the
session's language. Each file is made when its button is pressed, and the audit trail records
the download (:func:`ui.downloads.recorded`), as every download of the dashboard."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import streamlit as st

from reports import comparison
from reports.documents import source_note
from ui import data
from ui.context import Context
from ui.downloads import recorded

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def side(title: str, level: str, values: pd.DataFrame, shapes: gpd.GeoDataFrame, figures: dict):
    """One panel of the page (its title, level, figures per unit, shapes, headline figures) as a
    side of the document: the units drawn with their coverage."""
    key = data.LEVEL_KEYS[level]
    merged = shapes[[key, shapes.geometry.name]].merge(
        values[[key, "coverage"]], on=key, how="left"
    )
    frame = gpd.GeoDataFrame(merged, geometry=shapes.geometry.name, crs=shapes.crs)
    return comparison.Side(title=title, frame=frame, figures=dict(figures))


def downloads(
    ctx: Context,
    panels: list[tuple],
    *,
    by: str,
    keys: tuple[str, str],
    breaks: list[float] | None,
    month: pd.Timestamp | None,
) -> None:
    """PNG and PDF of the comparison shown (``panels`` as the page drew them; ``keys``: the two
    months or districts; ``month``: the month of two districts, None for two months)."""
    lang = ctx.language
    note = source_note(ctx.title, ctx.version, ctx.is_demo, lang)
    sides = [side(*panel) for panel in panels]
    shown_month = month if by == "districts" else None
    stem = "_".join(["compare", by, *(_SAFE.sub("_", k).strip("_") for k in keys), ctx.lang])

    def png() -> bytes:
        return comparison.comparison_png(
            sides, lang=lang, breaks=breaks, month=shown_month, source_note=note
        )

    def pdf() -> bytes:
        return comparison.comparison_pdf(
            sides, lang=lang, breaks=breaks, month=shown_month, source_note=note
        )

    st.caption(ctx.t("briefings.compare_export.export"))
    row = st.container(horizontal=True, gap="small")
    for extension, label, make, mime, icon in (
        ("png", "download_png", png, "image/png", ":material/image:"),
        ("pdf", "download_pdf", pdf, "application/pdf", ":material/picture_as_pdf:"),
    ):
        name = f"{stem}.{extension}"
        row.download_button(
            ctx.t(f"briefings.compare_export.{label}"),
            recorded(ctx, name, make),  # the audit trail has each download
            file_name=name,
            mime=mime,
            icon=icon,
            key=f"br_cmp_{extension}",
            on_click="ignore",
        )

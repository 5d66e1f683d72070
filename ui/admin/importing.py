"""The Data page's last steps: the checked rows on a preview map, then the import: update or replace,
what to do with rows the workspace already holds and with flagged rows, and the Import button.

An import goes through :mod:`geodata.uploads.workflow` and becomes a new workspace version; after it
the page reruns and every cache (keyed on workspace path + version) shows the new version.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from analytics.classify import NO_DATA_COLOUR
from geodata.tables.problems import DataError
from geodata.uploads import workflow as I
from geodata.uploads.checks import month_label
from geodata.uploads.mapping import POINTS_TABLE
from render.maps import LegendItem, choropleth_map
from render.mapview import MAP_SIZES
from render.safe import md_escape
from render.simplify import simplify_for_display
from ui.admin.check import scheme_label, table_height
from ui.admin.upload import author, forget_upload
from ui.area_maps import show_map
from ui.area_search import find_on_map
from ui.context import Context
from ui.downloads import audit_actor, table_downloads
from ui.grid import grid

IMPORTED_COLOUR = "#3b6fb6"
MAX_PREVIEW_POINTS = 2000


def preview_map(
    ctx: Context,
    prepared: I.Prepared,
    shapes: gpd.GeoDataFrame,
    areas: pd.DataFrame,
    key: str,
    size: str = "small",
) -> None:
    """The imported rows on a map: new areas, facility points, or the areas receiving counts.

    ``shapes`` are the workspace's areas simplified for display, ``areas`` their table (names).
    Where the map shows the workspace's areas (rows for them, not new areas), the search box
    above it finds one by name and brings the map there (:func:`ui.area_search.find_on_map`).
    """
    frame = prepared.frame
    points = None
    if prepared.table == "areas":
        base = simplify_for_display(frame[["area_id", "geometry"]]).merge(
            pd.DataFrame(frame.drop(columns="geometry"))[["area_id", "name"]], on="area_id"
        )
        base["_colour"] = IMPORTED_COLOUR
        items = [LegendItem(IMPORTED_COLOUR, ctx.t("data.preview_new_areas"), len(base))]
    else:
        base = shapes[["area_id", "geometry"]].copy()
        names = pd.Series(areas["name"].to_numpy(), index=areas["area_id"].astype(str))
        base["name"] = base["area_id"].map(names)
        receiving = set(frame["area_id"].dropna()) if "area_id" in frame else set()
        base["_colour"] = [
            IMPORTED_COLOUR if a in receiving else NO_DATA_COLOUR for a in base["area_id"]
        ]
        shown = len(receiving & set(base["area_id"]))
        items = (
            [
                LegendItem(IMPORTED_COLOUR, ctx.t("data.preview_with_rows"), shown),
                LegendItem(NO_DATA_COLOUR, ctx.t("data.preview_without_rows"), len(base) - shown),
            ]
            if receiving
            else [LegendItem(NO_DATA_COLOUR, ctx.t("data.preview_areas"), len(base))]
        )
        if isinstance(frame, gpd.GeoDataFrame) and len(frame):
            located = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
            points = located.head(MAX_PREVIEW_POINTS)
            label = "name" if "name" in points else points.columns[0]
            points = points.assign(_label=points[label].astype(str))
    base["_name"] = base["name"].fillna(base["area_id"]).astype(str)
    fmap = choropleth_map(
        base,
        id_column="area_id",
        colour_column="_colour",
        tooltip=[("_name", ctx.t("map.name")), ("area_id", ctx.t("data.col_area_id"))],
        legend_title=ctx.t("data.preview_legend", table=ctx.t(f"data.table_{prepared.table}")),
        legend_items=items,
        points=points,
        point_tooltip=[("_label", ctx.t("map.name"))] if points is not None else None,
        view=ctx.map_view.sized(size),
    )
    if prepared.table != "areas":  # the workspace's areas: found by name, the map brought there
        find_on_map(ctx, key="dm_map")
    show_map(fmap, key=f"dm_preview_{key}", height=MAP_SIZES[size])
    if points is not None and len(frame) > MAX_PREVIEW_POINTS:
        st.caption(ctx.t("data.preview_points_capped", n=ctx.language.int(MAX_PREVIEW_POINTS)))


def import_button(ctx: Context, prepared: I.Prepared, table: str, key: str) -> None:
    """Mode choice and the Import button; on success the page reruns on the new version."""
    modes = ["replace", "update"]
    mode = st.radio(
        ctx.t("data.mode"),
        modes,
        index=modes.index(default_mode(table)),
        format_func=lambda m: ctx.t(f"data.mode_{m}"),
        horizontal=True,
        key=f"dm_mode_{key}_{table}",
    )
    on_existing = existing_choice(ctx, prepared, mode, key) if mode == "update" else None
    if on_existing == "cancel":
        st.session_state["dm_cancelled"] = ctx.t("import_check.cancelled")
        forget_upload()
        st.rerun()
    flagged = flagged_choice(ctx, prepared, key)
    overlap = prepared.existing if prepared.existing is not None else pd.DataFrame()
    needs_existing = mode == "update" and len(overlap) > 0
    chosen = (on_existing is not None or not needs_existing) and (
        flagged is not None or not prepared.flagged
    )
    written = importable(prepared, flagged)
    rows = len(written)
    if needs_existing and on_existing == "add":  # only the rows the workspace does not hold
        rows -= len(I.existing_rows(overlap, written, table))
        if rows <= 0:
            st.info(ctx.t("import_check.nothing_to_add"), icon=":material/info:")
    if not st.button(
        ctx.t("data.import_button", n=ctx.language.int(max(rows, 0))),
        type="primary",
        disabled=len(prepared.frame) == 0 or not chosen or rows <= 0,
        icon=":material/upload:",
        key="dm_import",
    ):
        return
    with st.status(ctx.t("data.importing"), expanded=True) as status:
        bar = st.progress(0.1, text=ctx.t("data.saving"))
        try:
            number = I.commit_import(
                ctx.workspace,
                prepared,
                mode=mode,  # type: ignore[arg-type]
                author=author(ctx),
                actor=audit_actor(ctx),
                on_existing=on_existing if needs_existing else None,  # type: ignore[arg-type]
                flagged=flagged if prepared.flagged else None,  # type: ignore[arg-type]
            )
        except (DataError, OSError, ValueError) as exc:
            status.update(label=ctx.t("data.import_failed"), state="error")
            st.error(ctx.t("data.nothing_saved", reason=md_escape(str(exc))))
            return
        bar.progress(1.0, text=ctx.t("data.saved"))
        status.update(label=ctx.t("data.saved"), state="complete")
    st.session_state["dm_done"] = ctx.t(
        "data.imported",
        table=ctx.t(f"data.table_{table}"),
        n=ctx.language.int(rows),
        version=ctx.language.int(number),
    )
    forget_upload()
    st.rerun()


def importable(prepared: I.Prepared, flagged: str | None) -> pd.DataFrame:
    """The rows an import would write, flagged rows left out when the person said so."""
    return prepared.without_flagged() if flagged == "skip" else prepared.frame


def existing_choice(ctx: Context, prepared: I.Prepared, mode: str, key: str) -> str | None:
    """Rows the workspace already holds (same key): counted and listed, and the person chooses
    to replace them, add only the new rows, or cancel. None until chosen; nothing is replaced
    by default."""
    overlap = prepared.existing
    if overlap is None or not len(overlap):
        return None
    keys = ", ".join(I.existing_key(prepared.table))
    st.warning(
        ctx.t("import_check.existing_title", n=ctx.language.int(len(overlap)), columns=keys),
        icon=":material/warning:",
    )
    listed = overlap.copy()
    if "period" in listed:
        periods = pd.to_datetime(listed["period"])
        months = pd.Series(month_label(periods, prepared.calendar), index=listed.index)
        listed.insert(
            list(listed.columns).index("period") + 1,
            "_month",
            months.map(lambda m: ctx.language.numerals(str(m))),
        )
        listed["period"] = periods.dt.strftime("%Y-%m-%d").map(ctx.language.numerals)
    if "scheme" in listed:
        listed["scheme"] = listed["scheme"].map(lambda v: scheme_label(ctx, str(v)))
    listed = listed.rename(columns=_listing_headings(ctx, listed.columns))
    grid(ctx.lang, listed, hide_index=True, width="stretch", height=table_height(len(listed)))
    table_downloads(ctx, listed, f"existing-{prepared.source}", key=f"dm_existing_{key}")
    return _choose(ctx, "existing", I.ON_EXISTING, f"dm_on_existing_{key}_{prepared.table}")


def _listing_headings(ctx: Context, columns: pd.Index) -> dict[str, str]:
    """Headings of the rows-to-replace listing in the page's language."""
    named = {
        "area_id": ctx.t("data.col_area_id"),
        "period": ctx.t("import_check.existing_period"),
        "_month": ctx.t("import_check.existing_month"),
        "scheme": ctx.t("table.scheme"),
    }
    out = {}
    for column in map(str, columns):
        if column in named:
            out[column] = named[column]
        elif column.endswith(("_now", "_file")):
            what, when = column.rsplit("_", 1)
            label = ctx.t("metric.insured") if what == "insured" else what
            out[column] = f"{label}: " + ctx.t(f"import_check.existing_{when}")
    return out


def flagged_choice(ctx: Context, prepared: I.Prepared, key: str) -> str | None:
    """Rows with a blank, negative, fractional or implausible count: the person chooses to import
    them flagged (left out of coverage) or to leave them out. None until chosen."""
    if not prepared.flagged:
        return None
    st.warning(
        ctx.t("import_check.flagged_title", n=ctx.language.int(len(prepared.flagged))),
        icon=":material/flag:",
    )
    return _choose(ctx, "flagged", I.FLAGGED_CHOICES, f"dm_flagged_{key}_{prepared.table}")


def _choose(ctx: Context, what: str, choices: tuple[str, ...], key: str) -> str | None:
    """The import check's question ``what`` (``import_check.<what>_question``) with its choices,
    none chosen at first: until the person chooses, say what they still have to choose (None)."""
    chosen = st.radio(
        ctx.t(f"import_check.{what}_question"),
        list(choices),
        index=None,
        format_func=lambda c: ctx.t(f"import_check.{what}_{c}"),
        key=key,
    )
    if chosen:
        return chosen
    st.caption(ctx.t(f"import_check.{what}_choose"))
    return None


def default_mode(table: str) -> str:
    return "update" if table in ("insured", POINTS_TABLE, "outreach", "targets") else "replace"


__all__ = [
    "default_mode",
    "existing_choice",
    "flagged_choice",
    "import_button",
    "importable",
    "preview_map",
]

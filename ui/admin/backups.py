"""The Data page's Backup tab: one workspace version downloaded as a GeoPackage or as a zip of
GeoJSON + CSV (the download is recorded in the audit trail).
"""

from __future__ import annotations

import streamlit as st

from geodata.store.backup import backup_bytes
from geodata.uploads.reading import safe_file_name
from ui.admin.versions import cached_versions
from ui.context import Context
from ui.downloads import recorded
from ui.scope import Source


def backup_section(ctx: Context) -> None:
    """Download one version as a GeoPackage or a zip of GeoJSON + CSV."""
    ws, ver = ctx.workspace, ctx.version
    numbers = cached_versions(ws, ver)["version"].tolist()
    c1, c2 = st.columns(2)
    number = c1.selectbox(
        ctx.t("data.backup_version"),
        numbers,
        format_func=ctx.language.int,  # the reader's digits
        key="dm_backup_version",
    )
    fmt = c2.radio(
        ctx.t("data.backup_format"),
        ["gpkg", "zip"],
        format_func=lambda f: ctx.t(f"data.backup_{f}"),
        horizontal=True,
        key="dm_backup_format",
    )
    stem = f"{ctx.title}-v{number}".replace(" ", "_")
    name = f"{safe_file_name(stem)}.{fmt}"
    st.download_button(
        ctx.t("data.backup_download"),
        data=recorded(ctx, name, lambda: cached_backup(ws, ver, int(number), str(fmt))),
        file_name=name,
        mime="application/geopackage+sqlite3" if fmt == "gpkg" else "application/zip",
        icon=":material/download:",
        key="dm_backup_download",
        on_click="ignore",
    )
    st.caption(ctx.t("data.backup_help"))


@st.cache_data(show_spinner=False, max_entries=2)
def cached_backup(source: Source, version: int, number: int, fmt: str) -> bytes:
    return backup_bytes(source, version=number, fmt=fmt)  # type: ignore[arg-type]


__all__ = [
    "backup_section",
    "cached_backup",
]

"""The Data page's travel inputs (#19): which road extract, speed table and rasters (land cover,
slope, elevation, water, population) the workspace version measures travel time with, as they
are stored in it byte for byte (:mod:`geodata.sources.inputs`), and how to change them: through
the recipe, or from this page (:mod:`ui.admin.travel_upload`) for those who may import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geodata.sources.inputs import ROLES, stored_inputs
from ui.admin.travel_upload import replace_section
from ui.context import Context
from ui.grid import grid


def inputs_table(ctx: Context) -> pd.DataFrame:
    """The version's travel inputs, one row per file, in the reader's language: what it is
    for, its name, its size in MB and the first 12 digits of its SHA-256."""
    files = sorted(stored_inputs(ctx.workspace, ctx.version), key=lambda f: ROLES.index(f.role))
    return pd.DataFrame(
        {
            ctx.t("data.inputs_role"): [ctx.t(f"data.inputs_role_{f.role}") for f in files],
            ctx.t("data.inputs_name"): [f.name for f in files],
            ctx.t("data.inputs_size"): [ctx.language.number(f.size / 1e6, 1) for f in files],
            ctx.t("data.inputs_sha"): [f.sha256[:12] for f in files],
        }
    )


def inputs_section(ctx: Context) -> None:
    """The travel inputs of the version shown, or why there are none, how to change them, and
    (for those who may import) the uploaders that replace them."""
    st.subheader(ctx.t("data.inputs_title"))
    table = inputs_table(ctx)
    if not len(table):
        st.caption(ctx.t("data.inputs_none"))
    else:
        grid(ctx.lang, table, hide_index=True, width="stretch")
        st.caption(ctx.t("data.inputs_change"))
    replace_section(ctx)

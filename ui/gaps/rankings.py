"""Units that no ranking may hold: those without population (:func:`analytics.priority.
has_population`), listed apart as "no data" under a ranking or top-N list, on every page that
ranks (Gap analysis, Overview)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.context import Context
from ui.grid import grid

__all__ = ["no_data_list"]


def no_data_list(
    ctx: Context,
    no_data: pd.DataFrame,
    *,
    name_column: str,
    key_column: str,
    district_column: str | None = None,
    key: str,
) -> None:
    """A caption saying how many units are left out of the ranking for want of a population
    figure, and their names (in the session's language where the workspace has them) in a
    folded table: names are data, shown as table cells, never as Markdown."""
    if not len(no_data):
        return
    n = ctx.language.int(len(no_data))
    st.caption(ctx.t("gap.ranking.no_data", n=n))
    names = ctx.language.names(no_data, name_column).fillna(no_data[key_column])
    listed = pd.DataFrame({ctx.t("table.name"): names.astype(str).to_numpy()})
    if district_column and district_column in no_data and no_data[district_column].notna().any():
        listed[ctx.t("table.district")] = no_data[district_column].to_numpy()
    with st.expander(f"{ctx.t('map.no_data')} ({n})"):
        grid(ctx.lang, listed, hide_index=True, width="stretch", height=200, key=key)

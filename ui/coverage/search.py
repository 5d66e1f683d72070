"""The Coverage map's search box: a neighbourhood found by name is selected (its details panel
opens, the map is brought to it and outlines it), a district found is drilled into; both in the
page's own parameters, so a link carries them (:mod:`ui.area_search` draws the box)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.area_search import DISTRICT_PREFIX, search_box, set_focus
from ui.context import Context
from ui.coverage.views import forget_map_click
from ui.state import Param, entered_by_link, value

_FOUND = "cm_found"  # the neighbourhood last chosen in the search box


def _text(v: object) -> str:
    return "" if v is None or pd.isna(v) else str(v)


def find_area(ctx: Context, params: dict[str, Param], areas: pd.DataFrame, *, big: bool) -> None:
    """The search box above the map, and the map's focus on the neighbourhood it chose."""

    def pick(chosen: str) -> None:
        if chosen.startswith(DISTRICT_PREFIX):
            district = chosen.removeprefix(DISTRICT_PREFIX)
            inside = areas[areas["district_id"].astype("string") == district]
            pending = {"level": "area", "district": district, "area": ""}
        else:
            inside = areas[areas["area_id"].astype(str) == chosen]
            district = _text(inside["district_id"].iloc[0]) if "district_id" in inside else ""
            pending = {"level": "area", "area": chosen}
            now = str(value(params["district"]) or "")
            if big or now not in ("", district):  # not in view: show its district (or all)
                pending["district"] = district if big else ""
        province = _text(inside["province"].iloc[0]) if "province" in inside else ""
        if str(value(params["province"]) or "") not in ("", province):
            pending["province"] = province if big else ""
        st.session_state["cm_pending"] = pending
        st.session_state[_FOUND] = chosen
        forget_map_click()

    with_districts = bool("district_id" in areas and areas["district_id"].notna().any())
    search_box(ctx, key="cm", on_pick=pick, with_districts=with_districts)
    selected = str(value(params["area"]) or "")
    found = st.session_state.get(_FOUND)
    chosen = value(params["level"]) == "area" and selected
    if chosen and (selected == found or entered_by_link()):
        st.session_state[_FOUND] = selected
        set_focus(ctx, selected)
    else:
        set_focus(ctx, "")

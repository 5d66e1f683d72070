"""The search box above every map: find an area or a district by name, zoom the map to it, outline
it and open its details.

The box looks as the reader types (after a short pause, in a fragment of its own: the page and
its maps do not run again until a place is chosen) and matches what was typed against every name
the workspace has for its areas and districts (the reader's language and the others, with the
area's id), with case, accents,
Vietnamese tones and Persian letter forms folded (:mod:`analytics.area_search`), offline, in the
session's own areas only (a partner finds its own). Choosing a result:

- on most map pages sets the page's ``area`` parameter (in the URL, so a link reopens it: an area
  id, or ``district:<id>``), shows the place's card under the box (:func:`find_on_map`);
- on the Coverage map selects the neighbourhood (or drills into the district) in the page's own
  parameters, and its details panel opens (:mod:`ui.coverage.search`).

Either way the map of the page is fitted to the place and outlines it: :func:`set_focus` keeps the
place for the page, and :func:`page_focus` hands it to :func:`ui.area_maps.show_map` and
:func:`ui.area_maps.show_parts`, which add :func:`render.mapfocus.focus_script` to the map.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.area_search import place_names, search_places
from render.i18n import joined
from render.mapfocus import PlaceFocus, place_focus
from render.safe import md_escape
from ui import data
from ui.context import Context
from ui.scope import Source
from ui.state import Param, bind, page_name, publish, value

__all__ = [
    "DISTRICT_PREFIX",
    "find_on_map",
    "focus_of",
    "focus_page",
    "page_focus",
    "search_box",
    "set_focus",
]

#: A district chosen in the ``area`` parameter: ``district:<district id>``.
DISTRICT_PREFIX = "district:"
#: The most results listed under the box.
MAX_RESULTS = 6
#: The pause in typing after which the box looks for what was typed (no Enter needed).
TYPING_PAUSE = "300ms"
_FOCUS = "_ca_focus"  # page -> PlaceFocus of the place its map is brought to


@st.cache_data(show_spinner=False, max_entries=8)
def _places(source: Source, version: int) -> pd.DataFrame:
    """What the session can find: its own areas and their districts (:func:`place_names`)."""
    areas = data.tables(source, version)["areas"]
    return place_names(pd.DataFrame(areas.drop(columns=areas.geometry.name)))


def _values(source: Source, version: int) -> list[str]:
    """Every value the ``area`` parameter may take in this session: "" and each place."""
    places = _places(source, version)
    prefix = places["kind"].map({"area": "", "district": DISTRICT_PREFIX})
    return ["", *(prefix + places["id"]).tolist()]


@st.cache_data(show_spinner=False, max_entries=32)
def focus_of(source: Source, version: int, chosen: str) -> PlaceFocus | None:
    """The focus on ``chosen`` (an area id or ``district:<id>``) among the session's areas."""
    areas = data.tables(source, version)["areas"]
    if chosen.startswith(DISTRICT_PREFIX):
        if "district_id" not in areas:
            return None
        inside = areas["district_id"].astype("string") == chosen.removeprefix(DISTRICT_PREFIX)
    else:
        inside = areas["area_id"].astype(str) == chosen
    return place_focus(chosen, areas.geometry[inside.to_numpy(bool)].to_numpy())


def set_focus(ctx: Context, chosen: str) -> None:
    """Bring this page's maps to ``chosen`` ("" : none) from now on."""
    focus_page(focus_of(ctx.source, ctx.version, chosen) if chosen else None)


def focus_page(focus: PlaceFocus | None) -> None:
    """Bring this page's maps to ``focus`` (None: leave them where the reader has them)."""
    st.session_state.setdefault(_FOCUS, {})[page_name()] = focus


def page_focus() -> PlaceFocus | None:
    """The place this page's maps are brought to (:func:`set_focus`), or None."""
    return (st.session_state.get(_FOCUS) or {}).get(page_name())


def _label(ctx: Context, found: pd.DataFrame, areas: pd.DataFrame) -> list[str]:
    """A result's text: the area's name in the reader's language with its district, or the
    district's name marked as a district; Markdown-escaped."""
    ids = areas["area_id"].astype(str)
    shown = ids.isin(found.loc[found["kind"] == "area", "id"])
    if "district_id" in areas:  # the districts found: one of their areas names each
        shown |= (
            areas["district_id"]
            .astype("string")
            .isin(found.loc[found["kind"] == "district", "id"])
            .fillna(False)
        )
    by_area = areas[shown.to_numpy(bool)].assign(_id=ids[shown]).drop_duplicates("_id")
    by_area = by_area.set_index("_id")
    names = ctx.language.names(by_area, "name")
    with_district = "district_name" in by_area
    district_names = (
        ctx.language.names(by_area, "district_name").fillna("")
        if with_district
        else pd.Series("", index=by_area.index)
    )
    by_district = (
        pd.Series(district_names.to_numpy(), index=by_area["district_id"].astype("string"))
        if with_district
        else pd.Series(dtype=object)
    )
    by_district = by_district[~by_district.index.duplicated()]
    labels = []
    for kind, place in zip(found["kind"], found["id"], strict=True):
        if kind == "district":
            name = md_escape(by_district.get(place) or place)
            labels.append(ctx.t("search.district", name=name))
        else:
            name = names.get(place)
            labels.append(
                joined(
                    [md_escape(place if pd.isna(name) else name), md_escape(district_names[place])],
                    ctx.lang,
                )
            )
    return labels


@st.fragment
def search_box(
    ctx: Context, *, key: str, on_pick: Callable[[str], None], with_districts: bool
) -> None:
    """The search box and, as the reader types, the places found as buttons; a click calls
    ``on_pick`` with the place (an area id or ``district:<id>``) before the next run, empties the
    box and runs the whole page again (its map and details follow the place; the box's own run
    after the click would show an empty box only).

    The box is a fragment that looks again after each pause in typing (:data:`TYPING_PAUSE`):
    only the box and its results run while the reader types, not the page and its maps."""
    text_key = f"{key}_find"
    if st.session_state.pop(f"{key}_picked", False):  # a place was chosen: the whole page follows
        st.rerun(scope="app")
    placeholder = "search.placeholder" if with_districts else "search.placeholder_areas"
    query = st.text_input(
        ctx.t("search.label"),
        key=text_key,
        placeholder=ctx.t(placeholder),
        type="search",
        icon=":material/search:",
        live=TYPING_PAUSE,
    )
    if not query or not query.strip():
        return
    places = _places(ctx.source, ctx.version)
    found = search_places(places, query, limit=MAX_RESULTS + 1)
    if found.empty:
        st.caption(ctx.t("search.none", query=md_escape(query.strip())))
        return
    more, found = len(found) > MAX_RESULTS, found.head(MAX_RESULTS)
    areas = data.table(ctx.source, ctx.version, "areas")

    def pick(chosen: str) -> None:
        st.session_state[text_key] = ""
        st.session_state[f"{key}_picked"] = True
        on_pick(chosen)

    prefixes = found["kind"].map({"area": "", "district": DISTRICT_PREFIX})
    for i, (label, chosen) in enumerate(
        zip(_label(ctx, found, areas), prefixes + found["id"], strict=True)
    ):
        st.button(
            label,
            key=f"{key}_found_{i}",
            on_click=pick,
            args=(str(chosen),),
            icon=":material/location_on:",
            type="tertiary",
        )
    if more:
        st.caption(ctx.t("search.more"))


def find_on_map(ctx: Context, *, key: str) -> str:
    """The search box of a map page whose details are the place's card: the page's ``area``
    parameter (in the URL), the box, the card of the chosen place (with a button that clears it),
    and the map's focus on it. Returns the chosen place ("" for none)."""
    areas = data.table(ctx.source, ctx.version, "areas")
    param: Param[str] = Param(
        "area", "", lambda: _values(ctx.source, ctx.version), key=f"{key}_area"
    )
    bind([param])

    def choose(chosen: str) -> None:
        st.session_state[param.widget_key] = chosen

    with_districts = bool("district_id" in areas and areas["district_id"].notna().any())
    search_box(ctx, key=key, on_pick=choose, with_districts=with_districts)
    chosen = str(value(param) or "")
    if chosen:
        _card(ctx, areas, chosen, clear=lambda: choose(""), key=key)
    set_focus(ctx, chosen)
    publish([param])
    return chosen


def _card(
    ctx: Context, areas: pd.DataFrame, chosen: str, *, clear: Callable[[], None], key: str
) -> None:
    """The chosen place's details: its name, district, population, coverage in the latest month
    and responsible organisation (an area), or its neighbourhoods and population (a district)."""
    ws, ver = ctx.source, ctx.version
    is_district = chosen.startswith(DISTRICT_PREFIX)
    column = "district_id" if is_district else "area_id"
    inside = areas[areas[column].astype("string") == chosen.removeprefix(DISTRICT_PREFIX)]
    if inside.empty:
        return
    with st.container(border=True, key=f"{key}_card"):
        first = inside.iloc[[0]]
        if is_district:
            name = ctx.language.names(first, "district_name").iloc[0]
            st.markdown(f"**{md_escape(name)}**")
            st.caption(ctx.t("search.areas", n=ctx.language.int(len(inside))))
            population = pd.to_numeric(inside["population"], errors="coerce").sum(min_count=1)
            st.metric(ctx.t("metric.population"), ctx.language.int(population))
        else:
            row = first.iloc[0]
            st.markdown(f"**{md_escape(ctx.language.names(first, 'name').iloc[0])}**")
            if "district_name" in first and pd.notna(row.get("district_name")):
                district = ctx.language.names(first, "district_name").iloc[0]
                st.caption(ctx.t("details.district", district=md_escape(district)))
            months = data.periods(ws, ver)
            c1, c2 = st.columns(2)
            c1.metric(ctx.t("metric.population"), ctx.language.int(row["population"]))
            if months:
                figures = data.area_coverage(ws, ver, months[-1], None)
                mine = figures[figures["area_id"].astype(str) == chosen]
                if len(mine):
                    c2.metric(ctx.t("metric.coverage"), ctx.language.pct(mine["coverage"].iloc[0]))
            partner = row.get("partner_id")
            if partner is not None and pd.notna(partner):
                partners = data.table(ws, ver, "partners")
                named = partners.loc[partners["partner_id"] == partner, "name"]
                shown = named.iloc[0] if len(named) else partner
                st.caption(ctx.t("search.partner", partner=md_escape(shown)))
        st.button(
            ctx.t("details.clear"),
            key=f"{key}_clear",
            on_click=clear,
            icon=":material/close:",
        )

"""Capacity and load: people per bed, per facility and per branch office; facilities carrying
more than their share; utilisation growth; what-if upgrades, openings and closures saved as named
scenarios, and scenarios compared.

The settings live in the URL (:mod:`ui.state`); the what-if being built lives in the session.
Analytics: :mod:`analytics.capacity`, through the cached loaders of :mod:`ui.capacity.data`; the
sections: :mod:`ui.capacity.load`, :mod:`ui.capacity.growth`, :mod:`ui.capacity.whatif` and
:mod:`ui.capacity.scenarios`.

The controls and what they change (load, growth, what-if, scenarios) are one ``st.fragment``: a
change reruns only it, not the app's frame or the loading above; the facilities shown besides the
load circles are a fragment of their own with the map (:func:`ui.capacity.load.load_map_view`).
Saving or deleting a scenario makes a new workspace version: the next run is the whole app's,
with that version.
"""

from __future__ import annotations

import streamlit as st

from analytics.supply import supply_options
from geodata.store.workspace import current_version
from ui import data, views
from ui.access.travel import has_roads
from ui.area_search import find_on_map
from ui.capacity import data as capacity_data
from ui.capacity.controls import DISTANCES, capacity_params, measures_by, sidebar
from ui.capacity.growth import growth_section
from ui.capacity.load import load_section
from ui.capacity.scenarios import scenarios_section
from ui.capacity.selection import selection
from ui.capacity.views import measure_label
from ui.capacity.whatif import whatif_section
from ui.context import current, require_page
from ui.state import bind, publish, value

ctx = current()
require_page(ctx, "capacity")
ws, ver = ctx.source, ctx.version
all_facilities = data.table(ws, ver, "facilities")
with_insured = data.has_insured(ws, ver)
services = capacity_data.present_services(all_facilities)
measures = capacity_data.measures(ws, ver)
# travel time is offered only where the workspace holds roads (the choice as on Infrastructure)
by_choices = measures_by(has_roads(ws, ver))


def supplies() -> list[str]:
    service = st.session_state.get("url_service", services[0] if services else "care")
    return supply_options(all_facilities, service) if services else ["facility"]


P = capacity_params(services, supplies, measures, by_choices)


@st.fragment(key="capacity_view")
def capacity_view() -> None:
    """The controls and the sections they change: a change of a control reruns only this."""
    if current_version(ctx.workspace) != ctx.version:  # a scenario saved or deleted just now
        st.rerun(scope="app")
    bind([P["service"]])
    bind([p for name, p in P.items() if name != "service"])

    views.page_header(ctx, "capacity.title")
    if not len(all_facilities) or not services:
        st.warning(ctx.t("capacity.no_facilities"))
        publish(list(P.values()))
        return

    by, unit = sidebar(
        ctx,
        P,
        services=services,
        supply_choices=supplies(),
        by=by_choices,
        with_insured=with_insured,
    )
    service, supply = str(value(P["service"])), str(value(P["supply"]))
    # every reach in the chosen measure: km, or minutes of travel by ``by`` over the roads
    suffix = "" if unit == "km" else "_min"
    settings = capacity_data.settings_for(
        service,
        supply,
        near_km=float(value(P["near" + suffix])),
        referral_km=float(value(P["referral" + suffix])),
        catchment_km=float(value(P["catchment" + suffix])),
        decay=bool(value(P["decay"])),
        covered_at=float(value(P["covered"])),
        overload_at=float(value(P["overload"])),
        catchment_unit=unit,
    )
    sel = selection(ctx, service=service, supply=supply, settings=settings, by=by)
    find_on_map(ctx, key="cap")  # the search box above the load map
    # Facilities besides the load circles: the filters every map page shares (off unless asked
    # for), drawn with the map (a change of them reruns only the map).
    load_section(ctx, sel, all_facilities, str(value(P["measure"])) or None, settings, by)

    st.subheader(ctx.t("capacity.growth.title"))
    if not measures:
        st.info(ctx.t("capacity.growth.none"), icon=":material/info:")
    else:
        st.selectbox(
            ctx.t("capacity.controls.measure"),
            measures,
            key=P["measure"].widget_key,
            format_func=lambda m: measure_label(ctx, m),
        )
        growth_section(ctx, sel, str(value(P["measure"])))

    pending = whatif_section(ctx, sel, DISTANCES)
    scenarios_section(ctx, sel, pending)

    publish(list(P.values()))


capacity_view()

"""Capacity and load: people per bed, per facility and per branch office; facilities carrying
more than their share; utilisation growth; what-if upgrades, openings and closures saved as named
scenarios, and scenarios compared.

The settings live in the URL (:mod:`ui.state`); the what-if being built lives in the session.
Analytics: :mod:`analytics.capacity`, through the cached loaders of :mod:`ui.capacity.data`; the
sections: :mod:`ui.capacity.load`, :mod:`ui.capacity.growth`, :mod:`ui.capacity.whatif` and
:mod:`ui.capacity.scenarios`.
"""

from __future__ import annotations

import streamlit as st

from analytics import access
from analytics.supply import supply_options
from render.format import fmt_number, fmt_pct
from ui import data, views
from ui.capacity import data as capacity_data
from ui.capacity.growth import growth_section
from ui.capacity.load import load_section
from ui.capacity.scenarios import scenarios_section
from ui.capacity.selection import selection
from ui.capacity.views import measure_label, supply_label
from ui.capacity.whatif import whatif_section
from ui.context import current, require_page
from ui.facility_layer import facility_filters
from ui.state import Param, bind, publish, value

ctx = current()
require_page(ctx, "capacity")
ws, ver = ctx.source, ctx.version
all_facilities = data.tables(ws, ver)["facilities"]
with_insured = data.has_insured(ws, ver)
services = capacity_data.present_services(all_facilities)
measures = capacity_data.measures(ws, ver)

DISTANCES = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 50.0]
COVERED = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0]
OVERLOAD = [1.25, 1.5, 2.0, 3.0]
flag = {"parse": lambda s: s in ("1", "true"), "dump": lambda v: "1" if v else "0"}
km_dump = {"parse": float, "dump": lambda v: f"{v:g}"}


def supplies() -> list[str]:
    service = st.session_state.get("url_service", services[0] if services else "care")
    return supply_options(all_facilities, service) if services else ["facility"]


P = {
    "service": Param("service", services[0] if services else "care", lambda: services or ["care"]),
    "supply": Param("supply", "", supplies),
    "catchment": Param("catchment", access.CATCHMENT_KM, lambda: DISTANCES, **km_dump),
    "near": Param("near", access.NEAR_KM, lambda: DISTANCES, **km_dump),
    "referral": Param("referral", access.REFERRAL_KM, lambda: DISTANCES, **km_dump),
    "covered": Param("covered", access.COVERED_AT, lambda: COVERED, **km_dump),
    "overload": Param("overload", 1.5, lambda: OVERLOAD, **km_dump),
    "decay": Param("decay", False, lambda: [False, True], **flag),
    "measure": Param("measure", measures[0] if measures else "", lambda: measures or [""]),
}
bind([P["service"]])
bind([p for name, p in P.items() if name != "service"])

km = {"format_func": lambda v: ctx.t("access.units.km", km=fmt_number(v, ctx.lang, digits=1))}
sb = st.sidebar
views.page_header(ctx, "capacity.title")
if not len(all_facilities) or not services:
    st.warning(ctx.t("capacity.no_facilities"))
    publish(list(P.values()))
    st.stop()

sb.selectbox(
    ctx.t("capacity.controls.service"),
    services,
    key=P["service"].widget_key,
    format_func=lambda v: ctx.t(f"capacity.service.{v}"),
)
supply_choices = supplies()
if st.session_state.get(P["supply"].widget_key) not in supply_choices:
    st.session_state[P["supply"].widget_key] = supply_choices[0]
sb.selectbox(
    ctx.t("capacity.controls.supply"),
    supply_choices,
    key=P["supply"].widget_key,
    format_func=lambda v: supply_label(ctx, v),
)
sb.select_slider(ctx.t("access.controls.catchment"), DISTANCES, key=P["catchment"].widget_key, **km)
sb.toggle(
    ctx.t("access.controls.decay"), key=P["decay"].widget_key, help=ctx.t("access.help.decay")
)
sb.select_slider(
    ctx.t("capacity.controls.overload"),
    OVERLOAD,
    key=P["overload"].widget_key,
    format_func=lambda v: ctx.t("capacity.times", n=fmt_number(v, ctx.lang, digits=2)),
    help=ctx.t("capacity.help.overload"),
)
sb.select_slider(ctx.t("access.controls.near"), DISTANCES, key=P["near"].widget_key, **km)
sb.select_slider(ctx.t("access.controls.referral"), DISTANCES, key=P["referral"].widget_key, **km)
if with_insured:
    sb.select_slider(
        ctx.t("access.controls.covered"),
        COVERED,
        key=P["covered"].widget_key,
        format_func=lambda v: fmt_pct(v, ctx.lang, digits=0),
    )
# Facilities besides the load circles: the filters every map page shares (off unless asked for).
shown_facilities = facility_filters(ctx, all_facilities, "cap", show_default=False)

service, supply = str(value(P["service"])), str(value(P["supply"]))
settings = capacity_data.settings_for(
    service,
    supply,
    near_km=float(value(P["near"])),
    referral_km=float(value(P["referral"])),
    catchment_km=float(value(P["catchment"])),
    decay=bool(value(P["decay"])),
    covered_at=float(value(P["covered"])),
    overload_at=float(value(P["overload"])),
)
sel = selection(ctx, service=service, supply=supply, settings=settings)

load_section(ctx, sel, shown_facilities, str(value(P["measure"])) or None)

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

"""Partners: who is responsible for which neighbourhood, how each partner is doing, assignment
checks, trends per partner and area, and reassignment (saved as a new workspace version).

The month, the facility filters and what they change (the map, the comparison, the scorecards,
the trends) are one ``st.fragment``, and the trend's partner and area a smaller one inside it: a
change of a control reruns only its fragment, not the app's frame, the loading above, the
assignment checks or the reassignment form below.

A partner user sees only its own areas here as everywhere (:mod:`ui.scope`).
"""

from __future__ import annotations

import streamlit as st

from ui import data, views
from ui.area_search import find_on_map
from ui.context import current
from ui.facility_layer import facility_filters
from ui.partners import data as partner_data
from ui.partners import views as partner_views

ctx = current()
ws, ver = ctx.source, ctx.version
areas = data.table(ws, ver, "areas")
facility_table = data.table(ws, ver, "facilities")
months = data.periods(ws, ver)
with_partners = partner_data.has_partners(ws, ver)
shapes = data.display_shapes(ws, ver, "area") if with_partners else None


@st.fragment(key="partners_view")
def partners_view() -> None:
    """The month, the facility filters, the map, the comparison, the scorecards and the trends."""
    month = views.sidebar_month(ctx, months, "pt_month")
    views.page_header(ctx, "partners.title", month)
    done = st.session_state.pop("pt_done", None)
    if done:
        st.success(done, icon=":material/check_circle:")
    if not with_partners:
        st.info(ctx.t("partners.no_partners"), icon=":material/info:")
        return
    if not months:
        st.caption(ctx.t("partners.no_insured"))

    facilities = facility_filters(ctx, facility_table, "pt", show_default=False)
    cards = partner_data.scorecards(ws, ver, month)
    left, right = st.columns([5, 4], gap="medium")
    with left:
        st.subheader(ctx.t("partners.map_title"))
        find_on_map(ctx, key="pt")  # the search box above the map
        partner_views.partner_map(
            ctx,
            shapes,
            areas,
            data.area_coverage(ws, ver, month, None),
            cards,
            facilities=facilities,
            key="partners_map",
        )
    with right:
        st.subheader(ctx.t("partners.comparison_title"))
        st.plotly_chart(partner_views.comparison_chart(ctx, cards), width="stretch")

    st.subheader(ctx.t("partners.scorecards_title"))
    partner_views.scorecard_table(ctx, cards)

    st.subheader(ctx.t("partners.trend_title"))
    partner_views.partner_trend(ctx, cards)


partners_view()
if with_partners and ctx.role != "partner":
    st.subheader(ctx.t("partners.checks_title"))
    partner_views.checks_section(ctx, partner_data.checks(ws, ver))
    st.subheader(ctx.t("partners.reassign_title"))
    if ctx.may("reassign"):
        by_district = "district_id" in areas and bool(areas["district_id"].notna().any())
        st.caption(
            ctx.t("partners.reassign_help" if by_district else "partners.reassign_help_region")
        )
        # The form names the partners only: the newest month's scorecards (cached) hold them all.
        cards = partner_data.scorecards(ws, ver, months[-1] if months else None)
        partner_views.reassign_form(ctx, areas, cards)
    else:
        st.caption(ctx.t("partners.reassign_not_allowed"))

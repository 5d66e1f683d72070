"""Briefings and exports: the briefing PDF, the map export, two maps side by side, and a
presentation mode for a projector.

Every document is made from the session's scoped loaders (``ctx.source``), so a partner's
briefing, map and tables hold its own areas only. The documents themselves come from
:mod:`reports` — the same code as ``python -m reports`` on the command line. The view lives in the
URL (``?section=compare&cmp=districts``...); ``?present=1`` opens the presentation view, which
hides the sidebar and the toolbar.
"""

from __future__ import annotations

import streamlit as st

from ui import views
from ui.briefings import presentation, sections
from ui.briefings.choices import SECTIONS, choices
from ui.context import current
from ui.state import Param, bind, publish, value

ctx = current()
o = choices(ctx)
P = {
    "section": Param("section", SECTIONS[0], lambda: SECTIONS, key="br_section"),
    "scope": Param("scope", "region", lambda: o.scopes, key="br_scope"),
    "district": Param(
        "district",
        o.districts[0] if o.districts else "",
        lambda: o.districts or [""],
        key="br_district",
    ),
    "partner": Param(
        "partner",
        o.partner_ids[0] if o.partner_ids else "",
        lambda: o.partner_ids or [""],
        key="br_partner",
    ),
    "month": Param("month", o.latest, lambda: o.month_keys or [""], key="br_month"),
    "orientation": Param(
        "orientation", "portrait", lambda: ["portrait", "landscape"], key="br_orientation"
    ),
    "metric": Param("metric", o.metrics[0], lambda: o.metrics, key="br_metric"),
    "level": Param("level", o.levels[-1], lambda: o.levels, key="br_level"),
    "cmp": Param(
        "cmp", o.compare_by[0] if o.compare_by else "", lambda: o.compare_by or [""], key="br_cmp"
    ),
    "a": Param("a", "", key="br_a"),
    "b": Param("b", "", key="br_b"),
    "by": Param("by", o.step_by[0] if o.step_by else "", lambda: o.step_by or [""], key="br_by"),
    "step": Param("step", 0, parse=int, key="br_step"),
}
bind(list(P.values()))

if st.query_params.get("present") == "1":
    presentation.present(ctx, o, P["by"], P["step"])
    publish(list(P.values()))
    st.stop()

views.page_header(ctx, "briefings.title")
st.caption(ctx.t("briefings.intro"))
if ctx.role == "partner":
    st.info(ctx.t("briefings.partner_only"), icon=":material/lock:")
st.segmented_control(
    ctx.t("briefings.section"),
    SECTIONS,
    key=P["section"].widget_key,
    format_func=lambda s: ctx.t(f"briefings.sections.{s}"),
    required=True,
)
section = str(value(P["section"]))
if o.month_keys and section in ("briefing", "map", "compare"):
    views.month_picker(ctx, o.month_keys[::-1], P["month"].widget_key)
month_key = str(value(P["month"]))

if section == "briefing":
    sections.briefing_section(ctx, o, P, month_key)
elif section == "map":
    sections.map_section(ctx, o, P, month_key)
elif section == "compare":
    sections.compare_section(ctx, o, P, month_key)
else:  # presentation: choose what to step through, then start
    presentation.presentation_start(ctx, o, P["by"])

publish(list(P.values()))

"""Briefings and exports: the briefing PDF, the map export, two maps side by side (with their PNG
and PDF), a presentation mode for a projector, and the targets a planner sets before a meeting.

Every document is made from the session's scoped loaders (``ctx.source``), so a partner's
briefing, map and tables hold its own areas only. The documents themselves come from
:mod:`reports` — the same code as ``python -m reports`` on the command line. The view lives in the
URL (``?section=compare&cmp=districts``...); ``?present=1`` opens the presentation view, which
hides the sidebar and the toolbar.
"""

from __future__ import annotations

import streamlit as st

from ui import views
from ui.access.measure import by_param, measures_of
from ui.briefings import presentation, sections, targets
from ui.briefings.choices import SECTIONS, choices
from ui.context import current
from ui.state import Param, bind, publish, value

ctx = current()
offered = choices(ctx)
P = {
    "section": Param("section", SECTIONS[0], lambda: offered.sections, key="br_section"),
    "scope": Param("scope", "region", lambda: offered.scopes, key="br_scope"),
    "district": Param(
        "district",
        offered.districts[0] if offered.districts else "",
        lambda: offered.districts or [""],
        key="br_district",
    ),
    "partner": Param(
        "partner",
        offered.partner_ids[0] if offered.partner_ids else "",
        lambda: offered.partner_ids or [""],
        key="br_partner",
    ),
    "month": Param("month", offered.latest, lambda: offered.month_keys or [""], key="br_month"),
    "orientation": Param(
        "orientation", "portrait", lambda: ["portrait", "landscape"], key="br_orientation"
    ),
    "metric": Param("metric", offered.metrics[0], lambda: offered.metrics, key="br_metric"),
    "level": Param("level", offered.levels[-1], lambda: offered.levels, key="br_level"),
    "cmp": Param(
        "cmp",
        offered.compare_by[0] if offered.compare_by else "",
        lambda: offered.compare_by or [""],
        key="br_cmp",
    ),
    "a": Param("a", "", key="br_a"),
    "b": Param("b", "", key="br_b"),
    "by": Param(
        "by",
        offered.step_by[0] if offered.step_by else "",
        lambda: offered.step_by or [""],
        key="br_by",
    ),
    "step": Param("step", 0, parse=int, key="br_step"),
    "measure_by": by_param(measures_of(ctx)),  # the access figures' measure (#19)
}
bind(list(P.values()))

if st.query_params.get("present") == "1":
    presentation.present(ctx, offered, P["by"], P["step"], str(value(P["measure_by"])))
    publish(list(P.values()))
    st.stop()

views.page_header(ctx, "briefings.title")
st.caption(ctx.t("briefings.intro"))
if ctx.role == "partner":
    st.info(ctx.t("briefings.partner_only"), icon=":material/lock:")
st.segmented_control(
    ctx.t("briefings.section"),
    offered.sections,
    key=P["section"].widget_key,
    format_func=lambda s: ctx.t(f"briefings.sections.{s}"),
    required=True,
)
section = str(value(P["section"]))
if offered.month_keys and section in ("briefing", "map", "compare"):
    views.month_picker(ctx, offered.month_keys[::-1], P["month"].widget_key)
month_key = str(value(P["month"]))

if section == "briefing":
    sections.briefing_section(ctx, offered, P, month_key)
elif section == "map":
    sections.map_section(ctx, offered, P, month_key)
elif section == "compare":
    sections.compare_section(ctx, offered, P, month_key)
elif section == "targets":  # offered to roles that may import data
    targets.targets_section(ctx, offered)
else:  # presentation: choose what to step through, then start
    presentation.presentation_start(ctx, offered, P["by"])

publish(list(P.values()))

"""Outreach planner: the desk plan's settings, figures and table.

People a desk enrols per day (default from the recorded sessions, its source said beside it) and
the plan's start date are drawn in the sidebar; the headline keeps the expected enrolments
(never above desks × days × that capacity) apart from the people within range; the table gives
each plan day its date in the reader's language and calendar. Figures come from
:mod:`analytics.outreach`; the map, the other tables and the work lists are in
:mod:`ui.outreach.views`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.outreach import DeskPlan
from analytics.sessions import DeskCapacity
from render.safe import md_escape
from ui.context import Context
from ui.dates import date_picker
from ui.state import Param
from ui.tables import show_table

#: People a desk may be set to enrol per day.
CAPACITIES = range(1, 10_001)


def capacity_param(capacity: DeskCapacity) -> Param:
    """The URL parameter ``cap``: people a desk enrols per day, by default from the sessions."""
    return Param("cap", capacity.per_desk_day, lambda: CAPACITIES, parse=int)


def _start_date(text: str) -> dt.date:
    """A start date from the URL (ISO); a ValueError outside the years a plan can fall in."""
    chosen = dt.date.fromisoformat(text)
    if not 1900 <= chosen.year <= 2200:
        raise ValueError(f"a plan cannot start in {chosen.year}")
    return chosen


def start_param() -> Param:
    """The URL parameter ``start``: the date of the plan's day 1 (ISO), today by default."""
    return Param("start", dt.date.today(), parse=_start_date, dump=lambda d: d.isoformat())


def keep_start_in_url(start: Param, chosen: dt.date) -> None:
    """Write the start date into the URL even when it is today's (the default): a link opened
    on a later day keeps the plan's dates."""
    st.query_params[start.name] = start.dump(chosen)


def plan_settings(ctx: Context, cap: Param, start: Param, capacity: DeskCapacity) -> None:
    """The sidebar's capacity (with where its default comes from) and start-date inputs."""
    sb = st.sidebar
    sb.number_input(
        ctx.t("outreach.controls.capacity"),
        CAPACITIES.start,
        CAPACITIES.stop - 1,
        key=cap.widget_key,
        help=ctx.t("outreach.controls.capacity_help"),
    )
    sb.caption(capacity_source(ctx, capacity))
    date_picker(ctx.language, ctx.t("outreach.controls.start"), start.widget_key, container=sb)


def plan_dates(ctx: Context, start: dt.date, days: int) -> None:
    """The first and last day's dates under the start input, in the reader's calendar."""
    st.sidebar.caption(
        ctx.t(
            "outreach.controls.start_days",
            first=ctx.language.date(start),
            days=ctx.language.int(days),
            last=ctx.language.date(start + dt.timedelta(days=days - 1)),
        )
    )


def plan_caption(ctx: Context, plan: DeskPlan, partner: str | None, n_scope: int) -> None:
    """The model in words (desks, days, radius, scope) and what bounds the enrolments."""
    what = ctx.t(f"outreach.weight.{plan.weight}")
    text = ctx.t(
        "outreach.plan.model" if plan.unit == "m" else "outreach.minutes.model",
        desks=ctx.language.int(plan.desks_per_day),
        days=ctx.language.int(plan.days),
        m=ctx.language.int(plan.radius_m),
        what=what,
    )
    if partner is not None:
        text += " " + ctx.t(
            "outreach.plan.scope_partner",
            partner=md_escape(partner),
            n=ctx.language.int(n_scope),
        )
    if plan.n_no_weight:
        text += " " + ctx.t("outreach.plan.no_weight", n=ctx.language.int(plan.n_no_weight))
    st.caption(text)
    st.caption(
        ctx.t(
            "outreach.plan.capacity_note",
            cap=ctx.language.int(plan.capacity),
            n=ctx.language.int(plan.desk_days),
            bound=ctx.language.int(plan.enrolment_bound),
            what=what,
        )
    )


def plan_headline(ctx: Context, plan: DeskPlan) -> None:
    """Expected enrolments (bounded by what the desks can enrol), the people within range and
    their share of the scope, desk-days used and the solution's quality."""
    what = ctx.t(f"outreach.weight.{plan.weight}")
    bound = ctx.language.int(plan.enrolment_bound)
    c0, c1, c2, c3, c4 = st.columns(5)
    c0.metric(
        ctx.t("outreach.plan.enrolled"),
        ctx.language.int(plan.enrolled),
        help=ctx.t(
            "outreach.plan.enrolled_help",
            cap=ctx.language.int(plan.capacity),
            n=ctx.language.int(plan.desk_days),
            bound=bound,
        ),
    )
    c1.metric(
        ctx.t("outreach.plan.in_range", what=what),
        ctx.language.int(plan.in_range),
        help=ctx.t(
            "outreach.plan.in_range_help" if plan.unit == "m" else "outreach.minutes.in_range_help",
            total=ctx.language.int(plan.total),
            bound=bound,
            m=ctx.language.int(plan.radius_m),
        ),
    )
    c2.metric(ctx.t("outreach.plan.share"), ctx.language.pct(plan.share))
    c3.metric(
        ctx.t("outreach.plan.desk_days"),
        ctx.t(
            "outreach.plan.desk_days_value",
            used=ctx.language.int(plan.desk_days_used),
            total=ctx.language.int(plan.desk_days),
        ),
        help=ctx.t("outreach.plan.desk_days_help"),
    )
    c4.metric(
        ctx.t("outreach.plan.quality"),
        ctx.t("outreach.plan.optimal")
        if plan.optimal
        else ctx.t("outreach.plan.within", share=ctx.language.pct(plan.guaranteed_ratio)),
        help=ctx.t(
            "outreach.plan.quality_help",
            method=ctx.t(f"outreach.plan.method_{plan.method}"),
            bound=ctx.language.int(plan.upper_bound),
        ),
    )


def capacity_source(ctx: Context, capacity: DeskCapacity) -> str:
    """Where the default people-per-desk-day comes from, in the reader's language."""
    cap = ctx.language.int(capacity.per_desk_day)
    if not capacity.from_sessions:
        return ctx.t("outreach.controls.capacity_fallback", cap=cap)
    key = "capacity_desks" if capacity.kind == "mobile_desk" else "capacity_sessions"
    return ctx.t(f"outreach.controls.{key}", n=ctx.language.int(capacity.n_sessions), cap=cap)


def plan_table(
    ctx: Context,
    plan: DeskPlan,
    names: pd.Series,
    partners: dict[str, str],
    districts: pd.Series,
) -> None:
    """The day-by-day plan as a table: each day with its date (the reader's calendar), its area
    and district by name (``names`` by area id, ``districts`` by district id), the people each
    desk-day newly brings within range and the enrolments it can expect."""
    what = ctx.t(f"outreach.weight.{plan.weight}")
    frame = plan.plan
    headers = {
        "day": ctx.t("outreach.col.day"),
        "date": ctx.t("outreach.col.date"),
        "desk": ctx.t("outreach.col.desk"),
        "name": ctx.t("outreach.col.name"),
        "district_id": ctx.t("outreach.col.district_id"),
        "partner": ctx.t("outreach.col.partner_name"),
        "in_range_new": ctx.t("outreach.col.in_range_new", what=what),
        "areas_new": ctx.t("outreach.col.areas_new"),
        "enrolled": ctx.t("outreach.col.enrolled"),
        "cumulative_enrolled": ctx.t("outreach.col.cumulative_enrolled"),
    }
    table = pd.DataFrame(
        {
            headers["day"]: frame["day"].to_numpy(),
            headers["date"]: frame["date"].map(ctx.language.date).to_numpy(),
            headers["desk"]: frame["desk"].to_numpy(),
            headers["name"]: frame["area_id"].map(names).fillna(frame["area_id"]).to_numpy(),
            headers["district_id"]: frame["district_id"]
            .map(districts)
            .fillna(frame["district_id"])
            .to_numpy(),
            headers["partner"]: frame["partner_id"]
            .map(lambda p: partners.get(str(p), p) if pd.notna(p) else "—")
            .to_numpy(),
            headers["in_range_new"]: frame["in_range_new"].to_numpy(),
            headers["areas_new"]: frame["areas_new"].to_numpy(),
            headers["enrolled"]: frame["enrolled"].to_numpy(),
            headers["cumulative_enrolled"]: frame["cumulative_enrolled"].to_numpy(),
        }
    )
    kinds = {
        "day": "int",
        "desk": "int",
        "in_range_new": "count",
        "areas_new": "int",
        "enrolled": "count",
        "cumulative_enrolled": "count",
    }
    if frame["district_id"].isna().all():  # communes straight under the province
        table = table.drop(columns=[headers["district_id"]])
    show_table(
        ctx,
        table,
        "outreach_desk_plan",
        kinds={headers[c]: k for c, k in kinds.items()},
        height=320,
    )

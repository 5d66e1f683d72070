"""Outreach planner: the plan taken to the field.

The desk plan's days as dates in the reader's calendar, shared among teams (the planner picks how
many); each desk with its coordinates and the nearest named place (a facility, in the reader's
language) and beside it the sessions held there that day, with the plan against what was held per
day; a printable sheet per team and day (PDF, :mod:`reports.fieldsheet`), recorded in the audit
trail when downloaded; and the form that records a session held, as a new workspace version
(:func:`geodata.store.sessions.record_session`), for the roles :func:`ui.auth.may` allows — a
partner for its own areas only, which the store checks again on the workspace itself.
Figures come from :mod:`analytics.fieldplan`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from analytics import access, fieldplan
from analytics.outreach import DeskPlan
from geodata.store.sessions import record_session
from geodata.tables.problems import DataError
from geodata.tables.schema import OUTREACH_KINDS
from render.language import Language
from render.safe import md_escape
from reports.documents import source_note
from reports.fieldsheet import Sheet, coordinates, field_sheets_pdf
from ui import data
from ui.context import Context
from ui.dates import date_picker
from ui.downloads import audit_actor, recorded
from ui.grid import grid
from ui.localize import localized_table
from ui.scope import Source
from ui.tables import show_table

_DONE = "outreach_field_done"


@st.cache_data(show_spinner=False, max_entries=16)
def desk_places(source: Source, version: int, lang: str, points: pd.DataFrame) -> pd.DataFrame:
    """The nearest named facility (in ``lang``) to each desk position (``lon``, ``lat``) and how
    far it is (see :func:`analytics.fieldplan.nearest_places`)."""
    language = Language(lang)
    facilities = access.available_facilities(data.tables(source, version)["facilities"])
    names = language.names(facilities, "name")
    return fieldplan.nearest_places(points, facilities, names)


def field_plan(
    ctx: Context, plan: DeskPlan, teams: int, recorded_sessions: pd.DataFrame
) -> pd.DataFrame:
    """The plan's desk-days with ``team``, the nearest place and the sessions held."""
    rows = fieldplan.assign_teams(plan.plan, plan.desks_per_day, teams)
    places = desk_places(ctx.source, ctx.version, ctx.lang, rows[["lon", "lat"]])
    rows = rows.assign(place=places["place"].to_numpy(), place_km=places["place_km"].to_numpy())
    return fieldplan.plan_against_held(rows, recorded_sessions)


def _table(ctx: Context, rows: pd.DataFrame, names: pd.Series, districts: pd.Series) -> None:
    """The field plan as a table beside what was held, with its CSV and XLSX downloads."""
    language = ctx.language
    h = {c: ctx.t(f"outreach.field.col_{c}") for c in ("team", "area", "place", "position")}
    h |= {c: ctx.t(f"outreach.col.{c}") for c in ("day", "date", "desk", "enrolled")}
    h |= {c: ctx.t(f"outreach.field.col_{c}") for c in ("held", "held_enrolled")}
    h["district"] = ctx.t("outreach.col.district_id")
    km = rows["place_km"]
    table = pd.DataFrame(
        {
            h["day"]: rows["day"].to_numpy(),
            h["date"]: rows["date"].map(language.date),
            h["team"]: rows["team"].to_numpy(),
            h["desk"]: rows["desk"].to_numpy(),
            h["area"]: rows["area_id"].map(names).fillna(rows["area_id"]).to_numpy(),
            h["district"]: rows["district_id"].map(districts).fillna("—").to_numpy(),
            h["place"]: [
                "—"
                if pd.isna(p)
                else ctx.t("outreach.field.place_at", place=p, km=ctx.language.km(k))
                for p, k in zip(rows["place"], km, strict=True)
            ],
            h["position"]: [
                coordinates(a, o, ctx.language)
                for a, o in zip(rows["lat"], rows["lon"], strict=True)
            ],
            h["enrolled"]: rows["enrolled"].to_numpy(),
            h["held"]: rows["held"].map(
                {True: ctx.t("outreach.field.held_yes"), False: ctx.t("outreach.field.held_no")}
            ),
            h["held_enrolled"]: rows["held_enrolled"].to_numpy(),
        }
    )
    kinds = {"day": "int", "team": "int", "desk": "int", "enrolled": "count"}
    kinds["held_enrolled"] = "count"
    if not rows["district_id"].notna().any():  # communes straight under the province
        table = table.drop(columns=[h["district"]])
    show_table(
        ctx,
        table,
        "outreach_field_plan",
        kinds={h[c]: k for c, k in kinds.items()},
    )


def _against_held(ctx: Context, rows: pd.DataFrame) -> None:
    """The plan against what was held, per day and in all."""
    per_day = fieldplan.held_by_day(rows)
    lang = ctx.lang
    language = ctx.language
    st.caption(
        ctx.t(
            "outreach.field.held_total",
            held=language.int(int(rows["held"].sum())),
            planned=language.int(len(rows)),
            enrolled=language.int(rows["held_enrolled"].sum()),
            expected=language.int(rows["enrolled"].sum()),
        )
    )
    heads = {
        "day": ctx.t("outreach.col.day"),
        "date": ctx.t("outreach.col.date"),
        "planned": ctx.t("outreach.field.col_planned"),
        "held": ctx.t("outreach.field.col_held_days"),
        "expected": ctx.t("outreach.col.enrolled"),
        "enrolled": ctx.t("outreach.field.col_held_enrolled"),
    }
    table = pd.DataFrame({heads[c]: per_day[c].to_numpy() for c in heads})
    table[heads["date"]] = per_day["date"].map(language.date)
    formats = {heads[c]: language.int for c in heads if c != "date"}
    grid(
        ctx.lang,
        localized_table(table, formats, lang),
        hide_index=True,
        width="stretch",
    )


def _sheet(
    ctx: Context,
    plan: DeskPlan,
    rows: pd.DataFrame,
    names: pd.Series,
    districts: pd.Series,
    key: tuple[int, int],
) -> Sheet:
    """The sheet of one (team, day): that team's desks that day, names in the reader's language."""
    team, day = key
    desks = fieldplan.team_day_sheet(rows, team, day)
    return Sheet(
        title=ctx.title,
        team=team,
        day=day,
        date=desks["date"].iloc[0] if len(desks) else None,
        radius_m=plan.radius_m,
        unit=plan.unit,
        weight=plan.weight,
        rows=desks.assign(
            area=desks["area_id"].map(names).fillna(desks["area_id"]).to_numpy(),
            district=desks["district_id"].map(districts).to_numpy(),
        ),
        source_note=source_note(ctx.title, ctx.version, ctx.is_demo, ctx.language),
    )


def _sheet_download(
    ctx: Context, plan: DeskPlan, rows: pd.DataFrame, names: pd.Series, districts: pd.Series
) -> None:
    """A team and a day, and the printable sheet of that team's desks that day; beside it every
    team's sheet of every day in one PDF (a page each), to print at once. Both are made when
    pressed and recorded then in the audit trail."""
    c1, c2, c3, c4 = st.columns([2, 3, 3, 3], vertical_alignment="bottom")
    team = c1.selectbox(
        ctx.t("outreach.field.team"),
        sorted(rows["team"].unique()),
        key="outreach_field_sheet_team",
        format_func=ctx.language.int,
    )
    days = sorted(rows.loc[rows["team"] == team, "day"].unique())
    dates = rows.groupby("day")["date"].first()
    day = c2.selectbox(
        ctx.t("outreach.field.day"),
        days,
        key="outreach_field_sheet_day",
        format_func=lambda d: ctx.t(
            "outreach.field.sheet_day",
            day=ctx.language.int(d),
            date=ctx.language.date(dates.get(d)),
        ),
    )
    lang = ctx.language
    one = _sheet(ctx, plan, rows, names, districts, (int(team), int(day)))
    pairs = rows[["day", "team"]].drop_duplicates().sort_values(["day", "team"])
    every = [
        _sheet(ctx, plan, rows, names, districts, (int(t), int(d)))
        for d, t in pairs.itertuples(index=False)
    ]
    for column, label, name, sheets, key in (
        (
            c3,
            "sheet_pdf",
            f"outreach_sheet_team{int(team)}_day{int(day)}_{ctx.lang}.pdf",
            [one],
            "outreach_field_sheet_pdf",
        ),
        (c4, "sheets_pdf", f"outreach_sheets_{ctx.lang}.pdf", every, "outreach_field_sheets_pdf"),
    ):
        column.download_button(
            ctx.t(f"outreach.field.{label}"),
            recorded(ctx, name, partial(field_sheets_pdf, sheets, lang)),
            file_name=name,
            mime="application/pdf",
            icon=":material/print:",
            key=key,
            on_click="ignore",
        )


def record_choices(names: pd.Series, in_scope: set[str], planned: pd.Series) -> list[str]:
    """The areas the record form offers: the plan's scope (a partner's own areas for a
    partner), the areas of the plan first in the plan's order, then the others by name. Only
    what the form offers; the store decides what may be recorded."""
    first = [a for a in pd.unique(planned.astype(str)) if a in in_scope]
    rest = sorted(in_scope - set(first), key=lambda a: (str(names.get(a, a)), a))
    return first + rest


def _record_form(ctx: Context, rows: pd.DataFrame, names: pd.Series, in_scope: set[str]) -> None:
    """Record a session held (an area of the scope, a day, the people enrolled, its kind): a new
    version. A partner's record is checked against its own areas by the store."""
    options = record_choices(names, in_scope, rows["area_id"])
    if not options:
        return
    first = rows["date"].min()
    with st.form("outreach_field_record"):
        st.markdown(f"**{ctx.t('outreach.field.record_title')}**")
        c1, c2, c3, c4 = st.columns(4)
        area = c1.selectbox(
            ctx.t("outreach.field.col_area"),
            options,
            key="outreach_field_area",
            format_func=lambda a: ctx.language.named(names.get(a, a), a),
        )
        day = date_picker(
            ctx.language,
            ctx.t("outreach.col.date"),
            "outreach_field_date",
            value=first.date() if pd.notna(first) else dt.date.today(),
            container=c2,
        )
        enrolled = c3.number_input(
            ctx.t("outreach.field.col_held_enrolled"), 0, 100_000, 0, key="outreach_field_enrolled"
        )
        kind = c4.selectbox(
            ctx.t("outreach.field.kind"),
            list(OUTREACH_KINDS),
            key="outreach_field_kind",
            format_func=lambda k: ctx.t(f"gap.kind.{k}"),
        )
        submitted = st.form_submit_button(ctx.t("outreach.field.record"), type="primary")
    if not submitted:
        return
    # Where the plan put a desk in that area that day, the session stands there.
    planned = rows[(rows["area_id"] == area) & (rows["date"].dt.date == day)]
    where = planned.iloc[0] if len(planned) else None
    try:
        number = record_session(
            ctx.workspace,
            area_id=str(area),
            date=day,
            enrolled=int(enrolled),
            kind=str(kind),
            author=ctx.user or ctx.t("partners.author_public"),
            # A partner records in its own areas only; the store reads them from the workspace.
            partner=str(ctx.partner_id or "") if ctx.role == "partner" else None,
            lon=None if where is None else float(where["lon"]),
            lat=None if where is None else float(where["lat"]),
            expected_version=ctx.version,
            actor=audit_actor(ctx),
        )
    except DataError as exc:  # the reason may quote ids from the data
        st.error(ctx.t("outreach.field.record_failed", reason=md_escape(exc)))
        return
    st.session_state[_DONE] = ctx.t(
        "outreach.field.recorded",
        area=md_escape(names.get(area, area)),
        n=ctx.language.int(int(enrolled)),
        version=ctx.language.int(number),
    )
    st.rerun()


def field_section(
    ctx: Context,
    plan: DeskPlan,
    names: pd.Series,
    districts: pd.Series,
    *,
    in_scope: set[str],
    recorded_sessions: pd.DataFrame,
) -> None:
    """The plan for the field: teams, the dated desk-days with their places and what was held,
    the printable team sheets and (for the roles allowed) the form that records a session."""
    st.subheader(ctx.t("outreach.field.title"))
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done)
    if not len(plan.plan):
        st.info(ctx.t("outreach.plan.nothing"))
        return
    teams = st.number_input(
        ctx.t("outreach.field.teams"),
        1,
        plan.desks_per_day,
        min(2, plan.desks_per_day),
        key="outreach_field_teams",
        help=ctx.t("outreach.field.teams_help"),
    )
    rows = field_plan(ctx, plan, int(teams), recorded_sessions)
    st.caption(
        ctx.t(
            "outreach.field.intro" if plan.unit == "m" else "outreach.minutes.field_intro",
            teams=ctx.language.int(rows["team"].max()),
            m=ctx.language.number(plan.radius_m, 0),
        )
    )
    _table(ctx, rows, names, districts)
    _sheet_download(ctx, plan, rows, names, districts)
    st.markdown(f"**{ctx.t('outreach.field.against_title')}**")
    _against_held(ctx, rows)
    if ctx.may("record_session"):
        _record_form(ctx, rows, names, in_scope)

"""The Briefings page's targets editor: a planner sets the target coverage of the whole region, a
district or a partner from a month on, before the meeting whose briefing, trend and gap figures
measure against it.

Only roles that may import data are offered it (:func:`ui.auth.may`); the target is checked and
saved as a new version of the workspace by :func:`geodata.store.targets.set_target`, which the
audit trail records. Months are the workspace's reporting months (Solar Hijri where it reports by
them), named in the session's language.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.trends import target_at
from geodata.store.targets import SCOPE_KINDS, set_target, target_scopes
from geodata.tables.calendar import month_range, shift_months
from geodata.tables.problems import DataError
from render.safe import md_escape
from ui import data
from ui.briefings.choices import Choices
from ui.context import Context
from ui.downloads import audit_actor
from ui.grid import grid
from ui.localize import localized_table

#: How far ahead of the latest month a target can be set.
MONTHS_AHEAD = 36
_DONE = "br_tg_done"
#: The scope and month the targets slider was last started for.
_FOR = "br_tg_for"


def current_target(targets: pd.DataFrame, scope: str, month: pd.Timestamp) -> int:
    """The target in force for ``scope`` in ``month``, in whole per cent (1–100): the scope's
    latest target from that month or before, else the region's, else 100 (the goal of full
    coverage)."""
    value = target_at(targets, month, pd.Series([scope])).iloc[0]
    if pd.isna(value):
        return 100
    return min(100, max(1, round(float(value) * 100)))


def month_options(ctx: Context, offered: Choices) -> list[str]:
    """The months a target may start in: from the first reporting month (or this month) to
    :data:`MONTHS_AHEAD` months after the latest, as ``YYYY-MM`` keys of their first days."""
    today = pd.Timestamp.today().normalize()
    first = offered.stamp(offered.month_keys[0]) if offered.month_keys else today
    last = offered.stamp(offered.latest) if offered.month_keys else today
    end = shift_months(max(last, today), MONTHS_AHEAD, ctx.months)
    return [m.strftime("%Y-%m") for m in month_range(first, end, ctx.months)]


def scope_label(ctx: Context, offered: Choices, kind: str, scope: str) -> str:
    if kind == "district":
        return offered.district_label(scope)
    if kind == "partner":
        return str(offered.partner_names.get(scope) or scope)
    return ctx.t("briefings.scope.region")


def targets_section(ctx: Context, offered: Choices) -> None:
    """What the target is for, from which month, how high; the scope's targets so far."""
    st.subheader(ctx.t("briefings.sections.targets"))
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    st.write(
        ctx.t(
            "briefings.targets.intro"
            if offered.districts
            else "briefings.targets.intro_no_districts"
        )
    )
    tables = data.tables(ctx.source, ctx.version)
    kinds = [k for k in SCOPE_KINDS if target_scopes(tables, k)]
    kind = str(
        st.radio(
            ctx.t("briefings.targets.kind"),
            kinds,
            format_func=lambda k: ctx.t(f"briefings.scope.{k}"),
            horizontal=True,
            key="br_tg_kind",
        )
    )
    scopes = target_scopes(tables, kind)
    scope = scopes[0]
    if kind != "region":
        scope = str(
            st.selectbox(
                ctx.t(f"briefings.scope.{kind}_pick"),
                scopes,
                format_func=lambda s: scope_label(ctx, offered, kind, s),
                key=f"br_tg_{kind}",
            )
        )
    months = month_options(ctx, offered)
    if st.session_state.get("br_tg_month") not in months:
        st.session_state["br_tg_month"] = offered.latest if offered.latest in months else months[0]
    c1, c2 = st.columns(2)
    month = str(
        c1.selectbox(
            ctx.t("briefings.targets.month"),
            months,
            format_func=lambda k: ctx.month(ctx.period(k)),
            key="br_tg_month",
        )
    )
    # The slider starts at the target in force for this scope and month, and again whenever
    # either changes (the reader's own choice stays while they stay on them).
    chosen_for = f"{kind}|{scope}|{month}"
    if st.session_state.get(_FOR) != chosen_for or "br_tg_value" not in st.session_state:
        st.session_state[_FOR] = chosen_for
        st.session_state["br_tg_value"] = current_target(
            tables["targets"], scope, ctx.period(month)
        )
    value = int(
        c2.select_slider(
            ctx.t("briefings.targets.value"),
            options=list(range(1, 101)),
            format_func=lambda v: ctx.language.pct(v / 100, 0),
            key="br_tg_value",
        )
    )
    if st.button(ctx.t("briefings.targets.save"), type="primary", key="br_tg_save"):
        try:
            number = set_target(
                ctx.workspace,
                kind,
                scope,
                ctx.period(month),
                value / 100,
                author=ctx.user or "public",
                months=ctx.months,
                expected_version=ctx.version,
                actor=audit_actor(ctx),
            )
        except DataError as exc:  # the reason may quote ids from the data
            st.error(ctx.t("briefings.targets.failed", reason=md_escape(exc)))
            return
        # Shown with st.success (Markdown): a district's or partner's name comes from the data.
        st.session_state[_DONE] = ctx.t(
            "briefings.targets.saved",
            target=ctx.language.pct(value / 100, 0),
            scope=md_escape(scope_label(ctx, offered, kind, scope)),
            month=ctx.month(ctx.period(month)),
            version=ctx.language.int(number),
        )
        st.rerun()
    _scope_targets(ctx, tables["targets"], scope)


def _scope_targets(ctx: Context, targets: pd.DataFrame, scope: str) -> None:
    """The targets of ``scope`` so far, the newest first."""
    st.caption(ctx.t("briefings.targets.current"))
    rows = targets[targets["scope"].astype(str) == scope].sort_values("period", ascending=False)
    if not len(rows):
        st.info(ctx.t("briefings.targets.none"))
        return
    month_col, target_col = (
        ctx.t("briefings.targets.col_month"),
        ctx.t("briefings.targets.col_target"),
    )
    table = pd.DataFrame(
        {
            month_col: [ctx.month(p) for p in rows["period"]],
            target_col: rows["target_coverage"].to_numpy(),
        }
    )
    grid(
        ctx.lang,
        localized_table(table, {target_col: ctx.language.pct}, ctx.lang),
        hide_index=True,
        width="stretch",
        height=240,
    )

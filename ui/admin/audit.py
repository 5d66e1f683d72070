"""The audit trail on the Data page, for administrators only: every sign-in, failed sign-in,
lockout, download, import, restore, reassignment and scenario save (:mod:`geodata.users.audit`),
filtered by user, action and days (UTC), and downloaded through the one table export
(:func:`ui.downloads.table_downloads`, itself recorded)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from geodata.users import audit
from ui.context import Context
from ui.downloads import table_downloads
from ui.grid import grid

#: Roles the trail names with a label of the catalogue (others, e.g. none for an unknown user
#: name, are shown as stored).
_ROLES = ("admin", "planner", "manager", "partner")


def _days(chosen: object) -> tuple[date | None, date | None]:
    """The first and last day of a date input's range (one day chosen: that day only)."""
    days = [d for d in (chosen if isinstance(chosen, tuple | list) else [chosen]) if d]
    if not days:
        return None, None
    return days[0], days[-1]


def trail_table(ctx: Context, trail: pd.DataFrame) -> pd.DataFrame:
    """The trail as shown and exported: headers, actions, roles and scopes in the session's
    language; the time as stored (UTC, ISO 8601), user names and objects as recorded."""

    def role(value: str) -> str:
        if value == "cli":
            return ctx.t("audit.role_cli")
        return ctx.t(f"auth.role.{value}") if value in _ROLES else value

    return pd.DataFrame(
        {
            ctx.t("audit.col_at"): trail["at"],
            ctx.t("audit.col_user"): trail["user"],
            ctx.t("audit.col_role"): trail["role"].map(role),
            ctx.t("audit.col_scope"): trail["scope"].map(
                lambda s: ctx.t("audit.scope_all") if s == audit.ALL else s
            ),
            ctx.t("audit.col_action"): trail["action"].map(lambda a: ctx.t(f"audit.action_{a}")),
            ctx.t("audit.col_what"): trail["what"],
        }
    )


def audit_section(ctx: Context) -> None:
    """The trail with its filters and downloads; nothing at all for any role but admin."""
    if not ctx.may("audit"):
        return
    st.caption(ctx.t("audit.help"))
    c1, c2, c3 = st.columns([1, 2, 1])
    user = c1.selectbox(
        ctx.t("audit.filter_user"),
        ["", *audit.users(ctx.workspace)],
        format_func=lambda u: u or ctx.t("audit.everyone"),
        key="au_user",
    )
    actions = c2.multiselect(
        ctx.t("audit.filter_action"),
        list(audit.ACTIONS),
        format_func=lambda a: ctx.t(f"audit.action_{a}"),
        placeholder=ctx.t("audit.every_action"),
        key="au_actions",
    )
    since, until = _days(c3.date_input(ctx.t("audit.filter_days"), value=(), key="au_days"))
    trail = audit.read(ctx.workspace, user=user or None, actions=actions, since=since, until=until)
    st.caption(ctx.t("audit.count", n=ctx.language.int(len(trail))))
    shown = trail_table(ctx, trail)
    grid(ctx.lang, shown, hide_index=True, width="stretch")
    table_downloads(ctx, shown, "audit_trail", kinds=dict.fromkeys(shown.columns, "text"))

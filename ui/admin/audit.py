"""The audit trail on the Data page, for administrators only: every sign-in, failed sign-in,
lockout, download, import, restore, reassignment and scenario save (:mod:`geodata.users.audit`),
filtered by user, action and days (UTC, chosen in the reader's calendar: a Solar Hijri "from" and
"to" in Persian, :func:`ui.dates.date_picker`), and downloaded through the one table export
(:func:`ui.downloads.table_downloads`, itself recorded)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from geodata.users import audit
from ui.context import Context
from ui.dates import DATE_INPUT_FORMAT, date_picker, uses_date_input
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


def _day_range(ctx: Context, box: Any) -> tuple[date | None, date | None]:
    """The days (UTC) the reader narrows the trail to, in their calendar; None at an end that
    leaves nothing out.

    An English reader of the Gregorian calendar picks a range in Streamlit's date input (none
    chosen: every day; :func:`ui.dates.uses_date_input`). Any other reader picks "from" and "to"
    in :func:`ui.dates.date_picker` (under the other filters, in their calendar and words),
    which start on the first recorded day and today: a range that holds every event filters
    nothing, so events recorded later still show."""
    if uses_date_input(ctx.language):
        return _days(
            box.date_input(
                ctx.t("audit.filter_days"), value=(), key="au_days", format=DATE_INPUT_FORMAT
            )
        )
    trail = audit.read(ctx.workspace)
    today = datetime.now(UTC).date()
    first = date.fromisoformat(str(trail["at"].min())[:10]) if len(trail) else today
    c1, c2 = st.columns(2)
    since = date_picker(ctx.language, ctx.t("audit.filter_from"), "au_since", first, c1)
    until = date_picker(ctx.language, ctx.t("audit.filter_to"), "au_until", today, c2)
    return (None if since <= first else since), (None if until >= today else until)


def stored_time(ctx: Context, stored: object) -> str:
    """A stored time (UTC, ISO 8601: ``2026-03-25T08:00:00Z``) as the page shows it: the day in
    the reader's calendar and the time of day, in the reader's digits (the files keep it as
    stored)."""
    text = str(stored)
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{ctx.language.date(day)} {ctx.language.numerals(text[11:19])}"


def trail_table(ctx: Context, trail: pd.DataFrame) -> pd.DataFrame:
    """The trail as exported (and shown, its time in the reader's calendar: :func:`_time`):
    headers, actions, roles and scopes in the session's language; the time as stored (UTC,
    ISO 8601), user names and objects as recorded."""

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
    since, until = _day_range(ctx, c3)
    trail = audit.read(ctx.workspace, user=user or None, actions=actions, since=since, until=until)
    st.caption(ctx.t("audit.count", n=ctx.language.int(len(trail))))
    shown = trail_table(ctx, trail)
    on_page = shown.assign(
        **{ctx.t("audit.col_at"): trail["at"].map(lambda t: stored_time(ctx, t))}
    )
    grid(ctx.lang, on_page, hide_index=True, width="stretch")
    table_downloads(ctx, shown, "audit_trail", kinds=dict.fromkeys(shown.columns, "text"))

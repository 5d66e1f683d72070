"""Cached loaders of the Partners page (keyed on ``ctx.source`` + version, like :mod:`ui.data`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import coverage as cov
from analytics.partners import (
    assignment_checks,
    months_back,
    names_partner,
    partner_scorecards,
    partner_targets,
    session_area_ids,
)
from ui import data
from ui.scope import Source

#: How many months back the scorecard's change columns look.
CHANGE_MONTHS = (3, 12)


def has_partners(source: Source, version: int) -> bool:
    """Whether the workspace names responsible partners at all."""
    loaded = data.tables(source, version)
    return len(loaded["partners"]) > 0 or (
        "partner_id" in loaded["areas"] and loaded["areas"]["partner_id"].notna().any()
    )


@st.cache_data(show_spinner=False, max_entries=16)
def scorecards(source: Source, version: int, period: pd.Timestamp | None) -> pd.DataFrame:
    """One row per partner for the month shown (see :func:`partner_scorecards`)."""
    loaded = data.tables(source, version)
    months = data.periods(source, version)
    # By calendar month, not by position: a month without counts leaves its change missing.
    earlier = {
        back: data.area_coverage(source, version, month, None)
        for back, month in months_back(months, period, CHANGE_MONTHS).items()
    }
    partner_of = loaded["areas"].set_index("area_id")["partner_id"]

    def with_partner(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(partner_id=frame["area_id"].map(partner_of).to_numpy())

    per_area = with_partner(data.area_coverage(source, version, period, None))
    earlier = {back: with_partner(frame) for back, frame in earlier.items()}
    cards = partner_scorecards(per_area, earlier, loaded["partners"], loaded["targets"])
    for back in CHANGE_MONTHS:  # every change column, missing where its month is
        if f"change_{back}m" not in cards:
            cards[f"change_{back}m"] = float("nan")
    return cards


@st.cache_data(show_spinner=False, max_entries=8)
def checks(source: Source, version: int) -> pd.DataFrame:
    """Areas whose responsible partner is missing, ambiguous or unknown."""
    loaded = data.tables(source, version)
    return assignment_checks(loaded["areas"], loaded["partners"])


@st.cache_data(show_spinner=False, max_entries=16)
def partner_target_line(source: Source, version: int, partner_id: str) -> pd.DataFrame:
    """The partner's target per month: its rows of the targets table, else its flat target."""
    loaded = data.tables(source, version)
    own = cov.target_series(loaded["targets"], partner_id)
    if len(own):
        return own
    flat = partner_targets(loaded["partners"], loaded["targets"]).get(partner_id)
    months = data.periods(source, version)
    if flat is None or pd.isna(flat) or not months:
        return pd.DataFrame({"period": pd.to_datetime([]), "target_coverage": []})
    return pd.DataFrame({"period": months, "target_coverage": float(flat)})


def partner_areas(source: Source, version: int, partner_id: str) -> pd.DataFrame:
    """The areas whose responsible partner is ``partner_id`` (no geometry)."""
    areas = data.tables(source, version)["areas"]
    if "partner_id" not in areas:
        return pd.DataFrame(columns=["area_id", "name"])
    mine = names_partner(areas, partner_id)  # co-assigned areas ("P1;P2") count for each
    return pd.DataFrame(areas.loc[mine].drop(columns="geometry"))


def sessions_in(source: Source, version: int, area_ids: tuple[str, ...]) -> pd.DataFrame:
    """Outreach sessions held in the given areas (``date``, ``enrolled``), oldest first."""
    loaded = data.tables(source, version)
    outreach = loaded["outreach"]
    if not len(outreach):
        return pd.DataFrame({"date": pd.to_datetime([]), "enrolled": []})
    # A session with a point but no area id counts for the area its point lies in.
    located = session_area_ids(outreach, loaded["areas"])
    held = outreach[located.isin(area_ids).fillna(False).to_numpy()]
    return pd.DataFrame(held[["date", "enrolled"]]).sort_values("date")

"""The Capacity and load page's scenario manager: every stored scenario and the what-if being built
side by side with the network as it is, and a stored scenario loaded into the what-if or deleted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analytics.scenarios import Change, changes_from_frame, scenario_list
from geodata.tables.problems import DataError
from render.safe import md_escape
from ui.capacity import data as capacity_data
from ui.capacity.budget import refusal_text
from ui.capacity.selection import Selection
from ui.capacity.views import access_digits, show_table, supply_label
from ui.capacity.whatif import CHANGES
from ui.context import Context

#: The comparison's label for the what-if being built (no stored scenario id looks like it).
CURRENT = "\x00current"


def scenarios_section(ctx: Context, sel: Selection, pending: list[Change]) -> None:
    """The comparison (with ``pending``, the unsaved what-if, when there is one) and the stored
    scenarios to load or, for those who may save them, delete."""
    ws, ver, supply = sel.source, sel.version, sel.supply
    st.subheader(ctx.t("capacity.scenarios.title"))
    stored = capacity_data.stored_scenarios(ws, ver)
    extra = ((CURRENT, tuple(pending)),) if pending else ()
    if not len(stored) and not pending:
        st.caption(ctx.t("capacity.scenarios.none"))
    else:
        try:
            compared = capacity_data.comparison(ws, ver, sel.settings, extra, sel.by)
        except DataError as exc:  # a scenario beyond the what-if's budget: nothing measured
            compared = None
            st.error(refusal_text(ctx, exc))
        except ValueError as exc:
            compared = None
            st.error(ctx.t("capacity.whatif.invalid", reason=md_escape(str(exc))))
        if compared is not None:
            table = scenario_table(ctx, compared, supply=supply, current_label=CURRENT)
            show_table(ctx, table, "capacity_scenarios", key="cap_scenarios_dl")
            st.caption(ctx.t("capacity.scenarios.note"))
            if "applicable" in compared and not compared["applicable"].astype(bool).all():
                st.warning(ctx.t("capacity.scenarios.stale_note"), icon=":material/warning:")
        listing = scenario_list(stored)
        if len(listing):
            _picker(ctx, stored, listing)
    deleted = st.session_state.pop("cap_deleted", None)
    if deleted:
        kind, message = deleted
        (st.success if kind == "success" else st.error)(md_escape(message))


def _picker(ctx: Context, stored: pd.DataFrame, listing: pd.DataFrame) -> None:
    """A stored scenario to pick, with the buttons that load it into the what-if and delete it."""

    def load_scenario() -> None:
        sid = st.session_state.get("cap_pick")
        rows = stored[stored["scenario_id"] == sid]
        st.session_state[CHANGES] = changes_from_frame(rows)

    may_delete = ctx.may("save_scenario") and ctx.role != "partner"
    l1, l2, l3 = st.columns([3, 1, 1] if may_delete else [3, 1, 0.01])
    l1.selectbox(
        ctx.t("capacity.scenarios.pick"),
        listing["scenario_id"].tolist(),
        key="cap_pick",
        format_func=lambda sid: str(listing.set_index("scenario_id").loc[sid, "name"]),
    )
    l2.button(
        ctx.t("capacity.scenarios.load"),
        key="cap_load_scenario",
        on_click=load_scenario,
        icon=":material/upload:",
    )
    if may_delete:

        def delete_scenario() -> None:
            sid = str(st.session_state.get("cap_pick"))
            name = str(listing.set_index("scenario_id").loc[sid, "name"])
            try:
                version = capacity_data.delete(ctx.workspace, sid, author=ctx.user)
            except DataError as exc:
                st.session_state["cap_deleted"] = ("error", str(exc))
                return
            st.session_state["cap_deleted"] = (
                "success",
                ctx.t("capacity.scenarios.deleted", name=name, version=version),
            )
            st.session_state.pop("cap_pick", None)

        l3.button(
            ctx.t("capacity.scenarios.delete"),
            key="cap_delete_scenario",
            on_click=delete_scenario,
            icon=":material/delete:",
        )


def scenario_status(ctx: Context, row: pd.Series) -> str:
    """Whether a compared scenario still applies, and if not, why (in the reader's language)."""
    if row.get("applicable", True) is not False:
        return ""
    missing = row.get("missing")
    if isinstance(missing, str) and missing:
        return ctx.t("capacity.scenarios.stale_missing", ids=missing)
    return ctx.t("capacity.scenarios.stale", reason=str(row.get("reason") or ""))


def scenario_table(
    ctx: Context, compared: pd.DataFrame, *, supply: str, current_label: str
) -> pd.DataFrame:
    """Scenarios side by side with the network as it is: the figures after and the changes; a
    scenario that no longer applies keeps its row, with no figures and the reason."""

    def name_of(row: pd.Series) -> str:
        if row["scenario"] == "":
            return ctx.t("capacity.scenarios.as_is")
        if row["scenario"] == current_label:
            return ctx.t("capacity.scenarios.current")
        return str(row["name"] if pd.notna(row.get("name")) else row["scenario"])

    kinds = compared["kinds"].map(
        lambda k: (
            ", ".join(ctx.t(f"capacity.kind.{x.strip()}") for x in str(k).split(","))
            if isinstance(k, str) and k
            else ""
        )
    )
    s = supply_label(ctx, supply)

    def people(column: str) -> np.ndarray:
        return compared[column].astype("float64").round().to_numpy()

    table = pd.DataFrame(
        {
            ctx.t("capacity.scenarios.name"): compared.apply(name_of, axis=1).to_numpy(),
            ctx.t("capacity.scenarios.kinds"): kinds.to_numpy(),
            ctx.t("capacity.scenarios.changes"): compared["n_changes"].to_numpy(),
            ctx.t("capacity.figure.people_near_care", supply=s): people("people_near_care"),
            ctx.t("capacity.scenarios.gain_near"): people("people_near_care_change"),
            ctx.t("capacity.figure.people_referral_gap", supply=s): people("people_referral_gap"),
            ctx.t("capacity.figure.access_mean", supply=s): compared["access_mean"]
            .astype("float64")
            .round(access_digits(supply))
            .to_numpy(),
            ctx.t("capacity.figure.people_no_supply", supply=s): people("people_no_supply"),
            ctx.t("capacity.figure.facilities_overloaded", supply=s): compared[
                "facilities_overloaded"
            ]
            .astype("float64")
            .round()
            .astype("Int64")
            .to_numpy(),
            ctx.t("capacity.figure.people_both", supply=s): people("people_both"),
        }
    )
    if "applicable" in compared and not compared["applicable"].astype(bool).all():
        table[ctx.t("capacity.scenarios.status")] = compared.apply(
            lambda row: scenario_status(ctx, row), axis=1
        ).to_numpy()
    return table

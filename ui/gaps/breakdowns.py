"""The Gap analysis page's breakdowns section: the insured by scheme, underserved areas against
the others, and the estimated coverage of each population group, each with its downloads."""

from __future__ import annotations

import streamlit as st

from ui.gaps import data as gd
from ui.gaps import views as gap_views
from ui.gaps.selection import Selection


def section(sel: Selection) -> None:
    """Schemes beside underserved areas, then population groups."""
    ctx = sel.ctx
    st.subheader(ctx.t("gap.breakdowns.title"))
    if not sel.with_insured:
        st.info(ctx.t("gap.breakdowns.no_insured"))
        return
    left, right = st.columns([2, 3], gap="medium")
    with left:
        schemes_table(sel)
    with right:
        underserved_table(sel)
    groups_table(sel)


def schemes_table(sel: Selection) -> None:
    """The insured of the month per scheme, with each scheme's share as a bar."""
    ctx = sel.ctx
    st.markdown(f"**{ctx.t('gap.breakdowns.scheme')}**")
    schemes = gd.scheme_breakdown(sel.ws, sel.ver, sel.month)
    if schemes.empty:
        st.caption(ctx.t("gap.breakdowns.no_schemes"))
        return
    shown = {
        "scheme": ctx.t("table.scheme"),
        "insured": ctx.t("metric.insured"),
        "share": ctx.t("gap.breakdowns.share"),
    }
    view = schemes.assign(
        scheme=schemes["scheme"].map(lambda s: ctx.label("scheme", s)),
        share=schemes["share"] * 100,
    )[list(shown)].rename(columns=shown)
    gap_views.shares_table(
        ctx,
        view,
        "gap_by_scheme",
        share=ctx.t("gap.breakdowns.share"),
        counts=(ctx.t("metric.insured"),),
    )


def underserved_table(sel: Selection) -> None:
    """Underserved areas against the others: how many, their people, coverage and uninsured."""
    ctx = sel.ctx
    st.markdown(f"**{ctx.t('gap.breakdowns.underserved')}**")
    under = gd.underserved_breakdown(sel.ws, sel.ver, sel.month)
    if under.empty:
        st.caption(ctx.t("gap.breakdowns.no_underserved"))
        return
    label = {
        True: ctx.t("gap.breakdowns.is_underserved"),
        False: ctx.t("gap.breakdowns.other"),
    }
    shown = {
        "underserved": ctx.t("gap.breakdowns.areas"),
        "n_areas": (n_areas := ctx.t("gap.breakdowns.n_areas")),
        "population": ctx.t("metric.population"),
        "coverage": ctx.t("metric.coverage"),
        "uninsured": ctx.t("metric.uninsured"),
    }
    view = under.assign(
        underserved=under["underserved"].map(lambda u: label.get(u, "—")),
        coverage=under["coverage"] * 100,
    )[list(shown)].rename(columns=shown)
    gap_views.shares_table(
        ctx,
        view,
        "gap_underserved",
        share=ctx.t("metric.coverage"),
        counts=(ctx.t("metric.population"), ctx.t("metric.uninsured"), n_areas),
    )


def groups_table(sel: Selection) -> None:
    """The estimated coverage and uninsured people of each population group."""
    ctx = sel.ctx
    st.markdown(f"**{ctx.t('gap.breakdowns.groups')}**")
    groups = gd.group_breakdown(sel.ws, sel.ver, sel.month)
    if groups.empty:
        st.caption(ctx.t("gap.breakdowns.no_groups"))
        return
    shown = {
        "group": ctx.t("gap.breakdowns.group"),
        "population": ctx.t("metric.population"),
        "coverage": ctx.t("gap.breakdowns.est_coverage"),
        "uninsured": ctx.t("gap.breakdowns.est_uninsured"),
    }
    view = groups.assign(
        group=groups["group"].map(lambda g: ctx.t(f"gap.group.{g}")),
        coverage=groups["coverage"] * 100,
        uninsured=groups["uninsured"].round(),
    )[list(shown)].rename(columns=shown)
    gap_views.shares_table(
        ctx,
        view,
        "gap_by_group",
        share=ctx.t("gap.breakdowns.est_coverage"),
        counts=(ctx.t("metric.population"), ctx.t("gap.breakdowns.est_uninsured")),
    )
    st.caption(ctx.t("gap.breakdowns.groups_note"))

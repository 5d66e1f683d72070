"""What the Briefings page offers in the session's workspace: its sections, months, districts,
partners, map levels and metrics, the scopes a briefing may have, what two maps side by side and
the presentation can step through, and how a month or a district is named.

Built from the session's scoped loaders (``ctx.source``), so a partner is offered its own areas
only; the page declares its view parameters over these lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ui import data, views
from ui.auth import may
from ui.context import Context
from ui.localize import names_by_key

#: The page's sections; the targets editor is offered to roles that may import data.
SECTIONS = ["briefing", "map", "compare", "present"]
TARGETS = "targets"


@dataclass(frozen=True)
class Choices:
    """The options of the session's workspace (``ctx``) and the names shown for them."""

    ctx: Context
    areas: pd.DataFrame
    month_keys: list[str]
    districts: list[str]
    district_names: dict[str, str]
    partner_ids: list[str]
    partner_names: dict[str, str]
    big: bool  # more areas than a map draws smoothly: districts only
    levels: list[str]
    metrics: list[str]
    scopes: list[str]
    compare_by: list[str]
    step_by: list[str]
    sections: list[str]

    @property
    def with_insured(self) -> bool:
        return bool(self.month_keys)

    @property
    def latest(self) -> str:
        return self.month_keys[-1] if self.month_keys else ""

    @property
    def earlier(self) -> str:
        """The month a year before the latest (or the first), compared with it by default."""
        return self.month_keys[max(0, len(self.month_keys) - 13)] if self.month_keys else ""

    def month_label(self, key: str) -> str:
        return self.ctx.month(self.ctx.period(key)) if key else "—"

    def district_label(self, district_id: str) -> str:
        return str(self.district_names.get(district_id) or district_id)

    def stamp(self, key: str) -> pd.Timestamp | None:
        return self.ctx.period(key) if key else None


def choices(ctx: Context) -> Choices:
    """What the page offers for the session's tables."""
    ws, ver = ctx.source, ctx.version
    months = data.periods(ws, ver)
    month_keys = [m.strftime("%Y-%m") for m in months]
    areas = data.table(ws, ver, "areas")
    districts = sorted(areas["district_id"].dropna().astype(str).unique())
    partner_ids = (
        []
        if ctx.role == "partner" or "partner_id" not in areas
        else sorted(areas["partner_id"].dropna().astype(str).unique())
    )
    # More areas than a map draws smoothly (as on the Overview and the Coverage map): districts
    # only, their polygons dissolved before simplifying (``ui.map_shapes``).
    big = len(areas) > views.MAX_AREAS_ON_MAP and bool(districts)
    return Choices(
        ctx=ctx,
        areas=areas,
        month_keys=month_keys,
        districts=districts,
        district_names=names_by_key(areas, "district_id", "district_name", ctx.lang).to_dict(),
        partner_ids=partner_ids,
        partner_names=data.partner_names(ws, ver, ctx.lang),
        big=big,
        levels=(["district"] if big else ["district", "area"]) if districts else ["area"],
        metrics=views.metrics_for(bool(months)),
        scopes=[
            "region",
            *(["district"] if districts else []),
            *(["partner"] if partner_ids else []),
        ],
        compare_by=(["months"] if len(month_keys) > 1 else [])
        + (["districts"] if len(districts) > 1 else []),
        # By unit (the districts, or the areas of a workspace without districts), or by month.
        step_by=(["districts"] if districts else ["areas"] if len(areas) else [])
        + (["months"] if month_keys else []),
        sections=[*SECTIONS, *([TARGETS] if may(ctx.role, "import") else [])],
    )

"""What the Capacity page's sidebar selected, with the tables it applies to: the one value every
section of the page (load, growth, what-if, scenarios) is drawn from."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from analytics import whatif
from ui import data
from ui.context import Context


@dataclass(frozen=True, eq=False)
class Selection:
    """The session's source and version, the service and supply chosen, the network settings, and
    the areas and facilities with their display names (by ``area_id`` and ``facility_id``); ``by``
    is how reach is measured (``line``, or the travel mode of settings in minutes)."""

    source: str
    version: int
    service: str
    supply: str
    settings: whatif.NetworkSettings
    areas: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    with_insured: bool
    area_names: pd.Series
    facility_names: pd.Series
    by: str = "line"

    @property
    def overload_at(self) -> float:
        return float(self.settings.overload_at)


def selection(
    ctx: Context,
    *,
    service: str,
    supply: str,
    settings: whatif.NetworkSettings,
    by: str = "line",
) -> Selection:
    """The :class:`Selection` of ``ctx``'s source and version (area names in the reader's
    language)."""
    areas = data.table(ctx.source, ctx.version, "areas")
    fac = data.table(ctx.source, ctx.version, "facilities")
    names = pd.Series(ctx.language.names(areas, "name").to_numpy(), index=areas["area_id"])
    facility_names = pd.Series(
        fac["name"].astype(str).to_numpy(), index=fac["facility_id"].astype(str)
    )
    return Selection(
        source=ctx.source,
        version=ctx.version,
        service=service,
        supply=supply,
        settings=settings,
        areas=areas,
        facilities=fac,
        with_insured=data.has_insured(ctx.source, ctx.version),
        area_names=names,
        facility_names=facility_names[~facility_names.index.duplicated()],
        by=by,
    )

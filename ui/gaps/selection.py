"""What the reader chose on the Gap analysis page, as every section of it reads it.

The page declares its view parameters and builds one :class:`Selection` from them; the sections
(:mod:`ui.gaps.ranking`, :mod:`ui.gaps.clusters`, :mod:`ui.gaps.trends`, :mod:`ui.gaps.breakdowns`)
read the workspace, the month, the level and the section's own parameters from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from ui import data, state
from ui.context import Context
from ui.state import Param


@dataclass(frozen=True)
class Selection:
    """The session's context, the page's parameters and the choices derived from them."""

    ctx: Context
    #: The page's view parameters by name (``order``, ``top``, ``w_<component>``, ``alpha``, …).
    params: Mapping[str, Param]
    #: The workspace's months of insured counts (none: population only).
    months: list[pd.Timestamp]
    #: The chosen month (None without insured counts).
    month: pd.Timestamp | None
    #: The chosen level, ``district`` or ``area``.
    level: str
    #: Whether the areas fall into districts.
    by_district: bool
    #: Years since the census the population comes from (0 at the earliest).
    years_old: int
    #: The ranking's orders on offer.
    orders: list[str]
    #: The facilities to draw on the maps (None: not shown).
    facilities: gpd.GeoDataFrame | None
    #: How distance to care is measured (#19): ``line`` (km) or a travel mode (minutes over
    #: the roads), the access pages' shared "measure by".
    measure: str = "line"

    @property
    def unit(self) -> str:
        """The unit of the distance to care: ``km``, or ``min`` of travel."""
        return "km" if self.measure == "line" else "min"

    def component(self, name: str) -> str:
        """The catalogue name of priority component ``name`` as measured: the distance to care
        in minutes of travel is ``distance_min`` (its label, help and table header)."""
        return f"{name}_min" if name == "distance" and self.unit == "min" else name

    @property
    def ws(self) -> str:
        return self.ctx.source

    @property
    def ver(self) -> int:
        return self.ctx.version

    @property
    def with_insured(self) -> bool:
        return bool(self.months)

    @property
    def areas(self) -> pd.DataFrame:
        return data.table(self.ws, self.ver, "areas")

    @property
    def key_column(self) -> str:
        return data.LEVEL_KEYS[self.level]

    @property
    def name_column(self) -> str:
        return "district_name" if self.level == "district" else "name"

    @property
    def district_column(self) -> str | None:
        """The column naming each unit's district in a table of areas (None where there is none)."""
        return "district_name" if self.level == "area" and self.by_district else None

    def value(self, name: str) -> Any:
        """The current value of the page's parameter ``name``."""
        return state.value(self.params[name])

    def key(self, name: str) -> str:
        """The widget key of the page's parameter ``name``."""
        return self.params[name].widget_key

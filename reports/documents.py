"""Documents of one workspace version, as the command line and the dashboard both make them:
the region's title in the language, the data-source note, a briefing PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from analytics import access, distance
from analytics.access import NEAR_MIN, REFERRAL_MIN
from geodata.sources.demo import DEMO_REGION_NAME
from geodata.sources.workspaces import is_demo
from geodata.store.layout import Version
from geodata.store.workspace import version_title
from render.language import Language
from reports.briefing import build_briefing
from reports.pdf import briefing_pdf
from traveltime import workspace as travel

__all__ = ["make_briefing", "region_title", "source_note", "travel_minutes"]


def region_title(path: str, versions: list[Version], lang: Language) -> str:
    """The workspace's title in the language where it has one (the demo region's name)."""
    if is_demo(versions):
        return DEMO_REGION_NAME.get(lang.code, DEMO_REGION_NAME["en"])
    return version_title(versions[-1], lang.code) or Path(path).stem


def source_note(title: str, version: int, demo: bool, lang: Language) -> str:
    """``Source: <workspace>, version N · Coverage Atlas`` (plus the synthetic-data label)."""
    if demo:
        return lang.t(
            "reports.source_demo",
            title=title,
            version=lang.int(version),
            label=lang.t("header.demo_label"),
        )
    return lang.t("reports.source", title=title, version=lang.int(version))


def make_briefing(
    tables: Mapping[str, pd.DataFrame],
    lang: Language,
    *,
    title: str,
    version: int,
    demo: bool,
    scope: str = "region",
    scope_id: str | None = None,
    month: pd.Timestamp | str | None = None,
    orientation: str = "portrait",
    produced: dt.date | None = None,
    nearest: pd.DataFrame | None = None,
    mode: str | None = None,
) -> tuple[bytes, int]:
    """A briefing PDF of ``tables`` (already limited to what the reader may see), and its number
    of pages. With ``nearest`` (travel minutes to the nearest facility of each set per area, see
    :func:`reports.briefing.build_briefing`) its access figures are in minutes of travel, with
    the Infrastructure page's default thresholds in minutes, and ``mode`` (``"motorised"``,
    ``"walking"``) names how they travel."""
    reach = {} if nearest is None else {"near_km": NEAR_MIN, "referral_km": REFERRAL_MIN}
    briefing = build_briefing(
        tables,
        scope=scope,
        scope_id=scope_id,
        month=month,
        nearest=nearest,
        unit="km" if nearest is None else "min",
        mode=mode,
        **reach,
    )
    return briefing_pdf(
        briefing,
        lang,
        region_title=title,
        source_note=source_note(title, version, demo, lang),
        orientation=orientation,
        produced=produced,
    )


def travel_minutes(
    workspace: str | Path, version: int, tables: Mapping[str, pd.DataFrame], measure: str
) -> pd.DataFrame | None:
    """How a briefing measures access (#19), as the Briefings page and ``python -m reports
    briefing --measure`` both take it: None in a straight line (``measure="line"``), else the
    minutes of travel by ``measure`` over the workspace version's roads from each of the
    ``tables``' areas (its measuring point) to the nearest counted facility of every access set
    (:func:`traveltime.workspace.nearest_minutes`): the ``nearest`` of :func:`make_briefing`."""
    if measure == "line":
        return None
    areas = tables["areas"]
    return travel.nearest_minutes(
        workspace,  # the roads are the workspace's; the areas are the tables' (a scope's)
        version,
        areas,
        access.available_facilities(tables["facilities"]),
        access.DISTANCE_SETS,
        points=distance.area_points(areas),
        mode=measure,
    )

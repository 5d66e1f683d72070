"""What a briefing says, computed from the workspace tables: no drawing, no Streamlit.

:func:`build_briefing` takes the tables as a session may see them (a partner's session passes its
restricted tables, see :func:`analytics.partners.restrict_to_partner`) and a scope — the whole
region, one district or one partner — and returns a :class:`Briefing`: headline figures for the
month and the month before, coverage per area (with polygons, for the map), the least-covered
areas, coverage over time against the target, infrastructure needs (referral gaps, people beyond
reach of care, facilities being built) and the partner table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics import access
from analytics import coverage as cov
from analytics.insured import available_periods
from analytics.partners import restrict_to_partner
from geodata.tables.calendar import parse_solar_hijri, period_key

__all__ = [
    "NEAR_KM",
    "REFERRAL_KM",
    "SCOPES",
    "Briefing",
    "BriefingError",
    "build_briefing",
    "parse_month",
    "scope_tables",
]

SCOPES = ("region", "district", "partner")
#: Care counts as near within this distance (the default of every page, see analytics.access).
NEAR_KM = access.NEAR_KM
#: A hospital for referral counts as within reach within this distance (every page's default).
REFERRAL_KM = access.REFERRAL_KM
#: How many areas the least-covered and facility-needs lists show.
TOP_N = 10


class BriefingError(ValueError):
    """A briefing that cannot be made as asked (unknown district or partner, month without data)."""


@dataclass
class Briefing:
    """The content of one briefing (every frame is a new one; the inputs are not modified)."""

    scope: str
    scope_id: str | None
    scope_name: str | None
    month: pd.Timestamp | None
    previous_month: pd.Timestamp | None
    figures: dict[str, float]
    previous: dict[str, float] | None
    target_now: float | None
    areas: gpd.GeoDataFrame  # scope areas with coverage columns, EPSG:4326
    districts: gpd.GeoDataFrame  # district outlines of the scope (may be empty)
    least_covered: pd.DataFrame
    trend: pd.DataFrame  # period, coverage
    targets: pd.DataFrame  # period, target_coverage
    access: dict[str, float] = field(default_factory=dict)
    needs: pd.DataFrame = field(default_factory=pd.DataFrame)
    pipeline: pd.DataFrame = field(default_factory=pd.DataFrame)
    partners: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_facilities: int = 0  # facilities in operation inside the scope's areas
    least_left_out: int = 0  # areas with more insured than residents, left out of least_covered
    scope_names: dict[str, str] = field(default_factory=dict)  # language -> scope_name
    unit: str = "km"  # the access figures' unit: km in a straight line, or min of travel
    mode: str | None = None  # in minutes: the travel mode ("motorised", "walking") they are by

    @property
    def has_insured(self) -> bool:
        return self.month is not None

    def scope_label(self, lang: str) -> str | None:
        """The district's or partner's name in ``lang`` where the workspace has it
        (``district_name_fa``, ``name_vi``...), else as it is."""
        return self.scope_names.get(lang) or self.scope_name


def parse_month(text: str | None) -> pd.Timestamp | None:
    """``YYYY-MM`` (or a full date) as the first day of that month, a Solar Hijri month
    (``1405-07``, ``۱۴۰۵/۰۷``, ``Mehr 1405``) as its first day; None stays None.

    A ``YYYY-MM`` key names the period that starts in that Gregorian month in either calendar:
    :func:`match_period` finds it among a workspace's periods."""
    if text is None or str(text).strip() == "":
        return None
    solar = parse_solar_hijri(str(text))
    if pd.notna(solar):
        return solar
    try:
        stamp = pd.Timestamp(str(text).strip() + ("-01" if len(str(text).strip()) == 7 else ""))
    except (TypeError, ValueError) as exc:
        raise BriefingError(f"month {text!r} is not a month (use YYYY-MM)") from exc
    return stamp.normalize().replace(day=1)


def match_period(wanted: pd.Timestamp | None, periods: list[pd.Timestamp]) -> pd.Timestamp | None:
    """The period of ``periods`` that ``wanted`` names: itself, else the one with its ``YYYY-MM``
    key (``2026-09`` names 1 Mehr 1405, 23 September 2026, in a Solar Hijri workspace)."""
    if wanted is None or wanted in periods:
        return wanted
    same = [p for p in periods if period_key(p) == period_key(wanted)]
    return same[0] if same else wanted


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string")


def scope_tables(
    tables: Mapping[str, pd.DataFrame], scope: str, scope_id: str | None
) -> dict[str, pd.DataFrame]:
    """The tables of one scope: a partner's through :func:`restrict_to_partner`, a district's with
    only that district's areas (and the insured counts of those areas).

    Raises
    ------
    BriefingError
        For an unknown scope, a missing id, or an id the workspace does not have.
    """
    if scope not in SCOPES:
        raise BriefingError(f"scope must be one of {SCOPES}, got {scope!r}")
    if scope == "region":
        return dict(tables)
    if not scope_id:
        raise BriefingError(f"a {scope} briefing needs the {scope}'s id")
    areas = tables["areas"]
    if scope == "partner":
        known = set(_text(areas["partner_id"]).dropna()) if "partner_id" in areas else set()
        if str(scope_id) not in known:
            raise BriefingError(
                f"partner {scope_id!r} has no areas here; partners with areas: {sorted(known)}"
            )
        return restrict_to_partner(tables, str(scope_id))
    known = set(_text(areas["district_id"]).dropna()) if "district_id" in areas else set()
    if str(scope_id) not in known:
        raise BriefingError(
            f"district {scope_id!r} is not in the workspace; districts: {sorted(known)}"
        )
    own = areas[(_text(areas["district_id"]) == str(scope_id)).fillna(False).to_numpy()]
    out = dict(tables)
    out["areas"] = own.reset_index(drop=True)
    ids = set(_text(own["area_id"]))
    out["insured"] = tables["insured"][_text(tables["insured"]["area_id"]).isin(ids).to_numpy()]
    return out


def _latest_at(series: pd.DataFrame, month: pd.Timestamp | None) -> float | None:
    if month is None or series.empty:
        return None
    before = series[series["period"] <= month]
    return float(before["target_coverage"].iloc[-1]) if len(before) else None


def _scope_targets(
    tables: Mapping[str, pd.DataFrame], scope: str, scope_id: str | None
) -> pd.DataFrame:
    targets = tables.get("targets")
    if targets is None or not len(targets):
        return pd.DataFrame({"period": pd.to_datetime([]), "target_coverage": []})
    own = cov.target_series(targets, str(scope_id)) if scope != "region" else None
    return own if own is not None and len(own) else cov.target_series(targets, "region")


def build_briefing(
    tables: Mapping[str, pd.DataFrame],
    *,
    scope: str = "region",
    scope_id: str | None = None,
    month: pd.Timestamp | str | None = None,
    near_km: float = NEAR_KM,
    referral_km: float = REFERRAL_KM,
    nearest: pd.DataFrame | None = None,
    unit: str = "km",
    mode: str | None = None,
) -> Briefing:
    """Compute a briefing for the whole region, one district or one partner.

    Parameters
    ----------
    tables
        Workspace tables as the reader may see them (not modified).
    scope, scope_id
        ``"region"``; ``"district"`` and a ``district_id``; ``"partner"`` and a ``partner_id``.
    month
        The month reported on (``YYYY-MM``); the latest month with insured counts when None.
    near_km, referral_km
        Distances for "care within reach" and "hospital within reach" (km, or minutes).
    nearest, unit
        Measured otherwise than in a straight line (``unit="min"``: minutes of travel): the
        nearest facility of each set per area of ``tables["areas"]``, indexed like them (see
        :func:`analytics.access.access_by_area`; e.g. :func:`traveltime.workspace.nearest_minutes`).
    mode
        In minutes, the travel mode they are by (``"motorised"``, ``"walking"``), which the
        document names beside its figures (a reader cannot tell a car's 60 minutes from a walk's).

    Raises
    ------
    BriefingError
        Unknown scope id, or a month the workspace has no insured counts for.
    """
    data = scope_tables(tables, scope, scope_id)
    areas = data["areas"]
    if not len(areas):
        raise BriefingError("the scope has no areas")
    insured = data["insured"]
    periods = available_periods(insured) if len(insured) else []
    wanted = parse_month(month) if not isinstance(month, pd.Timestamp) else month
    wanted = match_period(wanted, periods)
    if wanted is not None and periods and wanted not in periods:
        raise BriefingError(
            f"no insured counts for {wanted:%Y-%m}; months with data: "
            f"{periods[0]:%Y-%m} to {periods[-1]:%Y-%m}"
        )
    chosen = (wanted or periods[-1]) if periods else None
    previous_month = None
    if chosen is not None and periods.index(chosen) > 0:
        previous_month = periods[periods.index(chosen) - 1]

    targets = _scope_targets(data, scope, scope_id)
    target_now = _latest_at(targets, chosen)
    if len(insured):
        per_area = cov.coverage_by_area(areas, insured, period=chosen, target=target_now or 1.0)
    else:
        empty = pd.DataFrame(
            {
                "area_id": pd.Series([], dtype="string"),
                "period": pd.to_datetime([]),
                "insured": pd.Series([], dtype="Int64"),
            }
        )
        per_area = cov.coverage_by_area(areas, empty, target=target_now or 1.0)
    if not isinstance(per_area, gpd.GeoDataFrame):
        per_area = gpd.GeoDataFrame(per_area, geometry=areas.geometry.to_numpy(), crs=areas.crs)
    figures = cov.headline_figures(per_area)
    previous = None
    if previous_month is not None:
        previous = cov.headline_figures(cov.coverage_by_area(areas, insured, period=previous_month))

    scope_name, scope_names = None, {}
    if scope == "district":
        column = "district_name" if "district_name" in areas else "district_id"
        named = areas[areas[column].notna().to_numpy()]
        scope_name = str(named[column].iloc[0]) if len(named) else str(scope_id)
        scope_names = _names_by_language(named.head(1), column)
    elif scope == "partner":
        partners = data.get("partners", pd.DataFrame())
        row = (
            partners[_text(partners["partner_id"]) == str(scope_id)] if len(partners) else partners
        )
        scope_name = str(row["name"].iloc[0]) if len(row) else str(scope_id)
        scope_names = _names_by_language(row, "name") if len(row) else {}

    # Areas with more insured than residents are left out of coverage, so out of the list too.
    with_data = per_area[cov.counted_in_coverage(per_area).to_numpy()]
    left_out = int(per_area["data_status"].eq("insured_above_population").sum())
    least = with_data.sort_values(["coverage", "uninsured"], ascending=[True, False]).head(TOP_N)
    least_covered = pd.DataFrame(least.drop(columns=least.geometry.name)).reset_index(drop=True)

    trend = pd.DataFrame({"period": pd.to_datetime([]), "coverage": []})
    if len(insured):
        trend = cov.coverage_over_time(areas, insured)[["period", "coverage"]]

    districts = gpd.GeoDataFrame(geometry=[], crs=areas.crs)
    if "district_id" in areas and areas["district_id"].notna().any() and scope != "district":
        # Their names (in every language the workspace has) label the briefing's map.
        named = [c for c in areas.columns if c == "district_name" or c.startswith("district_name_")]
        districts = (
            areas[["district_id", *named, areas.geometry.name]]
            .dissolve("district_id", aggfunc="first")
            .reset_index()
        )

    facilities = data.get("facilities")
    access_figures: dict[str, float] = {}
    needs = pd.DataFrame()
    pipeline = pd.DataFrame()
    n_facilities = 0
    if facilities is not None and len(facilities):
        counted = access.available_facilities(facilities)
        # Distances run to every facility (one just outside serves the areas too); the count is
        # of those inside the scope's areas.
        n_facilities = int(counted.geometry.within(areas.geometry.union_all()).sum())
        measured = access.access_by_area(
            areas,
            counted,
            near_km=near_km,
            referral_km=referral_km,
            nearest=None if nearest is None else nearest.reindex(areas.index),
            unit=unit,
        )
        figures_now = access.access_summary(measured)
        table = pd.DataFrame(per_area.drop(columns=per_area.geometry.name)).copy()
        for column in (f"care_{unit}", f"hospital_{unit}"):
            table[column] = measured[column].to_numpy()
        access_figures = {
            "near_km": near_km,
            "referral_km": referral_km,
            "referral_gap_areas": figures_now["areas_referral_gap"],
            "referral_gap_people": figures_now["people_referral_gap"],
            "beyond_care_people": figures_now["people_beyond_care"],
            "beyond_care_areas": figures_now["areas_beyond_care"],
            "care_share": figures_now["share_near_care"],
        }
        needs = access.facility_needs(
            table,
            distance_column=f"care_{unit}",
            near_km=near_km,
            weight="uninsured" if len(insured) else None,
        ).head(TOP_N)
        pipeline = _pipeline_in(facilities, areas)

    partners = _partner_table(per_area, data.get("partners"), data.get("targets"), chosen)
    return Briefing(
        scope=scope,
        scope_id=None if scope == "region" else str(scope_id),
        scope_name=scope_name,
        month=chosen,
        previous_month=previous_month,
        figures=figures,
        previous=previous,
        target_now=target_now,
        areas=per_area,
        districts=districts,
        least_covered=least_covered,
        least_left_out=left_out,
        trend=trend.reset_index(drop=True),
        targets=targets,
        access=access_figures,
        needs=needs.reset_index(drop=True),
        pipeline=pipeline,
        partners=partners,
        n_facilities=n_facilities,
        scope_names=scope_names,
        unit=unit,
        mode=mode if unit == "min" else None,
    )


def _names_by_language(row: pd.DataFrame, column: str) -> dict[str, str]:
    """``{lang: name}`` from the ``<column>_<lang>`` columns of the first row that are filled."""
    if not len(row):
        return {}
    first = row.iloc[0]
    prefix = f"{column}_"
    return {
        c[len(prefix) :]: str(first[c])
        for c in row.columns
        if c.startswith(prefix) and isinstance(first[c], str) and first[c].strip()
    }


def _pipeline_in(facilities: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Facilities under construction or planned inside the scope's areas, soonest first."""
    if "status" not in facilities:
        return pd.DataFrame()
    pending = facilities[
        facilities["status"].isin(["under_construction", "planned"]).fillna(False).to_numpy()
    ]
    if not len(pending):
        return pd.DataFrame()
    inside = pending[pending.geometry.within(areas.geometry.union_all()).to_numpy()]
    columns = [
        c for c in ("facility_id", "name", "type", "status", "opens_on", "beds") if c in inside
    ]
    out = pd.DataFrame(inside[columns]).copy()
    if "opens_on" in out:
        out["opens_on"] = pd.to_datetime(out["opens_on"], errors="coerce")
        out = out.sort_values("opens_on", na_position="last")
    return out.reset_index(drop=True)


def _partner_table(
    per_area: pd.DataFrame,
    partners: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    month: pd.Timestamp | None,
) -> pd.DataFrame:
    """Coverage per responsible partner of the scope's areas (areas with none form one row)."""
    if "partner_id" not in per_area:
        return pd.DataFrame()
    frame = pd.DataFrame(per_area.drop(columns=per_area.geometry.name, errors="ignore"))
    frame["partner_id"] = _text(frame["partner_id"])
    grouped = cov.aggregate_coverage(frame, "partner_id")
    names = {}
    own_targets = {}
    if partners is not None and len(partners):
        names = dict(zip(_text(partners["partner_id"]), partners["name"], strict=False))
        if "target_coverage" in partners:
            own_targets = dict(
                zip(_text(partners["partner_id"]), partners["target_coverage"], strict=False)
            )
    out = grouped[
        ["partner_id", "n_areas", "population", "insured", "coverage", "uninsured"]
    ].copy()
    out["name"] = out["partner_id"].map(lambda p: names.get(p) if isinstance(p, str) else None)
    # The partners' names in other languages (``name_fa``...), for the document's language.
    if partners is not None and len(partners):
        for column in [c for c in partners.columns if c.startswith("name_")]:
            localized = dict(zip(_text(partners["partner_id"]), partners[column], strict=False))
            out[column] = out["partner_id"].map(
                lambda p, by=localized: by.get(p) if isinstance(p, str) else None
            )
    target = []
    for pid in out["partner_id"]:
        value = None
        if isinstance(pid, str) and targets is not None and len(targets):
            value = _latest_at(cov.target_series(targets, pid), month)
        if value is None and isinstance(pid, str):
            raw = own_targets.get(pid)
            value = None if raw is None or pd.isna(raw) else float(raw)
        target.append(np.nan if value is None else value)
    out["target"] = target
    # Named partners first (largest first), the areas with no partner last.
    out["_none"] = out["partner_id"].isna()
    out = out.sort_values(["_none", "population"], ascending=[True, False]).drop(columns="_none")
    return out.reset_index(drop=True)

"""Cached loaders for the Capacity and load page: load, utilisation growth, what-if scenarios.

Like :mod:`ui.data`, every cache takes the session's source (``ctx.source``: the workspace, plus
the partner for a partner's session) and version first, then plain parameters; the analytics live
in :mod:`analytics.capacity` (load), :mod:`analytics.utilisation`, :mod:`analytics.scenarios` and
:mod:`analytics.whatif`. Saving a scenario goes through :mod:`geodata.tables.utilisation`, as a new
workspace version; the facilities table is never changed.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analytics import capacity as cap
from analytics import distance, whatif
from analytics.access import DISTANCE_SETS
from analytics.scenarios import (
    Change,
    changes_to_frame,
    scenario_list,
    sites_after_changes,
    sites_as_changes,
)
from analytics.supply import SERVICES, SITE_TYPES
from analytics.utilisation import (
    facility_districts,
    facility_growth,
    group_growth,
    group_series,
    utilisation_series,
)
from geodata.tables.schema import UTILISATION_MEASURES
from geodata.tables.utilisation import delete_scenario, save_scenario
from geodata.users.audit import Actor
from traveltime import workspace as travel
from ui import data
from ui.capacity.budget import check_whatif, new_sites
from ui.scope import Source, source_path


def facilities(source: Source, version: int) -> gpd.GeoDataFrame:
    return data.table(source, version, "facilities")


def present_services(fac: gpd.GeoDataFrame) -> list[str]:
    """The :data:`analytics.supply.SERVICES` with at least one facility."""
    types = set(fac["type"].dropna().astype(str)) if "type" in fac else set()
    return [name for name, members in SERVICES.items() if types & set(members)]


def settings_for(
    service: str,
    supply: str,
    *,
    near_km: float,
    referral_km: float,
    catchment_km: float,
    decay: bool,
    covered_at: float,
    overload_at: float,
    catchment_unit: str = "km",
) -> whatif.NetworkSettings:
    return whatif.NetworkSettings(
        near_km=float(near_km),
        referral_km=float(referral_km),
        catchment_km=float(catchment_km),
        decay=bool(decay),
        covered_at=float(covered_at),
        supply=None if supply == "facility" else supply,
        service_types=SERVICES[service],
        overload_at=float(overload_at),
        catchment_unit=catchment_unit,
    )


@st.cache_data(show_spinner=False, max_entries=4)
def coverage(source: Source, version: int) -> pd.Series | None:
    """Insured share per area (latest month), aligned on the areas' index; None without counts."""
    if not data.has_insured(source, version):
        return None
    areas = data.tables(source, version)["areas"]
    cov = data.area_coverage(source, version, None, None).set_index("area_id")["coverage"]
    return pd.Series(areas["area_id"].map(cov).to_numpy(), index=areas.index, dtype="float64")


def network_travel(
    source: Source, version: int, settings: whatif.NetworkSettings, mode: str
) -> whatif.TravelMeasure | None:
    """How a network is measured in minutes by ``mode`` over the workspace's roads when
    ``settings`` judge in minutes (:func:`traveltime.workspace.network_travel`); None in km."""
    if settings.catchment_unit != "min":
        return None
    areas = data.tables(source, version)["areas"]
    return travel.network_travel(
        source_path(source),  # the roads are the workspace's; the areas are the scope's
        version,
        areas,
        settings,
        points=distance.area_points(areas),
        mode=mode,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def baseline(
    source: Source, version: int, settings: whatif.NetworkSettings, mode: str = "motorised"
) -> whatif.NetworkResult:
    """The network as it is (operational facilities). Judged in minutes
    (``settings.catchment_unit``), distances to care, capacity and load are measured over the
    trips by ``mode`` on the workspace's roads (:func:`network_travel`)."""
    tables = data.tables(source, version)
    areas, fac = tables["areas"], tables["facilities"]
    measure = network_travel(source, version, settings, mode)
    times = None if measure is None else measure(fac)
    return whatif.evaluate_network(areas, fac, settings, coverage(source, version), travel=times)


@st.cache_data(show_spinner=False, max_entries=16)
def scenario(
    source: Source,
    version: int,
    settings: whatif.NetworkSettings,
    changes: tuple[Change, ...],
    mode: str = "motorised",
) -> whatif.ScenarioResult:
    """The network before and after ``changes`` (refused beyond the what-if's budget,
    :func:`ui.capacity.budget.check_whatif`, before anything is measured); judged in minutes,
    both over the trips by ``mode`` on the roads, the sites it adds reached like any facility."""
    tables = data.tables(source, version)
    check_whatif(changes, new_sites(changes), len(tables["areas"]))
    return whatif.run_scenario(
        tables["areas"],
        tables["facilities"],
        list(changes),
        settings,
        coverage(source, version),
        before=baseline(source, version, settings, mode),
        travel=network_travel(source, version, settings, mode),
    )


def utilisation(source: Source, version: int) -> pd.DataFrame:
    return data.table(source, version, "utilisation")


def measures(source: Source, version: int) -> list[str]:
    """The measures recorded, known ones first (in vocabulary order)."""
    rows = utilisation(source, version)
    present = set(rows["measure"].dropna().astype(str)) if len(rows) else set()
    return [m for m in UTILISATION_MEASURES if m in present] + sorted(
        present - set(UTILISATION_MEASURES)
    )


@st.cache_data(show_spinner=False, max_entries=16)
def growth(source: Source, version: int, measure: str) -> pd.DataFrame:
    """Per facility with records of ``measure``: the latest window and the one before, growth,
    and the facility's name, type, district (its id) and beds."""
    tables = data.tables(source, version)
    fac = tables["facilities"]
    result = facility_growth(tables["utilisation"], measure)
    windows = result.attrs.get("windows")
    info = pd.DataFrame(fac.drop(columns=fac.geometry.name)).set_index("facility_id")
    info = info[~info.index.duplicated()]
    for column in ("name", "type", "beds"):
        values = info[column] if column in info else pd.Series(dtype=object)
        result[column] = result["facility_id"].map(values).to_numpy()
    # The district by its id (named in the reader's language where shown: ui.capacity.growth).
    districts = facility_districts(fac, tables["areas"], "district_id")
    result["district"] = result["facility_id"].map(districts).to_numpy()
    result["per_bed"] = cap.utilisation_per_supply(
        result.set_index("facility_id")["current"], fac, "beds"
    ).to_numpy()
    result.attrs["windows"] = windows
    return result


@st.cache_data(show_spinner=False, max_entries=16)
def district_growth(source: Source, version: int, measure: str) -> pd.DataFrame:
    per_facility = growth(source, version, measure)
    groups = pd.Series(
        per_facility["district"].to_numpy(), index=per_facility["facility_id"].to_numpy()
    )
    return group_growth(per_facility, groups)


@st.cache_data(show_spinner=False, max_entries=16)
def series(source: Source, version: int, measure: str) -> pd.DataFrame:
    return utilisation_series(utilisation(source, version), measure)


@st.cache_data(show_spinner=False, max_entries=16)
def district_series(source: Source, version: int, measure: str) -> pd.DataFrame:
    """``measure`` per district and period (see :func:`analytics.utilisation.group_series`)."""
    per_facility = growth(source, version, measure)
    groups = pd.Series(
        per_facility["district"].to_numpy(), index=per_facility["facility_id"].to_numpy()
    )
    return group_series(utilisation(source, version), measure, groups)


@st.cache_data(show_spinner=False, max_entries=32)
def facility_series(source: Source, version: int, measure: str, facility_id: str) -> pd.DataFrame:
    """``measure`` of one facility per period."""
    return utilisation_series(utilisation(source, version), measure, [facility_id])


def latest_totals(source: Source, version: int, measure: str | None) -> pd.Series:
    """``measure`` per facility in the latest window (complete facilities only)."""
    if measure is None:
        return pd.Series(dtype="float64")
    per_facility = growth(source, version, measure)
    return pd.Series(per_facility["current"].to_numpy(), index=per_facility["facility_id"])


def stored_scenarios(source: Source, version: int) -> pd.DataFrame:
    """Rows of the ``scenarios`` table (empty for a partner's session)."""
    return data.table(source, version, "scenarios")


@st.cache_data(show_spinner=False, max_entries=8)
def comparison(
    source: Source,
    version: int,
    settings: whatif.NetworkSettings,
    extra: tuple[tuple[str, tuple[Change, ...]], ...] = (),
    mode: str = "motorised",
) -> pd.DataFrame:
    """Every stored scenario (and the ``extra`` ones, e.g. the unsaved what-if) against the network
    as it is (judged in minutes: by ``mode`` over the roads); see
    :func:`analytics.whatif.compare_scenarios`. Adds ``name``, ``kinds``,
    ``author`` and ``created`` of the stored ones."""
    tables = data.tables(source, version)
    stored = tables["scenarios"]
    listing = scenario_list(stored)
    wanted: dict[str, object] = {
        sid: stored[stored["scenario_id"] == sid] for sid in listing["scenario_id"]
    }
    wanted.update({label: list(changes) for label, changes in extra})
    for changes in wanted.values():  # every scenario within the what-if's budget
        if isinstance(changes, pd.DataFrame):
            added = int((changes["kind"] == "new_site").sum()) if "kind" in changes else 0
            check_whatif(len(changes), added, len(tables["areas"]))
        else:
            check_whatif(list(changes), new_sites(list(changes)), len(tables["areas"]))
    result = whatif.compare_scenarios(
        tables["areas"],
        tables["facilities"],
        wanted,
        settings,
        coverage(source, version),
        baseline=baseline(source, version, settings, mode),
        travel=network_travel(source, version, settings, mode),
    )
    info = listing.set_index("scenario_id")
    for column in ("name", "kinds", "author", "created"):
        result[column] = result["scenario"].map(info[column]) if len(info) else None
    extra_kinds = {
        label: ", ".join(dict.fromkeys(c.kind for c in changes)) for label, changes in extra
    }
    result["kinds"] = result["kinds"].where(
        result["kinds"].notna(), result["scenario"].map(extra_kinds)
    )
    return result


@st.cache_data(show_spinner=False, max_entries=16)
def sites_after(
    source: Source,
    version: int,
    care: str,
    k: int,
    radius_km: float,
    pending: tuple[Change, ...] = (),
    measure: str = "line",
) -> gpd.GeoDataFrame:
    """The sites the siting tool proposes for the network after the ``pending`` changes (most
    people newly within ``radius_km`` of ``care``; see
    :func:`analytics.scenarios.sites_after_changes`): in a straight line (``measure="line"``),
    or within ``radius_km`` minutes of travel by ``measure`` over the roads, the candidates and
    the facilities reached as on the Infrastructure page (:func:`traveltime.workspace.travel_pairs`)."""
    tables = data.tables(source, version)
    areas = tables["areas"]
    check_whatif(pending, new_sites(pending), len(areas))
    points = distance.area_points(areas)

    def trips(to: gpd.GeoDataFrame) -> pd.DataFrame:
        return travel.travel_pairs(
            source_path(source), version, areas, to, radius_km, points=points, mode=measure
        )

    _, chosen = sites_after_changes(
        areas,
        tables["facilities"],
        list(pending),
        DISTANCE_SETS[care],
        k,
        radius_km,
        trips=None if measure == "line" else trips,
    )
    return chosen


def siting_changes(
    source: Source,
    version: int,
    care: str,
    k: int,
    radius_km: float,
    pending: tuple[Change, ...] = (),
    *,
    supply: str | None = None,
    value: float | None = None,
    measure: str = "line",
) -> list[Change]:
    """New sites proposed by the siting tool for the network after the ``pending`` changes, as
    ``new_site`` changes named after the neighbourhood they are in, each with ``value`` in its
    ``supply`` column (beds, staff or desks) when given. Ids avoid every facility id and every
    id the pending changes use; ``measure`` as for :func:`sites_after` (``radius_km`` then in
    minutes)."""
    chosen = sites_after(source, version, care, int(k), float(radius_km), tuple(pending), measure)
    names = chosen["name"].astype(str).tolist() if "name" in chosen else None
    taken = (
        *facilities(source, version)["facility_id"].astype(str),
        *(c.facility_id for c in pending),
    )
    column = supply if supply in cap.SUPPLY_COLUMNS else None
    return sites_as_changes(
        chosen,
        SITE_TYPES.get(care, "clinic"),
        prefix="NEW",
        taken=taken,
        supply=column,
        value=float(value) if column is not None and value is not None else None,
        names=names,
    )


def next_site_id(source: Source, version: int, pending: tuple[Change, ...] = ()) -> str:
    """The first ``NEW-n`` id that no facility and no pending change uses."""
    taken = {
        *facilities(source, version)["facility_id"].astype(str),
        *(c.facility_id for c in pending),
    }
    number = 1
    while f"NEW-{number}" in taken:
        number += 1
    return f"NEW-{number}"


def save(
    workspace: str,
    changes: list[Change],
    *,
    name: str,
    author: str,
    actor: Actor | None = None,
) -> tuple[int, str]:
    """Save the what-if as a named scenario: a new workspace version (facilities unchanged),
    recorded in the audit trail as ``actor``."""
    frame = changes_to_frame(changes)
    return save_scenario(workspace, frame, name=name, author=author, actor=actor)


def delete(workspace: str, scenario_id: str, *, author: str) -> int:
    """Remove a stored scenario: a new workspace version (older versions still hold it)."""
    return delete_scenario(workspace, scenario_id, author=author)


def load_summary(load: pd.DataFrame) -> dict[str, float]:
    """Headline load figures: facilities, supply, people within reach, people per unit of supply
    (the fair share), facilities over their share, the largest load ratio."""
    attrs = load.attrs
    return {
        "n": float(len(load)),
        "supply": float(np.nansum(load["supply"])) if len(load) else 0.0,
        "within": float(attrs.get("population_within_reach", np.nan)),
        "total": float(attrs.get("population_total", np.nan)),
        "reference": float(attrs.get("reference_value", np.nan)),
        "overloaded": float(load["overloaded"].sum()) if "overloaded" in load else 0.0,
        "max_ratio": float(load["load_ratio"].max())
        if load["load_ratio"].notna().any()
        else np.nan,
    }


__all__ = [
    "baseline",
    "comparison",
    "coverage",
    "district_series",
    "facility_series",
    "growth",
    "measures",
    "network_travel",
    "present_services",
    "save",
    "scenario",
    "series",
    "next_site_id",
    "sites_after",
    "siting_changes",
]

"""The travel-time engines fed from a workspace's stored inputs (``[roads]`` and ``[rasters]``
of its recipe, see :mod:`geodata.sources.inputs`), processed once per stored set of files.

:func:`road_network` (the OpenStreetMap extract read into a graph of travel seconds),
:func:`friction_surface` (land cover, slope and water with the roads burnt in) and
:func:`people_grid` are cached on the stored files a version uses and the mode: a version with
other files is processed again, an old version keeps its own result, and versions that did not
change the files (an insured-count import) share one.

What the caches hold is region-wide, the same for every session whatever its scope: the cached
engines take the stored input files (a road extract, rasters; each kept in a folder named by its
SHA-256) and nothing else, never a workspace's areas or insured counts, which a partner's session
sees only in part. The files are looked up in the version's ``inputs`` table for each call, out
of the caches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics import access, whatif
from analytics.traveltime.catchments import (
    DEFAULT_MINUTES,
    area_catchment_polygons,
    catchment_people,
    catchment_polygons,
    network_reach,
    reach_within,
    uninsured_cells,
)
from analytics.traveltime.friction import snap_to_passable
from analytics.traveltime.network import RoadGraph, network_graph
from analytics.traveltime.speeds import DEFAULT_TABLE, WALK_KMH, road_speeds, walk_speed
from geodata.sources.inputs import input_files
from geodata.sources.rasters import Grid, load_speed_table, polygon_cells, read_grid, sum_onto
from geodata.sources.roads import read_osm_network
from geodata.store.workspace import list_versions, read_workspace, workspace_location
from geodata.tables.problems import DataError
from traveltime.kit import FrictionKit, friction_kit

SNAP_CELLS = 2.0


@dataclass(frozen=True)
class WorkspaceNetwork:
    """A workspace version's road graph, the CRS (metres) its node coordinates are in and the
    walking speed off the roads (km/h, from its speed table:
    :func:`analytics.traveltime.speeds.walk_speed`)."""

    graph: RoadGraph
    crs: object
    walk_kmh: float = WALK_KMH


@dataclass(frozen=True)
class _Inputs:
    """A version's stored input files by role, as the engines' caches key them: paths named by
    the files' SHA-256, so equal keys are equal files (region-wide inputs, no scoped rows)."""

    by_role: tuple[tuple[str, tuple[Path, ...]], ...]

    def files(self) -> dict[str, list[Path]]:
        return {role: list(paths) for role, paths in self.by_role}


def _inputs(stored: _Stored) -> _Inputs:
    """The input files of a version, read from its ``inputs`` table (not cached here: the
    table is the workspace's, read for each call; what the engines make of the files is)."""
    files = input_files(stored.location, stored.version)
    return _Inputs(tuple((role, tuple(paths)) for role, paths in sorted(files.items())))


def _with_roads(inputs: _Inputs) -> dict[str, list[Path]]:
    files = inputs.files()
    if "roads" not in files:
        raise DataError(
            "This workspace version holds no road extract: add a [roads] section to its recipe."
        )
    return files


def _speeds(files: dict[str, list[Path]]) -> dict:
    if "speeds" in files:
        return load_speed_table(files["speeds"][0])
    return DEFAULT_TABLE


@dataclass(frozen=True)
class _Stored:
    """Where a version's stored inputs are: the workspace and the version."""

    location: str
    version: int


def _stored(workspace: str | Path, version: int | None) -> _Stored:
    location = workspace_location(workspace)
    versions = {v.number: v for v in list_versions(location)}
    number = max(versions) if version is None else int(version)
    if number not in versions:
        raise DataError(f"The workspace has no version {number}.")
    if "inputs" not in versions[number].layers:
        raise DataError(
            f"Version {number} of the workspace holds no travel-time inputs: add [roads] and "
            "[rasters] sections to its recipe."
        )
    return _Stored(location, number)


def road_network(
    workspace: str | Path, version: int | None = None, mode: str = "motorised"
) -> WorkspaceNetwork:
    """The road graph of a workspace version (cached: see the module docstring)."""
    return _road_network(_inputs(_stored(workspace, version)), mode)


@lru_cache(maxsize=8)
def _road_network(inputs: _Inputs, mode: str) -> WorkspaceNetwork:
    files = _with_roads(inputs)
    net = read_osm_network(files["roads"][0])
    table = _speeds(files)
    walk = walk_speed(table)
    return WorkspaceNetwork(network_graph(net.xy, net.edges, table, mode, walk), net.crs, walk)


def friction_surface(
    workspace: str | Path, version: int | None = None, mode: str = "motorised"
) -> FrictionKit:
    """The friction surface of a workspace version (cached: see the module docstring)."""
    return _friction_surface(_inputs(_stored(workspace, version)), mode)


@lru_cache(maxsize=8)
def _friction_surface(inputs: _Inputs, mode: str) -> FrictionKit:
    files = _with_roads(inputs)
    if "landcover" not in files:
        raise DataError(
            "This workspace version holds no land-cover rasters: add a [rasters] section to its "
            "recipe."
        )
    folders = {p.parent for paths in files.values() for p in paths if p.suffix == ".tif"}
    kit = _kit_folder(files, folders)
    table = _speeds(files)
    lines = read_osm_network(files["roads"][0]).lines()
    speeds = road_speeds(lines, table, mode=mode)
    return friction_kit(kit, lines, speeds, table, mode=mode)


def elevation_grid(workspace: str | Path, version: int | None = None) -> Grid | None:
    """The elevation raster of a workspace version, if it holds one (for walking on slopes)."""
    files = _inputs(_stored(workspace, version)).files()
    return read_grid(files["elevation"][0]) if "elevation" in files else None


def _kit_folder(files: dict[str, list[Path]], folders: set[Path]) -> Path:
    """A folder holding the rasters under their own names (what ``read_kit`` reads): the stored
    files lie one per folder (named by their SHA-256), so they are linked into one folder named
    by all their digests."""
    import hashlib

    rasters = sorted(p for role in ("landcover", "slope", "water") for p in files.get(role, []))
    key = hashlib.sha256("".join(p.parent.name for p in rasters).encode()).hexdigest()
    folder = next(iter(folders)).parent / f"kit-{key}"
    folder.mkdir(exist_ok=True)
    for path in rasters:
        link = folder / path.name
        if not link.exists():
            try:
                link.symlink_to(path)
            except FileExistsError:
                pass
    return folder


@dataclass(frozen=True)
class Catchments:
    """Per start (facility or proposed site) and time: the people and uninsured inside
    (``table``: ``start``, ``minutes``, ``cells``, ``people``, ``uninsured``) and the catchment as a
    polygon in WGS 84 (``polygons``: ``start``, ``minutes``, geometry); ``stranded``: starts on
    an impassable cell or off the grid (they reach no one); ``moved_cells``: how far each start
    was moved from a sea or no-data cell onto land, in cells (0: not moved; NaN: no land close;
    always 0 over the road network, where a site walks to its nearest road instead)."""

    table: pd.DataFrame
    polygons: gpd.GeoDataFrame
    stranded: np.ndarray
    moved_cells: np.ndarray


def people_grid(workspace: str | Path, version: int | None = None, mode: str = "motorised"):
    """People per cell of the friction grid: the stored population raster summed onto it."""
    return _people_grid(_inputs(_stored(workspace, version)), mode)


@lru_cache(maxsize=8)
def _people_grid(inputs: _Inputs, mode: str) -> np.ndarray:
    """The population raster (region-wide, as stored) on the friction grid: no area's rows."""
    grid = _friction_surface(inputs, mode).friction_s
    files = inputs.files()
    if "population" not in files:
        raise DataError(
            "This workspace version holds no population raster: add population = '….tif' to "
            "the [rasters] section of its recipe."
        )
    return sum_onto(files["population"][0], grid)


def catchments(
    workspace: str | Path,
    lon: np.ndarray,
    lat: np.ndarray,
    minutes=DEFAULT_MINUTES,
    *,
    version: int | None = None,
    mode: str = "motorised",
    period=None,
    engine: str = "surface",
) -> Catchments:
    """Travel-time catchments of facilities or proposed sites (``lon``, ``lat`` in degrees) in a
    workspace version, with the people and, where the areas have insured counts for ``period``
    (the latest by default), the uninsured inside.

    ``engine="surface"``: over the friction surface, counting the population raster's people on
    its cells; ``engine="network"``: over the road network, counting the areas whose measuring
    point (``pop_lon``/``pop_lat``, else a point inside) is reached, the catchment drawn as
    those areas."""
    from analytics.coverage import coverage_by_area

    if engine not in ("surface", "network"):
        raise ValueError(f"engine must be 'surface' or 'network', not {engine!r}")
    stored = _stored(workspace, version)
    tables = read_workspace(stored.location, stored.version)
    areas = tables["areas"]
    share = None
    if not tables["insured"].empty:
        covered = coverage_by_area(areas, tables["insured"], period)
        population = pd.to_numeric(covered["population"], errors="coerce").to_numpy("float64")
        share = np.divide(
            covered["uninsured"].to_numpy("float64"),
            population,
            out=np.full(len(covered), np.nan),
            where=population > 0,
        )
    inputs = _inputs(stored)
    if engine == "network":
        return _network_catchments(inputs, areas, share, lon, lat, minutes, mode)
    surface = _friction_surface(inputs, mode)
    grid = surface.friction_s
    people = _people_grid(inputs, mode)
    uninsured = None
    if share is not None:
        uninsured = uninsured_cells(people, polygon_cells(areas.geometry, grid), share)
    rows, cols = lonlat_cells(grid, lon, lat)
    # a site on the coast often falls on a sea or no-data cell of the 1 km grid: moved to the
    # nearest passable cell within 2 cells, as the comparison script does
    inside = (rows >= 0) & (rows < grid.shape[0]) & (cols >= 0) & (cols < grid.shape[1])
    moved = np.full(len(rows), np.nan)
    if inside.any():
        rows[inside], cols[inside], moved[inside] = snap_to_passable(
            grid.values, rows[inside], cols[inside], max_cells=SNAP_CELLS
        )
    reach = reach_within(grid.values, rows, cols, max(minutes), ns_over_ew=surface.ns_over_ew)
    table = catchment_people(reach, minutes, people, uninsured)
    polygons = catchment_polygons(reach, minutes, grid.transform, grid.crs).to_crs("EPSG:4326")
    return Catchments(table, polygons, reach.stranded, moved)


def _network_catchments(inputs: _Inputs, areas, share, lon, lat, minutes, mode: str) -> Catchments:
    import pyproj

    network = _road_network(inputs, mode)
    to_metres = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    inside_point = areas.geometry.representative_point()
    if "pop_lon" in areas and "pop_lat" in areas:
        a_lon = areas["pop_lon"].astype("float64").fillna(inside_point.x).to_numpy()
        a_lat = areas["pop_lat"].astype("float64").fillna(inside_point.y).to_numpy()
    else:
        a_lon, a_lat = inside_point.x.to_numpy(), inside_point.y.to_numpy()
    origins = np.column_stack(to_metres.transform(a_lon, a_lat))
    sites = np.column_stack(
        to_metres.transform(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"))
    )
    reach = network_reach(
        network.graph,
        sites,
        origins,
        max(minutes),
        walk_kmh=network.walk_kmh,
        direct_walk=True,
        direct_within_legs=True,
    )
    people = pd.to_numeric(areas["population"], errors="coerce").to_numpy("float64")
    uninsured = None if share is None else people * share
    table = catchment_people(reach, minutes, people, uninsured)
    polygons = area_catchment_polygons(reach, minutes, areas.geometry.reset_index(drop=True))
    return Catchments(table, polygons, reach.stranded, np.zeros(len(sites)))


def has_roads(workspace: str | Path, version: int | None = None) -> bool:
    """Whether a workspace version holds a road extract (travel times can be measured)."""
    try:
        stored = _stored(workspace, version)
    except DataError:
        return False
    return "roads" in _inputs(stored).files()


def nearest_minutes(
    workspace: str | Path,
    version: int | None,
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    sets: dict[str, tuple[str, ...]],
    *,
    points: gpd.GeoSeries | None = None,
    mode: str = "motorised",
    id_column: str = "facility_id",
) -> pd.DataFrame:
    """Travel minutes over the workspace version's road network from each area to the nearest
    facility of each set: indexed like ``areas``, ``{name}_min`` (inf where none can be reached,
    NaN where the set has no facility) and ``{name}_id`` for each of ``sets`` — the table
    :func:`analytics.access.access_by_area` takes as ``nearest`` with ``unit="min"``.

    An area is measured from ``points`` (EPSG:4326, aligned on ``areas``; by default each
    area's representative point): a walk to the network, the roads, a walk to the facility, or
    a straight walk to it where quicker, at the speed table's walking speed off the roads
    (:func:`analytics.traveltime.network.nearest_times`, one multi-source Dijkstra per set)."""
    from analytics.traveltime.network import nearest_times

    network = _road_network(_inputs(_stored(workspace, version)), mode)
    origins, fac_xy = _in_metres(network, areas, facilities, points)
    ftype = facilities["type"].to_numpy()
    ids = np.asarray(
        facilities[id_column].to_numpy() if id_column in facilities else facilities.index,
        dtype=object,
    )
    out = pd.DataFrame(index=areas.index)
    for name, members in sets.items():
        minutes = np.full(len(origins), np.nan)
        nearest = np.full(len(origins), None, dtype=object)
        chosen_fac = np.flatnonzero(np.isin(ftype, list(members)))
        if len(chosen_fac) and len(origins):
            times = nearest_times(
                network.graph,
                origins,
                fac_xy[chosen_fac],
                walk_kmh=network.walk_kmh,
                direct_walk=True,
                direct_within_legs=True,
            )
            minutes = times.minutes
            found = times.facility >= 0
            nearest[found] = ids[chosen_fac[times.facility[found]]]
        out[f"{name}_min"] = minutes
        out[f"{name}_id"] = pd.Series(nearest, index=areas.index, dtype=object)
    return out


def _in_metres(
    network: WorkspaceNetwork,
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    points: gpd.GeoSeries | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The areas' measuring points (``points``, else a point inside each area) and the
    facilities, in the network's CRS (metres)."""
    import pyproj

    to_metres = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    where = areas.geometry.representative_point().to_crs(4326)
    if points is not None:
        chosen = points.reindex(areas.index).to_crs(4326)
        where = chosen.where(~(chosen.isna() | chosen.is_empty), where)
    origins = np.column_stack(to_metres.transform(where.x.to_numpy(), where.y.to_numpy()))
    fac_points = facilities.geometry.to_crs(4326)
    fac_xy = np.column_stack(to_metres.transform(fac_points.x.to_numpy(), fac_points.y.to_numpy()))
    return origins.reshape(-1, 2), fac_xy.reshape(-1, 2)


def travel_pairs(
    workspace: str | Path,
    version: int | None,
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    max_minutes: float,
    *,
    points: gpd.GeoSeries | None = None,
    mode: str = "motorised",
) -> pd.DataFrame:
    """Every area–facility pair whose trip over the workspace version's road network fits in
    ``max_minutes``: ``area`` and ``facility`` (row positions in ``areas`` and ``facilities``) and
    ``minutes`` — the ``pairs`` :func:`analytics.fca.two_step_fca` measures capacity by.

    A trip is measured as for :func:`nearest_minutes` (walk to the road, the roads, walk to the
    facility, or a straight walk where quicker); one bounded Dijkstra per batch of facilities
    (:func:`analytics.traveltime.catchments.network_reach`)."""
    network = _road_network(_inputs(_stored(workspace, version)), mode)
    origins, fac_xy = _in_metres(network, areas, facilities, points)
    reach = network_reach(
        network.graph,
        fac_xy,
        origins,
        float(max_minutes),
        walk_kmh=network.walk_kmh,
        direct_walk=True,
        direct_within_legs=True,
    )
    return pd.DataFrame(
        {
            "area": reach.cell.astype("int64"),
            "facility": reach.start.astype("int64"),
            "minutes": reach.seconds / 60.0,
        }
    )


def network_travel(
    workspace: str | Path,
    version: int | None,
    areas: gpd.GeoDataFrame,
    settings: whatif.NetworkSettings,
    *,
    points: gpd.GeoSeries | None = None,
    mode: str = "motorised",
) -> whatif.TravelMeasure:
    """How :func:`analytics.whatif.evaluate_network` judges a facility network in minutes over
    the workspace version's roads: for any facilities (as stored, or after a what-if's changes),
    the minutes from each area to the nearest counted facility of every set
    (:func:`nearest_minutes`) and the trips within ``settings.catchment_km`` minutes to the
    service's facilities (:func:`travel_pairs`). A site a what-if adds is a point reached like
    any facility or siting candidate: a walk to the nearest road, the roads, a walk on, or a
    straight walk where quicker."""

    def measure(facilities: gpd.GeoDataFrame) -> whatif.TravelTimes:
        counted = access.available_facilities(facilities)
        service = whatif.service_facilities(facilities, settings)
        return whatif.TravelTimes(
            nearest=nearest_minutes(
                workspace, version, areas, counted, access.DISTANCE_SETS, points=points, mode=mode
            ),
            pairs=travel_pairs(
                workspace, version, areas, service, settings.catchment_km, points=points, mode=mode
            ),
        )

    return measure


def area_catchments(
    workspace: str | Path,
    version: int | None,
    areas: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    minutes=DEFAULT_MINUTES,
    *,
    points: gpd.GeoSeries | None = None,
    uninsured: np.ndarray | None = None,
    mode: str = "motorised",
) -> Catchments:
    """Travel-time catchments over the road network of facilities or proposed sites (``sites``:
    points) among the given ``areas`` (a scope's rows: only they are counted and drawn): an area
    is inside when the trip from its measuring point (``points``, else a point inside) fits in
    the time, measured as for :func:`nearest_minutes`. ``table`` counts the areas' people and,
    with ``uninsured`` (per area, aligned on ``areas``; NaN = not known), the uninsured inside;
    ``polygons`` unite the areas reached, in WGS 84."""
    network = _road_network(_inputs(_stored(workspace, version)), mode)
    origins, site_xy = _in_metres(network, areas, sites, points)
    minutes = list(minutes)
    reach = network_reach(
        network.graph,
        site_xy,
        origins,
        max(minutes),
        walk_kmh=network.walk_kmh,
        direct_walk=True,
        direct_within_legs=True,
    )
    people = pd.to_numeric(areas["population"], errors="coerce").to_numpy("float64")
    values = None if uninsured is None else np.asarray(uninsured, dtype="float64")
    table = catchment_people(reach, minutes, people, values)
    polygons = area_catchment_polygons(
        reach, minutes, areas.geometry.reset_index(drop=True).to_crs(4326)
    )
    return Catchments(table, polygons, reach.stranded, np.zeros(len(site_xy)))


def lonlat_cells(grid: Grid, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The friction grid's cell (row, col) of points given in degrees."""
    import pyproj

    to_grid = pyproj.Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True)
    x, y = to_grid.transform(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"))
    return grid.cells_of(x, y)

"""``python -m traveltime``: travel time to the nearest facility, offline.

- ``raster``: a cost raster in seconds plus a nearest-facility raster (GRASS ``r.cost -k`` rules)
  from a speed or friction GeoTIFF, or from a folder of land-cover / slope / water rasters with
  the roads of an OpenStreetMap extract burnt in;
- ``network``: a table of minutes from points to their nearest facility over the roads of an
  OpenStreetMap extract (``.osm.pbf``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics.traveltime.speeds import DEFAULT_TABLE, MODES, WALK_KMH

FRICTION_UNITS = {"s/cell": None, "s/m": 1.0, "min/m": 60.0}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m traveltime", description=__doc__)
    sub = parser.add_subparsers(dest="engine", required=True)

    raster = sub.add_parser("raster", help="cost raster (seconds) and nearest-facility raster")
    source = raster.add_mutually_exclusive_group(required=True)
    source.add_argument("--kit", type=Path, help="folder with landcover_*.tif, slope.tif, water")
    source.add_argument("--speed", type=Path, help="a speed GeoTIFF in km/h (0 = impassable)")
    source.add_argument("--friction", type=Path, help="a friction GeoTIFF (see --friction-unit)")
    raster.add_argument(
        "--friction-unit",
        choices=sorted(FRICTION_UNITS),
        default="s/m",
        help="s/m, min/m (the Malaria Atlas Project surfaces) or s/cell (default s/m)",
    )
    raster.add_argument("--osm", type=Path, help="with --kit: roads burnt in from this extract")
    raster.add_argument("--cost-out", type=Path, required=True, help="cost GeoTIFF (seconds)")
    raster.add_argument(
        "--nearest-out", type=Path, help="GeoTIFF of the nearest facility's row number (1-based)"
    )
    raster.add_argument("--no-knight", action="store_true", help="8 moves instead of 16")
    raster.add_argument(
        "--elevation",
        type=Path,
        help="an elevation GeoTIFF (m) on the same grid: walking time on slopes (GRASS r.walk)",
    )
    raster.add_argument(
        "--towards",
        action="store_true",
        help="with --elevation: time from each cell to the facility (r.walk: from the facility)",
    )
    raster.add_argument(
        "--refine",
        type=int,
        default=1,
        help="with --kit: split each cell into N × N and burn the roads in at that size",
    )

    network = sub.add_parser("network", help="minutes from points to the nearest facility")
    network.add_argument("--osm", type=Path, required=True, help="an OpenStreetMap .osm.pbf")
    network.add_argument(
        "--origins", type=Path, required=True, help="points: GeoPackage, GeoJSON or CSV lon,lat"
    )
    network.add_argument("--out", type=Path, required=True, help="CSV table written here")
    network.add_argument(
        "--direct-walk",
        action="store_true",
        help="a straight walk to a facility counts too where quicker than the road",
    )

    for command in (raster, network):
        command.add_argument(
            "--facilities", type=Path, required=True, help="GeoPackage/GeoJSON or CSV lon,lat"
        )
        command.add_argument("--mode", choices=MODES, default="motorised")
        command.add_argument("--speeds", type=Path, help="speed table JSON (default: built in)")
        command.add_argument("--walk-kmh", type=float, default=WALK_KMH)
    return parser


def read_points(path: Path) -> gpd.GeoDataFrame:
    """Points from a vector file, or a CSV with lon/lat (or longitude/latitude) columns."""
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path)
        names = {c.lower(): c for c in frame.columns}
        lon = names.get("lon") or names.get("longitude")
        lat = names.get("lat") or names.get("latitude")
        if lon is None or lat is None:
            raise ValueError(f"{path.name}: needs lon and lat columns")
        points = gpd.points_from_xy(frame[lon], frame[lat])
        return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")
    frame = gpd.read_file(path)
    if frame.crs is None:
        raise ValueError(f"{path.name}: the layer has no CRS")
    not_points = frame.geom_type != "Point"
    if not_points.any():
        frame.loc[not_points, "geometry"] = frame.geometry[not_points].representative_point()
    return frame


def _table(args: argparse.Namespace) -> dict:
    from geodata.sources.rasters import load_speed_table

    return load_speed_table(args.speeds) if args.speeds else DEFAULT_TABLE


def _network(args: argparse.Namespace) -> int:
    from analytics.traveltime.network import nearest_times, network_graph
    from geodata.sources.roads import read_osm_network

    net = read_osm_network(args.osm)
    graph = network_graph(net.xy, net.edges, _table(args), args.mode, args.walk_kmh)
    facilities = read_points(args.facilities).to_crs(net.crs)
    origins = read_points(args.origins).to_crs(net.crs)
    result = nearest_times(
        graph,
        np.column_stack([origins.geometry.x, origins.geometry.y]),
        np.column_stack([facilities.geometry.x, facilities.geometry.y]),
        walk_kmh=args.walk_kmh,
        direct_walk=args.direct_walk,
    )
    out = pd.DataFrame(origins.drop(columns="geometry"))
    out["minutes"] = np.round(result.minutes, 2)
    out["facility_row"] = np.where(result.facility >= 0, result.facility + 1, 0)
    if "name" in facilities:
        names = facilities["name"].astype("string").to_numpy()
        out["facility_name"] = np.where(result.facility >= 0, names[result.facility], None)
    out["walk_to_road_m"] = np.round(result.origin_snap_m, 1)
    out["cut_off"] = result.cut_off
    out.to_csv(args.out, index=False)
    reached = np.isfinite(result.seconds)
    print(f"Network: {graph.n_nodes:,} nodes, {graph.seconds.nnz:,} directed edges ({args.mode}).")
    print(
        f"Facilities: {len(facilities)}, walk from the road up to "
        f"{np.nanmax(result.facility_snap_m):,.0f} m (median "
        f"{np.nanmedian(result.facility_snap_m):,.0f} m)."
    )
    print(
        f"Origins: {len(origins):,}; {int(reached.sum()):,} reach a facility, median "
        f"{np.median(result.minutes[reached]) if reached.any() else float('nan'):.1f} min; "
        f"{int(result.cut_off.sum()):,} on a part of the network without a facility; "
        f"walk to the road up to {np.nanmax(result.origin_snap_m):,.0f} m."
    )
    print(f"Table written to {args.out}")
    return 0


def _raster(args: argparse.Namespace) -> int:
    from analytics.traveltime.friction import cost_distance, friction_from_speed
    from analytics.traveltime.speeds import road_speeds
    from geodata.sources.rasters import read_grid, write_grid
    from traveltime.kit import friction_kit

    table = _table(args)
    if args.kit:
        if args.osm:
            from geodata.sources.roads import read_osm_network

            lines = read_osm_network(args.osm).lines()
        elif (args.kit / "roads.gpkg").exists():
            lines = gpd.read_file(args.kit / "roads.gpkg")
            if (args.kit / "ferry.gpkg").exists():
                lines = pd.concat([lines, gpd.read_file(args.kit / "ferry.gpkg")])
        else:
            raise ValueError("--kit needs --osm, or roads.gpkg in the folder")
        speeds = road_speeds(lines, table, mode=args.mode, walk_kmh=args.walk_kmh)
        kit = friction_kit(args.kit, lines, speeds, table, mode=args.mode, refine=args.refine)
        grid, friction, ratio = kit.friction_s, kit.friction_s.values, kit.ns_over_ew
        print(f"Friction from {args.kit}: {kit.barrier_cells:,} barrier cells (water, slope).")
    else:
        grid = read_grid(args.speed or args.friction)
        ew, ns = grid.cell_size_m()
        ratio = ns / ew
        if args.speed:
            friction = friction_from_speed(np.nan_to_num(grid.values, nan=0.0), ew)
        else:
            per_m = FRICTION_UNITS[args.friction_unit]
            friction = grid.values if per_m is None else grid.values * per_m * ew
    facilities = read_points(args.facilities).to_crs(grid.crs)
    rows, cols = grid.cells_of(facilities.geometry.x, facilities.geometry.y)
    rows_n, cols_n = grid.shape
    inside = (rows >= 0) & (rows < rows_n) & (cols >= 0) & (cols < cols_n)
    if args.elevation:
        from analytics.traveltime.friction import walk_cost_distance

        elevation = read_grid(args.elevation)
        if elevation.shape != grid.shape:
            raise ValueError(
                f"{args.elevation.name}: grid {elevation.shape} differs from {grid.shape}"
            )
        ew, ns = grid.cell_size_m()
        result = walk_cost_distance(
            friction / ew,  # r.walk's friction is per metre
            elevation.values,
            rows[inside],
            cols[inside],
            ew_m=ew,
            ns_m=ns,
            knight=not args.no_knight,
            towards=args.towards,
        )
    else:
        result = cost_distance(
            friction, rows[inside], cols[inside], ns_over_ew=ratio, knight=not args.no_knight
        )
    write_grid(args.cost_out, grid.like(result.cost))
    if args.nearest_out:
        row_number = np.flatnonzero(inside)
        nearest = np.where(result.nearest >= 0, row_number[result.nearest] + 1, 0)
        write_grid(args.nearest_out, grid.like(nearest.astype("float64")), "int32", nodata=0)
    print(
        f"Cost raster {args.cost_out} ({grid.shape[0]} × {grid.shape[1]} cells): "
        f"{int(np.isfinite(result.cost).sum()):,} cells reached, "
        f"up to {np.nanmax(result.cost) / 60 if np.isfinite(result.cost).any() else 0:,.1f} min."
    )
    outside = int((~inside).sum())
    if outside or len(result.stranded):
        print(
            f"Facilities not used: {outside} outside the grid, {len(result.stranded)} on an "
            "impassable cell (water, steep slope, no data)."
        )
    return 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        return _network(args) if args.engine == "network" else _raster(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

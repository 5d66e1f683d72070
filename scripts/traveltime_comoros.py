"""Straight line vs road network vs friction surface on the Comoros: who is within 15/30/60 minutes.

    .venv/bin/python scripts/traveltime_comoros.py [--kit ../shared/data/comoros_geohealthaccess]

Origins: the 203,208 populated cells of the WorldPop 2020 100 m raster (869,595 people), each at
its centre with its population. Facilities: the kit's 70 OpenStreetMap health facilities.

- straight line: distance to the nearest facility at a fixed speed (motorised 20 km/h, so 5 / 10 /
  20 km stand for 15 / 30 / 60 minutes; walking 5 km/h);
- road network: ``analytics.traveltime.network`` on the OSM extract (walk to the road, the road,
  walk to the facility; or a straight walk when quicker);
- friction surface: ``analytics.traveltime.friction`` (GRASS ``r.cost -k`` rules) on the kit's
  1 km grid; a population cell takes the cost of its 1 km cell, or of the nearest reached cell
  within 2 cells where its own is sea, a barrier or outside the grid.

Misclassified: people the method puts on the other side of the threshold than the road network
does (counted within X minutes but not within by road, plus the reverse). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import rasterio
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.traveltime.friction import cost_distance, snap_to_passable  # noqa: E402
from analytics.traveltime.network import nearest_times, network_graph  # noqa: E402
from analytics.traveltime.speeds import DEFAULT_TABLE, road_speeds  # noqa: E402
from geodata.sources.roads import read_osm_network  # noqa: E402
from traveltime.kit import friction_kit  # noqa: E402

THRESHOLDS = (15, 30, 60)
STRAIGHT_KMH = {"motorised": 20.0, "walking": 5.0}


def population_points(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with rasterio.open(path) as src:
        values = src.read(1, masked=True)
        rows, cols = np.nonzero(~np.ma.getmaskarray(values) & (values.filled(0) > 0))
        t = src.transform
        lon = t.c + (cols + 0.5) * t.a + (rows + 0.5) * t.b
        lat = t.f + (cols + 0.5) * t.d + (rows + 0.5) * t.e
        return lon, lat, values.data[rows, cols].astype("float64")


def surface_minutes(kit_dir, lines, mode, refine, health, lon, lat):
    """Minutes from each population point over the friction surface, and its nearest facility."""
    speeds = road_speeds(lines, DEFAULT_TABLE, mode=mode)
    kit = friction_kit(kit_dir, lines, speeds, DEFAULT_TABLE, mode, refine=refine)
    grid = kit.friction_s
    friction = grid.values
    g_to = pyproj.Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True)
    fx, fy = g_to.transform(health.geometry.x.to_numpy(), health.geometry.y.to_numpy())
    f_rows, f_cols = grid.cells_of(fx, fy)
    # a coastal facility on a sea / no-data cell moves to the nearest land cell within 2 km
    f_rows, f_cols, moved = snap_to_passable(friction, f_rows, f_cols, max_cells=2 * refine)
    surface = cost_distance(friction, f_rows, f_cols, ns_over_ew=kit.ns_over_ew)
    ox, oy = g_to.transform(lon, lat)
    o_rows, o_cols = grid.cells_of(ox, oy)
    n_rows, n_cols = grid.shape
    inside = (o_rows >= 0) & (o_rows < n_rows) & (o_cols >= 0) & (o_cols < n_cols)
    o_rows, o_cols = np.clip(o_rows, 0, n_rows - 1), np.clip(o_cols, 0, n_cols - 1)
    reached_cells = np.where(np.isfinite(surface.cost), 1.0, np.nan)
    s_rows, s_cols, s_moved = snap_to_passable(reached_cells, o_rows, o_cols, max_cells=2 * refine)
    ok = inside & np.isfinite(s_moved)
    minutes = np.where(ok, surface.cost[s_rows, s_cols] / 60.0, np.inf)
    facility = np.where(ok, surface.nearest[s_rows, s_cols], -1)
    notes = {
        "barrier cells": kit.barrier_cells,
        "facilities moved": int((moved > 0).sum()),
        "from a neighbouring cell": ok & (s_moved > 0),
        "cells": f"{grid.shape[0]} × {grid.shape[1]}",
    }
    return minutes, facility, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kit", type=Path, default=ROOT.parent / "shared" / "data" / "comoros_geohealthaccess"
    )
    args = parser.parse_args(argv)
    kit_dir = args.kit

    started = time.perf_counter()
    net = read_osm_network(kit_dir / "comores-latest.osm.pbf")
    read_s = time.perf_counter() - started
    lon, lat, people = population_points(kit_dir / "population.tif")
    total = people.sum()
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)
    origins = np.column_stack(to_utm.transform(lon, lat))
    health = gpd.read_file(kit_dir / "health.gpkg")
    fac_xy = np.column_stack(to_utm.transform(health.geometry.x, health.geometry.y))
    straight_m, straight_f = cKDTree(fac_xy).query(origins)
    lines = net.lines()

    print(
        f"Comoros: {len(people):,} populated 100 m cells, {total:,.0f} people, "
        f"{len(health)} facilities; network {len(net.xy):,} nodes, {len(net.edges):,} edges "
        f"(read in {read_s:.1f} s).\n"
    )
    for mode in ("motorised", "walking"):
        t0 = time.perf_counter()
        graph = network_graph(net.xy, net.edges, DEFAULT_TABLE, mode)
        road = nearest_times(graph, origins, fac_xy)
        road_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        surfaces = {}
        for refine, label in ((1, "1 km"), (10, "100 m")):
            surfaces[label] = surface_minutes(kit_dir, lines, mode, refine, health, lon, lat)
        surf_s = time.perf_counter() - t0

        methods = {
            f"straight line ({STRAIGHT_KMH[mode]:.0f} km/h)": (
                straight_m / 1000 / STRAIGHT_KMH[mode] * 60,
                straight_f,
            ),
            "road network": (road.minutes, road.facility),
        }
        for label, (minutes, facility, _) in surfaces.items():
            methods[f"friction surface ({label}, r.cost -k)"] = (minutes, facility)
        print(f"### {mode.capitalize()}\n")
        head = " | ".join(f"≤ {t} min" for t in THRESHOLDS)
        wrong = " | ".join(f"misclassified {t} min" for t in THRESHOLDS)
        print(f"| method | {head} | {wrong} | other nearest facility |")
        print("|---" * (2 + 2 * len(THRESHOLDS)) + "|")
        ref_min, ref_fac = methods["road network"]
        for name, (minutes, facility) in methods.items():
            shares = [people[minutes <= t].sum() / total for t in THRESHOLDS]
            cells = [f"{s:.1%}" for s in shares]
            if name == "road network":
                missed = ["—"] * len(THRESHOLDS)
                other = "—"
            else:
                missed = []
                for t in THRESHOLDS:
                    over = people[(minutes <= t) & ~(ref_min <= t)].sum()
                    under = people[~(minutes <= t) & (ref_min <= t)].sum()
                    missed.append(f"{(over + under) / total:.1%} (+{over:,.0f} / −{under:,.0f})")
                other = f"{people[facility != ref_fac].sum() / total:.1%}"
            print(f"| {name} | {' | '.join(cells)} | {' | '.join(missed)} | {other} |")
        print(
            f"\nRoad network: walk to the road median {np.median(road.origin_snap_m):,.0f} m, "
            f"max {road.origin_snap_m.max():,.0f} m; facilities up to "
            f"{road.facility_snap_m.max():,.0f} m from a road; "
            f"{people[road.cut_off].sum() / total:.1%} of people on a piece of the network "
            f"without a facility ({int(road.cut_off.sum()):,} cells); unreachable: "
            f"{people[~np.isfinite(road.seconds)].sum():,.0f} people; {road_s:.2f} s.\n"
            f"Friction surfaces ({surf_s:.1f} s for both): "
            + "; ".join(
                f"{label} ({notes['cells']} cells): {notes['barrier cells']:,} barrier cells, "
                f"{notes['facilities moved']} facilities moved to a land cell, "
                f"{people[notes['from a neighbouring cell']].sum():,.0f} people read from a "
                f"neighbouring cell, {people[~np.isfinite(minutes)].sum():,.0f} not reached"
                for label, (minutes, _, notes) in surfaces.items()
            )
            + ".\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

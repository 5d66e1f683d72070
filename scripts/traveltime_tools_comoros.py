"""The Infrastructure page's tools in travel minutes on the Comoros workspace (#19): siting within
30 minutes against siting within 5 km, hospitals' 2SFCA catchments, one facility's catchments.

    .venv/bin/python -m geodata build tests/recipes/comoros.toml --out /tmp/comoros.gpkg
    .venv/bin/python scripts/traveltime_tools_comoros.py /tmp/comoros.gpkg

Every figure comes from the function the page calls (``traveltime.workspace.travel_pairs``,
``analytics.siting.choose_sites``, ``analytics.fca.two_step_fca``,
``traveltime.workspace.area_catchments``), motorised, from each area's measuring point.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import access, distance, fca, siting  # noqa: E402
from geodata.store.workspace import read_workspace  # noqa: E402
from traveltime import workspace as travel  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    path = parser.parse_args().workspace
    tables = read_workspace(path)
    areas = tables["areas"]
    demand = areas[["area_id", "name", "population", "geometry"]].copy()
    counted = access.available_facilities(tables["facilities"])
    care = counted[counted["type"].isin(access.DISTANCE_SETS["care"])]
    points = distance.area_points(areas)
    people = demand["population"].fillna(0).to_numpy()
    travel.road_network(path)  # read once: the timings below are the page's, network cached

    start = time.perf_counter()
    to_sites = travel.travel_pairs(
        path, None, demand, gpd.GeoDataFrame(geometry=points), 30.0, points=points
    )
    to_care = travel.travel_pairs(path, None, demand, care, 30.0, points=points)
    seconds = time.perf_counter() - start
    by_time, _ = siting.choose_sites(
        demand, care, 3, 30.0, points=points, pairs=to_sites, existing_pairs=to_care
    )
    by_line, _ = siting.choose_sites(demand, care, 3, 5.0, points=points)
    cover = siting.travel_cover(to_sites, len(demand), len(demand), 30.0)
    before = (
        np.asarray(siting.travel_cover(to_care, len(demand), len(care), 30.0).sum(axis=1)).ravel()
        > 0
    )
    after = before | (np.asarray(cover[:, by_line.chosen].sum(axis=1)).ravel() > 0)
    print(f"trips to {len(demand)} candidate sites and {len(care)} facilities: {seconds:.1f} s")
    print(
        f"3 sites within 30 min: {by_time.share_before:.1%} -> {by_time.share_after:.1%} "
        f"(+{by_time.gain:,.0f} people, {by_time.method})"
    )
    print(
        f"3 sites within 5 km: +{by_line.gain:,.0f} people within 5 km, "
        f"+{people[after].sum() - people[before].sum():,.0f} within 30 min"
    )

    hospitals = counted[counted["type"] == "hospital"]
    pairs = travel.travel_pairs(path, None, areas, hospitals, 30.0, points=points)
    minutes = fca.two_step_fca(areas, hospitals, catchment_km=30.0, supply=None, pairs=pairs)
    line = fca.two_step_fca(areas, hospitals, catchment_km=10.0, supply=None, points=points)
    print(
        f"no hospital in a 30-minute catchment: {people[minutes['access'].to_numpy() <= 0].sum():,.0f}"
        f" people; in a 10 km one: {people[line['access'].to_numpy() <= 0].sum():,.0f}"
    )
    start = time.perf_counter()
    one = travel.area_catchments(path, None, areas, counted.iloc[[0]], points=points)
    print(f"catchments of one facility: {time.perf_counter() - start:.2f} s")
    print(one.table[["minutes", "cells", "people"]].to_string(index=False))


if __name__ == "__main__":
    main()

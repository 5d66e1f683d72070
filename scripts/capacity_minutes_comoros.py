"""The Capacity page's load and what-if in travel minutes on the Comoros workspace (#19): each
service's facilities over their share within 10 km in a straight line against within 30 minutes by
road, and one what-if (the hospital nearest to the most people by road closes) judged in km and in
minutes.

    .venv/bin/python -m geodata build tests/recipes/comoros.toml --out /tmp/comoros.gpkg
    .venv/bin/python scripts/capacity_minutes_comoros.py /tmp/comoros.gpkg

Every figure comes from the functions the page calls (``analytics.whatif.evaluate_network`` and
``run_scenario``, given ``traveltime.workspace.network_travel`` in minutes), motorised, each
facility counting 1; the thresholds are the pages' defaults (care within 2 km or 30 minutes, a
hospital within 10 km or 60 minutes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import access, distance, whatif  # noqa: E402
from analytics.scenarios import Change  # noqa: E402
from analytics.supply import SERVICES  # noqa: E402
from geodata.store.workspace import read_workspace  # noqa: E402
from traveltime import workspace as travel  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    path = parser.parse_args().workspace
    tables = read_workspace(path)
    areas, fac = tables["areas"], tables["facilities"]
    points = distance.area_points(areas)
    for service in ("care", "hospital"):
        line = whatif.NetworkSettings(supply=None, service_types=SERVICES[service])
        minutes = _in_minutes(service)
        measure = travel.network_travel(path, None, areas, minutes, points=points)
        measure(fac.iloc[0:0])  # the roads read once
        start = time.perf_counter()
        by_road = whatif.evaluate_network(areas, fac, minutes, travel=measure(fac))
        seconds = time.perf_counter() - start
        for name, result in (
            ("10 km", whatif.evaluate_network(areas, fac, line)),
            ("30 min", by_road),
        ):
            load = result.load
            print(
                f"{service:8} {name:6} facilities {len(load)}, over 1.5x their share "
                f"{int(load['overloaded'].sum())}, largest load ratio {load['load_ratio'].max():.2f}, "
                f"people within reach {load.attrs['population_within_reach']:,.0f}"
            )
        print(f"{service:8} 30-minute network with its travel times: {seconds:.2f} s")
    what_if(path, areas, fac, points)


def _in_minutes(service: str) -> whatif.NetworkSettings:
    return whatif.NetworkSettings(
        near_km=access.NEAR_MIN,
        referral_km=access.REFERRAL_MIN,
        catchment_km=30.0,
        supply=None,
        service_types=SERVICES[service],
        catchment_unit="min",
    )


def what_if(path, areas, fac, points) -> None:
    """Close the hospital nearest to the most people by road: its effect in km and in minutes."""
    counted = access.available_facilities(fac)
    nearest = travel.nearest_minutes(
        path, None, areas, counted, access.DISTANCE_SETS, points=points
    )
    people = areas["population"].groupby(nearest["hospital_id"].to_numpy()).sum()
    closed = str(people.idxmax())
    name = fac.loc[fac["facility_id"].astype(str) == closed, "name"].iloc[0]
    print(f"what-if: close hospital {closed} ({name}), nearest by road to {people.max():,.0f}")
    minutes = _in_minutes("hospital")
    line = whatif.NetworkSettings(supply=None, service_types=SERVICES["hospital"])
    measure = travel.network_travel(path, None, areas, minutes, points=points)
    start = time.perf_counter()
    by_road = whatif.run_scenario(areas, fac, [Change("close", closed)], minutes, travel=measure)
    seconds = time.perf_counter() - start
    by_line = whatif.run_scenario(areas, fac, [Change("close", closed)], line)
    for label, result in (("10 km", by_line), ("60 min", by_road)):
        b, a = result.before.summary, result.after.summary
        changed = int(result.by_area["changed"].sum())
        print(
            f"  {label:6} people with no hospital in reach {b['people_referral_gap']:,.0f} -> "
            f"{a['people_referral_gap']:,.0f} (+{a['people_referral_gap'] - b['people_referral_gap']:,.0f}), "
            f"neighbourhoods changed {changed}, largest hospital load ratio "
            f"{b['max_load_ratio']:.2f} -> {a['max_load_ratio']:.2f}"
        )
    print(f"  the what-if in minutes (both networks over the roads): {seconds:.2f} s")


if __name__ == "__main__":
    main()

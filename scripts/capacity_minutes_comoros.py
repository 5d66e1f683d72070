"""The Capacity page's load in travel minutes on the Comoros workspace (#19): each service's
facilities over their share within 10 km in a straight line against within 30 minutes by road.

    .venv/bin/python -m geodata build tests/recipes/comoros.toml --out /tmp/comoros.gpkg
    .venv/bin/python scripts/capacity_minutes_comoros.py /tmp/comoros.gpkg

Every figure comes from the function the page calls (``analytics.whatif.evaluate_network``, given
``traveltime.workspace.travel_pairs`` in minutes), motorised, each facility counting 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import distance, whatif  # noqa: E402
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
        minutes = whatif.NetworkSettings(
            supply=None, service_types=SERVICES[service], catchment_km=30.0, catchment_unit="min"
        )
        service_fac = whatif.service_facilities(fac, minutes)
        travel.travel_pairs(path, None, areas, service_fac, 1.0, points=points)  # roads read once
        start = time.perf_counter()
        pairs = travel.travel_pairs(path, None, areas, service_fac, 30.0, points=points)
        by_road = whatif.evaluate_network(areas, fac, minutes, pairs=pairs)
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
        print(f"{service:8} 30-minute load with its travel pairs: {seconds:.2f} s")


if __name__ == "__main__":
    main()

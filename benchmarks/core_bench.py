"""Foundation workloads: coverage aggregation and the map payload.

Each record names the workload, its size, the time (or bytes) of our path and of a baseline measured
in the same run, and their ratio (baseline ÷ ours: above 1 means ours is faster / smaller).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analytics.coverage import aggregate_coverage, coverage_by_area


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic_region(
    n_areas: int, n_months: int, seed: int = 7
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A grid of square areas in ~100 districts with 3 schemes of monthly insured counts."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_areas)))
    ix, iy = np.divmod(np.arange(n_areas), side)
    size = 0.005
    geoms = shapely.box(51 + ix * size, 35 + iy * size, 51 + (ix + 1) * size, 35 + (iy + 1) * size)
    population = rng.integers(2_000, 60_000, n_areas)
    areas = gpd.GeoDataFrame(
        {
            "area_id": [f"A{i:06d}" for i in range(n_areas)],
            "name": [f"Area {i}" for i in range(n_areas)],
            "population": pd.array(population, dtype="Int64"),
            "district_id": [
                f"D{d:03d}" for d in (ix // max(side // 10, 1)) * 10 + iy // max(side // 10, 1)
            ],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    periods = pd.date_range("2024-01-01", periods=n_months, freq="MS")
    schemes = np.array(["health", "social_security", "voluntary"])
    idx = np.arange(n_areas).repeat(n_months * 3)
    insured = pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy()[idx],
            "period": np.tile(periods.repeat(3), n_areas),
            "scheme": np.tile(schemes, n_areas * n_months),
            "insured": pd.array(
                (population[idx] * rng.uniform(0.1, 0.32, idx.size)).astype(int), dtype="Int64"
            ),
        }
    )
    return areas, insured


def naive_district_totals(per_area: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Baseline: a Python loop over rows, as a spreadsheet macro would add them up."""
    totals: dict[str, list[float]] = {}
    for row in per_area.itertuples(index=False):
        if pd.isna(row.population) or pd.isna(row.insured) or row.population <= 0:
            continue
        acc = totals.setdefault(row.district_id, [0.0, 0.0])
        acc[0] += row.population
        acc[1] += row.insured
    return {d: (p, i / p) for d, (p, i) in totals.items()}


def run(scale: float = 1.0) -> list[dict]:
    records: list[dict] = []
    n_areas = max(int(20_000 * scale), 100)
    areas, insured = synthetic_region(n_areas, 12)
    per_area = coverage_by_area(areas, insured)
    ours = best_of(lambda: aggregate_coverage(per_area, "district_id"))
    base = best_of(lambda: naive_district_totals(per_area), repeat=1)
    check = aggregate_coverage(per_area, "district_id").set_index("district_id")["coverage"]
    naive = naive_district_totals(per_area)
    assert np.allclose([naive[d][1] for d in check.index], check.to_numpy())
    records.append(
        {
            "workload": "district coverage from area figures (population-weighted)",
            "n": n_areas,
            "unit": "s",
            "ours": ours,
            "baseline": "Python loop over rows",
            "baseline_value": base,
            "ratio": base / ours,
        }
    )
    ours = best_of(lambda: coverage_by_area(areas, insured))
    records.append(
        {
            "workload": "coverage per area for a month (3 schemes, 12 months of rows)",
            "n": n_areas,
            "unit": "s",
            "ours": ours,
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
        }
    )
    records += payload_records()
    return records


def payload_records() -> list[dict]:
    """GeoJSON bytes sent to the browser: simplified display geometry vs full geometry."""
    from geodata.sources.demo import build_demo_tables
    from render.simplify import simplify_for_display

    records = []
    layers = {"demo neighbourhoods": build_demo_tables()["areas"]}
    try:
        from pathlib import Path

        from geodata.sources.recipe import build_from_recipe

        recipe = Path(__file__).resolve().parents[1] / "tests" / "recipes" / "tehran.toml"
        if (recipe.parent / "../../../shared/data").resolve().is_dir():
            layers["Tehran neighbourhoods (real)"] = build_from_recipe(recipe)[0]["areas"]
    except Exception:  # real data is optional for benchmarks
        pass

    def sent_bytes(frame: gpd.GeoDataFrame) -> int:
        # The map builder sends coordinates rounded to 6 decimals (about 0.1 m); measure the same.
        rounded = frame.set_geometry(
            shapely.transform(frame.geometry.to_numpy(), lambda xy: np.round(xy, 6))
        )
        return len(rounded.to_json().encode())

    for name, areas in layers.items():
        frame = areas[["area_id", "geometry"]]
        full = sent_bytes(frame)
        start = time.perf_counter()
        simplified = simplify_for_display(frame)
        seconds = time.perf_counter() - start
        small = sent_bytes(simplified)
        records.append(
            {
                "workload": f"map payload, {name} ({len(frame)} polygons)",
                "n": len(frame),
                "unit": "bytes",
                "ours": small,
                "baseline": "full geometry",
                "baseline_value": full,
                "ratio": full / small,
                "note": f"simplification took {seconds:.2f} s (cached per workspace version)",
            }
        )
    return records

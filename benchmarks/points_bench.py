"""Person points into areas: the chunked STRtree count against a plain ``geopandas.sjoin``.

10 million person records (``scale`` 1.0) with a location, enrolment date and scheme, written as a
CSV, are counted per area, month and scheme into the 375 Tehran neighbourhoods (a synthetic grid of
375 squares where ``../shared/data`` is absent). Ours reads the CSV in chunks
(:func:`geodata.persons.points.count_points_in_areas`); the baseline reads it whole, builds one point
GeoDataFrame and calls ``geopandas.sjoin``. Each side runs in its own process, so its peak memory
(max RSS) is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
TEHRAN = ROOT.parent / "shared" / "data" / "tehran_mahalat_amlaknama" / "Mahalat_Tehran.shp"

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import geopandas as gpd, pandas as pd
areas = gpd.read_parquet({areas!r})
start = time.perf_counter()
if {side!r} == "ours":
    from geodata.persons.points import count_points_in_areas
    counts = count_points_in_areas({csv!r}, areas, lat="lat", lon="lon", date="date",
                                   scheme="scheme", chunk_rows=1_000_000).counts
    total = int(counts["insured"].sum())
else:
    frame = pd.read_csv({csv!r}, dtype={{"lat": "float64", "lon": "float64", "date": str,
                                          "scheme": str}})
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
                              crs="EPSG:4326")
    joined = gpd.sjoin(points, areas[["area_id", "geometry"]], how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    period = pd.to_datetime(joined["date"]).dt.to_period("M").dt.to_timestamp()
    counts = joined.groupby(["area_id", period, "scheme"]).size()
    total = int(counts.sum())
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": seconds, "peak": peak, "total": total}}))
"""


def _areas() -> gpd.GeoDataFrame:
    if TEHRAN.exists():
        frame = gpd.read_file(TEHRAN).to_crs("EPSG:4326")
        return gpd.GeoDataFrame(
            {"area_id": frame["code"].astype(str)}, geometry=frame.geometry, crs="EPSG:4326"
        )
    ix, iy = np.divmod(np.arange(375), 20)
    geoms = shapely.box(
        51.1 + ix * 0.027, 35.57 + iy * 0.013, 51.127 + ix * 0.027, 35.583 + iy * 0.013
    )
    return gpd.GeoDataFrame(
        {"area_id": [f"A{i}" for i in range(375)]}, geometry=geoms, crs="EPSG:4326"
    )


def _write_points(path: Path, n: int, bounds: np.ndarray, seed: int = 11) -> None:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = bounds
    dates = pd.date_range("2024-01-01", periods=24, freq="MS").strftime("%Y-%m-%d").to_numpy()
    schemes = np.array(["health", "social_security", "voluntary", "household"])
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("lat,lon,date,scheme\n")
        for start in range(0, n, 1_000_000):
            m = min(1_000_000, n - start)
            chunk = pd.DataFrame(
                {
                    "lat": rng.uniform(miny, maxy, m).round(6),
                    "lon": rng.uniform(minx, maxx, m).round(6),
                    "date": dates[rng.integers(0, len(dates), m)],
                    "scheme": schemes[rng.integers(0, len(schemes), m)],
                }
            )
            chunk.to_csv(handle, header=False, index=False)


def _measure(side: str, csv: Path, areas: Path) -> dict:
    code = _CHILD.format(root=str(ROOT), areas=str(areas), csv=str(csv), side=side)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(scale: float = 1.0) -> list[dict]:
    n = max(int(10_000_000 * scale), 1000)
    areas = _areas()
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "people.csv"
        parquet = Path(folder) / "areas.parquet"
        areas.to_parquet(parquet)
        _write_points(csv, n, areas.total_bounds)
        ours = _measure("ours", csv, parquet)
        base = _measure("sjoin", csv, parquet)
    if ours["total"] != base["total"]:
        raise AssertionError(f"counts differ: ours {ours['total']}, sjoin {base['total']}")
    name = "375 Tehran neighbourhoods" if TEHRAN.exists() else "375 synthetic squares"
    return [
        {
            "workload": f"person points into {name} (time)",
            "n": n,
            "ours": ours["seconds"],
            "baseline": "geopandas.sjoin on one point GeoDataFrame",
            "baseline_value": base["seconds"],
            "ratio": base["seconds"] / ours["seconds"],
            "note": f"{ours['total']:,} points counted by both",
        },
        {
            "workload": f"person points into {name} (peak memory)",
            "n": n,
            "ours": ours["peak"],
            "unit": "bytes",
            "baseline": "geopandas.sjoin on one point GeoDataFrame",
            "baseline_value": base["peak"],
            "ratio": base["peak"] / ours["peak"],
            "note": "max RSS of each side's own process; ours reads 1 M rows at a time",
        },
    ]

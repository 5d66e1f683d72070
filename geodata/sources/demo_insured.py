"""The demo region's insured counts, the enrolment sessions behind their jumps, and its targets.

Part of the synthetic demo generator (:mod:`geodata.sources.demo`): monthly insured counts per
area and scheme, lower where deprivation is higher, with the big campaign and a few small ones;
the outreach sessions that made the jumps; coverage targets for the region and each district.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.sources.demo_areas import N_DISTRICTS, points_inside
from geodata.tables import schema

CAMPAIGN_MONTH_INDEX = 17  # 2026-04-01 with the periods of geodata.sources.demo


def insured_and_outreach(
    rng: np.random.Generator, areas: gpd.GeoDataFrame, periods: pd.DatetimeIndex, big: int
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Monthly insured counts per area and scheme, and the enrolment sessions behind the jumps."""
    n, m = len(areas), len(periods)
    pop = areas["population"].to_numpy(dtype=np.int64)
    dep = areas["deprivation"].to_numpy(dtype=float)
    under = areas["underserved"].to_numpy(dtype=bool)
    t = np.arange(m)

    # Smooth trend: lower where deprivation is higher, rising slowly.
    c0 = np.clip(0.93 - 0.50 * dep + rng.normal(0, 0.03, n), 0.38, 0.94)
    growth = rng.uniform(0.001, 0.004, n)
    cover = c0[:, None] + growth[:, None] * t[None, :] + rng.normal(0, 0.0015, (n, m))
    cover = np.clip(cover, 0.36, 0.97)
    # The big campaign area: 75 % uninsured, flat, until the campaign; then only the campaign.
    cover[big] = 0.25 + rng.normal(0, 0.001, m)
    base = np.round(cover * pop[:, None]).astype(np.int64)
    mc = CAMPAIGN_MONTH_INDEX
    base[big, mc:] = base[big, mc - 1]

    # Enrolment sessions: (area index, month index, day, kind, enrolled).
    sessions: list[tuple[int, int, int, str, int]] = []
    total_after = int(np.floor(0.97 * pop[big]))
    enrolled = total_after - int(base[big, mc - 1])
    first = int(round(enrolled * rng.uniform(0.62, 0.72)))
    a = int(round(first * rng.uniform(0.5, 0.6)))
    b = int(round((enrolled - first) * rng.uniform(0.6, 0.75)))
    sessions += [
        (big, mc, int(rng.integers(3, 8)), "mobile_desk", a),
        (big, mc, int(rng.integers(12, 20)), "mobile_desk", first - a),
        (big, mc + 1, int(rng.integers(2, 10)), "mobile_desk", b),
        (big, mc + 1, int(rng.integers(14, 26)), "door_to_door", enrolled - first - b),
    ]

    # A few smaller campaigns in other underserved areas (jumps of a few hundred people).
    pool = np.flatnonzero(under & (np.arange(n) != big))
    small = rng.choice(pool, size=4, replace=False)
    for area in small:
        month = int(rng.integers(4, m - 2))
        for kind in ("mobile_desk", "door_to_door"):
            sessions.append(
                (int(area), month, int(rng.integers(1, 29)), kind, int(rng.integers(150, 451)))
            )
    # Routine sessions: tens to hundreds enrolled, already part of the trend.
    routine_pool = np.setdiff1d(pool, small)
    routine = rng.choice(routine_pool, size=14, replace=False)
    months = rng.integers(0, m, size=14)
    days = rng.integers(1, 29, size=14)
    kinds = rng.choice(np.array(schema.OUTREACH_KINDS), size=14)
    counts = rng.integers(20, 300, size=14)
    for area, month, day, kind, count in zip(routine, months, days, kinds, counts, strict=True):
        sessions.append((int(area), int(month), int(day), str(kind), int(count)))

    # Campaign jumps (cumulative, into the health scheme).
    jump = np.zeros((n, m), dtype=np.int64)
    for area, month, _day, _kind, count in sessions[: 4 + 2 * len(small)]:
        jump[area, month:] += count
    cap = np.floor(0.98 * pop).astype(np.int64)[:, None]
    base = np.minimum(base, cap - jump)

    # Split the trend over schemes; campaign enrolments go to the health scheme.
    f_ss = rng.uniform(0.32, 0.50, n) * (1 - 0.3 * dep)
    f_vol = rng.uniform(0.04, 0.10, n)
    ss = np.round(base * f_ss[:, None]).astype(np.int64)
    vol = np.round(base * f_vol[:, None]).astype(np.int64)
    health = base - ss - vol + jump
    schemes = ("health", "social_security", "voluntary")
    values = np.stack([health, ss, vol], axis=2)  # area, month, scheme

    area_ids = areas["area_id"].to_numpy()
    ai, mi, si = np.meshgrid(np.arange(n), np.arange(m), np.arange(len(schemes)), indexing="ij")
    insured = pd.DataFrame(
        {
            "area_id": area_ids[ai.ravel()],
            "period": periods[mi.ravel()],
            "insured": pd.array(values.ravel(), dtype="Int64"),
            "scheme": np.array(schemes)[si.ravel()],
            "source": "synthetic",
        }
    )
    # A couple of areas with a missing month or two (no rows at all for those months).
    excluded = np.r_[big, small]
    gaps_pool = np.setdiff1d(np.arange(n), excluded)
    gap_areas = rng.choice(gaps_pool, size=2, replace=False)
    gap_month = int(rng.integers(2, m - 3))
    missing = {(int(gap_areas[0]), gap_month), (int(gap_areas[1]), gap_month + 1)}
    missing.add((int(gap_areas[1]), gap_month + 2))
    drop = np.zeros(len(insured), dtype=bool)
    for area, month in sorted(missing):
        drop |= (ai.ravel() == area) & (mi.ravel() == month)
    insured = insured.loc[~drop].reset_index(drop=True)

    # Outreach table, sessions in date order.
    s_area = np.array([s[0] for s in sessions])
    dates = pd.to_datetime([periods[s[1]] + pd.Timedelta(days=s[2] - 1) for s in sessions])
    order = np.lexsort((s_area, dates.to_numpy()))
    points = points_inside(rng, areas.geometry.to_numpy()[s_area])
    outreach = pd.DataFrame(
        {
            "date": dates,
            "enrolled": pd.array([s[4] for s in sessions], dtype="Int64"),
            "area_id": area_ids[s_area],
            "partner_id": areas["partner_id"].to_numpy()[s_area],
            "kind": [s[3] for s in sessions],
        }
    )
    outreach = gpd.GeoDataFrame(outreach, geometry=list(points), crs=schema.STORAGE_CRS)
    outreach = outreach.iloc[order].reset_index(drop=True)
    outreach.insert(0, "session_id", [f"S{i:03d}" for i in range(1, len(outreach) + 1)])
    return insured, outreach


def targets_table(periods: pd.DatetimeIndex) -> pd.DataFrame:
    """Region and district coverage targets rising linearly from 0.80 to 1.00."""
    target = np.round(np.linspace(0.80, 1.00, len(periods)), 4)
    scopes = ["region"] + [f"D{k:02d}" for k in range(1, N_DISTRICTS + 1)]
    return pd.DataFrame(
        {
            "scope": np.repeat(scopes, len(periods)),
            "period": np.tile(periods.to_numpy(), len(scopes)),
            "target_coverage": np.tile(target, len(scopes)),
        }
    )

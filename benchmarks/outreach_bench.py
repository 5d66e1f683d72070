"""Outreach planner workloads (issue 4), each against a baseline measured in the same run.

* desk plan on the demo region (300 neighbourhoods, 3 desks × 7 days, 1 km walk), end to end
  from the areas frame (projection, coverage matrix, exact MILP, schedule): ours (the maximal
  covering reduction, see :mod:`analytics.outreach`) against the model as stated, one binary per
  neighbourhood and day (:func:`analytics.outreach.solve_time_expanded`), from the same frame.
  The issue asks for at most 2 s here.
* the page's hardest setting: the slowest plan over a grid of the page's choices (desks 1–10,
  days 1–14, radius up to 2 km) with the page's solver time budget, against the same setting
  solved to proven optimality with no time budget.
* exact against brute force on a cut-down case (12 neighbourhoods, 1 desk × 4 days): the MILP
  against enumerating every day-by-day plan; the two optima are checked equal.

Records as in :mod:`benchmarks.access_bench`; ratio = baseline ÷ ours (above 1: ours is faster).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import combinations, product

import numpy as np

from analytics import distance, outreach
from analytics.coverage import coverage_by_area
from geodata.sources.demo import build_demo_tables

PAGE_TIME_LIMIT_S = outreach.INTERACTIVE_TIME_LIMIT_S  # the Outreach page's solver budget


def _best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def _record(workload, n, ours, baseline, base_s, note="") -> dict:
    return {
        "workload": workload,
        "n": n,
        "seconds": round(ours, 4),
        "baseline": baseline,
        "baseline_seconds": None if base_s is None else round(base_s, 4),
        "ours": round(ours, 4),
        "baseline_value": None if base_s is None else round(base_s, 4),
        "unit": "s",
        "ratio": None if base_s is None else float(f"{base_s / ours:.3g}"),
        "note": note,
    }


def _demo_demand():
    tables = build_demo_tables()
    areas = tables["areas"]
    per_area = coverage_by_area(areas, tables["insured"])
    return areas.assign(uninsured=per_area["uninsured"].to_numpy())


def _time_expanded_from_frame(areas, desks: int, days: int, radius_m: float) -> float:
    metric = distance.metric_crs_for({"areas": areas})
    points = distance.project_points(areas, metric)
    cover = outreach.walking_matrix(points, points, radius_m)
    value, _ = outreach.solve_time_expanded(
        cover, areas["uninsured"].to_numpy(dtype=float), desks, days, time_limit=300
    )
    return value


def _brute_force(cover, weights: np.ndarray, desks: int, days: int) -> float:
    dense = cover.toarray().astype(bool)
    choices = [c for r in range(desks + 1) for c in combinations(range(dense.shape[1]), r)]
    best = 0.0
    for week in product(choices, repeat=days):
        used = sorted({j for day in week for j in day})
        if used:
            best = max(best, float(weights[dense[:, used].any(axis=1)].sum()))
    return best


def run(scale: float = 1.0) -> list[dict]:
    records: list[dict] = []
    areas = _demo_demand()
    n = len(areas)

    # 1. the demo plan, end to end
    desks, days, radius = 3, 7, 1000.0
    ours_s, plan = _best_of(lambda: outreach.plan_desks(areas, desks, days, radius))
    base_s, value = _best_of(lambda: _time_expanded_from_frame(areas, desks, days, radius))
    assert abs(plan.in_range - value) <= 1e-6 * max(1.0, value), (plan.in_range, value)
    records.append(
        _record(
            f"desk plan, demo ({n} neighbourhoods, {desks} desks × {days} days, 1 km), end to end",
            n,
            ours_s,
            "the model as stated: one binary per neighbourhood and day (HiGHS)",
            base_s,
            f"optimal: {plan.optimal}; both reach {plan.in_range:,.0f} of {plan.total:,.0f} "
            "uninsured; limit asked for: 2 s",
        )
    )

    # 2. the page's hardest setting, with and without the page's time budget
    grid_desks = (1, 3, 5, 7, 10) if scale >= 1 else (3, 7)
    grid_days = (1, 3, 7, 14) if scale >= 1 else (3, 7)
    timings = []
    for r in (500.0, 1000.0, 1500.0, 2000.0):
        for d_n, d_d in product(grid_desks, grid_days):
            start = time.perf_counter()
            outreach.plan_desks(areas, d_n, d_d, r, time_limit=PAGE_TIME_LIMIT_S)
            timings.append((time.perf_counter() - start, (d_n, d_d, r)))
    # single runs on a shared machine are noisy: re-time the three slowest, best of 3 each
    worst = (0.0, None, None)
    for _, setting in sorted(timings, reverse=True)[:3]:
        took, result = _best_of(
            lambda s=setting: outreach.plan_desks(areas, *s, time_limit=PAGE_TIME_LIMIT_S)
        )
        if took > worst[0]:
            worst = (took, setting, result)
    took, (w_n, w_d, w_r), limited = worst
    start = time.perf_counter()
    unlimited = outreach.plan_desks(areas, w_n, w_d, w_r, time_limit=None)
    full_s = time.perf_counter() - start
    records.append(
        _record(
            f"desk plan, demo, slowest page setting ({w_n} desks × {w_d} days, {w_r:g} m) of "
            f"{len(grid_desks) * len(grid_days) * 4} settings",
            n,
            took,
            "same setting solved to proven optimality (no time budget)",
            full_s,
            f"page budget {PAGE_TIME_LIMIT_S:g} s: reaches {limited.in_range:,.0f} "
            f"(proven ≥ {limited.guaranteed_ratio:.1%} of the best); optimum "
            f"{unlimited.in_range:,.0f}",
        )
    )

    # 3. exact against brute force, cut-down case
    small = areas.iloc[:12]
    metric = distance.metric_crs_for({"areas": small})
    points = distance.project_points(small, metric)
    cover = outreach.walking_matrix(points, points, 1500.0)
    weights = small["uninsured"].to_numpy(dtype=float)
    ours_s, (result, _, _) = _best_of(
        lambda: outreach.desk_plan_from_matrix(cover, weights, 1, 4, method="exact")
    )
    base_s, best = _best_of(lambda: _brute_force(cover, weights, 1, 4), repeat=1)
    assert abs(result.covered_after - best) <= 1e-6 * max(1.0, best)
    records.append(
        _record(
            "desk plan, exact vs brute force (12 neighbourhoods, 1 desk × 4 days, 1.5 km)",
            12,
            ours_s,
            "every day-by-day plan enumerated (13⁴ plans)",
            base_s,
            f"same optimum: {best:,.0f}",
        )
    )
    return records


if __name__ == "__main__":
    for record in run():
        print(record)

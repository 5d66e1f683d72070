"""Crash safety: a process saving a version (or committing an import) is killed with SIGKILL at a
random moment, many times; after each kill the workspace must open, keep every version it had,
and its newest version must be exactly the last committed one — the one before the kill, or the
new one whole. Only the store's public API is used (``save_version``, ``list_versions``,
``read_workspace``) and :func:`geodata.uploads.workflow.commit_import`, as the Data page calls them.

Used by ``tests/hardening/test_kills.py`` (a few dozen kills) and ``python -m reliability``.
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely


@dataclass
class KillReport:
    """What the kills found."""

    trials: int = 0
    survived: int = 0
    before_commit: int = 0
    after_commit: int = 0
    failures: list[str] = field(default_factory=list)
    save_seconds: float = 0.0


def areas_table(population: list[int]) -> gpd.GeoDataFrame:
    """Four areas (the ids and boxes never change; the population says which save it is)."""
    return gpd.GeoDataFrame(
        {
            "area_id": ["101", "102", "103", "104"],
            "name": ["a", "b", "c", "d"],
            "population": pd.array(population, dtype="Int64"),
        },
        geometry=[shapely.box(51.3 + 0.1 * i, 35.6, 51.4 + 0.1 * i, 35.7) for i in range(4)],
        crs="EPSG:4326",
    )


def insured_table(base: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_id": ["101", "102", "103", "104"],
            "period": pd.to_datetime(["2025-01-01"] * 4),
            "insured": pd.array([base + i for i in range(4)], dtype="Int64"),
            "scheme": ["health"] * 4,
        }
    )


def signature(path: Path) -> dict[str, object]:
    """What the newest version holds, compared by value: population and insured per area."""
    from geodata.store.workspace import read_workspace

    tables = read_workspace(path)
    areas = tables["areas"].sort_values("area_id")
    insured = tables["insured"].sort_values("area_id")
    return {
        "population": [int(v) for v in areas["population"]],
        "insured": [int(v) for v in insured["insured"]] if len(insured) else [],
        "geometry_ok": bool(areas.geometry.is_valid.all()) and len(areas) == 4,
    }


def _child_work(path: Path, mode: str, trial: int) -> None:
    """In the child: one save (or one import commit) of values that name the trial."""
    from geodata.store.workspace import save_version

    if mode == "save":
        save_version(
            path,
            {"areas": areas_table([1000 + trial, 2000 + trial, 3000, 4000])},
            message=f"trial {trial}",
        )
    else:
        from geodata.uploads.workflow import Prepared, commit_import

        prepared = Prepared("insured", insured_table(10 * trial), [], "insured.csv", 4)
        commit_import(path, prepared, mode="replace", author="kill test")


def expected_after(before: dict[str, object], mode: str, trial: int) -> dict[str, object]:
    after = dict(before)
    if mode == "save":
        after["population"] = [1000 + trial, 2000 + trial, 3000, 4000]
    else:
        after["insured"] = [10 * trial + i for i in range(4)]
    return after


def new_workspace(path: Path) -> Path:
    from geodata.store.workspace import save_version

    save_version(
        path,
        {"areas": areas_table([1, 2, 3, 4]), "insured": insured_table(0)},
        message="start",
    )
    return path


def _fork_work(path: Path, mode: str, trial: int) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            _child_work(path, mode, trial)
            code = 0
        finally:
            os._exit(code)
    return pid


def measure_save(path: Path) -> float:
    """Seconds one save takes here, done in a child as the trials do (the workspace gains a
    version, as after any trial that commits)."""
    started = time.monotonic()
    pid = _fork_work(path, "save", 0)
    os.waitpid(pid, 0)
    return time.monotonic() - started


def kill_trials(path: Path, trials: int, seed: int = 20261122) -> KillReport:
    """Kill a saving process ``trials`` times at random moments; check the workspace each time."""
    from geodata.store.workspace import list_versions

    rng = random.Random(seed)
    report = KillReport(save_seconds=measure_save(path))
    for trial in range(1, trials + 1):
        mode = "save" if trial % 2 else "import"
        before_versions = [(v.number, v.layers) for v in list_versions(path)]
        before = signature(path)
        pid = _fork_work(path, mode, trial)
        time.sleep(rng.uniform(0.0, report.save_seconds * 1.2))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        report.trials += 1
        try:
            after_versions = [(v.number, v.layers) for v in list_versions(path)]
            after = signature(path)
        except Exception as exc:  # noqa: BLE001 — a workspace that does not open is the failure
            report.failures.append(f"trial {trial} ({mode}): does not open: {exc}")
            continue
        problems = []
        if after_versions[: len(before_versions)] != before_versions:
            problems.append("earlier versions changed")
        if len(after_versions) == len(before_versions):
            report.before_commit += 1
            if after != before:
                problems.append(f"newest version changed without a commit: {after} != {before}")
        elif len(after_versions) == len(before_versions) + 1:
            report.after_commit += 1
            wanted = expected_after(before, mode, trial)
            if after != wanted:
                problems.append(f"new version is not whole: {after} != {wanted}")
        else:
            problems.append(f"{len(after_versions) - len(before_versions)} versions appeared")
        if problems:
            report.failures.append(f"trial {trial} ({mode}): " + "; ".join(problems))
        else:
            report.survived += 1
    return report

"""Where workspaces come from: a path the user names, or the embedded demo workspace.

The demo workspace is generated once per generator version into a cache folder
(``$COVERAGE_ATLAS_CACHE``, default ``~/.cache/coverage-atlas``) and reused afterwards.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from geodata.store.workspace import Version, list_versions, save_version
from geodata.tables.problems import DataError

DEMO_GENERATOR_VERSION = 4  # 2: staff, desks, utilisation records; 3: partner names fa/vi;
# 4: population-weighted centres (pop_lon, pop_lat)


def cache_dir() -> Path:
    """The folder for generated workspaces."""
    return Path(os.environ.get("COVERAGE_ATLAS_CACHE", Path.home() / ".cache" / "coverage-atlas"))


def write_demo_workspace(path: str | Path) -> int:
    """Generate the synthetic demo region and save it as a new version of ``path``."""
    from geodata.sources.demo import DEMO_LABEL, DEMO_SEED, build_demo_tables

    tables = build_demo_tables(DEMO_SEED)
    return save_version(
        path,
        tables,
        message=f"demo region (seed {DEMO_SEED}) — {DEMO_LABEL}",
        author="demo generator",
        summary={"demo": True, "generator_version": DEMO_GENERATOR_VERSION, "title": "Demo region"},
    )


def demo_workspace_path() -> Path:
    """The embedded demo workspace, generated on first use (safe when processes race)."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-v{DEMO_GENERATOR_VERSION}.gpkg"
    with open(folder / f".demo-v{DEMO_GENERATOR_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if path.exists():
                try:
                    list_versions(path)
                    return path
                except DataError:
                    path.unlink()
            write_demo_workspace(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def is_demo(versions: list[Version]) -> bool:
    """Whether a workspace (given its versions) was created by the demo generator: synthetic data."""
    return bool(versions and versions[0].summary.get("demo"))

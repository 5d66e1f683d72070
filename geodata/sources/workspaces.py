"""Where workspaces come from: a path the user names, or the embedded demo workspace.

The demo workspace is generated (:mod:`geodata.sources.demo`) once per generator version into a
cache folder (``$COVERAGE_ATLAS_CACHE``, default ``~/.cache/coverage-atlas``) and reused
afterwards; an administrator can reset it to the generated tables.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from geodata.sources.demo import DEMO_LABEL, DEMO_SEED, build_demo_tables
from geodata.store import messages
from geodata.store.layout import Version
from geodata.store.workspace import empty_table, list_versions, save_version
from geodata.tables.problems import DataError
from geodata.tables.schema import STORED_TABLES

DEMO_GENERATOR_VERSION = 5  # 2: staff, desks, utilisation records; 3: partner names fa/vi;
# 4: population-weighted centres (pop_lon, pop_lat); 5: district names fa/vi/en


def cache_dir() -> Path:
    """The folder for generated workspaces."""
    return Path(os.environ.get("COVERAGE_ATLAS_CACHE", Path.home() / ".cache" / "coverage-atlas"))


def write_demo_workspace(path: str | Path) -> int:
    """Generate the synthetic demo region and save it as a new version of ``path``."""
    tables = build_demo_tables(DEMO_SEED)
    return save_version(
        path,
        tables,
        message=messages.message("demo", seed=DEMO_SEED, label=DEMO_LABEL),
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


def reset_demo_workspace(path: str | Path, *, author: str = "") -> int:
    """Write the synthetic demo region again, as a new version of the demo workspace ``path``.

    Every table goes back to what :func:`build_demo_tables` makes; tables the demo does not have
    (name crosswalk, scenarios) are emptied. Nothing is deleted: the versions before stay in the
    list (and version numbers only grow, so nothing cached for an older version is shown again).

    Raises
    ------
    DataError
        When ``path`` was not made by the demo generator (a real workspace is never reset).

    Returns
    -------
    int
        The new version number.
    """
    if not is_demo(list_versions(path)):
        raise DataError(f"{path} is not a demo workspace; only the demo can be reset.")
    tables = build_demo_tables(DEMO_SEED)
    for name in STORED_TABLES:
        if name not in tables:
            tables[name] = empty_table(name)
    return save_version(
        path,
        tables,
        message=messages.message("demo_reset", seed=DEMO_SEED, label=DEMO_LABEL),
        author=author or "demo generator",
        summary={
            "demo": True,
            "reset": True,
            "generator_version": DEMO_GENERATOR_VERSION,
            "title": "Demo region",
        },
    )


def is_demo(versions: list[Version]) -> bool:
    """Whether a workspace (given its versions) was created by the demo generator: synthetic data."""
    return bool(versions and versions[0].summary.get("demo"))

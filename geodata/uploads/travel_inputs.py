"""Replacing a workspace's travel inputs from the Data page (#19): a road extract, a speed table or
rasters of one role, checked with the readers the travel-time engines use, then saved as a new
version whose ``inputs`` table (:mod:`geodata.sources.inputs`) holds that role's new files in
place of the old ones, the other roles' files unchanged.

The file itself is read in the upload sandbox (:mod:`geodata.uploads.travel_sandbox`: a forked
child under the travel inputs' memory and time limits, which hands back a small JSON summary);
what needs the workspace is checked here with that summary. The checks, before anything is saved
(each failure a :class:`DataError` with a ``code`` the Data page translates as
``data.travel_<code>``, ``params`` naming the file, and an English message):

- ``roads``: one ``.pbf`` extract that :func:`geodata.sources.roads.read_osm_network` reads into a
  network with at least one road edge, its extent overlapping the workspace's areas;
- ``speeds``: one ``.json`` table that :func:`geodata.sources.rasters.load_speed_table` (the
  engines' loader) accepts, its ``transport.highway`` a table of speeds, every speed and factor a
  number ≥ 0;
- rasters: ``.tif`` files that :func:`geodata.sources.rasters.read_grid` reads with GDAL's GTiff
  driver (no other), with a CRS, their
  extent overlapping the areas; land cover, slope and water under the names the friction kit
  reads (``landcover_<Class>.tif``, ``slope.tif``, ``water_osm.tif`` / ``water_gsw.tif``) and on the
  land cover's grid; one file for every role but land cover and water.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.sources.inputs import (
    RASTER_ROLES,
    ROLES,
    InputFile,
    file_entries,
    input_files,
    input_rows,
    inputs_in,
)
from geodata.store import messages
from geodata.store.workspace import read_table, save_version
from geodata.uploads.limits import UploadLimits
from geodata.uploads.travel_files import check_speed_table
from geodata.uploads.travel_files import travel_error as _error
from geodata.uploads.travel_sandbox import read_travel_file_isolated
from geodata.users import audit
from geodata.users.audit import Actor

#: Roles that take several files (one per land-cover class, OSM and surface water).
MULTI_FILE_ROLES = ("landcover", "water")
#: The file suffix each role takes.
SUFFIXES = {"roads": ".pbf", "speeds": ".json", **dict.fromkeys(RASTER_ROLES, ".tif")}
#: The names the friction kit reads (:func:`geodata.sources.rasters.read_kit`).
KIT_NAMES = {
    "landcover": re.compile(r"^landcover_[A-Za-z0-9]+\.tif$"),
    "slope": re.compile(r"^slope\.tif$"),
    "water": re.compile(r"^water_(osm|gsw)\.tif$"),
}
KIT_EXAMPLES = {
    "landcover": "landcover_Tree.tif",
    "slope": "slope.tif",
    "water": "water_osm.tif, water_gsw.tif",
}


@dataclass(frozen=True)
class InputChange:
    """What a replacement changes: the role, its files before and after; ``read``: what the
    upload sandbox read of each new file (its name and summary), so that saving the same files
    does not read them again."""

    role: str
    old: tuple[InputFile, ...]
    new: tuple[InputFile, ...]
    read: tuple[tuple[str, dict], ...] = field(default=(), compare=False)


def check_input_files(
    role: str,
    paths: Sequence[Path],
    areas_bounds: np.ndarray,
    kit_shape: tuple[int, int] | None = None,
    *,
    limits: UploadLimits | None = None,
    read: Mapping[str, dict] | None = None,
) -> list[dict]:
    """Raise a :class:`DataError` naming the file when ``paths`` cannot be ``role``'s files;
    each file's summary (in the order of ``paths``).

    ``areas_bounds``: the workspace's areas as (min lon, min lat, max lon, max lat);
    ``kit_shape``: the grid (rows, columns) of the land cover, slope and water rasters the
    version keeps besides these (None: none kept). Each file is read in the upload sandbox
    (:func:`~geodata.uploads.travel_sandbox.read_travel_file_isolated`, under ``limits``), never
    in this process; its summary is checked here against the areas and the kit's grid.
    ``read``: summaries by file name already read from these very files (not read again)."""
    if role not in ROLES:
        raise ValueError(f"Unknown input role: {role}")
    names = [p.name for p in paths]
    if not paths:
        raise _error("no_file", f"{role}: no file given.", role=role)
    if len(paths) > 1 and role not in MULTI_FILE_ROLES:
        raise _error("one_file", f"{role}: takes one file, not {len(paths)}.", n=len(paths))
    if len(set(names)) != len(names):
        raise _error("same_name", f"{role}: two files share a name.")
    for path in paths:
        if not path.name.lower().endswith(SUFFIXES[role]):
            raise _error(
                "suffix",
                f"{path.name}: a {role} file must end in {SUFFIXES[role]}.",
                file=path.name,
                suffix=SUFFIXES[role],
            )
        pattern = KIT_NAMES.get(role)
        if pattern is not None and not pattern.match(path.name):
            raise _error(
                "kit_name",
                f"{path.name}: the friction surface reads {role} rasters named "
                f"{KIT_EXAMPLES[role]}.",
                file=path.name,
                example=KIT_EXAMPLES[role],
            )
    summaries = [
        (read or {}).get(path.name) or read_travel_file_isolated(role, path, limits=limits)
        for path in paths
    ]
    for path, summary in zip(paths, summaries, strict=True):
        if role == "speeds":
            continue
        bounds = np.asarray(summary["bounds"], dtype="float64")
        _check_overlap(path.name, bounds, areas_bounds)
        if role in KIT_NAMES:
            rows, cols = (int(n) for n in summary["shape"])
            if kit_shape is not None and (rows, cols) != kit_shape:
                raise _error(
                    "grid",
                    f"{path.name}: its grid ({rows} × {cols} cells) differs "
                    f"from the land cover's ({kit_shape[0]} × {kit_shape[1]}).",
                    file=path.name,
                    rows=rows,
                    cols=cols,
                    kit_rows=kit_shape[0],
                    kit_cols=kit_shape[1],
                )
            kit_shape = (rows, cols)
    return summaries


def _check_overlap(name: str, bounds: np.ndarray, areas_bounds: np.ndarray) -> None:
    if not np.all(np.isfinite(areas_bounds)):
        raise _error("no_areas", f"{name}: the workspace has no areas to measure.", file=name)
    apart = (
        bounds[2] < areas_bounds[0]
        or bounds[0] > areas_bounds[2]
        or bounds[3] < areas_bounds[1]
        or bounds[1] > areas_bounds[3]
    )
    if apart:
        raise _error(
            "outside",
            f"{name}: its extent (longitude {bounds[0]:.2f} to {bounds[2]:.2f}, latitude "
            f"{bounds[1]:.2f} to {bounds[3]:.2f}) does not overlap the workspace's areas.",
            file=name,
            west=round(float(bounds[0]), 2),
            east=round(float(bounds[2]), 2),
            south=round(float(bounds[1]), 2),
            north=round(float(bounds[3]), 2),
        )


def _kit_shape(
    workspace: str | Path, version: int | None, role: str, limits: UploadLimits | None
) -> tuple[int, int] | None:
    """The grid of the land cover, slope and water rasters the version keeps besides ``role``
    (read in the upload sandbox too: a stored file may have come from an upload)."""
    if role not in KIT_NAMES:
        return None
    files = input_files(workspace, version)
    kept = [(r, p) for r in KIT_NAMES if r != role for p in files.get(r, [])]
    if not kept:
        return None
    rows, cols = read_travel_file_isolated(*kept[0], limits=limits)["shape"]
    return int(rows), int(cols)


def check_travel_inputs(
    workspace: str | Path,
    role: str,
    paths: Sequence[Path],
    version: int | None = None,
    *,
    limits: UploadLimits | None = None,
    read: Mapping[str, dict] | None = None,
) -> InputChange:
    """Check ``paths`` as ``role``'s new files against a workspace version (the newest by
    default); what replacing them would change. A :class:`DataError` names a bad file. The files
    are read in the upload sandbox under ``limits`` (default: the deployment's), but for those
    ``read`` gives the summary of (by name)."""
    paths = [Path(p) for p in paths]
    areas = read_table(workspace, "areas", version)
    areas_bounds = (
        np.asarray(areas.total_bounds, dtype="float64") if len(areas) else np.full(4, np.nan)
    )
    kit_shape = _kit_shape(workspace, version, role, limits)
    summaries = check_input_files(role, paths, areas_bounds, kit_shape, limits=limits, read=read)
    new = file_entries(role, paths)
    old = tuple(f for f in inputs_in(read_table(workspace, "inputs", version)) if f.role == role)
    return InputChange(role, old, new, tuple(zip((p.name for p in paths), summaries, strict=True)))


def save_travel_inputs(
    workspace: str | Path,
    role: str,
    paths: Sequence[Path],
    *,
    author: str = "",
    actor: Actor | None = None,
    limits: UploadLimits | None = None,
    checked: InputChange | None = None,
) -> tuple[int, InputChange]:
    """Replace ``role``'s files by ``paths`` (checked again on the newest version, in the upload
    sandbox; this process only stores their bytes) in a new workspace version, the other roles'
    files kept, and record it in the audit trail as an import. Returns the new version's number
    and what changed. ``checked``: the change :func:`check_travel_inputs` found for these files;
    where its new files are these (same names, sizes and SHA-256), what the sandbox read of them
    is checked against the newest version without reading them again (a national extract takes
    half a minute)."""
    paths = [Path(p) for p in paths]
    read = None
    if checked is not None and checked.role == role and checked.read:
        if file_entries(role, paths) == checked.new:
            read = dict(checked.read)
    change = check_travel_inputs(workspace, role, paths, limits=limits, read=read)
    if change.new == change.old:
        raise _error("same", f"{role}: these are the files the version already holds.")
    current = read_table(workspace, "inputs")
    kept = current[current["role"].astype(str) != role] if len(current) else current
    table = pd.concat([kept, input_rows({role: paths})], ignore_index=True)
    table = table.sort_values(["role", "name", "part"], kind="stable").reset_index(drop=True)
    names = ", ".join(f.name for f in change.new)
    before = ", ".join(f.name for f in change.old) or "none"
    number = save_version(
        workspace,
        {"inputs": table},
        message=messages.message("travel_inputs", role=role, files=names),
        author=author,
        summary={"travel_inputs": _summary(change)},
    )
    audit.append(
        workspace,
        actor or audit.cli_actor(author),
        "import",
        f"travel inputs {role}: {before} → {names}, version {number}",
    )
    return number, change


def _summary(change: InputChange) -> Mapping[str, object]:
    def files(fs: tuple[InputFile, ...]) -> list[dict[str, object]]:
        return [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in fs]

    return {"role": change.role, "old": files(change.old), "new": files(change.new)}


__all__ = [
    "KIT_EXAMPLES",
    "MULTI_FILE_ROLES",
    "SUFFIXES",
    "InputChange",
    "check_input_files",
    "check_speed_table",
    "check_travel_inputs",
    "save_travel_inputs",
]

"""Workspace inputs of the travel-time engines: a road extract and rasters, kept byte for byte.

A recipe's ``[roads]`` (``path`` = an OpenStreetMap ``.osm.pbf``, ``speeds`` = a speed table in
the GeoHealthAccess ``moving-speeds.json`` layout) and ``[rasters]`` (``landcover``, ``slope``,
``elevation``, ``water``, ``population``: a file, a ``*`` pattern or a list of them) sections name the files; the
build stores them in the workspace's ``inputs`` table (:data:`geodata.tables.schema.INPUTS`): one row per
part of each file, the bytes as base64 text, with the file's name, size and SHA-256. The table is
versioned like any other: a version that does not change the files shares the previous version's
layer, and an older version still gives back the files it was built with, on GeoPackage and PostGIS.

:func:`input_files` gives a version's files back as paths on disk (written once into a cache
folder named by their SHA-256, so the readers of :mod:`geodata.sources.roads` and :mod:`geodata.sources.rasters`
open them as they would the originals).
"""

from __future__ import annotations

import base64
import binascii
import glob
import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geodata.store.workspace import read_table
from geodata.tables.problems import DataError

PART_BYTES = 1 << 20
ROAD_ROLES = ("roads", "speeds")
RASTER_ROLES = ("landcover", "slope", "elevation", "water", "population")
ROLES = ROAD_ROLES + RASTER_ROLES


@dataclass(frozen=True)
class InputFile:
    """One stored input: its role, file name, size in bytes and SHA-256."""

    role: str
    name: str
    size: int
    sha256: str


def recipe_inputs(recipe: Mapping, base: Path, recipe_name: str) -> dict[str, list[Path]]:
    """The files a recipe's ``[roads]`` and ``[rasters]`` sections name, by role (checked)."""
    found: dict[str, list[Path]] = {}
    for section, roles, required in (
        ("roads", {"path": "roads", "speeds": "speeds"}, ("path",)),
        ("rasters", {r: r for r in RASTER_ROLES}, ("landcover",)),
    ):
        settings = recipe.get(section)
        if settings is None:
            continue
        if not isinstance(settings, dict):
            raise DataError(f"{recipe_name}: [{section}] must be a table of settings.")
        unknown = set(settings) - set(roles)
        if unknown:
            raise DataError(
                f"{recipe_name}: [{section}] has unknown setting(s) {sorted(unknown)}; allowed: "
                f"{', '.join(roles)}."
            )
        for need in required:
            if need not in settings:
                raise DataError(f"{recipe_name}: [{section}] needs {need} = '…'.")
        for setting, role in roles.items():
            if setting not in settings:
                continue
            value = settings[setting]
            patterns = value if isinstance(value, list) else [value]
            if not patterns or not all(isinstance(p, str) and p for p in patterns):
                raise DataError(
                    f"{recipe_name}: [{section}] {setting} must be a file name, a pattern or a "
                    f"list of them, not {value!r}."
                )
            files: list[Path] = []
            for pattern in patterns:
                matched = sorted(glob.glob(str(base / pattern)))
                if not matched:
                    raise DataError(f"{recipe_name}: [{section}] {setting}: no file {pattern}.")
                files += [Path(m) for m in matched]
            names = [f.name for f in files]
            if len(set(names)) != len(names):
                raise DataError(f"{recipe_name}: [{section}] {setting}: two files share a name.")
            found[role] = files
    return found


def input_rows(files: Mapping[str, list[Path]]) -> pd.DataFrame:
    """The ``inputs`` table for these files: each file in parts of :data:`PART_BYTES`."""
    rows = []
    for role, paths in files.items():
        if role not in ROLES:
            raise ValueError(f"Unknown input role: {role}")
        for path in paths:
            data = Path(path).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            for part, start in enumerate(range(0, max(len(data), 1), PART_BYTES)):
                chunk = base64.b64encode(data[start : start + PART_BYTES]).decode("ascii")
                rows.append((role, Path(path).name, part, chunk, digest, len(data)))
    frame = pd.DataFrame(rows, columns=["role", "name", "part", "data", "sha256", "size"])
    frame["part"] = frame["part"].astype("Int64")
    frame["size"] = frame["size"].astype("Int64")
    return frame


def stored_inputs(workspace: str | Path, version: int | None = None) -> list[InputFile]:
    """The input files a version holds (none for a workspace without them)."""
    return inputs_in(read_table(workspace, "inputs", version))


def inputs_in(table: pd.DataFrame) -> list[InputFile]:
    """The files an ``inputs`` table holds, by role and name (none for an empty table)."""
    if table.empty:
        return []
    first = table.drop_duplicates(["role", "name"]).sort_values(["role", "name"])
    return [
        InputFile(str(r.role), str(r.name), int(r.size), str(r.sha256))
        for r in first.itertuples(index=False)
    ]


def file_entries(role: str, paths: Sequence[Path]) -> tuple[InputFile, ...]:
    """What :func:`input_rows` would store of ``paths`` as ``role``'s files (name, size,
    SHA-256; by name, as :func:`inputs_in` lists them), hashed without encoding the bytes."""
    found = []
    for path in paths:
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(PART_BYTES), b""):
                digest.update(block)
                size += len(block)
        found.append(InputFile(role, Path(path).name, size, digest.hexdigest()))
    return tuple(sorted(found, key=lambda f: f.name))


def input_files(
    workspace: str | Path, version: int | None = None, cache: str | Path | None = None
) -> dict[str, list[Path]]:
    """A version's input files on disk, by role: written once under ``cache`` (by default the
    system's temporary folder) in a folder named by the file's SHA-256, checked against it."""
    table = read_table(workspace, "inputs", version)
    root = Path(cache or os.environ.get("COVERAGE_ATLAS_INPUT_CACHE") or tempfile.gettempdir())
    root = root / "coverage-atlas-inputs"
    out: dict[str, list[Path]] = {}
    if table.empty:
        return out
    table = table.sort_values(["role", "name", "part"])
    for (role, name), parts in table.groupby(["role", "name"], sort=True):
        digest = str(parts["sha256"].iloc[0])
        target = root / digest / str(name)
        if not target.exists():
            try:
                data = b"".join(base64.b64decode(text, validate=True) for text in parts["data"])
            except (binascii.Error, TypeError):
                data = None
            if data is None or hashlib.sha256(data).hexdigest() != digest:
                raise DataError(
                    f"Workspace input {name} ({role}) does not match its SHA-256: the stored "
                    "parts are damaged."
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        out.setdefault(str(role), []).append(target)
    return out

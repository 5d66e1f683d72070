"""The workspace store's façade: every version of every table, in a GeoPackage or in PostGIS.

A workspace keeps ``<table>__v<N>`` layers, the rows of a table as saved by version N, and a
``workspace_versions`` table that lists the versions (:mod:`geodata.store.layout`). A table that
did not change reuses the layer of the previous version, so a version costs only what changed.

Each version records, per changed table, the rows added, changed and removed by the table's key
(``summary["diff"]``, see :mod:`geodata.store.diff`). :func:`restore_version` makes an old version current
again as a new version that shares its layers: nothing is ever overwritten.

Two backends behind one surface: everything outside this module reaches a workspace only through
:func:`list_versions`, :func:`read_workspace`, :func:`read_table`, :func:`save_version`,
:func:`restore_version`, :func:`latest_version` and :func:`workspace_token`, all taking the
workspace as one ``path`` argument. A file path is a GeoPackage (:mod:`geodata.store.geopackage`:
each save a private copy renamed over the file); a ``postgresql://`` (or ``postgres://``) URL is a
PostgreSQL + PostGIS database (:mod:`geodata.store.postgis`: the same ``<table>__v<N>`` tables and
``workspace_versions`` table, each save one transaction). This module picks the backend; saving
and restoring are written once, here, against a small session interface (read / write / count a
layer, append the version record) that each backend provides.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd
import shapely

from geodata.store import geopackage, messages, postgis
from geodata.store.diff import summarise_change
from geodata.store.layout import Version, restore_types
from geodata.tables.calendar import DEFAULT_CALENDAR, normalize_calendar
from geodata.tables.problems import DataError
from geodata.tables.schema import STORAGE_CRS, STORED_TABLES, TABLES

# Facts about the whole workspace kept in each version's summary and carried to the next version:
# ``calendar``, the reporting calendar its periods are months of (see :mod:`geodata.tables.calendar`),
# ``title``, the workspace's name (pages and documents are titled with it, not the file's name), and
# ``titles``, that name in other languages where the recipe gives them ({"fa": "…"}).
_KEPT = ("calendar", "title", "titles")


POSTGIS_PREFIXES = ("postgresql://", "postgres://")


def is_postgis(path: str | Path) -> bool:
    """Whether a workspace argument names a PostgreSQL + PostGIS database (a ``postgresql://``
    or ``postgres://`` URL) rather than a GeoPackage file."""
    text = str(path)
    if text.startswith(POSTGIS_PREFIXES):
        return True
    if text.startswith(("postgresql:/", "postgres:/")):
        raise DataError(
            f"{text!r} looks like a PostgreSQL URL that lost a slash (was it passed through "
            "pathlib.Path?): write postgresql://user@host:port/database"
        )
    return False


def workspace_location(named: str | Path) -> str:
    """A workspace as the store and the caches key it: a file path resolved, a URL as it is."""
    return str(named) if is_postgis(named) else str(Path(named).resolve())


def workspace_label(path: str | Path) -> str:
    """A name for a workspace that is safe to show: the file name, or the URL without password."""
    if is_postgis(path):
        return postgis.safe_url(str(path))
    return Path(path).name


def _named(path: str | Path) -> str:
    """The workspace as messages name it: the path as given, a URL without its password."""
    return workspace_label(path) if is_postgis(path) else str(path)


def list_versions(path: str | Path) -> list[Version]:
    """All versions in the workspace, oldest first; an error if it is not a workspace."""
    if is_postgis(path):
        return postgis.list_versions(str(path))
    return geopackage.list_versions(Path(path))


def latest_version(path: str | Path) -> int:
    """The number of the newest version."""
    return list_versions(path)[-1].number


def unchanged_since(path: str | Path, expected_version: int | None, again: str) -> int:
    """The newest version number, after checking it is ``expected_version``, the version the
    person was looking at (None: no check): a change asked for on data that has moved on is
    refused, and the message ends with what to do ``again`` ("set the target again")."""
    current = latest_version(path)
    if expected_version is not None and current != expected_version:
        raise DataError(
            f"The workspace moved on to version {current} while you were looking at version "
            f"{expected_version}; look again and {again}."
        )
    return current


#: How long a server process trusts the newest version number it read from a shared (PostGIS)
#: workspace before it asks the database again (seconds; ``COVERAGE_ATLAS_VERSION_CHECK_S``).
VERSION_CHECK_SETTING = "COVERAGE_ATLAS_VERSION_CHECK_S"
VERSION_CHECK_S = 1.0
_newest: dict[str, tuple[float, int]] = {}  # location -> (monotonic time read, number)


def version_check_seconds() -> float:
    """The seconds between two checks of a shared workspace's newest version (at least 0)."""
    try:
        return max(0.0, float(os.environ.get(VERSION_CHECK_SETTING, VERSION_CHECK_S)))
    except ValueError:
        return VERSION_CHECK_S


def current_version(path: str | Path) -> int:
    """The newest version number, checked cheaply: a PostGIS workspace, which other server
    processes may save to, is asked with one small query at most once per
    :func:`version_check_seconds` per process (a save through this process is seen at once);
    a GeoPackage's version table is read again only when the file changed (one ``stat``,
    :func:`geodata.store.geopackage.list_versions`)."""
    location = workspace_location(path)
    if not is_postgis(location):
        return latest_version(location)
    now = time.monotonic()
    known = _newest.get(location)
    if known is not None and now - known[0] < version_check_seconds():
        return known[1]
    number = postgis.newest_version(location)
    _newest[location] = (now, number)
    return number


def _forget_newest(path: str | Path) -> None:
    """After a save through this process: the next :func:`current_version` asks again."""
    _newest.pop(workspace_location(path), None)


def version_calendar(version: Version | None) -> str:
    """The reporting calendar a version's periods are months of (``"gregorian"`` when it names
    none: every workspace saved before calendars were kept)."""
    if version is None:
        return DEFAULT_CALENDAR
    return normalize_calendar(version.summary.get("calendar"))


def version_title(version: Version, lang: str) -> str:
    """A version's workspace title in ``lang`` where the workspace has one (``titles``, from the
    recipe's ``name_fa``...), else its title as given; "" when it has none. Text from data:
    escape it before HTML or Markdown."""
    titles = version.summary.get("titles")
    localized = titles.get(lang) if isinstance(titles, dict) else None
    if isinstance(localized, str) and localized.strip():
        return localized
    return str(version.summary.get("title") or "")


def workspace_calendar(path: str | Path, version: int | None = None) -> str:
    """The reporting calendar of a workspace (its newest version, or version ``version``)."""
    versions = list_versions(path)
    if version is not None:
        versions = [v for v in versions if v.number == version] or versions
    return version_calendar(versions[-1] if versions else None)


class _LayerReader(Protocol):
    """Anything that reads one stored layer: a backend's reader or a save in progress."""

    def read(self, layer: str, table: str) -> pd.DataFrame: ...


class _Reader(_LayerReader, Protocol):
    """What reading needs from a backend: the versions and one stored layer."""

    def versions(self) -> list[Version]: ...


@contextmanager
def _reader(path: str | Path) -> Iterator[_Reader]:
    if is_postgis(path):
        with postgis.reader(str(path)) as found:
            yield found
    else:
        yield geopackage.Reader(Path(path))


def _version_layers(reader: _Reader, path: str | Path, version: int | None) -> dict[str, str]:
    versions = {v.number: v for v in reader.versions()}
    number = max(versions) if version is None else version
    if number not in versions:
        raise DataError(f"{_named(path)} has no version {number} (versions: {sorted(versions)}).")
    return versions[number].layers


def read_workspace(path: str | Path, version: int | None = None) -> dict[str, pd.DataFrame]:
    """Every table of one version (the newest by default), in the stored types.

    Tables the version does not hold come back empty with their required columns, so callers can
    always index ``tables["outreach"]``.
    """
    with _reader(path) as reader:
        layers = _version_layers(reader, path, version)
        return {name: _read_or_empty(reader, layers.get(name), name) for name in TABLES}


def read_table(path: str | Path, table: str, version: int | None = None) -> pd.DataFrame:
    """One table of one version (the newest by default); empty and typed when the version has none.

    Works for the auxiliary tables too (e.g. ``name_crosswalk``), which :func:`read_workspace`
    leaves out.
    """
    if table not in STORED_TABLES:
        raise ValueError(f"Unknown table: {table}")
    with _reader(path) as reader:
        layers = _version_layers(reader, path, version)
        return _read_or_empty(reader, layers.get(table), table)


def _read_or_empty(reader: _LayerReader, layer: str | None, table: str) -> pd.DataFrame:
    return empty_table(table) if layer is None else reader.read(layer, table)


def empty_table(table: str) -> pd.DataFrame:
    """A table with no rows: its required columns, typed (a GeoDataFrame if it has geometry)."""
    schema = STORED_TABLES[table]
    empty = restore_types(
        pd.DataFrame({c: pd.Series(dtype=object) for c in schema.required}), table
    )
    if schema.geometry:
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))
    return empty


def table_fingerprint(frame: pd.DataFrame) -> str:
    """A hash of a table's content (geometry included), to tell unchanged tables apart."""
    digest = hashlib.sha256()
    plain = (
        frame.drop(columns=[frame.geometry.name]) if isinstance(frame, gpd.GeoDataFrame) else frame
    )
    digest.update(",".join(map(str, plain.columns)).encode())
    if len(plain):
        digest.update(
            pd.util.hash_pandas_object(plain.astype(str), index=False).to_numpy().tobytes()
        )
    if isinstance(frame, gpd.GeoDataFrame):
        wkb = shapely.to_wkb(frame.geometry.to_numpy(), include_srid=False)
        for item in wkb:
            digest.update(item if item is not None else b"-")
    return digest.hexdigest()


class _Session(Protocol):
    """One save in progress: the versions so far, and the layers it reads and writes.

    Nothing a session writes is seen by anyone until the save completes (GeoPackage: a private
    copy renamed over the file; PostGIS: one transaction).
    """

    previous: list[Version]

    def read(self, layer: str, table: str) -> pd.DataFrame: ...

    def write(self, layer: str, table: str, frame: pd.DataFrame) -> None: ...

    def count(self, layer: str) -> int: ...

    def append(self, record: Mapping[str, object]) -> None: ...


def save_version(
    path: str | Path,
    tables: Mapping[str, pd.DataFrame],
    *,
    message: str,
    author: str = "",
    summary: Mapping[str, object] | None = None,
) -> int:
    """Save the given tables as a new version; tables not given are carried over unchanged.

    Parameters
    ----------
    path
        The workspace: a GeoPackage (created when absent) or a ``postgresql://`` URL (the
        workspace tables are created in the database when absent).
    tables
        Table name → frame, already validated (GeoDataFrames in EPSG:4326).
    message, author
        What the version is and who made it.
    summary
        Extra facts to keep with the version (e.g. the build report's counts).

    Returns
    -------
    int
        The new version number.
    """
    unknown = set(tables) - set(STORED_TABLES)
    if unknown:
        raise ValueError(f"Unknown table(s): {sorted(unknown)}")
    for name, frame in tables.items():
        geometry = STORED_TABLES[name].geometry
        if geometry in ("polygon", "point") and not isinstance(frame, gpd.GeoDataFrame):
            raise ValueError(f"Table {name} must be a GeoDataFrame (it has {geometry} geometry).")
        if geometry and isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is None or not frame.crs.equals(STORAGE_CRS):
                raise ValueError(
                    f"Table {name} must be in {STORAGE_CRS} to be stored (it is in {frame.crs})."
                )
    with _new_version(path) as session:
        previous = session.previous
        number = previous[-1].number + 1 if previous else 1
        layers = dict(previous[-1].layers) if previous else {}
        fingerprints = dict(previous[-1].summary.get("fingerprints", {})) if previous else {}
        changed: dict[str, dict[str, int]] = {}
        diff: dict[str, dict[str, int]] = {}
        for name, frame in tables.items():
            fingerprint = table_fingerprint(frame)
            if fingerprints.get(name) == fingerprint and name in layers:
                continue
            before = session.read(layers[name], name) if name in layers else None
            diff[name] = summarise_change(name, before, frame)
            layer = f"{name}__v{number}"
            session.write(layer, name, frame)
            changed[name] = {"rows": int(len(frame)), "previous_rows": _rows(previous, name)}
            layers[name] = layer
            fingerprints[name] = fingerprint
        # The calendar and title stay with the workspace until a version names other ones.
        carried = {
            k: previous[-1].summary[k] for k in _KEPT if previous and k in previous[-1].summary
        }
        _append_record(
            session,
            number,
            author,
            message,
            layers,
            {
                "changed": changed,
                "diff": diff,
                "fingerprints": fingerprints,
                **carried,
                **dict(summary or {}),
            },
        )
    return number


def restore_version(
    path: str | Path,
    number: int,
    *,
    author: str = "",
    message: str | None = None,
) -> int:
    """Make an old version current again, as a new version that points at its layers.

    Nothing is overwritten or deleted: the old version's layers are shared (they are never
    changed once written), and every version in between stays in the list. The dashboard and the
    command line restore through :func:`geodata.users.audit.restore_version`, which records it.

    Returns
    -------
    int
        The new version number.
    """
    with _new_version(path) as session:
        previous = session.previous
        versions = {v.number: v for v in previous}
        if number not in versions:
            raise DataError(
                f"{_named(path)} has no version {number} (versions: {sorted(versions)})."
            )
        old, newest = versions[number], previous[-1]
        new_number = newest.number + 1
        diff: dict[str, dict[str, int]] = {}
        changed: dict[str, dict[str, int]] = {}
        for name in sorted(set(old.layers) | set(newest.layers)):
            before, after = newest.layers.get(name), old.layers.get(name)
            if before == after:
                continue
            diff[name] = summarise_change(
                name,
                session.read(before, name) if before else None,
                _read_or_empty(session, after, name),
            )
            changed[name] = {
                "rows": int(old.summary.get("rows", {}).get(name, 0)),
                "previous_rows": _rows(previous, name),
            }
        _append_record(
            session,
            new_number,
            author,
            message or messages.message("restore", number=number),
            dict(old.layers),
            {
                "changed": changed,
                "diff": diff,
                "fingerprints": dict(old.summary.get("fingerprints", {})),
                "restored_from": number,
                **{k: old.summary[k] for k in ("title", "demo", *_KEPT) if k in old.summary},
            },
        )
    return new_number


@contextmanager
def _new_version(path: str | Path) -> Iterator[_Session]:
    """A session to add one version in: all of it is saved, or (on any error) nothing."""
    if is_postgis(path):
        try:
            with postgis.new_version(str(path)) as session:
                yield session
        finally:
            _forget_newest(path)
    else:
        with geopackage.new_version(Path(path)) as session:
            yield session


def _append_record(
    session: _Session,
    number: int,
    author: str,
    message: str,
    layers: Mapping[str, str],
    summary: Mapping[str, object],
) -> None:
    session.append(
        {
            "version": number,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": author or os.environ.get("USER", ""),
            "message": message,
            "layers": json.dumps(dict(layers)),
            "summary": json.dumps(
                {"rows": {n: session.count(layer) for n, layer in layers.items()}, **summary},
                ensure_ascii=False,
                default=str,
            ),
        }
    )


def _rows(previous: list[Version], name: str) -> int:
    if not previous:
        return 0
    return int(previous[-1].summary.get("rows", {}).get(name, 0))


def workspace_token(path: str | Path) -> tuple[str, int]:
    """What a cache is keyed on: the resolved path (or the URL) and the newest version number."""
    location = workspace_location(path)
    return location, latest_version(location)


__all__ = [
    "list_versions",
    "latest_version",
    "current_version",
    "read_workspace",
    "save_version",
    "restore_version",
    "read_table",
    "workspace_token",
    "workspace_location",
    "workspace_label",
    "version_title",
    "is_postgis",
    "empty_table",
    "table_fingerprint",
]

"""Reading one uploaded travel input (#18, #19): the part of the Data page's checks
(:mod:`geodata.uploads.travel_inputs`) that opens the file, run in the upload sandbox
(:func:`geodata.uploads.travel_sandbox.read_travel_file_isolated`, the worker's ``travel`` job).

:func:`describe_travel_file` reads the file with the engines' own readers and returns a small,
JSON-safe summary of it — a road extract: its road edges and nodes and its extent in longitude and
latitude (EPSG:4326); a raster: its CRS (WKT), transform, shape and extent in longitude and
latitude; a speed table: the table as the engines load it — or raises a :class:`DataError` whose
``code`` (``travel_<code>``) the Data page translates. What needs the workspace (the overlap with
the areas, the land cover's grid) is checked with the summary, in the app.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyproj

from geodata.sources.rasters import Grid, load_speed_table, read_grid
from geodata.sources.roads import read_osm_network
from geodata.tables.problems import DataError

#: The only GDAL driver an uploaded raster is opened with (a VRT or any other format named
#: ``.tif`` is refused, not read).
RASTER_DRIVER = "GTiff"


def travel_error(code: str, message: str, **params: object) -> DataError:
    """A refusal the Data page translates as ``data.travel_<code>``."""
    return DataError(message, code=f"travel_{code}", params=dict(params))


def describe_travel_file(role: str, path: Path) -> dict:
    """``path`` read as ``role``'s file (``roads``, ``speeds`` or a raster role): its summary
    (see the module's docstring), or a :class:`DataError` naming the file."""
    path = Path(path)
    if role == "roads":
        return _describe_roads(path)
    if role == "speeds":
        return {"table": check_speed_table(path)}
    grid = _read_raster(path)
    return {
        "crs": grid.crs.to_wkt(),
        "transform": list(grid.transform)[:6],
        "shape": list(grid.shape),
        "bounds": grid_bounds(grid),
    }


def _unreadable(path: Path, exc: Exception, role: str = "roads") -> DataError:
    """The file could not be read as an extract (``roads``) or a GeoTIFF (``raster``)."""
    what = "OpenStreetMap extract" if role == "roads" else "GeoTIFF"
    return travel_error(
        f"{role}_unreadable",
        f"{path.name}: not a readable {what} ({exc}).",
        file=path.name,
        reason=str(exc),
    )


def _describe_roads(path: Path) -> dict:
    try:
        net = read_osm_network(path)
    except ValueError as exc:
        if "no roads" in str(exc):
            raise travel_error(
                "no_roads", f"{path.name}: no road in the extract.", file=path.name
            ) from exc
        raise _unreadable(path, exc) from exc
    except (OSError, RuntimeError) as exc:
        raise _unreadable(path, exc) from exc
    if not len(net.edges):
        raise travel_error("no_roads", f"{path.name}: no road in the extract.", file=path.name)
    lo, hi = net.lonlat.min(axis=0), net.lonlat.max(axis=0)
    return {
        "edges": len(net.edges),
        "nodes": len(net.lonlat),
        "bounds": [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])],
    }


def check_speed_table(path: Path) -> dict:
    """The speed table in ``path`` as the engines load it, or a :class:`DataError` naming the
    file and the key (or the line and column of broken JSON) that is wrong."""
    try:
        table = load_speed_table(path)
    except json.JSONDecodeError as exc:
        raise travel_error(
            "json",
            f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            file=path.name,
            line=exc.lineno,
            column=exc.colno,
            reason=exc.msg,
        ) from exc
    except UnicodeDecodeError as exc:
        raise travel_error("json_text", f"{path.name}: not UTF-8 text.", file=path.name) from exc
    except (ValueError, TypeError, AttributeError) as exc:  # a list, or a section missing
        raise travel_error(
            "speeds_sections",
            f"{path.name}: needs 'land-cover' and 'transport' sections.",
            file=path.name,
        ) from exc
    transport = table["transport"]
    if not isinstance(transport, dict) or not isinstance(transport.get("highway"), dict):
        raise travel_error(
            "speeds_key",
            f"{path.name}: transport.highway must be a table of speeds by road class.",
            file=path.name,
            entry="transport.highway",
        )
    sections: list[tuple[str, object]] = [("land-cover", table["land-cover"])]
    sections += [(f"transport.{k}", v) for k, v in transport.items()]
    for key, section in sections:
        if not isinstance(section, dict):
            raise travel_error(
                "speeds_key",
                f"{path.name}: {key} must be a table of numbers.",
                file=path.name,
                entry=key,
            )
        values = pd.Series(list(section.values()), index=list(section.keys()), dtype=object)
        numeric = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
        number = pd.to_numeric(values.where(numeric), errors="coerce")
        bad = ~(numeric & (number >= 0))
        if bad.any():
            name = str(values.index[bad.to_numpy().argmax()])
            raise travel_error(
                "speeds_value",
                f"{path.name}: {key}.{name} is {json.dumps(section[name])}, not a number ≥ 0.",
                file=path.name,
                entry=f"{key}.{name}",
                value=json.dumps(section[name], ensure_ascii=False),
            )
    return table


def _read_raster(path: Path) -> Grid:
    try:
        return read_grid(path, driver=RASTER_DRIVER)
    except ValueError as exc:
        if "no CRS" in str(exc):
            raise travel_error(
                "no_crs", f"{path.name}: the raster has no CRS.", file=path.name
            ) from exc
        raise _unreadable(path, exc, "raster") from exc
    except Exception as exc:  # noqa: BLE001 - rasterio's and GDAL's errors: the file is bad
        raise _unreadable(path, exc, "raster") from exc


def grid_bounds(grid: Grid) -> list[float]:
    """A grid's extent in longitude and latitude (west, south, east, north)."""
    rows, cols = grid.shape
    t = grid.transform
    xs = [t.c, t.c + t.a * cols + t.b * rows, t.c + t.a * cols, t.c + t.b * rows]
    ys = [t.f, t.f + t.d * cols + t.e * rows, t.f + t.d * cols, t.f + t.e * rows]
    to_lonlat = pyproj.Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True)
    return [float(v) for v in to_lonlat.transform_bounds(min(xs), min(ys), max(xs), max(ys))]


__all__ = ["RASTER_DRIVER", "check_speed_table", "describe_travel_file", "travel_error"]

"""Rasters for travel time: GeoTIFFs read and written, roads burnt into a grid, friction kits read.

File reading and rasterising live here; speeds, friction and the cost-distance are pure
(``analytics.traveltime.friction``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import rasterio
import rasterio.features
from affine import Affine


@dataclass(frozen=True)
class Grid:
    """A single-band raster: values (NaN = nodata), its affine transform and CRS."""

    values: np.ndarray
    transform: Affine
    crs: pyproj.CRS

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    def like(self, values: np.ndarray) -> Grid:
        return Grid(values, self.transform, self.crs)

    def refined(self, refine: int) -> Grid:
        """The same extent with each cell split into ``refine`` × ``refine`` (values: zeros)."""
        rows, cols = self.shape
        values = np.zeros((rows * refine, cols * refine))
        return Grid(values, self.transform @ Affine.scale(1 / refine), self.crs)

    def cells_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of points given in the grid's CRS (may fall outside the grid)."""
        x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
        inv = ~self.transform
        cols, rows = inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f
        return np.floor(rows).astype("int64"), np.floor(cols).astype("int64")

    def cell_size_m(self) -> tuple[float, float]:
        """Ground size of a cell east-west and north-south in metres, at the grid's centre.

        Geographic grids: degrees turned into metres on the ellipsoid; Web Mercator: the nominal
        size times cos(latitude) (the projection's scale); other projected grids: as they are.
        """
        ew, ns = abs(self.transform.a), abs(self.transform.e)
        crs = self.crs
        if not crs.is_geographic and crs.to_epsg() != 3857:
            factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
            return ew * factor, ns * factor
        rows, cols = self.shape
        t = self.transform
        cx, cy = t.c + t.a * cols / 2 + t.b * rows / 2, t.f + t.d * cols / 2 + t.e * rows / 2
        to_geo = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lon, lat = to_geo.transform(cx, cy)
        if crs.to_epsg() == 3857:
            scale = np.cos(np.radians(lat))
            return ew * scale, ns * scale
        geod = pyproj.Geod(ellps="WGS84")
        _, _, ew_m = geod.inv(lon - ew / 2, lat, lon + ew / 2, lat)
        _, _, ns_m = geod.inv(lon, lat - ns / 2, lon, lat + ns / 2)
        return float(ew_m), float(ns_m)


def read_grid(path: str | Path, driver: str | None = None) -> Grid:
    """Band 1 of a GeoTIFF as float64, nodata turned into NaN; ``driver``: the only GDAL driver
    that may open the file (an uploaded file: ``"GTiff"``), else any that recognises it."""
    with rasterio.open(path, driver=driver) as src:
        if src.crs is None:
            raise ValueError(f"{Path(path).name}: the raster has no CRS")
        values = src.read(1, masked=True).astype("float64").filled(np.nan)
        return Grid(values, src.transform, pyproj.CRS.from_user_input(src.crs.to_wkt()))


def write_grid(path: str | Path, grid: Grid, dtype: str = "float64", nodata=-1) -> None:
    """Write a grid as a compressed GeoTIFF; NaN cells become ``nodata``."""
    values = np.where(np.isnan(grid.values), nodata, grid.values).astype(dtype)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype=dtype,
        crs=grid.crs.to_wkt(),
        transform=grid.transform,
        nodata=nodata,
        compress="deflate",
    ) as dst:
        dst.write(values, 1)


def burn_speeds(lines: gpd.GeoDataFrame, speed_kmh: np.ndarray, like: Grid) -> np.ndarray:
    """The fastest line crossing each cell (km/h, 0 where none), every touched cell counted.

    Lines are drawn slowest first so that the fastest one is left in a cell.
    """
    lines = lines.to_crs(like.crs)
    speed = np.asarray(speed_kmh, dtype="float64")
    keep = np.isfinite(speed) & (speed > 0) & ~lines.geometry.is_empty.to_numpy()
    order = np.argsort(speed[keep], kind="stable")
    shapes = list(zip(lines.geometry.to_numpy()[keep][order], speed[keep][order], strict=True))
    if not shapes:
        return np.zeros(like.shape)
    return rasterio.features.rasterize(
        shapes,
        out_shape=like.shape,
        transform=like.transform,
        fill=0.0,
        all_touched=True,
        dtype="float64",
    )


def sum_onto(path: str | Path, like: Grid) -> np.ndarray:
    """A count raster (people per cell) added up onto the cells of ``like`` (GDAL's ``sum``
    resampling; nodata counts as none): the same people on another grid."""
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    out = np.zeros(like.shape, dtype="float64")
    with rasterio.open(path) as src:
        values = src.read(1, masked=True).astype("float64").filled(0.0)
        reproject(
            values,
            out,
            src_transform=src.transform,
            src_crs=src.crs,
            dst_transform=like.transform,
            dst_crs=like.crs.to_wkt(),
            resampling=Resampling.sum,
        )
    return out


def polygon_cells(polygons: gpd.GeoSeries, like: Grid) -> np.ndarray:
    """For each cell of ``like``, the position in ``polygons`` of the polygon holding its centre
    (-1 where none)."""
    polygons = polygons.to_crs(like.crs)
    shapes = [(g, i) for i, g in enumerate(polygons.to_numpy()) if g is not None and not g.is_empty]
    if not shapes:
        return np.full(like.shape, -1, dtype="int64")
    return rasterio.features.rasterize(
        shapes, out_shape=like.shape, transform=like.transform, fill=-1, dtype="int32"
    ).astype("int64")


def load_speed_table(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    if "land-cover" not in table or "transport" not in table:
        raise ValueError(f"{Path(path).name}: needs 'land-cover' and 'transport' sections")
    return table


@dataclass(frozen=True)
class KitLayers:
    """A GeoHealthAccess / AccessMod-style input folder: co-registered rasters on one grid.

    ``cover``: land-cover fractions (%) by class, from ``landcover_<Class>.tif``; ``slope``
    (degrees), ``water_osm`` (1 = water) and ``water_gsw`` (months with water) where present.
    ``template``: the grid they share.
    """

    template: Grid
    cover: dict[str, np.ndarray]
    slope: np.ndarray | None
    water_osm: np.ndarray | None
    water_gsw: np.ndarray | None


def read_kit(folder: str | Path) -> KitLayers:
    """Read a kit folder (see ``KitLayers``); every raster must share the land cover's grid."""
    folder = Path(folder)
    covers = sorted(folder.glob("landcover_*.tif"))
    if not covers:
        raise ValueError(f"{folder}: no landcover_*.tif rasters")
    template = read_grid(covers[0])
    cover = {p.stem.split("_", 1)[1]: read_grid(p).values for p in covers}
    extra = {}
    for name in ("slope", "water_osm", "water_gsw"):
        path = folder / f"{name}.tif"
        extra[name] = read_grid(path).values if path.exists() else None
    for name, values in [*cover.items(), *extra.items()]:
        if values is not None and values.shape != template.shape:
            raise ValueError(f"{name}: grid {values.shape} differs from {template.shape}")
    return KitLayers(template, cover, **extra)

"""Areas made from a population raster: a hexagon grid with the people of each hexagon.

Where a region has no official neighbourhoods with a population (the Comoros kit has a WorldPop
raster and no admin boundaries), a recipe can make its areas from the raster
(``[areas] grid = "hexagon"``, see the README's recipe section):

- the raster's populated land (valid cells) is cut into hexagons ``cell_km`` across (the distance
  between the centres of two neighbouring hexagons) in the region's UTM zone, each clipped to the
  land (the outline of the valid cells);
- each cell's people go to the hexagon its centre lies in: the cells' centres are turned into hexagon
  coordinates all at once and the people added up with ``numpy.bincount`` (no loop over cells), so the
  areas' total is the raster's total; a hexagon with no valid cell is no area;
- the measuring point of each area (``pop_lon``/``pop_lat``) is the population-weighted centre of its cells;
- districts are the pieces of connected land (islands): ``district_names = { Name = [lon, lat] }``
  names the piece that holds each point; pieces not named join the nearest named one (without
  names, pieces holding at least 1 % of the people are districts "Island 1", "Island 2" … by people);
- ``place_names`` (an OpenStreetMap extract) names each hexagon after the nearest city, town,
  village or hamlet to its measuring point ("Moroni", "Moroni 2" where two share one).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geodata.tables.problems import DataError
from geodata.tables.schema import STORAGE_CRS
from geodata.tables.text import name_key

PLACE_KINDS = ("city", "town", "village", "hamlet")
GRID_KINDS = ("hexagon",)
SQRT3 = np.sqrt(3.0)


def hex_index(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates (q, r) of the pointy-top hexagon of circumradius ``size`` holding each
    point (cube rounding, all points at once)."""
    q = (SQRT3 / 3 * x - y / 3) / size
    r = (2 / 3 * y) / size
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    return rq.astype("int64"), rr.astype("int64")


def hex_polygons(q: np.ndarray, r: np.ndarray, size: float) -> np.ndarray:
    """The hexagons (q, r) as shapely polygons."""
    cx = size * SQRT3 * (q + r / 2)
    cy = size * 1.5 * r
    angles = np.deg2rad(30 + 60 * np.arange(7))
    xs = cx[:, None] + size * np.cos(angles)[None, :]
    ys = cy[:, None] + size * np.sin(angles)[None, :]
    return shapely.polygons(np.stack([xs, ys], axis=-1))


def read_places(path: str | Path) -> pd.DataFrame:
    """Named settlements (city, town, village, hamlet) of an OpenStreetMap extract: name (French
    or English where tagged), kind, lon, lat."""
    import osmium

    rows = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("place")
    )
    for node in processor:
        if not isinstance(node, osmium.osm.Node):  # the file processor reads only nodes
            continue
        kind = node.tags.get("place")
        # the French or English name: the plain name often adds the Arabic one
        name = node.tags.get("name:fr") or node.tags.get("name:en") or node.tags.get("name")
        if kind in PLACE_KINDS and name:
            rows.append((name.strip(), kind, node.location.lon, node.location.lat))
    return pd.DataFrame(rows, columns=["name", "kind", "lon", "lat"])


def hexagon_areas(
    raster: str | Path,
    cell_km: float,
    *,
    district_names: dict[str, list[float]] | None = None,
    places: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Areas (``area_id``, ``name``, ``population``, ``district_id``, ``district_name``,
    ``pop_lon``, ``pop_lat``, polygon) from a population raster; see the module docstring."""
    import rasterio
    import rasterio.features
    from scipy import ndimage
    from scipy.spatial import cKDTree

    raster = Path(raster)
    if not raster.exists():
        raise DataError(f"Population raster not found: {raster}")
    if not cell_km or cell_km <= 0:
        raise DataError(f"{raster.name}: cell_km must be a positive number of kilometres.")
    try:
        with rasterio.open(raster) as src:
            values = src.read(1, masked=True)
            transform = src.transform
            crs = src.crs
    except rasterio.errors.RasterioIOError as exc:
        raise DataError(f"{raster.name}: not a readable raster ({exc}).") from None
    if crs is None:
        raise DataError(f"{raster.name}: the raster has no coordinate reference system.")
    data = np.ma.filled(values.astype("float64"), np.nan)
    valid = np.isfinite(data) & (data >= 0)
    if not valid.any():
        raise DataError(f"{raster.name}: the raster has no valid cells.")
    rows, cols = np.nonzero(valid)
    people = data[rows, cols]
    cx = transform.c + transform.a * (cols + 0.5) + transform.b * (rows + 0.5)
    cy = transform.f + transform.d * (cols + 0.5) + transform.e * (rows + 0.5)
    # cell centres in degrees and in the region's UTM zone (arrays, no point objects)
    to_degrees = pyproj.Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
    lon, lat = to_degrees.transform(cx, cy)
    metric = gpd.GeoSeries(
        gpd.points_from_xy([lon.mean()], [lat.mean()]), crs=STORAGE_CRS
    ).estimate_utm_crs()
    x, y = pyproj.Transformer.from_crs(STORAGE_CRS, metric, always_xy=True).transform(lon, lat)

    size = cell_km * 1000 / SQRT3
    q, r = hex_index(x, y, size)
    # one integer per hexagon, so that np.unique sorts numbers rather than rows
    span = int(r.max() - r.min()) + 1
    packed, cell_hex = np.unique((q - q.min()) * span + (r - r.min()), return_inverse=True)
    keys = np.stack([packed // span + q.min(), packed % span + r.min()], axis=1)
    cell_hex = cell_hex.ravel()
    n_hex = len(keys)
    population = np.bincount(cell_hex, weights=people, minlength=n_hex)
    # the measuring point: population-weighted centre (the cells' mean where nobody lives)
    w = np.where(population[cell_hex] > 0, people, 1.0)
    total_w = np.bincount(cell_hex, weights=w, minlength=n_hex)
    pop_lon = np.bincount(cell_hex, weights=w * lon, minlength=n_hex) / total_w
    pop_lat = np.bincount(cell_hex, weights=w * lat, minlength=n_hex) / total_w

    # land: the outline of the valid cells, in the metric CRS
    pieces = [
        shapely.geometry.shape(geom)
        for geom, _ in rasterio.features.shapes(
            valid.astype("uint8"), mask=valid, transform=transform
        )
    ]
    land = gpd.GeoSeries(pieces, crs=crs).to_crs(metric).union_all()
    shapely.prepare(land)
    hexes = hex_polygons(keys[:, 0], keys[:, 1], size)
    clipped = shapely.intersection(hexes, land)
    clipped = np.where(shapely.is_empty(clipped), hexes, clipped)

    # districts: connected land (8-neighbour), each hexagon in the piece holding most of its people
    labels, n_pieces = ndimage.label(valid, structure=np.ones((3, 3), dtype=bool))
    piece = labels[rows, cols] - 1
    by_pair = np.bincount(
        cell_hex * n_pieces + piece, weights=people + 1e-9, minlength=n_hex * n_pieces
    ).reshape(n_hex, n_pieces)
    hex_piece = by_pair.argmax(axis=1)
    piece_people = np.bincount(piece, weights=people, minlength=n_pieces)
    piece_x = np.bincount(piece, weights=x, minlength=n_pieces) / np.bincount(
        piece, minlength=n_pieces
    )
    piece_y = np.bincount(piece, weights=y, minlength=n_pieces) / np.bincount(
        piece, minlength=n_pieces
    )
    piece_name = _name_pieces(district_names, labels, transform, crs, piece_people, raster.name)
    named = np.flatnonzero(piece_name != "")
    tree = cKDTree(np.stack([piece_x[named], piece_y[named]], axis=1))
    _, nearest = tree.query(np.stack([piece_x, piece_y], axis=1))
    piece_district = np.where(piece_name != "", piece_name, piece_name[named[nearest]])
    district = piece_district[hex_piece]
    district_id = pd.Series(district).map(_district_code).to_numpy()

    frame = gpd.GeoDataFrame(
        {
            "district_name": district,
            "district_id": district_id,
            "population": np.round(population).astype("int64"),
            "pop_lon": pop_lon,
            "pop_lat": pop_lat,
            "_y": -keys[:, 1],
            "_x": keys[:, 0] + keys[:, 1] / 2,
        },
        geometry=clipped,
        crs=metric,
    )
    # ids north to south, west to east within each district
    frame = frame.sort_values(["district_id", "_y", "_x"], kind="stable").reset_index(drop=True)
    number = frame.groupby("district_id").cumcount() + 1
    frame["area_id"] = frame["district_id"] + "-" + number.map("{:03d}".format)
    frame["name"] = _place_names(frame, places, metric)
    frame["population"] = frame["population"].astype("Int64")
    frame = frame.drop(columns=["_x", "_y"]).to_crs(STORAGE_CRS)
    columns = [
        "area_id",
        "name",
        "population",
        "district_id",
        "district_name",
        "pop_lon",
        "pop_lat",
    ]
    return frame[[*columns, "geometry"]]


def check_grid_settings(section: Mapping, recipe_name: str) -> None:
    """The settings of ``[areas] grid = …`` (areas made from a population raster)."""
    if section["grid"] not in GRID_KINDS:
        raise DataError(
            f"{recipe_name}: [areas] grid can be {', '.join(map(repr, GRID_KINDS))}, "
            f"not {section['grid']!r}."
        )
    if "population_raster" not in section or "cell_km" not in section:
        raise DataError(
            f"{recipe_name}: [areas] grid = '{section['grid']}' needs population_raster = "
            "'….tif' and cell_km = the hexagons' width in kilometres."
        )
    if section["cell_km"] <= 0:
        raise DataError(f"{recipe_name}: [areas] cell_km must be above 0.")
    for setting in ("path", "columns", "key", "key_pattern", "key_column", "points"):
        if setting in section:
            raise DataError(
                f"{recipe_name}: [areas] {setting} does not go with grid = '{section['grid']}' "
                "(the areas and their people come from the population raster)."
            )


def _district_code(name: str) -> str:
    key = "".join(ch for ch in name_key(name).upper() if ch.isalnum())
    return key[:12] or "D"


def _name_pieces(
    district_names: dict[str, list[float]] | None,
    labels: np.ndarray,
    transform,
    crs,
    piece_people: np.ndarray,
    source: str,
) -> np.ndarray:
    """The district name of each piece of land ("" for a piece that joins its nearest named one)."""
    names = np.full(len(piece_people), "", dtype=object)
    if not district_names:
        big = np.flatnonzero(piece_people >= 0.01 * piece_people.sum())
        order = big[np.argsort(-piece_people[big], kind="stable")]
        names[order] = [f"Island {i + 1}" for i in range(len(order))]
        return names
    points = pd.DataFrame(
        [(str(k), *_lonlat(v, k, source)) for k, v in district_names.items()],
        columns=["name", "lon", "lat"],
    )
    where = gpd.GeoSeries(gpd.points_from_xy(points["lon"], points["lat"]), crs=STORAGE_CRS)
    where = where.to_crs(crs)
    back = ~transform
    px, py = where.x.to_numpy(), where.y.to_numpy()
    col = back.c + back.a * px + back.b * py
    row = back.f + back.d * px + back.e * py
    row, col = np.floor(row).astype("int64"), np.floor(col).astype("int64")
    inside = (row >= 0) & (row < labels.shape[0]) & (col >= 0) & (col < labels.shape[1])
    found = np.zeros(len(points), dtype="int64")
    found[inside] = labels[row[inside], col[inside]]
    if (found == 0).any():
        missing = ", ".join(points.loc[found == 0, "name"])
        raise DataError(
            f"{source}: district_names point(s) for {missing} lie on no populated cell of the "
            "raster; give a [lon, lat] on land."
        )
    names[found - 1] = points["name"].to_numpy()
    return names


def _lonlat(value, name: str, source: str) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise DataError(f"{source}: district_names {name} must be [lon, lat], not {value!r}.")
    return float(value[0]), float(value[1])


def _place_names(frame: gpd.GeoDataFrame, places: pd.DataFrame | None, metric) -> pd.Series:
    """Each area after its nearest settlement, numbered where several share one; without places,
    the district's name and the area's number."""
    from scipy.spatial import cKDTree

    if places is None or places.empty:
        return frame["district_name"] + " " + frame["area_id"].str.rsplit("-", n=1).str[-1]
    where = gpd.GeoSeries(gpd.points_from_xy(places["lon"], places["lat"]), crs=STORAGE_CRS).to_crs(
        metric
    )
    centre = gpd.GeoSeries(
        gpd.points_from_xy(frame["pop_lon"], frame["pop_lat"]), crs=STORAGE_CRS
    ).to_crs(metric)
    tree = cKDTree(np.stack([where.x.to_numpy(), where.y.to_numpy()], axis=1))
    _, nearest = tree.query(np.stack([centre.x.to_numpy(), centre.y.to_numpy()], axis=1))
    base = pd.Series(places["name"].to_numpy()[nearest], index=frame.index)
    # the most populous area keeps the plain name; the others are numbered 2, 3 … by people
    rank = frame["population"].astype("float64").groupby(base).rank(method="first", ascending=False)
    named = base.where(rank == 1, base + " " + rank.astype("int64").astype(str))
    # a numbered name can meet a place called so ("Dzahani 2"): those say their area id
    shared = named.duplicated(keep=False)
    return named.where(~shared, named + " (" + frame["area_id"] + ")")

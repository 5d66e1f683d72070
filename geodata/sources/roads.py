"""Road networks read from an OpenStreetMap extract (``.osm.pbf``) with pyosmium.

Speeds and shortest times: ``analytics.traveltime.network.network_graph(net.xy, net.edges, …)``.

Every way with a ``highway`` tag, and every ``route=ferry`` way, becomes a chain of edges between
consecutive OSM nodes (ways that share a node are joined there). Coordinates are projected to
the extract's UTM zone so that lengths are in metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pyproj
import shapely

TAGS = ("highway", "tracktype", "smoothness", "surface", "oneway", "junction", "route")


@dataclass(frozen=True)
class RoadNetwork:
    """Nodes (lon/lat and x/y metres in ``crs``) and one row per edge between two nodes:
    ``u``, ``v`` (node indices), ``length_m``, ``way`` (OSM way id) and the way's tags."""

    lonlat: np.ndarray
    xy: np.ndarray
    crs: pyproj.CRS
    edges: pd.DataFrame

    def lines(self) -> gpd.GeoDataFrame:
        """Each edge as a two-point line in WGS 84, with the way's tags (for rasterising)."""
        u, v = self.edges["u"].to_numpy(), self.edges["v"].to_numpy()
        coords = np.stack([self.lonlat[u], self.lonlat[v]], axis=1)
        geometry = shapely.linestrings(coords)
        return gpd.GeoDataFrame(self.edges.copy(), geometry=geometry, crs="EPSG:4326")


def read_osm_network(path: str | Path) -> RoadNetwork:
    """Roads and ferries of an ``.osm.pbf`` extract as a ``RoadNetwork`` (see the module doc)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    refs: list[np.ndarray] = []
    coords: list[np.ndarray] = []
    rows: list[tuple] = []
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway", "route"))
    )
    for way in processor:
        if not isinstance(way, osmium.osm.Way):  # the entity filter lets only ways through
            continue
        tags = way.tags
        if "highway" not in tags and tags.get("route") != "ferry":
            continue
        nodes = [(n.ref, n.lon, n.lat) for n in way.nodes if n.location.valid()]
        if len(nodes) < 2:
            continue
        arr = np.array(nodes, dtype="float64")
        refs.append(arr[:, 0].astype("int64"))
        coords.append(arr[:, 1:])
        rows.append((way.id, *(tags.get(t) for t in TAGS)))
    if not rows:
        raise ValueError(f"{path.name}: no roads (no way with a highway tag) in the extract")
    sizes = np.array([len(r) for r in refs])
    all_refs = np.concatenate(refs)
    all_coords = np.concatenate(coords)
    _ids, first, inverse = np.unique(all_refs, return_index=True, return_inverse=True)
    lonlat = all_coords[first]
    # an edge between consecutive nodes of the same way
    way_of = np.repeat(np.arange(len(rows)), sizes)
    same = way_of[1:] == way_of[:-1]
    u, v, way_index = inverse[:-1][same], inverse[1:][same], way_of[:-1][same]

    centre_lon, centre_lat = lonlat.mean(axis=0)
    crs = pyproj.CRS.from_user_input(
        gpd.GeoSeries(gpd.points_from_xy([centre_lon], [centre_lat]), crs="EPSG:4326")
        .estimate_utm_crs()
        .to_wkt()
    )
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_xy.transform(lonlat[:, 0], lonlat[:, 1])
    xy = np.column_stack([x, y])
    tags = pd.DataFrame(rows, columns=["way", *TAGS])
    edges = tags.iloc[way_index].reset_index(drop=True)
    edges.insert(0, "u", u)
    edges.insert(1, "v", v)
    edges.insert(2, "length_m", np.hypot(*(xy[v] - xy[u]).T))
    return RoadNetwork(lonlat, xy, crs, edges)

"""Point-to-area assignment from coordinate arrays, without building a shapely Point per record.

:class:`AreaLocator` lays a regular grid over the areas once. Each grid cell knows either the one
area that holds it entirely (then every point in it is placed by arithmetic alone), or that no
area touches it (every point in it lies in no area), or the short list of areas that cross it; only
points in those crossing cells are tested, with ``shapely.contains_xy`` on prepared polygons, one
vectorised call for all (point, candidate area) pairs of a chunk. Chunks are spread over threads:
shapely releases the GIL in its vectorised functions, so two threads use two cores.

The border rule is that of ``geopandas.sjoin(points, areas, predicate="within")``: a point lies in
an area when it is in the area's interior. A point exactly on an area's boundary is not in that
area; a point on a border shared by two areas is in neither (it counts as lying in no area).
Where areas overlap, a point goes to the first of them in the order given (the lowest index).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

#: Grid cells per area (on average) laid over the areas' bounding box.
CELLS_PER_AREA = 48
#: At most this many grid cells, whatever the number of areas.
MAX_CELLS = 4_000_000
#: Points handed to one thread at a time.
THREAD_CHUNK = 250_000


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort and a mask: faster than hashing for large int arrays)."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def default_workers() -> int:
    """Threads to use: the cores this process may run on (at least 1)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


def _prepare_now(geoms: np.ndarray) -> None:
    """Prepare the polygons and build each one's point-in-area index now, in this thread.

    GEOS builds a prepared polygon's point locator lazily, on its first test, and that building
    is not thread-safe. One test per polygon here (at its envelope's centre, so the envelope check
    cannot skip the locator) leaves nothing to build later.
    """
    shapely.prepare(geoms)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if present.any():
        b = shapely.bounds(geoms[present])
        shapely.contains_xy(geoms[present], (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2)


def _private_copy(geoms: np.ndarray) -> np.ndarray:
    """The polygons as new GEOS objects, prepared: one thread's own (never shared)."""
    copy = shapely.from_wkb(shapely.to_wkb(geoms))
    _prepare_now(copy)
    return copy


class AreaLocator:
    """Find the area each point lies in, for many points at once.

    Parameters
    ----------
    geometries
        Area polygons (a sequence or array of shapely geometries, all in the CRS of the points
        that will be located). Missing or empty geometries hold no point.
    cells_per_area
        Grid cells per area on average; more cells place more points by arithmetic alone but
        take longer to build.

    Notes
    -----
    The locator pickles (for dask workers); the polygons are prepared again where it is
    unpickled.
    """

    def __init__(self, geometries: object, *, cells_per_area: int = CELLS_PER_AREA) -> None:
        geoms = np.asarray(geometries, dtype=object)
        self.geoms = geoms
        self.n = len(geoms)
        usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if self.n else []
        self._build(np.flatnonzero(usable), cells_per_area)
        self._prepare()

    # -- building ------------------------------------------------------------------------------

    def _build(self, usable: np.ndarray, cells_per_area: int) -> None:
        self.nx = self.ny = 0
        self.x0 = self.y0 = 0.0
        self.dx = self.dy = 1.0
        self.cell_area = np.zeros(0, dtype=np.int64)
        self.cand_ptr = np.zeros(1, dtype=np.int64)
        self.cand = np.zeros(0, dtype=np.int64)
        if not len(usable):
            return
        geoms = self.geoms[usable]
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        width, height = max(maxx - minx, 1e-12), max(maxy - miny, 1e-12)
        cells = min(max(cells_per_area * len(usable), 16), MAX_CELLS)
        side = np.sqrt(width * height / cells)
        nx = int(np.clip(np.ceil(width / side), 1, cells))
        ny = int(np.clip(np.ceil(height / side), 1, cells))
        self.nx, self.ny = nx, ny
        self.x0, self.y0 = float(minx), float(miny)
        self.dx, self.dy = width / nx, height / ny
        n_cells = nx * ny
        # Each cell is treated as its closed box grown by a hair (delta), so that a point that
        # floating-point division puts in a neighbouring cell is still covered by what is
        # decided for that cell.
        delta_x, delta_y = self.dx * 1e-6, self.dy * 1e-6

        # 1. Cells crossed by an area's boundary ("near" pairs). Rings are cut into segments no
        #    longer than half a cell, so each segment lies in the 2 x 2 cells around its ends.
        parts, part_of = shapely.get_parts(geoms, return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        rings = shapely.segmentize(rings, 0.5 * min(self.dx, self.dy))
        xy, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same = coord_ring[1:] == coord_ring[:-1]
        ax, ay, bx, by = xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same]
        seg_area = usable[part_of[ring_of[coord_ring[:-1][same]]]]
        ix_lo = self._col(np.minimum(ax, bx) - delta_x)
        ix_hi = self._col(np.maximum(ax, bx) + delta_x)
        iy_lo = self._row(np.minimum(ay, by) - delta_y)
        iy_hi = self._row(np.maximum(ay, by) + delta_y)
        near_keys = _sorted_unique(
            np.concatenate(
                [
                    (iy * nx + ix) * self.n + seg_area
                    for ix in (ix_lo, ix_hi)
                    for iy in (iy_lo, iy_hi)
                ]
            )
        )

        # 2. Cells under each area's bounding box: an area can hold a point of a cell only if
        #    its bounding box reaches the cell.
        b = shapely.bounds(geoms)
        bx_lo, bx_hi = self._col(b[:, 0] - delta_x), self._col(b[:, 2] + delta_x)
        by_lo, by_hi = self._row(b[:, 1] - delta_y), self._row(b[:, 3] + delta_y)
        wide, tall = bx_hi - bx_lo + 1, by_hi - by_lo + 1
        per_area = wide * tall
        box_area = np.repeat(usable, per_area)
        k = np.arange(len(box_area)) - np.repeat(np.cumsum(per_area) - per_area, per_area)
        w = np.repeat(wide, per_area)
        box_cell = (np.repeat(by_lo, per_area) + k // w) * nx + np.repeat(bx_lo, per_area) + k % w
        box_keys = box_cell * self.n + box_area

        # 3. A pair whose boundary stays away from the cell holds all of the cell or none of it:
        #    one test at the cell's centre tells which.
        far = ~np.isin(box_keys, near_keys, assume_unique=True)
        far_cell, far_area = box_cell[far], box_area[far]
        shapely.prepare(self.geoms[usable])
        cx = self.x0 + (far_cell % nx + 0.5) * self.dx
        cy = self.y0 + (far_cell // nx + 0.5) * self.dy
        holds = shapely.contains_xy(self.geoms[far_area], cx, cy)
        hold_cell, hold_area = far_cell[holds], far_area[holds]

        # 4. Per cell: the areas to test (near or holding, ascending), or the decision.
        cand_keys = _sorted_unique(np.concatenate([near_keys, hold_cell * self.n + hold_area]))
        cand_cell, cand_area = np.divmod(cand_keys, self.n)
        counts = np.bincount(cand_cell, minlength=n_cells)
        self.cand_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.cand = cand_area.astype(np.int64)
        first_hold = np.full(n_cells, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first_hold, hold_cell, hold_area)
        first_near = np.full(n_cells, np.iinfo(np.int64).max, dtype=np.int64)
        near_cell, near_area = np.divmod(near_keys, self.n)
        np.minimum.at(first_near, near_cell, near_area)
        cell_area = np.full(n_cells, -2, dtype=np.int64)  # -2: test the points
        cell_area[counts == 0] = -1  # no area reaches the cell
        decided = first_hold < first_near  # a whole-cell area comes before any crossing one
        cell_area[decided] = first_hold[decided]
        self.cell_area = cell_area

    def _col(self, x: np.ndarray) -> np.ndarray:
        return np.clip(np.floor((x - self.x0) / self.dx), 0, self.nx - 1).astype(np.int64)

    def _row(self, y: np.ndarray) -> np.ndarray:
        return np.clip(np.floor((y - self.y0) / self.dy), 0, self.ny - 1).astype(np.int64)

    def _prepare(self) -> None:
        if self.n:
            _prepare_now(self.geoms)

    def __getstate__(self) -> dict:
        return dict(self.__dict__)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._prepare()

    @property
    def decided_share(self) -> float:
        """Share of grid cells whose points need no polygon test (inside one area, or in none)."""
        return float((self.cell_area != -2).mean()) if len(self.cell_area) else 1.0

    # -- locating ------------------------------------------------------------------------------

    def locate(
        self, x: np.ndarray, y: np.ndarray, *, workers: int | None = None, chunk: int = THREAD_CHUNK
    ) -> np.ndarray:
        """Index of the area each point lies in (see the module's border rule), or -1.

        Parameters
        ----------
        x, y
            Coordinates (same CRS as the areas). NaN lies in no area.
        workers
            Threads (default: the cores available). 1 runs in the calling thread.
        chunk
            Points per task.

        Returns
        -------
        numpy.ndarray
            int64 area index per point; -1 where the point lies in no area.
        """
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("x and y must be one-dimensional arrays of the same length")
        out = np.full(len(x), -1, dtype=np.int64)
        workers = default_workers() if workers is None else max(int(workers), 1)
        starts = range(0, len(x), max(int(chunk), 1))
        if workers == 1 or len(x) <= chunk:
            for s in starts:
                out[s : s + chunk] = self._locate_chunk(x[s : s + chunk], y[s : s + chunk])
            return out

        # Each thread tests its own copy of the polygons: GEOS prepared geometries are not safe
        # to share between threads (shared ones have corrupted the heap under load).
        copies = [self.geoms] + [_private_copy(self.geoms) for _ in range(workers - 1)]
        spare = list(range(workers))
        mine = threading.local()
        lock = threading.Lock()

        def work(s: int) -> None:
            if not hasattr(mine, "geoms"):
                with lock:
                    mine.geoms = copies[spare.pop()]
            out[s : s + chunk] = self._locate_chunk(x[s : s + chunk], y[s : s + chunk], mine.geoms)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, starts))
        return out

    def _locate_chunk(
        self, x: np.ndarray, y: np.ndarray, geoms: np.ndarray | None = None
    ) -> np.ndarray:
        geoms = self.geoms if geoms is None else geoms
        where = np.full(len(x), -1, dtype=np.int64)
        if not self.nx or not len(x):
            return where
        fx = np.floor((x - self.x0) / self.dx)
        fy = np.floor((y - self.y0) / self.dy)
        # A point on (or rounded onto) the far grid line goes to the edge cell; no area reaches
        # past the grid, so nothing decided for that cell can be wrong for such a point.
        fx[fx == self.nx] = self.nx - 1
        fy[fy == self.ny] = self.ny - 1
        idx = np.flatnonzero((fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny))  # NaN: no
        cell = (fy[idx] * self.nx + fx[idx]).astype(np.int64)
        decided = self.cell_area[cell]
        where[idx] = decided
        test = np.flatnonzero(decided == -2)
        if not len(test):
            return where
        pts, cell = idx[test], cell[test]
        where[pts] = -1
        # Points in cell order: the few polygons tested in a row stay in the cache, which makes
        # the prepared tests several times faster than in the points' own order.
        order = np.argsort(cell)
        pts, cell = pts[order], cell[order]
        lo = self.cand_ptr[cell]
        per_point = self.cand_ptr[cell + 1] - lo
        ends = np.cumsum(per_point)
        pair_pt = np.repeat(pts, per_point)
        pair_area = self.cand[np.repeat(lo - (ends - per_point), per_point) + np.arange(ends[-1])]
        hit = shapely.contains_xy(geoms[pair_area], x[pair_pt], y[pair_pt])
        pair_pt, pair_area = pair_pt[hit], pair_area[hit]
        # Pairs are grouped by point, areas ascending: a point's first hit is its lowest area.
        first = np.ones(len(pair_pt), dtype=bool)
        first[1:] = pair_pt[1:] != pair_pt[:-1]
        where[pair_pt[first]] = pair_area[first]
        return where

    def count(
        self, x: np.ndarray, y: np.ndarray, *, workers: int | None = None
    ) -> tuple[np.ndarray, int]:
        """Points per area (length ``n``) and the number of points in no area."""
        where = self.locate(x, y, workers=workers)
        inside = where >= 0
        return np.bincount(where[inside], minlength=self.n), int((~inside).sum())

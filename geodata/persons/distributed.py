"""The distributed path: person records in (partitioned) GeoParquet counted per area on dask.

The same counting as :func:`geodata.persons.points.count_points_in_areas` — the same grid locator, the same
date and scheme rules, the same border rule — run partition by partition on dask-geopandas, so a
point file larger than memory (a folder of GeoParquet files, or one file of many row groups) is
counted with only a few partitions in memory at once. Each partition becomes a few thousand count
rows; only those travel back. By default a local cluster on this machine's cores; give a scheduler
address (``tcp://host:8786``) for a real cluster.

Command line::

    python -m geodata.persons.distributed PEOPLE/ --areas WORKSPACE.gpkg --date enrolled \\
        [--scheme fund] [--scheduler tcp://host:8786] [--workers 8] --out counts.csv

Row-by-row problem listings are not kept on this path (rows have no global number inside a
partition); the totals of rejected and outside records are.
"""

from __future__ import annotations

import argparse
import logging
import sys
import uuid
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from geodata.persons.points import (
    PointCounts,
    _AreaIndex,
    _combine_counts,
    _count_chunk,
    _geometry_chunk,
    _transformer,
)
from geodata.sources.readers import parse_crs
from geodata.tables.problems import DataError

LOCAL_SCHEDULERS = {"synchronous", "sync", "single-threaded", "threads", "processes"}


def _count_partition(
    frame: gpd.GeoDataFrame,
    index: _AreaIndex,
    date: str,
    scheme: str | None,
    default_scheme: str,
    crs_wkt: str | None,
    name: str,
) -> tuple[pd.DataFrame, tuple[int, int, int, int]]:
    to_wgs84 = _transformer(CRS.from_wkt(crs_wkt) if crs_wkt else None)
    chunk = _geometry_chunk(
        frame.geometry.to_numpy(),
        rows=pd.RangeIndex(len(frame)).to_numpy(),
        dates=frame[date],
        schemes=frame[scheme] if scheme else None,
        to_wgs84=to_wgs84,
    )
    stats = PointCounts(counts=pd.DataFrame())
    counts = _count_chunk(chunk, index, name, default_scheme, stats)
    return counts, (stats.read, stats.counted, stats.outside, stats.rejected)


def count_points_distributed(
    source: str | Path,
    areas: gpd.GeoDataFrame,
    *,
    date: str,
    scheme: str | None = None,
    default_scheme: str = "household",
    crs: str | int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = True,
    split_row_groups: bool | int | str = "adaptive",
) -> PointCounts:
    """Count GeoParquet person records per area, month and scheme on dask-geopandas.

    Parameters
    ----------
    source
        A GeoParquet file, a folder of them (a partitioned dataset) or a glob.
    areas
        The areas (``area_id`` and polygons).
    date, scheme, default_scheme, crs
        As for :func:`geodata.persons.points.count_points_in_areas`.
    scheduler
        ``None``: a local cluster (``workers`` workers, default one per core); an address
        (``tcp://host:8786``): that cluster; ``"synchronous"`` / ``"threads"`` /
        ``"processes"``: dask's local schedulers, no cluster.
    workers
        Workers of the local cluster.
    processes
        Local cluster workers as processes (default) or as threads of this process.
    split_row_groups
        Passed to dask's ``read_parquet``: how row groups of large files become partitions.

    Returns
    -------
    PointCounts
        The same counts and totals as the single-machine path; ``problems`` is empty.
    """
    import dask
    import dask_geopandas

    source = Path(source) if not str(source).startswith(("s3://", "gs://", "http")) else source
    try:
        frame = dask_geopandas.read_parquet(
            str(source), split_row_groups=split_row_groups, gather_spatial_partitions=False
        )
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise DataError(f"{source}: cannot read the GeoParquet records ({exc}).") from None
    geometry = frame.geometry.name
    missing = [c for c in (date, scheme) if c and c not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: no column(s) {missing} (columns are: {', '.join(map(str, frame.columns))})."
        )
    frame = frame[[c for c in (geometry, date, scheme) if c]]
    named = parse_crs(crs, str(source))
    if frame.crs is None and named is None:
        raise DataError(f"{source}: the geometry carries no CRS; name it.")
    file_crs = named or CRS.from_user_input(frame.crs)
    index = _AreaIndex(areas, workers=1)  # dask gives the parallelism: one thread per task
    name = Path(str(source)).name
    parts = frame.to_delayed()

    def tasks(index_ref: object) -> list:
        call = dask.delayed(_count_partition, pure=True)
        return [
            call(part, index_ref, date, scheme, default_scheme, file_crs.to_wkt(), name)
            for part in parts
        ]

    if scheduler is not None and scheduler.lower() in LOCAL_SCHEDULERS:
        ref = dask.delayed(index, name=f"area-index-{uuid.uuid4().hex}", traverse=False)
        results = dask.compute(*tasks(ref), scheduler=scheduler.lower())
    else:
        from distributed import Client, LocalCluster

        cluster = None
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        client = Client(cluster if cluster is not None else scheduler)
        try:
            ref = client.scatter(index, broadcast=True)
            results = client.gather(client.compute(tasks(ref)))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    out = PointCounts(counts=_combine_counts([counts for counts, _ in results]))
    for _, (read, counted, outside, rejected) in results:
        out.read += read
        out.counted += counted
        out.outside += outside
        out.rejected += rejected
    return out


def _read_areas(path: Path) -> gpd.GeoDataFrame:
    if path.suffix.lower() == ".gpkg":
        from geodata.store.workspace import read_workspace

        return read_workspace(path)["areas"]
    if path.suffix.lower() in {".parquet", ".geoparquet"}:
        return gpd.read_parquet(path)
    return gpd.read_file(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m geodata.persons.distributed",
        description="Count GeoParquet person records per area, month and scheme on dask.",
    )
    parser.add_argument("source", help="GeoParquet file, folder of them, or glob")
    parser.add_argument("--areas", type=Path, required=True, help="workspace (.gpkg) or areas")
    parser.add_argument("--date", required=True, help="enrolment date column")
    parser.add_argument("--scheme", help="scheme column (default: every record is --default)")
    parser.add_argument("--default", default="household", help="scheme of records without one")
    parser.add_argument("--crs", help="CRS of a GeoParquet that carries none")
    parser.add_argument(
        "--scheduler", help="tcp://host:port of a dask scheduler (default: a local cluster)"
    )
    parser.add_argument("--workers", type=int, help="workers of the local cluster")
    parser.add_argument("--out", type=Path, required=True, help="CSV of the insured rows")
    args = parser.parse_args(argv)
    try:
        result = count_points_distributed(
            args.source,
            _read_areas(args.areas),
            date=args.date,
            scheme=args.scheme,
            default_scheme=args.default,
            crs=args.crs,
            scheduler=args.scheduler,
            workers=args.workers,
        )
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result.counts.to_csv(args.out, index=False)
    print(
        f"{result.read:,} records read, {result.counted:,} counted, {result.outside:,} in no "
        f"area, {result.rejected:,} rejected; {len(result.counts):,} rows written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

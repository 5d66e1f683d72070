"""Counting person records runs in a limited process of its own (geodata.uploads.sandbox).

The Data page reads a sample of a person-record file for the column mapping; the count then
reads every row. That count used to run in the app's process: a file whose later rows are hostile
could take the app down there. Now it runs in a child under the upload limits (memory, and
``count_timeout_s``), and every failure is a clean error naming the file.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pandas as pd
import pytest

from geodata.persons.points import count_points_in_areas
from geodata.tables.problems import DataError
from geodata.uploads import workflow as I
from geodata.uploads.limits import limits_from_env
from geodata.uploads.mapping import POINTS_TABLE, mapping_of, propose_mapping
from geodata.uploads.reading import Upload, discard_upload, save_uploads
from geodata.uploads.sandbox import count_points_isolated
from tests.hardening.corpus import (
    POINTS,
    SAMPLE_ROWS,
    csv_bytes,
    current_tables,
    many_records_csv,
    parquet_bomb,
)


def upload(files: list[tuple[str, bytes]]) -> Upload:
    """The file read as the Data page reads person records (a sample, in the sandbox)."""
    path = save_uploads(files)
    return I.read_upload(path, name=files[0][0], sample_rows=SAMPLE_ROWS)


def records() -> bytes:
    rows = [
        {"lat": lat, "lon": lon, "date": f"2025-0{1 + i % 3}-05", "scheme": "health"}
        for i, (lon, lat) in enumerate(POINTS * 5)
    ]
    rows += [
        {"lat": "nan", "lon": "nan", "date": "2025-03-05", "scheme": "health"},
        {"lat": 10.0, "lon": 10.0, "date": "2025-03-05", "scheme": "health"},
        {"lat": POINTS[0][1], "lon": POINTS[0][0], "date": "someday", "scheme": "health"},
    ]
    return csv_bytes(rows)


def test_the_count_in_its_own_process_equals_the_count_here(tmp_path: Path) -> None:
    areas = current_tables()["areas"]
    path = tmp_path / "people.csv"
    path.write_bytes(records())
    options = {"date": "date", "lat": "lat", "lon": "lon", "scheme": "scheme"}
    here = count_points_in_areas(path, areas, **options)
    seen: list[int] = []
    there = count_points_isolated(path, areas, name="Personen.csv", progress=seen.append, **options)
    pd.testing.assert_frame_equal(there.counts, here.counts)
    assert (there.read, there.counted, there.outside, there.rejected) == (
        here.read,
        here.counted,
        here.outside,
        here.rejected,
    )
    assert [(p.row, p.column, p.problem) for p in there.problems] == [
        (p.row, p.column, p.problem) for p in here.problems
    ]
    assert here.rejected >= 2 and here.outside >= 1
    assert seen and seen[-1] == here.read


def test_the_import_counts_in_the_sandbox_and_names_the_file() -> None:
    up = upload([("people.csv", records())])
    try:
        mapping = mapping_of(propose_mapping(up, POINTS_TABLE))
        prepared = I.prepare_import(up, POINTS_TABLE, mapping, current_tables())
    finally:
        discard_upload(up)
    assert prepared.read == 23
    assert prepared.frame["insured"].sum() == 20  # the 20 ordinary rows; the other three reported
    assert len(prepared.problems) == 3 and {p.file for p in prepared.problems} == {"people.csv"}


def test_a_decompression_bomb_past_the_sample_ends_in_a_clean_error() -> None:
    """70 KB on disk, 3 GB of text once read: the sample is harmless, the count meets the memory
    limit in its child; this process does not grow."""
    data = parquet_bomb()
    assert len(data) < 200_000
    up = upload([("people.parquet", data)])
    limits = limits_from_env().with_(memory_mb=512)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    try:
        mapping = mapping_of(propose_mapping(up, POINTS_TABLE))
        assert mapping.get("period") == "date"
        with pytest.raises(DataError) as caught:
            I.prepare_import(
                up,
                POINTS_TABLE,
                mapping,
                current_tables(),
                limits=limits,
                default_scheme="household",  # the file has no scheme column: the person's pick
            )
    finally:
        discard_upload(up)
    assert caught.value.code in {"memory", "crashed", "unreadable"}
    assert "people.parquet" in caught.value.message
    assert time.monotonic() - started < 60
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_after - peak_before < 300, (peak_before, peak_after)


def test_a_count_that_takes_too_long_is_stopped() -> None:
    up = upload([("people.csv", many_records_csv())])
    limits = limits_from_env().with_(count_timeout_s=0.1)
    try:
        mapping = mapping_of(propose_mapping(up, POINTS_TABLE))
        started = time.monotonic()
        with pytest.raises(DataError) as caught:
            I.prepare_import(up, POINTS_TABLE, mapping, current_tables(), limits=limits)
        waited = time.monotonic() - started
    finally:
        discard_upload(up)
    assert caught.value.code == "timeout"
    assert caught.value.message.startswith("people.csv: counting the records took longer")
    assert waited < 15
    # The child was killed and reaped: the reading processes' parent has none left.
    from geodata.uploads.sandbox import _SERVER

    server = _SERVER._process
    assert server is not None and server.poll() is None
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    assert children.read_text().split() == []

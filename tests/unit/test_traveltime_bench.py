"""The travel-time benchmark suite (``python -m benchmarks --only traveltime_bench``) at a small
scale: every workload runs and agrees with its baseline, so the figures in BENCHMARKS.md cannot
rot."""

from __future__ import annotations

import shutil
import tempfile

import numpy as np
import pytest

from benchmarks import traveltime_bench


def test_suite_runs_and_agrees_with_its_baselines(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the synthetic extract goes here
    records = traveltime_bench.run(scale=0.001)
    names = [r["workload"] for r in records]
    assert len(records) == 6
    assert sum(n.startswith("nearest facility by road") for n in names) == 2
    assert any("catchments by road" in n for n in names)
    assert any(n.startswith("raster cost-distance") for n in names)
    assert any("peak memory" in n for n in names)
    for record in records:
        assert record["ours"] > 0, record
        if record["workload"].startswith("raster") and shutil.which("grass") is None:
            assert record["agrees"] is None
            continue
        assert record["agrees"] is True, record
        assert record["baseline_value"] > 0 and record["ratio"] > 0, record
    # at this scale every facility is timed: the per-facility loop checks every origin
    assert "× 1)" in records[0]["baseline"]


def test_synthetic_network_is_reproducible_and_connected_enough():
    xy_a, edges_a = traveltime_bench.synthetic_network(10_000)
    xy_b, edges_b = traveltime_bench.synthetic_network(10_000)
    np.testing.assert_array_equal(xy_a, xy_b)
    assert edges_a.equals(edges_b)
    assert len(xy_a) == 10_000
    assert set(edges_a["highway"]) >= {"track", "residential", "tertiary", "secondary"}
    # a grid has about two edges a node; 8 % of the minor roads are missing
    assert 1.7 < len(edges_a) / len(xy_a) < 2.0


@pytest.mark.parametrize("megabytes", [0.3])
def test_synthetic_extract_reads_into_a_road_network(tmp_path, megabytes):
    from geodata.sources.roads import read_osm_network

    path = traveltime_bench.write_extract(tmp_path / "x.osm.pbf", megabytes)
    net = read_osm_network(path)
    assert 0.5 * megabytes * 1e6 < path.stat().st_size < 2 * megabytes * 1e6
    # the buildings are left out; each road node is in the network once
    assert set(net.edges["highway"]) <= {
        "residential",
        "unclassified",
        "track",
        "tertiary",
        "secondary",
    }
    assert len(net.xy) == len(np.unique(net.edges[["u", "v"]].to_numpy()))

"""Targets set by hand (geodata.store.targets): a new version with the one row replaced or added,
every other target kept; a share out of range, an unknown scope or a workspace that moved on is
refused and nothing is saved."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from geodata.store.targets import set_target, with_target
from geodata.store.workspace import latest_version, read_workspace
from geodata.tables.problems import DataError

TARGETS = pd.DataFrame(
    {
        "scope": ["region", "region", "D01"],
        "period": pd.to_datetime(["2026-01-01", "2026-06-01", "2026-01-01"]),
        "target_coverage": [0.9, 0.95, 0.8],
    }
)


def test_a_target_replaces_the_same_scope_and_month_and_keeps_the_others():
    out = with_target(TARGETS, "region", pd.Timestamp("2026-06-17"), 0.97)
    assert len(out) == 3 and list(out.columns) == ["scope", "period", "target_coverage"]
    region = out[out["scope"] == "region"].set_index("period")["target_coverage"]
    assert region[pd.Timestamp("2026-06-01")] == pytest.approx(0.97)
    assert region[pd.Timestamp("2026-01-01")] == pytest.approx(0.9)
    added = with_target(TARGETS, "D02", pd.Timestamp("2027-03-01"), 1.0)
    assert len(added) == 4 and len(TARGETS) == 3  # the input is not changed


def test_a_target_month_is_the_workspace_calendars():
    out = with_target(TARGETS, "D01", pd.Timestamp("2026-10-01"), 0.9, months="solar_hijri")
    # 1 October 2026 lies in Mehr 1405, which starts on 23 September 2026.
    assert pd.Timestamp("2026-09-23") in set(out["period"])


@pytest.mark.parametrize("share", [0.0, 1.5, float("nan")])
def test_a_share_out_of_range_is_refused(share):
    with pytest.raises(DataError):
        with_target(TARGETS, "region", pd.Timestamp("2026-06-01"), share)


def test_set_target_saves_a_version_and_refuses_what_it_cannot_check(demo_workspace, tmp_path):
    path = tmp_path / "ws.gpkg"
    shutil.copyfile(demo_workspace, path)
    before = latest_version(path)
    with pytest.raises(DataError, match="Unknown district"):
        set_target(path, "district", "D99", pd.Timestamp("2026-10-01"), 0.9, author="t")
    with pytest.raises(DataError, match="moved on"):
        set_target(
            path, "region", "region", pd.Timestamp("2026-10-01"), 0.9, author="t",
            expected_version=before - 1,
        )  # fmt: skip
    assert latest_version(path) == before
    number = set_target(path, "partner", "P2", pd.Timestamp("2027-01-01"), 0.85, author="t")
    assert number == before + 1
    targets = read_workspace(path)["targets"]
    assert ((targets["scope"] == "P2") & (targets["period"] == "2027-01-01")).sum() == 1

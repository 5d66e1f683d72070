"""A process killed (SIGKILL) in the middle of saving a version or committing an import, 30 times
at random moments: the workspace always opens, keeps every version it had, and its newest
version is exactly the last committed one (see ``tests/hardening/kills.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hardening.kills import kill_trials, new_workspace

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_kills_at_random_moments_never_lose_the_last_committed_version(tmp_path: Path) -> None:
    workspace = new_workspace(tmp_path / "ws.gpkg")
    report = kill_trials(workspace, trials=30)
    assert report.failures == []
    assert report.survived == report.trials == 30
    # The moments were spread over the save: some kills landed before the commit, some after.
    assert report.before_commit > 0 and report.after_commit > 0

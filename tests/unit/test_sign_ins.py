"""Failed sign-ins are counted atomically in one file that every app server shares (#18)."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from geodata.users.sign_ins import SignInLimits


class SlowSignInLimits(SignInLimits):
    """As on a busy machine: time passes between reading a count and writing the next one."""

    def _wait(self, db, key, threshold, now):
        wait = super()._wait(db, key, threshold, now)
        time.sleep(0.02)
        return wait


def _try(path: str) -> float:
    return SlowSignInLimits(path, max_failures=5).begin("relief", "10.0.0.7")


def test_simultaneous_attempts_from_several_app_servers_reserve_at_most_the_allowed_number(
    tmp_path: Path,
):
    path = str(tmp_path / "users.toml.sign-ins.sqlite")
    SignInLimits(path)  # the file exists before the servers race
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("fork")) as servers:
        waits = list(servers.map(_try, [path] * 16))
    assert waits.count(0.0) == 5  # five may be checked against the hash, the rest wait
    assert all(w > 0 for w in waits if w != 0.0)
    assert SignInLimits(path).counts() == {"user:relief": 5, "client:10.0.0.7": 5}

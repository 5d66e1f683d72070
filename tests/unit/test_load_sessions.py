"""A load session that cannot open its first page is one error of the run, not the run's end
(reliability.clients.opened): the other sessions go on."""

from __future__ import annotations

import pytest

from reliability import clients
from reliability.load import LoadReport
from tests.asyncrun import run_async


class _Refused:
    """A client that connects, then times out on its first run."""

    closed = False

    async def run(self, **_: object) -> None:
        raise TimeoutError("no answer in 60 s")

    async def close(self) -> None:
        self.closed = True


def test_a_session_whose_first_run_fails_is_an_error_and_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refused = _Refused()

    async def open_(url: str, name: str) -> _Refused:
        return refused

    monkeypatch.setattr(clients.ProtocolClient, "open", staticmethod(open_))
    report = LoadReport(1)

    async def session() -> str:
        async with clients.opened("http://x", "client 1", "overview", report) as client:
            return "skipped" if client is None else "ran"

    assert run_async(session()) == "skipped"  # before: RuntimeError, "generator didn't yield"
    assert report.errors and "TimeoutError" in report.errors[0]
    assert refused.closed

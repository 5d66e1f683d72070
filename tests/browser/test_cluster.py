"""Several dashboard processes over one PostGIS workspace behind nginx (#21): ``python -m
ui.server.cluster`` (what ``scripts/serve-cluster.sh`` runs) with two processes on the demo region
copied into a private PostGIS server. One browser is pinned to process A, another to process B
(nginx's sticky ``ca_route`` cookie); a version restored on A's Data page shows on B's open
Overview within seconds, without a reload.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from render.i18n import translate
from tests.browser.helpers import no_exception_shown, open_page, wait_for_app
from tests.conftest import GuardedPage, LoggedProcess, _free_port, require
from ui.server.secure import NGINX, ROUTE_COOKIE

pytestmark = pytest.mark.browser


class Cluster(LoggedProcess):
    """``python -m ui.server.cluster`` on a free loopback port, for one workspace."""

    what = "the cluster"

    def __init__(self, workspace: str, processes: int) -> None:
        require(Path(NGINX).exists(), f"nginx not found at {NGINX} (apt-get install nginx)")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.run_dir = Path(tempfile.mkdtemp(prefix="cluster-test-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_ATLAS_")}
        self._start(
            [sys.executable, "-m", "ui.server.cluster", "--workspace", workspace]
            + ["--processes", str(processes), "--port", str(self.port)]
            + ["--run-dir", str(self.run_dir)],
            env,
            "cluster-",
        )
        self.app_ports = self._wait(self._ports)

    def _ports(self) -> list[str] | None:
        found = re.search(r"dashboard processes: \d+ \(ports ([\d, ]+)\)", self.output())
        return [p.strip() for p in found.group(1).split(",")] if found else None

    def process_of(self, route: str) -> str:
        """The port of the process nginx sends the browser with this route cookie to."""
        request = urllib.request.Request(
            f"{self.url}/_stcore/health", headers={"Cookie": f"{ROUTE_COOKIE}={route}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        pattern = re.compile(rf"upstream=127\.0\.0\.1:(\d+) route={re.escape(route)}$")
        deadline = time.monotonic() + 10  # nginx logs a request after it has answered it
        while True:
            for line in reversed((self.run_dir / "access.log").read_text().splitlines()):
                found = pattern.search(line)
                if found:
                    return found.group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no access-log line for route {route}")
            time.sleep(0.1)

    def routes(self) -> dict[str, str]:
        """A route cookie for each process: port -> route."""
        pinned: dict[str, str] = {}
        for i in range(64):
            pinned.setdefault(self.process_of(f"probe-{i}"), f"probe-{i}")
            if len(pinned) == len(self.app_ports):
                return pinned
        raise AssertionError(f"nginx sent 64 routes to {sorted(pinned)} only")


@pytest.fixture(scope="module")
def cluster(postgis_url: str) -> Iterator[tuple[Cluster, str]]:
    from geodata.sources.workspaces import write_demo_workspace
    from geodata.store.workspace import restore_version

    url = f"{postgis_url}?schema=cluster_demo"
    write_demo_workspace(url)
    restore_version(url, 1, author="test")  # version 2: version 1 can be restored from the page
    running = Cluster(url, processes=2)
    yield running, url
    running.stop()


def pinned_page(browser, cluster: Cluster, route: str) -> GuardedPage:
    guarded = GuardedPage(browser)
    guarded.context.add_cookies([{"name": ROUTE_COOKIE, "value": route, "url": cluster.url}])
    return guarded


def version_line(version: int) -> str:
    """The end of the page header's workspace line: ``(version N)``."""
    line = translate("header.workspace", "en", title="", version=version)
    return line[line.rindex("(") :]


def test_a_version_saved_on_one_process_shows_on_the_other(cluster, browser) -> None:
    front, _url = cluster
    routes = front.routes()
    port_a, port_b = front.app_ports
    on_a = pinned_page(browser, front, routes[port_a])
    on_b = pinned_page(browser, front, routes[port_b])
    try:
        # B's Overview is open on version 2.
        open_page(on_b.page, f"{front.url}/?lang=en")
        on_b.page.get_by_text(version_line(2)).first.wait_for(timeout=30_000)
        # A restores version 1 on its Data page: version 3, saved through process A.
        a = on_a.page
        open_page(a, f"{front.url}/data?lang=en")
        a.get_by_role("tab", name=translate("data.tab_versions", "en")).click()
        confirm = translate("data.restore_confirm", "en", version=1, newest=2)
        a.get_by_text(confirm).click()
        a.get_by_role("button", name=translate("data.restore_button", "en")).click()
        a.get_by_text(translate("data.restored", "en", version=1, new=3)).wait_for(timeout=30_000)
        saved = time.monotonic()
        # B follows without a reload and without any action of its user.
        on_b.page.get_by_text(version_line(3)).first.wait_for(timeout=15_000)
        seen = time.monotonic() - saved
        print(f"version 3 saved through process A showed on process B after {seen:.1f} s")
        assert seen < 10
        wait_for_app(on_b.page)
        no_exception_shown(on_b.page)
    finally:
        on_a.close()
        on_b.close()
    assert on_a.outside == [] and on_b.outside == []
    # Each browser stayed on its own process: page, scripts, websocket (logged once closed).
    time.sleep(0.5)
    log = (front.run_dir / "access.log").read_text()
    for port, route in ((port_a, routes[port_a]), (port_b, routes[port_b])):
        served = re.findall(rf"^.*upstream=127\.0\.0\.1:(\d+) route={route}$", log, re.MULTILINE)
        assert served and set(served) == {port}, (route, set(served))
        socket = re.search(
            rf'"GET /_stcore/stream .* 101 .*upstream=127\.0\.0\.1:{port} route={route}$',
            log,
            re.MULTILINE,
        )
        assert socket, f"no websocket of route {route} through nginx"

"""Load scenarios against 1 or N dashboard processes behind nginx (#21, item 3).

Each process count gets a fresh setup: the demo region copied into a private PostgreSQL +
PostGIS server (:mod:`tests.pg_cluster`) and ``python -m ui.server.cluster --processes N`` over it
(Debian's nginx in front, sticky sessions), so one process and two are measured the same way, on
the same workspace, through the same proxy. Every process is opened once on its own port first
(cold caches, timed apart); then on that setup, one after the other:

* ``coverage``: for each session count of the curve, that many sessions at once change the
  Coverage map's filters with no think time (:func:`reliability.load._session`), ``actions``
  changes each;
* ``week``: ``sessions`` sessions move across every page for ``minutes`` minutes with a random
  think time (:mod:`reliability.week`);
* ``clients``: for each session count of the curve, that many sessions without a browser
  (:mod:`reliability.clients`: Streamlit's websocket protocol spoken directly) change the
  Coverage map's filters as the ``coverage`` sessions do, so the servers have the cores to
  themselves and their times are theirs alone;
* ``clients-week``: the week without browsers (:func:`reliability.clients.client_week`), with as
  many sessions as a busy week brings (``client_week_sessions``).

Measured apart: *page* times in the browsers (one Chromium on the same cores as the servers, so
they include its drawing), *server* times from the websocket (click to the end of the run), and
each dashboard process's CPU seconds and resident memory read from ``/proc`` — the browsers'
CPU is not in them. The machine's load average is read before each run.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from reliability.clients import client_session, client_week
from reliability.load import LoadReport, Session, _session, cpu_seconds, rss_mb
from reliability.week import week_session

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("coverage", "week", "clients", "clients-week")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Setup:
    """``python -m ui.server.cluster`` with ``processes`` dashboard processes on ``workspace``."""

    def __init__(self, workspace: str, processes: int) -> None:
        self.processes = processes
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.run_dir = Path(tempfile.mkdtemp(prefix="ca-load-"))
        self.log = self.run_dir / "cluster.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_ATLAS_WORKSPACE")}
        # No file watcher: a source file saved by other work on the machine would reload modules
        # under the running sessions, which no deployment does.
        env["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ui.server.cluster", "--workspace", workspace]
                + ["--processes", str(processes), "--port", str(self.port)]
                + ["--run-dir", str(self.run_dir)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.app_ports = self._wait_ports()
        self.pids = {port: self._pid_of(port) for port in self.app_ports}

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def _wait_ports(self, timeout: float = 240) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"dashboard processes: \d+ \(ports ([\d, ]+)\)", self.output())
            if found:
                return [p.strip() for p in found.group(1).split(",")]
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the cluster did not start: {self.output()[-2000:]}")

    def _pid_of(self, port: str) -> int:
        """The dashboard process serving ``port`` (a child of the cluster command)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        for pid in children.read_text().split():
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"ui.server.serve" in argv and port.encode() in argv:
                return int(pid)
        raise RuntimeError(f"no dashboard process found for port {port}")

    def cpu(self) -> dict[int, float]:
        return {pid: cpu_seconds(pid) for pid in self.pids.values()}

    def memory(self) -> list[int]:
        return [round(rss_mb(pid)) for pid in self.pids.values()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(LoadReport(0).percentile(q, values), 2)


async def _browser(chromium: str):
    from playwright.async_api import async_playwright

    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(
        executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
    )
    return playwright, browser


async def _warm(setup: Setup, chromium: str) -> float:
    """Open the Coverage map once on each process's own port (cold caches); the slowest, in s."""
    playwright, browser = await _browser(chromium)
    report = LoadReport(0)
    started = time.monotonic()

    async def one(port: str) -> None:
        context = await browser.new_context()
        page = await context.new_page()
        session = Session(page, f"warm-up {port}", report)
        await page.goto(f"http://127.0.0.1:{port}/coverage_map")
        await session.first_run(timeout=600)
        await session.idle(timeout=600)
        session.closing = True
        await context.close()

    try:
        await asyncio.gather(*(one(port) for port in setup.app_ports))
    finally:
        await browser.close()
        await playwright.stop()
    return time.monotonic() - started


async def _drive(scenario: str, url: str, sessions: int, options: dict, report: LoadReport):
    if scenario == "clients":  # no browser
        actions = options["actions"]
        await asyncio.gather(*(client_session(url, actions, s, report) for s in range(sessions)))
        return
    if scenario == "clients-week":
        seconds, think = options["client_week_minutes"] * 60, options["think"]
        await asyncio.gather(
            *(client_week(url, s, report, seconds, think) for s in range(sessions))
        )
        return
    playwright, browser = await _browser(options["chromium"])
    try:
        if scenario == "coverage":
            runs = [_session(browser, url, options["actions"], s, report) for s in range(sessions)]
        else:
            seconds = options["minutes"] * 60
            think = options["think"]
            runs = [week_session(browser, url, s, report, seconds, think) for s in range(sessions)]
        await asyncio.gather(*runs)
    finally:
        await browser.close()
        await playwright.stop()


def run_scenario(setup: Setup, scenario: str, sessions: int, options: dict) -> dict:
    """One run of ``scenario`` with ``sessions`` sessions on ``setup``; its figures."""
    report = LoadReport(sessions=sessions)
    load_before = os.getloadavg()
    memory_before = setup.memory()
    cpu_before = setup.cpu()
    started = time.monotonic()
    stop = threading.Event()

    def progress() -> None:  # a line every 30 s: a slow run is seen to be moving
        while not stop.wait(30):
            print(
                f"load:   {time.monotonic() - started:.0f} s, {report.actions} actions, "
                f"{len(report.errors)} errors {report.errors[-1:]}",
                flush=True,
            )

    watcher = threading.Thread(target=progress, daemon=True)
    watcher.start()
    try:
        asyncio.run(_drive(scenario, setup.url, sessions, options, report))
    finally:
        stop.set()
    seconds = time.monotonic() - started
    cpu = [round(after - cpu_before[pid], 1) for pid, after in setup.cpu().items()]
    changes = max(report.actions, 1)
    return {
        "scenario": scenario,
        "processes": setup.processes,
        "sessions": sessions,
        "actions": report.actions,
        "kinds": report.kinds,
        "browsers": not scenario.startswith("clients"),
        "p50": _percentile(report.latencies, 50),
        "p95": _percentile(report.latencies, 95),
        "server_p50": _percentile(report.server_latencies, 50),
        "server_p95": _percentile(report.server_latencies, 95),
        "server_cpu_s": cpu,
        "cpu_per_action_s": round(sum(cpu) / changes, 2),
        "app_errors": report.app_errors,
        "driver_errors": report.driver_errors,
        "errors": report.errors[:5],
        "no_change": report.no_change,
        "no_control": report.no_control,
        "auto_reruns": report.auto_reruns,
        "memory_before_mb": memory_before,
        "memory_after_mb": setup.memory(),
        "load_before": " ".join(f"{x:.1f}" for x in load_before),
        "seconds": round(seconds, 1),
        "minutes": {"week": options["minutes"], "clients-week": options["client_week_minutes"]}.get(
            scenario
        ),
    }


def postgis_workspace() -> tuple[object, str]:
    """A private PostGIS server with the demo region in it: (the server, the workspace URL)."""
    sys.path.insert(0, str(ROOT))
    from geodata.sources.workspaces import write_demo_workspace
    from tests.pg_cluster import Cluster, find_bindir

    bindir, reason = find_bindir()
    if bindir is None:
        raise SystemExit(f"load: {reason}")
    server = Cluster(bindir)
    url = f"{server.url}?schema=load_demo"
    write_demo_workspace(url)
    return server, url


def run_all(
    scenarios: list[str],
    processes: list[int],
    sessions: int,
    curve: list[int],
    options: dict,
) -> dict:
    """Every scenario on every process count (see the module): the results' ``load_scenarios``."""
    database, workspace = postgis_workspace()
    runs: list[dict] = []
    warm: dict[str, float] = {}
    started = time.monotonic()
    interrupted = False
    try:
        for count in processes:
            setup = Setup(workspace, count)
            try:
                warm[str(count)] = round(asyncio.run(_warm(setup, options["chromium"])), 1)
                for scenario in [s for s in SCENARIOS if s in scenarios]:
                    # The weeks have their own session count; the others run the curve's.
                    counts = {
                        "week": [options.get("week_sessions", sessions)],
                        "clients-week": [options.get("client_week_sessions", 50)],
                    }.get(scenario, sorted({*curve, sessions}))
                    for n in counts:
                        print(f"load: {scenario}, {count} process(es), {n} sessions", flush=True)
                        runs.append(run_scenario(setup, scenario, n, options))
                tracebacks = setup.output().count("Traceback")
                for run in runs:
                    if run["processes"] == count:
                        run["server_tracebacks"] = tracebacks
            finally:
                setup.stop()
    except BaseException:  # stopped (Ctrl-C, SIGTERM) or failed: the runs finished are kept
        interrupted = True
        if not runs:
            raise
    finally:
        database.stop()  # type: ignore[attr-defined]
    return {
        "scenarios": scenarios,
        "processes": processes,
        "sessions": sessions,
        "curve": sorted({*curve, sessions}),
        "actions": options["actions"],
        "minutes": options["minutes"],
        "think": list(options["think"]),
        "cold_seconds": warm,
        "runs": runs,
        "interrupted": interrupted,
        "seconds": round(time.monotonic() - started, 1),
    }

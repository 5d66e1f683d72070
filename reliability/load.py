"""Load: simultaneous browser sessions (one Chromium, one context each) working the filters of the
Coverage map page on the demo, all at once; the time of each rerun, errors, and the server's
memory before and after.

A rerun's time is measured from the change of a widget to the moment Streamlit's "running"
indicator is gone and the page holds still again.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

RUNNING = '[data-testid="stStatusWidget"]'


@dataclass
class LoadReport:
    sessions: int
    actions: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    rss_peak_mb: float = 0.0
    seconds: float = 0.0
    cold_seconds: float = 0.0
    server_pid: int = 0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
        return ordered[k]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the upload readers), in MB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(p) for p in text.split()]
    return found + [g for c in found for g in _children(c)]


async def _idle(page, timeout: float = 120) -> None:
    """Wait until the app has finished running (the indicator may take a moment to show)."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        running = await page.locator(RUNNING).count()
        if running:
            quiet_since = None
        else:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 0.3:
                return
        await asyncio.sleep(0.05)
    raise TimeoutError("the app kept running")


async def _session(browser, url: str, actions: int, seed: int, report: LoadReport) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: report.errors.append(f"session {seed}: {exc}"))
    rng = random.Random(seed)
    try:
        await page.goto(f"{url}/coverage_map")
        await page.wait_for_selector("#coverage-atlas", state="attached", timeout=180_000)
        await _idle(page)
        for _ in range(actions):
            boxes = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
            count = await boxes.count()
            # Not the first selectbox (the language): the map's own filters.
            choices = list(range(1, count)) or [0]
            box = boxes.nth(rng.choice(choices))
            started = time.monotonic()
            await box.locator("input").click()
            options = page.locator('[role="option"]')
            await options.first.wait_for(timeout=30_000)
            n = await options.count()
            await options.nth(rng.randrange(n)).click()
            await _idle(page)
            report.latencies.append(time.monotonic() - started)
            report.actions += 1
            shown = await page.locator('[data-testid="stException"]').count()
            if shown:
                report.errors.append(f"session {seed}: an exception is shown")
    except Exception as exc:  # noqa: BLE001 — a session that fails is an error to report
        report.errors.append(f"session {seed}: {type(exc).__name__}: {exc}"[:300])
    finally:
        await context.close()


async def _warm(browser, url: str, report: LoadReport) -> None:
    """One session opens the page first (a cold server builds its caches), timed on its own."""
    context = await browser.new_context()
    page = await context.new_page()
    started = time.monotonic()
    try:
        await page.goto(f"{url}/coverage_map")
        await page.wait_for_selector("#coverage-atlas", state="attached", timeout=600_000)
        await _idle(page, timeout=600)
    finally:
        report.cold_seconds = time.monotonic() - started
        await context.close()


async def _run(url: str, sessions: int, actions: int, chromium: str, report: LoadReport) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            await _warm(browser, url, report)
            report.rss_before_mb = rss_mb(report.server_pid)
            await asyncio.gather(
                *(_session(browser, url, actions, seed, report) for seed in range(sessions))
            )
        finally:
            await browser.close()


def run_load(
    url: str, server_pid: int, sessions: int = 10, actions: int = 8, chromium: str = ""
) -> LoadReport:
    """Drive ``sessions`` browser sessions at once, ``actions`` filter changes each."""
    import threading

    report = LoadReport(sessions=sessions, server_pid=server_pid)
    report.rss_before_mb = rss_mb(server_pid)
    peak = [report.rss_before_mb]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], rss_mb(server_pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        asyncio.run(_run(url, sessions, actions, chromium or "/usr/bin/chromium", report))
    finally:
        stop.set()
        watcher.join()
    report.seconds = time.monotonic() - started
    report.rss_after_mb = rss_mb(server_pid)
    report.rss_peak_mb = max(peak[0], report.rss_after_mb)
    return report

"""Load: simultaneous browser sessions (one Chromium, one context each) working the filters of the
Coverage map page on the demo, all at once; the time of each rerun, errors, and the server's
memory before and after.

How a rerun is timed. Streamlit's "running" indicator is no guide: it is shown only once a run has
lasted a while (reruns of under a second never show it, a longer one looks idle at its start),
and a page keeps drawing what the server sent after the script has ended. The driver this
replaces waited for 0.3 s without the indicator, so it went on while the rerun it had caused was
still running — and a dropdown clicked then can be redrawn shut by that rerun, never to open
(its 30 s waits for the options, reported as session errors). So each
session listens to its websocket, as the Streamlit client does: the server says when a run
starts (``new_session``), which elements it sends (an ``exception`` element is an error) and when
the run ends (``script_finished``, with its status; a fragment's run ends as well as a whole
page's); the browser's own messages say when it asked for a rerun (``rerun_script``; those a
fragment's timer asks for, ``is_auto_rerun``, are counted apart and not timed). One action is:

1. wait until the session is idle (no run under way, nothing left to draw);
2. open a sidebar selectbox (not the language) and pick an option other than the one shown;
3. from that click, the *server* time is until the run it caused has finished, and the *page*
   time until the page is at rest again: no element stale or still loading, and the count of
   elements unchanged for half a second.

Errors are recorded as what they are: ``app`` (an exception element, a run that ended in a
compile error, a page error in the browser, the websocket closing, a rerun that never finished
within :data:`RERUN_LIMIT_S`) or ``driver`` (the dropdown did not open after every retry — this
program's failure to drive the page, not the app's).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

#: A rerun that has not finished after this long is an error (not a slow rerun).
RERUN_LIMIT_S = 300.0
#: How long one attempt to open a dropdown may take, and how many attempts an action gets.
OPEN_TIMEOUT_S = 45.0
OPEN_ATTEMPTS = 3
SELECTBOXES = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'
SETTLED = """() => ({
  skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
  stale: document.querySelectorAll('[data-stale="true"]').length,
  elements: document.querySelectorAll('[data-testid="stElementContainer"]').length,
})"""

T = TypeVar("T")


def streamlit_message(payload: object, kind: type[T]) -> T | None:
    """A websocket frame read as Streamlit's message ``kind`` (``ForwardMsg``, ``BackMsg``);
    None for a text frame or anything that is not one."""
    if not isinstance(payload, bytes | bytearray):
        return None
    msg = kind()
    try:
        msg.ParseFromString(bytes(payload))
    except Exception:  # noqa: BLE001 — not a Streamlit message
        return None
    return msg


@dataclass
class LoadReport:
    sessions: int
    actions: int = 0
    latencies: list[float] = field(default_factory=list)
    server_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    app_errors: int = 0
    driver_errors: int = 0
    retries: int = 0
    no_change: int = 0
    no_control: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    interrupted_runs: int = 0
    auto_reruns: int = 0
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    rss_peak_mb: float = 0.0
    seconds: float = 0.0
    cold_seconds: float = 0.0
    server_pid: int = 0
    server_cpu_s: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def percentile(self, q: float, values: list[float] | None = None) -> float:
        values = self.latencies if values is None else values
        if not values:
            return float("nan")
        ordered = sorted(values)
        k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
        return ordered[k]

    def error(self, kind: str, text: str) -> None:
        """Record an error: ``app`` or ``driver`` (see the module's docstring)."""
        if kind == "app":
            self.app_errors += 1
        else:
            self.driver_errors += 1
        self.errors.append(f"{kind}: {text}"[:400])


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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used, in seconds."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(p) for p in text.split()]
    return found + [g for c in found for g in _children(c)]


class Session:
    """What the server and the browser of one session say to each other (see the module)."""

    def __init__(self, page, name: str, report: LoadReport) -> None:
        self.page = page
        self.name = name
        self.report = report
        self.running = False
        self.finished_ok = 0
        self.reruns_sent = 0
        self.closing = False
        self.doing = "opening the page"
        page.on("websocket", self._attach)
        page.on("pageerror", lambda exc: report.error("app", f"{name}: page error: {exc}"))

    def _attach(self, ws) -> None:
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)
        ws.on("close", self._closed)

    def _closed(self, *_: object) -> None:
        if not self.closing:
            self.report.error("app", f"{self.name}: the websocket closed")

    def _received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = streamlit_message(payload, ForwardMsg)
        if msg is None:
            return
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.running = True
        elif kind == "session_status_changed":
            self.running = msg.session_status_changed.script_is_running
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            if status in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
                self.finished_ok += 1
            elif status == "FINISHED_EARLY_FOR_RERUN":
                self.report.interrupted_runs += 1
            else:
                self.report.error("app", f"{self.name}, {self.doing}: a run ended {status}")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "exception" and not element.exception.is_warning:
                self.report.error(
                    "app",
                    f"{self.name}, {self.doing}: exception {element.exception.type}: "
                    f"{element.exception.message[:200]}",
                )

    def _sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = streamlit_message(payload, BackMsg)
        if msg is None:
            return
        if msg.WhichOneof("type") == "rerun_script":
            # A fragment's own timer (``run_every``: the page's check for a newer version) asks
            # for runs too; only the runs the user's clicks asked for are timed.
            if msg.rerun_script.is_auto_rerun:
                self.report.auto_reruns += 1
            else:
                self.reruns_sent += 1

    async def settled(self, timeout: float = 120, quiet: float = 0.5) -> bool:
        """Wait until the page has drawn everything (see the module); False after ``timeout``."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            state = await self.page.evaluate(SETTLED)
            if state["skeletons"] or state["stale"] or state != last:
                last, since = state, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return True
            await asyncio.sleep(0.05)
        return False

    async def first_run(self, timeout: float = RERUN_LIMIT_S) -> None:
        """Wait until the page's first run has finished (the session has its page)."""
        deadline = time.monotonic() + timeout
        while self.finished_ok == 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page's first run did not finish within {timeout:.0f} s")
            await asyncio.sleep(0.05)

    async def idle(self, timeout: float = RERUN_LIMIT_S) -> bool:
        """Wait until no run is under way and the page is at rest."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.running:
            return False
        return await self.settled(timeout=max(1.0, deadline - time.monotonic()))

    async def wait_rerun(self, ok_before: int, sent_before: int) -> float | None:
        """Seconds until the run caused by the last click has finished; None if the click asked
        for no rerun (within 10 s); raises TimeoutError past :data:`RERUN_LIMIT_S`."""
        started = time.monotonic()
        while self.reruns_sent == sent_before:
            if time.monotonic() - started > 10:
                return None
            await asyncio.sleep(0.02)
        while self.finished_ok == ok_before or self.running:
            if time.monotonic() - started > RERUN_LIMIT_S:
                raise TimeoutError(f"the rerun did not finish within {RERUN_LIMIT_S:.0f} s")
            await asyncio.sleep(0.02)
        return time.monotonic() - started


async def _open_dropdown(session: Session, box) -> list[str] | None:
    """Open ``box``'s list of options; its option texts, or None after every attempt."""
    page = session.page
    options = page.locator('[role="option"]')
    for attempt in range(OPEN_ATTEMPTS):
        if attempt:
            session.report.retries += 1
            await page.keyboard.press("Escape")
            await session.idle()
        try:
            await box.locator("input").click(timeout=OPEN_TIMEOUT_S * 1000)
            await options.first.wait_for(timeout=OPEN_TIMEOUT_S * 1000)
            return [t.strip() for t in await options.all_inner_texts()]
        except Exception:  # noqa: BLE001 — tried again, then reported
            continue
    return None


async def _action(session: Session, rng: random.Random) -> None:
    page, report = session.page, session.report
    if not await session.idle():
        raise TimeoutError(f"the page did not come to rest within {RERUN_LIMIT_S:.0f} s")
    boxes = page.locator(SELECTBOXES)
    count = await boxes.count()
    # Not the first selectbox (the language): the map's own filters.
    box = boxes.nth(rng.choice(list(range(1, count)) or [0]))
    label = (await box.locator("label").first.inner_text()).strip()
    shown = (await box.locator("input").first.get_attribute("value")) or ""
    texts = await _open_dropdown(session, box)
    if texts is None:
        report.error("driver", f"{session.name}: the {label!r} dropdown did not open")
        await page.keyboard.press("Escape")
        return
    choices = [i for i, t in enumerate(texts) if t != shown] or list(range(len(texts)))
    pick = rng.choice(choices)
    session.doing = f"{label} → {texts[pick]}"
    ok_before, sent_before = session.finished_ok, session.reruns_sent
    started = time.monotonic()
    await page.locator('[role="option"]').nth(pick).click(timeout=OPEN_TIMEOUT_S * 1000)
    server = await session.wait_rerun(ok_before, sent_before)
    if server is None:
        report.no_change += 1
        return
    if not await session.settled():
        report.error("app", f"{session.name}: the page did not come to rest after {label!r}")
        return
    report.server_latencies.append(server)
    report.latencies.append(time.monotonic() - started)
    report.actions += 1


async def _session(browser, url: str, actions: int, seed: int, report: LoadReport) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    session = Session(page, f"session {seed}", report)
    rng = random.Random(seed)
    try:
        await page.goto(f"{url}/coverage_map")
        await page.wait_for_selector("#coverage-atlas", state="attached", timeout=300_000)
        await session.first_run()
        for _ in range(actions):
            await _action(session, rng)
    except Exception as exc:  # noqa: BLE001 — a session that fails is an error to report
        report.error("app", f"{session.name}: {type(exc).__name__}: {exc}")
    finally:
        session.closing = True
        await context.close()


async def _warm(browser, url: str, report: LoadReport) -> None:
    """One session opens the page first (a cold server builds its caches), timed on its own."""
    context = await browser.new_context()
    page = await context.new_page()
    session = Session(page, "warm-up", report)
    started = time.monotonic()
    try:
        await page.goto(f"{url}/coverage_map")
        await page.wait_for_selector("#coverage-atlas", state="attached", timeout=600_000)
        await session.first_run(timeout=600)
        await session.idle(timeout=600)
    finally:
        report.cold_seconds = time.monotonic() - started
        session.closing = True
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
    import os
    import threading

    report = LoadReport(sessions=sessions, server_pid=server_pid)
    report.load_before = os.getloadavg()
    report.rss_before_mb = rss_mb(server_pid)
    cpu_before = cpu_seconds(server_pid)
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
    report.server_cpu_s = cpu_seconds(server_pid) - cpu_before
    report.load_after = os.getloadavg()
    return report

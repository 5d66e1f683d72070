"""Load without browsers: sessions that speak Streamlit's websocket protocol themselves (#21).

The browser scenarios (:mod:`reliability.load`, :mod:`reliability.week`) run Chromium on the same
cores as the dashboard, so on a small machine their server times include waiting for the
browsers' drawing. A :class:`ProtocolClient` is one browser tab as the server sees it, and
nothing more: it opens the page's websocket through the front (with its own sticky-session
cookie, so sessions spread over the processes as browsers do), asks for the page's first run,
and then sends what Streamlit's client sends when a sidebar filter changes:

* the page's script hash (from ``new_session``) and its query string (the app keeps the view in
  the URL: ``page_info_changed``), so the run is the page's, as the browser's would be;
* the changed selectbox's value as Streamlit's client writes it (the option's text) with every
  value this session set before, and the fragment the selectbox was drawn in, if any (then only
  that fragment runs, as in the browser);
* the hashes of the large elements it has already received (Streamlit sends a reference to an
  element the client holds instead of the element itself), which it resolves as the browser does;
* the reruns a fragment's timer asks for (the open page's check for a newer version): one each
  time its interval has passed, between actions, as a browser tab would, counted apart and not
  timed.

An action's *server* time runs from sending the rerun to the end of the run it caused (the run
finished and the session idle). Errors are the app's: an exception element, a run that ended
otherwise than successfully, the websocket closing, a run that never ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from reliability.load import RERUN_LIMIT_S, LoadReport
from ui.server.secure import ROUTE_COOKIE

#: Streamlit's index of the sidebar among the page's root containers (``delta_path[0]``).
SIDEBAR = 1
#: A run's end, as the server says it: anything else (but an early end for a rerun) is an error.
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


@dataclass
class Selectbox:
    """A selectbox the last run drew: its id, label, options' texts, the one shown, where."""

    id: str
    label: str
    options: list[str]
    shown: str
    fragment_id: str
    path: tuple[int, ...]

    @property
    def sidebar(self) -> bool:
        return bool(self.path) and self.path[0] == SIDEBAR


@dataclass
class Run:
    """The errors one run showed."""

    exceptions: list[str] = field(default_factory=list)


class ProtocolClient:
    """One session of the dashboard spoken to over its websocket (see the module)."""

    def __init__(self, ws, name: str) -> None:
        self.ws = ws
        self.name = name
        self.page_script_hash = ""
        self.query_string = ""
        self.values: dict[str, WidgetState] = {}
        #: The selectboxes on the page (a fragment's run redraws only its own).
        self.boxes: dict[str, Selectbox] = {}
        #: The script hashes of the navigation's pages.
        self.pages: list[str] = []
        self.cached: dict[str, ForwardMsg] = {}
        self.auto_rerun: tuple[float, str] | None = None
        self.last_auto = time.monotonic()

    @classmethod
    async def open(cls, url: str, name: str) -> ProtocolClient:
        """Open the websocket of the dashboard at ``url`` (the front), with a route cookie of its
        own (the front gives each browser one)."""
        ws = await websockets.connect(
            url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],
            origin=url,
            additional_headers={"Cookie": f"{ROUTE_COOKIE}={uuid.uuid4().hex}"},
            max_size=None,
            open_timeout=60,
        )
        return cls(ws, name)

    async def close(self) -> None:
        await self.ws.close()

    async def run(
        self, page_name: str = "", fragment_id: str = "", *, auto: bool = False
    ) -> tuple[Run, float]:
        """Ask for a run (the page's, or ``fragment_id``'s) with this session's widget values;
        what it sent, and its seconds until the session was idle again."""
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.page_script_hash = self.page_script_hash
        rerun.page_name = page_name
        rerun.fragment_id = fragment_id
        rerun.is_auto_rerun = auto
        rerun.widget_states.widgets.extend(self.values.values())
        rerun.cached_message_hashes.extend(self.cached)
        if not fragment_id:
            self.boxes = {}
        started = time.monotonic()
        await self.ws.send(msg.SerializeToString())
        seen, finished = Run(), False
        deadline = started + RERUN_LIMIT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the run did not end within {RERUN_LIMIT_S:.0f} s")
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=left))
            fwd = self._resolved(fwd)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = fwd.new_session.page_script_hash or self.page_script_hash
            elif kind == "navigation":
                self.pages = [
                    page.page_script_hash
                    for page in fwd.navigation.app_pages
                    if not page.is_hidden and not page.external_url
                ]
                self.page_script_hash = fwd.navigation.page_script_hash or self.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "auto_rerun":
                self.auto_rerun = (fwd.auto_rerun.interval, fwd.auto_rerun.fragment_id)
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    seen = Run()  # the app's own st.rerun(): the run that follows counts
                elif fwd.script_finished in FINISHED:
                    finished = True
                else:
                    name = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                    seen.exceptions.append(f"a run ended {name}")
                    finished = True
            elif kind == "session_status_changed":
                if finished and not fwd.session_status_changed.script_is_running:
                    return seen, time.monotonic() - started
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._element(fwd, seen)

    def _resolved(self, fwd: ForwardMsg) -> ForwardMsg:
        """``fwd``, or the element it refers to (an element this client holds); a large element
        is kept for the runs that will refer to it."""
        if fwd.WhichOneof("type") == "ref_hash":
            held = ForwardMsg()
            held.CopyFrom(self.cached[fwd.ref_hash])
            held.metadata.CopyFrom(fwd.metadata)
            return held
        if fwd.metadata.cacheable and fwd.hash:
            self.cached[fwd.hash] = fwd
        return fwd

    def _element(self, fwd: ForwardMsg, seen: Run) -> None:
        element = fwd.delta.new_element
        which = element.WhichOneof("type")
        if which == "exception" and not element.exception.is_warning:
            seen.exceptions.append(f"{element.exception.type}: {element.exception.message[:200]}")
        elif which == "selectbox":
            box = element.selectbox
            mine = self.values.get(box.id)
            if mine is not None:
                shown = mine.string_value
            elif box.HasField("raw_value"):
                shown = box.raw_value
            elif box.HasField("default") and 0 <= box.default < len(box.options):
                shown = box.options[box.default]
            else:
                shown = ""
            path = tuple(fwd.metadata.delta_path)
            options = list(box.options)
            self.boxes[box.id] = Selectbox(
                box.id, box.label, options, shown, fwd.delta.fragment_id, path
            )

    def choose(self, box: Selectbox, option: str) -> None:
        """Set ``box`` to ``option`` for the next run (as Streamlit's client writes it)."""
        self.values[box.id] = WidgetState(id=box.id, string_value=option)

    async def timer(self, report: LoadReport) -> None:
        """The run a fragment's timer asks for, when its interval has passed (see the module)."""
        if self.auto_rerun is None:
            return
        interval, fragment = self.auto_rerun
        if time.monotonic() - self.last_auto >= interval:
            self.last_auto = time.monotonic()
            report.auto_reruns += 1
            run, _ = await self.run(fragment_id=fragment, auto=True)
            for text in run.exceptions:
                report.error("app", f"{self.name}, the timer's run: {text}")

    async def open_page(self, script_hash: str) -> tuple[Run, float]:
        """Go to the page ``script_hash`` as a click on its link in the navigation does (the new
        page's run, the previous page's query string left behind)."""
        self.page_script_hash, self.query_string = script_hash, ""
        return await self.run()

    async def think(self, seconds: float, report: LoadReport) -> None:
        """Wait ``seconds`` as an open tab does: its fragment's timer asks for its runs meanwhile."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.auto_rerun is None:
                await asyncio.sleep(left)
                return
            due = self.last_auto + self.auto_rerun[0] - time.monotonic()
            await asyncio.sleep(max(0.0, min(due, left)))
            if time.monotonic() < deadline:
                await self.timer(report)


def filters(client: ProtocolClient) -> list[Selectbox]:
    """The page's sidebar filters: its sidebar selectboxes in the page's order but the first
    (the language), as the browser scenario picks them (:func:`reliability.load._action`)."""
    sidebar = sorted((box for box in client.boxes.values() if box.sidebar), key=lambda b: b.path)
    return sidebar[1:] or sidebar


@contextlib.asynccontextmanager
async def opened(
    url: str, name: str, page_name: str, report: LoadReport
) -> AsyncIterator[ProtocolClient | None]:
    """A session with its first page (``page_name``) open, closed at the end; None when it could
    not connect. What fails (connecting, the first run, the work in between) is an app error."""
    client = None
    try:
        client = await ProtocolClient.open(url, name)
        run, _ = await client.run(page_name=page_name)
    except Exception as exc:  # noqa: BLE001 — a session that cannot connect or open is an error
        report.error("app", f"{name}: {type(exc).__name__}: {exc}")
        if client is not None:
            await client.close()
        yield None  # the caller's session ends here, the others go on
        return
    for text in run.exceptions:
        report.error("app", f"{name}, opening {page_name}: {text}")
    try:
        yield client
    except Exception as exc:  # noqa: BLE001 — a session that fails is an error to report
        report.error("app", f"{name}: {type(exc).__name__}: {exc}")
    finally:
        await client.close()


async def change(
    client: ProtocolClient, box: Selectbox, rng: random.Random, report: LoadReport, kind: str
) -> None:
    """Set ``box`` to an option other than the one shown and time the run (one ``kind`` action)."""
    choices = [o for o in box.options if o != box.shown] or box.options
    client.choose(box, rng.choice(choices))
    await _timed(client, report, kind, client.run(fragment_id=box.fragment_id))


async def client_session(url: str, actions: int, seed: int, report: LoadReport) -> None:
    """One protocol session on the Coverage map: ``actions`` filter changes, no think time."""
    rng = random.Random(seed)
    async with opened(url, f"client {seed}", "coverage_map", report) as client:
        if client is None:
            return
        for _ in range(actions):
            await client.timer(report)
            boxes = [box for box in filters(client) if len(box.options) > 1]
            if not boxes:
                report.no_control += 1
                break
            await change(client, rng.choice(boxes), rng, report, "filter")


def main_control(client: ProtocolClient) -> Selectbox | None:
    """The page's main control, as the browser's week picks it (:func:`reliability.week.work_control`):
    the first selectbox of the main area, else the first sidebar filter; None when there is none."""
    main = sorted(
        (box for box in client.boxes.values() if not box.sidebar and len(box.options) > 1),
        key=lambda b: b.path,
    )
    sidebar = [box for box in filters(client) if len(box.options) > 1]
    found = main or sidebar
    return found[0] if found else None


async def _timed(client: ProtocolClient, report: LoadReport, kind: str, runner) -> None:
    """Await ``runner`` (a run) and count it as one ``kind`` action, or as the errors it showed."""
    run, seconds = await runner
    if run.exceptions:
        for text in run.exceptions:
            report.error("app", f"{client.name}, {kind}: {text}")
        return
    report.server_latencies.append(seconds)
    report.actions += 1
    report.kinds[kind] = report.kinds.get(kind, 0) + 1


async def client_week(
    url: str, seed: int, report: LoadReport, seconds: float, think: tuple[float, float]
) -> None:
    """One session's week without a browser, as :func:`reliability.week.week_session` in one:
    open the Overview, then until ``seconds`` are up think a random ``think`` s and open another
    page (*navigate*), think again and change that page's main control (*control*)."""
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    # Sessions arrive spread over the first think time, not all in the same instant.
    await asyncio.sleep(rng.uniform(0, think[1]))
    async with opened(url, f"client {seed}", "overview", report) as client:
        if client is None:
            return
        step = 0
        while time.monotonic() + think[0] < deadline:
            await client.think(rng.uniform(*think), report)
            if time.monotonic() >= deadline:
                break
            if step % 2 == 0:
                others = [h for h in client.pages if h != client.page_script_hash]
                await _timed(client, report, "navigate", client.open_page(rng.choice(others)))
            elif (box := main_control(client)) is None:
                report.no_control += 1
            else:
                await change(client, box, rng, report, "control")
            step += 1

"""HTML/JavaScript payloads placed in every string field of a workspace, and the checks that none
became markup or ran in a real browser — on every page the app lists, inside the map frames too.

Each payload, were it to become markup, would create an element whose ``id`` starts with ``pwn``
(or whose ``src``/``href`` holds ``pwn``) and/or run ``window.__pwned = 1`` or a dialog. The checks
look for exactly those, in the page and in every frame. Used by ``tests/hardening/
test_escaping.py`` and by ``python -m reliability``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from reliability.load import streamlit_message

PAYLOADS: tuple[str, ...] = (
    "<img src=x id=pwn01 onerror=window.__pwned=1>",
    "<svg id=pwn02 onload=window.__pwned=1>",
    '"><script id=pwn03>window.__pwned=1</script>',
    "'><img src=x id=pwn04 onerror=alert(4)>",
    '<iframe id=pwn05 src="javascript:parent.__pwned=1"></iframe>',
    '<a id=pwn06 href="javascript:window.__pwned=1">click</a>',
    "<details id=pwn07 open ontoggle=window.__pwned=1>",
    "<input id=pwn08 autofocus onfocus=window.__pwned=1>",
    "<video id=pwn09><source onerror=window.__pwned=1></video>",
    "<math><mtext><table><mglyph><style><img id=pwn10 src=x onerror=window.__pwned=1>",
    "</textarea><img id=pwn11 src=x onerror=window.__pwned=1>",
    "</title><img id=pwn12 src=x onerror=window.__pwned=1>",
    "</style><img id=pwn13 src=x onerror=window.__pwned=1>",
    "</script><img id=pwn14 src=x onerror=window.__pwned=1>",
    "`${window.__pwned=1}`<b id=pwn15>t</b>",
    '\\"-window.__pwned=1-\\"<b id=pwn16>q</b>',
    "'-window.__pwned=1-'<b id=pwn17>s</b>",
    '<object id=pwn18 data="javascript:window.__pwned=1"></object>',
    '<embed id=pwn19 src="javascript:window.__pwned=1">',
    "<marquee id=pwn20 onstart=window.__pwned=1>m</marquee>",
    "<form id=pwn21><button formaction=javascript:window.__pwned=1>b</button></form>",
    "<div id=pwn22 style=\"background:url('javascript:window.__pwned=1')\">d</div>",
    "<img src=x id=pwn23 onerror=\"eval(atob('d2luZG93Ll9fcHduZWQ9MQ=='))\">",
    "&lt;img id=pwn24 src=x onerror=window.__pwned=1&gt;",
    "<scr<script>ipt id=pwn25>window.__pwned=1</script>",
    "<IMG SRC=x ID=pwn26 ONERROR=window.__pwned=1>",
    "<img/id=pwn27/src=x/onerror=window.__pwned=1>",
    "<svg><animate id=pwn28 onbegin=window.__pwned=1 attributeName=x dur=1s>",
    "[pwn29](javascript:window.__pwned=1)",
    "![pwn30](http://127.0.0.1:9/pwn30.png)",
    '<base href="http://127.0.0.1:9/pwn31/">',
    '<meta id=pwn32 http-equiv=refresh content="0;url=javascript:window.__pwned=1">',
    "<link id=pwn33 rel=stylesheet href=http://127.0.0.1:9/pwn33.css>",
    "{{constructor.constructor('window.__pwned=1')()}}<b id=pwn34>c</b>",
    "<style>@import 'http://127.0.0.1:9/pwn35.css';</style><b id=pwn35>i</b>",
    "javascript:window.__pwned=1//<b id=pwn36>j</b>",
    "SSTI{{ 6*7 }} {% for x in [1] %}SSTIloop{{ x }}{% endfor %}<b id=pwn37>t</b>",
    # Spreadsheet formulas (CSV/formula injection): text starting with = + - @ tab or CR.
    '=HYPERLINK("http://127.0.0.1:9/pwn38","pwn38")',
    "+1+cmd|' /C calc'!A0 pwn39",
    "-2+3+cmd|' /C calc'!A0 pwn40",
    "@SUM(1+1)*cmd|' /C calc'!A0 pwn41",
    "\t=1+1 pwn42",
    "\r=1+1 pwn43",
)

#: The string fields that carry payloads: table → columns. District and province names take one
#: payload per district / province (they name groups of areas).
FIELDS: dict[str, tuple[str, ...]] = {
    "areas": ("name", "name_en", "name_fa", "name_vi", "district_name", "province"),
    "facilities": ("name", "operator", "address"),
    "partners": ("name", "name_fa", "name_vi", "contact"),
}
_GROUPED = {"district_name": "district_id", "province": "province"}


INJECTED = """() => {
  const hits = Array.from(document.querySelectorAll(
    "[id^='pwn' i], [src*='pwn' i], [href*='pwn' i]:not([href^='#']), a[href^='javascript' i], " +
    "iframe[src^='javascript' i], object[data^='javascript' i], embed[src^='javascript' i]"
  ));
  return {
    pwned: window.__pwned !== undefined,
    templated: /SSTI42|SSTIloop1/.test(document.documentElement.outerHTML),
    errors: document.querySelectorAll('[data-testid="stException"]').length,
    elements: hits.map(e => e.outerHTML.slice(0, 120)),
    shown: (document.body ? document.body.innerText : '').split('pwn').length - 1,
  };
}"""

OPEN_EVERYTHING = """() => {
  if (!window.map) return 0;
  let n = 0;
  window.map.eachLayer(l => {
    if (l.feature) { l.fire('mouseover'); if (l.openTooltip) l.openTooltip(); }
    if (l.getPopup && l.getPopup()) { l.openPopup(); n += 1; }
    if (l.getTooltip && l.getTooltip()) { l.openTooltip(); n += 1; }
  });
  return n;
}"""


#: Put in front of every other value, so that every table a page offers as a file holds text a
#: spreadsheet would run as a formula, whichever rows it shows.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def payload_value(i: int, k: int, tail: object) -> str:
    """The ``i``-th value of the ``k``-th field: a payload (cycling through :data:`PAYLOADS`),
    behind a formula character on odd rows, then ``tail`` (keeps values apart)."""
    prefix = FORMULA_PREFIXES[(i // 2) % len(FORMULA_PREFIXES)] if i % 2 else ""
    return f"{prefix}{PAYLOADS[(i + k) % len(PAYLOADS)]} {tail}"


def payload_workspace(path: Path) -> dict[str, object]:
    """The demo region with a payload in every string field (cycling through :data:`PAYLOADS`,
    every other one behind a formula character); returns what was placed, for the report."""
    from geodata.sources.demo import build_demo_tables
    from geodata.store.workspace import save_version

    tables = build_demo_tables()
    placed = 0
    for table, columns in FIELDS.items():
        frame = tables[table].copy()
        for k, column in enumerate(columns):
            if column in _GROUPED:
                groups = frame[_GROUPED[column]].astype(str)
                codes = {g: i for i, g in enumerate(dict.fromkeys(groups))}
                frame[column] = [payload_value(codes[g], k, g) for g in groups]
                placed += len(codes)
            else:
                frame[column] = [payload_value(i, k, i) for i in range(len(frame))]
                placed += len(frame)
        tables[table] = frame
    save_version(path, tables, message="payloads", summary={"title": PAYLOADS[0]})
    return {
        "payloads": len(PAYLOADS),
        "fields": sum(len(c) for c in FIELDS.values()),
        "values": placed,
    }


@dataclass
class PageCheck:
    """What one page showed: payload texts seen, injected elements, script runs, template
    expressions evaluated on the server (``SSTI42``), dialogs, exceptions shown; and the files its
    download buttons gave (``(file name, bytes)``), when asked for."""

    page: str
    frames: int = 0
    shown: int = 0
    injected: list[str] = field(default_factory=list)
    ran: bool = False
    templated: bool = False
    errors: int = 0
    dialogs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    files: list[tuple[str, bytes]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    hidden: int = 0
    skipped: int = 0


class ScriptRuns:
    """The script runs of one browser page, as the server reports them on the websocket.

    Streamlit's own "running" indicator is no guide: it is shown only once a run has lasted a
    while (never, in reruns of under a second watched here), and a page can still be drawing
    what the server sent seconds after the script ended.
    The server's messages say exactly when a run starts (``new_session``) and ends
    (``script_finished``), and which of its elements the browser draws in a frame of their own
    (a component, such as a map, or an ``iframe``); the browser's messages say when it asked for
    a run (``rerun_script``: on opening a page, and when a component such as a map sends its
    value). The fragments the browser runs every few seconds by themselves (``auto_rerun``: the
    version watcher, which draws nothing) are left out of the counts. Events arrive while Playwright
    waits (``page.wait_for_timeout``).
    """

    #: The elements the browser draws in a frame of their own.
    FRAMED = ("component_instance", "iframe")

    def __init__(self, page) -> None:
        self.page = page
        self.started = 0
        self.finished = 0
        self.running = False
        self.statuses: list[str] = []
        self.requested = 0
        self.started_at_request = 0
        self.framed: dict[tuple[int, ...], bool] = {}
        self.timed: set[str] = set()
        self.timed_run = False
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = streamlit_message(payload, BackMsg)
        if msg is None:
            return
        if msg.WhichOneof("type") == "rerun_script" and not msg.rerun_script.is_auto_rerun:
            self.requested += 1
            self.started_at_request = self.started

    def _received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = streamlit_message(payload, ForwardMsg)
        if msg is None:
            return
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.running = True
            fragments = set(msg.metadata.run.fragment_ids)
            self.timed_run = bool(fragments) and fragments <= self.timed
            self.started += not self.timed_run  # runs started, but timed fragments'
            if not fragments:  # a run of the whole page: drawn anew
                self.framed = {}
        elif kind == "auto_rerun":
            self.timed.add(msg.auto_rerun.fragment_id)
        elif kind == "session_status_changed":
            self.running = msg.session_status_changed.script_is_running
        elif kind == "script_finished":
            self.finished += not self.timed_run
            self.statuses.append(ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished))
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            framed = msg.delta.new_element.WhichOneof("type") in self.FRAMED
            self.framed[tuple(msg.metadata.delta_path)] = framed

    @property
    def frames_expected(self) -> int:
        """How many frames the last run's elements draw."""
        return sum(self.framed.values())

    @property
    def busy(self) -> bool:
        """Whether a run (but a timed fragment's) is going on."""
        return self.running and not self.timed_run

    @property
    def at_rest(self) -> bool:
        """No run is going on (but a timed fragment's), and every run the browser asked for has
        started (and so ended)."""
        return not self.busy and self.started > self.started_at_request

    def wait_idle(self, timeout: float = 60) -> None:
        """Wait until no run is going on, a timed fragment's included (a download button
        pressed while one runs may give no file)."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)

    def wait_finished(self, after: int, timeout: float = 120) -> None:
        """Wait until a run ends after ``after`` runs had ended, and none is running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.finished > after and not self.busy:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no script run ended within {timeout:.0f} s")


SETTLED = """() => ({
  skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
  stale: document.querySelectorAll('[data-stale="true"]').length,
  elements: document.querySelectorAll('[data-testid="stElementContainer"]').length,
})"""


def wait_settled(page, timeout: float = 60, quiet: float = 1.0) -> None:
    """Wait until the page has drawn what the server sent: no placeholder or stale element, and
    the count of elements unchanged for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = page.evaluate(SETTLED)
        busy = state["skeletons"] or state["stale"]
        if busy or state != last:
            last, since = state, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        page.wait_for_timeout(100)


def wait_ready(page, timeout: float = 120, runs: ScriptRuns | None = None, after: int = 0) -> None:
    """Wait until app.py has run (its marker is on the page), the page script has finished (the
    server says so, where ``runs`` watches the page) and the page has drawn it."""
    from tests.browser.helpers import wait_for_app

    page.wait_for_selector("#coverage-atlas", state="attached", timeout=timeout * 1000)
    if runs is not None:
        runs.wait_finished(after, timeout)
    else:
        wait_for_app(page, timeout=timeout)
        time.sleep(0.5)
        wait_for_app(page, timeout=timeout)
    wait_settled(page, timeout=min(timeout, 60))


def nav_pages(page, base_url: str, runs: ScriptRuns | None = None, start: str = "") -> list[str]:
    """The pages the app lists in its navigation now (whatever app.py declares), read on the
    page ``start`` (a page name, :func:`page_name`; ``""``: the page the app opens on), which
    the browser then shows."""
    after = runs.finished if runs else 0
    page.goto(f"{base_url}/{start}")
    wait_ready(page, runs=runs, after=after)
    links = page.locator('[data-testid="stSidebarNav"] a')
    hrefs = []
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href") or ""
        if href and href not in hrefs:
            hrefs.append(href)
    return hrefs


#: Pages (beyond the navigation) that show and offer more: an area's details, the map export, a
#: plan of new sites.
EXTRA_URLS = ("coverage_map?area=A001", "briefings?section=map", "infrastructure?plan=1&k=2")
#: Buttons that make a file before it can be downloaded (the briefing PDF).
MAKE_FIRST = (".st-key-br_make button",)
DOWNLOAD_BUTTONS = '[data-testid="stDownloadButton"] button'


#: The class naming a widget's key (``st-key-<key>``); a download button's key ends with the
#: extension of its file (:func:`ui.downloads._download_row`).
BUTTON_KEY = """b => { const el = b.closest('[class*="st-key-"]');
  const m = el && el.className.match(/st-key-(\\S+)/); return m ? m[1] : ''; }"""


def collect_downloads(page, runs: ScriptRuns, check: PageCheck, skip: tuple[str, ...] = ()) -> None:
    """Press every download button of the page (after the buttons that make a file) and keep
    what the browser received, but for the buttons whose key ends with an extension in ``skip``
    (kinds of file not checked: their files are made when pressed, which costs their making).
    Download buttons do not rerun the page (``on_click="ignore"``): each is pressed on the page
    as it stands."""
    for selector in MAKE_FIRST:
        button = page.locator(selector)
        if button.count():
            after = runs.finished
            button.first.click()
            wait_ready(page, runs=runs, after=after)
            wait_frames(page, runs)
    count = page.locator(DOWNLOAD_BUTTONS).count()
    for i in range(count):
        button = page.locator(DOWNLOAD_BUTTONS).nth(i)
        if not button.is_visible():  # in a tab not open (the Data page's backup): not pressed
            check.hidden += 1
            continue
        if skip and button.evaluate(BUTTON_KEY).endswith(tuple(f"_{k}" for k in skip)):
            check.skipped += 1
            continue
        label = ""
        for attempt in (1, 2):
            try:
                label = button.inner_text(timeout=5000).strip()
                button.scroll_into_view_if_needed(timeout=10_000)
                runs.wait_idle()
                with page.expect_download(timeout=120_000) as info:
                    button.click(timeout=30_000)
                download = info.value
                data = Path(download.path()).read_bytes()
                check.files.append((download.suggested_filename, data))
                break
            except Exception as exc:  # noqa: BLE001 — reported: a button that gave no file
                if attempt == 1:  # a run came between: once more, at rest
                    wait_frames(page, runs)
                    continue
                message = f"{check.page} #{i} {label!r}: {type(exc).__name__}: {exc}"
                check.missed.append(message[:300])


#: Whether a frame has drawn what it holds: its document loaded and, in a map's frame, the
#: Leaflet map made.
FRAME_READY = """() => document.readyState === 'complete'
  && (!document.querySelector('.folium-map') || !!window.map)"""

#: A map sends its value (bounds, zoom, ...) 250 ms after it moved (streamlit-folium's debounce),
#: when it differs from the last: the browser then asks for a run.
MAP_VALUE_DELAY_MS = 400


def frames_ready(page) -> bool:
    """Whether every frame on the page has drawn what it holds (:data:`FRAME_READY`)."""
    for handle in page.query_selector_all("iframe"):
        try:
            frame = handle.content_frame()
            if frame is None or not frame.evaluate(FRAME_READY):
                return False
        except Exception:  # noqa: BLE001 — a frame replaced while we looked: look again
            return False
    return True


def open_everything(page) -> None:
    """Open every tooltip and popup of every map on the page (:data:`OPEN_EVERYTHING`)."""
    for handle in page.query_selector_all("iframe[title='streamlit_folium.st_folium']"):
        try:
            frame = handle.content_frame()
            if frame is not None:
                frame.evaluate(OPEN_EVERYTHING)
        except Exception:  # noqa: BLE001 — a frame replaced while we looked; looked at later
            pass


def wait_frames(page, runs: ScriptRuns, timeout: float = 60) -> None:
    """Wait until the page shows every frame its last run's elements draw (components such as
    maps appear after the script ends) and each has drawn what it holds, with no run going on;
    then open every map's tooltips and popups, and check that no map asked for a run since (its
    value, sent after a delay) and no frame came or went: the page holds still, and a download
    button's file is the one it offers. Else wait again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = len(page.query_selector_all("iframe"))
        if count >= runs.frames_expected and runs.at_rest and frames_ready(page):
            requested = runs.requested
            open_everything(page)
            page.wait_for_timeout(MAP_VALUE_DELAY_MS)
            still = len(page.query_selector_all("iframe")) == count
            if still and runs.requested == requested and runs.at_rest:
                return
        page.wait_for_timeout(100)
    raise AssertionError(f"the page's frames did not settle within {timeout:.0f} s")


def wait_frames_quiet(page, timeout: float = 30) -> None:
    """Without the server's messages: wait until the count of frames holds still 2.5 s, then
    open every map's tooltips and popups."""
    count, since, deadline = -1, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = len(page.query_selector_all("iframe"))
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since > 2.5:
            break
        time.sleep(0.25)
    for handle in page.query_selector_all("iframe[title='streamlit_folium.st_folium']"):
        try:
            frame = handle.content_frame()
            wait_map = time.monotonic() + 30
            while frame is not None and time.monotonic() < wait_map:
                if frame.evaluate("() => !!window.map"):
                    frame.evaluate(OPEN_EVERYTHING)
                    break
                time.sleep(0.25)
        except Exception:  # noqa: BLE001 — a frame replaced while we looked; looked at below
            pass
    time.sleep(0.3)


def check_page(
    page,
    url: str,
    dialogs: list[str],
    runs: ScriptRuns | None = None,
    downloads: bool = False,
    skip: tuple[str, ...] = (),
    *,
    navigate: bool = True,
) -> PageCheck:
    """Open ``url`` (unless not ``navigate``: the browser shows it already, run and drawn), open
    every tooltip and popup of every map, and look everywhere; then, when ``downloads``, press
    every download button (less those of ``skip``, see :func:`collect_downloads`) and keep the
    files."""
    started = time.monotonic()
    check = PageCheck(url)
    if navigate:
        after = runs.finished if runs else 0
        page.goto(url)
        wait_ready(page, runs=runs, after=after)
    if runs is not None:
        wait_frames(page, runs)
    else:
        wait_frames_quiet(page)
    targets = [page.main_frame, *[f for f in page.frames if f is not page.main_frame]]
    for frame in targets:
        try:
            found = frame.evaluate(INJECTED)
        except Exception:  # noqa: BLE001 — detached frame
            continue
        check.frames += 1
        check.shown += int(found["shown"])
        check.injected += found["elements"]
        check.ran = check.ran or bool(found["pwned"])
        check.templated = check.templated or bool(found["templated"])
        check.errors += int(found["errors"])
    if downloads and runs is not None:
        collect_downloads(page, runs, check, skip)
    check.dialogs = list(dialogs)
    dialogs.clear()
    check.seconds = time.monotonic() - started
    return check


def page_name(url: str) -> str:
    """A page's name as its URL path writes it (``""``: the page the app opens on)."""
    return urlsplit(url).path.strip("/")


def check_all_pages(
    browser,
    base_url: str,
    extra_urls: tuple[str, ...] = (),
    *,
    downloads: bool = False,
    skip: tuple[str, ...] = (),
    pages: Callable[[str], bool] | None = None,
    start: str = "",
) -> list[PageCheck]:
    """Every page of the app's navigation (plus ``extra_urls``), each in the same browser tab;
    with ``downloads``, every file each page offers too (less the kinds in ``skip``); with
    ``pages``, only the URLs whose page name (:func:`page_name`) it accepts. The navigation is
    read on the page ``start`` (:func:`nav_pages`), checked there without opening it again when
    it is one of them."""
    from tests.conftest import GuardedPage

    guarded = GuardedPage(browser)
    guarded.page.set_default_navigation_timeout(120_000)  # as wait_ready: a busy machine
    runs = ScriptRuns(guarded.page)
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    guarded.page.on("dialog", on_dialog)
    try:
        listed = nav_pages(guarded.page, base_url, runs, start)
        urls = listed + [f"{base_url}/{u}" for u in extra_urls]
        urls = [u for u in urls if pages is None or pages(page_name(u))]
        shown = [u for u in listed if page_name(u) == start and not urlsplit(u).query][:1]
        return [
            check_page(guarded.page, url, dialogs, runs, downloads, skip, navigate=[url] != shown)
            for url in sorted(urls, key=lambda u: u not in shown)
        ]
    finally:
        guarded.close()

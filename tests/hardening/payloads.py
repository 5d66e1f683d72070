"""HTML/JavaScript payloads placed in every string field of a workspace, and the checks that none
became markup or ran in a real browser — on every page the app lists, inside the map frames too.

Each payload, were it to become markup, would create an element whose ``id`` starts with ``pwn``
(or whose ``src``/``href`` holds ``pwn``) and/or run ``window.__pwned = 1`` or a dialog. The checks
look for exactly those, in the page and in every frame. Used by ``tests/hardening/
test_escaping.py`` and by ``python -m reliability``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

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


def payload_workspace(path: Path) -> dict[str, object]:
    """The demo region with a payload in every string field (cycling through :data:`PAYLOADS`);
    returns what was placed, for the report."""
    from geodata.demo import build_demo_tables
    from geodata.store import save_version

    tables = build_demo_tables()
    placed = 0
    for table, columns in FIELDS.items():
        frame = tables[table].copy()
        for k, column in enumerate(columns):
            if column in _GROUPED:
                groups = frame[_GROUPED[column]].astype(str)
                codes = {g: i for i, g in enumerate(dict.fromkeys(groups))}
                frame[column] = [f"{PAYLOADS[(codes[g] + k) % len(PAYLOADS)]} {g}" for g in groups]
                placed += len(codes)
            else:
                frame[column] = [
                    f"{PAYLOADS[(i + k) % len(PAYLOADS)]} {i}" for i in range(len(frame))
                ]
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
    expressions evaluated on the server (``SSTI42``), dialogs, exceptions shown."""

    page: str
    frames: int = 0
    shown: int = 0
    injected: list[str] = field(default_factory=list)
    ran: bool = False
    templated: bool = False
    errors: int = 0
    dialogs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def wait_ready(page, timeout: float = 120) -> None:
    """Wait until app.py has run (its marker is on the page) and the page script has finished."""
    from tests.browser.helpers import wait_for_app

    page.wait_for_selector("#coverage-atlas", state="attached", timeout=timeout * 1000)
    wait_for_app(page, timeout=timeout)
    time.sleep(0.5)
    wait_for_app(page, timeout=timeout)


def nav_pages(page, base_url: str) -> list[str]:
    """The pages the app lists in its navigation now (whatever app.py declares)."""
    page.goto(base_url)
    wait_ready(page)
    links = page.locator('[data-testid="stSidebarNav"] a')
    hrefs = []
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href") or ""
        if href and href not in hrefs:
            hrefs.append(href)
    return hrefs


def check_page(page, url: str, dialogs: list[str]) -> PageCheck:
    """Open ``url``, open every tooltip and popup of every map, and look everywhere."""
    started = time.monotonic()
    check = PageCheck(url)
    page.goto(url)
    wait_ready(page)
    # Components (maps) appear after the script ends: wait until the count of frames holds still.
    count, since, deadline = -1, time.monotonic(), time.monotonic() + 30
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
    check.dialogs = list(dialogs)
    dialogs.clear()
    check.seconds = time.monotonic() - started
    return check


def check_all_pages(browser, base_url: str, extra_urls: tuple[str, ...] = ()) -> list[PageCheck]:
    """Every page of the app's navigation (plus ``extra_urls``), each in the same browser tab."""
    from tests.conftest import GuardedPage

    guarded = GuardedPage(browser)
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    guarded.page.on("dialog", on_dialog)
    try:
        urls = nav_pages(guarded.page, base_url) + [f"{base_url}/{u}" for u in extra_urls]
        return [check_page(guarded.page, url, dialogs) for url in urls]
    finally:
        guarded.close()

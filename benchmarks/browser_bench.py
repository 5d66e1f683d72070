"""In a real browser (Playwright, Debian's Chromium, nothing leaves localhost).

* **map payload and draw time** for 1,000 / 10,000 / 100,000 areas (``scale`` 1.0): the
  Coverage map page's builder (``render.simplify.simplify_for_display``, then
  ``ui.area_maps.PackedAreas`` with the ``restyle_script`` that colours it, as
  ``ui.views.live_metric_map`` draws it) saved as HTML and served from a local HTTP server with
  Leaflet from ``static/vendor``; the tooltip holds name, value and population, as on the page.
  Draw time is from navigation start until Leaflet has drawn every polygon. Baseline: the same
  simplified areas as plain GeoJSON (``render.maps.choropleth_map``, the other pages' builder).
  Above :data:`ui.views.MAX_AREAS_ON_MAP` areas the page shows districts (dissolved, then
  simplified: ``ui.map_shapes``); that map is measured against drawing every area.
* **filter-change latency** on the demo: ``streamlit run app.py``, the Coverage map page, 20
  changes of the "Show" selectbox; each is timed from the click on the option until the page
  has finished running (``stApp``'s ``data-test-script-state`` back to ``notRunning`` after a
  run) and the map's legend shows the new choice. p50 / p95.

``python -m benchmarks.browser_bench latency`` runs the latency workload alone;
``python -m benchmarks.browser_bench maps 1000 10000`` the map workloads at those sizes; both
print the records as JSON.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Resolves with performance.now() once every polygon of the folium map is drawn.
WAIT_DRAWN = """async ([expected, limit]) => {
  const started = performance.now();
  while (performance.now() - started < limit) {
    const map = window.L && Object.values(window).find(v => v instanceof L.Map);
    if (map) {
      let drawn = 0;
      map.eachLayer(l => {
        const g = l.feature && l.feature.geometry;
        if (g && (g.type === 'Polygon' || g.type === 'MultiPolygon') && l._parts && l._parts.length)
          drawn += 1;
      });
      if (drawn >= expected) return {at: performance.now(), drawn};
    }
    await new Promise(r => setTimeout(r, 50));
  }
  return null;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PALETTE = ("#a6bddb", "#2b8cbe")
LEGEND = (("#2b8cbe", "high"), ("#a6bddb", "low"))


def _tooltip_values(shapes) -> tuple[np.ndarray, list[str], list[str]]:
    """Class, shown value and population text per area, as the page's tooltip has them."""
    classes = np.arange(len(shapes)) % 2
    shown = [f"{v:.1f} %" for v in np.linspace(40, 99, len(shapes))]
    population = [f"{int(v):,}" for v in shapes["population"].fillna(0)]
    return classes, shown, population


def _packed_html(shapes) -> str:
    """The Coverage map page's map of ``shapes`` (packed areas + the restyle that colours them),
    as one HTML page."""
    from render.maps import LegendItem
    from render.offline import offline_map
    from ui.area_maps import PackedAreas, RestyleScript, restyle_script

    minx, miny, maxx, maxy = shapes.total_bounds
    fmap = offline_map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10)
    layer = PackedAreas(shapes, id_column="area_id", names=shapes["name"])
    layer.add_to(fmap)
    classes, shown, population = _tooltip_values(shapes)
    RestyleScript(
        restyle_script(
            layer.signature,
            palette=PALETTE,
            classes=classes,
            values=list(zip(shown, population, strict=True)),
            labels=["Name", "Coverage", "Population"],
            legend_title="Coverage",
            legend_items=[LegendItem(c, label) for c, label in LEGEND],
            count_format=str,
        )
    ).add_to(fmap)
    fmap.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    return fmap.get_root().render()


def _geojson_html(shapes) -> str:
    """The same map as plain GeoJSON through ``render.maps.choropleth_map``."""
    from render.maps import LegendItem, choropleth_map

    classes, shown, population = _tooltip_values(shapes)
    frame = shapes.assign(
        _colour=np.asarray(PALETTE)[classes], _value=shown, _population=population
    )
    fmap = choropleth_map(
        frame,
        id_column="area_id",
        colour_column="_colour",
        tooltip=[("name", "Name"), ("_value", "Coverage"), ("_population", "Population")],
        legend_title="Coverage",
        legend_items=[LegendItem(c, label) for c, label in LEGEND],
    )
    return fmap.get_root().render()


class _Site:
    """A local HTTP server: the page under /, Leaflet under /app/static/ (as Streamlit serves)."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        root = Path(self.folder.name)
        (root / "app").mkdir()
        (root / "app" / "static").symlink_to(ROOT / "static")
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.root = root

    def url(self, name: str, html: str) -> str:
        (self.root / name).write_text(html, encoding="utf-8")
        return f"http://127.0.0.1:{self.server.server_port}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.folder.cleanup()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # noqa: D102
        pass


def _draw_seconds(browser, url: str, expected: int, limit_s: float) -> float | None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    outside: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "http://localhost", "data:"))
            else (outside.append(route.request.url), route.abort())
        ),
    )
    try:
        page.goto(url, wait_until="commit", timeout=limit_s * 1000)
        done = page.evaluate(WAIT_DRAWN, [expected, limit_s * 1000])
    finally:
        page.close()
    if outside:
        raise AssertionError(f"requests left localhost: {outside[:3]}")
    return None if done is None else done["at"] / 1000


def _maps(browser, scale: float, sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> list[dict]:
    from analytics.geometry import merge_by
    from benchmarks.national_bench import national_areas
    from render.simplify import simplify_for_display
    from ui.views import MAX_AREAS_ON_MAP

    records = []
    site = _Site()
    try:
        for n in sizes:
            n = max(int(n * scale), 100)
            areas = national_areas(n, seed=7, districts=400)
            n = len(areas)
            limit = 120.0 if n <= 20_000 else 240.0
            start = time.perf_counter()
            shapes = simplify_for_display(areas)
            simplify_s = time.perf_counter() - start
            start = time.perf_counter()
            html = _packed_html(shapes)
            build_s = time.perf_counter() - start
            plain_html = _geojson_html(shapes)
            payload, plain = len(html.encode()), len(plain_html.encode())
            ours = _draw_seconds(browser, site.url(f"packed-{n}.html", html), n, limit)
            base = _draw_seconds(browser, site.url(f"geojson-{n}.html", plain_html), n, limit)
            records.append(
                {
                    "workload": f"map payload, {n:,} areas (simplified, packed)",
                    "n": n,
                    "ours": payload,
                    "unit": "bytes",
                    "baseline": "the same areas as plain GeoJSON (render.maps.choropleth_map)",
                    "baseline_value": plain,
                    "ratio": plain / payload,
                    "note": f"{payload / 1e6:.2f} MB; simplify {simplify_s:.2f} s, build and "
                    f"render the map {build_s:.2f} s (cached per workspace version and view in "
                    "the app); tooltip: name, value, population",
                }
            )
            records.append(
                {
                    "workload": f"map draw in Chromium, {n:,} areas (simplified, packed)",
                    "n": n,
                    "ours": ours,
                    "baseline": "the same areas as plain GeoJSON (render.maps.choropleth_map)",
                    "baseline_value": base,
                    "ratio": base / ours if ours and base else None,
                    "note": "navigation start to every polygon drawn (canvas)"
                    + ("" if ours else f"; not drawn within {limit:.0f} s")
                    + ("" if base else f"; baseline not drawn within {limit:.0f} s"),
                }
            )
            if n > MAX_AREAS_ON_MAP:
                start = time.perf_counter()
                districts = simplify_for_display(
                    merge_by(areas[["district_id", "geometry"]], "district_id")
                )
                district_s = time.perf_counter() - start
                districts = districts.assign(
                    area_id=districts["district_id"], name=districts["district_id"]
                )
                populations = areas.groupby("district_id")["population"].sum()
                districts["population"] = districts["district_id"].map(populations).to_numpy()
                d_html = _packed_html(districts)
                d_s = _draw_seconds(
                    browser, site.url(f"districts-{n}.html", d_html), len(districts), limit
                )
                records.append(
                    {
                        "workload": f"map of {n:,} areas shown as {len(districts):,} districts "
                        "(draw time)",
                        "n": n,
                        "ours": d_s,
                        "baseline": "every area drawn (simplified, packed)",
                        "baseline_value": ours,
                        "ratio": ours / d_s if ours and d_s else None,
                        "note": f"payload {len(d_html.encode()) / 1024:,.0f} KiB against "
                        f"{payload / 1024:,.0f} KiB; districts dissolved then simplified in "
                        f"{district_s:.2f} s (cached per workspace version)",
                    }
                )
    finally:
        site.close()
    return records


@contextlib.contextmanager
def _served(extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` on the demo on a free local port, as the app is configured
    (``.streamlit/config.toml``) with ``extra_env`` on top: its base URL and process id."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="streamlit-bench-", suffix=".log", delete=False)
    env = {k: v for k, v in os.environ.items() if k != "COVERAGE_ATLAS_WORKSPACE"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**env, **(extra_env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("streamlit did not start: " + Path(log.name).read_text()[-2000:])
            time.sleep(0.3)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds the process ``pid`` has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _idle_pages(browser, pages: int = 4, seconds: float = 20.0) -> list[dict]:
    """Server CPU while ``pages`` readers keep the Coverage map open and do nothing: each open
    page checks for a newer workspace version every few seconds (a small fragment run). As
    configured against Streamlit's default of a full garbage collection after every run
    (``runner.postScriptGC``), which the fragment's runs pay too."""
    used = {}
    for name, extra in (("ours", {}), ("baseline", {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "true"})):
        with _served(extra) as (base, pid):
            opened = []
            for _ in range(pages):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{base}/coverage_map", timeout=120_000)
                _watch_runs(page)
                _wait_idle(page, since=None, timeout=120)
                _legend(page, "", 120)
                opened.append(page)
            time.sleep(2)
            before = _cpu_seconds(pid)
            time.sleep(seconds)
            used[name] = (_cpu_seconds(pid) - before) / seconds
            for page in opened:
                page.close()
    return [
        {
            "workload": f"server CPU with {pages} idle readers on the Coverage map, demo "
            "(cores in use)",
            "n": pages,
            "ours": used["ours"],
            "baseline": "Streamlit's default runner.postScriptGC = true (a full garbage "
            "collection after every run)",
            "baseline_value": used["baseline"],
            "ratio": used["baseline"] / used["ours"] if used["ours"] else None,
            "note": f"{seconds:.0f} s of {pages} open pages doing nothing but their version "
            f"check; per idle reader {used['ours'] / pages:.3f} cores against "
            f"{used['baseline'] / pages:.3f}",
        }
    ]


def _latency(browser, changes: int = 20) -> list[dict]:
    with _served() as (base, _pid):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/coverage_map", timeout=120_000)
        _watch_runs(page)
        _wait_idle(page, since=None, timeout=120)
        _legend(page, "", 120)
        box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
            has_text="Show"
        )
        box.click()
        options = [t.strip() for t in page.get_by_role("option").all_inner_texts()]
        page.keyboard.press("Escape")
        current = box.locator("input").get_attribute("value")
        times, shown = [], []
        for k in range(changes):
            choice = [o for o in options if o != current][k % (len(options) - 1)]
            box.click()
            option = page.get_by_role("option", name=choice, exact=True)
            start = time.perf_counter()
            clicked_at = page.evaluate("() => performance.now()")
            option.click()
            _legend(page, choice, 60)
            shown.append(time.perf_counter() - start)
            _wait_idle(page, since=clicked_at)
            times.append(time.perf_counter() - start)
            current = choice
        page.close()
    p50, p95 = np.percentile(times, [50, 95])
    legend_p50, legend_p95 = np.percentile(shown, [50, 95])
    return [
        {
            "workload": f"filter change on the Coverage map page, demo ({changes} changes of "
            "'Show'), p95",
            "n": changes,
            "ours": float(p95),
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
            "note": f"p50 {p50:.2f} s, max {max(times):.2f} s; click on the option until the "
            "page has run and the map legend shows the choice (real Chromium, streamlit run); "
            f"until the legend shows it: p50 {legend_p50:.2f} s, p95 {legend_p95:.2f} s",
        }
    ]


#: Records every change of the app's run state (``stApp``'s ``data-test-script-state``).
WATCH_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__runStates = [[performance.now(), app.getAttribute('data-test-script-state')]];
  new MutationObserver(() => window.__runStates.push(
    [performance.now(), app.getAttribute('data-test-script-state')]
  )).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""

#: Whether the app is not running now and, when ``since`` (performance.now()) is given, a run
#: started after it.
RAN_SINCE = """(since) => {
  const states = window.__runStates || [];
  const last = states.length ? states[states.length - 1][1] : null;
  const idle = last === 'notRunning' || last === 'compilationError';
  return idle && (since === null || states.some(([at, s]) => at >= since && s === 'running'));
}"""


def _watch_runs(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    page.evaluate(WATCH_RUNS)


def _wait_idle(page, since: float | None, timeout: float = 60) -> None:
    """Wait until the page is not running and, with ``since``, a run that started after it has
    finished. (The status widget is no signal: with ``toolbarMode = "minimal"`` it is never
    shown.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(RAN_SINCE, since):
            return
        time.sleep(0.02)
    raise AssertionError("the app kept running")


def _legend(page, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for handle in page.query_selector_all("iframe[title='streamlit_folium.st_folium']"):
            try:
                frame = handle.content_frame()
                legend = frame.locator(".ca-legend").all_inner_texts() if frame else []
            except Exception:  # the frame was replaced while we looked
                legend = []
            if legend and text in " ".join(legend):
                return
        time.sleep(0.02)
    raise AssertionError(f"the map legend never showed {text!r}")


def run(scale: float = 1.0, browser_runs: bool = True, **_: object) -> list[dict]:
    if not browser_runs or not CHROMIUM.exists():
        return []
    return _in_chromium(
        lambda browser: _maps(browser, scale) + _latency(browser) + _idle_pages(browser)
    )


def _in_chromium(work):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            return work(browser)
        finally:
            browser.close()


if __name__ == "__main__":
    import json

    from benchmarks.__main__ import merge_rows

    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what in ("latency", "idle", "maps"):  # one workload: its rows replace the same rows
        if what == "latency":
            records = _in_chromium(_latency)
        elif what == "idle":
            records = _in_chromium(_idle_pages)
        else:
            sizes = tuple(int(n) for n in sys.argv[2:]) or (1_000, 10_000, 100_000)
            records = _in_chromium(lambda browser: _maps(browser, 1.0, sizes))
        merge_rows(
            records,
            "browser_bench",
            "python -m " + " ".join(["benchmarks.browser_bench", *sys.argv[1:]]),
        )
    else:  # a quick run of everything at a small scale (default 0.01), not written
        records = run(float(what) if what else 0.01)
    print(json.dumps(records, indent=2))

"""In a real browser (Playwright, Debian's Chromium, nothing leaves localhost).

* **map payload and draw time** for 1,000 / 10,000 / 100,000 areas (``scale`` 1.0): the app's
  own map builder (``ui.maps.simplify_for_display`` then ``ui.maps.choropleth_map``) saved as
  HTML and served from a local HTTP server with Leaflet from ``static/vendor``; draw time is
  from navigation start until Leaflet has drawn every polygon. Baseline: the same map with the
  full geometry. Above 10,000 areas, the district view (areas merged by district, shared
  borders kept) is measured against drawing every area.
* **filter-change latency** on the demo: ``streamlit run app.py``, the Coverage map page, ~20
  changes of the "Show" selectbox; each is timed from the click on the option until the page
  has finished running and the map's legend shows the new choice. p50 / p95.
"""

from __future__ import annotations

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


def _map_html(gdf, simplify: bool) -> tuple[str, float]:
    from ui.maps import LegendItem, choropleth_map, simplify_for_display

    start = time.perf_counter()
    shapes = simplify_for_display(gdf) if simplify else gdf
    shapes = shapes.assign(colour=np.where(np.arange(len(shapes)) % 2, "#2b8cbe", "#a6bddb"))
    fmap = choropleth_map(
        shapes,
        id_column="area_id",
        colour_column="colour",
        tooltip=[("area_id", "Area")],
        legend_title="Coverage",
        legend_items=[LegendItem("#2b8cbe", "high"), LegendItem("#a6bddb", "low")],
    )
    html = fmap.get_root().render()
    return html, time.perf_counter() - start


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


def _maps(browser, scale: float) -> list[dict]:
    from analytics.geometry import merge_by
    from benchmarks.national_bench import national_areas

    records = []
    site = _Site()
    try:
        for n in (1_000, 10_000, 100_000):
            n = max(int(n * scale), 100)
            areas = national_areas(n, seed=7, districts=400)
            n = len(areas)
            limit = 120.0 if n <= 20_000 else 240.0
            html, build_s = _map_html(areas, simplify=True)
            full_html, _ = _map_html(areas, simplify=False)
            ours = _draw_seconds(browser, site.url(f"simplified-{n}.html", html), n, limit)
            base = _draw_seconds(browser, site.url(f"full-{n}.html", full_html), n, limit)
            payload = len(html.encode())
            records.append(
                {
                    "workload": f"map payload, {n:,} areas (simplified for display)",
                    "n": n,
                    "ours": payload,
                    "unit": "bytes",
                    "baseline": "the same map with full geometry",
                    "baseline_value": len(full_html.encode()),
                    "ratio": len(full_html.encode()) / payload,
                    "note": f"simplify + build the folium map: {build_s:.2f} s (cached per "
                    "workspace version in the app)",
                }
            )
            records.append(
                {
                    "workload": f"map draw in Chromium, {n:,} areas (simplified for display)",
                    "n": n,
                    "ours": ours,
                    "baseline": "the same map with full geometry",
                    "baseline_value": base,
                    "ratio": base / ours if ours and base else None,
                    "note": "navigation start to every polygon drawn (SVG)"
                    + ("" if ours else f"; not drawn within {limit:.0f} s")
                    + ("" if base else f"; baseline not drawn within {limit:.0f} s"),
                }
            )
            if n > 10_000:
                districts = merge_by(
                    areas[["area_id", "district_id", "geometry"]], "district_id"
                ).rename(columns={"district_id": "area_id"})
                d_html, d_build = _map_html(districts, simplify=True)
                d_s = _draw_seconds(
                    browser, site.url(f"districts-{n}.html", d_html), len(districts), limit
                )
                records.append(
                    {
                        "workload": f"map of {n:,} areas shown as {len(districts):,} districts "
                        "(draw time)",
                        "n": n,
                        "ours": d_s,
                        "baseline": "every area drawn (simplified)",
                        "baseline_value": ours,
                        "ratio": ours / d_s if ours and d_s else None,
                        "note": f"payload {len(d_html.encode()) / 1024:,.0f} KiB against "
                        f"{payload / 1024:,.0f} KiB; district shapes built in {d_build:.2f} s",
                    }
                )
    finally:
        site.close()
    return records


def _latency(browser, changes: int = 20) -> list[dict]:
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
        env=env,
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
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/coverage_map", timeout=120_000)
        _wait_idle(page)
        _legend(page, "", 120)
        box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
            has_text="Show"
        )
        box.click()
        options = [t.strip() for t in page.get_by_role("option").all_inner_texts()]
        page.keyboard.press("Escape")
        current = box.locator("input").get_attribute("value")
        times = []
        for k in range(changes):
            choice = [o for o in options if o != current][k % (len(options) - 1)]
            box.click()
            option = page.get_by_role("option", name=choice, exact=True)
            start = time.perf_counter()
            option.click()
            _wait_idle(page)
            _legend(page, choice, 60)
            times.append(time.perf_counter() - start)
            current = choice
        page.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    p50, p95 = np.percentile(times, [50, 95])
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
            "page has run and the map legend shows the choice (real Chromium, streamlit run)",
        }
    ]


def _wait_idle(page, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    time.sleep(0.05)
    while time.monotonic() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count() == 0:
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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            return _maps(browser, scale) + _latency(browser)
        finally:
            browser.close()


if __name__ == "__main__":
    import json

    print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 0.01), indent=2))

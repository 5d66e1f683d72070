"""What the browser tests do on a page: open it and wait for Streamlit, find the map frame, count
polygons and markers, read the legends, and end with no error shown, a screenshot and no request
that left localhost."""

from __future__ import annotations

import contextlib
import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

COUNT_DRAWN = """() => {
  if (!window.map) return null;
  let drawn = 0, features = 0;
  window.map.eachLayer(l => {
    const g = l.feature && l.feature.geometry;
    if (g && (g.type === 'Polygon' || g.type === 'MultiPolygon')) {
      features += 1;
      if (l._parts && l._parts.length > 0 && l._map) drawn += 1;
    }
  });
  return {drawn, features};
}"""

#: Circle markers that are not GeoJSON features (proposed sites, load symbols, recorded sessions).
COUNT_CIRCLE_MARKERS = """() => { let n = 0; window.map.eachLayer(l => {
  if (l instanceof L.CircleMarker && !l.feature) n += 1; }); return n; }"""

FIRE_CLICK = """(id) => {
  let hit = null;
  window.map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (!hit && p && Object.values(p).includes(id)) hit = l;
  });
  if (!hit) return false;
  // propagate=true: the GeoJSON group hears it with e.layer set, as with a real click.
  hit.fire('click', {latlng: hit.getBounds().getCenter()}, true);
  return true;
}"""


def wait_for_app(page, timeout: float = 60) -> None:
    """Wait until Streamlit has finished running the page script.

    The app's ``stApp`` element carries the run state (``data-test-script-state``); the page is
    at rest once it reads ``notRunning`` on a few looks in a row (a rerun a click asked for may
    take a moment to start). The toolbar's status widget is no guide: the app hides it.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    app = page.locator('[data-testid="stApp"]').first
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        try:
            state = app.get_attribute("data-test-script-state", timeout=5000)
        except Exception:  # the page is navigating
            state = None
        ready = page.locator('[data-testid="stMainBlockContainer"]').count() > 0
        quiet = quiet + 1 if state == "notRunning" and ready else 0
        if quiet >= 3:
            return
        time.sleep(0.1)
    raise AssertionError("the app kept running")


def open_page(page, url: str, timeout: float = 60) -> None:
    """Go to ``url`` and wait until Streamlit has run the page."""
    page.goto(url)
    wait_for_app(page, timeout=timeout)


def map_frame(page, timeout: float = 60, index: int = 0):
    """The streamlit-folium iframe, once its Leaflet map exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # page.frames may not list component frames; the iframe element always leads to its frame.
        handles = page.query_selector_all("iframe[title='streamlit_folium.st_folium']")
        if len(handles) > index:
            try:
                frame = handles[index].content_frame()
                if frame is not None and frame.evaluate("() => !!window.map"):
                    return frame
            except Exception:  # the frame was replaced while we looked
                pass
        time.sleep(0.25)
    raise AssertionError("no Leaflet map appeared in a streamlit-folium frame")


def drawn_polygons(page, expected_at_least: int, timeout: float = 60, index: int = 0) -> dict:
    """Wait until the map has drawn at least ``expected_at_least`` polygons; return the counts."""
    deadline = time.monotonic() + timeout
    counts = None
    while time.monotonic() < deadline:
        try:
            counts = map_frame(page, timeout=timeout, index=index).evaluate(COUNT_DRAWN)
        except Exception:
            counts = None
        if counts and counts["drawn"] >= expected_at_least:
            return counts
        time.sleep(0.5)
    raise AssertionError(f"map drew {counts} polygons, expected at least {expected_at_least}")


def click_feature(page, feature_id: str, index: int = 0) -> None:
    """Click the map feature whose properties hold ``feature_id`` (as a user's click would)."""
    assert map_frame(page, index=index).evaluate(FIRE_CLICK, feature_id), f"no feature {feature_id}"


def no_exception_shown(page) -> None:
    assert page.get_by_text("Page not found").count() == 0, "Streamlit showed 'Page not found'"
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]'
    ).first.inner_text()


def selectbox_values(page) -> dict[str, str]:
    """Label → shown value of every selectbox in the sidebar."""
    boxes = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
    return {
        boxes.nth(i).inner_text().strip(): boxes.nth(i).locator("input").get_attribute("value")
        for i in range(boxes.count())
    }


def wait_for_url(page, pattern: str, timeout: float = 30) -> None:
    """Poll the address bar (Streamlit updates it with replaceState: no navigation event)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, current_url(page)):
            return
        time.sleep(0.25)
    raise AssertionError(f"URL {current_url(page)} never matched {pattern}")


def current_url(page) -> str:
    """The address bar as the user sees it (``page.url`` misses replaceState updates)."""
    return page.evaluate("() => location.href")


def open_legends(frame, timeout: float = 15) -> None:
    """Unfold the legends folded on first view (each folds to its title, a button).

    The first view's folding runs once Leaflet's stylesheet has arrived (every legend's title
    then is its toggle button); wait for it, then act as a reader would (a key pressed in the map
    ends the first view, so nothing folds by itself afterwards) and open the folded ones."""
    legends = frame.locator(".ca-legend")
    deadline = time.monotonic() + timeout
    while frame.locator(".ca-legend .ca-legend-toggle").count() < legends.count():
        if time.monotonic() > deadline:
            raise AssertionError("the map's legends never became foldable")
        time.sleep(0.1)
    frame.locator(".leaflet-container").first.evaluate(
        "map => map.dispatchEvent(new KeyboardEvent('keydown', {key: 'Shift', bubbles: true}))"
    )
    toggles = frame.locator(".ca-legend.ca-folded .ca-legend-toggle")
    for _ in range(toggles.count()):
        toggles.first.evaluate("button => button.click()")


def legend_text(frame) -> str:
    """The text of every legend on a map, ``" | "`` between legends (folded ones opened)."""
    open_legends(frame)
    return " | ".join(frame.locator(".ca-legend").all_inner_texts())


def finish(guarded_page, name: str, *, full_page: bool = True) -> None:
    """No error on the page, a screenshot ``name``, and no request that left localhost."""
    from tests.conftest import screenshot_path

    no_exception_shown(guarded_page.page)
    guarded_page.page.screenshot(path=screenshot_path(name), full_page=full_page)
    assert guarded_page.errors == []


#: Each row of metrics (the k-th of each column of a row) whose values do not start on one line, or a metric's label or value cut
#: short ("…"): what was found, for the failure's message.
METRIC_ROWS = """() => {
  const out = [];
  document.querySelectorAll('[data-testid="stHorizontalBlock"]').forEach(row => {
    const mine = (root, sel) => [...root.querySelectorAll(sel)]
      .filter(el => el.closest('[data-testid="stHorizontalBlock"]') === row && el.offsetParent);
    // the k-th metric of each column stand side by side
    const side = [];
    for (const column of row.children)
      mine(column, '[data-testid="stMetricValue"]').forEach((v, k) => (side[k] = side[k] || []).push(v));
    for (const values of side) {
      const tops = values.map(v => Math.round(v.getBoundingClientRect().top));
      if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 2)
        out.push('values at ' + tops.join(', ') + ': ' + values.map(v => v.textContent).join(' | '));
    }
    for (const el of mine(row, '[data-testid="stMetricValue"] > div, [data-testid="stMetricLabel"] p'))
      if (el.scrollWidth > el.clientWidth + 1) out.push('cut: ' + el.textContent);
  });
  return out;
}"""


def metrics_out_of_line(page) -> list[str]:
    """What :data:`METRIC_ROWS` finds on the page once it has had a moment to line its metrics
    up (the page does so after drawing them); an empty list when every row reads on one line."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"() => ({METRIC_ROWS})().length === 0", timeout=5_000)
    return page.evaluate(METRIC_ROWS)


#: In the map's frame: the drawn box of the region's polygons (clipped to the frame), what share
#: of the frame's width and height it spans, what share of that box the legends' boxes cover,
#: and the text of the scale bars.
MAP_FIT = """() => {
  const map = window.map, size = map.getSize();
  let box = null;
  map.eachLayer(l => {
    const g = l.feature && l.feature.geometry;
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon') || !l.getBounds) return;
    box = box ? box.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(),
                                                           l.getBounds().getNorthEast());
  });
  if (!box) return null;
  const nw = map.latLngToContainerPoint(box.getNorthWest());
  const se = map.latLngToContainerPoint(box.getSouthEast());
  const x0 = Math.max(0, nw.x), y0 = Math.max(0, nw.y);
  const x1 = Math.min(size.x, se.x), y1 = Math.min(size.y, se.y);
  const area = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const origin = map.getContainer().getBoundingClientRect();
  let covered = 0;
  document.querySelectorAll('.ca-legend').forEach(el => {
    const r = el.getBoundingClientRect();
    const w = Math.min(x1, r.right - origin.left) - Math.max(x0, r.left - origin.left);
    const h = Math.min(y1, r.bottom - origin.top) - Math.max(y0, r.top - origin.top);
    if (w > 0 && h > 0) covered += w * h;
  });
  const frame = map.getContainer().getBoundingClientRect();
  const cut = Array.from(document.querySelectorAll('.leaflet-control-scale-line'))
    .filter(el => { const text = document.createRange();
                    text.selectNodeContents(el);
                    const r = text.getBoundingClientRect();
                    return r.left < frame.left - 0.5 || r.right > frame.right + 0.5; })
    .map(el => el.textContent);
  return {
    fill: Math.max((x1 - x0) / size.x, (y1 - y0) / size.y),
    scaleCut: cut,
    legends: area ? covered / area : 1,
    scale: Array.from(document.querySelectorAll('.leaflet-control-scale-line'))
      .map(el => el.textContent.trim()),
  };
}"""


#: The most of the region's drawn box the legends may cover on first view: they sit beside the
#: region, or fold to a title over a corner.
COVER_AT_MOST = 0.02


def map_fit_failures(page, name: str) -> list[str]:
    """What is wrong with how each map of the page fits its frame on first view: the region
    spans less than 60 % of the frame, the legends cover the region, the scale bar is not metric
    or not inside the frame. Empty when all is well."""
    failures = []
    frames = page.query_selector_all("iframe[title='streamlit_folium.st_folium']")
    assert frames, f"{name}: no map"
    for index in range(len(frames)):
        m = map_frame(page, index=index).evaluate(MAP_FIT)
        if m is None:
            continue
        where = f"{name} map {index}"
        if m["fill"] < 0.6:
            failures.append(f"{where}: the region spans {m['fill']:.0%} of the frame")
        # Beside the region, or folded: at most a folded legend's title over its corner.
        if m["legends"] >= COVER_AT_MOST:
            failures.append(f"{where}: legends cover {m['legends']:.1%} of the region")
        if not m["scale"] or any(t.endswith((" mi", " ft")) for t in m["scale"]):
            failures.append(f"{where}: scale bar {m['scale']}")
        if m["scaleCut"]:
            failures.append(f"{where}: scale text out of the frame {m['scaleCut']}")
    return failures

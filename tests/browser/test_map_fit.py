"""Real-browser measure of every map page on the demo: the region fills its frame, the legends
sit beside it (or fold) on first view, and the scale bar is metric and inside the frame."""

from __future__ import annotations

import time

import pytest

from tests.browser.helpers import drawn_polygons, map_frame, open_page
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser

#: In the map's frame: the drawn box of the region's polygons (clipped to the frame), what share
#: of the frame's width and height it spans, what share of that box the legends' boxes cover,
#: and the text of the scale bars.
MEASURE = """() => {
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

PAGES = [
    ("overview", "/", 12),
    ("coverage-map", "/coverage_map", 300),
    ("gap-analysis", "/gap_analysis", 300),
    ("infrastructure", "/infrastructure", 12),
    ("capacity", "/capacity", 12),
    ("partners", "/partners?fac=1", 12),
    ("outreach", "/outreach", 12),
]


#: The most of the region's drawn box the legends may cover on first view: they sit beside the
#: region, or fold to a title over a corner.
COVER_AT_MOST = 0.02

#: Persian pages too: legends and the scale bar sit on the other side.
FA_PAGES = [("overview", "/?lang=fa", 12), ("partners", "/partners?fac=1&lang=fa", 12)]


def test_each_map_fills_its_frame_with_legends_aside_and_a_metric_scale(demo_server, guarded_page):
    page = guarded_page.page
    failures: list[str] = []
    for name, path, polygons in PAGES + FA_PAGES:
        if path.endswith("lang=fa"):
            name = f"{name}-fa"
        open_page(page, f"{demo_server.url}{path}")
        drawn_polygons(page, polygons)
        frames = page.query_selector_all("iframe[title='streamlit_folium.st_folium']")
        assert frames, f"{name}: no map"
        time.sleep(0.5)  # a refit after the frame took its final width
        for index in range(len(frames)):
            m = map_frame(page, index=index).evaluate(MEASURE)
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
        page.screenshot(path=screenshot_path(f"demo-map-fit-{name}"), full_page=True)
    assert not failures, "\n".join(failures)
    assert guarded_page.errors == []

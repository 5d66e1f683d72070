"""Every page in Persian, five in Vietnamese and the Overview in English, in a real browser:
screenshots, direction, no English left over.

The screenshots (``artifacts/screenshots/lang-<lang>-<page>.png``) are for a person to look at;
the assertions check what can be checked: Persian is laid out right to left (main block and
sidebar, which sits on the right), the map legend too, and no English text from the catalogs is
left on a Persian or Vietnamese page (names from the workspace aside).
"""

from __future__ import annotations

import re
import string
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geodata.tables.calendar import GREGORIAN_MONTHS
from render.fonts import PERSIAN_DIGITS_FAMILY, PERSIAN_FONT_FAMILY, font_stack
from render.format import localize_digits
from tests.browser.helpers import (
    current_url,
    drawn_polygons,
    map_fit_failures,
    map_frame,
    metrics_out_of_line,
    no_exception_shown,
    wait_for_app,
    wait_for_url,
)
from tests.browser.reading import LATIN_DIGIT
from tests.conftest import screenshot_path

pytestmark = pytest.mark.browser

# page → polygons its map draws on the demo (at least; None: the page opens without a map)
PAGES = {
    "overview": 12,
    "coverage_map": 300,
    "gap_analysis": 12,
    "infrastructure": 300,
    "capacity": 12,
    "partners": 12,
    "outreach": 12,
    "briefings": None,
    "data": None,
}
#: Every page in Persian; in Vietnamese the pages of the first five (the other four are read in
#: Vietnamese by the AppTest tests/apptest/test_reading_pages.py, with the same rules); in
#: English the Overview, for the left-to-right baseline (every page opens in English in its own
#: browser tests, with a screenshot). Fifteen runs: what the suite's time allows.
VI_PAGES = ("overview", "coverage_map", "gap_analysis", "infrastructure", "data")
PAGE_LANGUAGES = [(name, "fa") for name in PAGES] + [(name, "vi") for name in VI_PAGES]
PAGE_LANGUAGES += [("overview", "en")]

# Visible text of a document: text nodes of rendered elements, Material icon ligatures left out,
# text written over with CSS read as its ::after.
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest('[data-testid*="Icon"], [translate="no"], script, style, noscript')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (el.getClientRects().length === 0) continue;
    // Text drawn over by CSS (font-size 0, the reader's words in ::after, as the uploader's):
    // the reader sees the ::after.
    const after = getComputedStyle(el, '::after').content;
    if (after && after !== 'none' && after !== 'normal' && after !== '""') {
      out.push(after.replace(/^"|"$/g, ''));
    }
    if (parseFloat(style.fontSize) === 0) continue;
    out.push(node.textContent.trim());
  }
  return out;
}"""

DIRECTIONS = """() => {
  const dir = s => { const el = document.querySelector(s); return el && getComputedStyle(el).direction; };
  const box = s => { const el = document.querySelector(s); return el && el.getBoundingClientRect(); };
  return {
    main: dir('[data-testid="stMainBlockContainer"]'),
    sidebar: dir('[data-testid="stSidebar"]'),
    body: getComputedStyle(document.body).direction,
    sidebarLeft: box('[data-testid="stSidebar"]').left,
    mainLeft: box('[data-testid="stMain"]').left,
  };
}"""


def settled_directions(page, expected: str, timeout: float = 10) -> dict:
    """:data:`DIRECTIONS` once main block, sidebar and body all read ``expected``, or as they read
    after ``timeout`` seconds (a rerun the version check started may be redrawing the page)."""
    deadline = time.monotonic() + timeout
    while True:
        directions = page.evaluate(DIRECTIONS)
        wanted = {directions["main"], directions["sidebar"], directions["body"]} == {expected}
        if wanted or time.monotonic() > deadline:
            return directions
        time.sleep(0.2)


def english_phrases(lang: str) -> list[str]:
    """The literal parts of every English catalog text, long enough to mean something.

    ``{placeholders}`` split a text into parts; a part counts when it holds a word of at least
    four letters (so units, symbols and short words such as "All" do not raise false alarms), and
    when ``lang``'s own catalog does not use it too (names such as "Excel (XLSX)" or "GeoJSON"
    that a translation keeps on purpose).
    """
    from render.i18n import catalog

    own = "\n".join(catalog(lang).values())
    phrases: set[str] = set()
    for text in catalog("en").values():
        for literal, *_ in string.Formatter().parse(text):
            part = literal.strip(" .,:;()—–-·÷=|/")
            if re.search(r"[A-Za-z]{4,}", part) and part not in own:
                phrases.add(part)
    return sorted(phrases, key=len, reverse=True)


def data_strings(workspace) -> list[str]:
    """Names that come from the workspace (shown as they are, in whatever language they are)."""
    from geodata.store.workspace import latest_version, read_workspace

    tables = read_workspace(str(workspace), latest_version(str(workspace)))
    names: set[str] = set()
    areas = tables["areas"]
    for column in areas.columns:
        if column in ("name", "district_name", "province") or column.startswith("name_"):
            names |= {str(v) for v in areas[column].dropna()}
    names |= {str(v) for v in tables["facilities"]["name"].dropna()}
    return sorted(names, key=len, reverse=True)


def english_left(texts: list[str], data: list[str], lang: str) -> list[str]:
    """English catalog phrases found in ``texts`` once data strings are taken out."""
    page = "\n".join(texts)
    # Names are data, shown as they are; map labels write their digits in the reader's digits.
    shown = {form for name in data for form in (name, localize_digits(name, lang))}
    for name in sorted(shown, key=len, reverse=True):
        page = page.replace(name, " ")
    found = []
    for phrase in english_phrases(lang):
        if re.search(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", page):
            found.append(phrase)
    return found


def header_line(page) -> str:
    """The caption under the page title (workspace, version, month)."""
    return page.locator(
        '[data-testid="stMain"] [data-testid="stCaptionContainer"]'
    ).first.inner_text()


def legend_text(page, timeout: float = 30) -> str:
    """The map legends' text (areas and facilities), once the map frame has settled (a rerun
    may replace it)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            legends = map_frame(page).locator(".ca-legend")
            legends.first.wait_for(timeout=5_000)
            return " | ".join(legends.all_inner_texts())
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def wait_for_legend(page, text: str, timeout: float = 30) -> None:
    """Wait until the map legend shows ``text`` (the map is redrawn after a rerun)."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = legend_text(page)
        if text in shown:
            return
        time.sleep(0.5)
    raise AssertionError(f"legend never showed {text!r}: {shown!r}")


def open_page(server, page, name: str, lang: str) -> None:
    # The default page lives at the root (``/overview`` would show "Page not found" first).
    path = "" if name == "overview" else name
    page.goto(f"{server.url}/{path}?lang={lang}")
    wait_for_app(page)
    # The page's own title (h1) in the chosen language: the page has drawn, not just the shell.
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSkeleton\"], .stSkeleton')",
        timeout=60_000,
    )
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.wait_for()
    if PAGES[name]:
        drawn_polygons(page, PAGES[name])
    if name == "overview":
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    no_exception_shown(page)


#: Whether the page's digits font (its family given) draws the Latin digits as Persian ones, as it
#: does in a slider's or a number input's value: "0123456789" must take the width of "۰۱۲۳۴۵۶۷۸۹"
#: and look like it (on a canvas, far fewer pixels differ than between the Latin digits drawn
#: without the digits font and the Persian ones).
LATIN_DIGITS_DRAWN_PERSIAN = """async family => {
  const without = family.split(',').filter(f => !f.includes('Digits')).join(',');
  await document.fonts.load(`32px ${family}`, '0123456789');
  await document.fonts.load(`32px ${family}`, '۰۱۲۳۴۵۶۷۸۹');
  const draw = (text, font) => {
    const canvas = document.createElement('canvas');
    canvas.width = 400; canvas.height = 60;
    const c = canvas.getContext('2d');
    c.font = `32px ${font}`;
    c.fillText(text, 10, 45);
    return {width: c.measureText(text).width, ink: c.getImageData(0, 0, 400, 60).data};
  };
  const differ = (a, b) => { let n = 0;
    for (let i = 3; i < a.ink.length; i += 4) if (a.ink[i] !== b.ink[i]) n += 1; return n; };
  const persian = draw('۰۱۲۳۴۵۶۷۸۹', family);
  const shown = draw('0123456789', family), latin = draw('0123456789', without);
  return Math.abs(shown.width - persian.width) < 0.5 && 3 * differ(shown, persian) < differ(latin, persian);
}"""

#: Every text the reader sees with a Latin digit in it (visible text nodes as VISIBLE_TEXT reads
#: them, and the value shown in a text box: a selectbox's choice, a number input's), with the
#: font it is drawn in. Code blocks keep their Latin digits, as does what says translate="no".
LATIN_DIGIT_TEXTS = """() => {
  const out = [];
  const add = (text, el) => { if (/[0-9]/.test(text)) out.push([text, getComputedStyle(el).fontFamily]); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('[data-testid*="Icon"], [translate="no"], [data-testid="stCode"], script, style, noscript')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || parseFloat(style.fontSize) === 0) continue;
    if (el.getClientRects().length === 0) continue;
    add(node.textContent.trim(), el);
  }
  for (const box of document.querySelectorAll('input[type="text"], input[type="number"], input:not([type])')) {
    if (box.getBoundingClientRect().width > 0) add(box.value, box);
  }
  return out;
}"""


def digits_misdrawn(texts: list[list[str]]) -> list[str]:
    """The texts of :data:`LATIN_DIGIT_TEXTS` whose Latin digits a Persian reader would misread: a
    figure written in Latin digits and drawn in them (not in the digits font), or a Latin name
    whose digits the digits font draws as Persian ones ("E۲SFCA"). A figure, not a name's digits:
    the reading's rule (:data:`tests.browser.reading.LATIN_DIGIT`)."""
    wrong = []
    for text, font in texts:
        drawn_persian = font.startswith(f'"{PERSIAN_DIGITS_FAMILY}"')
        figure = LATIN_DIGIT.search(text)
        if bool(figure) != drawn_persian:
            wrong.append(f"{text!r} in {font.split(',')[0]}")
    return wrong


#: Every slider on the page: whether its value is drawn in the page's digits font (Persian digits
#: for the Latin ones Streamlit writes), and whether the label of its lowest value stands left of
#: that of its highest, as on its track (which runs left to right in every language).
SLIDERS = """() => [...document.querySelectorAll('[data-testid="stSlider"]')].map(slider => {
  const ends = [...slider.querySelectorAll('[data-testid="stSliderTickBar"] p')]
    .map(p => p.getBoundingClientRect().left);
  const value = slider.querySelector('[data-testid="stSliderThumbValue"] p');
  return {value: value.textContent, font: getComputedStyle(value).fontFamily,
          lowLeftOfHigh: ends.length === 2 && ends[0] < ends[1]};
})"""


#: The font each grid on the page draws its canvas in (the theme's, .streamlit/config.toml).
GRID_FONTS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] .stDataFrameGlideDataEditor')]
  .map(grid => getComputedStyle(grid).getPropertyValue('--gdg-font-family').trim())"""


#: Scroll the main block to its end, and return once the browser has painted two frames since
#: (what scrolled into view, tables' canvases included, is drawn in the next frame).
SCROLL_TO_END = """async () => {
  const m = document.querySelector('[data-testid="stMain"]');
  m.scrollTop = m.scrollHeight;
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


@pytest.mark.parametrize(
    ("name", "lang"), PAGE_LANGUAGES, ids=[f"{n}-{lang}" for n, lang in PAGE_LANGUAGES]
)
def test_every_page_in_every_language(demo_server, demo_workspace, guarded_page, name, lang):
    page = guarded_page.page
    open_page(demo_server, page, name, lang)
    page.screenshot(path=screenshot_path(f"lang-{lang}-{name}"), full_page=True)
    # Streamlit scrolls its main block itself: a second picture shows the end of the page (tables).
    page.evaluate(SCROLL_TO_END)
    page.screenshot(path=screenshot_path(f"lang-{lang}-{name}-end"))

    # The page says its language (a screen reader reads it in that language's voice).
    page.wait_for_function(f"() => document.documentElement.lang === {lang!r}", timeout=15_000)
    expected = "rtl" if lang == "fa" else "ltr"
    directions = settled_directions(page, expected)
    assert directions["main"] == directions["sidebar"] == directions["body"] == expected
    if PAGES[name]:
        legend_text(page)
        assert map_frame(page).locator(".ca-legend").first.get_attribute("dir") == expected
    if lang == "fa":  # the sidebar sits on the right of the main block
        assert directions["sidebarLeft"] > directions["mainLeft"]
    else:
        assert directions["sidebarLeft"] <= directions["mainLeft"]

    # A row of figures reads on one line, each whole, however long its labels are here.
    rows = metrics_out_of_line(page)
    assert rows == [], f"metrics out of line or cut on the {lang} {name} page: {rows}"

    texts = page.evaluate(VISIBLE_TEXT)
    assert len(" ".join(texts)) > 200, f"the {lang} {name} page shows almost no text: {texts}"
    if PAGES[name]:
        texts += map_frame(page).evaluate(VISIBLE_TEXT)
    shown = "\n".join(texts)
    if lang == "fa":
        digits_font = font_stack(persian_digits=True)
        assert page.evaluate(LATIN_DIGITS_DRAWN_PERSIAN, digits_font), "no Persian digits font"
        # Each figure reads in Persian digits, a Latin name keeps its own ("E2SFCA", "A4").
        misdrawn = digits_misdrawn(page.evaluate(LATIN_DIGIT_TEXTS))
        assert misdrawn == [], f"digits a Persian reader misreads on the {name} page: {misdrawn}"
        sliders = page.evaluate(SLIDERS)
        assert sliders or name != "coverage_map", "no slider on the Coverage map"
        for slider in sliders:
            assert slider["font"].startswith(f'"{PERSIAN_DIGITS_FAMILY}"'), slider
            assert slider["lowLeftOfHigh"], f"a slider's end labels under the other ends: {slider}"
        if PAGES[name]:  # each map fits its frame, legends and scale bar on the other side
            fit = map_fit_failures(page, f"{name}-fa")  # as tests/browser/test_map_fit.py, in en
            assert fit == [], fit
        grids = page.evaluate(GRID_FONTS)
        assert grids or name != "coverage_map", "no table on the Coverage map"
        for font in grids:  # a grid's canvas draws Latin digits as Persian ones too
            assert font.startswith(f'"{PERSIAN_DIGITS_FAMILY}"'), font
        assert re.search("[۰-۹]", shown), "no Persian digits on the page"
        assert not re.search(r"\d{1,3},\d{3}", shown), "English-formatted numbers on the page"
        # The month is named as a month of the workspace's calendar (the demo's is Gregorian:
        # "اکتبر ۲۰۲۶"), never written as a day.
        months = "|".join(GREGORIAN_MONTHS["fa"])
        assert re.search(rf"(?:{months}) [۰-۹]{{4}}", shown) or name != "overview", "no month"
    if lang == "vi" and name == "overview":
        assert re.search(r"\d{1,3}\.\d{3}", shown), "no Vietnamese thousands separator"
    if lang != "en":
        left = english_left(texts, data_strings(demo_workspace), lang)
        assert left == [], f"English UI text left on the {lang} {name} page: {left}"
    assert guarded_page.errors == []


def test_switching_language_keeps_the_view(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/coverage_map?metric=uninsured&k=4&lang=en")
    wait_for_app(page)
    drawn_polygons(page, 300)
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
    box.click()
    page.get_by_role("option", name="فارسی").click()
    wait_for_url(page, r"lang=fa")
    wait_for_app(page)
    drawn_polygons(page, 300)
    url = current_url(page)
    assert "metric=uninsured" in url and "k=4" in url, url
    page.get_by_text("نقشهٔ پوشش").first.wait_for(timeout=30_000)
    wait_for_legend(page, "بدون بیمه")  # "Uninsured", still the chosen metric

    # Moving to another page keeps the language.
    page.locator('[data-testid="stSidebarNav"] a').first.click()
    wait_for_app(page)
    drawn_polygons(page, 12)
    page.get_by_text("نمای کلی پوشش").first.wait_for(timeout=30_000)
    wait_for_url(page, r"lang=fa")


def test_gregorian_calendar_in_persian(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/?lang=fa")
    wait_for_app(page)
    drawn_polygons(page, 12)
    # The demo reports by Gregorian months: October 2026 is named as a Gregorian month in Persian,
    # never as the Solar Hijri day it starts on (۱۴۰۵/۰۷/۰۹); the calendar switch is for days.
    assert "اکتبر ۲۰۲۶" in header_line(page) and "۱۴۰۵/۰۷/۰۹" not in header_line(page)
    page.locator('[data-testid="stSidebar"]').get_by_text("تاریخ هجری شمسی").click()
    wait_for_url(page, r"cal=gregorian")
    wait_for_app(page)
    page.get_by_text("اکتبر ۲۰۲۶").first.wait_for(timeout=30_000)
    # A shared link opens with the same calendar.
    page.goto(f"{demo_server.url}/?lang=fa&cal=gregorian")
    wait_for_app(page)
    assert "اکتبر ۲۰۲۶" in header_line(page)
    page.screenshot(path=screenshot_path("lang-fa-overview-gregorian"), full_page=True)


def test_persian_details_tooltip_and_names(demo_server, demo_workspace, guarded_page):
    from geodata.store.workspace import latest_version, read_workspace

    areas = read_workspace(str(demo_workspace), latest_version(str(demo_workspace)))["areas"]
    row = areas.set_index("area_id").loc["A119"]
    page = guarded_page.page
    page.goto(f"{demo_server.url}/coverage_map?lang=fa&area=A119&district={row['district_id']}")
    wait_for_app(page)
    drawn_polygons(page, 5)
    page.get_by_text(row["name_fa"]).first.wait_for(timeout=30_000)  # detail title in Persian
    page.get_by_text("پاک کردن انتخاب").first.wait_for(timeout=30_000)
    # The hover tooltip names the area in Persian, right to left, with Persian digits.
    tooltip = map_frame(page).evaluate(
        """(id) => {
             let feature = null, group = null;
             window.map.eachLayer(l => {
               const p = l.feature && l.feature.properties;
               if (p && p.area_id === id) feature = l;
               if (l._tooltip && l.getLayers) group = l;
             });
             if (!feature || !group) return null;
             feature.fire('mouseover', {latlng: feature.getBounds().getCenter()}, true);
             const el = document.querySelector('.leaflet-tooltip');
             return el && [el.innerText, getComputedStyle(el.querySelector('td') || el).direction];
           }""",
        "A119",
    )
    assert tooltip is not None
    text, tooltip_dir = tooltip
    assert row["name_fa"] in text and re.search("[۰-۹]", text), text
    assert tooltip_dir == "rtl"
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path("lang-fa-coverage_map-details"))


#: A Persian page's first bullet list: its direction and where its first item sits in it.
LIST_SIDES = """() => {
  const list = document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"] ul');
  const item = list.querySelector('li'), a = list.getBoundingClientRect(), b = item.getBoundingClientRect();
  return {dir: getComputedStyle(item).direction, left: b.left - a.left, right: a.right - b.right};
}"""
#: Streamlit's hint in the corner of the focused input, as the reader sees it (its ::after).
INPUT_HINT = """() => {
  const hint = document.querySelector('[data-testid="InputInstructions"] > span');
  return hint && [getComputedStyle(hint).fontSize, getComputedStyle(hint, '::after').content];
}"""


#: How far each grid wider than its frame is from its right end (px; Persian grids start there).
GRIDS_FROM_RIGHT_END = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')]
  .filter((s) => s.scrollWidth > s.clientWidth + 1)
  .map((s) => Math.round(s.scrollWidth - s.clientWidth - s.scrollLeft))"""


def test_persian_lists_and_input_hint(demo_server, guarded_page):
    from render.i18n import translate

    page = guarded_page.page
    page.goto(f"{demo_server.url}/gap_analysis?lang=fa")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stMain"] ul li', state="attached", timeout=60_000)
    # The bullet and the indent on the right of a right-to-left list.
    sides = page.evaluate(LIST_SIDES)
    assert sides["dir"] == "rtl" and sides["right"] > 10 > abs(sides["left"]), sides
    # The ranking is wider than its frame: it opens on its first columns (rank, name), at its
    # right end, where a Persian reader starts (the grid itself opens at its left end).
    page.wait_for_function(f"() => ({GRIDS_FROM_RIGHT_END})().length > 0", timeout=60_000)
    deadline = time.monotonic() + 15
    while max(page.evaluate(GRIDS_FROM_RIGHT_END)) > 2 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert max(page.evaluate(GRIDS_FROM_RIGHT_END)) <= 2, page.evaluate(GRIDS_FROM_RIGHT_END)
    # Streamlit's "Press Enter to apply" under the class breaks typed in the sidebar, in Persian.
    page.goto(f"{demo_server.url}/coverage_map?lang=fa&classes=user")
    wait_for_app(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stTextInput"] input').fill("10, 20")
    page.wait_for_selector('[data-testid="InputInstructions"] > span', state="attached")
    # read once the page has settled: a rerun the typing started may be drawing it again
    expected = ["0px", f'"{translate("input.apply", "fa")}"']
    deadline = time.monotonic() + 15
    while page.evaluate(INPUT_HINT) != expected and time.monotonic() < deadline:
        time.sleep(0.25)
    assert page.evaluate(INPUT_HINT) == expected
    # A label's help tooltip (drawn outside the app's own element) in the Persian font: the page
    # writes its figures in Persian digits itself. The typing's rerun may redraw the sidebar
    # under the pointer: as a reader would, the pointer leaves and comes back until it shows.
    wait_for_app(page)
    target = page.locator('[data-testid="stSidebar"] [data-testid="stTooltipHoverTarget"]').first
    for attempt in range(3):
        target.hover()
        try:
            tooltip = page.wait_for_selector('[data-testid="stTooltipContent"] p', timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.mouse.move(0, 0)
    assert tooltip.evaluate("p => getComputedStyle(p).fontFamily").startswith(
        f'"{PERSIAN_FONT_FAMILY}"'
    )

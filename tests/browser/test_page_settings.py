"""Settings belong to their page, in a real browser: every page gets non-default settings (in
app.py's order), then the sidebar's links visit every page once more in the same order, and each
page must arrive with the settings it had: the same URL (less the language and calendar) and the
same value in every widget it shows. Each visit comes after every other page has run since the
page was set or last checked, so every ordered pair of pages (A, B) is checked (A's run could have
changed B's settings); pages that show a widget of the same label as one the test changes (Level;
"Care counts as near within") also follow each other directly, both ways. The month is shared on purpose: chosen once
on the Overview, it is every page's month."""

from __future__ import annotations

import re
from itertools import pairwise
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.helpers import current_url, no_exception_shown, wait_for_app

pytestmark = pytest.mark.browser

#: What the test sets on each page (in the order of app.py's pages): (kind, label, choice). A
#: selectbox's choice is an option's text, or its position among the options; a slider's is the
#: key pressed on its handle; a number input's is the number typed.
SETTINGS: dict[str, list[tuple[str, str, object]]] = {
    "overview": [("select", "Month", 3)],
    "coverage_map": [
        ("select", "Show", "Uninsured"),
        ("select", "Classes", "Equal interval"),
        ("radio", "Level", "District"),
    ],
    "gap_analysis": [
        ("radio", "Level", "District"),
        ("number", "Population figures are from (year)", "2020"),
    ],
    "infrastructure": [
        ("slider", "Care counts as near within", "ArrowLeft"),
        ("slider", "Referral hospital within", "ArrowRight"),
        ("number", "New sites", "5"),
    ],
    "capacity": [
        ("slider", "Capacity catchment", "ArrowLeft"),
        ("slider", "Care counts as near within", "ArrowRight"),
    ],
    "partners": [("select", "Partner", 1)],  # its month: the Overview's
    "outreach": [("number", "Desks per day", "5"), ("number", "Days", "10")],
    "briefings": [("radio", "Page", "A4 landscape")],
    "data": [("select", "Table to import", "Facilities")],
}

#: The month's widget, on every page that has one (shared on purpose).
MONTH = "select:Month#1"

#: Every widget's value on the page, by kind, label and place among widgets of that label.
WIDGETS = """() => {
  const out = {};
  const main = document.querySelector('[data-testid="stApp"]');
  const put = (kind, el, value) => {
    const label = (el.querySelector('[data-testid="stWidgetLabel"]') || {}).innerText || '';
    let key = kind + ':' + label.trim(), n = 1;
    while ((key + '#' + n) in out) n += 1;
    out[key + '#' + n] = value;
  };
  main.querySelectorAll('[data-testid="stSelectbox"]').forEach(el =>
    put('select', el, (el.querySelector('input') || {}).value));
  main.querySelectorAll('[data-testid="stMultiSelect"]').forEach(el =>
    put('multi', el, el.innerText));
  main.querySelectorAll('[data-testid="stRadio"]').forEach(el => {
    const on = el.querySelector('input:checked');
    put('radio', el, on ? on.closest('label').innerText.trim() : null);
  });
  main.querySelectorAll('[data-testid="stNumberInput"]').forEach(el =>
    put('number', el, el.querySelector('input').value));
  main.querySelectorAll('[data-testid="stTextInput"]').forEach(el =>
    put('text', el, el.querySelector('input').value));
  main.querySelectorAll('[data-testid="stSlider"]').forEach(el =>
    put('slider', el, [...el.querySelectorAll('input[type="range"]')].map(
      s => s.getAttribute('aria-valuetext')).join('|')));
  main.querySelectorAll('[data-testid="stCheckbox"]').forEach(el =>
    put('check', el, !!(el.querySelector('input') || {}).checked));
  main.querySelectorAll('[data-testid="stButtonGroup"]').forEach(el =>
    put('segments', el, [...el.querySelectorAll('button')].filter(
      b => (b.getAttribute('data-testid') || '').endsWith('Active')).map(b => b.innerText).join('|')));
  return out;
}"""

#: Whether the page shows the view ``want`` (compared as JSON with sorted keys).
SHOWS = """([view, want]) => {
  const canon = o => (o && typeof o === 'object')
    ? '{' + Object.keys(o).sort().map(k => JSON.stringify(k) + ':' + canon(o[k])).join(',') + '}'
    : JSON.stringify(o);
  return canon(view) === canon(want);
}"""

TITLE = """() => { const h = document.querySelector('[data-testid="stMainBlockContainer"] h1');
  return h ? h.innerText.trim() : null; }"""


def walk(nodes: list[str], shared: set[tuple[str, str]]) -> list[str]:
    """Every node once more in order, each ``(a, b)`` of ``shared`` (``a`` before ``b``) then
    followed by ``a`` and ``b`` again: once every node has been set in order, each visit comes
    after every other node has run, and pages that share a widget follow each other both ways."""
    route = []
    for node in nodes:
        route.append(node)
        for a in [a for a in nodes if (a, node) in shared]:
            route += [a, node]
    return route


def pairs_checked(route: list[str], nodes: list[str]) -> set[tuple[str, str]]:
    """The ordered pairs (A, B) that ``route`` checks once ``nodes`` were set in order: B is
    visited (and compared with its settings) after A ran since B was last set or checked."""
    ran_since: dict[str, set[str]] = {n: set() for n in nodes}
    checked: set[tuple[str, str]] = set()
    for step, here in enumerate([*nodes, *route]):
        if step >= len(nodes):
            checked |= {(a, here) for a in ran_since[here]}
        ran_since[here] = set()
        for other in nodes:
            if other != here:
                ran_since[other].add(here)
    return checked


def url_of(page) -> dict[str, str]:
    """The page's URL parameters, less the language and calendar."""
    query = parse_qsl(urlsplit(current_url(page)).query)
    return {k: v for k, v in query if k not in ("lang", "cal")}


def view_of(page) -> dict[str, object]:
    """The page's settings as the user sees them: its URL (less language and calendar) and the
    value of every widget."""
    return {"url": url_of(page), **page.evaluate(WIDGETS)}


def settled_view(page) -> dict[str, object]:
    """The view once two looks, a finished run apart, agree (the page may still be drawing)."""
    seen = view_of(page)
    for _ in range(10):
        wait_for_app(page)
        again = view_of(page)
        if again == seen:
            return seen
        seen = again
    raise AssertionError("the page kept changing")


def wait_for_view(page, want: dict[str, object], timeout: float = 15) -> dict[str, object]:
    """The view the page shows once it equals ``want``, or after ``timeout`` seconds."""
    if url_of(page) == want["url"]:
        widgets = {k: v for k, v in want.items() if k != "url"}
        try:
            page.wait_for_function(
                f"want => ({SHOWS})([({WIDGETS})(), want])", arg=widgets, timeout=timeout * 1000
            )
        except PlaywrightTimeout:
            pass
    return view_of(page)


def widget(page, testid: str, label: str):
    exact = re.compile(rf"^{re.escape(label)}$")
    return (
        page.locator(f'[data-testid="{testid}"]')
        .filter(has=page.locator('[data-testid="stWidgetLabel"]', has_text=exact))
        .first
    )


#: Counts the app's runs from now on (the run state turning to "running"), in ``window.caRuns``.
COUNT_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.caRuns = 0;
  if (window.caRunWatch) window.caRunWatch.disconnect();
  window.caRunWatch = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.caRuns += 1;
  });
  window.caRunWatch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def apply(page, kind: str, label: str, choice: object) -> None:
    """Change one setting as a user would, and wait until the page has run on it."""
    page.evaluate(COUNT_RUNS)
    if kind == "select":
        box = widget(page, "stSelectbox", label)
        box.click()
        options = page.get_by_role("option")
        try:
            options.first.wait_for(timeout=5000)
        except PlaywrightTimeout:  # the click focused the box without opening it (far down)
            box.locator("input").press("ArrowDown")
        target = (
            options.nth(choice)
            if isinstance(choice, int)
            else options.filter(has_text=re.compile(rf"^{re.escape(str(choice))}$")).first
        )
        target.click()
    elif kind == "radio":
        widget(page, "stRadio", label).get_by_text(str(choice), exact=True).click()
    elif kind == "number":
        box = widget(page, "stNumberInput", label).locator("input")
        box.fill(str(choice))
        box.press("Enter")
    elif kind == "slider":
        widget(page, "stSlider", label).locator('input[type="range"]').first.press(str(choice))
    page.wait_for_function("() => window.caRuns > 0")
    wait_for_app(page)


def go(page, link, title: str | None = None, *, leaving: str | None = None) -> None:
    """Follow a sidebar link and wait until the page it names has run: its title is ``title``
    (or, when not yet known, no longer ``leaving``'s)."""
    path = urlsplit(link.get_attribute("href")).path
    link.click()
    page.wait_for_function("p => location.pathname === p", arg=path)
    if title is not None:
        page.wait_for_function(f"t => ({TITLE})() === t", arg=title)
    else:
        page.wait_for_function(f"t => ![null, t].includes(({TITLE})())", arg=leaving)
    wait_for_app(page)


def test_no_page_changes_another_pages_settings(demo_server, guarded_page):
    page = guarded_page.page
    page.goto(demo_server.url)
    wait_for_app(page)
    nav = page.locator('[data-testid="stSidebarNav"] a')
    links = {
        urlsplit(nav.nth(i).get_attribute("href")).path.strip("/") or "overview": i
        for i in range(nav.count())
    }
    assert set(links) == set(SETTINGS), links

    titles: dict[str, str] = {}
    expected: dict[str, dict[str, object]] = {}
    changed: dict[str, set[str]] = {}
    for i, (name, settings) in enumerate(SETTINGS.items()):
        if i:  # the first page is the one the app opens on
            go(page, nav.nth(links[name]), leaving=titles[list(SETTINGS)[i - 1]])
        before = view_of(page)
        for kind, label, choice in settings:
            apply(page, kind, label, choice)
        no_exception_shown(page)
        titles[name] = page.evaluate(TITLE)
        expected[name] = settled_view(page)
        changed[name] = {k for k in expected[name] if expected[name][k] != before.get(k)}
        assert len(changed[name]) >= len(settings), (name, changed[name])  # each setting took

    # Pages that show a widget of the same label as one the test changed on either of them.
    names = list(SETTINGS)
    shared = {
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if (changed[a] | changed[b]) & set(expected[a]) & set(expected[b]) - {"url", MONTH}
    }
    assert shared, "no two pages share a widget: the walk would not test one sharing a key"
    route = [names[-1], *walk(names, shared)]
    assert pairs_checked(route[1:], names) == {(a, b) for a in names for b in names if a != b}
    assert all({(a, b), (b, a)} <= set(pairwise(route)) for a, b in shared)
    for came_from, name in pairwise(route):
        go(page, nav.nth(links[name]), titles[name])
        assert wait_for_view(page, expected[name]) == expected[name], f"{came_from} -> {name}"
    month = expected["overview"][MONTH]
    for name in ("coverage_map", "gap_analysis", "partners", "briefings"):
        assert expected[name][MONTH] == month, name  # the shared month
    no_exception_shown(page)
    assert guarded_page.errors == []

"""Settings belong to their page: leaving a page and coming back never changes its settings; the
month is shared on purpose; a link still opens exactly its view.

A move through the sidebar reaches the next page with only the language and calendar in the URL
(the browser drops the rest): :func:`move` does the same under AppTest.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest.helpers import query, run_page

APP_PARAMS = ("lang", "cal")
MONTH = "2025-06"  # not the newest month: not a default anywhere

#: A non-default value for the main settings of the pages the issue saw change (the browser test
#: tests/browser/test_page_settings.py walks every pair of pages): (widget kind, key) -> value.
SETTINGS: dict[str, dict[tuple[str, str], object]] = {
    "app_pages/coverage_map.py": {
        ("selectbox", "url_metric"): "uninsured",
        ("radio", "url_level"): "district",
        ("select_slider", "url_k"): 4,
    },
    "app_pages/overview.py": {},
    "app_pages/gap_analysis.py": {
        ("radio", "url_level"): "district",
        ("number_input", "url_census"): 2020,
    },
    "app_pages/infrastructure.py": {
        ("select_slider", "url_near"): 1.0,
        ("select_slider", "url_referral"): 20.0,
        ("select_slider", "url_catchment"): 5.0,
    },
    "app_pages/capacity.py": {
        ("select_slider", "url_catchment"): 2.0,
        ("select_slider", "url_near"): 3.0,
        ("select_slider", "url_referral"): 15.0,
    },
}
#: The month's selectbox on each page that has one.
MONTH_KEYS = {
    "app_pages/overview.py": "ov_month",
    "app_pages/coverage_map.py": "url_month",
    "app_pages/gap_analysis.py": "url_month",
    "app_pages/partners.py": "pt_month",
    "app_pages/briefings.py": "br_month",
}


def move(at: AppTest, page: str) -> AppTest:
    """Go to ``page`` as the sidebar does: the URL keeps only the language and calendar."""
    for name in [n for n in at.query_params if n not in APP_PARAMS]:
        del at.query_params[name]
    at.switch_page(page).run()
    assert not at.exception, (page, [e.value for e in at.exception])
    return at


def widget(at: AppTest, kind: str, key: str):
    return getattr(at, kind)(key=key)


def month_shown(at: AppTest, page: str) -> str:
    """The month a page shows, as its label (the same words on every page)."""
    box = at.selectbox(key=MONTH_KEYS[page])
    return box.options[box.index]


def choose_month(at: AppTest, page: str, label: str) -> None:
    box = at.selectbox(key=MONTH_KEYS[page])
    box.select_index(box.options.index(label))


def shown(at: AppTest, page: str) -> dict[str, object]:
    """The page's settings as its widgets show them, and its URL."""
    values = {key: widget(at, kind, key).value for kind, key in SETTINGS[page]}
    if page in MONTH_KEYS:
        values["month"] = month_shown(at, page)
    return {**values, "url": {k: v for k, v in query(at).items() if k not in APP_PARAMS}}


def test_leaving_a_page_and_coming_back_keeps_its_settings(on_demo):
    at = move(run_page("app_pages/overview.py"), "app_pages/coverage_map.py")
    at.selectbox(key="url_month").set_value(MONTH).run()
    label = month_shown(at, "app_pages/coverage_map.py")
    expected: dict[str, dict[str, object]] = {}
    for page, settings in SETTINGS.items():
        move(at, page)
        for (kind, key), new in settings.items():
            widget(at, kind, key).set_value(new)
        if page in MONTH_KEYS:
            choose_month(at, page, label)
        at.run()  # all of the page's new values in one run
        assert not at.exception, (page, [e.value for e in at.exception])
        expected[page] = shown(at, page)
        assert all(expected[page][key] == new for (_, key), new in settings.items()), page
    # Coverage map -> Gap analysis -> Coverage map, Infrastructure <-> Capacity, the Overview.
    route = [
        "app_pages/coverage_map.py",
        "app_pages/gap_analysis.py",
        "app_pages/coverage_map.py",
        "app_pages/infrastructure.py",
        "app_pages/capacity.py",
        "app_pages/infrastructure.py",
        "app_pages/overview.py",
        "app_pages/gap_analysis.py",
    ]
    for page in route:
        move(at, page)
        assert shown(at, page) == expected[page], page


def test_the_month_chosen_on_one_page_is_the_month_on_the_next(on_demo):
    at = move(run_page("app_pages/overview.py"), "app_pages/coverage_map.py")
    labels = at.selectbox(key="url_month").options  # oldest first here
    move(at, "app_pages/overview.py")
    choose_month(at, "app_pages/overview.py", labels[3])
    at.run()
    for page in MONTH_KEYS:
        move(at, page)
        assert month_shown(at, page) == labels[3], page
    choose_month(at, "app_pages/briefings.py", labels[5])
    at.run()
    move(at, "app_pages/overview.py")
    assert month_shown(at, "app_pages/overview.py") == labels[5]
    assert query(at)["month"] == at.selectbox(key="ov_month").value


def test_a_link_opens_exactly_its_view_in_a_session_with_other_settings(on_demo):
    at = move(run_page("app_pages/overview.py"), "app_pages/coverage_map.py")
    at.radio(key="url_level").set_value("district").run()
    at.selectbox(key="url_metric").set_value("uninsured").run()
    move(at, "app_pages/gap_analysis.py")
    # The back button or a pasted link: the URL names the view, and only it counts.
    at.query_params["level"] = "province"
    at.query_params["month"] = "2025-01"
    at.switch_page("app_pages/coverage_map.py").run()
    assert not at.exception
    assert at.radio(key="url_level").value == "province"
    assert at.selectbox(key="url_metric").value == "coverage"  # not named: the default
    assert at.selectbox(key="url_month").value == "2025-01"
    assert {k: v for k, v in query(at).items() if k not in APP_PARAMS} == {
        "level": "province",
        "month": "2025-01",
    }
    # The month the link chose is the month of the next page.
    label = month_shown(at, "app_pages/coverage_map.py")
    move(at, "app_pages/overview.py")
    assert month_shown(at, "app_pages/overview.py") == label


def test_proposed_sites_open_on_capacity_with_its_own_settings(on_demo):
    at = move(run_page("app_pages/overview.py"), "app_pages/capacity.py")
    at.select_slider(key="url_catchment").set_value(2.0).run()
    move(at, "app_pages/infrastructure.py")
    at.toggle(key="url_plan").set_value(True)
    at.selectbox(key="url_care").set_value("clinic")
    at.run()
    at.button(key="infra_open_capacity").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Capacity and load"
    # The service the sites need is chosen for it; the rest is as the user left it.
    assert at.selectbox(key="url_service").value == "care"
    assert at.select_slider(key="url_catchment").value == 2.0
    assert query(at)["catchment"] == "2"

"""AppTest: on the Coverage map a filter change reruns only the page's view (an ``st.fragment``):
not the app's frame (``ui.context.current``), not the page's loading (``ui.data.periods``), while
the table, the URL and the page's store follow the change."""

from __future__ import annotations

import ui.context
import ui.data
from tests.apptest.fragments import fragment_of, recorded_messages, run_fragment
from tests.apptest.helpers import query, run_page

PAGE = "app_pages/coverage_map.py"


def test_filter_change_reruns_only_the_view(on_demo, monkeypatch):
    with recorded_messages() as sent:
        at = run_page(PAGE)
    view = fragment_of(sent, "url_metric")
    assert view, "the metric picker is drawn outside any fragment: a change reruns the whole app"
    assert fragment_of(sent, "url_month") == view  # every filter of the view, the same fragment
    assert fragment_of(sent, "url_classes") == view

    calls = {"current": 0, "periods": 0}

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(ui.context, "current", counted("current", ui.context.current))
    monkeypatch.setattr(ui.data, "periods", counted("periods", ui.data.periods))
    at.selectbox(key="url_metric").set_value("uninsured")
    run_fragment(at, view)

    assert not at.exception, [e.value for e in at.exception]
    assert calls == {"current": 0, "periods": 0}  # neither the app's frame nor the page's loading
    table = at.dataframe[-1].value
    assert list(table["Uninsured"]) == sorted(table["Uninsured"], reverse=True)
    assert query(at)["metric"] == "uninsured"
    stores = at.session_state["_ca_views"]
    assert any(store.get("metric") == "uninsured" for store in stores.values())

"""AppTest: on the Overview and on the Partners page a change of the controls a user changes
most (the month, the facilities, the trend's partner and area) reruns only the fragment that
draws what it changes: not the app's frame (``ui.context.current``), not the page's loading
(``ui.data.periods``, ``has_partners``), and on the Partners page not the sections the change leaves alone, while
the page, the URL and the page's store follow the change."""

from __future__ import annotations

import pytest

import ui.context
import ui.data
from geodata.store.workspace import list_versions, read_workspace
from tests.apptest.fragments import fragment_of, recorded_messages, run_fragment
from tests.apptest.helpers import query, run_as, run_page, write_users
from ui.partners import data as partner_data
from ui.partners import views as partner_views


def _count(monkeypatch, calls: dict[str, int], target: object, name: str) -> None:
    """Count the calls of ``target.name`` from now on, under ``calls[name]``."""
    original = getattr(target, name)
    calls[name] = 0

    def counted(*args, **kwargs):
        calls[name] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, counted)


def _frame_and_loading(monkeypatch, loading: tuple[object, str]) -> dict[str, int]:
    """Count the app's frame and ``loading``, a loader only the page's top calls."""
    calls: dict[str, int] = {}
    _count(monkeypatch, calls, ui.context, "current")
    _count(monkeypatch, calls, *loading)
    return calls


def _older_month(at, key: str) -> str:
    picker = at.selectbox(key=key)
    older = picker.options[1]  # newest first: the month before the newest
    picker.select_index(1)
    return older


def test_overview_month_and_facilities_rerun_only_the_view(on_demo, monkeypatch):
    with recorded_messages() as sent:
        at = run_page("app_pages/overview.py")
    view = fragment_of(sent, "ov_month")
    assert view, "the month picker is drawn outside any fragment: a change reruns the whole app"
    assert fragment_of(sent, "ov_facilities") == view
    newest_table = at.dataframe[0].value.copy()

    calls = _frame_and_loading(monkeypatch, (ui.data, "periods"))
    older = _older_month(at, "ov_month")
    run_fragment(at, view)
    assert not at.exception, [e.value for e in at.exception]
    assert calls == {"current": 0, "periods": 0}  # neither the app's frame nor the page's loading
    assert any(older in c.value for c in at.caption)  # the header names the month chosen
    assert not at.dataframe[0].value.equals(newest_table)  # the table follows the month
    month_key = query(at)["month"]
    assert month_key and month_key != at.selectbox(key="ov_month").options[0]
    stores = at.session_state["_ca_views"]
    assert any(store.get("month") == month_key for store in stores.values())

    at.toggle(key="ov_facilities").set_value(True)
    run_fragment(at, view)
    assert not at.exception, [e.value for e in at.exception]
    assert calls == {"current": 0, "periods": 0}
    assert query(at)["fac"] == "1"


@pytest.fixture
def partners_page(on_demo):
    with recorded_messages() as sent:
        at = run_page("app_pages/partners.py")
    return at, sent


def test_partners_month_reruns_the_view_not_the_checks_or_the_form(partners_page, monkeypatch):
    at, sent = partners_page
    view = fragment_of(sent, "pt_month")
    assert view, "the month picker is drawn outside any fragment: a change reruns the whole app"
    assert fragment_of(sent, "pt_facilities") == view
    calls = _frame_and_loading(monkeypatch, (partner_data, "has_partners"))
    _count(monkeypatch, calls, partner_data, "checks")
    _count(monkeypatch, calls, partner_views, "reassign_form")
    _count(monkeypatch, calls, partner_data, "scorecards")

    older = _older_month(at, "pt_month")
    run_fragment(at, view)
    assert not at.exception, [e.value for e in at.exception]
    # The view's scorecards for the month chosen; nothing of the frame, loading, checks or form.
    assert calls == {
        "current": 0,
        "has_partners": 0,
        "checks": 0,
        "reassign_form": 0,
        "scorecards": 1,
    }
    assert any(older in c.value for c in at.caption)
    assert query(at)["month"] != at.selectbox(key="pt_month").options[0]


def test_partners_trend_choice_reruns_only_the_trend(partners_page, on_demo, monkeypatch):
    at, sent = partners_page
    view = fragment_of(sent, "pt_month")
    trend = fragment_of(sent, "pt_trend_partner")
    assert trend and trend != view, "the trend's partner is not in a fragment of its own"
    assert fragment_of(sent, "pt_trend_area") == trend
    calls = _frame_and_loading(monkeypatch, (partner_data, "has_partners"))
    _count(monkeypatch, calls, partner_data, "scorecards")
    _count(monkeypatch, calls, partner_views, "partner_map")
    _count(monkeypatch, calls, partner_data, "partner_areas")

    picker = at.selectbox(key="pt_trend_partner")
    tables = read_workspace(on_demo, list_versions(on_demo)[-1].number)
    other = next(p for p in tables["partners"]["partner_id"] if p != picker.value)
    picker.set_value(other)
    run_fragment(at, trend)
    assert not at.exception, [e.value for e in at.exception]
    # Only the trend: its partner's areas, not the scorecards, the map, the frame or the loading.
    assert calls.pop("partner_areas") >= 1
    assert calls == {"current": 0, "has_partners": 0, "scorecards": 0, "partner_map": 0}
    assert at.selectbox(key="pt_trend_partner").value == other
    # The page's store keeps the choice (restored when the user comes back to the page).
    stores = at.session_state["_ca_views"]
    assert any(store.get("pt_trend_partner") is not None for store in stores.values())


def test_a_partner_s_month_change_stays_within_its_own_areas(on_demo, tmp_path, monkeypatch):
    """The fragment reruns with the session's scope of the full run: a partner changing the
    month still sees its own scorecard and trend only."""
    monkeypatch.setenv(
        "COVERAGE_ATLAS_USERS",
        write_users(tmp_path / "users.toml", {"crescent": ("partner", "P2")}),
    )
    with recorded_messages() as sent:
        at = run_as("crescent", "app_pages/partners.py")
    view = fragment_of(sent, "pt_month")
    assert view
    _older_month(at, "pt_month")
    run_fragment(at, view)
    assert not at.exception, [e.value for e in at.exception]
    partners = read_workspace(on_demo, list_versions(on_demo)[-1].number)["partners"]
    own = set(partners.loc[partners["partner_id"] == "P2", "name"])
    others = set(partners["name"]) - own
    shown = " ".join(" ".join(map(str, frame.value.to_numpy().ravel())) for frame in at.dataframe)
    assert any(name in shown for name in own)
    assert not [name for name in others if name in shown]
    assert at.selectbox(key="pt_trend_partner").options == sorted(own)

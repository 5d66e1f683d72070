"""AppTest: on the Gap analysis, Infrastructure and Capacity pages a change of a control reruns
only the fragment that draws what it changes, not the app's frame (``ui.context.current``) or the
page's loading, while the page and the URL follow the change; the Gap analysis maps are drawn once
and restyled, its ranking kept per settings; a partner's fragment rerun stays in its own areas;
a scenario saved from the Capacity fragment is shown with the version it made."""

from __future__ import annotations

import json

import folium

import ui.context
import ui.data
from geodata.store.workspace import list_versions, read_workspace
from tests.apptest.fragments import fragment_of, recorded_messages, run_fragment
from tests.apptest.helpers import query, run_as, run_page, write_users
from ui.access import data as access_data
from ui.capacity import data as capacity_data
from ui.capacity import growth
from ui.gaps import bands


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


def _maps(messages: list) -> list[dict]:
    """The arguments of every map component the messages draw (``script``: the map itself,
    ``feature_group``: the restyle script run on it)."""
    out = []
    for msg in messages:
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            continue
        element = msg.delta.new_element
        if element.WhichOneof("type") == "component_instance":
            args = json.loads(element.component_instance.json_args or "{}")
            if "script" in args:
                out.append(args)
    return out


def _elements(messages: list, kind: str) -> int:
    """How many elements of ``kind`` (``dataframe``, ``metric``...) the messages draw."""
    return sum(
        1
        for msg in messages
        if msg.WhichOneof("type") == "delta"
        and msg.delta.WhichOneof("type") == "new_element"
        and msg.delta.new_element.WhichOneof("type") == kind
    )


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_gap_controls_rerun_the_view_and_restyle_its_map(on_demo, monkeypatch):
    with recorded_messages() as sent:
        at = run_page("app_pages/gap_analysis.py")
    view = fragment_of(sent, "url_month")
    assert view, "the month picker is drawn outside any fragment: a change reruns the whole app"
    assert fragment_of(sent, "url_order") == view
    # The top list's size and the facilities on its map: a fragment of their own, in the view.
    top = fragment_of(sent, "url_top")
    assert top and top != view and fragment_of(sent, "gap_facilities") == top
    first_map = _maps(sent)[-1]
    calls = _frame_and_loading(monkeypatch, (ui.data, "periods"))
    _count(monkeypatch, calls, bands, "rank_table")
    # every table of the workspace, copied on each call: a rerun reads the ones it needs only
    _count(monkeypatch, calls, ui.data, "tables")

    # The size of the top list: the same ranking (kept), the same map, other colours; the
    # ranked table and the weights are not sent again.
    sent.clear()
    with recorded_messages() as sent:
        at.select_slider(key="url_top").set_value(20)
        run_fragment(at, top)
    _ok(at)
    assert calls == {"current": 0, "periods": 0, "rank_table": 0, "tables": 0}
    assert query(at)["top"] == "20"
    top_map = _maps(sent)[-1]
    assert top_map["script"] == first_map["script"]  # the polygons are not sent again
    assert top_map["feature_group"] != first_map["feature_group"]
    assert "20" in top_map["feature_group"]  # the legend names the top 20
    assert _elements(sent, "dataframe") == 0 and _elements(sent, "metric") >= 1
    # The facilities on the map: the top list's fragment again.
    with recorded_messages() as sent:
        at.toggle(key="gap_facilities").set_value(True)
        run_fragment(at, top)
    _ok(at)
    assert calls == {"current": 0, "periods": 0, "rank_table": 0, "tables": 0}
    assert _elements(sent, "dataframe") == 0 and len(_maps(sent)) == 1
    at.run()  # the whole page in the tree again (a fragment's rerun leaves only its elements)
    calls.update(dict.fromkeys(calls, 0))

    # An older month: the header and the URL follow; the ranking is computed for it.
    header = [c.value for c in at.caption]
    picker = at.selectbox(key="url_month")
    picker.select_index(len(picker.options) - 2)
    with recorded_messages() as sent:
        run_fragment(at, view)
    _ok(at)
    assert _elements(sent, "dataframe") >= 1  # the ranked table, for the month chosen
    calls.pop("tables")  # a new month's figures may be computed from the tables
    assert calls == {"current": 0, "periods": 0, "rank_table": 1}
    assert at.caption[0].value != header[0]  # the header names the month chosen
    assert query(at)["month"] == at.selectbox(key="url_month").value


def test_a_partner_s_gap_rerun_stays_within_its_own_areas(on_demo, tmp_path, monkeypatch):
    """The fragment reruns with the session's scope of the full run: a partner changing the
    month still ranks its own areas only."""
    monkeypatch.setenv(
        "COVERAGE_ATLAS_USERS",
        write_users(tmp_path / "users.toml", {"crescent": ("partner", "P2")}),
    )
    with recorded_messages() as sent:
        at = run_as("crescent", "app_pages/gap_analysis.py", {"level": "area"})
    view = fragment_of(sent, "url_month")
    assert view
    at.selectbox(key="url_month").select_index(1)
    run_fragment(at, view)
    _ok(at)
    areas = read_workspace(on_demo, list_versions(on_demo)[-1].number)["areas"]
    own = set(areas.loc[areas["partner_id"] == "P2", "name"])
    shown = {str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()}
    assert own & shown
    assert not (set(areas["name"]) - own) & shown


def test_infrastructure_controls_rerun_only_the_view(on_demo, monkeypatch):
    with recorded_messages() as sent:
        at = run_page("app_pages/infrastructure.py")
    view = fragment_of(sent, "url_covered")
    assert view, "the coverage target is drawn outside any fragment: a change reruns the whole app"
    assert {fragment_of(sent, k) for k in ("url_catchment", "url_decay", "infra_facilities")} == {
        view
    }
    calls = _frame_and_loading(monkeypatch, (access_data, "facility_statuses"))
    at.select_slider(key="url_covered").set_value(0.7)
    run_fragment(at, view)
    _ok(at)
    at.toggle(key="url_decay").set_value(True)
    run_fragment(at, view)
    _ok(at)
    assert calls == {"current": 0, "facility_statuses": 0}
    assert float(query(at)["covered"]) == 0.7 and query(at)["decay"] == "1"


def test_infrastructure_map_is_drawn_once_and_restyled(on_demo, monkeypatch):
    """A threshold change sends the same map with other colours: no map is built again; hiding
    the facilities draws the map anew, without them."""
    with recorded_messages() as sent:
        at = run_page("app_pages/infrastructure.py")
    view = fragment_of(sent, "url_near")
    assert view
    first = _maps(sent)[-1]
    calls: dict[str, int] = {}
    _count(monkeypatch, calls, folium.Map, "__init__")
    sent.clear()
    with recorded_messages() as sent:
        at.select_slider(key="url_near").set_value(5.0)
        run_fragment(at, view)
    _ok(at)
    assert query(at)["near"] == "5"
    assert calls["__init__"] == 0  # the map of the view is kept
    restyled = _maps(sent)[-1]
    assert restyled["script"] == first["script"]  # the polygons and points are not sent again
    assert restyled["feature_group"] != first["feature_group"]  # the colours and legend are

    sent.clear()
    with recorded_messages() as sent:
        at.toggle(key="infra_facilities").set_value(False)
        run_fragment(at, view)
    _ok(at)
    # built anew, or kept from an earlier test of this process that drew the same settings
    assert calls["__init__"] <= 1
    assert _maps(sent)[-1]["script"] != first["script"]


def test_capacity_controls_rerun_only_the_view_and_a_saved_scenario_the_app(demo_copy, monkeypatch):
    with recorded_messages() as sent:
        at = run_page("app_pages/capacity.py")
    view = fragment_of(sent, "url_overload")
    assert view, "the overload line is drawn outside any fragment: a change reruns the whole app"
    assert {fragment_of(sent, k) for k in ("url_near", "cap_action")} == {view}
    # The facilities besides the load circles: a fragment of their own with the map.
    shown = fragment_of(sent, "cap_facilities")
    assert shown and shown != view
    calls = _frame_and_loading(monkeypatch, (capacity_data, "present_services"))
    _count(monkeypatch, calls, capacity_data, "baseline")
    with recorded_messages() as sent:
        at.toggle(key="cap_facilities").set_value(True)
        run_fragment(at, shown)
    _ok(at)
    # Only the map: no figure, table or chart sent again, the load not read again.
    assert calls == {"current": 0, "present_services": 0, "baseline": 0}
    assert len(_maps(sent)) == 1
    assert _elements(sent, "dataframe") == _elements(sent, "metric") == 0
    at.run()  # the whole page in the tree again (a fragment's rerun leaves only its elements)
    calls.update(dict.fromkeys(calls, 0))
    with recorded_messages() as sent:
        at.select_slider(key="url_overload").set_value(2.0)
        run_fragment(at, view)
    _ok(at)
    assert calls["current"] == calls["present_services"] == 0
    assert _elements(sent, "dataframe") >= 1 and _elements(sent, "metric") >= 1
    assert float(query(at)["overload"]) == 2.0

    # A scenario saved from the fragment makes a version: the next run is the app's, with it.
    versions = len(list_versions(demo_copy))
    at.selectbox(key="cap_upgrade_id").select("F005")
    run_fragment(at, view)
    value_keys = [n.key for n in at.number_input if n.key.startswith("cap_upgrade_value_F005")]
    at.number_input(key=value_keys[0]).set_value(300)
    run_fragment(at, view)
    at.button(key="cap_add_upgrade").click()
    run_fragment(at, view)
    at.text_input(key="cap_scenario_name").input("Fragment gate")
    run_fragment(at, view)
    at.button(key="cap_save").click()
    run_fragment(at, view)
    _ok(at)
    assert len(list_versions(demo_copy)) == versions + 1
    assert calls["current"] >= 1  # the app ran again, with the new version
    assert any("saved as workspace version" in s.value for s in at.success)
    assert "Fragment gate" in at.dataframe[-1].value["Scenario"].tolist()


def test_capacity_load_map_and_growth_charts_are_kept(on_demo, monkeypatch):
    """A change of the near distance leaves the load and the growth as they were: the load map
    is not built again (its areas restyled) and the growth charts are not built again; a new
    overload line colours the circles anew (the map is drawn again), the charts still kept."""
    with recorded_messages() as sent:
        at = run_page("app_pages/capacity.py")
    view = fragment_of(sent, "url_near")
    assert view
    drawn = {m["script"] for m in _maps(sent)}
    calls: dict[str, int] = {}
    _count(monkeypatch, calls, folium.Map, "__init__")
    _count(monkeypatch, calls, growth, "utilisation_chart")
    _count(monkeypatch, calls, growth, "district_chart")
    sent.clear()
    with recorded_messages() as sent:
        at.select_slider(key="url_near").set_value(3.0)
        run_fragment(at, view)
    _ok(at)
    assert query(at)["near"] == "3"
    assert calls == {"__init__": 0, "utilisation_chart": 0, "district_chart": 0}
    assert _maps(sent) and {m["script"] for m in _maps(sent)} <= drawn  # the same map again

    at.select_slider(key="url_overload").set_value(2.0)
    run_fragment(at, view)
    _ok(at)
    assert calls == {"__init__": 1, "utilisation_chart": 0, "district_chart": 0}

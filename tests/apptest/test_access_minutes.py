"""AppTest: the Infrastructure needs page's capacity (2SFCA / E2SFCA) measured in travel minutes
on the Comoros workspace (#19): the catchment slider is in minutes, the section says so in each
language, and the table equals the analytics fed with the road network's travel pairs; the demo
(no roads) keeps its straight-line catchment in km. Siting by travel time: a new site's reach in
minutes, the candidates reached over the same roads."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from streamlit import dataframe_util

from analytics import access, distance, fca, siting
from analytics.capacity import default_decay
from analytics.supply import SUPPLY_TYPES
from geodata.store.workspace import read_workspace
from render.format import fmt_int, fmt_pct
from render.i18n import translate
from tests.apptest.helpers import query, run_page
from traveltime import workspace as travel

PAGE = "app_pages/infrastructure.py"


def direct_capacity(path, catchment_min: float, decay: bool) -> dict[str, float]:
    """Care facilities (1 each) per 1,000 people within ``catchment_min`` by car, per area name."""
    tables = read_workspace(path)
    areas = tables["areas"]
    counted = access.available_facilities(tables["facilities"])
    counted = counted[counted["type"].isin(SUPPLY_TYPES["facility"])]
    points = distance.area_points(areas)
    pairs = travel.travel_pairs(path, None, areas, counted, catchment_min, points=points)
    result = fca.two_step_fca(
        areas,
        counted,
        catchment_km=catchment_min,
        supply=None,
        decay=default_decay(catchment_min) if decay else None,
        pairs=pairs,
    )
    return dict(zip(areas["name"].astype(str), result["access"].round(3), strict=True))


def capacity_table(at, lang: str):
    column = translate("access.table.capacity", lang)
    name = translate("table.name", lang)
    tables = [d.value for d in at.dataframe if column in d.value and "#" not in d.value]
    # the capacity section's table: no rank column, its first column the name
    return next(t for t in tables if next(iter(t.columns)) == name)


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_comoros_capacity_in_travel_minutes_equals_the_analytics(on_comoros, lang):
    at = run_page(
        PAGE, {"lang": lang, "measure": "motorised", "supply": "facility", "catchment_min": "15"}
    )
    slider = at.select_slider(key="url_catchment_min")
    assert slider.value == 15.0
    caption = translate("access.minutes.capacity.facility", lang, min=fmt_int(15, lang))
    assert any(c.value == caption for c in at.caption), [c.value for c in at.caption]
    expected = direct_capacity(on_comoros, 15.0, decay=False)
    table = capacity_table(at, lang)
    column = translate("access.table.capacity", lang)
    name = translate("table.name", lang)
    assert len(table) > 0
    for area, value in zip(table[name], table[column], strict=True):
        assert value == pytest.approx(expected[area], abs=1e-3)
    # with decay, the zones are thirds of the catchment in minutes
    at.toggle(key="url_decay").set_value(True).run()
    assert not at.exception
    with_decay = direct_capacity(on_comoros, 15.0, decay=True)
    table = capacity_table(at, lang)
    for area, value in zip(table[name], table[column], strict=True):
        assert value == pytest.approx(with_decay[area], abs=1e-3)
    assert query(at)["catchment_min"] == "15"


def test_demo_capacity_keeps_its_straight_line_catchment(on_demo):
    at = run_page(PAGE, {"lang": "en", "supply": "facility"})
    assert not [s for s in at.select_slider if s.key == "url_catchment_min"]
    assert at.select_slider(key="url_catchment").value == access.CATCHMENT_KM
    assert any(c.value == "Care facilities per 1,000 people within 10.0 km." for c in at.caption), [
        c.value for c in at.caption
    ]


def direct_siting(path, k: int, minutes: float):
    """``k`` new sites at neighbourhood centres bringing the most people within ``minutes`` by
    car (existing care facilities kept), straight from the analytics."""
    tables = read_workspace(path)
    areas = tables["areas"]
    demand = areas[["area_id", "name", "population", "geometry"]].copy()
    counted = access.available_facilities(tables["facilities"])
    existing = counted[counted["type"].isin(access.DISTANCE_SETS["care"])]
    points = distance.area_points(areas)
    sites_at = gpd.GeoDataFrame(geometry=points)

    def trips(to):
        return travel.travel_pairs(path, None, demand, to, minutes, points=points)

    return siting.choose_sites(
        demand,
        existing,
        k,
        minutes,
        points=points,
        time_limit=20.0,
        pairs=trips(sites_at),
        existing_pairs=trips(existing),
    )


@pytest.mark.realdata
def test_comoros_siting_within_minutes_equals_the_analytics(on_comoros):
    at = run_page(
        PAGE,
        {"lang": "vi", "measure": "motorised", "plan": "1", "k": "2", "radius_min": "15"},
    )
    assert at.select_slider(key="url_radius_min").value == 15.0
    captions = [c.value for c in at.caption]
    assert translate("access.minutes.siting.reach", "vi") in captions
    # the Capacity page the sites can open on judges them in the same minutes, and says so
    assert translate("access.minutes.siting.capacity", "vi") in captions
    result, chosen = direct_siting(on_comoros, 2, 15.0)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles[translate("access.siting.before", "vi")] == fmt_pct(result.share_before, "vi")
    assert tiles[translate("access.siting.after", "vi")] == fmt_pct(result.share_after, "vi")
    assert tiles[translate("access.siting.gain", "vi")] == fmt_int(result.gain, "vi")
    assert result.gain > 0 and len(chosen) == 2
    # the straight-line reach is another setting, kept as it was
    assert query(at)["radius_min"] == "15" and "radius" not in query(at)


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_comoros_unreachable_reads_as_a_word_in_the_needs_table(on_comoros, lang):
    """Neighbourhoods no road reaches care from (10 on the Comoros) read "not reachable" in the
    reader's language in the needs table, never ``inf``; the column stays travel minutes, so it
    sorts as numbers (it was text once a place was unreachable: 100.81 came before 31.14)."""
    at = run_page(PAGE, {"lang": lang, "measure": "motorised", "needs": "care"})
    word = translate("access.minutes.unreachable", lang)
    header = translate("access.minutes.table.distance", lang)
    table = next(d for d in at.dataframe if header in d.value)
    minutes = table.value[header]
    assert pd.api.types.is_float_dtype(minutes)
    assert np.isinf(minutes).sum() == 10  # farther than any trip: last when sorted
    assert (minutes[np.isfinite(minutes)] > 30).all()  # the others beyond the threshold
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(
        table.proto.arrow_data.styler.display_values
    )
    cells = shown[shown.columns[list(table.value.columns).index(header)]].astype(str)
    assert (cells == word).sum() == 10
    assert not cells.str.contains("inf").any()


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_map_views_are_named_in_the_measure_chosen(on_comoros, lang):
    by_car = run_page(PAGE, {"lang": lang, "measure_by": "motorised"})
    named = by_car.selectbox(key="url_view").options
    assert translate("access.minutes.view.hospital_km", lang) in named
    assert translate("access.view.hospital_km", lang) not in named
    straight = run_page(PAGE, {"lang": lang, "measure_by": "line"})
    assert translate("access.view.hospital_km", lang) in straight.selectbox(key="url_view").options


@pytest.mark.realdata
def test_the_figures_and_the_map_say_how_minutes_were_travelled(on_comoros):
    """Above the headline figures ("Care within 30 min"), a line names the mode, as the briefing
    does; the capacity map's caption names E2SFCA when distance decay is on."""
    at = run_page(PAGE, {"lang": "vi", "measure_by": "walking", "view": "capacity", "decay": "1"})
    captions = [c.value for c in at.caption]
    assert translate("reports.access.by_walking", "vi") in captions, captions
    assert any("(E2SFCA)" in c for c in captions) and not any("(2SFCA)" in c for c in captions)

"""AppTest: the Briefings presentation steps through units by need as the Gap analysis ranks
them, in travel time too (#19): with the shared "measure by" a travel mode, the distance to care
in the priority score is minutes of travel over the roads, not straight-line km."""

from __future__ import annotations

import pytest

from geodata.store.workspace import read_workspace
from render.i18n import translate
from tests.apptest.helpers import query, run_page
from ui.briefings import slides

PAGE = "app_pages/briefings.py"
TOP = 5


def gap_top(measure: str) -> list[str]:
    """The names of the Gap analysis's first areas, its distance to care measured by ``measure``."""
    at = run_page("app_pages/gap_analysis.py", {"measure_by": measure, "level": "area"})
    return list(at.dataframe[0].value[translate("table.name", "en")])[:TOP]


@pytest.mark.realdata
def test_the_presentation_orders_by_need_in_travel_minutes(on_comoros, monkeypatch):
    asked: list[tuple] = []
    need_order = slides.need_order

    def spy(*args, **kwargs):
        asked.append((args, kwargs))
        return need_order(*args, **kwargs)

    monkeypatch.setattr(slides, "need_order", spy)
    at = run_page(PAGE, {"present": "1", "step": "1", "measure_by": "motorised"})
    assert query(at)["measure_by"] == "motorised"
    assert asked, "the presentation orders its units by need"
    (source, version, period, _level, *rest), kwargs = asked[-1]
    assert [*rest, *kwargs.values()] == ["motorised"]  # the reader's measure, not km

    # The order by need in minutes is the Gap analysis's ranking in minutes (the areas here:
    # the Comoros' three islands rank alike either way), and it is not the one in km.
    names = read_workspace(on_comoros)["areas"].set_index("area_id")["name"]
    in_minutes = [names[i] for i in need_order(source, version, period, "area", "motorised")]
    in_km = [names[i] for i in need_order(source, version, period, "area", "line")]
    assert in_minutes[:TOP] == gap_top("motorised")
    assert in_km[:TOP] == gap_top("line")
    assert in_minutes[:TOP] != in_km[:TOP]

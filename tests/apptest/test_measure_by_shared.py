"""AppTest: the "measure by" choice (straight line or travel time, #19) is one setting of every
access page, kept in the URL as ``measure_by``: the mode chosen on the Infrastructure needs page is
the mode of the Capacity page and back, also past the Briefings page (whose ``by`` is another
setting), and links shared before it was one setting (the Infrastructure page's ``measure=``, the
Capacity page's ``by=``) still open in their mode, rewritten to ``measure_by``."""

from __future__ import annotations

import pytest

from tests.apptest.helpers import query, run_page
from tests.apptest.test_page_settings import move

INFRA = "app_pages/infrastructure.py"
CAPACITY = "app_pages/capacity.py"


@pytest.mark.realdata
def test_the_mode_chosen_on_one_access_page_is_the_mode_on_the_next(on_comoros):
    # an Infrastructure link shared before: ``measure=walking``
    at = run_page(INFRA, {"lang": "en", "measure": "walking"})
    assert at.selectbox(key="url_measure_by").value == "walking"
    q = query(at)
    assert q["measure_by"] == "walking" and "measure" not in q
    # to the Capacity page as the sidebar goes (no view parameters in the URL)
    move(at, CAPACITY)
    assert at.selectbox(key="url_measure_by").value == "walking"
    assert [s for s in at.select_slider if s.key == "url_catchment_min"]
    assert query(at)["measure_by"] == "walking"
    at.selectbox(key="url_measure_by").set_value("motorised").run()
    assert not at.exception, [e.value for e in at.exception]
    move(at, "app_pages/briefings.py")  # its own ``by`` (the presentation's steps) is no mode
    move(at, INFRA)
    assert at.selectbox(key="url_measure_by").value == "motorised"
    assert query(at)["measure_by"] == "motorised"
    assert [s for s in at.select_slider if s.key == "url_near_min"]

"""AppTest: the Data page's Versions tab shows the travel inputs (#19) the version measures
travel time with (the Comoros road extract, speed table and rasters, as stored, in the reader's
language) and how to change them; a workspace without them says travel time needs them."""

from __future__ import annotations

import pytest

from geodata.sources.inputs import stored_inputs
from render.i18n import translate
from tests.apptest.helpers import run_page

PAGE = "app_pages/data.py"


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_comoros_travel_inputs_are_shown(on_comoros, lang):
    at = run_page(PAGE, {"lang": lang})
    header = translate("data.inputs_name", lang)
    table = next(d.value for d in at.dataframe if header in d.value.columns)
    stored = stored_inputs(on_comoros)
    assert sorted(table[header]) == sorted(f.name for f in stored)
    assert "comores-latest.osm.pbf" in set(table[header])
    role = translate("data.inputs_role", lang)
    assert translate("data.inputs_role_roads", lang) in set(table[role])
    assert translate("data.inputs_change", lang) in [c.value for c in at.caption]


def test_demo_says_it_has_no_travel_inputs(on_demo):
    at = run_page(PAGE, {"lang": "en"})
    assert translate("data.inputs_none", "en") in [c.value for c in at.caption]

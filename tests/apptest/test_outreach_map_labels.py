"""The Outreach map labels its areas by their names in the reader's language, also the areas
outside the chosen partner's plan (drawn pale), never by their id where they have a name
(issue #20)."""

from __future__ import annotations

import json

from geodata.sources.demo import build_demo_tables
from render.format import localize_digits
from render.language import display_names
from tests.apptest.helpers import run_page
from tests.apptest.map_focus import map_scripts


def labels(script: str) -> list[str]:
    """The texts of the labels a map's script draws (render.mapframe.MapFrame)."""
    at = script.index("labels = ")
    found, _ = json.JSONDecoder().raw_decode(script[at + len("labels = ") :])
    return [label[4] for label in found]


def test_outreach_map_labels_are_persian_names(on_demo):
    areas = build_demo_tables()["areas"]
    partner = str(areas["partner_id"].dropna().iloc[0])
    at = run_page("app_pages/outreach.py", {"lang": "fa", "partner": partner})
    texts = [t for script in map_scripts(at) if "labels = " in script for t in labels(script)]
    assert texts, "the outreach map labels its areas"
    ids = {localize_digits(a, "fa") for a in areas["area_id"]} | set(areas["area_id"])
    assert not [t for t in texts if t in ids], texts[:20]
    names = {localize_digits(str(n), "fa") for n in display_names(areas, "name", "fa")}
    districts = {localize_digits(str(n), "fa") for n in display_names(areas, "district_name", "fa")}
    assert set(texts) <= names | districts, sorted(set(texts) - names - districts)[:20]

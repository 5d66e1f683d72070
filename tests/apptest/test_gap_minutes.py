"""AppTest: on the Comoros workspace (roads) the Gap analysis page offers the access pages'
"measure by" choice (#19) and, in travel time, its ranking's distance to care and the CSV it
offers are in minutes of travel over the roads, not straight-line km."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from analytics import access, distance
from geodata.store.workspace import read_workspace
from render.i18n import translate
from tests.apptest.helpers import run_page
from traveltime import workspace as travel

PAGE = "app_pages/gap_analysis.py"


@pytest.fixture
def offered(monkeypatch) -> list[tuple[str, bytes]]:
    """Every CSV the runs offer, made as if its button were pressed (file name, bytes)."""
    files: list[tuple[str, bytes]] = []
    add_deferred = MediaFileManager.add_deferred

    def press(self, make, mimetype, coordinates, file_name=None, **kwargs):
        if file_name and file_name.endswith(".csv"):
            files.append((file_name, make()))
        return add_deferred(self, make, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", press)
    return files


@pytest.mark.realdata
def test_comoros_gap_ranking_file_in_minutes(on_comoros, offered):
    at = run_page(PAGE, {"lang": "en", "measure_by": "motorised", "level": "area"})
    assert at.selectbox(key="url_measure_by").value == "motorised"
    ranking = [data for name, data in offered if name.startswith("gap_ranking_area")]
    assert ranking, [name for name, _ in offered]
    table = pd.read_csv(io.BytesIO(ranking[-1]), encoding="utf-8-sig")
    assert translate("gap.table.distance", "en") not in table
    minutes_header = translate("gap.table.distance_min", "en")
    assert minutes_header in table

    tables = read_workspace(on_comoros)
    areas = tables["areas"]
    care = access.available_facilities(tables["facilities"], types=access.CARE_TYPES)
    found = travel.nearest_minutes(
        on_comoros,
        None,
        areas,
        care,
        {"care": access.CARE_TYPES},
        points=distance.area_points(areas),
        mode="motorised",
    )
    by_name = pd.Series(found["care_min"].to_numpy(), index=areas["name"].to_numpy())
    by_name = by_name[~by_name.index.duplicated(keep=False)]
    shown = table.set_index(translate("table.name", "en"))[minutes_header]
    shown = shown[shown.index.isin(by_name.index)]
    # an area no road links to care ranks with the farthest, and reads as not reachable (it
    # read as the longest trip measured, a trip no one can make)
    far = shown.index.isin(by_name.index[np.isinf(by_name.to_numpy())])
    assert far.sum() >= 5
    assert (shown[far] == translate("access.minutes.unreachable", "en")).all()
    assert len(shown[~far]) > 10
    assert shown[~far].to_numpy(dtype="float64") == pytest.approx(
        by_name[shown.index[~far]].to_numpy(), abs=0.051
    )

"""The facility layer: icons per type, status classes, bed steps, escaping, legend and filters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geodata.tables.schema import FACILITY_STATUSES, FACILITY_TYPES
from render.i18n import translate
from render.maps import legend_html
from render.offline import FACILITY_ICONS_SOURCE, ensure_icon_assets, offline_map
from ui.context import Context
from ui.facility_layer import (
    ICON_SIZES,
    add_facilities,
    add_facility_layer,
    bed_steps,
    facility_features,
    facility_legend_items,
    facility_options,
    filter_facilities,
    icon_url,
)

HOSTILE = "<img src=x onerror=alert(1)>"


def context(lang: str = "en") -> Context:
    return Context(
        workspace="w",
        version=1,
        is_demo=False,
        lang=lang,
        title="t",
        calendar="jalali" if lang == "fa" else "gregorian",
    )


@pytest.fixture
def facilities() -> gpd.GeoDataFrame:
    n = len(FACILITY_TYPES) + 1
    return gpd.GeoDataFrame(
        {
            "facility_id": [f"F{i}" for i in range(n)],
            "name": [f"Facility {i}" for i in range(n)],
            "type": [*FACILITY_TYPES, "dental_lab"],
            "status": [
                "operational",
                "under_construction",
                "planned",
                "closed",
                None,
                *["operational"] * (n - 5),
            ],
            "beds": pd.array([250, 120, 30, 0, None, None, None, None], dtype="Int64"),
            "operator": ["MoH", "SSO", None, "MoH", "Private", "Private", "MoH", "SSO"],
            "opens_on": pd.to_datetime([None, "2027-03-21", None, None, None, None, None, None]),
            "services": ["emergency; surgery", None, "x-ray", None, None, None, None, None],
        },
        geometry=[Point(51.3 + i / 100, 35.7) for i in range(n)],
        crs="EPSG:4326",
    )


def rendered(fmap) -> str:
    """The page as the browser gets it, with JSON escapes (\\u003c...) decoded."""
    return fmap.get_root().render().encode().decode("unicode_escape", errors="ignore")


def test_every_type_has_its_own_local_icon_file() -> None:
    urls = {icon_url(t) for t in FACILITY_TYPES}
    assert len(urls) == len(FACILITY_TYPES)  # a distinct pictogram per type
    assert icon_url("dental_lab") == icon_url(None) == "/app/static/vendor/facility-icons/other.svg"
    for t in (*FACILITY_TYPES, "other"):
        svg = (FACILITY_ICONS_SOURCE / f"{t}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and 'viewBox="0 0 24 24"' in svg
        assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
        assert "<script" not in svg


def test_icons_are_copied_to_the_static_folder(tmp_path: Path) -> None:
    target = ensure_icon_assets(tmp_path)
    assert target == tmp_path / "static" / "vendor" / "facility-icons"
    names = sorted(p.name for p in target.glob("*.svg"))
    assert names == sorted(f"{t}.svg" for t in (*FACILITY_TYPES, "other"))
    before = {p: p.stat().st_mtime_ns for p in target.iterdir()}
    ensure_icon_assets(tmp_path)  # current: nothing rewritten
    assert {p: p.stat().st_mtime_ns for p in target.iterdir()} == before


def test_bed_steps() -> None:
    steps = bed_steps(pd.Series([None, 0, 1, 49, 50, 199, 200, 5000, "n/a"]))
    assert steps.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 0]
    assert len(ICON_SIZES) == 4 and list(ICON_SIZES) == sorted(ICON_SIZES)


def test_features_carry_type_status_and_size(facilities) -> None:
    data = facility_features(context(), facilities)
    props = [f["properties"] for f in data["features"]]
    assert [p["t"] for p in props] == [*FACILITY_TYPES, "other"]
    # a missing status reads as operational
    assert [p["s"] for p in props[:5]] == [*FACILITY_STATUSES, "operational"]
    assert [p["z"] for p in props[:5]] == [3, 2, 1, 0, 0]
    hospital = props[0]["v"]
    assert hospital[:2] == ["Hospital", "Operational"]
    assert "emergency, surgery" in hospital  # services in the reader's language
    building = props[1]["v"]
    assert "Under construction" in building and building[2] == "2027-03-21"


def test_details_in_persian_with_solar_hijri_dates(facilities) -> None:
    props = [f["properties"] for f in facility_features(context("fa"), facilities)["features"]]
    values = props[1]["v"]
    assert values[0] == translate("facility_type.polyclinic", "fa")
    assert values[1] == translate("access.status.under_construction", "fa")
    assert values[2] and "۱۴۰۶" in values[2]  # 2027-03-21 is 1 Farvardin 1406
    assert props[0]["v"][3] == "۲۵۰"
    assert props[0]["v"][5] == "اورژانس، جراحی"


def test_hostile_names_are_escaped_everywhere(facilities) -> None:
    facilities = facilities.copy()
    facilities["name"] = HOSTILE
    facilities["operator"] = HOSTILE + "`${alert(2)}`"
    facilities["services"] = HOSTILE
    fmap = offline_map(location=[35.7, 51.3], zoom_start=12)
    add_facility_layer(context(), fmap, facilities)
    page = rendered(fmap)
    assert "<img src=x" not in page
    assert "${alert(2)}" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # Every string that reaches the browser's popup/tooltip is escaped text.
    for feature in facility_features(context(), facilities)["features"]:
        props = feature["properties"]
        for text in [props["n"], props["id"], *filter(None, props["v"])]:
            assert "<" not in text and ">" not in text and "`" not in text


def test_layer_is_one_geojson_with_divicons_and_no_outside_url(facilities) -> None:
    fmap = offline_map(location=[35.7, 51.3], zoom_start=12)
    items = add_facilities(context(), fmap, facilities)
    page = fmap.get_root().render()
    assert page.count("L.geoJSON(") == 1
    assert "L.divIcon" in page and "pointToLayer" in page and "bindPopup" in page
    assert "L.circleMarker" not in page
    assert not re.search(r"https?://(?!www\.w3\.org)", page.split("<body>", 1)[-1])
    for t in FACILITY_TYPES:
        assert f"/app/static/vendor/facility-icons/{t}.svg" in page
    labels = [i.label for i in items]
    assert labels[: len(FACILITY_TYPES)] == [
        "Hospital", "Polyclinic", "Clinic", "Health post", "Pharmacy", "Laboratory",
        "Insurance office",
    ]  # fmt: skip
    assert "Status" in labels and "Under construction" in labels and "Closed" in labels
    assert "Beds (icon size)" in labels and "200 or more" in labels and "50–199" in labels


def test_legend_shows_the_icons_and_status_classes(facilities) -> None:
    items = facility_legend_items(context(), facilities)
    html = legend_html("Facilities", items)
    assert html.count("/app/static/vendor/facility-icons/") == len(items) - 2  # all but headings
    for status in ("under_construction", "planned", "closed"):
        assert f"ca-fac-st-{status}" in html
    assert 'class="ca-legend-heading"' in html


def test_legend_items_without_status_or_beds() -> None:
    plain = gpd.GeoDataFrame(
        {"facility_id": ["a", "b"], "name": ["A", "B"], "type": ["clinic", "clinic"]},
        geometry=[Point(0, 0), Point(1, 1)],
        crs="EPSG:4326",
    )
    items = facility_legend_items(context(), plain)
    assert [(i.label, i.count) for i in items] == [("Clinic", 2)]


def test_legend_rejects_icons_that_are_not_local() -> None:
    from render.maps import LegendItem

    with pytest.raises(ValueError, match="local static"):
        legend_html("x", [LegendItem("#ffffff", "x", icon="http://example.com/a.svg")])
    with pytest.raises(ValueError, match="icon class"):
        legend_html("x", [LegendItem("#ffffff", "x", icon="/app/static/a.svg", icon_class='"><')])


def test_options(facilities) -> None:
    options = facility_options(facilities)
    assert options.types == [*FACILITY_TYPES, "dental_lab"]
    assert options.statuses == list(FACILITY_STATUSES)
    assert options.operators == ["MoH", "Private", "SSO"]
    assert options.max_beds == 250
    assert facility_options(None).types == []


def test_filters(facilities) -> None:
    ids = lambda frame: frame["facility_id"].tolist()  # noqa: E731
    assert ids(filter_facilities(facilities)) == ids(facilities)
    assert ids(filter_facilities(facilities, types=["hospital", "clinic"])) == ["F0", "F2"]
    # a missing status is operational
    assert "F4" in ids(filter_facilities(facilities, statuses=["operational"]))
    assert ids(filter_facilities(facilities, statuses=["closed"])) == ["F3"]
    # a missing operator passes
    assert ids(filter_facilities(facilities, operators=["SSO"])) == ["F1", "F2", "F7"]
    # a narrowed bed range drops facilities with no bed count; inclusive bounds
    assert ids(filter_facilities(facilities, beds=(30, 120))) == ["F1", "F2"]
    assert ids(filter_facilities(facilities, types=[])) == []
    before = facilities.copy()
    filter_facilities(facilities, types=["lab"], beds=(1, 2))
    pd.testing.assert_frame_equal(pd.DataFrame(facilities), pd.DataFrame(before))


def test_features_skip_rows_without_a_point(facilities) -> None:
    facilities = facilities.copy()
    facilities.loc[0, "geometry"] = None
    data = facility_features(context(), facilities)
    assert len(data["features"]) == len(facilities) - 1
    json.dumps(data)  # plain JSON types only
    assert all(isinstance(f["properties"]["z"], int) for f in data["features"])
    assert np.isfinite([c for f in data["features"] for c in f["geometry"]["coordinates"]]).all()

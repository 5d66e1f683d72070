"""AppTest: the search box above every map. A name typed in any script, without accents, finds
the area; choosing it selects it (in the URL), opens its details and sends the map the area's
bounds to fit and its outline; a partner finds only its own areas."""

from __future__ import annotations

import pytest

from geodata.store.workspace import read_workspace
from render.i18n import translate
from tests.apptest.helpers import DEFAULT_PAGE, query, run_as, run_page, write_users
from tests.apptest.map_focus import focus_bounds

#: The demo's area A002: "Pearl Valley", دره مروارید, Thung Lũng Ngọc Trai, in District 1.
AREA = "A002"


@pytest.fixture
def area_bounds(on_demo):
    """A002's bounds as the map gets them (south, west, north, east), to compare approximately."""
    areas = read_workspace(on_demo)["areas"]
    minx, miny, maxx, maxy = areas.loc[areas["area_id"] == AREA].total_bounds
    return pytest.approx([miny, minx, maxy, maxx])


def fitted(at) -> list[list[float] | None]:
    """Per map, the bounds the search focus fits it to, flat (None: no focus)."""
    return [None if b is None else [*b[0], *b[1]] for b in focus_bounds(at)]


def found_labels(at, key: str) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith(f"{key}_found_")]


def test_coverage_map_search_selects_the_area_opens_its_details_and_zooms(area_bounds):
    at = run_page("app_pages/coverage_map.py", {"level": "district"})
    assert fitted(at) == [None]
    at.text_input(key="cm_find").input("pearl").run()  # seven "Pearl ..." areas: six shown
    assert len(found_labels(at, "cm")) == 6
    assert any(c.value == translate("search.more", "en") for c in at.caption)
    at.text_input(key="cm_find").input("thung lung ngoc trai").run()  # Vietnamese, no tones
    assert found_labels(at, "cm") == ["Pearl Valley · District 1"]  # in the reader's language
    at.button(key="cm_found_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at)["area"] == AREA and query(at).get("level", "area") == "area"
    assert next(s.value for s in at.subheader) == "Pearl Valley"  # the details panel
    assert fitted(at) == [area_bounds]
    assert at.text_input(key="cm_find").value == ""  # the box is emptied
    # a district found is drilled into: its neighbourhoods, no area chosen, no zoom of its own
    at.text_input(key="cm_find").input("district 3").run()
    assert found_labels(at, "cm")[0] == "District 3 (district)"
    at.button(key="cm_found_0").click().run()
    assert query(at)["district"] == "D03" and "area" not in query(at)
    assert fitted(at) == [None]


def test_search_in_persian_with_arabic_letters_on_infrastructure(on_demo, area_bounds):
    at = run_page("app_pages/infrastructure.py", {"lang": "fa"})
    at.text_input(key="infra_find").input("دره مرواريد").run()  # Arabic ye
    assert found_labels(at, "infra")[0].startswith("دره مروارید")
    at.button(key="infra_found_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at)["area"] == AREA
    assert fitted(at)[0] == area_bounds
    assert any(m.value == "**دره مروارید**" for m in at.markdown)  # the place's card
    at.button(key="infra_clear").click().run()
    assert "area" not in query(at) and fitted(at)[0] is None
    # a district, typed with Latin digits and without its hamza: the map fits all its areas
    at.text_input(key="infra_find").input("منطقه 10").run()
    assert found_labels(at, "infra")[0] == "منطقهٔ ۱۰ (منطقه)"
    at.button(key="infra_found_0").click().run()
    assert query(at)["area"] == "district:D10"
    areas = read_workspace(on_demo)["areas"]
    minx, miny, maxx, maxy = areas.loc[areas["district_id"] == "D10"].total_bounds
    assert fitted(at)[0] == pytest.approx([miny, minx, maxy, maxx])
    assert any(m.value == "**منطقهٔ ۱۰**" for m in at.markdown)


@pytest.mark.parametrize(
    ("page", "key"),
    [
        ("gap_analysis", "gap"),
        ("capacity", "cap"),
        ("partners", "pt"),
        ("outreach", "or"),
        ("overview", "ov"),
    ],
)
def test_every_map_page_opens_a_linked_area_with_its_card_and_zoom(area_bounds, page, key):
    at = run_page(f"app_pages/{page}.py", {"area": AREA})
    assert at.text_input(key=f"{key}_find").label == translate("search.label", "en")
    assert query(at)["area"] == AREA
    assert fitted(at) and all(b == area_bounds for b in fitted(at))
    assert any(m.value == "**Pearl Valley**" for m in at.markdown)


def test_a_partner_finds_only_its_own_areas(on_demo, tmp_path, monkeypatch):
    areas = read_workspace(on_demo)["areas"]
    own = areas[areas["partner_id"] == "P2"].iloc[0]
    other = areas[areas["partner_id"] == "P1"].iloc[0]
    users = {"crescent": ("partner", "P2")}
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", write_users(tmp_path / "users.toml", users))
    at = run_as("crescent", "app_pages/infrastructure.py", {"area": other["area_id"]})
    assert at is not None
    assert "area" not in query(at) and fitted(at)[0] is None  # a forged link is dropped
    at.text_input(key="infra_find").input(other["name_vi"]).run()
    assert found_labels(at, "infra") == []
    assert any("No area or district" in c.value for c in at.caption)
    at.text_input(key="infra_find").input(own["name_vi"]).run()
    assert found_labels(at, "infra")[0].startswith(own["name"])


@pytest.mark.parametrize(
    ("page", "key", "link"),
    [(DEFAULT_PAGE, "ov", {}), ("app_pages/briefings.py", "br", {"section": "map"})],
)
def test_the_search_box_looks_while_the_reader_types(on_demo, page, key, link):
    """The box commits after a pause in typing, no Enter needed (#20), on the Overview and on
    Briefings (whose map had no box); picking a found place brings the map there."""
    at = run_page(page, {"lang": "fa", **link})
    box = at.text_input(key=f"{key}_find")
    assert box.proto.live_debounce_ms == 300
    box.input("منطقه ۱۰").run()
    at.button(key=f"{key}_found_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at)["area"] == "district:D10"

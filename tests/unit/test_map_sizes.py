"""A map's height comes from its role (:data:`render.mapview.MAP_SIZES`, :meth:`MapView.sized`),
decided in one place: no map of the dashboard or the documents sets its own number of pixels."""

from __future__ import annotations

import ast

from render.language import Language
from render.mapview import MAP_SIZES, MapView
from tests.conftest import ROOT

#: Functions that draw or show a map (their ``height`` is a map's height).
MAP_CALLS = {
    "metric_map",
    "live_metric_map",
    "level_map",
    "drawn_map",
    "area_map",
    "value_map",
    "category_map",
    "partner_map",
    "access_map",
    "outreach_map",
    "load_map",
    "change_map",
    "preview_map",
    "show_map",
    "show_parts",
    "st_folium",
    "choropleth_map",
    "offline_map",
}


def test_a_view_is_as_tall_as_its_role() -> None:
    assert MapView().height == MAP_SIZES["page"]
    assert MapView.read_in(Language("fa")).sized("print").height == MAP_SIZES["print"]
    assert {MapView().sized(role).height for role in MAP_SIZES} == set(MAP_SIZES.values())


def _name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)


def test_no_map_sets_its_own_height() -> None:
    own, unknown = [], []
    files = [
        *(ROOT / "app_pages").rglob("*.py"),
        *(ROOT / "ui").rglob("*.py"),
        *(ROOT / "reports").rglob("*.py"),
        *(p for p in (ROOT / "render").rglob("*.py") if p.name != "mapview.py"),
    ]
    for path in sorted(files):
        where = path.relative_to(ROOT).as_posix()
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call):
                continue
            name = _name(call)
            for keyword in call.keywords:
                value = keyword.value
                # a view's height changed by hand, or a number of pixels given to a map
                if keyword.arg == "height" and (
                    name in ("but", "read_in", "MapView", "sized")
                    or (name in MAP_CALLS and isinstance(value, ast.Constant))
                ):
                    own.append(f"{where}:{call.lineno} {name}(height=...)")
                if (
                    keyword.arg == "size"
                    and name in MAP_CALLS
                    and isinstance(value, ast.Constant)
                    and value.value not in MAP_SIZES
                ):
                    unknown.append(f"{where}:{call.lineno} {name}(size={value.value!r})")
    assert not own, "take the height of a role: MapView.sized / size=... " + str(own)
    assert not unknown, unknown

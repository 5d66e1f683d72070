"""What a hostile (or careless) visitor can make the app do (#18): large but valid inputs typed or
put in a shared link, and messages that would show the server's folders."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from render.i18n import translate
from tests.apptest.helpers import run_page
from tests.conftest import ROOT

COVERAGE_MAP = "app_pages/coverage_map.py"


def _warnings(at) -> list[str]:
    return [w.value for w in at.sidebar.warning]


def test_more_class_breaks_than_colours_are_refused_with_a_message(on_demo):
    from ui.coverage.controls import parse_breaks

    too_many = translate("controls.breaks_too_many", "en", n="8", classes="9")
    eight = ", ".join(str(10 * i) for i in range(1, 9))  # 8 bounds: 9 classes, the most colours
    at = run_page(COVERAGE_MAP, {"classes": "user", "breaks": eight})
    assert too_many not in _warnings(at)
    at.text_input(key="url_breaks").input(eight + ", 95").run()  # before: the map crashed
    assert not at.exception and too_many in _warnings(at)
    # A million typed (a link holds at most 512 kB): refused before it is read (before: 15 s).
    million = ",".join(str(i) for i in range(1_000_000))
    started = time.perf_counter()
    assert parse_breaks(million, percent=True) is None
    assert time.perf_counter() - started < 0.05
    at.text_input(key="url_breaks").input(million).run()
    assert not at.exception and too_many in _warnings(at)
    fa = run_page(COVERAGE_MAP, {"classes": "user", "breaks": eight + ", 95", "lang": "fa"})
    assert translate("controls.breaks_too_many", "fa", n="۸", classes="۹") in _warnings(fa)


def test_unusable_users_file_or_workspace_shows_no_server_folder(on_demo, monkeypatch, tmp_path):
    folder = tmp_path / "agency-private"
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", str(folder / "users.toml"))  # cannot be read
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    shown = " ".join(e.value for e in at.error)
    assert "users.toml" in shown and "agency-private" not in shown  # a stranger sees this
    monkeypatch.delenv("COVERAGE_ATLAS_USERS")
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(folder / "ws.gpkg"))  # not there
    for role, full in [("manager", False), ("planner", True)]:
        monkeypatch.setenv("COVERAGE_ATLAS_PUBLIC_ROLE", role)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        shown = " ".join(e.value for e in at.error)
        assert "ws.gpkg" in shown and ("agency-private" in shown) == full, (role, shown)

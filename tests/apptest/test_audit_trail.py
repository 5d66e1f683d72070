"""AppTest: the audit trail (#18). A sign-in, a failed sign-in, a lockout, a download, an import and
a reassignment each leave their row in the workspace with user, role and scope; an administrator
sees the trail on the Data page, filters it and downloads it; a planner does not see it, and a
partner cannot open the page. Each test works on its own copy of the demo workspace."""

from __future__ import annotations

import io
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geodata.store.workspace import read_workspace
from geodata.users import audit
from render.i18n import translate
from tests.apptest.helpers import PASSWORD, run_as, write_users
from tests.conftest import ROOT


@pytest.fixture
def workspace(demo_workspace: Path, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "ws.gpkg"
    shutil.copyfile(demo_workspace, path)
    # The session's demo carries the events other tests recorded in it: the copy starts with none.
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"DROP TABLE IF EXISTS {audit.TABLE}")
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(path))
    users = {"admin": ("admin", None), "planner": ("planner", None), "partner": ("partner", "P1")}
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", write_users(tmp_path / "users.toml", users))
    return path


def press_downloads(monkeypatch) -> list[tuple[str, bytes]]:
    """Every CSV the runs offer from now on, made as if its button were pressed (file name,
    bytes)."""
    files: list[tuple[str, bytes]] = []
    add_deferred = MediaFileManager.add_deferred

    def press(self, make, mimetype, coordinates, file_name=None, **kwargs):
        if file_name and file_name.endswith(".csv"):
            files.append((file_name, make()))
        return add_deferred(self, make, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", press)
    return files


def rows(ws: Path, action: str) -> list[tuple[str, str, str, str]]:
    trail = audit.read(ws, actions=[action])
    return list(trail[["user", "role", "scope", "what"]].itertuples(index=False, name=None))


def sign_in(at: AppTest, username: str, password: str) -> None:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_sign_ins_failures_and_a_lockout_leave_their_rows(workspace):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    sign_in(at, "planner", "not the password")
    sign_in(at, "planner", PASSWORD)
    assert at.title[0].value == translate("overview.title", "en")
    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    other.run()
    sign_in(other, "partner", PASSWORD)
    stranger = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    stranger.run()
    for _ in range(6):  # the fifth failure locks the name; the sixth try is refused
        sign_in(stranger, "nobody", "guess")
    assert [r[:3] for r in rows(workspace, "sign_in")] == [
        ("partner", "partner", "P1"),
        ("planner", "planner", "all"),
    ]
    failed = rows(workspace, "sign_in_failed")
    assert failed[-1][:3] == ("planner", "planner", "all") and len(failed) == 6
    assert failed[0][:3] == ("nobody", "", "")  # a name the users file does not hold
    locks = [r[3] for r in rows(workspace, "lockout")]
    assert len(locks) == 2 and locks[0].startswith("refused") and locks[1].startswith("locked")


def test_a_download_an_import_and_a_reassignment_leave_their_rows(workspace, monkeypatch):
    pressed = press_downloads(monkeypatch)
    run_as("partner", "app_pages/overview.py")
    run_as("planner", "app_pages/overview.py")
    downloads = rows(workspace, "download")
    assert pressed and len(downloads) == len(pressed)
    assert {r[:3] for r in downloads} == {
        ("partner", "partner", "P1"),
        ("planner", "planner", "all"),
    }
    assert sorted(r[3] for r in downloads) == sorted(name for name, _ in pressed)
    # An import on the Data page.
    at = run_as("planner", "app_pages/data.py")
    at.selectbox(key="dm_table").select("facilities").run()
    csv = "id,name,type,latitude,longitude\nN1,New clinic,clinic,35.70,51.40\n"
    at.get("file_uploader")[0].set_value(("centres.csv", csv.encode(), "text/csv"))
    at.run()
    at.button(key="dm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [(user, role, scope, what)] = rows(workspace, "import")
    assert (user, role, scope) == ("planner", "planner", "all")
    assert what.startswith("facilities from centres.csv: 1 rows (replace), version 2")
    # A reassignment on the Partners page.
    areas = read_workspace(workspace)["areas"]
    moved = areas.loc[areas["partner_id"] == "P1", "area_id"].astype(str).tolist()[:2]
    at = run_as("planner", "app_pages/partners.py")
    at.multiselect(key="pt_reassign_areas").set_value(moved)
    at.selectbox(key="pt_reassign_to").set_value("P2")
    next(b for b in at.button if b.label == translate("partners.reassign_button", "en")).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [(user, role, scope, what)] = rows(workspace, "reassign")
    assert (user, role, scope) == ("planner", "planner", "all")
    assert what == f"2 area(s) to P2: {', '.join(sorted(moved))}; version 3"


def test_only_an_administrator_sees_the_trail_filters_and_downloads_it(workspace, monkeypatch):
    audit.append(workspace, audit.Actor("planner", "planner"), "sign_in", "from 10.0.0.9")
    audit.append(workspace, audit.Actor("partner", "partner", "P1"), "download", "a.csv")
    label = translate("audit.tab", "en")
    at = run_as("planner", "app_pages/data.py")
    assert label not in [t.label for t in at.tabs]
    assert run_as("partner", "app_pages/data.py") is None  # not in a partner's navigation
    pressed = press_downloads(monkeypatch)
    at = run_as("admin", "app_pages/data.py")
    assert [t.label for t in at.tabs][-1] == label
    shown = next(d.value for d in at.dataframe if "Action" in d.value.columns)
    shown = shown[shown["User"] != "admin"]  # the administrator's own downloads on this page
    assert shown["User"].tolist() == ["partner", "planner"]
    assert shown["Scope"].tolist() == ["P1", "all partners"]
    assert shown["Action"].tolist() == ["download", "signed in"]
    at.selectbox(key="au_user").set_value("planner").run()
    shown = next(d.value for d in at.dataframe if "Action" in d.value.columns)
    assert shown["What"].tolist() == ["from 10.0.0.9"]
    exported = pd.read_csv(io.BytesIO(dict(pressed)["audit_trail.csv"]), encoding="utf-8-sig")
    assert exported["User"].tolist() == ["planner"] and exported["Role"].tolist() == ["planner"]
    # The export was recorded too, as the administrator's.
    assert ("admin", "admin", "all", "audit_trail.csv") in rows(workspace, "download")


def test_an_oidc_sign_in_is_recorded_once_per_session(workspace, monkeypatch):
    from ui import auth

    # The identity provider vouched for the administrator's e-mail (st.user is not AppTest's).
    monkeypatch.setattr(auth, "_oidc_user", lambda users: users.by_username("admin"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.run()
    assert not at.exception and at.title[0].value == translate("overview.title", "en")
    assert rows(workspace, "sign_in") == [("admin", "admin", "all", "OIDC")]


def test_an_outreach_work_list_download_is_recorded_with_version_and_scope(workspace, monkeypatch):
    """The Outreach planner's work lists (CSV and XLSX) are made when pressed and recorded then:
    who, role, scope (a partner's id), the file, the version and its rows."""
    from geodata.store.workspace import list_versions

    pressed = press_downloads(monkeypatch)
    assert run_as("partner", "app_pages/outreach.py") is not None
    version = list_versions(workspace)[-1].number
    lists = {name: data for name, data in pressed if name.startswith("work_list_")}
    assert lists, [name for name, _ in pressed]
    recorded = [r for r in rows(workspace, "download") if r[3].startswith("work_list_")]
    expected = set()
    for name, data in lists.items():
        count = len(pd.read_csv(io.BytesIO(data), encoding="utf-8-sig"))
        expected.add(("partner", "partner", "P1", f"{name} ({f'version {version}, {count} rows'})"))
    assert set(recorded) == expected


def test_a_persian_administrator_narrows_the_trail_by_solar_hijri_days(workspace, monkeypatch):
    """In Persian the days are chosen in the Solar Hijri calendar (from and to, ui.dates), not in
    Streamlit's Gregorian date input; by default every event shows (#20)."""
    recorded_now = audit.now
    monkeypatch.setattr(audit, "now", lambda: "2026-03-25T08:00:00Z")  # 5 Farvardin 1405
    audit.append(workspace, audit.Actor("planner", "planner"), "sign_in", "in spring")
    monkeypatch.setattr(audit, "now", recorded_now)
    audit.append(workspace, audit.Actor("planner", "planner"), "sign_in", "today")
    at = run_as("admin", "app_pages/data.py", {"lang": "fa"})
    assert not [d for d in at.date_input if d.key == "au_days"], "a Gregorian date input"
    what = translate("audit.col_what", "fa")

    def shown() -> list[str]:
        table = next(d.value for d in at.dataframe if what in d.value.columns)
        return [w for w in table[what] if w in ("in spring", "today")]

    assert shown() == ["today", "in spring"]
    at_column = translate("audit.col_at", "fa")
    times = next(d.value for d in at.dataframe if what in d.value.columns)[at_column]
    assert "۱۴۰۵/۰۱/۰۵ ۰۸:۰۰:۰۰" in times.tolist()  # the day in Solar Hijri, Persian digits
    assert at.selectbox(key="au_since__sh_year").value == 1405
    assert at.selectbox(key="au_since__sh_month").value == 1
    assert at.selectbox(key="au_since__sh_day").value == 5
    at.selectbox(key="au_since__sh_month").set_value(4).run()  # from 5 Tir 1405
    assert not at.exception, [e.value for e in at.exception]
    assert shown() == ["today"]

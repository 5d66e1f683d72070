"""Authorisation matrix: every role × every page × every export, for two partners.

A partner must never receive a row of another partner's areas. The check is on what the server
sends, not on what is visible: every element of the run (its protobuf message, which holds the
map component's arguments, chart specs, widget options and texts), every dataframe's rows, and
every file offered for download (including downloads produced on click) are searched for the ids
and names of areas that are not the partner's own.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geodata.store import latest_version, list_versions, read_workspace, restore_version
from geodata.users import User, write_user
from tests.apptest.helpers import PASSWORD, app_pages, run_as, write_users
from tests.conftest import ROOT
from ui.i18n import translate

USERS = {
    "admin": ("admin", None),
    "planner": ("planner", None),
    "manager": ("manager", None),
    "relief": ("partner", "P1"),
    "crescent": ("partner", "P2"),
}
#: URL parameters that make a page compute and offer more (plans, proposals, downloads).
PAGE_QUERY = {
    "pages/infrastructure.py": {"plan": "1", "k": "2"},
}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> str:
    return write_users(tmp_path_factory.mktemp("users") / "users.toml", USERS)


@pytest.fixture
def signed_in(on_demo, users_file, monkeypatch):
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users_file)
    return on_demo


@pytest.fixture
def downloads(monkeypatch) -> list[bytes]:
    """Everything the runs offer for download: files added, and deferred ones produced."""
    offered: list[bytes] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, *args, **kwargs):
        if isinstance(path_or_data, bytes | bytearray):
            offered.append(bytes(path_or_data))
        elif isinstance(path_or_data, str):
            offered.append(path_or_data.encode("utf-8"))
        return add(self, path_or_data, *args, **kwargs)

    def record_deferred(self, callable_, *args, **kwargs):
        produced = callable_()
        offered.append(produced if isinstance(produced, bytes) else str(produced).encode())
        return add_deferred(self, callable_, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return offered


def sent(at: AppTest) -> str:
    """Everything the run sent for display, as text."""
    parts: list[str] = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
            # Protobuf text escapes non-ASCII; keep readable copies of the string fields.
            parts.extend(str(v) for _, v in proto.ListFields() if isinstance(v, str))
        if getattr(node, "type", None) in {"arrow_data_frame", "dataframe"}:
            parts.append(node.value.to_csv())
    return "\n".join(parts)


def forbidden_tokens(partner: str) -> tuple[set[str], set[str]]:
    """Ids and names of the demo areas that are not ``partner``'s."""
    from geodata.workspaces import demo_workspace_path

    tables = read_workspace(demo_workspace_path())
    areas, facilities = tables["areas"], tables["facilities"]
    own = areas["partner_id"].astype("string") == partner
    own = own.fillna(False).to_numpy()
    own_names = set(areas.loc[own, "name"].astype(str))
    facility_text = " ".join(facilities["name"].astype(str))
    others = areas.loc[~own]
    names = {
        n
        for n in others["name"].astype(str)
        if len(n) >= 8
        and n not in own_names
        and n not in facility_text
        and not any(n in mine for mine in own_names)
    }
    return set(others["area_id"].astype(str)), names


def leaks(text: str, ids: set[str], names: set[str]) -> list[str]:
    found = [n for n in names if n in text]
    found += sorted(set(re.findall(r"(?<![\w])A\d{3}(?![\w])", text)) & ids)
    return found


@pytest.mark.parametrize("username", ["relief", "crescent"])
def test_a_partner_receives_only_its_own_areas_on_every_page(signed_in, downloads, username):
    partner = USERS[username][1]
    ids, names = forbidden_tokens(partner)
    assert len(ids) > 200 and len(names) > 50  # the check has teeth
    opened = []
    for page in app_pages():
        at = run_as(username, page, PAGE_QUERY.get(page))
        stem = page.removeprefix("pages/").removesuffix(".py")
        if stem == "data":  # not for partners: not in their navigation at all
            assert at is None
            continue
        opened.append(stem)
        text = sent(at)
        found = leaks(text, ids, names)
        assert not found, (page, found[:10])
    for blob in downloads:
        found = leaks(blob.decode("utf-8", "replace"), ids, names)
        assert not found, ("download", found[:10])
    assert {"overview", "coverage_map", "partners"} <= set(opened)


def test_the_partner_filter_really_filters(signed_in):
    """Control: the same search finds other partners' areas in a planner's view."""
    ids, names = forbidden_tokens("P1")
    at = run_as("planner", "pages/partners.py")
    assert leaks(sent(at), ids, names)


@pytest.mark.parametrize("username", ["admin", "planner", "manager", "relief", "crescent"])
def test_every_role_opens_the_pages_it_may_and_no_other(signed_in, username):
    role = USERS[username][0]
    for page in app_pages():
        at = run_as(username, page)
        if page == "pages/data.py":
            assert (at is not None) == (role in {"admin", "planner"})
            if at is None:
                continue
            assert translate("data.title", "en") in [t.value for t in at.title]
        assert [t.value for t in at.title], (username, page)
        signed = [c.value for c in at.sidebar.caption]
        assert any(username.title() in c for c in signed)


@pytest.mark.parametrize(("username", "allowed"), [("planner", True), ("manager", False)])
def test_only_planners_get_the_reassignment_form(signed_in, username, allowed):
    at = run_as(username, "pages/partners.py")
    has_form = any(b.label == translate("partners.reassign_button", "en") for b in at.button)
    assert has_form == allowed


def test_signing_in_with_the_password_and_out_again(signed_in):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert at.title[0].value == translate("auth.title", "en")
    assert not at.metric  # nothing of the workspace before sign-in
    at.text_input[0].input("crescent")
    at.text_input[1].input("wrong password")
    at.button[0].click().run()
    assert any(translate("auth.wrong", "en") in e.value for e in at.error)
    at.text_input[0].input("crescent")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == translate("overview.title", "en")
    assert any("Crescent" in i.value for i in at.info)
    at.sidebar.button(key="sign_out").click().run()
    assert at.title[0].value == translate("auth.title", "en")


def test_many_wrong_passwords_lock_the_form(signed_in):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    for _ in range(5):
        at.text_input[0].input("admin")
        at.text_input[1].input("guess")
        at.button[0].click().run()
    at.text_input[0].input("admin")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == translate("auth.title", "en")
    assert at.warning


def test_a_reassignment_is_a_new_version_that_can_be_undone(signed_in, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "ws.gpkg"
    shutil.copy(signed_in, copy)
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", str(copy))
    before = latest_version(copy)
    areas = read_workspace(copy)["areas"]
    moved = areas.loc[areas["partner_id"] == "P1", "area_id"].astype(str).tolist()[:3]
    at = run_as("planner", "pages/partners.py")
    at.multiselect(key="pt_reassign_areas").set_value(moved)
    at.selectbox(key="pt_reassign_to").set_value("P2")
    next(b for b in at.button if b.label == translate("partners.reassign_button", "en")).click()
    at.run()
    assert not at.exception
    assert latest_version(copy) == before + 1
    newest = list_versions(copy)[-1]
    assert newest.author == "Planner" and newest.created_at
    after = read_workspace(copy)["areas"].set_index("area_id")["partner_id"]
    assert (after.loc[moved] == "P2").all()
    old = read_workspace(copy, before)["areas"].set_index("area_id")["partner_id"]
    assert (old.loc[moved] == "P1").all()  # the previous version is still there
    restore_version(copy, before, author="test")
    again = read_workspace(copy)["areas"].set_index("area_id")["partner_id"]
    assert (again.loc[moved] == "P1").all()


#: Tehran's 22 districts given to four partners by district number.
TEHRAN_PARTNERS = {
    "P1": ("Relief Committee", range(1, 6)),
    "P2": ("Red Crescent", range(6, 12)),
    "P3": ("Welfare Organisation", range(12, 18)),
    "P4": ("Executive HQ", range(18, 23)),
}


@pytest.fixture(scope="module")
def tehran_with_partners(tehran_workspace, tmp_path_factory) -> str:
    """The Tehran workspace with a partner assignment built from the district numbers."""
    import shutil

    from geodata.store import save_version

    path = tmp_path_factory.mktemp("tehran-partners") / "tehran.gpkg"
    shutil.copy(tehran_workspace, path)
    areas = read_workspace(path)["areas"]
    number = pd.to_numeric(areas["district_id"], errors="coerce")
    partner = pd.Series(None, index=areas.index, dtype="object")
    for pid, (_, districts) in TEHRAN_PARTNERS.items():
        partner[number.isin(list(districts)).to_numpy()] = pid
    areas["partner_id"] = partner
    partners = pd.DataFrame(
        {
            "partner_id": list(TEHRAN_PARTNERS),
            "name": [name for name, _ in TEHRAN_PARTNERS.values()],
            "target_coverage": 1.0,
        }
    )
    save_version(
        path, {"areas": areas, "partners": partners}, message="partners by district", author="t"
    )
    return str(path)


@pytest.mark.realdata
def test_every_partner_view_works_on_tehran(tehran_with_partners, users_file, monkeypatch):
    monkeypatch.setenv("COVERAGE_ATLAS_WORKSPACE", tehran_with_partners)
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users_file)
    tables = read_workspace(tehran_with_partners)
    areas = tables["areas"]
    # Facilities are public and often named after their neighbourhood (Jamaran hospital).
    facility_text = " ".join(tables["facilities"]["name"].astype(str))
    own = (areas["partner_id"] == "P2").fillna(False).to_numpy()
    assert 0 < own.sum() < len(areas)
    own_names = set(areas.loc[own, "name"].astype(str))
    others = {
        n
        for n in areas.loc[~own, "name"].astype(str)
        if len(n) >= 6 and n not in facility_text and not any(n in mine for mine in own_names)
    }
    for page in app_pages():
        at = run_as("crescent", page)
        if page == "pages/data.py":
            assert at is None
            continue
        text = sent(at)
        leaked = [n for n in others if n in text]
        assert not leaked, (page, leaked[:10])
    at = run_as("planner", "pages/partners.py")
    assert any(translate("partners.scorecards_title", "en") == s.value for s in at.subheader)
    scorecards = at.dataframe[0].value
    assert len(scorecards) == 4


OIDC_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a long random cookie secret for tests",
        "client_id": "atlas",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
}


def test_an_oidc_sign_in_takes_the_role_of_its_email(signed_in, users_file):
    from geodata.users import read_users

    write_user(
        users_file,
        User("oidc-ana", "Ana", "partner", "P3", "ana@example.org", None),
    )
    assert read_users(users_file).by_email("ANA@example.org").partner_id == "P3"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets.update(OIDC_SECRETS)
    at.user = {"is_logged_in": True, "email": "ana@example.org"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == translate("overview.title", "en")
    assert any("Ana" in c.value for c in at.sidebar.caption)
    ids, names = forbidden_tokens("P3")
    assert not leaks(sent(at), ids, names)


def test_an_oidc_account_not_in_the_users_file_gets_nothing(signed_in):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets.update(OIDC_SECRETS)
    at.user = {"is_logged_in": True, "email": "stranger@example.org"}
    at.run()
    assert not at.exception
    assert at.title[0].value == translate("auth.title", "en")
    assert any(translate("auth.oidc_unknown", "en") in e.value for e in at.error)
    assert not at.metric and not at.dataframe

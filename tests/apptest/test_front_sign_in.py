"""The dashboard behind the secured front (#18): it takes the user nginx names, while the front's
session is good, and only in that mode.

AppTest has no request headers, so the identity nginx would set is handed in through
``ui.auth._front_identity``; the session store is the real one.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui.auth
from geodata.users.sessions import SessionStore, session_id
from render.i18n import translate
from tests.apptest.helpers import write_users
from tests.conftest import ROOT
from ui.server.front import FRONT_SETTING

USERS = {"relief": ("partner", "P1"), "admin": ("admin", None)}


@pytest.fixture
def behind_front(on_demo, tmp_path, monkeypatch) -> SessionStore:
    users = write_users(tmp_path / "users.toml", USERS)
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users)
    monkeypatch.setenv("COVERAGE_ATLAS_SESSIONS", str(tmp_path / "sessions.sqlite"))
    monkeypatch.setenv(FRONT_SETTING, "1")
    return SessionStore(tmp_path / "sessions.sqlite")


def run(monkeypatch, identity: tuple[str, str]) -> AppTest:
    monkeypatch.setattr(ui.auth, "_front_identity", lambda: identity)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def signed_in_as(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption if c.value.startswith("Signed in as")]


def test_the_front_user_is_signed_in_with_role_and_scope(behind_front, monkeypatch) -> None:
    token = behind_front.start("relief")
    at = run(monkeypatch, ("relief", session_id(token)))
    assert signed_in_as(at) == [translate("auth.signed_in_as", name="Relief", role="partner")]
    assert not [w for w in at.text_input if w.proto.type == w.proto.PASSWORD]  # no second sign-in
    # Signing out in the dashboard ends the front's session: the cookie is good no more.
    at.button(key="sign_out").click().run()
    assert behind_front.check(token) is None
    assert translate("auth.signed_out", "en") in at.info[0].value


@pytest.mark.parametrize(
    "identity",
    [
        ("admin", ""),  # a name without a session
        ("admin", "0" * 64),  # a made-up session
        ("", ""),  # nothing: the dashboard reached past nginx
    ],
)
def test_without_a_good_front_session_nobody_is_signed_in(
    behind_front, monkeypatch, identity
) -> None:
    at = run(monkeypatch, identity)
    assert not signed_in_as(at) and not at.text_input and not at.metric
    assert translate("auth.session_ended", "en") in at.info[0].value


def test_another_users_session_does_not_sign_in_its_name(behind_front, monkeypatch) -> None:
    token = behind_front.start("relief")
    at = run(monkeypatch, ("admin", session_id(token)))
    assert not signed_in_as(at)


def test_outside_the_front_mode_the_identity_is_not_read(behind_front, monkeypatch) -> None:
    monkeypatch.delenv(FRONT_SETTING)
    token = behind_front.start("admin")
    at = run(monkeypatch, ("admin", session_id(token)))
    assert not signed_in_as(at)
    assert at.text_input  # the dashboard's own sign-in form

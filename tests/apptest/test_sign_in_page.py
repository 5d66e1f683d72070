"""The sign-in page speaks the visitor's language: a switch (kept in the URL), right to left in
Persian, and the language stays once signed in."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from render.i18n import translate
from tests.apptest.helpers import PASSWORD, query, write_users
from tests.conftest import ROOT


@pytest.fixture
def users_required(on_demo, tmp_path, monkeypatch):
    users = write_users(tmp_path / "users.toml", {"ana": ("planner", None)})
    monkeypatch.setenv("COVERAGE_ATLAS_USERS", users)
    return users


def test_the_sign_in_page_switches_language_and_keeps_it(users_required):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert at.title[0].value == translate("auth.title", "en")
    switch = at.selectbox(key="sign_in_language")
    assert switch.options == ["English", "فارسی", "Tiếng Việt"]
    switch.select("fa").run()
    assert query(at)["lang"] == "fa"
    assert at.title[0].value == translate("auth.title", "fa")
    assert at.text_input[0].label == translate("auth.username", "fa")
    assert any("direction: rtl" in h.proto.body for h in at.get("html"))
    at.text_input[0].input("ana")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert query(at)["lang"] == "fa"
    assert at.title[0].value == translate("overview.title", "fa")


def test_the_sign_in_page_opens_in_the_language_of_the_link(users_required):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "vi"
    at.run()
    assert at.title[0].value == translate("auth.title", "vi")
    assert at.selectbox(key="sign_in_language").value == "vi"
    assert not any("direction: rtl" in h.proto.body for h in at.get("html"))

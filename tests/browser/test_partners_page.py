"""Real-browser tests of the Partners page and of a partner's sign-in.

The partner test reads every websocket frame the server sends while the partner walks through
every page of its menu: no id or name of another partner's area may be in any of them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from geodata.sources.workspaces import demo_workspace_path
from geodata.store.workspace import read_workspace
from geodata.users.accounts import User, hash_password, write_user
from render.i18n import translate
from tests.browser.helpers import (
    drawn_polygons,
    legend_text,
    map_frame,
    no_exception_shown,
    wait_for_app,
)
from tests.conftest import StreamlitServer, screenshot_path

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
DATA_TITLE = translate("data.title", "en")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_demo_partner_map_and_scorecards(demo_server, guarded_page, lang):
    page = guarded_page.page
    page.goto(f"{demo_server.url}/partners?lang={lang}&fac=1")
    wait_for_app(page)
    counts = drawn_polygons(page, 300)
    assert counts["features"] == counts["drawn"] >= 300
    legend = legend_text(map_frame(page))  # unfolded: on first view they fold to their titles
    if lang == "en":
        for name, n in (("Relief Committee", 28), ("Executive HQ", 58), ("No partner", 180)):
            assert re.search(rf"{name}\s*{n}", legend), legend
        assert "Hospital" in legend  # the facilities, switched on in the URL
    else:
        assert "بدون سازمان" in legend and "۱۸۰" in legend
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    no_exception_shown(page)
    page.screenshot(path=screenshot_path(f"demo-partners-{lang}"), full_page=True)
    assert guarded_page.errors == []


@pytest.fixture(scope="module")
def signed_in_server(demo_workspace, tmp_path_factory):
    users = tmp_path_factory.mktemp("users") / "users.toml"
    write_user(
        users, User("crescent", "Red Crescent desk", "partner", "P2", None, hash_password(PASSWORD))
    )
    server = StreamlitServer(None, {"COVERAGE_ATLAS_USERS": str(users)})
    yield server
    server.stop()


def test_a_signed_in_partner_receives_nothing_of_other_areas(signed_in_server, guarded_page):
    tables = read_workspace(demo_workspace_path())
    areas = tables["areas"]
    own = (areas["partner_id"] == "P2").fillna(False).to_numpy()
    own_names = set(areas.loc[own, "name"])
    facility_text = " ".join(tables["facilities"]["name"].astype(str))
    others = {
        n
        for n in areas.loc[~own, "name"].astype(str)
        if len(n) >= 8 and n not in facility_text and not any(n in m for m in own_names)
    }
    assert len(others) > 50
    frames: list[bytes] = []
    page = guarded_page.page
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda p: frames.append(p if isinstance(p, bytes) else p.encode())
        ),
    )
    page.goto(signed_in_server.url)
    page.get_by_role("textbox", name="User name").fill("crescent")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_for_app(page)
    page.get_by_text("Signed in as Red Crescent desk").wait_for(timeout=30_000)
    links = page.locator('[data-testid="stSidebarNav"] a')
    labels = [links.nth(i).inner_text().split("\n")[-1] for i in range(links.count())]
    assert "Data" not in labels and "Partners" in labels
    for i, label in enumerate(labels):
        link = page.locator('[data-testid="stSidebarNav"] a').nth(i)
        path = urlsplit(link.get_attribute("href") or "").path
        link.click()
        page.wait_for_function("p => location.pathname === p", arg=path)
        # Everything a run sends arrives on the websocket before the run ends.
        wait_for_app(page)
        no_exception_shown(page)
        if label == "Partners":
            drawn_polygons(page, 20)
            page.screenshot(path=screenshot_path("demo-partners-signed-in"), full_page=True)
    # A partner who types the address of the Data page does not get it.
    page.goto(f"{signed_in_server.url}/data")
    wait_for_app(page)
    assert page.get_by_role("heading", name=DATA_TITLE).count() == 0
    received = b"".join(frames).decode("utf-8", "replace")
    # The check has teeth: the partner's own neighbourhoods did arrive through the same frames.
    assert sum(n in received for n in own_names if len(n) >= 8) >= 10
    leaked = [n for n in others if n in received]
    assert not leaked, leaked[:10]
    assert "Red Crescent" in received

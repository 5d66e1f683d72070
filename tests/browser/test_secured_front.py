"""The secured setup in a real browser (#18): Debian's Chromium against ``python -m ui.server.secure``
(nginx, the sign-in service, the dashboard), as the README's deployment section starts it.

A partner follows a shared link before signing in: it gets the sign-in page at that address,
signs in, and lands exactly on the shared view; a reload keeps it signed in; a second shared link
opens another page with its view parameters, still signed in; everything the websocket brought
holds only the partner's own areas; the page works under the front's Content-Security-Policy;
signing out ends the session (a reload shows the sign-in page again).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from render.i18n import translate
from tests.apptest.helpers import PASSWORD, write_users
from tests.apptest.test_authorization import forbidden_tokens, leaks, own_areas
from tests.browser.helpers import (
    current_url,
    drawn_polygons,
    finish,
    map_frame,
    wait_for_app,
    wait_for_url,
)
from tests.hardening.front import SecuredFront

pytestmark = pytest.mark.browser
#: The area ids of the map's features.
AREA_IDS = """() => { const ids = []; window.map.eachLayer(l => {
  const p = l.feature && l.feature.properties; if (p) ids.push(String(p.area_id || '')); });
  return ids; }"""
USERS = {"relief": ("partner", "P1"), "planner": ("planner", None)}


@pytest.fixture(scope="module")
def front(demo_workspace, tmp_path_factory) -> Iterator[SecuredFront]:
    users = write_users(tmp_path_factory.mktemp("front") / "users.toml", USERS)
    running = SecuredFront(users)
    yield running
    running.stop()


def test_a_partner_signs_in_through_the_front_and_stays_signed_in(front, guarded_page) -> None:
    page = guarded_page.page
    frames: list[bytes] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda p: frames.append(p if isinstance(p, bytes) else p.encode())
        ),
    )
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    own = own_areas("P1")
    shared = f"/coverage_map?level=area&area={own[0]}&lang=en"
    # A shared link, before signing in: the sign-in page, at that very address.
    page.goto(front.url + shared)
    page.get_by_role("heading", name=translate("auth.title", "en")).wait_for(timeout=30_000)
    assert current_url(page) == front.url + shared
    page.get_by_label(translate("auth.username", "en")).fill("relief")
    page.get_by_label(translate("auth.password", "en")).fill(PASSWORD)
    page.get_by_role("button", name=translate("auth.sign_in", "en")).click()
    wait_for_app(page)
    signed_in = translate("auth.signed_in_as", "en", name="Relief", role="partner")
    page.get_by_text(signed_in).wait_for(timeout=30_000)
    wait_for_url(page, rf"/coverage_map\?.*area={own[0]}")  # exactly the shared view
    scope = translate("auth.partner_scope", "en", partner="")[:40]
    page.get_by_text(scope).first.wait_for(timeout=30_000)
    # The map draws under the front's CSP. The link names an area, so the map opens fitted to
    # it: Leaflet draws the polygons in view, while the map holds every one of the partner's.
    counts = drawn_polygons(page, 1)
    assert counts["features"] >= len(own), counts
    on_map = set(map_frame(page).evaluate(AREA_IDS))
    assert set(own) <= on_map <= set(own) | {""}, on_map - set(own)  # its own areas only
    # A reload keeps the sign-in and the view.
    page.reload()
    wait_for_app(page)
    page.get_by_text(signed_in).wait_for(timeout=30_000)
    assert re.search(rf"/coverage_map\?.*area={own[0]}", current_url(page))
    # Another shared link: another page with its view parameters, still signed in.
    page.goto(f"{front.url}/outreach?list=all&view=sessions&lang=en")
    wait_for_app(page)
    page.get_by_text(signed_in).wait_for(timeout=30_000)
    wait_for_url(page, r"/outreach\?(?=.*list=all)(?=.*view=sessions)")
    assert page.get_by_role("heading", name=translate("auth.title", "en")).count() == 0
    # Everything the websocket brought: the partner's own areas, never another's.
    received = b"".join(frames).decode("utf-8", "replace")
    assert sum(area in received for area in own) >= 5  # the check has teeth
    ids, names = forbidden_tokens("P1")
    assert not leaks(received, ids, names)
    assert blocked == []
    finish(guarded_page, "secured-front-partner")
    # Signing out ends the session: a reload shows the sign-in page again.
    page.get_by_role("button", name=translate("auth.sign_out", "en")).click()
    page.get_by_text(translate("auth.signed_out", "en")).wait_for(timeout=30_000)
    page.reload()
    page.get_by_role("heading", name=translate("auth.title", "en")).wait_for(timeout=30_000)

"""The secured front (#18): nginx with ``auth_request`` to the project's sign-in service, in front
of the dashboard (``python -m ui.server.secure``, what ``scripts/serve-secure.sh`` runs).

Spoken to as a hostile client would: without a session nothing of the dashboard answers (pages
give the sign-in page, the websocket, uploads and static files 401, metrics never); an identity
header sent by the client is dropped; a session token rotates at sign-in, ends on idle and at
sign-out; a Streamlit session id replayed by another client carries none of its user's rights.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
import websockets

from geodata.users.sessions import SessionStore
from geodata.users.sign_ins import SignInLimits
from geodata.users.sign_ins import store_path as sign_ins_path
from render.i18n import translate
from tests.apptest.helpers import write_users
from tests.asyncrun import run_async
from tests.hardening.front import SecuredFront
from tests.hardening.page_run import read_run, rerun
from ui.server.front import (
    COOKIE,
    FRONT_SETTING,
    SESSION_HEADER,
    UPLOAD_ROLES,
    USER_HEADER,
    client_address,
    safe_next,
)

USERS = {"admin": ("admin", None), "relief": ("partner", "P1")}
#: Seconds without a request after which the test front ends a session.
IDLE_SECONDS = 6.0
FORGED = {USER_HEADER: "admin", SESSION_HEADER: "0" * 64}


@pytest.fixture(scope="module")
def front(tmp_path_factory) -> Iterator[SecuredFront]:
    users = write_users(tmp_path_factory.mktemp("front") / "users.toml", USERS)
    running = SecuredFront(users, idle_minutes=IDLE_SECONDS / 60)
    yield running
    running.stop()


def signed_in_as(lang: str, name: str, role: str) -> str:
    return translate("auth.signed_in_as", lang, name=name, role=translate(f"auth.role.{role}"))


async def _run(
    front: SecuredFront, token: str | None, headers: dict[str, str], replay: str | None = None
) -> tuple[str, str]:
    """Open the websocket through nginx, run the first page; (Streamlit session id, every
    Markdown text the run sent)."""
    sent = {**headers, **({"Cookie": f"{COOKIE}={token}"} if token else {})}
    protocols = ["streamlit", "x", replay] if replay else ["streamlit"]
    async with websockets.connect(
        f"ws://{front.host}/_stcore/stream",
        subprotocols=protocols,  # type: ignore[list-item]
        origin=front.url,  # type: ignore[arg-type]
        additional_headers=sent,
        max_size=None,
        open_timeout=10,
    ) as ws:
        await ws.send(rerun())
        session, elements = await read_run(ws)
    texts = [
        element.markdown.body if element.WhichOneof("type") == "markdown" else element.alert.body
        for element in elements
        if element.WhichOneof("type") in ("markdown", "alert")
    ]
    return session, "\n".join(texts)


def session_cookie(headers: dict[str, str]) -> str:
    """The session cookie as the answer set it (attributes included)."""
    return next(c for c in headers["set-cookie"].splitlines() if c.startswith(f"{COOKIE}="))


def run_page(front, token, headers=None, replay=None) -> tuple[str, str]:
    return run_async(_run(front, token, headers or {}, replay))


def websocket_status(front: SecuredFront, token: str | None, headers: dict[str, str]) -> int:
    """The status nginx answers a websocket upgrade with (101: it reached the dashboard)."""
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Protocol": "streamlit",
        "Origin": front.url,
        **headers,
    }
    return front.request("GET", "/_stcore/stream", token=token, headers=upgrade)[0]


def test_a_stranger_gets_the_sign_in_page_and_nothing_of_the_dashboard(front) -> None:
    shared = "/coverage_map?level=area&area=A001&lang=fa"
    status, headers, body = front.request("GET", shared)
    page = body.decode()
    assert status == 401 and 'dir="rtl"' in page and translate("auth.title", "fa") in page
    assert 'name="next" value="/coverage_map?level=area&amp;area=A001&amp;lang=fa"' in page
    assert "<script" not in page and "http" not in page.split("</head>")[0]  # nothing outside
    # The security headers, on every answer.
    assert "frame-ancestors 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    # The language switch: the same page in Vietnamese, still on its way to the shared view.
    status, _, body = front.request(
        "GET", "/-/sign-in?" + urlencode({"next": shared, "lang": "vi"})
    )
    assert status == 200 and '<html lang="vi" dir="ltr">' in body.decode()
    assert translate("auth.password", "vi") in body.decode() and "area=A001" in body.decode()
    assert websocket_status(front, None, {}) == 401
    upload = b"x" * (5 << 20)
    for method, path, body in [
        ("PUT", "/_stcore/upload_file/session/file", upload),
        ("POST", "/_stcore/upload_file/session/file", upload),
        ("GET", "/_stcore/host-config", None),
        ("GET", "/static/js/index.js", None),
        ("GET", "/media/anything.png", None),
        ("GET", "/component/streamlit_folium.st_folium/index.html", None),
    ]:
        assert front.request(method, path, body=body)[0] == 401, path
    assert front.request("GET", "/_stcore/metrics")[0] == 403
    # Signed in, metrics stay closed; the dashboard answers.
    _, token, _ = front.sign_in("admin")
    assert front.request("GET", "/_stcore/metrics", token=token)[0] == 403
    assert websocket_status(front, token, {}) == 101
    # A body larger than the cap never reaches the dashboard.
    assert front.request("PUT", "/_stcore/upload_file/s/f", token=token)[0] != 401
    assert declared_upload(front, token, 201 << 20).startswith(b"HTTP/1.1 413")


def declared_upload(front: SecuredFront, token: str | None, length: int) -> bytes:
    """nginx's first answer to an upload that declares ``length`` bytes (none are sent)."""
    with socket.create_connection(("127.0.0.1", front.port), timeout=10) as s:
        s.sendall(
            f"PUT /_stcore/upload_file/s/f HTTP/1.1\r\nHost: {front.host}\r\n"
            f"Cookie: {COOKIE}={token}\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        return s.recv(200)


def test_the_dashboard_trusts_the_identity_header_only_behind_the_front(monkeypatch) -> None:
    from streamlit import config

    from ui.auth import behind_front

    monkeypatch.delenv(FRONT_SETTING, raising=False)
    assert not behind_front()  # a plain start never reads the header
    monkeypatch.setenv(FRONT_SETTING, "1")
    before = config.get_option("server.address")
    try:
        config.set_option("server.address", "127.0.0.1")
        assert behind_front()
        config.set_option("server.address", "0.0.0.0")
        assert not behind_front()  # reachable from the network: anyone could send it
    finally:
        config.set_option("server.address", before)


def test_sign_ins_count_against_the_browsers_own_address_behind_the_front(front) -> None:
    """Behind the front every request reaches the sign-in service from nginx on 127.0.0.1; the
    failure is counted against the address the browser came from (here 127.0.0.5), never
    against nginx's, nor against an address the browser names itself."""
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"}
    status, token, _ = front.sign_in(
        "relief", "a wrong password", source="127.0.0.5", headers=forged
    )
    assert status == 401 and token is None
    counts = SignInLimits(sign_ins_path(front.users)).counts()
    assert counts.get("client:127.0.0.5") == 1, counts
    assert not {k for k in counts if "203.0.113.9" in k}, counts


def test_only_the_roles_with_an_uploader_may_send_files(front) -> None:
    """Streamlit's upload endpoint holds every file a session sends until the session ends, for
    any file id: through the front only the roles that have an uploader (the Data page, the
    siting tool's candidate layer) may send one; a partner or manager gets 403."""
    from ui.auth import ACTION_ROLES

    assert ACTION_ROLES["import"] == UPLOAD_ROLES
    _, partner, _ = front.sign_in("relief", source="127.0.0.71")
    _, admin, _ = front.sign_in("admin", source="127.0.0.72")

    def upload(token: str | None) -> int:
        """An upload as the browser sends it (with Streamlit's XSRF cookie and header)."""
        http = requests.Session()
        if token:
            http.cookies.set(COOKIE, token)
        http.get(f"{front.url}/_stcore/health", timeout=10)
        xsrf = http.cookies.get("_streamlit_xsrf") or ""
        return http.put(
            f"{front.url}/_stcore/upload_file/some-session/some-file",
            files={"file": ("a.csv", b"0," * 4096, "text/csv")},
            headers={"X-Xsrftoken": xsrf, "Origin": front.url},
            timeout=30,
        ).status_code

    assert upload(partner) == 403
    assert upload(None) == 401
    assert upload(admin) not in (401, 403)  # reaches the dashboard (no such session there)


def test_the_forwarded_address_is_trusted_from_the_front_only() -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.4, 203.0.113.9", "X-Real-IP": "192.0.2.1"}
    # Behind the front (nginx on loopback): the address nginx names (the last one).
    assert client_address("127.0.0.1", forwarded, trusted_front=True) == "203.0.113.9"
    assert client_address("::1", {"X-Real-IP": "192.0.2.1"}, trusted_front=True) == "192.0.2.1"
    # A direct local client counts as itself, whatever it says; so does a remote one.
    assert client_address("127.0.0.1", forwarded, trusted_front=False) == "127.0.0.1"
    assert client_address("127.0.0.1", {}, trusted_front=True) == "127.0.0.1"
    assert client_address("10.1.2.3", forwarded, trusted_front=True) == "10.1.2.3"
    assert client_address("127.0.0.1", {"X-Forwarded-For": "evil"}, trusted_front=True) == (
        "127.0.0.1"
    )


def test_an_identity_header_sent_by_the_client_is_ignored(front) -> None:
    assert front.request("GET", "/", headers=FORGED)[0] == 401
    assert websocket_status(front, None, FORGED) == 401
    # A partner that claims to be the admin is the partner.
    _, token, _ = front.sign_in("relief")
    _, texts = run_page(front, token, FORGED)
    assert signed_in_as("en", "Relief", "partner") in texts
    assert signed_in_as("en", "Admin", "admin") not in texts


def test_a_replayed_streamlit_session_carries_none_of_its_users_rights(front) -> None:
    _, admin = front.sign_in("admin")[:2]
    session, texts = run_page(front, admin)
    assert session and signed_in_as("en", "Admin", "admin") in texts
    # Another client presents the admin's session id: without a session of its own it does
    # not even reach the dashboard; with a partner's, it is that partner.
    assert (
        websocket_status(front, None, {"Sec-WebSocket-Protocol": f"streamlit, x, {session}"}) == 401
    )
    _, partner, _ = front.sign_in("relief")
    _, texts = run_page(front, partner, replay=session)
    assert signed_in_as("en", "Relief", "partner") in texts
    assert signed_in_as("en", "Admin", "admin") not in texts


def test_the_token_rotates_at_sign_in_ends_on_idle_and_at_sign_out(front) -> None:
    status, first, target = front.sign_in("relief", next_url="/partners?lang=vi")
    assert status == 303 and first and target == "/partners?lang=vi"
    # Signing in again (with the old cookie) gives a new token; the old one is good no more.
    _, second, _ = front.sign_in("relief", token=first)
    assert second and second != first
    assert front.request("GET", "/", token=first)[0] == 401
    assert front.request("GET", "/", token=second)[0] == 200
    # Idle: the token ends once nothing has used it for the idle time-out.
    time.sleep(IDLE_SECONDS + 1)
    assert front.request("GET", "/", token=second)[0] == 401
    # Signing out ends it at once, and the cookie is cleared.
    _, third, _ = front.sign_in("relief")
    status, headers, _ = front.request("GET", "/-/sign-out", token=third)
    assert status == 303 and "Max-Age=0" in session_cookie(headers)
    assert front.request("GET", "/", token=third)[0] == 401
    # A wrong password gives no token; the cookie is HttpOnly and SameSite=Strict.
    assert front.sign_in("relief", password="not the password")[:2] == (401, None)
    _, headers, _ = front.request(
        "POST",
        "/-/sign-in",
        body=b"username=relief&password=correct+horse+battery&next=/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "HttpOnly" in session_cookie(headers) and "SameSite=Strict" in session_cookie(headers)


def test_sessions_end_on_idle_and_absolute_time_outs(tmp_path: Path) -> None:
    now = [1000.0]
    store = SessionStore(
        tmp_path / "s.sqlite", idle_seconds=60, max_seconds=300, clock=lambda: now[0]
    )
    token = store.start("relief")
    signed = store.check(token)
    assert signed is not None and signed.username == "relief"
    assert store.check_id(signed.session, "relief") and not store.check_id(signed.session, "admin")
    for _ in range(5):  # used every 50 s: never idle, but at most 300 s in all
        now[0] += 50
        assert store.check(token) is not None
    now[0] += 50
    assert store.check(token) is None  # 300 s after it began
    other = store.start("relief")
    now[0] += 61
    assert store.check(other) is None  # idle
    assert store.check("not a token") is None and store.check(None) is None


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/coverage_map?level=area&area=A1", True),
        ("https://elsewhere.example/", False),
        ("//elsewhere.example/", False),
        ("/\\elsewhere.example", False),
        ("/-/sign-out", False),
        ("javascript:alert(1)", False),
    ],
)
def test_after_sign_in_the_browser_goes_only_to_the_dashboard(target: str, kept: bool) -> None:
    assert safe_next(target) == (target if kept else "/")

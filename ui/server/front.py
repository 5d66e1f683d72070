"""The sign-in service of the secured front (``python -m ui.server.secure`` starts it).

nginx stands in front of the dashboard and asks this service, for every request, whether the
browser's session cookie is good (``auth_request`` to ``/-/check``); only then does the request
reach the dashboard, with the user name and session id in headers that nginx sets itself
(:data:`USER_HEADER`, :data:`SESSION_HEADER`). A browser without a good session gets this service's
sign-in page at the address it asked for, and after signing in it is sent back there (the page and
view of a shared link open exactly).

Passwords are checked against the users file with :func:`geodata.users.accounts.check_password`, failures
counted in the file every app server shares (:mod:`geodata.users.sign_ins`, per user name and client
address, with back-off). Sessions are random tokens kept server-side (:mod:`geodata.users.sessions`, idle
and absolute time-outs), a new one at every sign-in, revoked at sign-out. The cookie is HttpOnly,
SameSite=Strict, and Secure when the front is served over https.

This module serves only loopback (nginx is its only client): it takes the client's address from
``X-Forwarded-For``, which nginx sets to the address it was reached from (a client's own copy is
dropped), through :func:`client_address`, and ``X-Original-URI`` for the address that was asked for.
"""

from __future__ import annotations

import html
import ipaddress
import threading
from collections.abc import Mapping
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from geodata.users import audit
from geodata.users.accounts import Users, check_password, read_users
from geodata.users.sessions import SessionStore
from geodata.users.sign_ins import SignInLimits
from render.i18n import DEFAULT_LANGUAGE, available_languages, direction
from render.language import Language

#: Set (to 1) for the dashboard behind the front: then, and only on loopback, it trusts the
#: identity in :data:`USER_HEADER` (``ui.auth``).
FRONT_SETTING = "COVERAGE_ATLAS_FRONT"
#: The sessions' idle and absolute time-outs in seconds, for the dashboard's own checks.
IDLE_SETTING = "COVERAGE_ATLAS_SESSION_IDLE"
MAX_SETTING = "COVERAGE_ATLAS_SESSION_MAX"
COOKIE = "coverage_atlas_session"
USER_HEADER = "X-Coverage-Atlas-User"
SESSION_HEADER = "X-Coverage-Atlas-Session"
#: Roles with a file uploader on some page (the Data page, the siting tool's candidate layer:
#: ``ui.auth.ACTION_ROLES["import"]``): only their sessions may send files to Streamlit's upload
#: endpoint, which holds every file it is sent in memory until the session ends.
UPLOAD_ROLES = frozenset({"admin", "planner"})
#: The front's own paths (never the dashboard's).
PREFIX = "/-/"
SIGN_IN = PREFIX + "sign-in"
SIGN_OUT = PREFIX + "sign-out"
MAX_FORM_BYTES = 8192

_STYLE = """
body{font-family:"DejaVu Sans",system-ui,sans-serif;background:#f4f6f8;margin:0;color:#1c2733}
main{max-width:24rem;margin:10vh auto;background:#fff;padding:2rem;border-radius:.5rem;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.35rem;margin:0 0 1.2rem}
label{display:block;margin:.8rem 0 .3rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #9aa7b4;
border-radius:.3rem}
button{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem;border:0;border-radius:.3rem;
background:#1d6fa5;color:#fff;cursor:pointer}
.message{padding:.6rem;border-radius:.3rem;margin-bottom:1rem;background:#fdecea;color:#8a1c12}
.message.note{background:#e8f1f8;color:#174d73}
nav{margin-bottom:1rem;font-size:.9rem}
nav a{margin-inline-end:.8rem;color:#1d6fa5}
nav a[aria-current]{font-weight:bold;color:#1c2733;text-decoration:none}
"""


#: The header in which the front's nginx names the address a request came from (set, never
#: appended to: a client's own copy does not reach the services behind it).
FORWARDED_HEADER = "X-Forwarded-For"


def _address(text: object) -> str | None:
    """``text`` as a normalised IP address, or ``None`` when it is none."""
    try:
        return str(ipaddress.ip_address(str(text).strip().strip("[]")))
    except ValueError:
        return None


def client_address(
    peer: str | None, headers: Mapping[str, str], *, trusted_front: bool
) -> str | None:
    """The address a sign-in attempt is counted against (:mod:`geodata.users.sign_ins`) and the
    audit trail names.

    ``peer`` is the address the connection comes from. Behind the trusted front every request
    comes from nginx on this machine: then, and only then (``trusted_front`` and a loopback
    ``peer``), the last address of :data:`FORWARDED_HEADER` (``X-Real-IP`` where it is missing)
    is the client's. Anywhere else the peer is the client, a browser on this machine included:
    it counts as itself (``127.0.0.1``), and a header it sends changes nothing."""
    own = _address(peer) if peer else None
    if trusted_front and own is not None and ipaddress.ip_address(own).is_loopback:
        forwarded = str(headers.get(FORWARDED_HEADER) or "").split(",")[-1]
        named = _address(forwarded) or _address(headers.get("X-Real-IP") or "")
        if named is not None:
            return named
    return own or (str(peer) if peer else None)


def safe_next(target: str | None) -> str:
    """``target`` when it is a path of the dashboard on this server, else ``/`` (never another
    site, never the front's own paths)."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if target.startswith(PREFIX) or any(ord(c) < 32 for c in target):
        return "/"
    return target


def next_language(target: str) -> str:
    """The language a dashboard address asks for (``?lang=``), else the default."""
    lang = parse_qs(urlsplit(target).query).get("lang", [""])[0]
    return lang if lang in available_languages() else DEFAULT_LANGUAGE


def with_language(target: str, lang: str) -> str:
    """``target`` with ``?lang=`` set to ``lang`` (its other parameters kept, in order)."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    query.append(("lang", lang))
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


def sign_in_page(target: str, lang: str, message: str = "", note: bool = False) -> str:
    """The sign-in page (no script, no outside asset) that sends the browser on to ``target``."""

    language = Language(lang)

    def t(key: str, **fields: object) -> str:
        return html.escape(language.t(key, **fields))

    links = []
    for code, name in available_languages().items():
        query = urlencode({"next": target, "lang": code})
        current = ' aria-current="true"' if code == lang else ""
        links.append(
            f'<a href="{SIGN_IN}?{html.escape(query)}" lang="{code}" '
            f'dir="{direction(code)}"{current}>{html.escape(name)}</a>'
        )
    shown = ""
    if message:
        kind = "message note" if note else "message"
        shown = f'<p class="{kind}" role="alert">{html.escape(message)}</p>'
    return (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction(lang)}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{t('auth.title')}</title>"
        f'<link rel="stylesheet" href="{PREFIX}style.css"></head><body><main>'
        f'<nav aria-label="{t("controls.language")}">{"".join(links)}</nav>'
        f"<h1>{t('auth.title')}</h1>{shown}"
        f'<form method="post" action="{SIGN_IN}">'
        f'<input type="hidden" name="next" value="{html.escape(target)}">'
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<label for="username">{t("auth.username")}</label>'
        '<input id="username" name="username" autocomplete="username" required autofocus>'
        f'<label for="password">{t("auth.password")}</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required>'
        f'<button type="submit">{t("auth.sign_in")}</button></form></main></body></html>'
    )


class Front:
    """What the service needs: the users file, the failure counter, the session store, and the
    workspace whose audit trail records each sign-in, failed sign-in and lockout (none: not
    recorded)."""

    def __init__(
        self,
        users_file: str,
        limits: SignInLimits,
        sessions: SessionStore,
        secure: bool,
        workspace: str | None = None,
    ) -> None:
        self.users_file = users_file
        self.limits = limits
        self.sessions = sessions
        self.secure = secure
        self.workspace = workspace

    def record(self, users: Users, username: str, action: str, what: str) -> None:
        """One event in the workspace's audit trail (:mod:`geodata.users.audit`)."""
        if self.workspace:
            actor = audit.signing_in(users.by_username(username), username)
            audit.append(self.workspace, actor, action, what)

    def users(self) -> Users:
        return read_users(self.users_file)  # read each time: an edit applies at once

    def cookie(self, token: str, max_age: int | None = None) -> str:
        parts = [f"{COOKIE}={token}", "Path=/", "HttpOnly", "SameSite=Strict"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


class Handler(BaseHTTPRequestHandler):
    """One request from nginx."""

    server: FrontServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        return  # nginx keeps the access log

    @property
    def front(self) -> Front:
        return self.server.front

    def _token(self) -> str | None:
        try:
            jar = SimpleCookie(self.headers.get("Cookie", ""))
        except CookieError:
            return None
        morsel = jar.get(COOKIE)
        return morsel.value if morsel else None

    def _send(
        self,
        status: int,
        body: str = "",
        headers: dict[str, str] | None = None,
        cookies: list[str] = (),  # type: ignore[assignment]
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        if body:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _page(self, status: int, target: str, lang: str, message: str = "", note=False) -> None:
        self._send(status, sign_in_page(target, lang, message, note))

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's name)
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path in (PREFIX + "check", PREFIX + "check-upload"):  # nginx's auth_request
            signed = self.front.sessions.check(self._token())
            if signed is None:
                self._send(HTTPStatus.UNAUTHORIZED)
            elif parts.path.endswith("upload") and not self._may_upload(signed.username):
                self._send(HTTPStatus.FORBIDDEN)
            else:
                headers = {USER_HEADER: signed.username, SESSION_HEADER: signed.session}
                self._send(HTTPStatus.NO_CONTENT, headers=headers)
        elif parts.path == PREFIX + "page":  # a dashboard address asked for without a session
            target = safe_next(self.headers.get("X-Original-URI"))
            self._page(HTTPStatus.UNAUTHORIZED, target, next_language(target))
        elif parts.path == SIGN_IN:
            target = safe_next(query.get("next", ["/"])[0])
            lang = query.get("lang", [""])[0]
            if lang not in available_languages():
                lang = next_language(target)
            out = Language(lang).t("auth.signed_out") if "out" in query else ""
            self._page(HTTPStatus.OK, target, lang, out, note=True)
        elif parts.path == SIGN_OUT:
            self.front.sessions.end(self._token())
            lang = query.get("lang", [""])[0]
            lang = lang if lang in available_languages() else DEFAULT_LANGUAGE
            self._send(
                HTTPStatus.SEE_OTHER,
                headers={"Location": f"{SIGN_IN}?{urlencode({'lang': lang, 'out': '1'})}"},
                cookies=[self.front.cookie("", max_age=0)],
            )
        elif parts.path == PREFIX + "style.css":
            data = _STYLE.encode()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/css; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        else:
            self._send(HTTPStatus.NOT_FOUND)

    def _may_upload(self, username: str) -> bool:
        user = self.front.users().by_username(username)
        return user is not None and user.role in UPLOAD_ROLES

    def do_POST(self) -> None:  # noqa: N802
        if urlsplit(self.path).path != SIGN_IN:
            self._send(HTTPStatus.NOT_FOUND)
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_FORM_BYTES:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        target = safe_next(form.get("next", ["/"])[0])
        lang = form.get("lang", [""])[0]
        lang = lang if lang in available_languages() else next_language(target)
        language = Language(lang)
        if lang != next_language(target) or "lang=" in target:
            target = with_language(target, lang)
        username = form.get("username", [""])[0].strip()
        password = form.get("password", [""])[0]
        if not username or not password:
            self._page(HTTPStatus.BAD_REQUEST, target, lang, language.t("auth.wrong"))
            return
        # nginx on this machine is this service's only client; it names the browser's address.
        client = client_address(self.client_address[0], self.headers, trusted_front=True)
        users = self.front.users()
        wait = self.front.limits.begin(username, client)
        if wait > 0:  # the password is not even checked while the name or client is locked
            what = f"refused: locked for {round(wait)} s more, from {client}"
            self.front.record(users, username, "lockout", what)
            seconds = language.numerals(str(max(1, round(wait))))
            message = language.t("auth.locked", seconds=seconds)
            self._page(HTTPStatus.TOO_MANY_REQUESTS, target, lang, message)
            return
        user = check_password(users, username, password)
        if user is None:
            what = f"wrong user name or password, from {client}"
            self.front.record(users, username, "sign_in_failed", what)
            locked = self.front.limits.seconds_locked(username, client)
            if locked > 0:
                what = f"locked for {round(locked)} s, from {client}"
                self.front.record(users, username, "lockout", what)
            self._page(HTTPStatus.UNAUTHORIZED, target, lang, language.t("auth.wrong"))
            return
        self.front.limits.succeeded(username, client)
        self.front.record(users, username, "sign_in", f"secured front, from {client}")
        # A new session at every sign-in; the one the browser held (if any) ends here.
        token = self.front.sessions.start(user.username, previous=self._token())
        self._send(
            HTTPStatus.SEE_OTHER, headers={"Location": target}, cookies=[self.front.cookie(token)]
        )


class FrontServer(ThreadingHTTPServer):
    """The sign-in service on ``(host, port)``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], front: Front) -> None:
        self.front = front
        super().__init__(address, Handler)


def serve_in_background(server: FrontServer) -> threading.Thread:
    """Serve ``server`` on a daemon thread."""
    thread = threading.Thread(target=server.serve_forever, name="sign-in", daemon=True)
    thread.start()
    return thread

"""Sign-in and roles: who is looking, what they may open and do.

Without a users file the app is public (the demo, a planner's own machine): every visitor is a
planner while the server listens on this machine only (the default), and read-only (manager) once
it is served to a network, unless ``COVERAGE_ATLAS_PUBLIC_ROLE=planner`` says otherwise. A deployment names a users file (``--users users.toml`` or ``COVERAGE_ATLAS_USERS``; see
:mod:`geodata.users.accounts`): then visitors sign in with a user name and password, or through OIDC
(``st.login``) where ``.streamlit/secrets.toml`` has an ``[auth]`` section, the OIDC e-mail
matched to an entry of the users file. With ``require_sign_in = false`` in that file, visitors who
do not sign in are managers (read-only). Behind the secured front (``python -m ui.server.secure``,
:mod:`ui.server.front`) nginx signs visitors in before they reach the dashboard, which takes the user
from nginx's header while the front's session is good (:func:`behind_front`).

Roles:

- ``admin`` — everything;
- ``planner`` — every page, imports, restoring old versions, partner reassignment, scenarios,
  outreach plans;
- ``manager`` — every page except data management; exports; changes nothing;
- ``partner`` — its own areas only, on every page, map, table, chart and export (the tables are
  filtered on the server: :mod:`ui.scope`); no data management, no person records.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from geodata.tables.problems import DataError
from geodata.users import audit
from geodata.users.accounts import User, Users, check_password, read_users
from geodata.users.sessions import SessionStore
from geodata.users.sessions import store_path as sessions_store_path
from geodata.users.sign_ins import SignInLimits
from geodata.users.sign_ins import store_path as sign_in_store_path
from render.i18n import available_languages
from render.language import Language
from ui.localize import language_style
from ui.server.front import (
    FORWARDED_HEADER,
    FRONT_SETTING,
    IDLE_SETTING,
    MAX_SETTING,
    SESSION_HEADER,
    USER_HEADER,
    client_address,
)
from ui.server.serve import FORWARDED_SETTING
from ui.workspace import workspace_path

PUBLIC = "public"
_USER_STATE = "_ca_user"
_OIDC_RECORDED = "_ca_oidc_recorded"  # the OIDC user whose sign-in the audit trail has

#: Which roles may open each page (by file stem). A page not listed is open to every role.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "data": frozenset({"admin", "planner"}),
}

#: Which roles may do each thing that changes data.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "import": frozenset({"admin", "planner"}),
    "restore": frozenset({"admin", "planner"}),
    "backup": frozenset({"admin", "planner"}),
    "reassign": frozenset({"admin", "planner"}),
    "save_scenario": frozenset({"admin", "planner"}),
    "person_records": frozenset({"admin", "planner"}),
    # Sessions held, against the outreach plan: a partner for its own areas only (checked again
    # by geodata.store.sessions.record_session on the workspace itself).
    "record_session": frozenset({"admin", "planner", "partner"}),
    "audit": frozenset({"admin"}),  # the audit trail (geodata.users.audit): who did what, when
}


@dataclass(frozen=True)
class Session:
    """Who this session is: a signed-in user, or a public visitor with the public role."""

    role: str
    username: str = ""
    display_name: str = ""
    partner_id: str | None = None
    signed_in: bool = False


def may_open(role: str, page: str) -> bool:
    """Whether ``role`` may open the page whose file stem is ``page``."""
    allowed = PAGE_ROLES.get(page)
    return allowed is None or role in allowed


def may(role: str, action: str) -> bool:
    """Whether ``role`` may do ``action`` (a key of :data:`ACTION_ROLES`)."""
    return role in ACTION_ROLES[action]


#: Roles an operator may give visitors of a dashboard without a users file.
PUBLIC_ROLES = ("planner", "manager")


def served_to_network() -> bool:
    """Whether the server listens beyond this machine (``server.address`` not a loopback one;
    no address at all means every interface)."""
    address = str(st.get_option("server.address") or "").strip().lower()
    if address.startswith("unix://"):
        return False
    return not (address in {"localhost", "::1", "[::1]"} or address.startswith("127."))


def public_role() -> str:
    """The role of every visitor where there is no users file: a planner on this machine only,
    read-only (manager) when served to a network, unless ``COVERAGE_ATLAS_PUBLIC_ROLE`` says."""
    named = os.environ.get("COVERAGE_ATLAS_PUBLIC_ROLE", "").strip().lower()
    if named:
        if named not in PUBLIC_ROLES:
            raise DataError(
                f"COVERAGE_ATLAS_PUBLIC_ROLE is {named!r}; allowed: {', '.join(PUBLIC_ROLES)}."
            )
        return named
    return "manager" if served_to_network() else "planner"


def _users_argument() -> str | None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--users")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return known.users or os.environ.get("COVERAGE_ATLAS_USERS") or None


@st.cache_resource(show_spinner=False, ttl=60)
def _users(path: str, mtime: float) -> Users:
    return read_users(path)


def configured_users() -> Users | None:
    """The deployment's users file (re-read when it changes), or ``None`` for a public app."""
    named = _users_argument()
    if not named:
        return None
    path = Path(named).resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise DataError(f"{path}: the users file cannot be read ({exc.strerror}).") from exc
    return _users(str(path), mtime)


_LIMITS: dict[str, SignInLimits] = {}
_LIMITS_LOCK = threading.Lock()


def sign_in_limits(users_file: str | Path | None = None) -> SignInLimits:
    """The failed sign-ins of this deployment (a file shared by every app server, see
    :mod:`geodata.users.sign_ins`); kept outside Streamlit's caches, which any client may empty."""
    named = users_file or _users_argument()
    if not named:
        raise DataError("Failed sign-ins are only counted where a users file is given.")
    path = sign_in_store_path(named, workspace_path())
    with _LIMITS_LOCK:
        limits = _LIMITS.get(str(path))
        if limits is None:
            limits = _LIMITS[str(path)] = SignInLimits(path)
        return limits


#: The address a browser on the server's own machine counts as (Streamlit names none for it).
LOCAL_CLIENT = "127.0.0.1"


def _client_address() -> str | None:
    """The address this session connects from (:func:`ui.server.front.client_address`): behind the
    trusted front, the browser's as nginx forwards it; else the connection's own, a browser on
    this machine counting as :data:`LOCAL_CLIENT`. ``None`` only without a request (AppTest)."""
    try:
        peer = st.context.ip_address
        headers = st.context.headers
    except Exception:
        return None
    if not headers:
        return None  # no request at all
    front = behind_front()
    if peer is None:  # Streamlit hides a loopback address
        peer = LOCAL_CLIENT
    elif not front and FORWARDED_SETTING not in os.environ and FORWARDED_HEADER in headers:
        # Started without ui.server.serve (``streamlit run app.py``): its server believes this
        # header from this machine, so the address it gives is the one the client named.
        peer = LOCAL_CLIENT
    return client_address(peer, headers, trusted_front=front)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _session_for(user: User) -> Session:
    return Session(
        role=user.role,
        username=user.username,
        display_name=user.name,
        partner_id=user.partner_id,
        signed_in=True,
    )


def _oidc_user(users: Users) -> User | None:
    if not _oidc_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
    except Exception:
        return None
    return match_oidc_claims(users, st.user.to_dict())


def match_oidc_claims(users: Users, claims: Mapping[str, object]) -> User | None:
    """The user whose e-mail the identity provider vouches for: the ``email`` claim counts only
    with ``email_verified`` true (an unverified address is anyone's to type in)."""
    verified = claims.get("email_verified")
    if verified is not True and str(verified).strip().lower() != "true":
        return None
    email = claims.get("email")
    return users.by_email(email) if isinstance(email, str) else None


def current_session(lang: str, switch_language: Callable[[str], None]) -> Session:
    """This session's user; draws the sign-in form and stops the run when one is needed.

    ``switch_language`` is called with the language chosen on the sign-in page (it keeps it in
    the URL, like the sidebar's switch).
    """
    users = configured_users()
    if users is None:
        return Session(role=public_role())
    if behind_front():
        return _front_session(users, lang)
    username = st.session_state.get(_USER_STATE)
    if username:
        user = users.by_username(username)
        if user is not None:
            return _session_for(user)
        st.session_state.pop(_USER_STATE, None)  # removed from the users file meanwhile
    oidc = _oidc_user(users)
    if oidc is not None:
        if st.session_state.get(_OIDC_RECORDED) != oidc.username:  # once per session and user
            st.session_state[_OIDC_RECORDED] = oidc.username
            _record(users, oidc.username, "sign_in", "OIDC")
        return _session_for(oidc)
    if not users.require_sign_in and not st.session_state.get("_ca_wants_sign_in"):
        return Session(role="manager")
    sign_in_form(users, lang, switch_language)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def sign_in_form(users: Users, lang: str, switch_language: Callable[[str], None]) -> None:
    """The sign-in page: the language switch (right to left in Persian), then the form (user
    name and password; OIDC button where configured)."""
    language = Language(lang)
    st.html(language_style(lang))
    languages = available_languages()
    if len(languages) > 1:
        st.session_state["sign_in_language"] = lang
        st.selectbox(
            language.t("controls.language"),
            list(languages),
            format_func=languages.get,
            key="sign_in_language",
            on_change=lambda: switch_language(st.session_state["sign_in_language"]),
        )
    st.title(language.t("auth.title"))
    if _oidc_configured():
        try:
            unmatched = st.user.is_logged_in
        except Exception:
            unmatched = False
        if unmatched:
            st.error(language.t("auth.oidc_unknown"))
            st.button(language.t("auth.sign_out"), on_click=st.logout)
            return
        st.button(language.t("auth.oidc"), on_click=st.login, type="primary")
    with st.form("sign_in", border=True):
        username = st.text_input(language.t("auth.username"), autocomplete="username")
        password = st.text_input(
            language.t("auth.password"), type="password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(language.t("auth.sign_in"), type="primary")
    if not submitted:
        if not users.require_sign_in:
            st.button(
                language.t("auth.continue_public"),
                on_click=lambda: st.session_state.pop("_ca_wants_sign_in", None),
            )
        return
    # Failures are counted per user name and client address in a file every app server shares;
    # the attempt is counted before its password is checked (taken back when it is right), so
    # parallel attempts cannot all reach the hash, and no session or client message resets it.
    limits = sign_in_limits()
    client = _client_address()
    wait = limits.begin(username, client)
    if wait > 0:  # the password is not even checked while the name or client is locked
        _record(users, username, "lockout", f"refused: locked for {round(wait)} s more")
        st.warning(language.t("auth.locked", seconds=max(1, round(wait))))
        return
    user = check_password(users, username, password)
    if user is None:
        _record(users, username, "sign_in_failed", "wrong user name or password")
        locked = limits.seconds_locked(username, client)
        if locked > 0:
            _record(users, username, "lockout", f"locked for {round(locked)} s")
        st.error(language.t("auth.wrong"))
        return
    limits.succeeded(username, client)
    _record(users, username, "sign_in", "user name and password")
    st.session_state[_USER_STATE] = user.username
    st.rerun()


def _record(users: Users, username: str, action: str, what: str) -> None:
    """A sign-in, failed sign-in or lockout in the workspace's audit trail (:mod:`geodata.users.audit`)
    with the client's address."""
    client = _client_address()
    where = f" from {client}" if isinstance(client, str) and client else ""
    user = users.by_username(username)
    audit.append(workspace_path(), audit.signing_in(user, username), action, what + where)


def behind_front() -> bool:
    """Whether the dashboard runs behind the secured front (``python -m ui.server.secure`` sets
    :data:`ui.server.front.FRONT_SETTING`) and listens on this machine only: then, and only then, the
    identity nginx sets in :data:`ui.server.front.USER_HEADER` is trusted (nginx drops a client's own)."""
    return os.environ.get(FRONT_SETTING, "") == "1" and not served_to_network()


@st.cache_resource(show_spinner=False)
def _front_sessions(path: str, idle: float, longest: float) -> SessionStore:
    return SessionStore(path, idle_seconds=idle, max_seconds=longest)


def front_sessions() -> SessionStore:
    """The front's session store (the file :mod:`ui.server.secure` names for both)."""
    users_file = _users_argument() or ""
    idle = float(os.environ.get(IDLE_SETTING) or 1800)
    longest = float(os.environ.get(MAX_SETTING) or 43200)
    return _front_sessions(str(sessions_store_path(users_file, workspace_path())), idle, longest)


def _front_identity() -> tuple[str, str]:
    try:
        headers = st.context.headers
    except Exception:  # no request (AppTest)
        return "", ""
    return headers.get(USER_HEADER) or "", headers.get(SESSION_HEADER) or ""


def _front_session(users: Users, lang: str) -> Session:
    """The user the front signed in, while the front's session is good (every run counts as a
    use, so the idle and absolute time-outs end it here too); else say so and stop."""
    language = Language(lang)
    username, session = _front_identity()
    user = users.by_username(username) if username else None
    if user is not None and front_sessions().check_id(session, user.username):
        return _session_for(user)
    ended = "auth.signed_out" if st.session_state.get("_ca_signed_out") else "auth.session_ended"
    st.info(f"{language.t(ended)} {language.t('auth.reload_to_sign_in')}")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def sign_out() -> None:
    """Forget this session's user (and its OIDC login); behind the front, end the front's
    session (its cookie is good no more)."""
    if behind_front():
        front_sessions().end_id(_front_identity()[1])
        st.session_state["_ca_signed_out"] = True
    st.session_state.pop(_USER_STATE, None)
    st.session_state.pop("_ca_wants_sign_in", None)
    if _oidc_configured():
        try:
            if st.user.is_logged_in:
                st.logout()
        except Exception:
            pass


def ask_to_sign_in() -> None:
    """A public visitor of a deployment with optional sign-in asks for the form."""
    st.session_state["_ca_wants_sign_in"] = True

"""A budget for the uploads Streamlit holds in memory, per session and per user.

Streamlit's upload endpoint (``PUT /_stcore/upload_file/<session>/<file>``) keeps every file it is
sent in the server's memory, for any file id, until the browser deletes it or the session ends;
each file is capped (``server.maxUploadSize``), their number is not. :class:`UploadBudget` (an ASGI
middleware of the app ``app.py`` declares) stands in front of that endpoint:

- only a session that has run the dashboard as a role with an uploader (``ui.auth.ACTION_ROLES
  ["import"]``: administrators and planners) may send a file; any other open session gets 403
  (an id that names no open session is left to Streamlit, which refuses it with 400);
- a file is accepted only while what the session holds (with the uploads under way) stays within
  ``COVERAGE_ATLAS_UPLOAD_SESSION_MB`` (default 400) and what all sessions of the same user hold
  within ``COVERAGE_ATLAS_UPLOAD_USER_MB`` (default 600; without a users file all visitors count as
  one user); beyond, 413 with a message in the session's language. Streamlit's picker writes only
  "AxiosError: Request failed with status code 413" in its file list, so the session's page is run
  again at once (:func:`_show_now`) and shows the message by the picker (:func:`refusal_by_picker`)
  or, on a page without one, at its top (:func:`show_refusal`). A user's sessions are counted in every dashboard process of the
  deployment (several behind one front, :mod:`ui.server.cluster`): each process keeps what its
  sessions hold in a ledger they share (:mod:`geodata.users.upload_ledger`), rewritten at each
  upload, each run that lets files go and every few seconds (:data:`HEARTBEAT_S`) while it holds
  any, so a session that ended or a process that died lets go of its share within seconds;
- at the end of every run, :func:`release_unused` drops the session's files that no file picker
  holds any more (a picker emptied after an import, a page left with files in its picker): Streamlit
  itself keeps them until the session ends. Files sent in the last
  ``COVERAGE_ATLAS_UPLOAD_GRACE_S`` seconds (default 30) are kept: the run that shows them in
  their picker may not have come yet.

So the server holds at most the user budget per user name (and one for visitors), however many
processes serve it and whatever a client sends.

The budgets are set in binary megabytes (MiB); a refusal counts its figures in the megabytes the
reader's file picker shows beside it (:func:`megabyte`): Streamlit's picker, like the system's file
manager, writes a file's size in decimal megabytes on Linux and macOS and in binary ones on
Windows.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geodata.users.upload_ledger import UploadLedger, ledger_path
from render.language import Language
from ui.auth import _users_argument, may
from ui.workspace import workspace_path

MB = 1024 * 1024
SESSION_SETTING = "COVERAGE_ATLAS_UPLOAD_SESSION_MB"
USER_SETTING = "COVERAGE_ATLAS_UPLOAD_USER_MB"
GRACE_SETTING = "COVERAGE_ATLAS_UPLOAD_GRACE_S"
#: Visitors who have not signed in share one budget.
VISITORS = "\x00visitors"
_PATH = re.compile(r"/_stcore/upload_file/([^/]+)/([^/]+)$")
#: Seconds between two rewrites of this process's rows in the shared ledger while it holds uploads.
HEARTBEAT_S = 5.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def _setting(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value >= 0 else default


def budgets() -> tuple[int, int]:
    """(bytes one session may hold, bytes all sessions of one user may hold)."""
    return int(_setting(SESSION_SETTING, 400) * MB), int(_setting(USER_SETTING, 600) * MB)


@dataclass(frozen=True)
class _Who:
    user: str
    may_upload: bool
    lang: str


_lock = threading.Lock()
_sessions: dict[str, _Who] = {}
_reserved: dict[str, int] = {}  # session -> bytes of uploads under way
_sent_at: dict[tuple[str, str], float] = {}  # (session, file) -> when it was accepted
_refused: dict[str, str] = {}  # session -> the message of its last refused upload


@dataclass
class _Shared:
    ledger: UploadLedger | None = None  # what every process of the deployment holds, per user
    rows: bool = False  # whether this process's last rewrite of the ledger left rows in it


_shared = _Shared()


def note_session(username: str, signed_in: bool, role: str, lang: str) -> None:
    """Who this run's session is (called on every run, before the page)."""
    from streamlit import runtime

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # a bare call, outside a run: no uploads
        return
    who = _Who(username if signed_in else VISITORS, may(role, "import"), lang)
    with _lock:
        _sessions[ctx.session_id] = who
        _pickers.discard(ctx.session_id)  # until this run draws one
        if _shared.ledger is None:
            _shared.ledger = UploadLedger(ledger_path(workspace_path(), _users_argument()))
            threading.Thread(target=_heartbeat, name="upload-ledger", daemon=True).start()


def _held(storage: dict[str, dict[str, Any]], session: str) -> int:
    return sum(len(rec.data) for rec in storage.get(session, {}).values()) + _reserved.get(
        session, 0
    )


def _holdings(storage: dict[str, dict[str, Any]]) -> dict[str, tuple[str, int]]:
    """What each session of this process holds: session -> (user, bytes); under both locks."""
    return {session: (who.user, _held(storage, session)) for session, who in _sessions.items()}


def _record() -> None:
    """Rewrite this process's rows of the shared ledger (nothing to do while it holds nothing
    and has no rows there); under ``_lock``."""
    from streamlit import runtime

    if _shared.ledger is None or not runtime.exists():  # no server (any more)
        return
    try:
        manager, storage = _runtime_storage()
    except RuntimeError:  # the server stopped between the check and the look-up
        return
    with manager._lock:
        holdings = _holdings(storage)
    holding = any(size > 0 for _, size in holdings.values())
    if holding or _shared.rows:
        _shared.ledger.record(holdings)
        _shared.rows = holding


def _heartbeat() -> None:
    """Keep this process's rows current (sessions that ended leave; the rows of a live process
    never expire) for as long as the process runs."""
    while True:
        time.sleep(HEARTBEAT_S)
        try:
            with _lock:
                _record()
        except Exception:  # noqa: BLE001 - a missed beat is retried; the thread must go on
            logging.getLogger(__name__).exception("upload ledger: rewrite failed")


def _runtime_storage() -> tuple[Any, dict[str, dict[str, Any]]]:
    from streamlit import runtime

    manager = runtime.get_instance().uploaded_file_mgr
    return manager, getattr(manager, "file_storage", {})


def megabyte(user_agent: str) -> int:
    """The bytes of a megabyte in the file picker of a browser that sends ``user_agent``: Streamlit
    divides by 1024 where ``navigator.platform`` starts with "Win", by 1000 elsewhere."""
    return MB if "windows" in user_agent.casefold() else 1000 * 1000


def _admit(session: str, size: int, unit: int = MB) -> tuple[int, str] | None:
    """Reserve ``size`` bytes for an upload to ``session``; (status, message) when refused, its
    figures in megabytes of ``unit`` bytes (:func:`megabyte`)."""
    manager, storage = _runtime_storage()
    with _lock:
        who = _sessions.get(session)
        if who is None and not _alive(session):
            return None  # no such session: Streamlit's endpoint refuses it (400), nothing is kept
        if who is None or not who.may_upload:
            return 403, Language(who.lang if who else "en").t("upload.not_allowed")
        per_session, per_user = budgets()
        with manager._lock:  # the manager's own lock: script threads remove files under it
            held = _held(storage, session)
            holdings = _holdings(storage)
        user_held = sum(size for user, size in holdings.values() if user == who.user)
        fits = held + size <= per_session
        if fits and _shared.ledger is not None:  # the user's sessions in every process
            fits, user_held = _shared.ledger.admit(holdings, session, who.user, size, per_user)
            _shared.rows = fits or any(size > 0 for _, size in holdings.values())
        if not fits or user_held + size > per_user:
            language = Language(who.lang)
            limit = per_session if held + size > per_session else per_user
            message = language.t(
                "upload.budget_session" if limit == per_session else "upload.budget_user",
                held=language.int(round((user_held if limit == per_user else held) / unit)),
                limit=language.int(round(limit / unit)),
                size=language.int(max(1, round(size / unit))),
            )
            _refused[session] = message
            return 413, message
        _reserved[session] = _reserved.get(session, 0) + size
    return None


def _settle(session: str, file: str, size: int, accepted: bool) -> None:
    with _lock:
        left = _reserved.get(session, 0) - size
        if left > 0:
            _reserved[session] = left
        else:
            _reserved.pop(session, None)
        if accepted:
            _sent_at[(session, file)] = time.monotonic()
        _record()  # the file as kept (without the form's framing), or the reservation let go


class UploadBudget:
    """ASGI middleware: the budget above, in front of Streamlit's upload endpoint."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _PATH.search(scope.get("path", "")) if scope["type"] == "http" else None
        if found is None or scope.get("method") != "PUT":
            await self.app(scope, receive, send)
            return
        session, file = found.groups()
        headers = dict(scope.get("headers") or [])
        try:
            size = int(headers.get(b"content-length", b""))
        except ValueError:  # no length (chunked): a browser always sends one
            await _answer(send, 411, "Content-Length required")
            return
        unit = megabyte(headers.get(b"user-agent", b"").decode("latin-1"))
        refused = await asyncio.to_thread(_admit, session, size, unit)  # the ledger may wait
        if refused is not None:
            await _drain(receive)
            await _answer(send, *refused)
            if refused[0] == 413:
                _show_now(session)
            return
        status = 0

        async def sending(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            await asyncio.to_thread(_settle, session, file, size, 200 <= status < 300)


async def _drain(receive: Receive) -> None:
    """Read the refused body to its end, keeping none of it: a proxy in front (nginx) that is still
    sending it would otherwise see the connection close and answer 502 instead of the message."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _answer(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def release_unused() -> int:
    """At the end of a run: drop this session's uploaded files that no file picker of the run
    holds (and that were sent more than the grace period ago), and show the message of a refused
    upload no picker showed; returns how many bytes were released."""
    from streamlit import runtime

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # an AppTest: no server, no uploads
        return 0
    _show_left_refusal()
    session = ctx.session_id
    in_use: set[str] = set()
    for value in st.session_state.to_dict().values():
        values = value if isinstance(value, list) else [value]
        in_use.update(v.file_id for v in values if isinstance(v, UploadedFile))
    manager, storage = _runtime_storage()
    grace = _setting(GRACE_SETTING, 30)
    now = time.monotonic()
    released = 0
    with _lock:
        for file, rec in list(storage.get(session, {}).items()):
            sent = _sent_at.get((session, file), 0.0)
            if file in in_use or now - sent < grace:
                continue
            manager.remove_file(session, file)
            _sent_at.pop((session, file), None)
            released += len(rec.data)
        held_now = storage.get(session, {})
        for key in [k for k in _sent_at if k[0] == session and k[1] not in held_now]:
            _sent_at.pop(key)  # deleted by the browser
        # Sessions that ended: forget them.
        for gone in [s for s in _sessions if s not in storage and s != session]:
            if not _alive(gone):
                _sessions.pop(gone, None)
                _refused.pop(gone, None)
                _tops.pop(gone, None)
                _pickers.discard(gone)
        if released:
            _record()
    return released


def _alive(session: str) -> bool:
    from streamlit import runtime

    return runtime.get_instance().is_active_session(session)


#: Widget values that stand for one press (buttons, a chat message): never sent twice.
_PRESSES = {"trigger_value", "string_trigger_value", "json_trigger_value", "chat_input_value"}


def _show_now(session: str) -> None:
    """Run the page of ``session`` again now, with its widgets as its last run left them (no
    button pressed again), so that the reader sees why the upload was refused without doing
    anything; only where the page's last run drew a file picker (a client that sends files
    without one, as no browser does, gets no run of the page for each refusal). A page that
    is running shows it at the end of its run (:func:`release_unused`).
    Called on the server's event loop, as Streamlit's own reruns are."""
    from streamlit import runtime
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.runtime.app_session import AppSessionState

    with _lock:
        if session not in _pickers:  # no picker on the page: the next run says it, at the top
            return
    info = runtime.get_instance()._session_mgr.get_active_session_info(session)
    if info is None or info.session._state != AppSessionState.APP_NOT_RUNNING:
        return
    state = ClientState()
    state.CopyFrom(info.session._client_state)  # the page, its link and its widgets
    kept = [w for w in state.widget_states.widgets if w.WhichOneof("value") not in _PRESSES]
    del state.widget_states.widgets[:]
    state.widget_states.widgets.extend(kept)
    state.fragment_id = ""  # the whole page: the message is drawn outside any fragment
    state.is_auto_rerun = False
    info.session.request_rerun(state)


_pickers: set[str] = set()  # sessions whose last run drew a file picker
_tops: dict[str, Any] = {}  # session -> its run's place for the message at the top of the page


def show_refusal() -> None:
    """Keep a place at the top of the page (called before the page) for the message of this
    session's last refused upload: it is drawn there at the end of the run
    (:func:`release_unused`) unless the page's file picker showed it (:func:`refusal_by_picker`)."""
    from streamlit import runtime

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # a bare call, outside a run
        return
    place = st.empty()
    with _lock:
        _tops[ctx.session_id] = place


def refusal_by_picker() -> None:
    """The message of this session's last refused upload, once, right under the file picker
    drawn just before (called by every picker: :func:`ui.uploader.localize_uploader`)."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        with _lock:
            _pickers.add(ctx.session_id)  # a refusal reruns the page at once (_show_now)
    message = _take_refusal()
    if message:
        st.warning(message, icon=":material/block:")


def _take_refusal() -> str | None:
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    with _lock:
        return _refused.pop(ctx.session_id, None)


def _show_left_refusal() -> None:
    """At the end of a run: a message no picker showed, at the top of the page (kept for the
    next run when this one is cut short by a rerun: what it drew is not shown)."""
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

    ctx = get_script_run_ctx()
    if ctx is None or isinstance(sys.exc_info()[1], RerunException):
        return
    with _lock:
        top = _tops.pop(ctx.session_id, None)
    message = _take_refusal() if top is not None else None
    if message:
        top.warning(message, icon=":material/block:")

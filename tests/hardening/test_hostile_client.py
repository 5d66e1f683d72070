"""Hostile clients (#18): Streamlit's websocket protocol spoken directly against a real server.

No browser: each client opens ``/_stcore/stream`` and sends the ``BackMsg`` protobufs a browser
would (a script run with widget values, Streamlit's clear-cache message), or what a browser never
sends (twenty sign-ins at the same instant, a foreign ``Origin``). The servers are started as
``scripts/run.sh`` starts them (``python -m ui.server.serve``), with ``outbound_guard/sitecustomize.py``
on their ``PYTHONPATH``: every connection to an address outside the machine, and every look-up of
another host's name, is recorded and refused, as on a closed network.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from geodata.users.sign_ins import SignInLimits, store_path
from render.i18n import translate
from tests.apptest.helpers import PASSWORD, write_users
from tests.asyncrun import run_async
from tests.conftest import ROOT, StreamlitServer, _free_port, healthy

#: How the quick start launches the dashboard (scripts/run.sh).
LAUNCH = [sys.executable, "-m", "ui.server.serve"]
#: A plain start, as Streamlit's own documentation has it: no ui.server.serve around the app.
PLAIN = [
    sys.executable,
    "-m",
    "streamlit",
    "run",
    str(ROOT / "app.py"),
    "--server.headless",
    "true",
]
GUARD = Path(__file__).parent / "outbound_guard"
USERS = {"admin": ("admin", None), "planner": ("planner", None), "manager": ("manager", None)}
#: Wrong passwords allowed per user name before it is locked (geodata.users.sign_ins).
ALLOWED = SignInLimits.__init__.__kwdefaults__["max_failures"]


class GuardedServer(StreamlitServer):
    """The dashboard on a free port, launched like the quick start, with outbound calls caught."""

    def __init__(
        self,
        folder: Path,
        users: str | None,
        address: str = "127.0.0.1",
        launch: Sequence[str] = LAUNCH,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.outbound = folder / "outbound.log"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(GUARD), os.environ.get("PYTHONPATH")])),
            "OUTBOUND_LOG": str(self.outbound),
            **(extra_env or {}),
        }
        env.pop("COVERAGE_ATLAS_WORKSPACE", None)  # the demo workspace
        env.pop("COVERAGE_ATLAS_USERS", None)
        if users:
            env["COVERAGE_ATLAS_USERS"] = users
        self._start(
            [*launch, "--server.port", str(self.port), "--server.address", address],
            env,
            "streamlit-",
        )
        self._wait(lambda: True if healthy(self.url) else None)

    def outbound_calls(self) -> str:
        """What the server tried to reach outside the machine (empty: nothing)."""
        return self.outbound.read_text(encoding="utf-8") if self.outbound.exists() else ""


@dataclass
class Page:
    """What one script run sent: its headings, alerts and the sign-in form's widget ids."""

    headings: list[str] = field(default_factory=list)
    alerts: list[tuple[int, str]] = field(default_factory=list)
    text_inputs: list[str] = field(default_factory=list)
    uploaders: list[str] = field(default_factory=list)
    submit: str | None = None

    def outcome(self) -> str:
        """``wrong`` (the password was checked), ``locked`` (it was not), ``signed in``."""
        if (Alert.ERROR, translate("auth.wrong", "en")) in self.alerts:
            return "wrong"
        if self.submit and any(kind == Alert.WARNING for kind, _ in self.alerts):
            return "locked"
        if not self.submit and translate("overview.title", "en") in self.headings:
            return "signed in"
        return f"unexpected: {self.headings} {self.alerts}"


class Client:
    """One browser tab, as far as the server can tell."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.session = ""  # Streamlit's session id, once the first run has begun

    @classmethod
    async def open(cls, server: StreamlitServer, origin: str | None = None) -> Client:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{server.port}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=origin or server.url,
            max_size=None,
            open_timeout=10,
        )
        return cls(ws)

    async def close(self) -> None:
        await self.ws.close()

    async def run(self, widgets: Sequence[WidgetState] = (), page_name: str = "") -> Page:
        """Run the script (with ``widgets`` set, on the page at ``page_name``: the Overview by
        default) and read everything until the run ends."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        msg.rerun_script.page_name = page_name
        msg.rerun_script.widget_states.widgets.extend(widgets)
        await self.ws.send(msg.SerializeToString())
        page, finished = Page(), False
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=120))
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session = fwd.new_session.initialize.session_id or self.session
            if kind == "script_finished":
                finished = fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
                if not finished:
                    page = Page()  # st.rerun(): what counts is the run that follows
            elif kind == "session_status_changed" and finished:
                if not fwd.session_status_changed.script_is_running:
                    # As a browser does: the next run is asked for once the session says it is
                    # idle (the finishing run resets button presses that arrive before that).
                    return page
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "heading":
                    page.headings.append(element.heading.body)
                elif which == "alert":
                    page.alerts.append((element.alert.format, element.alert.body))
                elif which == "text_input":
                    page.text_inputs.append(element.text_input.id)
                elif which == "file_uploader":
                    page.uploaders.append(element.file_uploader.id)
                elif which == "button" and element.button.is_form_submitter:
                    page.submit = element.button.id

    async def sign_in(self, page: Page, username: str, password: str) -> Page:
        """Fill in the sign-in form of ``page`` and submit it."""
        assert page.submit and len(page.text_inputs) == 2, page
        widgets = [
            WidgetState(id=page.text_inputs[0], string_value=username),
            WidgetState(id=page.text_inputs[1], string_value=password),
            WidgetState(id=page.submit, trigger_value=True),
        ]
        return await self.run(widgets)

    async def clear_caches(self) -> None:
        """Streamlit's clear-cache message (the "Clear cache" menu item sends it)."""
        msg = BackMsg()
        msg.clear_cache = True
        await self.ws.send(msg.SerializeToString())


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> str:
    return write_users(tmp_path_factory.mktemp("hostile") / "users.toml", USERS)


@pytest.fixture(scope="module")
def server(users_file: str) -> Iterator[GuardedServer]:
    running = GuardedServer(Path(users_file).parent, users_file)
    yield running
    running.stop()
    assert running.outbound_calls() == ""  # signing in (and failing) called nowhere either


def test_clearing_streamlit_caches_does_not_lift_a_lockout(server: GuardedServer) -> None:
    async def attack() -> list[str]:
        client = await Client.open(server)
        page = await client.run()
        seen = []
        for guess in range(ALLOWED):
            page = await client.sign_in(page, "admin", f"guess {guess}")
            seen.append(page.outcome())
        page = await client.sign_in(page, "admin", PASSWORD)
        seen.append(page.outcome())
        await client.clear_caches()  # any client may send it, signed in or not
        page = await client.run()
        page = await client.sign_in(page, "admin", "guess after clearing")
        seen.append(page.outcome())  # not even checked...
        page = await client.sign_in(page, "admin", PASSWORD)
        seen.append(page.outcome())  # ...and the right password waits too
        other = await Client.open(server)  # a new tab is held back as well
        seen.append((await other.sign_in(await other.run(), "Admin", PASSWORD)).outcome())
        await client.close()
        await other.close()
        return seen

    seen = run_async(attack())
    assert seen == ["wrong"] * ALLOWED + ["locked"] * 4, seen


def test_twenty_simultaneous_wrong_passwords_are_not_all_checked(
    server: GuardedServer, users_file: str
) -> None:
    async def attack() -> list[str]:
        clients = [await Client.open(server) for _ in range(20)]
        pages = await asyncio.gather(*(c.run() for c in clients))
        results = await asyncio.gather(
            *(
                c.sign_in(p, "planner", f"guess {i}")
                for i, (c, p) in enumerate(zip(clients, pages, strict=True))
            )
        )
        after = await clients[0].sign_in(await clients[0].run(), "planner", PASSWORD)
        await asyncio.gather(*(c.close() for c in clients))
        return [p.outcome() for p in [*results, after]]

    seen = run_async(attack())
    checked, locked = seen[:-1].count("wrong"), seen[:-1].count("locked")
    assert 1 <= checked <= ALLOWED and checked + locked == 20, seen
    assert seen[-1] == "locked", seen  # the right password right after waits for the lock
    assert SignInLimits(store_path(users_file)).counts()["user:planner"] == ALLOWED


def test_a_local_client_counts_as_itself_whatever_address_it_names(
    server: GuardedServer, users_file: str
) -> None:
    """A browser on the server's own machine (Streamlit names no address for it) is a client
    like any other for the per-client back-off: its failures count against 127.0.0.1, and an
    address it names in ``X-Forwarded-For`` is not believed (no trusted front before it)."""

    async def attack() -> str:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{server.port}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=server.url,  # type: ignore[arg-type]
            additional_headers={"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"},
            max_size=None,
            open_timeout=10,
        )
        client = Client(ws)
        page = await client.sign_in(await client.run(), "manager", "a wrong password")
        await client.close()
        return page.outcome()

    before = SignInLimits(store_path(users_file)).counts().get("client:127.0.0.1", 0)
    assert run_async(attack()) == "wrong"
    counts = SignInLimits(store_path(users_file)).counts()
    assert counts.get("client:127.0.0.1") == before + 1, counts
    assert not {k for k in counts if "203.0.113.9" in k}, counts


def test_foreign_origins_make_the_server_call_nowhere(tmp_path: Path) -> None:
    # Served to the network (as ADDRESS=0.0.0.0 does): the start-up banner would list addresses.
    server = GuardedServer(tmp_path, None, address="0.0.0.0")
    try:

        async def attack() -> list[int]:
            refused = []
            for origin in ("http://evil.example", "https://203.0.113.7:8443", "null"):
                with pytest.raises(websockets.InvalidStatus) as raised:
                    await Client.open(server, origin=origin)
                refused.append(raised.value.response.status_code)
            own = await Client.open(server)  # the server's own origin still gets the app
            page = await own.run()
            await own.close()
            assert translate("overview.title", "en") in page.headings, page
            return refused

        assert run_async(attack()) == [403, 403, 403]
        assert server.outbound_calls() == ""
    finally:
        server.stop()


def test_a_plain_streamlit_run_calls_nowhere_for_early_foreign_origins(tmp_path: Path) -> None:
    # `streamlit run app.py`, and foreign Origins before any page has run (no session yet).
    server = GuardedServer(tmp_path, None, launch=PLAIN)
    try:

        async def attack() -> tuple[list[int], float]:
            refused, slowest = [], 0.0
            for origin in ("http://evil.example", "https://203.0.113.7:8443", "null"):
                started = time.perf_counter()
                with pytest.raises(websockets.InvalidStatus) as raised:
                    await Client.open(server, origin=origin)
                slowest = max(slowest, time.perf_counter() - started)
                refused.append(raised.value.response.status_code)
            own = await Client.open(server)
            page = await own.run()
            await own.close()
            assert translate("overview.title", "en") in page.headings, page
            return refused, slowest

        refused, slowest = run_async(attack())
        assert refused == [403, 403, 403]
        assert server.outbound_calls() == ""
        assert slowest < 1.0, slowest  # no look-up to wait for
    finally:
        server.stop()


def test_the_quick_start_launches_the_server_that_calls_nowhere() -> None:
    run_sh = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert "exec .venv/bin/python -m ui.server.serve " in run_sh  # what these tests start (LAUNCH)

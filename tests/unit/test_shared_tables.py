"""App servers on two machines over one PostGIS workspace share its failed sign-ins, its signed-in
sessions and what its sessions hold in uploads (#18, #21): each machine's users file lies in its
own folder, and nothing of these is kept on either machine's disk."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psycopg
import pytest

from geodata.users import sessions, sign_ins
from geodata.users.sessions import SessionStore
from geodata.users.sign_ins import SignInLimits
from geodata.users.upload_ledger import UploadLedger, ledger_path

MB = 1024 * 1024


@pytest.fixture
def workspace(postgis_url: str) -> str:
    """A workspace schema of its own in the session's PostGIS server."""
    schema = f"d{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{postgis_url}?schema={schema}"


@pytest.fixture
def machines(tmp_path: Path) -> tuple[Path, Path]:
    """Each machine's users file, in a folder of its own."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "users.toml").write_text("")
    return tmp_path / "a" / "users.toml", tmp_path / "b" / "users.toml"


def _nothing_on_disk(machines: tuple[Path, Path]) -> bool:
    return not any(p.suffix == ".sqlite" for m in machines for p in m.parent.iterdir())


def test_failures_on_one_machine_lock_the_name_on_the_other(
    workspace: str, machines: tuple[Path, Path]
) -> None:
    a, b = (SignInLimits(sign_ins.store_path(m, workspace), max_failures=3) for m in machines)
    assert [a.begin("ana", "10.0.0.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.begin("ana", "10.0.0.2") > 0  # locked on b by a's failures
    assert b.counts() == {"user:ana": 3, "client:10.0.0.1": 3}
    b.clear("ana")  # an administrator unlocks the name on one machine: on both
    assert a.seconds_locked("ana") == 0.0
    assert _nothing_on_disk(machines)


def _try(where: str) -> float:
    return SignInLimits(where, max_failures=5).begin("relief", "10.0.0.7")


def test_simultaneous_attempts_on_several_servers_reserve_at_most_the_allowed_number(
    workspace: str,
) -> None:
    SignInLimits(workspace)  # the table exists before the servers race
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as servers:
        waits = list(servers.map(_try, [workspace] * 16))
    assert waits.count(0.0) == 5
    assert SignInLimits(workspace).counts() == {"user:relief": 5, "client:10.0.0.7": 5}


def test_a_session_started_on_one_machine_is_good_on_the_other_until_idle(
    workspace: str, machines: tuple[Path, Path]
) -> None:
    now = [time.time()]  # today's clock: a single-precision column would lose its seconds
    a, b = (
        SessionStore(sessions.store_path(m, workspace), idle_seconds=5, clock=lambda: now[0])
        for m in machines
    )
    token = a.start("ana")
    now[0] += 4
    signed = b.check(token)
    assert signed is not None and signed.username == "ana"
    now[0] += 4  # 4 s after b's use: still good
    assert a.check_id(signed.session, "ana")
    rotated = b.start("ana", previous=token)  # signing in again on b revokes a's token
    assert a.check(token) is None and a.check(rotated) is not None
    now[0] += 6
    assert b.check(rotated) is None  # idle
    assert a.count() == 0
    assert _nothing_on_disk(machines)


def test_uploads_on_two_machines_count_against_one_budget(
    workspace: str, machines: tuple[Path, Path]
) -> None:
    a, b = (UploadLedger(ledger_path(workspace, str(m))) for m in machines)
    b.host, b.process = "other-machine", "other-machine:1:0"  # b's process ids are not a's
    assert a.admit({}, "a1", "ana", 30 * MB, 40 * MB) == (True, 0)
    assert b.admit({}, "b1", "ana", 20 * MB, 40 * MB) == (False, 30 * MB)
    assert b.admit({}, "b1", "ana", 10 * MB, 40 * MB) == (True, 30 * MB)
    assert a.user_bytes("ana") == 40 * MB  # a keeps the other machine's rows
    a.record({})  # a's session let its file go
    assert b.user_bytes("ana") == 10 * MB
    assert _nothing_on_disk(machines)


def test_a_cookie_from_one_machines_front_signs_in_on_the_others(
    workspace: str, machines: tuple[Path, Path]
) -> None:
    """Two secured fronts (ui.server.front), one per machine, each with its own copy of the users
    file: the session cookie one sets is good on the other, and signing out on either ends it."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from geodata.users.accounts import User, hash_password, write_user
    from ui.server.front import (
        COOKIE,
        PREFIX,
        SIGN_IN,
        SIGN_OUT,
        Front,
        FrontServer,
        serve_in_background,
    )

    servers = []
    for users in machines:
        users.unlink()
        write_user(users, User("ana", "Ana", "planner", None, None, hash_password("a long one")))
        limits = SignInLimits(sign_ins.store_path(users, workspace))
        front = Front(
            str(users), limits, SessionStore(sessions.store_path(users, workspace)), False
        )
        servers.append(FrontServer(("127.0.0.1", 0), front))
        serve_in_background(servers[-1])
    a, b = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
            return None

    opener = urllib.request.build_opener(Stay)

    def status(url: str, cookie: str = "", form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form else None
        request = urllib.request.Request(url, data=data, headers={"Cookie": cookie})
        try:
            with opener.open(request, timeout=30) as answer:
                return answer.status, answer.headers.get("Set-Cookie", "")
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Set-Cookie", "")

    try:
        code, set_cookie = status(a + SIGN_IN, form={"username": "ana", "password": "a long one"})
        assert code == 303
        cookie = set_cookie.split(";")[0]
        assert cookie.startswith(f"{COOKIE}=")
        assert status(b + PREFIX + "check", cookie)[0] == 204
        status(b + SIGN_OUT, cookie)
        assert status(a + PREFIX + "check", cookie)[0] == 401
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert _nothing_on_disk(machines)


def test_a_connection_the_server_closed_is_opened_again(workspace: str) -> None:
    """A database restart or an idle time-out closes the kept connection: the next sign-in
    check connects again rather than failing."""
    limits = SignInLimits(workspace)
    limits.begin("ana", "10.0.0.1")
    kept = limits.table._backend._conn
    with psycopg.connect(workspace.split("?")[0], autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [kept.info.backend_pid])
    assert limits.counts() == {"user:ana": 1, "client:10.0.0.1": 1}
    assert limits.table._backend._conn is not kept

"""Three attacks on a deployment with a users file, before and after the secured front (#18).

python -m benchmarks.front_attacks [--upload-mb 180]

*Before*: the dashboard served directly (``python -m ui.server.serve`` with a users file). *After*: the
secured setup (``python -m ui.server.secure``: nginx, the sign-in service, the dashboard). For each:

- an upload by a client that never signed in: the server's memory (RSS of every process of the
  setup) before and after, and the status the upload got;
- ``/_stcore/metrics`` fetched by that client: status and bytes;
- a Streamlit session id replayed: an administrator signs in and leaves; another client presents
  the administrator's session id (the third websocket subprotocol entry), without credentials of
  its own (and, after, with a partner's session): who the dashboard says it is.

Needs Debian's nginx (``apt-get install nginx``). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import requests
import websockets
from streamlit.proto.WidgetStates_pb2 import WidgetState

from geodata.users.accounts import User, hash_password, write_user
from tests.hardening.page_run import read_run, rerun
from ui.server.front import COOKIE, SIGN_IN
from ui.server.secure import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
SIGNED_IN = re.compile(r"Signed in as [^\n]*")


def _start(command: list[str], port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).ok:
                time.sleep(1.0)
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"{command} did not start")


def _rss_mb(process: subprocess.Popen) -> float:
    root = psutil.Process(process.pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20


async def _run(
    port: int,
    cookie: str | None = None,
    replay: str | None = None,
    sign_in: bool = False,
    during: Callable[[str], object] | None = None,
) -> tuple[int | str, str, str]:
    """Open the websocket, run the first page (and sign in as admin on its form when asked;
    call ``during`` with the session id while the websocket is open): (status or the refusal,
    the Streamlit session id, who the page says is signed in)."""
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    try:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/_stcore/stream",
            subprotocols=["streamlit", "x", replay] if replay else ["streamlit"],  # type: ignore[list-item]
            origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
            additional_headers=headers,
            open_timeout=10,
            max_size=None,
        )
    except websockets.InvalidStatus as exc:
        return exc.response.status_code, "", ""
    session, widgets = "", list[str]()
    async with ws:
        for attempt in range(2 if sign_in else 1):
            states = []
            if attempt:
                inputs, submit = widgets[:2], widgets[-1]
                states = [
                    WidgetState(id=inputs[0], string_value="admin"),
                    WidgetState(id=inputs[1], string_value=PASSWORD),
                    WidgetState(id=submit, trigger_value=True),
                ]
            await ws.send(rerun(states))
            session, elements = await read_run(ws, session)
            texts = [e.markdown.body for e in elements if e.WhichOneof("type") == "markdown"]
            widgets = [
                e.text_input.id if e.WhichOneof("type") == "text_input" else e.button.id
                for e in elements
                if e.WhichOneof("type") == "text_input"
                or (e.WhichOneof("type") == "button" and e.button.is_form_submitter)
            ]
        if during is not None:
            await asyncio.to_thread(during, session)
    found = SIGNED_IN.search("\n".join(texts))
    return 101, session, found.group(0) if found else "nobody (sign-in form)"


def _upload(port: int, session: str, megabytes: int) -> int:
    """A stranger's upload of ``megabytes`` MB to ``session`` (with Streamlit's XSRF cookie)."""
    http = requests.Session()
    http.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=10)
    token = http.cookies.get("_streamlit_xsrf") or ""
    response = http.put(
        f"http://127.0.0.1:{port}/_stcore/upload_file/{session or 'none'}/attack",
        files={"file": ("big.csv", b"0," * (megabytes << 19), "text/csv")},
        headers={"X-Xsrftoken": token, "Origin": f"http://127.0.0.1:{port}"},
        timeout=300,
    )
    return response.status_code


def _sign_in_front(port: int, username: str) -> str:
    response = requests.post(
        f"http://127.0.0.1:{port}{SIGN_IN}",
        data={"username": username, "password": PASSWORD, "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    return response.cookies.get(COOKIE) or ""


def attack(label: str, process: subprocess.Popen, port: int, front: bool, mb: int) -> list[str]:
    rows = []
    if front:  # the administrator signs in through the front, opens the dashboard, leaves
        _, admin_session, admin = asyncio.run(_run(port, cookie=_sign_in_front(port, "admin")))
    else:  # on the dashboard's own form
        _, admin_session, admin = asyncio.run(_run(port, sign_in=True))
    measured: dict[str, float] = {}

    def upload(session: str) -> None:  # while the stranger's websocket (if any) is open
        measured["before"] = _rss_mb(process)
        started = time.monotonic()
        measured["status"] = _upload(port, session or admin_session, mb)
        measured["seconds"] = time.monotonic() - started
        measured["after"] = _rss_mb(process)

    stranger_status, _, _ = asyncio.run(_run(port, during=upload))
    if "status" not in measured:  # the websocket was refused: upload to the admin's session
        upload("")
    before, after = measured["before"], measured["after"]
    status, seconds = int(measured["status"]), measured["seconds"]
    rows.append(
        f"| {label} | stranger's upload of {mb} MB | websocket {stranger_status}, upload "
        f"{status} in {seconds:.1f} s; server memory {before:.0f} → {after:.0f} MB "
        f"(+{after - before:.0f} MB) |"
    )
    metrics = requests.get(f"http://127.0.0.1:{port}/_stcore/metrics", timeout=10)
    rows.append(
        f"| {label} | stranger fetches /_stcore/metrics | {metrics.status_code}, "
        f"{len(metrics.content)} bytes |"
    )
    replayed, _, who = asyncio.run(_run(port, replay=admin_session))
    seen = f"{who}" if replayed == 101 else f"refused ({replayed})"
    rows.append(f"| {label} | admin's session id ({admin}) replayed by a stranger | {seen} |")
    if front:
        partner = _sign_in_front(port, "relief")
        _, _, who = asyncio.run(_run(port, cookie=partner, replay=admin_session))
        rows.append(f"| {label} | … replayed by a signed-in partner | {who} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.front_attacks")
    parser.add_argument("--upload-mb", type=int, default=180)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="front-attacks-"))
    users = folder / "users.toml"
    digest = hash_password(PASSWORD)
    write_user(users, User("admin", "Admin", "admin", None, None, digest))
    write_user(users, User("relief", "Relief", "partner", "P1", None, digest))
    env = {**os.environ, "COVERAGE_ATLAS_USERS": str(users)}
    env.pop("COVERAGE_ATLAS_WORKSPACE", None)
    rows = ["| setup | attack | outcome |", "|---|---|---|"]
    port = free_port()
    plain = _start(
        [sys.executable, "-m", "ui.server.serve", "--server.port", str(port)]
        + ["--server.address", "127.0.0.1"],
        port,
        env,
    )
    try:
        rows += attack("before: ui.server.serve", plain, port, False, args.upload_mb)
    finally:
        plain.terminate()
        plain.wait(timeout=30)
    port = free_port()
    front = _start(
        [sys.executable, "-m", "ui.server.secure", "--users", str(users), "--port", str(port)],
        port,
        env,
    )
    try:
        rows += attack("after: ui.server.secure", front, port, True, args.upload_mb)
    finally:
        front.terminate()
        front.wait(timeout=30)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

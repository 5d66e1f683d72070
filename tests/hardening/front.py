"""The secured front (``python -m ui.server.secure``: nginx, the sign-in service, the dashboard) on
free ports, as ``scripts/serve-secure.sh`` starts it, for the hardening and browser tests."""

from __future__ import annotations

import http.client
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from tests.apptest.helpers import PASSWORD
from tests.conftest import LoggedProcess, _free_port, healthy, require
from ui.server.front import COOKIE, SIGN_IN
from ui.server.secure import NGINX

#: How scripts/serve-secure.sh starts the secured setup.
LAUNCH = [sys.executable, "-m", "ui.server.secure"]


class SecuredFront(LoggedProcess):
    """The secured setup for one users file, on a free loopback port."""

    what = "the secured front"

    def __init__(self, users: str, *, idle_minutes: float = 30.0) -> None:
        require(Path(NGINX).exists(), f"nginx not found at {NGINX} (apt-get install nginx)")
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.users = users
        self.run_dir = Path(tempfile.mkdtemp(prefix="front-test-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_ATLAS_SESS")}
        env.pop("COVERAGE_ATLAS_WORKSPACE", None)  # the demo workspace
        self._start(
            [*LAUNCH, "--users", users, "--port", str(self.port)]
            + ["--idle-minutes", str(idle_minutes), "--run-dir", str(self.run_dir)],
            env,
            "front-",
        )
        self._wait(self._ready)

    def _ready(self) -> bool | None:
        if "signed in through nginx" in self.output() and healthy(self.url):
            return True
        return None

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        source: str | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request (no redirect followed; from the loopback address ``source`` where given):
        status, headers (lower-case names; every cookie set under ``set-cookie``, one a line),
        body."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(source, 0) if source else None
        )
        sent = dict(headers or {})
        if token:
            sent["Cookie"] = f"{COOKIE}={token}"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answered = {k.lower(): v for k, v in response.getheaders()}
            # Every cookie set, one a line (nginx may add cookies of its own).
            answered["set-cookie"] = "\n".join(response.msg.get_all("Set-Cookie") or [])
            return response.status, answered, response.read()
        finally:
            connection.close()

    def sign_in(
        self,
        username: str,
        password: str = PASSWORD,
        next_url: str = "/",
        token: str | None = None,
        *,
        source: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str | None, str | None]:
        """Post the sign-in form (from ``source``, with ``headers`` of the client's own): status,
        the new session token, where it sends the browser."""
        form = urlencode({"username": username, "password": password, "next": next_url})
        status, headers, _ = self.request(
            "POST",
            SIGN_IN,
            token=token,
            body=form.encode(),
            headers={**(headers or {}), "Content-Type": "application/x-www-form-urlencoded"},
            source=source,
        )
        new = None
        for cookie in headers["set-cookie"].splitlines():
            if cookie.startswith(f"{COOKIE}="):
                new = cookie.split(";")[0].split("=", 1)[1] or None
        return status, new, headers.get("location")

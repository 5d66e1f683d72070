"""Start the dashboard: ``python -m ui.server.serve [streamlit options] [-- app options]``.

The same as ``streamlit run app.py [streamlit options] [-- app options]`` (``scripts/run.sh``
uses it), except that the server never opens a connection to anywhere: Streamlit asks a public
IP-lookup service (``checkip.amazonaws.com``) for the machine's address when it prints its URLs at
start-up and on every websocket that arrives with a foreign ``Origin`` (a lookup that, on a closed
network, stalls the server for about 2 s each time), and opens a socket towards 8.8.8.8 to learn its
LAN address. :func:`keep_server_offline` answers both "unknown" before the server starts. A
foreign ``Origin`` is still refused (only localhost, the server's own address and
``browser.serverAddress`` / ``server.corsAllowedOrigins`` are allowed).

Streamlit's server (uvicorn) believes the ``X-Forwarded-For`` header of a request from this
machine by default, so any local program could name any client address (and spread its failed
sign-ins over made-up addresses): :func:`trust_forwarded_addresses` lets it believe the header only
behind the secured front, whose nginx on this machine sets it (``FORWARDED_ALLOW_IPS``; an
operator's own setting is kept).

A plain ``streamlit run app.py`` calls nowhere either: ``app.py`` declares a Streamlit ASGI app
(``streamlit.starlette.App``), which Streamlit's command line finds and imports before it serves,
and the import calls :func:`keep_server_offline` first; ``.streamlit/config.toml`` sets
``browser.serverAddress``, so its start-up banner asks nothing either.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ui.server.front import FRONT_SETTING

APP = Path(__file__).resolve().parents[2] / "app.py"


def _unknown() -> None:
    return None


def keep_server_offline() -> None:
    """Make Streamlit's look-ups of the machine's internal and external address answer nothing
    without opening a socket (idempotent)."""
    from streamlit import net_util

    net_util.get_external_ip = _unknown
    net_util.get_internal_ip = _unknown


#: The hosts whose ``X-Forwarded-For`` Streamlit's server (uvicorn) believes.
FORWARDED_SETTING = "FORWARDED_ALLOW_IPS"


def trust_forwarded_addresses() -> None:
    """Behind the secured front, believe the client address nginx (on this machine) forwards;
    anywhere else no one's: a client is the address it connects from."""
    behind_front = os.environ.get(FRONT_SETTING, "") == "1"
    os.environ.setdefault(FORWARDED_SETTING, "127.0.0.1,::1" if behind_front else "")


def main(argv: list[str] | None = None) -> int:
    keep_server_offline()
    trust_forwarded_addresses()
    from streamlit.web import cli

    args = ["run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    sys.argv = ["streamlit", *args]
    return cli.main(args=args, prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())

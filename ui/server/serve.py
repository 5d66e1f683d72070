"""Start the dashboard: ``python -m ui.server.serve [streamlit options] [-- app options]``.

The same as ``streamlit run app.py [streamlit options] [-- app options]`` (``scripts/run.sh``
uses it), except that the server never opens a connection to anywhere: Streamlit asks a public
IP-lookup service (``checkip.amazonaws.com``) for the machine's address when it prints its URLs at
start-up and on every websocket that arrives with a foreign ``Origin`` (a lookup that, on a closed
network, stalls the server for about 2 s each time), and opens a socket towards 8.8.8.8 to learn its
LAN address. :func:`keep_server_offline` answers both "unknown" before the server starts. A
foreign ``Origin`` is still refused (only localhost, the server's own address and
``browser.serverAddress`` / ``server.corsAllowedOrigins`` are allowed).

``app.py`` calls :func:`keep_server_offline` too, so a plain ``streamlit run app.py`` stops calling
out once its first page has run; ``.streamlit/config.toml`` sets ``browser.serverAddress``, so its
start-up banner asks nothing either.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def _unknown() -> None:
    return None


def keep_server_offline() -> None:
    """Make Streamlit's look-ups of the machine's internal and external address answer nothing
    without opening a socket (idempotent)."""
    from streamlit import net_util

    net_util.get_external_ip = _unknown
    net_util.get_internal_ip = _unknown


def main(argv: list[str] | None = None) -> int:
    keep_server_offline()
    from streamlit.web import cli

    args = ["run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    sys.argv = ["streamlit", *args]
    return cli.main(args=args, prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())

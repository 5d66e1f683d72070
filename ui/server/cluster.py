"""Several dashboard processes over one shared workspace, behind nginx, in one command:
``python -m ui.server.cluster --workspace postgresql://… [--processes N] [--users USERS.toml]``
(``scripts/serve-cluster.sh`` installs what it needs and runs it).

One Streamlit process runs Python on one core; this starts ``--processes`` of them (by default
one per core), all over the same PostGIS workspace, and Debian's nginx in front with sticky
sessions: a browser's page, websocket and uploads always reach the same process (a random
``ca_route`` cookie, consistently hashed; see :func:`ui.server.secure.nginx_config`, the one
configuration both commands write). With ``--users`` every request is signed in first, exactly as
``python -m ui.server.secure`` does; without it the dashboard's own sign-in decides.

A version saved through one process shows in the others' open pages within seconds: each process
asks the database for the newest version number with one small query at most once a second
(:func:`geodata.store.workspace.current_version`), and an open page follows a newer one
(:func:`ui.context.follow_new_versions`); every cache is keyed on workspace and version.
"""

from __future__ import annotations

import os
import sys

from geodata.store.workspace import is_postgis
from ui.server.secure import check, parser, serve


def main(argv: list[str] | None = None) -> int:
    cores = os.cpu_count() or 1
    options = parser("python -m ui.server.cluster", __doc__, processes=cores)
    args = options.parse_args(argv)
    if not args.workspace or not is_postgis(args.workspace):
        options.error(
            "several processes share one PostGIS workspace: --workspace postgresql://user@host/db"
        )
    return serve(check(options, args))


if __name__ == "__main__":
    sys.exit(main())

"""The secured setup in one command: ``python -m ui.server.secure --users USERS.toml [options]``
(``scripts/serve-secure.sh`` installs what it needs and runs it).

Three processes, one address: Debian's nginx listens where the agency's network reaches it and
stands in front of everything; the dashboard (``python -m ui.server.serve``) and the sign-in service
(:mod:`ui.server.front`) listen on this machine only. nginx asks the sign-in service about every request
(``auth_request``): without a good session a browser gets the sign-in page, an upload, the
websocket, media or static files get 401, and Streamlit's metrics are never served. nginx sets
the signed-in user's name and session id in headers of its own (a client's copies are dropped),
and the dashboard, started with ``COVERAGE_ATLAS_FRONT=1`` on loopback, trusts them and nothing
else. nginx also caps request bodies, limits sign-in attempts per client address and adds the
security headers (a Content-Security-Policy that allows this server only). ``--processes N``
starts N dashboard processes over one PostGIS workspace behind the same nginx, with sticky
sessions (:func:`nginx_config`; ``python -m ui.server.cluster`` does the same with or without
sign-in).
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from geodata.sources.workspaces import demo_workspace_path
from geodata.store.workspace import workspace_location
from geodata.users.accounts import read_users
from geodata.users.sessions import SessionStore
from geodata.users.sessions import store_path as sessions_path
from geodata.users.sign_ins import SignInLimits
from geodata.users.sign_ins import store_path as sign_ins_path
from render.offline import TILE_URL_SETTING
from ui.server.front import (
    FRONT_SETTING,
    IDLE_SETTING,
    MAX_SETTING,
    PREFIX,
    SESSION_HEADER,
    USER_HEADER,
    Front,
    FrontServer,
)
from ui.server.front import serve_in_background as serve_front

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"

#: What Streamlit's page needs: its own scripts (it evaluates code for charts and runs the
#: components' inline scripts), inline styles, data/blob images, its websocket on this server and
#: component frames of the same origin (st_folium). A configured basemap's tile server is added.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; font-src 'self' data:; "
    "connect-src 'self'; frame-src 'self' blob: data:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)

#: Paths a browser fetches, not navigates to: without a session they get a plain 401.
ASSET_PATHS = r"^/(_stcore|static|media|component|app)/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def csp(tile_url: str | None = None) -> str:
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
        tiles = f" {parts.scheme}://{host}"
    return CSP.format(tiles=tiles)


#: The cookie that keeps a browser on one dashboard process (see :func:`nginx_config`).
ROUTE_COOKIE = "ca_route"


def nginx_config(
    run_dir: Path,
    *,
    address: str,
    port: int,
    app_ports: list[int],
    front_port: int | None,
    max_upload_mb: int,
    tls: tuple[str, str] | None = None,
    tile_url: str | None = None,
    user: str | None = None,
) -> str:
    """The nginx configuration of the front (one server, everything under ``run_dir``).

    ``app_ports`` are the dashboard processes (one or more, all over one workspace). A browser
    stays on one of them (sticky sessions): Streamlit keeps a session's state, its uploads and
    media in the process that runs it, so the page, its websocket and its uploads must reach the
    same one. nginx gives each browser a random ``ca_route`` cookie on its first answer and picks
    the process by a consistent hash of it. Not ``ip_hash``: the offices of an agency often reach
    the server through one address, which would put them all on one process; a cookie spreads
    them, and when a process is gone the consistent hash moves only that process's browsers.
    With ``front_port`` (the sign-in service) every request is signed in first (``auth_request``);
    without it the dashboard is served as it is, its own sign-in deciding (``python -m
    ui.server.cluster`` without ``--users``).
    """
    ssl = " ssl" if tls else ""
    tls_lines = ""
    if tls:
        tls_lines = (
            f"    ssl_certificate {tls[0]};\n    ssl_certificate_key {tls[1]};\n"
            "    ssl_protocols TLSv1.2 TLSv1.3;\n"
            '    add_header Strict-Transport-Security "max-age=31536000" always;\n'
        )
    user_line = f"user {user};\n" if user else ""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in app_ports)
    sign_in = _sign_in_locations(front_port) if front_port is not None else ""
    host = f"[{address}]" if ":" in address else address
    signed_in = ""
    if front_port is not None:
        signed_in = f"""
        auth_request {PREFIX}auth;
        auth_request_set $ca_user $upstream_http_{USER_HEADER.lower().replace("-", "_")};
        auth_request_set $ca_session $upstream_http_{SESSION_HEADER.lower().replace("-", "_")};"""
    to_app = f"""{signed_in}
        proxy_pass http://coverage_atlas;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        # Set here (empty without the sign-in service), so a client's own copies of these
        # headers never reach the dashboard.
        proxy_set_header {USER_HEADER} {"$ca_user" if front_port is not None else '""'};
        proxy_set_header {SESSION_HEADER} {"$ca_session" if front_port is not None else '""'};
        proxy_read_timeout 1d;
        proxy_request_buffering off;"""
    uploads = ""
    if front_port is not None:  # files only from the roles that have an uploader
        uploads = f"""        location ^~ /_stcore/upload_file/ {{{
            to_app.replace(f"auth_request {PREFIX}auth;", f"auth_request {PREFIX}auth-upload;")
        }
        }}
"""
    return f"""# Written by python -m ui.server.secure; rewritten at every start.
{user_line}worker_processes 1;
daemon off;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    # Which process served each request (upstream) and the browser's route cookie.
    log_format routed '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                      'upstream=$upstream_addr route=$ca_route';
    access_log {run_dir}/access.log routed;
    client_body_temp_path {run_dir}/body;
    proxy_temp_path {run_dir}/proxy;
    fastcgi_temp_path {run_dir}/fastcgi;
    uwsgi_temp_path {run_dir}/uwsgi;
    scgi_temp_path {run_dir}/scgi;
    server_tokens off;
    client_max_body_size {max_upload_mb}m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    # Sticky sessions: a browser without the route cookie gets a random one (set below).
    map $cookie_{ROUTE_COOKIE} $ca_route {{ "" $request_id; default $cookie_{ROUTE_COOKIE}; }}
    map $cookie_{ROUTE_COOKIE} $ca_route_cookie {{
        "" "{ROUTE_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Strict{"; Secure" if tls else ""}";
        default "";
    }}
    upstream coverage_atlas {{
        hash $ca_route consistent;
{servers}
    }}
    # Sign-in attempts (POST) per client address; other requests are not counted.
    map $request_method $sign_in_client {{ POST $binary_remote_addr; default ""; }}
    limit_req_zone $sign_in_client zone=sign_in:1m rate=20r/m;
    limit_req_status 429;
    server {{
        listen {host}:{port}{ssl};
{tls_lines}        add_header Content-Security-Policy "{csp(tile_url)}" always;
        add_header X-Frame-Options SAMEORIGIN always;
        add_header X-Content-Type-Options nosniff always;
        add_header Referrer-Policy same-origin always;
        add_header Set-Cookie $ca_route_cookie;
{sign_in}{uploads}        location = /_stcore/metrics {{ return 403; }}
        location = /_stcore/health {{ proxy_pass http://coverage_atlas; }}
        location ~ {ASSET_PATHS} {{{to_app}
        }}
        location / {{
            {"error_page 401 = @sign_in;" if front_port is not None else ""}{to_app}
        }}
    }}
}}
"""


def _sign_in_locations(front_port: int) -> str:
    """The sign-in service's locations of the nginx configuration."""
    return f"""        location = {PREFIX}auth {{
            internal;
            proxy_pass http://127.0.0.1:{front_port}{PREFIX}check;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
        }}
        location = {PREFIX}auth-upload {{
            internal;
            proxy_pass http://127.0.0.1:{front_port}{PREFIX}check-upload;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
        }}
        location ^~ {PREFIX} {{
            limit_req zone=sign_in burst=20 nodelay;
            client_max_body_size 16k;
            proxy_pass http://127.0.0.1:{front_port};
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Original-URI "";
        }}
        location @sign_in {{
            rewrite ^ {PREFIX}page break;
            proxy_pass http://127.0.0.1:{front_port};
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
"""


def _wait_until(url: str, process: subprocess.Popen, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"error: {what} exited (code {process.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"error: {what} did not answer {url} within {timeout:.0f} s.")


def parser(prog: str, description: str | None, processes: int) -> argparse.ArgumentParser:
    """The options of ``python -m ui.server.secure`` and ``python -m ui.server.cluster``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--users", default=os.environ.get("COVERAGE_ATLAS_USERS"))
    parser.add_argument(
        "--processes",
        type=int,
        default=processes,
        help=f"dashboard processes over the one workspace (default: {processes})",
    )
    parser.add_argument("--workspace", help="a workspace (.gpkg or postgresql:// URL)")
    parser.add_argument("--address", default="127.0.0.1", help="where nginx listens")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--tls-cert", help="certificate (PEM): serve https, Secure cookie")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--idle-minutes", type=float, default=30.0)
    parser.add_argument("--max-hours", type=float, default=12.0)
    parser.add_argument("--max-upload-mb", type=int, default=200)
    parser.add_argument(
        "--app-port", type=int, default=0, help="the first process's port (default: free ports)"
    )
    parser.add_argument("--front-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--nginx", default=NGINX)
    parser.add_argument("--run-dir", help="nginx's configuration, logs and temp files")
    return parser


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """Refuse options that cannot work together, before anything starts."""
    if args.processes < 1:
        parser.error("--processes must be 1 or more")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if not Path(args.nginx).exists():
        parser.error(f"nginx not found at {args.nginx} (apt-get install nginx)")
    return args


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    options = parser("python -m ui.server.secure", __doc__, processes=1)
    args = options.parse_args(argv)
    if not args.users:
        options.error("the secured setup needs a users file: --users USERS.toml")
    return check(options, args)


def main(argv: list[str] | None = None) -> int:
    return serve(_arguments(argv))


def serve(args: argparse.Namespace) -> int:
    """Start nginx in front of ``args.processes`` dashboard processes (behind the sign-in service
    when ``args.users`` names a users file) and run until SIGTERM/SIGINT or until one exits."""
    if not args.users:
        return _serve(args, None)
    users_file = str(Path(args.users).resolve())
    read_users(users_file)  # a broken users file stops here, with its message
    return _serve(args, users_file)


def _serve(args: argparse.Namespace, users_file: str | None) -> int:
    run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix="coverage-atlas-front-")).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o711)  # nginx's workers reach their temp folders inside
    app_ports = [args.app_port + i if args.app_port else free_port() for i in range(args.processes)]
    # One cookie secret for all processes: Streamlit's upload (XSRF) cookie is good on each.
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    front_port = service = None
    workspace = workspace_location(args.workspace) if args.workspace else None
    if users_file is not None:
        front_port = args.front_port or free_port()
        # In a PostGIS workspace, shared with the fronts and processes of other machines.
        sessions_file = sessions_path(users_file, workspace)
        env |= {
            "COVERAGE_ATLAS_USERS": users_file,
            "COVERAGE_ATLAS_SESSIONS": str(sessions_file),
            IDLE_SETTING: str(args.idle_minutes * 60),
            MAX_SETTING: str(args.max_hours * 3600),
            FRONT_SETTING: "1",
        }
        sessions = SessionStore(
            sessions_file, idle_seconds=args.idle_minutes * 60, max_seconds=args.max_hours * 3600
        )
        front = Front(
            users_file,
            SignInLimits(sign_ins_path(users_file, workspace)),
            sessions,
            bool(args.tls_cert),
            workspace=workspace
            or str(demo_workspace_path()),  # the dashboard's, for the audit trail
        )
        service = FrontServer(("127.0.0.1", front_port), front)
        serve_front(service)
    else:
        env.pop(FRONT_SETTING, None)  # no sign-in service: no identity header is trusted
    app_args = ["--workspace", args.workspace] if args.workspace else []
    apps = [
        subprocess.Popen(
            [sys.executable, "-m", "ui.server.serve", "--server.port", str(app_port)]
            + ["--server.address", "127.0.0.1", "--server.headless", "true"]
            + ["--server.maxUploadSize", str(args.max_upload_mb), "--", *app_args],
            cwd=ROOT,
            env=env,
        )
        for app_port in app_ports
    ]
    user = None
    if os.geteuid() == 0:  # nginx's workers give up root; their temp folders must be theirs
        nobody = pwd.getpwnam("nobody")
        user = f"nobody {grp.getgrgid(nobody.pw_gid).gr_name}"
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (run_dir / name).mkdir(exist_ok=True)
            os.chown(run_dir / name, nobody.pw_uid, nobody.pw_gid)
    config = run_dir / "nginx.conf"
    config.write_text(
        nginx_config(
            run_dir,
            address=args.address,
            port=args.port,
            app_ports=app_ports,
            front_port=front_port,
            max_upload_mb=args.max_upload_mb,
            tls=(args.tls_cert, args.tls_key) if args.tls_cert else None,
            tile_url=os.environ.get(TILE_URL_SETTING) or None,
            user=user,
        ),
        encoding="utf-8",
    )
    nginx = subprocess.Popen([args.nginx, "-p", str(run_dir), "-c", str(config)])
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for app_port, app in zip(app_ports, apps, strict=True):
            _wait_until(f"http://127.0.0.1:{app_port}/_stcore/health", app, "the dashboard")
        if nginx.poll() is not None:
            raise SystemExit(f"error: nginx exited (code {nginx.returncode}; see above).")
        scheme = "https" if args.tls_cert else "http"
        how = "signed in through nginx" if users_file else "through nginx"
        print(f"Coverage Atlas ({how}): {scheme}://{args.address}:{args.port}/")
        print(f"dashboard processes: {len(apps)} (ports {', '.join(map(str, app_ports))})")
        print(f"nginx configuration and logs: {run_dir}", flush=True)
        while not stopping and nginx.poll() is None and all(a.poll() is None for a in apps):
            time.sleep(0.2)
    finally:
        processes = [(nginx, signal.SIGQUIT)] + [(app, signal.SIGTERM) for app in apps]
        for process, sig in processes:
            if process.poll() is None:
                process.send_signal(sig)
        for process, _ in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if service is not None:
            service.shutdown()
        if not args.run_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# The secured setup in one command: Debian's nginx in front of the dashboard, every request signed
# in through the project's sign-in service (python -m ui.server.secure; README, Deploying).
#   bash scripts/serve-secure.sh --users users.toml --workspace WS.gpkg [--address 0.0.0.0]
#        [--port 8080] [--tls-cert CERT.pem --tls-key KEY.pem] [--idle-minutes 30] [--max-hours 12]
source "$(dirname "$0")/_venv.sh"
# nginx in front; pango for the briefing PDFs (WeasyPrint).
apt_install nginx libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
ensure_venv requirements.txt
exec .venv/bin/python -m ui.server.secure "$@"

#!/usr/bin/env bash
# Several dashboard processes over one PostGIS workspace behind nginx with sticky sessions, in one
# command (python -m ui.server.cluster; README, "More users: several processes").
#   bash scripts/serve-cluster.sh --workspace postgresql://user@host/db [--processes N]
#        [--users users.toml] [--address 0.0.0.0] [--port 8080] [--tls-cert C.pem --tls-key K.pem]
source "$(dirname "$0")/_venv.sh"
# nginx in front; pango for the briefing PDFs (WeasyPrint).
apt_install nginx libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
ensure_venv requirements.txt
exec .venv/bin/python -m ui.server.cluster "$@"

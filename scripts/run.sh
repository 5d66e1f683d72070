#!/usr/bin/env bash
# Install what the dashboard needs into .venv and open it (demo workspace unless --workspace is given).
#   bash scripts/run.sh                          # the embedded synthetic demo region
#   bash scripts/run.sh --workspace WS.gpkg      # a workspace built with python -m geodata build
source "$(dirname "$0")/_venv.sh"
# pango (WeasyPrint lays out the briefing PDFs with it); fonts come with the Python packages.
apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
ensure_venv requirements.txt
# ui.server.serve is `streamlit run app.py` with no connection out of the machine (not even an IP lookup).
# Only this machine can open it unless ADDRESS says otherwise (ADDRESS=0.0.0.0: every interface;
# without a users file the network then gets a read-only dashboard, see the README).
exec .venv/bin/python -m ui.server.serve --server.port "${PORT:-8501}" --server.address "${ADDRESS:-127.0.0.1}" -- "$@"

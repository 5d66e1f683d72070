#!/usr/bin/env bash
# Install what the dashboard needs into .venv and open it (demo workspace unless --workspace is given).
#   bash scripts/run.sh                          # the embedded synthetic demo region
#   bash scripts/run.sh --workspace WS.gpkg      # a workspace built with python -m geodata build
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements.txt
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" -- "$@"

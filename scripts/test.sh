#!/usr/bin/env bash
# Install what the tests need (Debian's Chromium for the browser tests, nginx for the secured front,
# PostgreSQL + PostGIS for the workspace tests, poppler-utils, .venv) and run the whole suite: unit,
# AppTest, browser and real-data tests. Extra arguments go to pytest.
source "$(dirname "$0")/_venv.sh"
# PostgreSQL + PostGIS: the workspace tests also run on a private PostGIS server they start.
apt_install chromium fonts-dejavu-core postgresql postgresql-postgis nginx
# pango for the briefing PDFs (WeasyPrint); poppler-utils reads them back (pdftotext, pdftoppm).
apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
# GRASS GIS: the travel-time raster engine is checked against r.cost (tests/realdata).
apt_install grass-core
ensure_venv requirements-test.txt
set +e
# Two workers, one test file each at a time, the longest files first, in the order of
# tests/conftest.py (LONG_FILES; PYTEST_WORKERS=0 runs everything in this process).
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile --no-loadscope-reorder --durations=25 "$@"
status=$?
set -e
if [ "$status" = 5 ]; then echo "error: no tests were collected" >&2; exit 1; fi
exit "$status"

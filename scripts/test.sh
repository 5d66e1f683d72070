#!/usr/bin/env bash
# Install what the tests need (Debian's Chromium for the browser tests, poppler-utils, .venv) and run
# the whole suite: unit, AppTest, browser and real-data tests. Extra arguments go to pytest.
source "$(dirname "$0")/_venv.sh"
apt_install chromium fonts-dejavu-core
ensure_venv requirements-test.txt
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" = 5 ]; then echo "error: no tests were collected" >&2; exit 1; fi
exit "$status"

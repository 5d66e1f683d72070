"""Deployment configuration: XSRF protection on, error details hidden from users (the tests turn
them on for themselves only), uploads limited, and no known vulnerability in the installed
packages (pip-audit; each accepted one listed in pip-audit-ignore.txt with its reason)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import urllib.request

import pytest

from geodata.uploads.limits import DEFAULT_MAX_BYTES, MB, UploadLimits, limits_from_env
from tests.conftest import ROOT, require

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_xsrf_protection_is_on() -> None:
    assert CONFIG["server"]["enableXsrfProtection"] is True


def test_error_details_are_hidden_from_users() -> None:
    assert CONFIG["client"]["showErrorDetails"] == "none"
    # Only the tests turn details on, for themselves (tests/conftest.py); nothing the app or its
    # run script does changes the deployed value.
    for path in [ROOT / "app.py", *(ROOT / "scripts").glob("*.sh"), *(ROOT / "ui").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "SHOW_ERROR_DETAILS" not in text and "showErrorDetails" not in text, path


def test_the_server_accepts_no_upload_larger_than_any_type_allows() -> None:
    assert CONFIG["server"]["maxUploadSize"] * MB >= max(DEFAULT_MAX_BYTES.values())
    assert CONFIG["server"]["maxUploadSize"] * MB <= 2 * max(DEFAULT_MAX_BYTES.values())


def test_upload_limits_can_be_set_by_environment() -> None:
    limits = limits_from_env(
        {
            "COVERAGE_ATLAS_UPLOAD_MAX_MB": "xlsx=5, .kml=1",
            "COVERAGE_ATLAS_UPLOAD_TIMEOUT_S": "30",
            "COVERAGE_ATLAS_UPLOAD_MEMORY_MB": "512",
            "COVERAGE_ATLAS_UPLOAD_ISOLATION": "off",
        }
    )
    assert limits.max_bytes[".xlsx"] == 5 * MB and limits.max_bytes[".kml"] == 1 * MB
    assert limits.max_bytes[".gpkg"] == DEFAULT_MAX_BYTES[".gpkg"]
    assert (limits.timeout_s, limits.memory_mb, limits.isolated) == (30.0, 512, False)
    assert limits_from_env({}) == UploadLimits()


def accepted_vulnerabilities() -> dict[str, str]:
    accepted = {}
    for line in (ROOT / "pip-audit-ignore.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        vuln, _, reason = line.partition("#")
        assert reason.strip(), f"pip-audit-ignore.txt: no reason given for {vuln.strip()}"
        accepted[vuln.strip()] = reason.strip()
    return accepted


def _pypi_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip-audit/", timeout=5):
            return True
    except OSError:
        return False


def test_no_known_vulnerability_in_the_installed_packages() -> None:
    pytest.importorskip("pip_audit")
    require(_pypi_reachable(), "PyPI's vulnerability service cannot be reached")
    # Not --strict: a package PyPI does not list (a local build) is reported and skipped.
    command = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off"]
    for vuln in accepted_vulnerabilities():
        command += ["--ignore-vuln", vuln]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=240, env={**os.environ, "NO_COLOR": "1"}
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-3000:]
    assert re.search(r"No known vulnerabilities found", report), report[-3000:]

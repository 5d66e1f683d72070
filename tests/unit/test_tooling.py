"""The static checks of the README's test command: ruff's lint rules and format, and mypy.

Each runs as its own process from the repository root with the configuration in pyproject.toml
(``[tool.ruff]``, ``[tool.mypy]``), so a failure here reads as the tool itself reports it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_ruff_check_passes() -> None:
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, _report(result)


def test_ruff_format_check_passes() -> None:
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, _report(result)


def test_mypy_passes(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> None:
    # mypy's incremental cache: in pytest's cache folder when there is one (a warm run takes
    # seconds, a cold one about a minute), else a fresh folder; never in the working tree.
    cache = getattr(pytestconfig, "cache", None)
    folder = cache.mkdir("mypy") if cache is not None else tmp_path_factory.mktemp("mypy")
    result = _run("mypy", "--cache-dir", str(folder), "--no-error-summary", timeout=600)
    assert result.returncode == 0, _report(result)


def test_the_long_files_run_first_in_the_order_given() -> None:
    """Every file ``LONG_FILES`` names exists (a renamed file would fall back to its usual
    place, perhaps at the end), and the README's test command keeps their order."""
    from tests.conftest import LONG_FILES

    assert [name for name in LONG_FILES if not (ROOT / name).is_file()] == []
    assert len(set(LONG_FILES)) == len(LONG_FILES)
    command = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "--dist loadfile --no-loadscope-reorder" in command

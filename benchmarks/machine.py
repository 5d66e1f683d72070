"""What the machine a measurement ran on is: processor model and installed memory, read from
``/proc`` where there is one. Shared by ``python -m benchmarks`` and ``python -m reliability``, so
both reports describe the machine the same way."""

from __future__ import annotations

import platform
from pathlib import Path

__all__ = ["cpu_model", "memory_total"]


def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo``), else what :mod:`platform` knows."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return cpu


def memory_total() -> str:
    """Installed memory as ``"N GiB"`` (``/proc/meminfo``), or ``""`` where it cannot be read."""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return ""
    return f"{kb / 1024 / 1024:.0f} GiB"

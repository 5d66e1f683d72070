"""Reading an uploaded travel input (a road extract, a raster, a speed table; #18, #19) in the
upload sandbox (:mod:`geodata.uploads.sandbox`): libosmium and GDAL read the file in a forked
child under their own memory and time limits (``travel_memory_mb``, ``travel_timeout_s`` of
:class:`~geodata.uploads.limits.UploadLimits`: a national road extract takes about 3.5 GB and
40 s), and hand back only the JSON summary of
:func:`geodata.uploads.travel_files.describe_travel_file`. A crash, a hang or memory exhausted
becomes a :class:`DataError` naming the file, with a ``travel_<code>`` the Data page translates;
the app's process never opens the file with GDAL or libosmium.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from geodata.tables.problems import DataError
from geodata.uploads.limits import UploadLimits, limits_from_env
from geodata.uploads.sandbox import Stopped, run_job
from geodata.uploads.travel_files import describe_travel_file, travel_error

#: Codes of the sandbox's own refusals, told as ``travel_<code>``.
_STOPS = frozenset({"memory", "crashed", "timeout", "busy", "unreadable"})


def travel_limits(limits: UploadLimits) -> UploadLimits:
    """``limits`` with a travel input's memory and time in place of an upload's."""
    return limits.with_(memory_mb=limits.travel_memory_mb, timeout_s=limits.travel_timeout_s)


def read_travel_file_isolated(
    role: str, path: str | Path, *, limits: UploadLimits | None = None
) -> dict:
    """:func:`~geodata.uploads.travel_files.describe_travel_file` in a separate, limited process.

    Raises
    ------
    DataError
        The file's problem (``travel_<code>``, ``params["file"]`` its name), or why the child
        stopped: ``travel_memory``, ``travel_crashed`` (with the memory limit), ``travel_timeout``
        (with the seconds), ``travel_busy``, ``travel_unreadable``.
    """
    path = Path(path)
    limits = limits or limits_from_env()
    if not limits.isolated:
        return describe_travel_file(role, path)
    shown = path.name
    limited = travel_limits(limits)
    out = Path(tempfile.mkdtemp(prefix="ca-read-"))
    try:
        job = {
            "kind": "travel",
            "role": role,
            "path": str(path.resolve()),
            "name": shown,
            "out": str(out),
            "limits": limited.as_job(),
        }
        try:
            return dict(run_job(job, out, shown, limited, limited.timeout_s)["summary"])
        except Stopped as stopped:
            raise _told(stopped.error, limited) from None
        except DataError as error:
            raise _told(error, limited) from None
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _told(error: DataError, limits: UploadLimits) -> DataError:
    """A sandbox refusal (``memory``, ``crashed``, ``timeout`` …) as a travel input's, naming the
    limit that stopped the file and its setting (MB, seconds as numbers); a travel code passes
    unchanged."""
    code = error.code or ""
    if code not in _STOPS:
        return error
    shown = str(error.params.get("file", ""))
    reason = str(error.params.get("reason", ""))
    memory, seconds = limits.memory_mb, limits.timeout_s
    seconds = int(seconds) if seconds == int(seconds) else seconds  # 300 s, not 300.00 s
    if code == "memory":
        return travel_error(
            code,
            f"{shown}: reading it needs more than the {memory} MB of memory a travel input may "
            "use (COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB).",
            file=shown,
            limit=memory,
        )
    if code == "crashed":
        return travel_error(
            code,
            f"{shown}: the reader stopped on this file ({reason}): it is damaged, or needs more "
            f"than the {memory} MB of memory a travel input may use "
            "(COVERAGE_ATLAS_UPLOAD_TRAVEL_MEMORY_MB).",
            file=shown,
            reason=reason,
            limit=memory,
        )
    if code == "timeout":
        return travel_error(
            code,
            f"{shown}: reading it took longer than {seconds:g} s and was stopped "
            "(COVERAGE_ATLAS_UPLOAD_TRAVEL_TIMEOUT_S).",
            file=shown,
            seconds=seconds,
        )
    params = {"file": shown, **({"reason": reason} if code == "unreadable" else {})}
    return travel_error(code, error.message, **params)


__all__ = ["read_travel_file_isolated", "travel_limits"]

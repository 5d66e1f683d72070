"""numba's on-disk cache for the compiled kernels of the libraries the analytics call.

mapclassify and esda compile their kernels with numba but without its cache, so every process
compiled them again: mapclassify its Fisher-Jenks kernel while being imported (about 2 s of CPU
at every start of a dashboard process, a command or a test worker), esda its conditional
permutations at the first cluster map of a process (about 15 s). With numba's cache, a process
loads what an earlier one compiled, as :mod:`analytics.traveltime.search` does for its own
kernels.

- :func:`import_with_cache` imports a module whose kernels are compiled while it is imported
  (numba signatures given in the decorator), with the cache on for them;
- :func:`cache_kernels` turns the cache on for kernels compiled at their first call.

The cache lives beside the library's module, or in the user's cache folder where that is
read-only (numba's own choice); where no folder can hold it, the kernels are compiled as before.
A kernel that takes another compiled function as an argument (esda's ``compute_chunk``) is left
out: numba cannot find it again in another process and would add an entry at every start.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from types import ModuleType

import numba
from numba.core.dispatcher import Dispatcher

__all__ = ["cache_kernels", "import_with_cache"]


def import_with_cache(name: str) -> ModuleType:
    """Import module ``name`` with numba's ``njit`` caching the kernels it compiles meanwhile.

    A module imported before is returned as it is. Where numba finds no folder for the cache,
    the module is imported again as it would be without this function.
    """
    if name in sys.modules:
        return sys.modules[name]
    plain = numba.njit

    def njit_cached(*args, **options):
        options.setdefault("cache", True)
        return plain(*args, **options)

    numba.njit = njit_cached
    try:
        return importlib.import_module(name)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[loaded]
    finally:
        numba.njit = plain
    return importlib.import_module(name)


def cache_kernels(kernels: Iterable[object]) -> int:
    """Turn numba's cache on for each of ``kernels`` (numba dispatchers not yet compiled; anything
    else is skipped). Returns how many use the cache."""
    cached = 0
    for kernel in kernels:
        if not isinstance(kernel, Dispatcher):
            continue
        try:
            kernel.enable_caching()
        except RuntimeError:  # no folder can hold the cache
            continue
        cached += 1
    return cached

"""analytics/compiled.py: the libraries' numba kernels are compiled once, then loaded from the
cache by every later process (a dashboard process, a command, a test worker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, cache: Path, *paths: Path) -> dict:
    """Run ``code`` in a new Python process with numba's cache in ``cache``; its last line of
    output, read as JSON."""
    env = os.environ | {
        "NUMBA_CACHE_DIR": str(cache),
        "PYTHONPATH": os.pathsep.join(str(p) for p in (ROOT, *paths)),
    }
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_kernel_compiled_while_imported_is_loaded_from_the_cache_by_the_next_process(tmp_path):
    """A module like mapclassify's ``classifiers``: a kernel with its numba signature in the
    decorator, compiled while the module is imported."""
    (tmp_path / "eager_kernels.py").write_text(
        "from numba import njit\n\n\n"
        '@njit("f8[:](f8[:])")\n'
        "def doubled(values):\n"
        "    return values * 2.0\n"
    )
    code = """
        import json
        from analytics.compiled import import_with_cache
        module = import_with_cache("eager_kernels")
        print(json.dumps(sum(module.doubled.stats.cache_hits.values())))
    """
    cache = tmp_path / "cache"
    assert run(code, cache, tmp_path) == 0  # compiled, and saved
    assert run(code, cache, tmp_path) == 1  # loaded


def test_the_libraries_kernels_use_the_cache_when_the_analytics_load_them(tmp_path):
    """mapclassify's Fisher-Jenks kernel (compiled at import) and esda's permutation kernels
    (compiled at the first cluster map) are set to use numba's cache once the analytics modules
    are imported, in the order a dashboard process imports them. The one kernel left out takes
    the statistic as a compiled function: another process never finds it in the cache."""
    code = """
        import json
        import analytics.classify
        import analytics.clusters
        import esda.crand, esda.getisord, esda.moran, esda.significance
        import mapclassify.classifiers
        from numba.core.caching import NullCache
        kernels = {
            "fisher_jenks": mapclassify.classifiers._fisher_jenks_means,
            "vec_permutations": esda.crand.vec_permutations,
            "prepare_univariate": esda.crand._prepare_univariate,
            "significance": esda.significance._permutation_significance,
            "gi_star": esda.getisord._g_local_star_crand,
            "moran": esda.moran._moran_local_crand,
            "compute_chunk": esda.crand.compute_chunk,
        }
        print(json.dumps({k: not isinstance(f._cache, NullCache) for k, f in kernels.items()}))
    """
    cached = run(code, tmp_path / "cache")
    assert cached.pop("compute_chunk") is False
    assert all(cached.values()), cached
    # Compiled while imported: saved to the cache by this first process.
    assert any(p.name.startswith("classifiers._fisher_jenks_means") for p in tmp_path.rglob("*"))

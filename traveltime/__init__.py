"""Travel time to care from the command line: ``python -m traveltime raster|network``.

A tool above the app's floors (like ``benchmarks/``): it reads files with ``geodata`` and computes
with the pure engines of ``analytics.traveltime``.
"""

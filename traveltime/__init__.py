"""Travel time per workspace and from the command line (``python -m traveltime raster|network``).

The engines of a workspace version are built from its stored inputs (road extract, rasters) and
cached per set of files (``workspace``); ``cli`` reads files with ``geodata`` and computes with the
pure engines of ``analytics.traveltime``. Its floor is below ``render/`` and above ``analytics/``.
"""

"""Person and household records with a location: assigned to areas from coordinate arrays,

counted per area, month and scheme, in memory or on dask.
"""

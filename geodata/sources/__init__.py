"""Where workspaces come from: recipes over a region's own files, the embedded demo, readers,

and the travel-time inputs (road extracts, rasters, hexagon grids).
"""

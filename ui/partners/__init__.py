"""The Partners page's pieces: per-partner loaders, the responsibility map, scorecards and the

assignment editor.
"""

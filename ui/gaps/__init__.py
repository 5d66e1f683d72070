"""The Gap analysis page's pieces: its cached loaders, the reader's selection, one module per
section (ranking with its table and rank bands, clusters, trends, breakdowns), the rules of ranked
lists and the shared views (maps, projection chart, downloads).

Only app_pages/gap_analysis.py uses them, save :mod:`ui.gaps.rankings` (every page that ranks).
"""

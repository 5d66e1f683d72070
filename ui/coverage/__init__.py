"""The Coverage map page's pieces: its sidebar, the drill-down map, the chosen neighbourhood's details

and the linked table. Only app_pages/coverage_map.py uses them.
"""

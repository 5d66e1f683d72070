"""The Gap analysis page's pieces: its cached loaders, the ranked table's rules and the page's views.

Only app_pages/gap_analysis.py uses them.
"""

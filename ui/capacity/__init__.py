"""The Capacity and load page's pieces: load, utilisation growth and what-if loaders, and the views

that show them.
"""

"""The Capacity and load page's pieces: its cached loaders (load, utilisation growth, what-if), the
sidebar's selection, one module per section (load, growth, what-if, scenarios) and the views they
share (labels, load symbols, tables with downloads).
"""

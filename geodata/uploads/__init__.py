"""Uploads from the Data page, a module per step: reading a file (in a sandboxed process within
limits), mapping its columns, matching area names, checking its rows; the workflow runs them and
saves one table. Also candidate-site layers.
"""

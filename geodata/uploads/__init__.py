"""Uploads from the Data page: reading a file in a sandboxed process within limits, then the workflow

of mapping, checking, matching and importing one table; candidate-site layers.
"""

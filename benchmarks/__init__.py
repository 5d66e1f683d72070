"""Benchmarks: each workload measured against a baseline in the same run (``python -m benchmarks``)."""

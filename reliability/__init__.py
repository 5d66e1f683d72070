"""Reliability run (``python -m reliability``): hostile files, hostile strings, crashes and load,
measured on this machine; regenerates RELIABILITY.md. Not imported by the app."""

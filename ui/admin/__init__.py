"""The Data page's pieces: upload, column mapping, checks and import; versions and backups; the audit

trail for administrators.
"""

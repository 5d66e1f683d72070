"""The table contract: the workspace tables, their columns, types and vocabularies; validation,

calendars and periods, and the problems a check reports.
"""

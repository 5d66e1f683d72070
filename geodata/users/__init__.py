"""The users of a deployment: the users file, signed-in sessions, failed sign-ins and the audit trail,

kept in small files beside the users file.
"""

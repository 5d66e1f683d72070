"""The versioned workspace store: every version of every table, in a GeoPackage or in PostGIS,

with versions, differences, backups and partner reassignment.
"""

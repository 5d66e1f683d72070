"""Reading, checking and keeping workspace data: the table contract (tables/), sources and recipes,

uploads, person records, the versioned store and the users of a deployment.
"""

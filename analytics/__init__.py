"""Pure analytics: (Geo)DataFrames in, (Geo)DataFrames and plain data out.

Nothing in this package imports streamlit, reads or writes files, or modifies its inputs.
"""

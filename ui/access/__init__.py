"""The Infrastructure needs page's pieces: access, siting and travel-time loaders, the measure-by choice

and the access map.
"""

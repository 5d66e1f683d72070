"""The Outreach planner's pieces: desk plans, model villages, sessions and work lists, their loaders

and views.
"""

"""The Briefings page's pieces: cached documents (PDF, slides, map PNG) and the page's sections.

The documents themselves are built in reports/.
"""

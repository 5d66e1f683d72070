"""The Streamlit kit shared by every page (context, state, cached loaders, downloads, sign-in, maps on

the page), and one room per page (coverage/, gaps/, access/, capacity/, partners/, outreach/, briefings/, admin/) plus server/.
"""

"""The dashboard's pages, one file each: the view parameters, the controls and calls into ui/.

Streamlit runs them through st.navigation in app.py; nothing imports them.
"""

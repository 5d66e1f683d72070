"""What the dashboard and the documents both draw with, without Streamlit: the language catalogs,

number and date formats, folium maps, plotly charts, fonts and offline assets.
"""

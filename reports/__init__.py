"""Static documents for managers: map images, briefings (PDF) and tables (CSV, XLSX, GeoJSON).

A floor of its own between the dashboard and what both draw with::

    app_pages/ -> ui/ -> reports/ -> render/ -> traveltime/ -> analytics/ -> geodata/

``reports`` imports :mod:`analytics`, :mod:`geodata` and the Streamlit-free :mod:`render`
(:class:`render.language.Language` for texts, numbers and dates; :mod:`render.maps` and
:mod:`render.offline` for the standalone HTML map); never Streamlit. So the same briefing comes out
of the dashboard's download button and of the command line (``python -m reports briefing ...``)
for scheduled reports.

Modules
-------
documents  the briefing, map and slides a page or the command line asks for
fonts      the fonts documents are drawn with (installed with the Python packages)
briefing   what a briefing says: figures, least-covered areas, trend, access needs, partners
figures    maps and charts drawn with matplotlib (no tiles): PNG export, briefing images
pdf        the briefing as an A4 PDF (HTML + CSS laid out by WeasyPrint, right to left for Persian)
exports    tables as CSV / XLSX, map data as GeoJSON / GeoPackage, the map as standalone HTML
"""

"""Static documents for managers: map images, briefings (PDF) and tables (CSV, XLSX, GeoJSON).

A layer of its own between the dashboard and the analytics::

    app_pages/ -> ui/ -> reports/ -> analytics/ -> geodata/

``reports`` imports :mod:`analytics` and :mod:`geodata`, and the Streamlit-free helpers of ``ui``
(:mod:`render.i18n` catalogs, :mod:`render.format` numbers and dates, :mod:`render.maps` / :mod:`render.offline`
for the standalone HTML map); never Streamlit itself. So the same briefing comes out of the
dashboard's download button and of the command line (``python -m reports briefing ...``) for
scheduled reports.

Modules
-------
text       the language of a document: catalog texts, numbers, dates, names
fonts      the fonts documents are drawn with (installed with the Python packages)
briefing   what a briefing says: figures, least-covered areas, trend, access needs, partners
figures    maps and charts drawn with matplotlib (no tiles): PNG export, briefing images
pdf        the briefing as an A4 PDF (HTML + CSS laid out by WeasyPrint, right to left for Persian)
exports    tables as CSV / XLSX, map data as GeoJSON / GeoPackage, the map as standalone HTML
"""

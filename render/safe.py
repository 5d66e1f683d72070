"""Data strings shown through Streamlit's Markdown (titles, captions, labels) are escaped here.

Streamlit renders Markdown in ``st.title``, ``st.subheader``, ``st.caption``, ``st.markdown`` and
widget labels: an area named ``![x](http://host/x.png)`` would make every viewer's browser fetch an
outside image, and ``[click](javascript:…)`` would draw a link. :func:`md_escape` turns every
Markdown and HTML special character into a literal one.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&])")


def md_escape(text: object) -> str:
    """``text`` as literal Markdown: every special character (HTML's too) backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


#: An absolute (or home-relative) POSIX path: not inside a URL (``postgresql://host/db``), a date
#: (``2026/09/01``) or a fraction.
_SERVER_PATH = re.compile(r"(?<![\w.:/~])~?(?:/[^\s/'\"`:,;()<>]+)+/?")


def hide_server_paths(text: object) -> str:
    """``text`` with every server file path cut to its last name (``/srv/atlas/ws.gpkg`` →
    ``ws.gpkg``), for messages shown to people who have no business knowing the server's folders
    (the full message belongs in the server's log)."""
    return _SERVER_PATH.sub(lambda m: m.group().rstrip("/").rsplit("/", 1)[-1] or "/", str(text))

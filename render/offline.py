"""Serve Leaflet from the local install so maps draw with no internet.

Streamlit serves ``<app dir>/static/`` at ``/app/static/`` when
``server.enableStaticServing = true``. At start-up :func:`ensure_vendor_assets` copies Leaflet
from the XStatic-Leaflet wheel into ``static/vendor/leaflet/`` (git-ignored), and
:func:`offline_map` builds a :class:`folium.Map` whose only script and stylesheet links point
there, instead of folium's CDN defaults (Leaflet, jQuery, Bootstrap, Font Awesome, ...).
``st_folium`` loads exactly the links named in ``default_js`` / ``default_css`` of the map and
its children, so nothing in the map reaches outside the Streamlit server.

No Streamlit import here: this module is usable from scripts and tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template

__all__ = [
    "FACILITY_ICONS_URL",
    "LEAFLET_CSS_URL",
    "LEAFLET_IMAGES_URL",
    "LEAFLET_JS_URL",
    "LEAFLET_URL_PREFIX",
    "TILE_ATTRIBUTION_SETTING",
    "TILE_URL_SETTING",
    "basemap_tiles",
    "ensure_icon_assets",
    "ensure_vendor_assets",
    "offline_map",
]

#: URL prefix under which Streamlit's static serving exposes ``<app dir>/static/vendor/leaflet``.
LEAFLET_URL_PREFIX = "/app/static/vendor/leaflet"
LEAFLET_JS_URL = "/app/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS_URL = "/app/static/vendor/leaflet/leaflet.css"
#: Folder of Leaflet's marker and layer-control images (trailing slash, as Leaflet wants it).
LEAFLET_IMAGES_URL = "/app/static/vendor/leaflet/images/"
#: The project's own facility icons (SVG, committed under ``render/assets/facility_icons``), served
#: from ``static/vendor/facility-icons`` (trailing slash).
FACILITY_ICONS_URL = "/app/static/vendor/facility-icons/"
FACILITY_ICONS_SOURCE = Path(__file__).resolve().parent / "assets" / "facility_icons"

# OPT-IN ONLY. A basemap is never a default: every map reads well without one, and offline use is
# the normal case. A deployment that has a tile server it may use (its own, inside the network, or
# a public one) names it in COVERAGE_ATLAS_TILE_URL (a template such as
# ".../{z}/{x}/{y}.png") and its attribution in COVERAGE_ATLAS_TILE_ATTRIBUTION; users can then
# switch the basemap on. The code itself names no outside host.
TILE_URL_SETTING = "COVERAGE_ATLAS_TILE_URL"
TILE_ATTRIBUTION_SETTING = "COVERAGE_ATLAS_TILE_ATTRIBUTION"


def basemap_tiles() -> tuple[str, str] | None:
    """The configured (tile URL template, attribution), or None when no basemap is configured."""
    url = os.environ.get(TILE_URL_SETTING, "").strip()
    if not url:
        return None
    return url, os.environ.get(TILE_ATTRIBUTION_SETTING, "").strip() or "Basemap"


# Files copied from the XStatic-Leaflet package (paths relative to its BASE_DIR). The source map
# is copied too so that a browser's developer tools do not log a 404 for it.
_LEAFLET_FILES = ("leaflet.js", "leaflet.css", "leaflet.js.map")
_MARKER_NAME = ".xstatic-leaflet.json"


def _leaflet_source() -> tuple[Path, str, list[str]]:
    """Return (package folder, version, relative file paths) of the installed XStatic-Leaflet."""
    import xstatic.pkg.leaflet as xleaflet

    base = Path(xleaflet.BASE_DIR)
    files = [name for name in _LEAFLET_FILES if (base / name).is_file()]
    for required in ("leaflet.js", "leaflet.css"):
        if required not in files:
            raise FileNotFoundError(
                f"XStatic-Leaflet at {base} has no {required}; reinstall XStatic-Leaflet"
            )
    images = base / "images"
    if images.is_dir():
        files += sorted(f"images/{p.name}" for p in images.iterdir() if p.is_file())
    return base, str(xleaflet.VERSION), files


def _is_current(target: Path, base: Path, version: str, files: list[str]) -> bool:
    """True when ``target`` already holds this Leaflet version, every file at its source size."""
    try:
        marker = json.loads((target / _MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("version") != version or sorted(marker.get("files", [])) != sorted(files):
        return False
    try:
        return all((target / rel).stat().st_size == (base / rel).stat().st_size for rel in files)
    except OSError:
        return False


def _atomic_write_bytes(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` through a temporary file in the same folder and ``os.replace``.

    Readers (and a second process doing the same copy) see either the old file or the complete
    new one, never a partial file.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def ensure_vendor_assets(app_dir: Path) -> Path:
    """Copy Leaflet (JS, CSS, images) from XStatic-Leaflet into ``app_dir/static/vendor/leaflet``.

    The project's facility icons are copied too (:func:`ensure_icon_assets`).
    Idempotent and cheap when the files are already there: a marker file records the XStatic
    version and file list, and each file's size is compared with the package's. Safe when
    several processes run it at once: every file (and the marker, written last) is written to
    a temporary file in the destination folder and moved into place with ``os.replace``.

    Parameters
    ----------
    app_dir : Path
        Folder holding ``app.py``; Streamlit serves its ``static/`` subfolder at
        ``/app/static/``.

    Returns
    -------
    Path
        The ``static/vendor/leaflet`` folder (served at :data:`LEAFLET_URL_PREFIX`).
    """
    ensure_icon_assets(app_dir)
    target = Path(app_dir) / "static" / "vendor" / "leaflet"
    base, version, files = _leaflet_source()
    if _is_current(target, base, version, files):
        return target

    (target / "images").mkdir(parents=True, exist_ok=True)
    for rel in files:
        _atomic_write_bytes(target / rel, (base / rel).read_bytes())
    marker = {"package": "XStatic-Leaflet", "version": version, "files": files}
    _atomic_write_bytes(
        target / _MARKER_NAME, json.dumps(marker, indent=1, sort_keys=True).encode("utf-8")
    )
    return target


def ensure_icon_assets(app_dir: Path, source: Path = FACILITY_ICONS_SOURCE) -> Path:
    """Copy the facility icons (``render/assets/facility_icons/*.svg``) into
    ``app_dir/static/vendor/facility-icons`` (served at :data:`FACILITY_ICONS_URL`).

    Cheap when current (a file is rewritten only when its bytes differ) and safe when several
    processes run it at once (atomic writes). Called by :func:`ensure_vendor_assets`.
    """
    target = Path(app_dir) / "static" / "vendor" / "facility-icons"
    target.mkdir(parents=True, exist_ok=True)
    for icon in sorted(Path(source).glob("*.svg")):
        data = icon.read_bytes()
        dest = target / icon.name
        try:
            if dest.read_bytes() == data:
                continue
        except OSError:
            pass
        _atomic_write_bytes(dest, data)
    return target


class _MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only, kept as the map's ``caScale`` (so
    :class:`render.mapframe.MapFrame` can write it in the reader's words)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.caScale =
                L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class _LocalLeafletImages(MacroElement):
    """Point Leaflet's default marker icons at the local images folder."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.image_path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, image_path: str = LEAFLET_IMAGES_URL) -> None:
        super().__init__()
        self._name = "LocalLeafletImages"
        self.image_path = image_path


def offline_map(**kwargs: Any) -> folium.Map:
    """Return a :class:`folium.Map` that loads Leaflet only from the local static folder.

    Defaults differ from folium's: ``tiles=None`` (no basemap, so no request leaves the
    server), ``prefer_canvas=True`` and a metric-only scale bar (:class:`_MetricScale`; folium's
    own ``control_scale`` would add miles and feet); any keyword argument of
    :class:`folium.Map` overrides them. The instance's ``default_js`` / ``default_css`` are
    replaced by :data:`LEAFLET_JS_URL` / :data:`LEAFLET_CSS_URL` only, so neither folium's own
    HTML nor ``st_folium``'s list of links contains an ``http(s)://`` URL. Do not add elements
    that bring their own CDN links (folium plugins, ``folium.Choropleth``, branca colormaps,
    ``folium.Icon`` awesome-markers); they would load from the internet.

    Returns
    -------
    folium.Map
        Needs :func:`ensure_vendor_assets` to have run and Streamlit's static serving enabled.
    """
    kwargs.setdefault("tiles", None)
    kwargs.setdefault("prefer_canvas", True)
    fmap = folium.Map(**kwargs)
    # Instance attributes (new lists): never mutate folium's module-level default lists.
    fmap.default_js = [("leaflet", LEAFLET_JS_URL)]
    fmap.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    _LocalLeafletImages().add_to(fmap)
    if not fmap.control_scale:
        _MetricScale().add_to(fmap)
    return fmap

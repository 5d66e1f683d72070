"""How a map is shown to its reader, in one value: :class:`MapView`.

The dashboard builds one per page from the session (``ctx.map_view``: the reader's language, its
digits and unit words), a document from its :class:`render.language.Language`; the map builders
(:func:`render.maps.choropleth_map`, the legends, the frame with its scale bar and labels) read
their options from it. A new map option is a new field here, with its default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from render.language import Language
from render.mapframe import scale_texts

__all__ = ["MAP_SIZES", "MapView", "default_count_format"]

#: How tall a map is, by its role on the page, in pixels: every map of the dashboard and of the
#: documents takes its height from here (:meth:`MapView.sized`), none sets its own.
MAP_SIZES: dict[str, int] = {
    "page": 560,  # a page's main map
    "section": 520,  # a map in a section of a page, beside or above its table
    "panel": 480,  # a map beside the controls of a what-if or a layer
    "pair": 460,  # one of two maps compared side by side
    "small": 430,  # a map at a glance: the Overview's, an upload's preview
    "slide": 620,  # the presentation view's map
    "print": 700,  # the map's standalone file and picture
}


def default_count_format(count: int) -> str:
    """A legend count with a thousands separator, as written when no language is named."""
    return f"{count:,}"


def _as_written(text: str) -> str:
    return text


@dataclass(frozen=True)
class MapView:
    """The options of a map that do not depend on what it shows.

    ``height``: pixels (the frame on the page is as tall), from its role in :data:`MAP_SIZES`
    (:meth:`sized`); ``basemap_tiles``: opt-in tiles (url
    template, attribution; :func:`render.offline.basemap_tiles`), None: nothing loaded from
    outside; ``legend_position``: the Leaflet corner of the main legend; ``legend_dir``: the
    legend box's direction (``auto`` follows its title); ``count_format``: a legend count as
    text; ``numerals``: a label's digits in the reader's (Persian: ۰–۹); ``scale``: the scale
    bar's texts by length in metres (:func:`render.mapframe.scale_texts`), None: Leaflet's own;
    ``fit``: the bounds the map opens on (``[[south, west], [north, east]]``, e.g. two maps
    compared at one scale), None: the region drawn.
    """

    height: int = MAP_SIZES["page"]
    basemap_tiles: tuple[str, str] | None = None
    legend_position: str = "bottomright"
    legend_dir: str = "auto"
    count_format: Callable[[int], str] = default_count_format
    numerals: Callable[[str], str] = _as_written
    scale: dict[str, str] | None = None
    fit: list[list[float]] | None = None

    @classmethod
    def read_in(cls, language: Language, **options: Any) -> MapView:
        """The view of a reader of ``language``: counts, labels and the scale bar in its digits
        and unit words; ``options`` set the other fields."""
        return cls(
            count_format=language.int,
            numerals=language.numerals,
            scale=scale_texts(language),
            **options,
        )

    def but(self, **options: Any) -> MapView:
        """This view with ``options`` changed (``view.but(fit=bounds)``); a map's height comes
        from its role (:meth:`sized`)."""
        return replace(self, **options) if options else self

    def sized(self, size: str) -> MapView:
        """This view as tall as a map of role ``size`` (a key of :data:`MAP_SIZES`)."""
        return replace(self, height=MAP_SIZES[size])

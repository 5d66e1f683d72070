"""The Gap analysis page's maps (the top N, the clusters): drawn once per view, then restyled.

They are :func:`ui.category_map.category_map`: the polygons, names, facilities and labels of a
view are rendered once; a change of the month, the order, the size of the top list, the weights or
the significance level sends only the colours, the tooltips' values and the legend.
"""

from __future__ import annotations

from ui.category_map import category_map

__all__ = ["category_map"]

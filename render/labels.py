"""Place labels that do not overlap: of labels whose boxes would collide, the one of more weight
(a larger area, more people) is kept and the others are left out.

A label's box is estimated from its text's length and the font size (:func:`label_boxes`), so the
choice can be made before anything is drawn: on a document's map (:mod:`reports.figures`) at its
one scale, and by the same rule on a live map at each zoom (:class:`render.mapframe.MapFrame`
does it in the browser).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["CHAR_WIDTH", "LINE_HEIGHT", "keep_apart", "label_boxes"]

#: A bold label's mean character width, as a share of its font size (Latin and Persian names).
CHAR_WIDTH = 0.62
#: A label's height, as a share of its font size.
LINE_HEIGHT = 1.3


def label_boxes(
    x: ArrayLike, y: ArrayLike, texts: Sequence[str], font_px: float, margin_px: float = 2.0
) -> np.ndarray:
    """``(x0, y0, x1, y1)`` per label centred on ``(x, y)`` (pixels), its width from the text's
    length at ``font_px``, with ``margin_px`` of room around it."""
    cx, cy = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    lengths = np.array([len(t) for t in texts], dtype=float)
    half_w = lengths * CHAR_WIDTH * font_px / 2 + margin_px
    half_h = np.full(cx.shape, LINE_HEIGHT * font_px / 2 + margin_px)
    return np.column_stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h])


def keep_apart(boxes: ArrayLike, weight: ArrayLike) -> np.ndarray:
    """Which labels to draw: taken by ``weight``, largest first (ties in the given order), each
    kept when its box (a row of :func:`label_boxes`) overlaps none of those kept before it."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    order = np.argsort(-np.asarray(weight, dtype=float), kind="stable")
    kept = np.zeros(len(boxes), dtype=bool)
    taken = np.empty((0, 4))
    for i in order:
        b = boxes[i]
        if not np.isfinite(b).all():
            continue
        clash = (
            (taken[:, 0] < b[2])
            & (b[0] < taken[:, 2])
            & (taken[:, 1] < b[3])
            & (b[1] < taken[:, 3])
        )
        if not clash.any():
            kept[i] = True
            taken = np.vstack([taken, b])
    return kept

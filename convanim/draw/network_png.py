"""The network figure drawn with Pillow (imported when drawing, so the layout stays
standard-library only): anti-aliased by drawing at 3× and averaging down, DejaVu Sans."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convanim.draw.network_figure import (
    NetworkFigure,
    Window,
    _faces_with_colours,
    _line_colour,
    _text_colour,
)
from convanim.draw.themes import THEMES

_SUPERSAMPLE = 3
#: The drawing canvas (before averaging down) stays under this many pixels (≈ 190 MB of RGBA):
#: a figure wider than about 3000 × 2000 is drawn at 2× or 1× instead of 3×.
_SUPERSAMPLE_PIXELS = 48_000_000


def supersample(width: int, height: int) -> int:
    """The supersampling factor for a figure: 3, or less for very large figures.

    >>> supersample(1518, 598), supersample(8000, 900), supersample(8000, 4000)
    (3, 2, 1)
    """
    return max(1, min(_SUPERSAMPLE, math.isqrt(_SUPERSAMPLE_PIXELS // max(1, width * height))))


def render_png(fig: NetworkFigure, transparent: bool = False, extra: Sequence[Window] = ()) -> Any:
    """The figure as a Pillow RGBA image, anti-aliased (drawn at 3× and averaged down; less for
    very large figures, see :func:`supersample`)."""
    from PIL import Image, ImageDraw

    from convanim.draw import fonts

    _check_pixels(fig, 1)
    t = THEMES[fig.theme]
    k = supersample(fig.width, fig.height)
    size = (fig.width * k, fig.height * k)
    bg = _rgba(t.background, 0 if transparent else 255)
    img = Image.new("RGBA", size, bg)
    draw = ImageDraw.Draw(img)
    stroke = max(1, round(max(1.0, fig.unit / 9) * k))

    def pts(poly):
        return [(x * k, y * k) for x, y in poly]

    for poly, fill in _faces_with_colours(fig, extra):
        draw.polygon(pts(poly), fill=_rgba(fill), outline=_rgba(t.line), width=stroke)
    for ln in fig.lines:
        draw.line(pts((ln.a, ln.b)), fill=_rgba(_line_colour(t, ln.role)), width=stroke)
    for lb in fig.labels:
        # DejaVu Sans as every renderer finds it (draw/fonts.py); without it Pillow's bundled
        # font, with ×, − and → written in ASCII rather than as boxes.
        anchor = "ms" if lb.anchor == "middle" else "ls"
        draw.text(
            (lb.at[0] * k, lb.at[1] * k), fonts.plain(lb.text),
            fill=_rgba(_text_colour(t, lb.role)), font=fonts.font(max(6, round(lb.size * k))),
            anchor=anchor,
        )  # fmt: skip
    # The mean of each k×k block (a box filter) is exactly the anti-aliasing wanted, and
    # 10× faster than a Lanczos resize; premultiplied, so edges over transparency keep no halo
    # of the background's colour.
    if transparent:
        return img.convert("RGBa").reduce(k).convert("RGBA")
    return img.reduce(k)


def _check_pixels(fig: NetworkFigure, frames: int) -> None:
    """Refuse a figure (or animation) larger than the GIF renderer's limits, before drawing."""
    from convanim.draw.gif import MAX_PIXELS, MAX_TOTAL_PIXELS

    if fig.width * fig.height > MAX_PIXELS or frames * fig.width * fig.height > MAX_TOTAL_PIXELS:
        raise ValueError(
            f"refusing to draw {frames} × {fig.width}×{fig.height} pixels (limits {MAX_PIXELS:,} "
            f"a frame, {MAX_TOTAL_PIXELS:,} in all); use a smaller --width or --font-size"
        )


def _rgba(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16), alpha)


def _write(out: Path, data: bytes) -> Path:
    from convanim._files import write_atomic

    write_atomic(out, data)
    return out


def _png_bytes(img: Any) -> bytes:
    import io

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()

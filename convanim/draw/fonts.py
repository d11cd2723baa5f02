"""The font both renderers set text in: DejaVu Sans, found on the system.

DejaVu Sans has real ×, −, →, ⌊⌋ and ° (the set-up installs ``fonts-dejavu-core``). It is looked
for in this order: the ``CONVANIM_FONT`` environment variable (a .ttf path), Pillow's own
search of the system font folders, the usual absolute paths on Linux, macOS and Windows, and
Matplotlib's bundled copy when Matplotlib is installed. Without it, Pillow's bundled font is
used and the few symbols it may lack are written in ASCII (:func:`plain`), never as boxes;
:func:`font_path` returns None then, so callers can say so.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

__all__ = ["font", "font_path", "plain", "FONT_NAME"]

FONT_NAME = "DejaVuSans.ttf"
_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    "C:/Windows/Fonts/DejaVuSans.ttf",
)
_ASCII = {"\u2212": "-", "×": "x", "→": "->", "⌊": "floor(", "⌋": ")", "°": " deg", "·": "*"}


@lru_cache(maxsize=1)
def font_path() -> str | None:
    """The DejaVu Sans file in use, or None (Pillow's bundled font stands in)."""
    candidates: list[str] = []
    if os.environ.get("CONVANIM_FONT"):
        candidates.append(os.environ["CONVANIM_FONT"])
    candidates.append(FONT_NAME)  # Pillow searches the system font folders for a bare name
    candidates.extend(
        str(Path.home() / p) for p in (".fonts/" + FONT_NAME, ".local/share/fonts/" + FONT_NAME)
    )
    candidates.extend(_PATHS)
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        candidates.append(str(Path(spec.origin).parent / "mpl-data/fonts/ttf" / FONT_NAME))
    for candidate in candidates:
        try:
            f = ImageFont.truetype(candidate, 12)
        except OSError:
            continue
        return str(getattr(f, "path", candidate))
    return None


@lru_cache(maxsize=256)
def font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at ``px`` pixels (Pillow's bundled font without it)."""
    px = max(4, int(px))
    path = font_path()
    if path is None:
        return ImageFont.load_default(size=px)
    return ImageFont.truetype(path, px)


def plain(text: str) -> str:
    """``text`` as it can be drawn: unchanged with DejaVu Sans, else its symbols in ASCII.

    >>> plain("5×5 → 3×3") == ("5×5 → 3×3" if font_path() else "5x5 -> 3x3")
    True
    """
    if font_path() is not None:
        return text
    return "".join(_ASCII.get(ch, ch) for ch in text)

"""Colours by role (Solarized, as in the paper), contrast and blending (standard library only).

>>> THEMES["solarized"].shaded("input")   # conv_arithmetic's shaded input, measured (26,105,152)
'#1a6998'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

__all__ = [
    "Theme",
    "THEMES",
    "ROLE_NAMES",
    "ZERO_ROLES",
    "INKS",
    "PictureOptions",
    "DEFAULT_CELL_PX",
    "CELL_PX_RANGE",
    "DEFAULT_MARGIN_PX",
    "contrast",
    "blend",
    "rgb",
    "themed",
]

#: Text shown in the legend for each role.
ROLE_NAMES = {
    "input": "input",
    "padding": "padding",
    "inserted": "inserted zero",
    "output_padding": "output_padding",
    "dropped": "never covered",
}

#: Cells that hold a zero the operation adds (drawn dashed or dotted, their text muted).
ZERO_ROLES = ("padding", "inserted", "output_padding")

#: ``--ink`` choices: the theme's own, or light/dark lines and text whatever the theme.
INKS = ("auto", "light", "dark")

DEFAULT_CELL_PX = 29.5  # 0.5 cm at 150 dpi, as conv_arithmetic's PNGs
#: The cell sizes a picture may have, in pixels (the command line's and the deck's limits).
CELL_PX_RANGE = (4, 400)
DEFAULT_MARGIN_PX = 21.75  # TikZ standalone border (10 pt) plus a line: the originals' sizes ±1


@dataclass(frozen=True)
class PictureOptions:
    """The pixel-level choices every renderer of a plan (GIF, interactive page) takes, checked
    once here; everything else comes from the plan."""

    cell_px: float = DEFAULT_CELL_PX
    margin_px: float = DEFAULT_MARGIN_PX
    theme: str = "solarized"
    transparent: bool = False
    ink: str = "auto"  # auto | light | dark: lines and text (light for a dark slide)

    def __post_init__(self) -> None:
        low, high = CELL_PX_RANGE
        if not (low <= self.cell_px <= high):
            raise ValueError(
                f"cell size must be between {low} and {high} pixels, got {self.cell_px}"
            )
        if self.margin_px < 0:
            raise ValueError("margin must be non-negative")
        themed(self.theme, self.ink)  # an unknown theme or ink, with the choices

    @property
    def colours(self) -> Theme:
        """The theme with the ink applied (:func:`themed`)."""
        return themed(self.theme, self.ink)


@dataclass(frozen=True)
class Theme:
    """Colours by role, as ``#rrggbb``. ``shade`` is laid over a cell at ``shade_alpha``."""

    name: str
    background: str
    line: str  # grid lines and the window outline (Solarized base03)
    text: str
    input: str
    output: str
    padding: str  # fill of padding cells (drawn dashed)
    inserted: str  # fill of inserted zeros (drawn dotted, with a centre dot)
    output_padding: str  # fill of output_padding cells (drawn dashed, hatched)
    dropped: str  # fill of cells no window reaches
    kernel: str
    shade: str
    shade_alpha: float
    connector: str
    winner: str
    subscript: str
    muted: str  # captions, legend text
    mark: str  # the inserted zeros' dot and the output_padding hatch

    def fill(self, role: str) -> str:
        """The fill colour of a cell with this role."""
        return getattr(self, role)

    def shaded(self, role: str) -> str:
        """The fill of a cell of this role under the window: ``(1−α)·fill + α·shade``."""
        return blend(self.fill(role), self.shade, self.shade_alpha)

    def ink_on(self, fill: str) -> str:
        """Text colour for a fill: ``text`` or ``background``, whichever contrasts more (WCAG).

        >>> THEMES["solarized"].ink_on(THEMES["solarized"].shaded("input"))
        '#ffffff'
        >>> THEMES["solarized"].ink_on("#ffffff")
        '#002b36'
        """
        return max((self.text, self.background), key=lambda ink: contrast(ink, fill))

    def cell_ink(self, role: str, shaded: bool = False) -> str:
        """Text colour in a cell of ``role``: muted in an unshaded zero (padding, an inserted
        zero, output_padding: its 0 is not data), else whichever contrasts more with the fill.

        >>> THEMES["solarized"].cell_ink("padding"), THEMES["solarized"].cell_ink("padding", True)
        ('#586e75', '#002b36')
        """
        if role in ZERO_ROLES and not shaded:
            return self.muted
        return self.ink_on(self.shaded(role) if shaded else self.fill(role))


def _luminance(colour: str) -> float:
    def lin(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb(colour)
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as an ``(r, g, b)`` tuple.

    >>> rgb("#268bd2")
    (38, 139, 210)
    """
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 … 21).

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(a: str, b: str, alpha: float) -> str:
    """Mix two ``#rrggbb`` colours: ``(1 − alpha)·a + alpha·b``, rounded.

    >>> blend("#268BD2", "#073642", 0.4)
    '#1a6998'
    """
    mixed = [
        math.floor((1 - alpha) * x + alpha * y + 0.5) for x, y in zip(rgb(a), rgb(b), strict=True)
    ]
    return "#" + "".join(f"{v:02x}" for v in mixed)


#: Each role's colour in each theme, side by side (Solarized's palette: base03 #002b36 …
#: base3 #fdf6e3, blue #268bd2, cyan #2aa198, red #dc322f, yellow #b58900 …). The last two
#: columns are the videos' grids (``scenes._common.PALETTES``, on the deck's white slide and on
#: the dark one): the GIFs' fills made legible when projected, lighter fills and shade on white,
#: darker fills under a darkening shade on dark, so that the ink on every cell, shaded or not,
#: has 4.5:1 (the GIF theme's numbers on blue input cells: 4.1:1).
_THEME_NAMES = ("solarized", "dark", "video-solarized", "video-dark")
_COLOURS: dict[str, tuple[str, ...] | tuple[float, ...]] = {
    "background": ("#ffffff", "#002b36", "#ffffff", "#002b36"),
    # video-dark: lighter, 3:1 against its darker blue and teal fills (#93a1a1 gave 2.4:1)
    "line": ("#002b36", "#93a1a1", "#002b36", "#b3bdbd"),
    "text": ("#002b36", "#fdf6e3", "#002b36", "#fdf6e3"),
    "input": ("#268bd2", "#268bd2", "#8cc4ec", "#1f5f8b"),
    "output": ("#2aa198", "#2aa198", "#8fd8d0", "#17695f"),
    "padding": ("#ffffff", "#002b36", "#ffffff", "#002b36"),
    # Inserted zeros and output_padding differ from padding by fill *and* by a mark that
    # survives the window's shade (under it the fills alone came within 20 levels).
    "inserted": ("#f3e3b3", "#3d3a1a", "#f3e3b3", "#35321a"),
    "output_padding": ("#e2e3f3", "#2b2f55", "#e2e3f3", "#2b2f55"),
    "dropped": ("#93c5e8", "#1d5d85", "#c9e2f4", "#163f5a"),
    "kernel": ("#fdf6e3", "#073642", "#fdf6e3", "#073642"),
    "shade": ("#073642", "#fdf6e3", "#073642", "#000000"),
    "shade_alpha": (0.4, 0.3, 0.3, 0.35),
    "connector": ("#000000", "#eee8d5", "#000000", "#eee8d5"),
    "winner": ("#dc322f", "#dc322f", "#dc322f", "#ff6b6b"),
    "subscript": ("#6c71c4", "#d33682", "#6c71c4", "#d33682"),
    # video-solarized: padding's zeros are written in it, 4.5:1 under the window's shade too
    "muted": ("#586e75", "#93a1a1", "#383d42", "#93a1a1"),
    "mark": ("#b58900", "#b58900", "#b58900", "#b58900"),
}
_ALL_THEMES: dict[str, Theme] = {
    name: Theme(name=name, **{role: row[k] for role, row in _COLOURS.items()})  # type: ignore[arg-type]
    for k, name in enumerate(_THEME_NAMES)
}
#: The GIFs' and pages' themes (``--theme``).
THEMES: dict[str, Theme] = {name: _ALL_THEMES[name] for name in ("solarized", "dark")}
#: The videos' grid themes, by slide (``light``: the deck's white slide, ``dark``).
VIDEO_THEMES: dict[str, Theme] = {
    "light": _ALL_THEMES["video-solarized"],
    "dark": _ALL_THEMES["video-dark"],
}

#: The colours that make up a theme's "ink": lines, text and marks drawn over the background.
_INK_FIELDS = ("line", "text", "connector", "muted", "subscript")


def themed(name: str, ink: str = "auto") -> Theme:
    """The theme ``name`` with ``ink`` applied: ``auto`` keeps the theme's own lines and text,
    ``light`` takes the dark theme's (a transparent picture on a dark slide), ``dark`` the
    light theme's. Fills stay the theme's (padding is the background: see-through when
    transparent).

    >>> themed("solarized", "light").text
    '#fdf6e3'
    >>> themed("dark", "auto").line
    '#93a1a1'
    """
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}")
    if ink not in INKS:
        raise ValueError(f"unknown ink {ink!r}; choose one of {', '.join(INKS)}")
    theme = THEMES[name]
    if ink == "auto":
        return theme
    source = THEMES["dark" if ink == "light" else "solarized"]
    return replace(theme, name=f"{name}-{ink}", **{f: getattr(source, f) for f in _INK_FIELDS})

"""Text in a plan: labels, how numbers are written, how wide a text will be (standard library).

Numbers are written once, here, for every renderer: at most three significant digits, a real
minus sign (U+2212), integers as integers. Widths are estimated from DejaVu Sans' advance
widths (the font both renderers use), so a plan can size cells and place labels without
loading a font.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from convanim.draw.geometry import Point

__all__ = [
    "Label",
    "MINUS",
    "format_value",
    "format_values",
    "text_width",
    "ASCENT",
    "DESCENT",
    "cell_texts",
]

#: The minus sign printed in numbers (a hyphen is too short to read as one from the back row).
MINUS = "\u2212"

# DejaVu Sans advance widths in thousandths of the font size (measured once with FreeType at
# 1000 px), so the standard-library layout knows how wide each label is. Characters not listed
# count a full em: labels only grow, never overlap.
_ADVANCES: dict[str, int] = {}
for _w, _chars in (
    (275, "'"),
    (278, "ijl"),
    (295, "IJ"),
    (318, " ,.·’"),
    (337, "/:;\\|"),
    (352, "f"),
    (361, "-"),
    (390, "()[]⌊⌋⌈⌉"),
    (392, "t"),
    (401, "!²³⁰¹⁴⁵⁶⁷⁸⁹"),
    (411, "r"),
    (460, '"'),
    (500, "*_`–°"),
    (521, "s"),
    (525, "z"),
    (528, "⁻"),
    (531, "?"),
    (550, "c"),
    (557, "L"),
    (575, "F"),
    (579, "k"),
    (592, "vxyγλ"),
    (603, "P"),
    (611, "TY"),
    (612, "oδ"),
    (613, "a"),
    (615, "e"),
    (632, "EΣ"),
    (634, "hnuσ"),
    (635, "Sbdgpq"),
    (636, "$0123456789{}μ"),
    (638, "β"),
    (656, "K"),
    (659, "α"),
    (684, "AV"),
    (685, "XZ"),
    (686, "B"),
    (695, "R"),
    (698, "C"),
    (732, "U"),
    (748, "N"),
    (752, "H"),
    (764, "Ω"),
    (770, "D"),
    (775, "G"),
    (780, "&"),
    (787, "OQ"),
    (818, "w"),
    (838, "#+<=>^~×→−≈"),
    (863, "M"),
    (950, "%"),
    (974, "m"),
    (989, "W"),
):
    _ADVANCES.update(dict.fromkeys(_chars, _w))
#: DejaVu Sans ascent and descent, thousandths of the size (FreeType's metrics at 1000 px).
ASCENT, DESCENT = 0.929, 0.236


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in DejaVu Sans at ``size`` (sum of advances, no kerning, so never
    less than what FreeType or a browser draws), in the unit of ``size``: pixels for a network
    figure, cells for a plan.

    >>> round(text_width("55×55×96", 1000)), round(text_width("−104", 1.0), 2)
    (5492, 2.75)
    """
    return sum(_ADVANCES.get(ch, 1000) for ch in text) * size / 1000


@dataclass(frozen=True)
class Label:
    """Text at a point. ``anchor`` is (horizontal, vertical): left|centre|right, top|middle|bottom.

    ``size`` is the font size in units.
    """

    text: str
    at: Point
    anchor: tuple[str, str] = ("left", "top")
    size: float = 0.5
    role: str = "label"  # "label" | "caption" | "legend" | "title"

    def box(self) -> tuple[float, float, float, float]:
        """The estimated ``(x0, y0, x1, y1)`` the text covers (y down)."""
        w = text_width(self.text, self.size)
        h = self.size
        x0 = {"left": 0.0, "centre": -w / 2, "center": -w / 2, "right": -w}[self.anchor[0]]
        y0 = {"top": 0.0, "middle": -h / 2, "bottom": -h, "baseline": -0.8 * h}[self.anchor[1]]
        return (self.at[0] + x0, self.at[1] + y0, self.at[0] + x0 + w, self.at[1] + y0 + h)


def format_value(v: float) -> str:
    """One number for a cell: an integer as an integer (up to 999, then 3 significant digits
    with k/M), anything else to 3 significant digits without trailing zeros; a real minus.

    >>> [format_value(v) for v in (0.25, 100.0, -104.0, 5 / 3, 12345.0, -0.0, 1e-5, 2.5e7)]
    ['0.25', '100', '−104', '1.67', '12.3k', '0', '1e−5', '25M']
    """
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else MINUS + "∞"
    if v == 0:
        return "0"
    sign = MINUS if v < 0 else ""
    a = abs(v)
    if a >= 1000:
        for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if a >= scale * 0.9995:
                body = _sig3(a / scale)
                return sign + body + suffix if float(body) < 1000 else sign + f"{a:.2e}"
    if a < 0.001:
        mant, exp = f"{a:.2e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        return f"{sign}{mant}e{MINUS if exp.startswith('-') else ''}{int(exp[1:])}"
    return sign + _sig3(a)


def _sig3(a: float) -> str:
    """``a`` (0.001 ≤ a < 1000) to 3 significant digits, without trailing zeros."""
    digits = max(0, 2 - math.floor(math.log10(a)))
    text = f"{a:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_values(values: Iterable[float]) -> tuple[str, ...]:
    """Format one grid's numbers with :func:`format_value`.

    >>> format_values([12.0, 6.0, -0.0])
    ('12', '6', '0')
    >>> format_values([5 / 3, 1.0, 0.25])
    ('1.67', '1', '0.25')
    >>> format_values([3.0, float("-inf")])
    ('3', '−∞')
    """
    return tuple(format_value(float(v)) for v in values)


def cell_texts(values: Iterable[float]) -> tuple[str, ...]:
    """Texts written in a grid's cells: :func:`format_values`, with non-finite values left
    blank (a max pool's −∞ padding never wins, and writing it in every border cell is noise)."""
    vals = [float(v) for v in values]
    return tuple("" if not math.isfinite(v) else format_value(v) for v in vals)

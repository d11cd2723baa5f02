"""Network figures as plain data: the boxes, windows, lines and labels a renderer draws.

Standard library only (tests check the layout without NumPy or Pillow). Label widths come from
DejaVu Sans's advance widths (:func:`convanim.draw.labels.text_width`, the GIF's too), so the
layout knows how wide each label is without a font. The colours and painting order both renderers use are here too, so the PNG
(:mod:`convanim.draw.network_png`) and the SVG (:mod:`convanim.draw.network_svg`) agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from convanim.draw.labels import ASCENT, DESCENT, text_width
from convanim.draw.themes import THEMES, Theme, blend

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """One feature map (or one GPU stream of it) as a cuboid, in pixels, y down.

    The front face is ``w × h`` with its top-left at ``(x, y)``: ``h`` stands for the map's
    height (rows), ``w`` for its channels; the width (columns) recedes up and to the right by
    ``(dx, −dy)``. :meth:`point` maps map coordinates to the page.
    """

    key: str
    element: int  # 0 = the input, then one per drawn layer
    stream: int
    kind: str  # input | conv | maxpool | avgpool | fc
    size: tuple[int, ...]  # the shape core's spatial size of this map
    channels: int  # channels in this box (a stream holds its share)
    total_channels: int  # channels of the whole map
    x: float
    y: float
    w: float
    h: float
    dx: float
    dy: float

    @property
    def rows(self) -> int:
        """Rows drawn down the page: the height (1-D: the length; fc: 1)."""
        return self.size[-2] if len(self.size) >= 2 else (self.size[0] if self.size else 1)

    @property
    def cols(self) -> int:
        """Columns drawn receding: the width (1 for 1-D maps and fully connected layers)."""
        return self.size[-1] if len(self.size) >= 2 else 1

    @property
    def label_size(self) -> str:
        """``55×55×96``: the whole map's size, as the shape core gives it (fc: ``4096``)."""
        if not self.size:
            return f"{self.total_channels}"
        return "×".join(str(v) for v in self.size) + f"×{self.total_channels}"

    def point(self, row: float, col: float, depth: float) -> Point:
        """Page position of map coordinates: ``row`` in 0…rows, ``col`` in 0…cols (0 at the
        front face), ``depth`` in 0…1 across the channels (1 at the right face)."""
        return (
            self.x + depth * self.w + col / self.cols * self.dx,
            self.y + row / self.rows * self.h - col / self.cols * self.dy,
        )

    def faces(
        self,
        r0: float = 0,
        r1: float | None = None,
        c0: float = 0,
        c1: float | None = None,
        d0: float = 0.0,
        d1: float = 1.0,
    ) -> tuple[tuple[Point, ...], tuple[Point, ...], tuple[Point, ...]]:
        """The visible faces (front, top, right) of the block ``rows r0…r1``, ``cols c0…c1``,
        ``depth d0…d1`` (default: the whole box)."""
        r1 = self.rows if r1 is None else r1
        c1 = self.cols if c1 is None else c1
        p = self.point
        front = (p(r0, c0, d0), p(r0, c0, d1), p(r1, c0, d1), p(r1, c0, d0))
        top = (p(r0, c0, d0), p(r0, c1, d0), p(r0, c1, d1), p(r0, c0, d1))
        right = (p(r0, c0, d1), p(r0, c1, d1), p(r1, c1, d1), p(r1, c0, d1))
        return front, top, right

    def bounds(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of everything the box covers."""
        return (self.x, self.y - self.dy, self.x + self.w + self.dx, self.y + self.h)

    def moved(self, dx: float, dy: float) -> Box:
        return replace(self, x=self.x + dx, y=self.y + dy)


@dataclass(frozen=True)
class Window:
    """A kernel (or pooling window) inside the box it reads, or the cell it produces."""

    box: str
    rows: tuple[float, float]
    cols: tuple[float, float]
    depth: tuple[float, float]
    role: str  # kernel | pool | cell | region

    def faces(self, boxes: dict[str, Box]) -> tuple[tuple[Point, ...], ...]:
        b = boxes[self.box]
        return b.faces(*self.rows, *self.cols, *self.depth)


@dataclass(frozen=True)
class Line:
    a: Point
    b: Point
    role: str = "kernel"  # kernel | pool | dense


@dataclass(frozen=True)
class TextLabel:
    """Text whose baseline starts (``anchor="start"``) or is centred (``"middle"``) at ``at``."""

    text: str
    at: Point
    size: float
    anchor: str = "middle"  # start | middle
    role: str = "size"  # size | layer | caption | title | step
    covers: tuple[int, ...] = ()  # the elements a size or layer label names

    def rect(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` the text can cover (ascent above the baseline, descent below)."""
        w = text_width(self.text, self.size)
        x0 = self.at[0] - (w / 2 if self.anchor == "middle" else 0)
        return (x0, self.at[1] - ASCENT * self.size, x0 + w, self.at[1] + DESCENT * self.size)


@dataclass(frozen=True)
class NetworkFigure:
    """Everything a renderer needs, in pixels: draw boxes, then windows, then lines, then text."""

    width: int
    height: int
    boxes: tuple[Box, ...]
    windows: tuple[Window, ...]
    lines: tuple[Line, ...]
    labels: tuple[TextLabel, ...]
    theme: str = "solarized"
    unit: float = 1.0  # pixels per layout unit (the scale chosen to fit the width)
    highlights: tuple[Window, ...] = ()  # receptive-field frames: regions drawn over all else

    def box(self, key: str) -> Box:
        for b in self.boxes:
            if b.key == key:
                return b
        raise KeyError(key)

    @property
    def box_map(self) -> dict[str, Box]:
        return {b.key: b for b in self.boxes}


# ---------------------------------------------------------------------------------------------
# Colours and painting order (shared by the PNG and the SVG)
# ---------------------------------------------------------------------------------------------


def _palette(t: Theme) -> dict[str, str]:
    return {
        "input": blend(t.input, t.background, 0.55),
        "conv": t.input,
        "maxpool": t.output,
        "avgpool": t.output,
        "fc": t.subscript,
        "kernel": t.winner,
        "pool": blend(t.winner, t.background, 0.35),
        "cell": t.winner,
        "region": "#b58900",  # Solarized yellow: the receptive field, on every map colour
    }


def _faces_with_colours(fig: NetworkFigure, extra: Sequence[Window] = ()):
    """``(polygon, fill)`` in painting order: boxes, windows and cells, then highlights."""
    t = THEMES[fig.theme]
    colours = _palette(t)
    boxes = fig.box_map
    out = []

    def shade(fill: str) -> tuple[str, str, str]:
        return fill, blend(fill, "#ffffff", 0.35), blend(fill, "#000000", 0.25)

    for b in fig.boxes:
        for poly, fill in zip(b.faces(), shade(colours[b.kind]), strict=True):
            out.append((poly, fill))
    for w in (*fig.windows, *fig.highlights, *extra):
        for poly, fill in zip(w.faces(boxes), shade(colours[w.role]), strict=True):
            out.append((poly, fill))
    return out


def _line_colour(t: Theme, role: str) -> str:
    return t.line if role == "kernel" else blend(t.line, t.background, 0.55)


def _text_colour(t: Theme, role: str) -> str:
    return t.muted if role in ("caption", "layer") else t.text

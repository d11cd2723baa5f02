"""Where a plan's grids, labels, legend and caption go (standard library only).

:func:`perspective_layout` is the paper's picture: the output plane floats
:func:`~convanim.draw.geometry.output_lift` above the input plane and a quarter cell left, and
labels, legend and caption go into the picture's empty corners when they fit (so the 15
conv_arithmetic animations keep the originals' sizes), else into rows of their own.
:func:`flat_layout` puts the maps side by side; :func:`add_bands` adds the rows under the
picture. Used by :func:`convanim.draw.plan.build_plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from convanim.draw.geometry import (
    OUTPUT_SHIFT,
    Point,
    flat_transform,
    output_lift,
    perspective_transform,
    plane_extent,
    plane_polygon,
    rect_meets_polygon,
)
from convanim.draw.labels import Label, text_width
from convanim.draw.trace import Trace

__all__ = [
    "Layout",
    "Options",
    "LABEL_SIZE",
    "MIN_NUMBER_SIZE",
    "as2d",
    "shape2d",
    "legend_entry_width",
    "cell_width",
    "perspective_layout",
    "flat_layout",
    "add_bands",
]

#: Font size of labels, legend and caption, in units: 14.75 px at the default 29.5 px cell.
LABEL_SIZE = 0.5
#: The smallest font size of numbers in cells (cells widen instead): 10 px at the default cell.
MIN_NUMBER_SIZE = 0.34


@dataclass
class Layout:
    """Where everything static goes (units, y down), before the bands are added."""

    width: float
    body: float  # height of the picture without the bands
    geom: dict[str, tuple]
    labels: list[Label]
    legend_places: list[Point] = field(default_factory=list)
    legend_in_body: bool = False
    caption_in_body: bool = False


@dataclass(frozen=True)
class Options:
    """build_plan's choices once defaults are resolved."""

    look: str
    numbers: bool
    labels: bool
    fill: str
    subscripts: bool
    show_kernel: bool
    caption: str
    names: dict[str, str]
    label_size: float = LABEL_SIZE


def as2d(pos: Sequence[int]) -> tuple[int, int]:
    """Traces are 1-, 2- (or 3-) D; plans draw 2-D grids, a 1-D signal being one row."""
    if len(pos) == 1:
        return (0, pos[0])
    if len(pos) == 2:
        return (pos[0], pos[1])
    raise ValueError("only 1-D and 2-D operations can be drawn (got a 3-D trace)")


def shape2d(shape: Sequence[int]) -> tuple[int, int]:
    """A 1-D shape ``(n,)`` is drawn as one row: ``(1, n)``."""
    shape = tuple(shape)
    return (1, shape[0]) if len(shape) == 1 else as2d(shape)


def legend_entry_width(text: str, size: float) -> float:
    """Room for one legend entry in a row: swatch, gap, text, gap to the next entry."""
    return size * 1.3 + text_width(text, size) + size * 0.9


def cell_width(texts: dict[str, tuple[str, ...] | None], o: Options) -> float:
    """Flat cells widen (never shrink) so the longest number fits at the minimum size; with
    subscripts the number has the cell's upper-left part only."""
    longest = max(
        (text_width(t, MIN_NUMBER_SIZE) for v in texts.values() if v for t in v), default=0
    )
    room = 0.62 if o.subscripts else 0.86
    return max(1.0, round(longest / room, 2))


def _convex_hull(points: Sequence[Point]) -> list[Point]:
    """Andrew's monotone chain, counter-clockwise."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    upper: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


class _Placer:
    """Free room in a perspective picture (y up): inside the box, off the planes' convex hull
    (so off every plane and every connector line, which join the two planes), off each other."""

    def __init__(self, width: float, top: float, hull: list[Point]) -> None:
        self.width, self.top, self.hull = width, top, hull
        self.taken: list[tuple[float, float, float, float]] = []

    def free(self, box: tuple[float, float, float, float], pad: float = 0.05) -> bool:
        x0, y0, x1, y1 = box
        if x0 < -1e-9 or y0 < -1e-9 or x1 > self.width + 1e-9 or y1 > self.top + 1e-9:
            return False
        grown = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        if rect_meets_polygon(grown, self.hull):
            return False
        return not any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in self.taken)

    def take(self, boxes: list[tuple[float, float, float, float]]) -> bool:
        """Take every box or none."""
        if all(self.free(b) for b in boxes):
            self.taken.extend(boxes)
            return True
        return False


def perspective_layout(trace: Trace, o: Options, entries: Sequence[tuple[str, str]]) -> Layout:
    """The paper's picture: the output plane floats ``output_lift`` above the input and a
    quarter cell left; labels, legend and caption go into the empty corners when they fit
    (so the 15 keep the originals' sizes), else into rows of their own."""
    gr, gc = shape2d(trace.grid_shape)
    orows, ocols = shape2d(trace.output_shape)
    dx, lift = OUTPUT_SHIFT, output_lift(gr)
    ixmin, ixmax, _, iymax = plane_extent(gr, gc)
    oxmin, oxmax, _, oymax = plane_extent(orows, ocols)
    xmin = min(ixmin, dx + oxmin)
    width = max(ixmax, dx + oxmax) - xmin
    top = max(iymax, lift + oymax)
    hull = _convex_hull(
        plane_polygon(gr, gc, -xmin, 0.0) + plane_polygon(orows, ocols, dx - xmin, lift)
    )
    place = _Placer(width, top, hull)
    s = o.label_size
    above = below = 0.0
    labels: list[Label] = []
    if o.labels:
        w_out, w_in = text_width(o.names["output"], s), text_width(o.names["input"], s)
        if not place.take([(0.0, top - s, w_out, top)]):
            above = s * 1.4
        if not place.take([(0.0, 0.0, w_in, s)]):
            below = s * 1.4
    lay = Layout(width, above + top + below, {}, labels)
    if o.labels:
        labels.append(Label(o.names["output"], (0.0, 0.0), ("left", "top"), s))
        labels.append(Label(o.names["input"], (0.0, lay.body), ("left", "bottom"), s))
    lay.geom = {
        "input": perspective_transform(gr, -xmin, 0.0, above + top),
        "output": perspective_transform(orows, dx - xmin, lift, above + top),
    }
    # Legend: a column in the bottom-right corner, the longest entry lowest (the corner is a
    # triangle widening downwards).
    pitch = s * 1.4
    widths = [s * 1.3 + text_width(text, s) for _, text in entries]
    rank = sorted(range(len(entries)), key=lambda i: widths[i])  # top to bottom
    boxes = {}
    for row, i in enumerate(reversed(rank)):
        y0 = 0.05 + row * pitch
        boxes[i] = (width - widths[i], y0, width, y0 + s)
    if entries and place.take(list(boxes.values())):
        lay.legend_in_body = True
        lay.legend_places = [(boxes[i][0], above + top - boxes[i][3]) for i in range(len(entries))]
    # Caption: top-right, one line per clause.
    if o.caption:
        lines = [part.strip() for part in o.caption.replace(", ", ",\n").split("\n")]
        cboxes = [
            (width - text_width(line, s), top - s - j * pitch, width, top - j * pitch)
            for j, line in enumerate(lines)
        ]
        if place.take(cboxes):
            lay.caption_in_body = True
            for j, line in enumerate(lines):
                labels.append(
                    Label(line, (width, above + j * pitch), ("right", "top"), s, "caption")
                )
    return lay


def flat_layout(trace: Trace, o: Options, entries: Sequence[tuple[str, str]], cw: float) -> Layout:
    """Side by side: input, output (and the kernel below the output or to its right), each
    labelled above; cells ``cw`` wide."""
    gr, gc = shape2d(trace.grid_shape)
    orows, ocols = shape2d(trace.output_shape)
    top_band = max(1.0, 2 * o.label_size) if o.labels else 0.0
    gap = 1.5
    ox = gc * cw + gap
    right = ox + ocols * cw
    kx = ky = 0.0
    krows = kcols = 0
    if o.show_kernel:
        krows, kcols = shape2d(trace.kernel_shape)
        if orows + 1.0 + krows <= max(gr, orows):
            kx, ky = ox, top_band + orows + 1.0
        else:
            kx, ky = right + gap, top_band
        right = max(right, kx + kcols * cw)
    body = top_band + max(gr, orows, (ky - top_band + krows) if o.show_kernel else 0)
    geom = {"input": flat_transform(0.0, top_band), "output": flat_transform(ox, top_band)}
    if o.show_kernel:
        geom["kernel"] = flat_transform(kx, ky)
    geom = {k: (cw, *v[1:]) for k, v in geom.items()}
    labels: list[Label] = []
    if o.labels:
        s = o.label_size
        labels.append(Label(o.names["input"], (0.0, top_band - 0.2), ("left", "bottom"), s))
        labels.append(Label(o.names["output"], (ox, top_band - 0.2), ("left", "bottom"), s))
        if o.show_kernel:
            flipped = trace.mode == "convolution" or trace.op == "transposed"
            ktext = o.names["kernel"] + (" (rotated)" if flipped else "")
            labels.append(Label(ktext, (kx, ky - 0.2), ("left", "bottom"), s))
    # A label longer than its map ("convolved feature") widens the picture, never clips.
    width = max([right] + [lb.box()[2] for lb in labels])
    return Layout(width, body, geom, labels)


def add_bands(
    lay: Layout, entries: Sequence[tuple[str, str]], caption: str, s: float
) -> tuple[float, float, list[Point]]:
    """Rows under the picture for a legend or caption that found no room inside it; a row
    wider than the picture widens it (grids and labels kept centred)."""
    height = lay.body
    if entries and not lay.legend_in_body:
        needed = sum(legend_entry_width(text, s) for _, text in entries)
        _widen(lay, needed)
        x = (lay.width - needed) / 2
        lay.legend_places = []
        for _, text in entries:
            lay.legend_places.append((x, height + s * 0.45))
            x += legend_entry_width(text, s)
        height += s * 1.9
    if caption and not lay.caption_in_body:
        _widen(lay, text_width(caption, s) + 0.2)
        at = (lay.width / 2, height + 0.1)
        lay.labels.append(Label(caption, at, ("centre", "top"), s, "caption"))
        height += s * 1.6
    return lay.width, height, list(lay.legend_places)


def _widen(lay: Layout, needed: float) -> None:
    """Widen the picture to ``needed`` units, everything kept centred: a caption or legend
    longer than a tiny map widens the picture rather than being clipped."""
    if needed <= lay.width:
        return
    dx = (needed - lay.width) / 2
    lay.width = needed
    lay.geom = {k: (*v[:2], v[2] + dx, *v[3:]) for k, v in lay.geom.items()}
    lay.labels[:] = [replace(lb, at=(lb.at[0] + dx, lb.at[1])) for lb in lay.labels]
    lay.legend_places = [(x + dx, y) for x, y in lay.legend_places]

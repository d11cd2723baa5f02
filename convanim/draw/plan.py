"""The step plan: what every frame of an animation shows, as plain data.

A plan is built once from an engine :class:`~convanim.draw.trace.Trace` and then drawn by any
renderer: :mod:`convanim.draw.gif` (Pillow) and the Manim scenes draw the *same* plan, so a GIF and
a video of one operation can never disagree. Standard library only.

Everything a renderer needs is decided here, once:

* **Geometry**, in *units* (1 unit = the side of one cell), y pointing **down**, origin at the
  top-left of the content box (renderers add their own margin; Manim flips y). Each
  :class:`GridView` carries an affine map from cell corners ``(col, row)`` to units, so the
  perspective look (the paper's slant, :mod:`convanim.draw.geometry`) and the flat look differ
  only in that map. In the perspective look the output plane floats clear of the input plane
  for any sizes, and the connector lines stop at the window and at the output plane, so the
  window is never covered.
* **Roles** of every cell (``input``, ``padding``, ``inserted``, ``output_padding``,
  ``dropped``, ``output``, ``kernel``) and the **text** drawn in it, already formatted
  (:mod:`convanim.draw.labels`), so both renderers print the engine's numbers identically.
* **Frames**: shaded window cells, the window's outline, the current output cell, connector
  lines, kernel weights shown as subscripts, the max-pooling winner, which output values are
  visible, and the duration.
* **Labels**, the **legend** and a **caption**, placed where no plane or connector can be.
* **Colours**: :data:`THEMES` (Solarized, as in the paper) keyed by role.

>>> from convanim.draw.trace import Step, Tap, Trace
>>> taps = tuple(Tap((0, c), (0, c), "input", float(c), (0, c), 1.0, float(c)) for c in range(2))
>>> t = Trace("conv", "correlation", (1, 3), (1, 3), (1, 2), (1, 2),
...           steps=(Step((0, 0), taps, 1.0, value=1.0),),
...           grid_roles={(0, c): "input" for c in range(3)})
>>> p = build_plan(t, look="flat", labels=False)
>>> len(p.frames), p.grid("input").rows, p.grid("input").cols, p.grid("output").cols
(1, 1, 3, 2)
>>> p.frames[0].window, p.frames[0].output_cell
(((0, 0), (0, 1)), (0, 0))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from convanim.draw.geometry import (
    OUTPUT_SHIFT,
    SLANT,
    Point,
    clip_outside,
    flat_transform,
    output_lift,
    perspective_transform,
    plane_extent,
    plane_polygon,
    rect_meets_polygon,
)
from convanim.draw.labels import Label, cell_texts, format_values, text_width
from convanim.draw.stackplan import StackFrame, StackPlan, build_stack_plan
from convanim.draw.themes import ROLE_NAMES, THEMES, Theme, blend, contrast
from convanim.draw.trace import Step, Trace

__all__ = [
    "Look",
    "Theme",
    "THEMES",
    "SLANT",
    "GridView",
    "Label",
    "Frame",
    "Plan",
    "build_plan",
    "format_values",
    "ROLE_NAMES",
    "StackFrame",
    "StackPlan",
    "build_stack_plan",
    "caption_for",
    "step_note",
    "contrast",
    "blend",
    "LABEL_SIZE",
    "NUMBER_SIZE",
    "MIN_NUMBER_SIZE",
]

Look = Literal["perspective", "flat"]
Fill = Literal["all", "progressive", "none"]

#: Font size of labels, legend and caption, in units: 14.75 px at the default 29.5 px cell.
LABEL_SIZE = 0.5
#: Font size of the numbers in cells (flat, perspective) and the smallest they may shrink to
#: (cells widen instead): 13.3 / 11.2 px, never under 10 px, at the default cell.
NUMBER_SIZE = {"flat": 0.45, "perspective": 0.38}
MIN_NUMBER_SIZE = 0.34
SUBSCRIPT_SIZE = 0.3


# ---------------------------------------------------------------------------------------------
# Plain data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridView:
    """One drawn grid: its cells' roles and texts, and where its corners land.

    ``transform = (ax, bx, tx, ay, by, ty)`` maps a corner ``(col, row)`` (0 … cols, 0 … rows)
    to units: ``x = ax·col + bx·row + tx``, ``y = ay·col + by·row + ty`` (y down).
    """

    key: str  # "input" | "output" | "kernel"
    rows: int
    cols: int
    roles: tuple[str, ...]  # row-major
    texts: tuple[str, ...] | None  # row-major, "" where nothing is written; None: no numbers
    transform: tuple[float, float, float, float, float, float]

    def index(self, r: int, c: int) -> int:
        return r * self.cols + c

    def role(self, r: int, c: int) -> str:
        return self.roles[self.index(r, c)]

    def text(self, r: int, c: int) -> str:
        return self.texts[self.index(r, c)] if self.texts else ""

    def point(self, col: float, row: float) -> Point:
        """Units of the corner (or any point) at ``(col, row)`` in cell coordinates."""
        ax, bx, tx, ay, by, ty = self.transform
        return (ax * col + bx * row + tx, ay * col + by * row + ty)

    def cell_polygon(self, r: int, c: int) -> tuple[Point, Point, Point, Point]:
        """Corners of cell ``(r, c)``: top-left, top-right, bottom-right, bottom-left."""
        return self.box_polygon(r, c, r + 1, c + 1)

    def box_polygon(self, r0: int, c0: int, r1: int, c1: int) -> tuple[Point, Point, Point, Point]:
        """Corners of the block of rows ``r0 … r1−1`` and columns ``c0 … c1−1``."""
        return (self.point(c0, r0), self.point(c1, r0), self.point(c1, r1), self.point(c0, r1))

    def centre(self, r: int, c: int) -> Point:
        return self.point(c + 0.5, r + 0.5)

    @property
    def cell_width(self) -> float:
        """Width of one cell in units (flat grids widen for long numbers)."""
        return math.hypot(self.transform[0], self.transform[3])

    def outline(self) -> tuple[Point, Point, Point, Point]:
        """The whole grid's corners."""
        return self.box_polygon(0, 0, self.rows, self.cols)


@dataclass(frozen=True)
class Frame:
    """What one frame shows on top of the static grids."""

    step: int
    window: tuple[tuple[int, int], ...] = ()  # input-grid cells under the kernel (shaded)
    window_box: tuple[int, int, int, int] | None = None  # (r0, c0, r1, c1), outlined thick
    output_cell: tuple[int, int] | None = None  # shaded output cell
    shown_outputs: frozenset[tuple[int, int]] = frozenset()  # output cells whose text shows
    subscripts: tuple[tuple[tuple[int, int], str], ...] = ()  # kernel weight over a grid cell
    winner: tuple[int, int] | None = None  # max pooling: input-grid cell of the maximum
    lines: tuple[tuple[Point, Point], ...] = ()  # connectors, in units, clipped (see build_plan)
    duration_ms: int = 1000
    note: str = ""  # optional per-frame caption (e.g. the sum of products)


@dataclass(frozen=True)
class Plan:
    """A whole animation: static grids, labels and legend, then one :class:`Frame` per step."""

    name: str
    look: Look
    width: float  # content box, units
    height: float
    grids: tuple[GridView, ...]
    frames: tuple[Frame, ...]
    labels: tuple[Label, ...] = ()
    legend: tuple[tuple[str, str], ...] = ()  # (role, text)
    legend_at: Point = (0.0, 0.0)  # top-left of the first legend swatch, units
    legend_size: float = LABEL_SIZE
    mode: str = "correlation"
    op: str = "conv"
    numbers: bool = False
    params: dict[str, object] = field(default_factory=dict)
    legend_places: tuple[Point, ...] = ()  # top-left of each swatch (empty: one row from legend_at)
    number_size: float = 0.45  # font size of the numbers in cells, units

    def grid(self, key: str) -> GridView:
        for g in self.grids:
            if g.key == key:
                return g
        raise KeyError(key)

    def has_grid(self, key: str) -> bool:
        return any(g.key == key for g in self.grids)

    @property
    def durations(self) -> list[int]:
        return [f.duration_ms for f in self.frames]

    def legend_items(self) -> list[tuple[str, str, Point, Point]]:
        """``(role, text, swatch top-left, text anchor (left, middle))`` of each legend entry,
        in units; the swatch is a ``legend_size`` square (both renderers place them so)."""
        size = self.legend_size
        places = list(self.legend_places)
        if len(places) != len(self.legend):
            x, y = self.legend_at
            places = []
            for _, text in self.legend:
                places.append((x, y))
                x += _legend_entry_width(text, size)
        return [
            (role, text, (x, y), (x + size * 1.3, y + size / 2))
            for (role, text), (x, y) in zip(self.legend, places, strict=True)
        ]

    def pixel_size(self, cell_px: float, margin_px: float) -> tuple[int, int]:
        """Image size for a cell size and margin (both renderers use this rounding)."""
        return (
            int(round(self.width * cell_px + 2 * margin_px)),
            int(round(self.height * cell_px + 2 * margin_px)),
        )

    def input_plane(self) -> tuple[Point, ...]:
        """The input grid's outline (units, y down)."""
        return self.grid("input").outline()

    def output_plane(self) -> tuple[Point, ...]:
        """The output grid's outline (units, y down)."""
        return self.grid("output").outline()


# ---------------------------------------------------------------------------------------------
# Building a plan from a trace
# ---------------------------------------------------------------------------------------------


def _as2d(pos: Sequence[int]) -> tuple[int, int]:
    """Traces are 1-, 2- (or 3-) D; plans draw 2-D grids, a 1-D signal being one row."""
    if len(pos) == 1:
        return (0, pos[0])
    if len(pos) == 2:
        return (pos[0], pos[1])
    raise ValueError("only 1-D and 2-D operations can be drawn (got a 3-D trace)")


def _shape2d(shape: Sequence[int]) -> tuple[int, int]:
    """A 1-D shape ``(n,)`` is drawn as one row: ``(1, n)``."""
    shape = tuple(shape)
    return (1, shape[0]) if len(shape) == 1 else _as2d(shape)


def _legend_entries(roles: Sequence[str], enabled: bool) -> tuple[tuple[str, str], ...]:
    present = set(roles)
    # A legend is needed whenever zeros of two kinds (or unreachable cells) could be confused.
    if not enabled or not present & {"inserted", "dropped", "output_padding"}:
        return ()
    order = ["input", "padding", "inserted", "output_padding", "dropped"]
    return tuple((r, ROLE_NAMES[r]) for r in order if r in present)


def _legend_entry_width(text: str, size: float) -> float:
    """Room for one legend entry in a row: swatch, gap, text, gap to the next entry."""
    return size * 1.3 + text_width(text, size) + size * 0.9


@dataclass
class _Layout:
    """Where everything static goes (units, y down), before the bands are added."""

    width: float
    body: float  # height of the picture without the bands
    geom: dict[str, tuple]
    labels: list[Label]
    legend_places: list[Point] = field(default_factory=list)
    legend_in_body: bool = False
    caption_in_body: bool = False


@dataclass(frozen=True)
class _Options:
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


def build_plan(
    trace: Trace,
    *,
    look: Look = "perspective",
    numbers: bool = False,
    labels: bool = True,
    legend: bool = True,
    fill: Fill | None = None,
    subscripts: bool | None = None,
    show_kernel: bool | None = None,
    duration_ms: int = 1000,
    hold_last_ms: int | None = None,
    name: str = "",
    label_texts: dict[str, str] | None = None,
    caption: str | None = None,
    label_size: float = LABEL_SIZE,
) -> Plan:
    """Turn a trace into a plan.

    ``look``: ``perspective`` (conv_arithmetic's slanted planes, output above) or ``flat``
    (side by side). ``numbers``: write the engine's values in the cells. ``fill``: which output
    values are visible: ``all`` from the first frame (the paper's numerical figures),
    ``progressive`` (each value appears when computed) or ``none``; default ``progressive``
    with numbers. ``subscripts``: kernel weights over the window cells (default: with numbers,
    for convolutions). ``show_kernel``: draw the kernel as its own grid (flat look, default with
    numbers for convolutions). ``hold_last_ms``: the last frame's duration (default
    ``duration_ms``) — holding a frame never duplicates it. ``label_texts`` renames the
    ``input``/``output``/``kernel`` labels (e.g. "image", "convolved feature"). ``caption``
    replaces the line under the picture (default :func:`caption_for`; ``""`` for none).
    ``label_size``: the font size of labels, legend and caption in units (larger on small
    cells, so text stays readable).
    """
    if trace.op == "scatter":
        raise ValueError("the scatter view of a transposed convolution has no grid plan yet")
    if duration_ms <= 0 or (hold_last_ms is not None and hold_last_ms <= 0):
        raise ValueError("frame durations must be positive")
    o = _resolve(trace, look, numbers, labels, fill, subscripts, show_kernel, label_texts, caption)
    o = replace(o, label_size=max(label_size, 0.1))
    gr, gc = _shape2d(trace.grid_shape)
    roles = _drawn_roles(trace, gr, gc)
    entries = _legend_entries(roles, legend)
    texts = _grid_texts(trace, o)
    if o.look == "perspective":
        lay = _perspective_layout(trace, o, entries)
    else:
        lay = _flat_layout(trace, o, entries, _cell_width(texts, o))
    width, height, legend_places = _add_bands(lay, entries, o.caption, o.label_size)
    grids = _grids(trace, roles, texts, lay.geom)
    frames = _frames(trace, grids, o, duration_ms, hold_last_ms)
    return Plan(
        name=name or trace.op,
        look=o.look,  # type: ignore[arg-type]
        width=width,
        height=height,
        grids=grids,
        frames=frames,
        labels=tuple(lay.labels),
        legend=entries,
        legend_at=legend_places[0] if legend_places else (0.0, 0.0),
        legend_size=o.label_size,
        mode=trace.mode,
        op=trace.op,
        numbers=o.numbers,
        params=dict(trace.params),
        legend_places=tuple(legend_places),
        number_size=NUMBER_SIZE[o.look],
    )


def _resolve(
    trace: Trace,
    look: str,
    numbers: bool,
    labels: bool,
    fill: str | None,
    subscripts: bool | None,
    show_kernel: bool | None,
    label_texts: dict[str, str] | None,
    caption: str | None,
) -> _Options:
    has_weights = any(t.weight is not None for s in trace.steps for t in s.taps)
    if fill is None or not numbers:
        fill = "progressive" if numbers else "none"
    if subscripts is None:
        subscripts = numbers and has_weights
    if show_kernel is None:
        show_kernel = numbers and has_weights and look == "flat" and bool(trace.kernel_values)
    if caption is None:
        caption = caption_for(trace, numbers, has_weights)
    names = {"input": "input", "output": "output", "kernel": "kernel", **(label_texts or {})}
    return _Options(look, numbers, labels, fill, subscripts, show_kernel, caption, names)


def _grid_texts(trace: Trace, o: _Options) -> dict[str, tuple[str, ...] | None]:
    """The texts of the input, output and kernel grids (None without numbers)."""
    if not o.numbers:
        return {"input": None, "output": None, "kernel": None}
    gr, gc = _shape2d(trace.grid_shape)
    orows, ocols = _shape2d(trace.output_shape)
    keys = [_key(trace.grid_shape, r, c) for r in range(gr) for c in range(gc)]
    okeys = [_key(trace.output_shape, r, c) for r in range(orows) for c in range(ocols)]
    out_values = [trace.output_values.get(k) for k in okeys]
    if any(v is None for v in out_values):  # fall back on the steps' own values
        by_out = {_as2d(s.output): s.value for s in trace.steps}
        out_values = [by_out.get(_as2d(k), 0.0) for k in okeys]
    krows, kcols = _shape2d(trace.kernel_shape)
    kkeys = [_key(trace.kernel_shape, r, c) for r in range(krows) for c in range(kcols)]
    return {
        "input": cell_texts(trace.grid_values.get(k, 0.0) for k in keys),
        "output": cell_texts(out_values),
        "kernel": format_values(trace.kernel_values.get(k, 0.0) for k in kkeys)
        if o.show_kernel
        else None,
    }


def _cell_width(texts: dict[str, tuple[str, ...] | None], o: _Options) -> float:
    """Flat cells widen (never shrink) so the longest number fits at the minimum size; with
    subscripts the number has the cell's upper-left part only."""
    longest = max(
        (text_width(t, MIN_NUMBER_SIZE) for v in texts.values() if v for t in v), default=0
    )
    room = 0.62 if o.subscripts else 0.86
    return max(1.0, round(longest / room, 2))


def _grids(
    trace: Trace,
    roles: tuple[str, ...],
    texts: dict[str, tuple[str, ...] | None],
    geom: dict[str, tuple],
) -> tuple[GridView, ...]:
    gr, gc = _shape2d(trace.grid_shape)
    orows, ocols = _shape2d(trace.output_shape)
    grids = [
        GridView("input", gr, gc, roles, texts["input"], geom["input"]),
        GridView(
            "output", orows, ocols, ("output",) * (orows * ocols), texts["output"], geom["output"]
        ),
    ]
    if "kernel" in geom:
        krows, kcols = _shape2d(trace.kernel_shape)
        kroles = ("kernel",) * (krows * kcols)
        grids.append(GridView("kernel", krows, kcols, kroles, texts["kernel"], geom["kernel"]))
    return tuple(grids)


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


def _perspective_layout(trace: Trace, o: _Options, entries: Sequence[tuple[str, str]]) -> _Layout:
    """The paper's picture: the output plane floats ``output_lift`` above the input and a
    quarter cell left; labels, legend and caption go into the empty corners when they fit
    (so the 15 keep the originals' sizes), else into rows of their own."""
    gr, gc = _shape2d(trace.grid_shape)
    orows, ocols = _shape2d(trace.output_shape)
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
    lay = _Layout(width, above + top + below, {}, labels)
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


def _flat_layout(
    trace: Trace, o: _Options, entries: Sequence[tuple[str, str]], cw: float
) -> _Layout:
    """Side by side: input, output (and the kernel below the output or to its right), each
    labelled above; cells ``cw`` wide."""
    gr, gc = _shape2d(trace.grid_shape)
    orows, ocols = _shape2d(trace.output_shape)
    top_band = max(1.0, 2 * o.label_size) if o.labels else 0.0
    gap = 1.5
    ox = gc * cw + gap
    right = ox + ocols * cw
    kx = ky = 0.0
    krows = kcols = 0
    if o.show_kernel:
        krows, kcols = _shape2d(trace.kernel_shape)
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
    return _Layout(width, body, geom, labels)


def _add_bands(
    lay: _Layout, entries: Sequence[tuple[str, str]], caption: str, s: float
) -> tuple[float, float, list[Point]]:
    """Rows under the picture for a legend or caption that found no room inside it; a row
    wider than the picture widens it (grids and labels kept centred)."""
    height = lay.body
    if entries and not lay.legend_in_body:
        needed = sum(_legend_entry_width(text, s) for _, text in entries)
        _widen(lay, needed)
        x = (lay.width - needed) / 2
        lay.legend_places = []
        for _, text in entries:
            lay.legend_places.append((x, height + s * 0.45))
            x += _legend_entry_width(text, s)
        height += s * 1.9
    if caption and not lay.caption_in_body:
        _widen(lay, text_width(caption, s) + 0.2)
        at = (lay.width / 2, height + 0.1)
        lay.labels.append(Label(caption, at, ("centre", "top"), s, "caption"))
        height += s * 1.6
    return lay.width, height, list(lay.legend_places)


def _widen(lay: _Layout, needed: float) -> None:
    """Widen the picture to ``needed`` units, everything kept centred: a caption or legend
    longer than a tiny map widens the picture rather than being clipped."""
    if needed <= lay.width:
        return
    dx = (needed - lay.width) / 2
    lay.width = needed
    lay.geom = {k: (*v[:2], v[2] + dx, *v[3:]) for k, v in lay.geom.items()}
    lay.labels[:] = [replace(lb, at=(lb.at[0] + dx, lb.at[1])) for lb in lay.labels]
    lay.legend_places = [(x + dx, y) for x, y in lay.legend_places]


def _frames(
    trace: Trace,
    grids: tuple[GridView, ...],
    o: _Options,
    duration_ms: int,
    hold_last_ms: int | None,
) -> tuple[Frame, ...]:
    g_in, g_out = grids[0], grids[1]
    weight_texts: dict[float, str] = {}
    if o.subscripts:
        all_w = sorted({t.weight for s in trace.steps for t in s.taps if t.weight is not None})
        weight_texts = dict(zip(all_w, format_values(all_w), strict=True))
    shown: set[tuple[int, int]] = set()
    all_outputs = frozenset((r, c) for r in range(g_out.rows) for c in range(g_out.cols))
    frames: list[Frame] = []
    n = len(trace.steps)
    for i, step in enumerate(trace.steps):
        cells = tuple(_as2d(t.grid) for t in step.taps)
        box = None
        if cells:
            rs = [r for r, _ in cells]
            cs = [c for _, c in cells]
            box = (min(rs), min(cs), max(rs) + 1, max(cs) + 1)
        out = _as2d(step.output)
        if o.fill == "all":
            visible = all_outputs
        elif o.fill == "progressive":
            shown.add(out)
            visible = frozenset(shown)
        else:
            visible = frozenset()
        subs: tuple = ()
        if o.subscripts:
            subs = tuple(
                (_as2d(t.grid), weight_texts[t.weight]) for t in step.taps if t.weight is not None
            )
        lines = connectors(g_in, g_out, box, out) if o.look == "perspective" and box else ()
        winner = _as2d(step.winner) if step.winner is not None and trace.op == "max_pool" else None
        last = i == n - 1
        frames.append(
            Frame(
                step=i,
                window=cells,
                window_box=box,
                output_cell=out,
                shown_outputs=visible,
                subscripts=subs,
                winner=winner,
                lines=lines,
                duration_ms=(hold_last_ms or duration_ms) if last else duration_ms,
                note=step_note(trace.op, step) if o.numbers else "",
            )
        )
    return tuple(frames)


def connectors(
    g_in: GridView, g_out: GridView, box: tuple[int, int, int, int], cell: tuple[int, int]
) -> tuple[tuple[Point, Point], ...]:
    """Lines from the window's corners to the output cell's, as the paper draws them, less
    what the window and the output plane hide: a line never crosses the window (which stays
    whole in every frame) and goes under the opaque output plane, as in the originals.

    Each line is the part of ``window corner → cell corner`` outside both polygons; a line
    entirely hidden is left out.
    """
    wpoly = g_in.box_polygon(*box)
    cpoly = g_out.cell_polygon(*cell)
    plane = g_out.outline()
    pieces: list[tuple[Point, Point]] = []
    for a, b in zip(wpoly, cpoly, strict=True):
        pieces.extend(clip_outside(a, b, [wpoly, plane]))
    return tuple(pieces)


def step_note(op: str, step: Step) -> str:
    """The arithmetic of one step as text, with the engine's numbers.

    >>> from convanim.draw.trace import Step, Tap
    >>> taps = (Tap((0,), (0,), "input", 3.0, (0,), 2.0, 6.0), Tap((1,), None, "padding", 0.0, (1,), -1.0, 0.0))
    >>> step_note("conv", Step((0,), taps, 6.0, value=6.0))
    '3·2 + 0·(−1) = 6'
    >>> step_note("avg_pool", Step((0,), taps, 3.0, value=1.5, divisor=2.0))
    '(3 + 0) / 2 = 1.5'
    """
    vals = format_values([t.value for t in step.taps])
    result = format_values([step.value])[0]
    if op == "max_pool":
        return f"max({', '.join(vals)}) = {result}"
    if op == "avg_pool":
        div = format_values([step.divisor or len(step.taps)])[0]
        return f"({' + '.join(vals)}) / {div} = {result}"
    if op == "lp_pool" or any(t.weight is None for t in step.taps):
        return result
    ws = [
        w if not w.startswith("\u2212") else f"({w})"
        for w in format_values([t.weight for t in step.taps])
    ]
    terms = " + ".join(f"{v}·{w}" for v, w in zip(vals, ws, strict=True))
    bias = f" + {format_values([step.bias])[0]}" if step.bias else ""
    return f"{terms}{bias} = {result}"


def _drawn_roles(trace: Trace, rows: int, cols: int) -> tuple[str, ...]:
    """Roles as drawn. The engine marks every cell no window reaches ``dropped``; a dropped
    cell outside the real input is still padding (conv_arithmetic draws it dashed), only
    dropped *input* keeps the ``dropped`` look ("never covered": data the floor throws away).
    A transposed convolution's ``output_padding`` rows and columns (bottom/right of its
    direct view) are told apart from the padding on every side."""
    raw = [
        trace.grid_roles.get(_key(trace.grid_shape, r, c), "input")
        for r in range(rows)
        for c in range(cols)
    ]
    if trace.op == "transposed":
        extra = tuple(int(v) for v in trace.params.get("output_padding", ()) or ())
        er, ec = (0, extra[0]) if len(extra) == 1 else (extra + (0, 0))[:2]
        return tuple(
            "output_padding"
            if role == "padding" and (i // cols >= rows - er or i % cols >= cols - ec)
            else role
            for i, role in enumerate(raw)
        )
    inputs = [(i // cols, i % cols) for i, role in enumerate(raw) if role == "input"]
    if not inputs or "dropped" not in raw or trace.op == "scatter":
        return tuple(raw)
    hr, hc = _shape2d(trace.input_shape)
    r0 = min(r for r, _ in inputs)
    c0 = min(c for _, c in inputs)
    out = []
    for i, role in enumerate(raw):
        r, c = divmod(i, cols)
        if role == "dropped" and not (r0 <= r < r0 + hr and c0 <= c < c0 + hc):
            role = "padding"
        out.append(role)
    return tuple(out)


def caption_for(trace: Trace, numbers: bool, has_weights: bool) -> str:
    """Say which operation the numbers show (the deck: every numeric view must say it)."""
    if not (numbers and has_weights):
        return ""
    if trace.op == "transposed":
        return "direct view: kernel rotated 180°, stride 1"
    if trace.mode == "convolution":
        return "convolution: kernel flipped (180°)"
    return "cross-correlation (no flip)"


def _key(shape: Sequence[int], r: int, c: int) -> tuple[int, ...]:
    """The trace's coordinate for drawn cell (r, c): 1-D traces use ``(c,)``."""
    return (c,) if len(shape) == 1 else (r, c)

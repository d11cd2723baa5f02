"""The step plan: what every frame of an animation shows, as plain data.

A plan is built once from an engine :class:`~convanim.draw.trace.Trace` and then drawn by any
renderer: :mod:`convanim.draw.gif` (Pillow) and the Manim scenes draw the *same* plan, so a GIF and
a video of one operation can never disagree. Standard library only.

Everything a renderer needs is decided here, once:

* **Geometry**, in *units* (1 unit = the side of one cell), y pointing **down**, origin at the
  top-left of the content box (renderers add their own margin; Manim flips y). Each
  :class:`GridView` carries an affine map from cell corners ``(col, row)`` to units, so the
  perspective look (conv_arithmetic's TikZ ``xslant=-0.7, yslant=0.5``, i.e. ``x′ = x − 0.7y,
  y′ = y + 0.5x`` with y up) and the flat look differ only in that map. Ask
  :meth:`GridView.point`, :meth:`GridView.cell_polygon` and :meth:`GridView.box_polygon`.
* **Roles** of every cell (``input``, ``padding``, ``inserted``, ``dropped``, ``output``,
  ``kernel``) and the **text** drawn in it, already formatted, so both renderers print the
  engine's numbers identically.
* **Frames**: shaded window cells, the window's outline, the current output cell, connector
  lines (window corners to output-cell corners, perspective only), kernel weights shown as
  subscripts, the max-pooling winner, which output values are visible, and the duration.
* **Labels**, the **legend** and a **caption**, with anchors.
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

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
]

Look = Literal["perspective", "flat"]
Fill = Literal["all", "progressive", "none"]
Point = tuple[float, float]

#: conv_arithmetic's slant (TikZ ``xslant=-0.7, yslant=0.5``).
SLANT = (-0.7, 0.5)

#: Text shown in the legend for each role.
ROLE_NAMES = {
    "input": "input",
    "padding": "padding (zero)",
    "inserted": "inserted zero",
    "dropped": "never covered",
}


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
    inserted: str  # fill of inserted zeros (drawn dotted)
    dropped: str  # fill of cells no window reaches
    kernel: str
    shade: str
    shade_alpha: float
    connector: str
    winner: str
    subscript: str
    muted: str  # captions, legend text

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


def _luminance(colour: str) -> float:
    def lin(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 … 21).

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(a: str, b: str, alpha: float) -> str:
    """Mix two ``#rrggbb`` colours: ``(1 − alpha)·a + alpha·b``, rounded.

    >>> blend("#268BD2", "#073642", 0.4)   # conv_arithmetic's shaded input, measured (26,105,152)
    '#1a6998'
    """
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [math.floor((1 - alpha) * x + alpha * y + 0.5) for x, y in zip(ca, cb, strict=True)]
    return "#" + "".join(f"{v:02x}" for v in mixed)


THEMES: dict[str, Theme] = {
    "solarized": Theme(
        name="solarized",
        background="#ffffff",
        line="#002b36",
        text="#002b36",
        input="#268bd2",
        output="#2aa198",
        padding="#ffffff",
        inserted="#eee8d5",
        dropped="#93c5e8",
        kernel="#fdf6e3",
        shade="#073642",
        shade_alpha=0.4,
        connector="#000000",
        winner="#dc322f",
        subscript="#6c71c4",
        muted="#586e75",
    ),
    "dark": Theme(
        name="dark",
        background="#002b36",
        line="#93a1a1",
        text="#fdf6e3",
        input="#268bd2",
        output="#2aa198",
        padding="#002b36",
        inserted="#124b57",  # base02 was too close to the background for zeros to differ
        dropped="#1d5d85",
        kernel="#073642",
        shade="#fdf6e3",
        shade_alpha=0.3,
        connector="#eee8d5",
        winner="#dc322f",
        subscript="#d33682",
        muted="#93a1a1",
    ),
}


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


@dataclass(frozen=True)
class Label:
    """Text at a point. ``anchor`` is (horizontal, vertical): left|centre|right, top|middle|bottom.

    ``size`` is the text height in units.
    """

    text: str
    at: Point
    anchor: tuple[str, str] = ("left", "top")
    size: float = 0.5
    role: str = "label"  # "label" | "caption" | "legend" | "title"


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
    lines: tuple[tuple[Point, Point], ...] = ()  # connectors, in units
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
    legend_at: Point = (0.0, 0.0)  # top-left of the legend row, units
    legend_size: float = 0.42
    mode: str = "correlation"
    op: str = "conv"
    numbers: bool = False
    params: dict[str, object] = field(default_factory=dict)

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
        x, y = self.legend_at
        items = []
        for role, text in self.legend:
            items.append((role, text, (x, y), (x + size * 1.3, y + size / 2)))
            x += _legend_entry_width(text, size)
        return items

    def pixel_size(self, cell_px: float, margin_px: float) -> tuple[int, int]:
        """Image size for a cell size and margin (both renderers use this rounding)."""
        return (
            int(round(self.width * cell_px + 2 * margin_px)),
            int(round(self.height * cell_px + 2 * margin_px)),
        )


# ---------------------------------------------------------------------------------------------
# Building a plan from a trace
# ---------------------------------------------------------------------------------------------

#: Horizontal room per character of legend text, in units of text height (a generous average).
_CHAR_WIDTH = 0.58


def format_values(values: Iterable[float]) -> tuple[str, ...]:
    """Format one grid's numbers: integers when every value is integral, else one decimal.

    One rule for the whole grid keeps columns aligned (conv_arithmetic printed "12.0";
    the average-pooling figure needs "1.7").

    >>> format_values([12.0, 6.0, -0.0])
    ('12', '6', '0')
    >>> format_values([5 / 3, 1.0])
    ('1.7', '1.0')

    Infinite values (max pooling's implicit padding) do not decide the rule for the others:

    >>> format_values([3.0, float("-inf")])
    ('3', '-inf')
    """
    vals = [float(v) for v in values]
    finite = [v for v in vals if math.isfinite(v)]
    if all(v.is_integer() for v in finite):
        return tuple(
            (str(int(v)) if v != 0 else "0") if math.isfinite(v) else _non_finite(v) for v in vals
        )
    return tuple(f"{v:.1f}" if math.isfinite(v) else _non_finite(v) for v in vals)


def _non_finite(v: float) -> str:
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _cell_texts(values: Iterable[float]) -> tuple[str, ...]:
    """Texts written in a grid's cells: :func:`format_values`, with non-finite values left
    blank (the bundled font has no "∞", and a max pool's −∞ padding never wins anyway)."""
    vals = [float(v) for v in values]
    return tuple(
        text if math.isfinite(v) else "" for v, text in zip(vals, format_values(vals), strict=True)
    )


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


def _affine(slanted: bool, rows: int, dx: float, dy_up: float, height: float) -> tuple:
    """The corner map of one grid placed at canvas offset (dx, dy_up) in a y-up canvas.

    Perspective: local ``x = col`` and ``Y = rows − row`` (y up) are slanted,
    ``X = x − 0.7·Y``, ``Yc = Y + 0.5·x``, then flipped to y down: ``y = height − Yc``.
    Flat: the same without slant.
    """
    sx, sy = SLANT if slanted else (0.0, 0.0)
    # X = col + sx*(rows - row) + dx ; y = height - ((rows - row) + sy*col + dy_up)
    return (1.0, -sx, sx * rows + dx, -sy, 1.0, height - rows - dy_up)


def _slanted_extent(rows: int, cols: int) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) of a slanted rows×cols plane in the y-up canvas, origin 0."""
    sx, sy = SLANT
    xs = [c + sx * y for c in (0, cols) for y in (0, rows)]
    ys = [y + sy * c for c in (0, cols) for y in (0, rows)]
    return min(xs), max(xs), min(ys), max(ys)


def _legend_entries(roles: Iterable[str], enabled: bool) -> tuple[tuple[str, str], ...]:
    present = set(roles)
    if not enabled:
        return ()
    # A legend is needed whenever zeros of two kinds (or unreachable cells) could be confused.
    special = present & {"inserted", "dropped"}
    if not special:
        return ()
    order = ["input", "padding", "inserted", "dropped"]
    return tuple((r, ROLE_NAMES[r]) for r in order if r in present)


def _legend_entry_width(text: str, size: float) -> float:
    """Room for one legend entry: swatch, gap, text, gap to the next entry."""
    return size * 1.3 + len(text) * size * _CHAR_WIDTH + size * 0.9


def _legend_width(entries: Sequence[tuple[str, str]], size: float) -> float:
    return sum(_legend_entry_width(text, size) for _, text in entries)


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
    """
    names = {"input": "input", "output": "output", "kernel": "kernel", **(label_texts or {})}
    if trace.op == "scatter":
        raise ValueError("the scatter view of a transposed convolution has no grid plan yet")
    if duration_ms <= 0 or (hold_last_ms is not None and hold_last_ms <= 0):
        raise ValueError("frame durations must be positive")
    if fill is None:
        fill = "progressive" if numbers else "none"
    if not numbers:
        fill = "none"
    has_weights = any(t.weight is not None for s in trace.steps for t in s.taps)
    if subscripts is None:
        subscripts = numbers and has_weights
    if show_kernel is None:
        show_kernel = numbers and has_weights and look == "flat" and bool(trace.kernel_values)

    gr, gc = _shape2d(trace.grid_shape)
    orows, ocols = _shape2d(trace.output_shape)
    roles = _drawn_roles(trace, gr, gc)
    legend_entries = _legend_entries(roles, legend)
    legend_size = 0.42

    # --- layout --------------------------------------------------------------------------
    # Bottom bands (legend row, caption row) sit below the picture in both looks.
    if caption is None:
        caption = caption_for(trace, numbers, has_weights)
    legend_h = legend_size * 1.9 if legend_entries else 0.0
    caption_h = 0.75 if caption else 0.0
    band = legend_h + caption_h
    krows = kcols = 0
    if show_kernel:
        krows, kcols = _shape2d(trace.kernel_shape)
    label_list: list[Label] = []
    if look == "perspective":
        ixmin, ixmax, iymin, iymax = _slanted_extent(gr, gc)
        oxmin, oxmax, oymin, oymax = _slanted_extent(orows, ocols)
        # Output centred over the input and lifted to G + 0.75 − o/3: conv_arithmetic's
        # measured heights (43 + 29.5·(G + 1 + 7o/6) px for square maps) less about 7 px.
        # Every quarter cell of lift costs about 3 % of the catalogue's bytes (the connector
        # lines, a third of every file, lengthen and pass less behind the output plane).
        dx = (ixmin + ixmax) / 2 - (oxmin + oxmax) / 2
        lift = gr + 0.75 - min(orows, ocols) / 3
        xmin = min(ixmin, oxmin + dx)
        xmax = max(ixmax, oxmax + dx)
        top = max(iymax, lift + oymax)
        width = xmax - xmin

        def place(below: float, above: float) -> dict[str, tuple]:
            h = below + top + above + band
            return {
                "input": _affine(True, gr, -xmin, band + below, h),
                "output": _affine(True, orows, dx - xmin, lift + band + below, h),
            }

        below = above = 0.0
        if labels:
            # The bounding box's bottom-left and top-left corners are empty unless a plane is
            # a row or two high (a 1-D-like map, a 1x1 output): then the label gets a row of
            # its own rather than being drawn over the plane.
            body = top
            geom = place(0.0, 0.0)
            planes = [
                [_apply(geom[key], pt) for pt in ((0, 0), (c, 0), (c, r), (0, r))]
                for key, r, c in (("input", gr, gc), ("output", orows, ocols))
            ]
            for text, y0, y1 in ((names["input"], body - 0.5, body), (names["output"], 0.0, 0.5)):
                box = (0.0, y0, len(text) * 0.5 * _CHAR_WIDTH, y1)
                if any(_rect_meets_polygon(box, poly) for poly in planes):
                    if y0 > 0:
                        below = 0.6
                    else:
                        above = 0.6
        body = below + top + above
        height = body + band
        grids_geom = place(below, above)
        if labels:
            label_list.append(Label(names["input"], (0.0, body), ("left", "bottom"), 0.5))
            label_list.append(Label(names["output"], (0.0, 0.0), ("left", "top"), 0.5))
    else:
        top_band = 1.0 if labels else 0.0
        gap = 1.5
        ox = gc + gap
        right = ox + ocols
        kx = ky = 0.0
        if show_kernel:
            if orows + 1.0 + krows <= max(gr, orows):
                kx, ky = ox, top_band + orows + 1.0
            else:
                kx, ky = right + gap, top_band
            right = max(right, kx + kcols)
        body = top_band + max(gr, orows, (ky - top_band + krows) if show_kernel else 0)
        width = right
        height = body + band
        grids_geom = {
            "input": (1.0, 0.0, 0.0, 0.0, 1.0, top_band),
            "output": (1.0, 0.0, ox, 0.0, 1.0, top_band),
        }
        if show_kernel:
            grids_geom["kernel"] = (1.0, 0.0, kx, 0.0, 1.0, ky)
        if labels:
            label_list.append(Label(names["input"], (0.0, top_band - 0.2), ("left", "bottom"), 0.5))
            label_list.append(Label(names["output"], (ox, top_band - 0.2), ("left", "bottom"), 0.5))
            if show_kernel:
                flipped = trace.mode == "convolution" or trace.op == "transposed"
                ktext = names["kernel"] + (" (rotated)" if flipped else "")
                label_list.append(Label(ktext, (kx, ky - 0.2), ("left", "bottom"), 0.5))
            # A label longer than its map ("convolved feature") widens the picture, never clips.
            for lb in label_list:
                width = max(width, lb.at[0] + len(lb.text) * lb.size * _CHAR_WIDTH)
    legend_y = body + legend_size * 0.45
    if caption:
        cap_size = 0.42
        needed = len(caption) * cap_size * _CHAR_WIDTH
        width, grids_geom, label_list = _widen(width, needed, grids_geom, label_list)
        label_list.append(
            Label(
                caption, (width / 2, body + legend_h + 0.15), ("centre", "top"), cap_size, "caption"
            )
        )

    # Legends wider than the picture widen it (rare, tiny maps).
    if legend_entries:
        needed = _legend_width(legend_entries, legend_size)
        width, grids_geom, label_list = _widen(width, needed, grids_geom, label_list)
        legend_x = (width - needed) / 2
    else:
        legend_x = 0.0

    # --- grids ---------------------------------------------------------------------------
    in_texts = out_texts = None
    if numbers:
        keys = [_key(trace.grid_shape, r, c) for r in range(gr) for c in range(gc)]
        in_texts = _cell_texts(trace.grid_values.get(k, 0.0) for k in keys)
        okeys = [_key(trace.output_shape, r, c) for r in range(orows) for c in range(ocols)]
        out_values = [trace.output_values.get(k) for k in okeys]
        if any(v is None for v in out_values):  # fall back on the steps' own values
            by_out = {_as2d(s.output): s.value for s in trace.steps}
            out_values = [by_out.get(_as2d(k), 0.0) for k in okeys]
        out_texts = _cell_texts(out_values)
    grids = [
        GridView("input", gr, gc, roles, in_texts, grids_geom["input"]),
        GridView(
            "output", orows, ocols, ("output",) * (orows * ocols), out_texts, grids_geom["output"]
        ),
    ]
    if show_kernel:
        kkeys = [_key(trace.kernel_shape, r, c) for r in range(krows) for c in range(kcols)]
        ktexts = format_values(trace.kernel_values.get(k, 0.0) for k in kkeys)
        grids.append(
            GridView(
                "kernel", krows, kcols, ("kernel",) * (krows * kcols), ktexts, grids_geom["kernel"]
            )
        )

    # --- frames --------------------------------------------------------------------------
    frames: list[Frame] = []
    weight_texts: dict[float, str] = {}
    if subscripts:
        all_w = sorted({t.weight for s in trace.steps for t in s.taps if t.weight is not None})
        weight_texts = dict(zip(all_w, format_values(all_w), strict=True))
    shown: set[tuple[int, int]] = set()
    all_outputs = frozenset((r, c) for r in range(orows) for c in range(ocols))
    g_input, g_output = grids[0], grids[1]
    n = len(trace.steps)
    for i, step in enumerate(trace.steps):
        cells = tuple(_as2d(t.grid) for t in step.taps)
        box = None
        if cells:
            rs = [r for r, _ in cells]
            cs = [c for _, c in cells]
            box = (min(rs), min(cs), max(rs) + 1, max(cs) + 1)
        out = _as2d(step.output)
        if fill == "all":
            visible = all_outputs
        elif fill == "progressive":
            shown.add(out)
            visible = frozenset(shown)
        else:
            visible = frozenset()
        subs: tuple = ()
        if subscripts:
            subs = tuple(
                (_as2d(t.grid), weight_texts[t.weight]) for t in step.taps if t.weight is not None
            )
        lines: tuple = ()
        if look == "perspective" and box is not None:
            wpoly = g_input.box_polygon(*box)
            opoly = g_output.cell_polygon(*out)
            lines = tuple(zip(wpoly, opoly, strict=True))
        winner = (
            _as2d(step.winner) if (step.winner is not None and trace.op == "max_pool") else None
        )
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
                note=step_note(trace.op, step) if numbers else "",
            )
        )
    return Plan(
        name=name or trace.op,
        look=look,
        width=width,
        height=height,
        grids=tuple(grids),
        frames=tuple(frames),
        labels=tuple(label_list),
        legend=legend_entries,
        legend_at=(legend_x, legend_y),
        legend_size=legend_size,
        mode=trace.mode,
        op=trace.op,
        numbers=numbers,
        params=dict(trace.params),
    )


def step_note(op: str, step: Step) -> str:
    """The arithmetic of one step as text, with the engine's numbers.

    >>> from convanim.draw.trace import Step, Tap
    >>> taps = (Tap((0,), (0,), "input", 3.0, (0,), 2.0, 6.0), Tap((1,), None, "padding", 0.0, (1,), 1.0, 0.0))
    >>> step_note("conv", Step((0,), taps, 6.0, value=6.0))
    '3·2 + 0·1 = 6'
    >>> step_note("avg_pool", Step((0,), taps, 3.0, value=1.5, divisor=2.0))
    '(3 + 0) / 2 = 1.5'
    """
    vals = format_values([t.value for t in step.taps])
    if op == "max_pool":
        return f"max({', '.join(vals)}) = {format_values([step.value])[0]}"
    if op == "avg_pool":
        div = format_values([step.divisor or len(step.taps)])[0]
        return f"({' + '.join(vals)}) / {div} = {format_values([step.value])[0]}"
    if op == "lp_pool" or any(t.weight is None for t in step.taps):
        return f"{format_values([step.value])[0]}"
    ws = format_values([t.weight for t in step.taps])
    terms = " + ".join(f"{v}·{w}" for v, w in zip(vals, ws, strict=True))
    bias = f" + {format_values([step.bias])[0]}" if step.bias else ""
    return f"{terms}{bias} = {format_values([step.value])[0]}"


def _drawn_roles(trace: Trace, rows: int, cols: int) -> tuple[str, ...]:
    """Roles as drawn: the engine marks every cell no window reaches ``dropped``; a dropped
    cell outside the real input is still padding (conv_arithmetic draws it dashed), only
    dropped *input* keeps the ``dropped`` look ("never covered": data the floor throws away)."""
    raw = [
        trace.grid_roles.get(_key(trace.grid_shape, r, c), "input")
        for r in range(rows)
        for c in range(cols)
    ]
    inputs = [(i // cols, i % cols) for i, role in enumerate(raw) if role == "input"]
    if not inputs or "dropped" not in raw or trace.op in ("transposed", "scatter"):
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


def _apply(transform: tuple, corner: tuple[float, float]) -> Point:
    """Where a grid's transform puts corner ``(col, row)``."""
    ax, bx, tx, ay, by, ty = transform
    col, row = corner
    return (ax * col + bx * row + tx, ay * col + by * row + ty)


def _rect_meets_polygon(rect: tuple[float, float, float, float], poly: Sequence[Point]) -> bool:
    """Whether an axis-aligned ``(x0, y0, x1, y1)`` and a convex polygon overlap (separating
    axes: the rectangle's two, then each polygon edge's normal)."""
    x0, y0, x1, y1 = rect
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    if max(xs) <= x0 or min(xs) >= x1 or max(ys) <= y0 or min(ys) >= y1:
        return False
    for (ax, ay), (bx, by) in zip(poly, [*poly[1:], poly[0]], strict=True):
        nx, ny = by - ay, ax - bx
        a = [nx * x + ny * y for x, y in poly]
        r = [nx * x + ny * y for x, y in corners]
        if max(a) <= min(r) or max(r) <= min(a):
            return False
    return True


def _shift(transform: tuple, dx: float) -> tuple:
    ax, bx, tx, ay, by, ty = transform
    return (ax, bx, tx + dx, ay, by, ty)


def _widen(
    width: float, needed: float, grids_geom: dict[str, tuple], label_list: list[Label]
) -> tuple[float, dict[str, tuple], list[Label]]:
    """Widen the picture to ``needed`` units, the grids and labels kept centred: a caption or
    legend longer than a tiny map widens the picture rather than being clipped."""
    if needed <= width:
        return width, grids_geom, label_list
    dx = (needed - width) / 2
    return (
        needed,
        {k: _shift(v, dx) for k, v in grids_geom.items()},
        [replace(lb, at=(lb.at[0] + dx, lb.at[1])) for lb in label_list],
    )


# ---------------------------------------------------------------------------------------------
# Stacks of 1-D convolutions drawn as graphs (WaveNet's figure)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackFrame:
    """Which nodes and edges of a stack are highlighted (the receptive field so far)."""

    nodes: frozenset[tuple[int, int]]
    edges: frozenset[tuple[tuple[int, int], tuple[int, int]]]
    duration_ms: int = 1000


@dataclass(frozen=True)
class StackPlan:
    """A stack of 1-D convolutions as a graph: one row of nodes per layer (input at the bottom).

    Nodes are keyed ``(layer, t)``; ``positions`` gives their centres in units (y down).
    ``edges`` join ``(layer, s)`` to ``(layer + 1, t)`` for every real input cell under the
    window of output ``t`` (padding cells of a causal convolution have no node).
    """

    name: str
    width: float
    height: float
    radius: float
    positions: dict[tuple[int, int], Point]
    edges: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    target: tuple[int, int]
    labels: tuple[Label, ...]
    frames: tuple[StackFrame, ...]

    @property
    def durations(self) -> list[int]:
        return [f.duration_ms for f in self.frames]

    def pixel_size(self, cell_px: float, margin_px: float) -> tuple[int, int]:
        return (
            int(round(self.width * cell_px + 2 * margin_px)),
            int(round(self.height * cell_px + 2 * margin_px)),
        )


def build_stack_plan(
    traces: Sequence[Trace],
    *,
    layer_names: Sequence[str] | None = None,
    right_labels: Sequence[str] = (),
    target: int | None = None,
    spacing: float = 1.6,
    row_gap: float = 2.2,
    duration_ms: int = 1000,
    hold_last_ms: int | None = None,
    name: str = "stack",
) -> StackPlan:
    """Lay out ``traces`` (layer ``l`` → ``l + 1``, 1-D) as a graph and grow the receptive field
    of output ``target`` (default: the last) one layer per frame, from the output down.

    >>> from convanim.draw.trace import Step, Tap, Trace
    >>> def layer(n):   # a causal k=2 convolution: output t reads t-1 and t
    ...     steps = tuple(Step((t,), tuple(Tap((t + a,), (t + a - 1,) if t + a else None,
    ...                   "input" if t + a else "padding", 0.0) for a in (0, 1)), 0.0)
    ...                   for t in range(n))
    ...     return Trace("conv", "correlation", (n,), (n + 1,), (n,), (2,), steps)
    >>> p = build_stack_plan([layer(4), layer(4)])
    >>> sorted(t for (l, t) in p.frames[-1].nodes if l == 0)   # receptive field 3
    [1, 2, 3]
    >>> len(p.frames)
    3
    """
    if not traces:
        raise ValueError("a stack needs at least one layer")
    sizes = [traces[0].input_shape[0]] + [t.output_shape[0] for t in traces]
    depth = len(traces)
    label_w = 4.2
    right_w = 3.6  # the same size with or without labels, so before/after line up on a slide
    widest = max(sizes)
    width = label_w + (widest - 1) * spacing + 1.0 + right_w
    height = depth * row_gap + 1.0
    positions: dict[tuple[int, int], Point] = {}
    for layer, n in enumerate(sizes):
        y = height - 0.5 - layer * row_gap
        x0 = label_w + 0.5 + (widest - n) * spacing  # right-align: time runs left to right
        for t in range(n):
            positions[layer, t] = (x0 + t * spacing, y)
    edges: list[tuple[tuple[int, int], tuple[int, int]]] = []
    parents: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for layer, trace in enumerate(traces):
        for step in trace.steps:
            out = (layer + 1, step.output[0])
            for tap in step.taps:
                if tap.source is not None:
                    edge = ((layer, tap.source[0]), out)
                    edges.append(edge)
                    parents.setdefault(out, []).append(edge[0])
    t_out = sizes[-1] - 1 if target is None else target
    if not 0 <= t_out < sizes[-1]:
        raise ValueError(f"target must be in 0 … {sizes[-1] - 1}, got {t_out}")
    root = (depth, t_out)
    frames = []
    nodes = {root}
    active: set = set()
    frontier = {root}
    frames.append((frozenset(nodes), frozenset(active)))
    for _ in range(depth):
        nxt = set()
        for node in frontier:
            for p in parents.get(node, []):
                nxt.add(p)
                active.add((p, node))
        nodes |= nxt
        frontier = nxt
        frames.append((frozenset(nodes), frozenset(active)))
    names_ = list(layer_names or [])
    if not names_:
        names_ = ["Input"] + ["Hidden Layer"] * (depth - 1) + ["Output"]
    labels = [
        Label(names_[layer], (0.0, positions[layer, 0][1]), ("left", "middle"), 0.5)
        for layer in range(min(len(names_), depth + 1))
    ]
    for layer, text in enumerate(right_labels):
        if layer + 1 <= depth and text:
            y = (positions[layer, 0][1] + positions[layer + 1, 0][1]) / 2
            labels.append(Label(text, (width, y), ("right", "middle"), 0.45, "caption"))
    n = len(frames)
    return StackPlan(
        name=name,
        width=width,
        height=height,
        radius=0.32,
        positions=positions,
        edges=tuple(edges),
        target=root,
        labels=tuple(labels),
        frames=tuple(
            StackFrame(nodes_, edges_, (hold_last_ms or duration_ms) if i == n - 1 else duration_ms)
            for i, (nodes_, edges_) in enumerate(frames)
        ),
    )

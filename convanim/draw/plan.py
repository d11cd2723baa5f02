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
    SLANT,
    Point,
    clip_outside,
)
from convanim.draw.labels import Label, cell_texts, format_values
from convanim.draw.layout import (
    LABEL_SIZE,
    MIN_NUMBER_SIZE,
    Options,
    add_bands,
    as2d,
    cell_width,
    flat_layout,
    legend_entry_width,
    perspective_layout,
    shape2d,
)
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
#: Font size of the numbers in cells (flat, perspective) and the smallest they may shrink to
#: (cells widen instead): 13.3 / 11.2 px, never under 10 px, at the default cell.
NUMBER_SIZE = {"flat": 0.45, "perspective": 0.38}
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
                x += legend_entry_width(text, size)
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


def _legend_entries(roles: Sequence[str], enabled: bool) -> tuple[tuple[str, str], ...]:
    present = set(roles)
    # A legend is needed whenever zeros of two kinds (or unreachable cells) could be confused.
    if not enabled or not present & {"inserted", "dropped", "output_padding"}:
        return ()
    order = ["input", "padding", "inserted", "output_padding", "dropped"]
    return tuple((r, ROLE_NAMES[r]) for r in order if r in present)


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
    gr, gc = shape2d(trace.grid_shape)
    roles = _drawn_roles(trace, gr, gc)
    entries = _legend_entries(roles, legend)
    texts = _grid_texts(trace, o)
    if o.look == "perspective":
        lay = perspective_layout(trace, o, entries)
    else:
        lay = flat_layout(trace, o, entries, cell_width(texts, o))
    width, height, legend_places = add_bands(lay, entries, o.caption, o.label_size)
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
) -> Options:
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
    return Options(look, numbers, labels, fill, subscripts, show_kernel, caption, names)


def _grid_texts(trace: Trace, o: Options) -> dict[str, tuple[str, ...] | None]:
    """The texts of the input, output and kernel grids (None without numbers)."""
    if not o.numbers:
        return {"input": None, "output": None, "kernel": None}
    gr, gc = shape2d(trace.grid_shape)
    orows, ocols = shape2d(trace.output_shape)
    keys = [_key(trace.grid_shape, r, c) for r in range(gr) for c in range(gc)]
    okeys = [_key(trace.output_shape, r, c) for r in range(orows) for c in range(ocols)]
    out_values = [trace.output_values.get(k) for k in okeys]
    if any(v is None for v in out_values):  # fall back on the steps' own values
        by_out = {as2d(s.output): s.value for s in trace.steps}
        out_values = [by_out.get(as2d(k), 0.0) for k in okeys]
    krows, kcols = shape2d(trace.kernel_shape)
    kkeys = [_key(trace.kernel_shape, r, c) for r in range(krows) for c in range(kcols)]
    return {
        "input": cell_texts(trace.grid_values.get(k, 0.0) for k in keys),
        "output": cell_texts(out_values),
        "kernel": format_values(trace.kernel_values.get(k, 0.0) for k in kkeys)
        if o.show_kernel
        else None,
    }


def _grids(
    trace: Trace,
    roles: tuple[str, ...],
    texts: dict[str, tuple[str, ...] | None],
    geom: dict[str, tuple],
) -> tuple[GridView, ...]:
    gr, gc = shape2d(trace.grid_shape)
    orows, ocols = shape2d(trace.output_shape)
    grids = [
        GridView("input", gr, gc, roles, texts["input"], geom["input"]),
        GridView(
            "output", orows, ocols, ("output",) * (orows * ocols), texts["output"], geom["output"]
        ),
    ]
    if "kernel" in geom:
        krows, kcols = shape2d(trace.kernel_shape)
        kroles = ("kernel",) * (krows * kcols)
        grids.append(GridView("kernel", krows, kcols, kroles, texts["kernel"], geom["kernel"]))
    return tuple(grids)


def _frames(
    trace: Trace,
    grids: tuple[GridView, ...],
    o: Options,
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
        cells = tuple(as2d(t.grid) for t in step.taps)
        box = None
        if cells:
            rs = [r for r, _ in cells]
            cs = [c for _, c in cells]
            box = (min(rs), min(cs), max(rs) + 1, max(cs) + 1)
        out = as2d(step.output)
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
                (as2d(t.grid), weight_texts[t.weight]) for t in step.taps if t.weight is not None
            )
        lines = connectors(g_in, g_out, box, out) if o.look == "perspective" and box else ()
        winner = as2d(step.winner) if step.winner is not None else None
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
    if op == "max_pool" or step.winner is not None:  # a kind that picks a cell: max, min
        return f"{op.removeprefix('adaptive_').removesuffix('_pool')}({', '.join(vals)}) = {result}"
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
    hr, hc = shape2d(trace.input_shape)
    r0 = min(r for r, _ in inputs)
    c0 = min(c for _, c in inputs)
    out = []
    for i, role in enumerate(raw):
        r, c = divmod(i, cols)
        if role == "dropped" and not (r0 <= r < r0 + hr and c0 <= c < c0 + hc):
            role = "padding"
        out.append(role)
    return tuple(out)


#: What a pooling's numbers are (max, average and power-average pictures look alike else).
_POOL_CAPTIONS = {
    "max_pool": "max pooling: each window's largest value",
    "avg_pool": "average pooling: each window's sum ÷ its divisor",
    "lp_pool": "power-average pooling: (Σ x^p)^(1/p), p = {p:g}",
    "adaptive_max_pool": "adaptive max pooling: each window's largest value",
    "adaptive_avg_pool": "adaptive average pooling: each window's mean",
}


def caption_for(trace: Trace, numbers: bool, has_weights: bool) -> str:
    """Say which operation the numbers show (the deck: every numeric view must say it).

    >>> from convanim.draw.trace import Trace
    >>> lp = Trace("lp_pool", "correlation", (4,), (4,), (2,), (2,), (), params={"norm_type": 3.0})
    >>> caption_for(lp, numbers=True, has_weights=False)
    'power-average pooling: (Σ x^p)^(1/p), p = 3'
    """
    if numbers and trace.op in _POOL_CAPTIONS:
        return _POOL_CAPTIONS[trace.op].format(p=trace.params.get("norm_type") or 2.0)
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

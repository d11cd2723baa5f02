"""Network figures: a stack of layers drawn the way papers draw it, every size computed.

``convanim render stack`` draws each feature map as a 3-D box (height down the page, width
receding, channels along the flow on a compressed scale so that 3 and 4096 both read), the kernel
of each convolution (and the window of each pooling) as a small box inside the map it reads with
lines to the cell it produces in the next map, fully connected layers as bars, labels with sizes
(``55×55×96``), kernel sizes and strides, and the totals in a caption. AlexNet's two GPUs are two
streams of boxes, as in the 2012 paper's Fig. 2 (a stack whose convolutions use ``groups=2``).

The layout is plain data computed with the standard library (:func:`layout_network`), so tests
check geometry without drawing; :func:`render_png` (Pillow, anti-aliased by drawing at 3× and
downsampling, DejaVu Sans) and :func:`svg_text` (vector, written by hand) draw the *same* layout,
so the PNG and the SVG cannot disagree. :func:`receptive_field_walk` and
:func:`layout_receptive_field` give the frames of ``convanim render receptive_field``: one output
unit's receptive field walked back through the maps, with the shape core's sizes and jumps.

>>> from convanim.core.stack import PRESETS, analyse_stack
>>> p = PRESETS["alexnet2012"]
>>> fig = layout_network(analyse_stack(p.input_size, p.layers(), p.in_channels), streams=None)
>>> [b.label_size for b in fig.boxes if b.stream == 0][:3]
['227×227×3', '55×55×96', '27×27×96']
>>> sorted({b.stream for b in fig.boxes}), fig.width <= 1600
([0, 1], True)
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from convanim.core import shapes
from convanim.core.stack import (
    PRESETS,
    LayerResult,
    StackResult,
    _resolve_padding,
    analyse_stack,
    check_layer_count,
    parse_layers,
)
from convanim.draw.themes import THEMES, Theme, blend

__all__ = [
    "Box",
    "Window",
    "Line",
    "TextLabel",
    "NetworkFigure",
    "RegionStep",
    "layout_network",
    "receptive_field_walk",
    "layout_receptive_field",
    "text_width",
    "svg_text",
    "render_png",
    "render_network",
    "render_receptive_field",
    "receptive_field_graph",
    "graph_fits",
    "stack_for",
    "figure_caption",
    "names",
    "default_ext",
    "check_params",
    "render_named",
    "DEFAULT_WIDTH",
    "DEFAULT_FONT_PX",
]

Point = tuple[float, float]

#: Default upper bound of the figure's width in pixels (the deck shows AlexNet 1200 px wide).
DEFAULT_WIDTH = 1600
#: Default label size: 20 px labels are 15 px on the deck's 1200 px wide AlexNet slide.
DEFAULT_FONT_PX = 20.0
MIN_WIDTH = 200
MAX_WIDTH = 8000

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
    (390, "()[]⌊⌋"),
    (392, "t"),
    (401, "!²³⁰¹⁴⁵⁶⁷⁸⁹"),
    (411, "r"),
    (460, '"'),
    (500, "*_`–"),
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
    """Width of ``text`` in DejaVu Sans at ``size`` pixels (sum of advances, no kerning, so
    never less than what FreeType or a browser draws).

    >>> round(text_width("55×55×96", 1000))
    5492
    """
    return sum(_ADVANCES.get(ch, 1000) for ch in text) * size / 1000


# ---------------------------------------------------------------------------------------------
# Plain data
# ---------------------------------------------------------------------------------------------


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
# Layout
# ---------------------------------------------------------------------------------------------

# Layout units (a unit becomes ``unit`` pixels once the width is known). Spatial sizes go by
# their square root and channels by their logarithm, so 227 and 6, or 3 and 4096, share a page.
_GAP = 3.4  # between elements: room for the kernel lines


def _height(n: int) -> float:
    """Square root up to 256 (ImageNet's sizes), then logarithmic: a 16000-sample signal is
    28 units tall, not 126."""
    return math.sqrt(n) if n <= 256 else 16 + 2 * math.log2(n / 256)


def _recede(n: int) -> tuple[float, float]:
    d = 0.55 * _height(n)
    return 0.8 * d, 0.6 * d


def _depth(channels: int) -> float:
    return 0.5 + 0.85 * math.log2(max(1, channels))


def _bar_height(features: int) -> float:
    return 1.25 * math.log2(features + 1)


def _layer_taps(r: LayerResult) -> list[tuple[int, int, int]]:
    """``(effective kernel, stride, left padding)`` per dimension, from the shape core."""
    layer, ndim = r.layer, len(r.input)
    if layer.kind == "conv":
        stride = 1 if layer.stride is None else layer.stride
        dims = shapes.conv_geometry(
            r.input, layer.kernel_size, stride, _resolve_padding(layer, ndim), layer.dilation
        )
        return [(g.effective_kernel, g.stride, g.pad_before) for g in dims]
    if layer.kind in ("maxpool", "avgpool"):
        padding = 0 if layer.padding == "valid" else layer.padding
        kind = "max" if layer.kind == "maxpool" else "avg"
        dims = shapes.pool_geometry(
            r.input, layer.kernel_size, layer.stride, padding, layer.dilation,
            layer.ceil_mode, kind,
        )  # fmt: skip
        return [(g.effective_kernel, g.stride, g.padding) for g in dims]
    return [(1, 1, 0)] * ndim


def _kernel_text(r: LayerResult) -> str:
    """``conv 11×11 s4``: kernel and stride as a figure labels a layer."""
    layer = r.layer
    if layer.kind == "fc":
        return "fc"
    ndim = len(r.input)

    def dims(value: int | tuple[int, ...]) -> str:
        values = shapes.per_dim(value, ndim, "size")
        return str(values[0]) if len(set(values)) == 1 and ndim > 1 else "×".join(map(str, values))

    k = shapes.per_dim(layer.kernel_size, ndim, "kernel_size")
    text = {"conv": "conv", "maxpool": "max", "avgpool": "avg"}[layer.kind]
    text += " " + "×".join(map(str, k))
    stride = layer.stride if layer.stride is not None else (1 if layer.kind == "conv" else k)
    if set(shapes.per_dim(stride, ndim, "stride")) != {1}:
        text += f" s{dims(stride)}"
    if set(shapes.per_dim(layer.dilation, ndim, "dilation")) != {1}:
        text += f" d{dims(layer.dilation)}"
    if layer.kind == "conv" and layer.groups != 1:
        text += f" g{layer.groups}"
    return text


@dataclass
class _Element:
    index: int
    kind: str
    size: tuple[int, ...]
    channels: int
    split: bool
    result: LayerResult | None  # the layer that produces it (None: the input)
    extra: list[str] = field(default_factory=list)  # folded shape-preserving layers (LRN)


def _elements(result: StackResult, streams: int) -> list[_Element]:
    elements = [_Element(0, "input", result.input, result.in_channels, False, None)]
    for r in result.layers:
        if r.layer.kind == "lrn":
            elements[-1].extra.append("LRN")  # same shape: a word on the map it normalises
            continue
        elements.append(_Element(len(elements), r.layer.kind, r.output, r.out_channels, False, r))
    if streams > 1:
        for e in elements[1:-1]:
            e.split = e.channels % streams == 0
    return elements


def _auto_streams(result: StackResult) -> int:
    """2 when the stack's convolutions use ``groups=2`` (AlexNet's GPUs), else 1."""
    groups = {r.layer.groups for r in result.layers if r.layer.kind == "conv"} - {1}
    return 2 if groups == {2} else 1


def _cross(r: LayerResult, streams: int) -> bool:
    """Does a layer read every stream (conv3 and the dense layers of AlexNet)?"""
    if r.layer.kind in ("maxpool", "avgpool", "lrn"):
        return False
    if r.layer.kind == "conv":
        return r.layer.groups % streams != 0
    return True


def layout_network(
    result: StackResult,
    *,
    max_width: int = DEFAULT_WIDTH,
    font_px: float = DEFAULT_FONT_PX,
    streams: int | None = None,
    theme: str = "solarized",
    caption: Sequence[str] | None = None,
    title: str | None = None,
) -> NetworkFigure:
    """Lay out a stack (from :func:`convanim.core.stack.analyse_stack`) as a paper's figure.

    ``streams`` splits every map between the input and the last layer into that many boxes
    (``None``: 2 when the convolutions use ``groups=2``, as AlexNet's two GPUs). The figure is
    as wide as its content needs and at most ``max_width`` pixels; a stack that cannot fit is
    refused with the width it would need. ``caption`` replaces the totals line.
    """
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; choose one of {', '.join(THEMES)}")
    if not MIN_WIDTH <= max_width <= MAX_WIDTH:
        raise ValueError(f"--width must be between {MIN_WIDTH} and {MAX_WIDTH}, got {max_width}")
    if streams is None:
        streams = _auto_streams(result)
    if streams not in (1, 2):
        raise ValueError(f"streams must be 1 or 2, got {streams}")
    if len(result.layers) > 200:
        raise ValueError(
            f"a figure of {len(result.layers)} layers would be unreadable; "
            "convanim draws stacks of at most 200 layers"
        )
    elements = _elements(result, streams)
    margin = round(font_px)

    # Shapes in units: per element, its boxes' (w, h, dx, dy).
    def geometry(e: _Element) -> tuple[float, float, float, float]:
        if e.kind == "fc":
            dx, dy = _recede(1)
            per = e.channels // streams if e.split else e.channels
            return 1.0, _bar_height(per), dx, dy
        rows = e.size[-2] if len(e.size) >= 2 else e.size[0]
        cols = e.size[-1] if len(e.size) >= 2 else 1
        per = e.channels // streams if e.split else e.channels
        dx, dy = _recede(cols)
        return _depth(per), _height(rows), dx, dy

    geo = [geometry(e) for e in elements]
    span = sum(w + dx for w, _, dx, _ in geo) + _GAP * (len(elements) - 1)
    avail = max_width - 2 * margin
    unit = min(12.0, avail / span)
    if unit < 1.2:
        need = math.ceil(span * 1.2 + 2 * margin)
        raise ValueError(
            f"{len(elements)} maps do not fit in {max_width} pixels; use --width {need} or more"
        )

    while True:  # at most a few rounds: each one only narrows the boxes
        # Boxes, in pixels, the streams' axes at ±offset around y = 0.
        tallest = max(h + dy for _, h, _, dy in geo) * unit
        offset = (tallest / 2 + font_px * 0.8) if streams > 1 else 0.0
        boxes: list[Box] = []
        x = 0.0
        for e, (w, h, dx, dy) in zip(elements, geo, strict=True):
            lanes = [(s, (s - (streams - 1) / 2) * 2 * offset) for s in range(streams)]
            for stream, axis in lanes if e.split else [(0, 0.0)]:
                bw, bh, bdx, bdy = w * unit, h * unit, dx * unit, dy * unit
                boxes.append(
                    Box(
                        key=f"{e.index}.{stream}",
                        element=e.index,
                        stream=stream,
                        kind=e.kind,
                        size=e.size,
                        channels=e.channels // streams if e.split else e.channels,
                        total_channels=e.channels,
                        x=x,
                        y=axis - (bh - bdy) / 2,  # centre the box's silhouette on its axis
                        w=bw,
                        h=bh,
                        dx=bdx,
                        dy=bdy,
                    )
                )
            x += (w + dx + _GAP) * unit
        by_element: dict[int, list[Box]] = {}
        for b in boxes:
            by_element.setdefault(b.element, []).append(b)

        # Kernels inside the map they read, lines to the cell they produce.
        windows: list[Window] = []
        lines: list[Line] = []
        for e in elements[1:]:
            r = e.result
            assert r is not None
            sources = by_element[e.index - 1]
            for dest in by_element[e.index]:
                if e.kind == "fc":
                    for src in (
                        sources
                        if _cross(r, streams)
                        else [sources[min(dest.stream, len(sources) - 1)]]
                    ):
                        a0, a1 = src.point(0.5 * src.rows, src.cols / 2, 1), dest.point(0, 0.5, 0)
                        lines.append(Line(a0, a1, "dense"))
                        lines.append(Line(a0, dest.point(dest.rows, 0.5, 0), "dense"))
                    continue
                taps = _layer_taps(r)
                frac = (
                    (0.32, 0.62)[dest.stream]
                    if dest.stream or len(by_element[e.index]) > 1
                    else 0.4
                )
                out_r = math.floor(frac * (dest.rows - 1))
                out_c = math.floor(0.5 * (dest.cols - 1))
                K, s, p = taps[-2] if len(taps) >= 2 else taps[0]
                r0 = max(0, out_r * s - p)
                r1 = min(sources[0].rows, out_r * s - p + K)
                if len(taps) >= 2:
                    Kc, sc, pc = taps[-1]
                    c0, c1 = max(0, out_c * sc - pc), min(sources[0].cols, out_c * sc - pc + Kc)
                else:
                    c0, c1 = 0, 1
                role = "kernel" if e.kind == "conv" else "pool"
                readers = (
                    sources if _cross(r, streams) or len(sources) == 1 else [sources[dest.stream]]
                )
                cell_d = min(1.0, _depth(1) / _depth(dest.channels)) if role == "pool" else 0.18
                cell = Window(
                    dest.key, (out_r, out_r + 1), (out_c, out_c + 1), (0.0, cell_d), "cell"
                )
                windows.append(cell)
                for src in readers:
                    if role == "kernel":
                        reads = r.in_channels // r.layer.groups
                        depth = (
                            min(1.0, _depth(reads) / _depth(src.channels)) if src.channels else 1
                        )
                    else:
                        depth = min(1.0, _depth(1) / _depth(src.channels))
                    win = Window(src.key, (r0, r1), (c0, c1), (1 - depth, 1.0), role)
                    windows.append(win)
                    for rr in (r0, r1):
                        for cc in (c0, c1):
                            lines.append(
                                Line(
                                    src.point(rr, cc, 1.0),
                                    dest.point(out_r + 0.5, out_c + 0.5, 0.0),
                                    role,
                                )
                            )

        # Labels: sizes under each element, kernel/stride above, pushed clear of boxes and each other.
        labels: list[TextLabel] = []
        placed: list[tuple[float, float, float, float]] = []
        box_rects = [b.bounds() for b in boxes]

        # A run of maps with the same label gets one label, centred on the run (VGG's
        # "2 × conv 3×3" over two 224×224×64 maps), as papers label blocks.
        sizes = [by_element[e.index][0].label_size for e in elements]
        tops = []
        for e in elements:
            top = "input" if e.result is None else _kernel_text(e.result)
            tops.append(top + "".join(f" + {x}" for x in e.extra))
        for texts, below in ((sizes, True), (tops, False)):
            for text, run in _runs(texts):
                bs = [b for i in run for b in by_element[i]]
                cx = (min(b.x for b in bs) + max(b.x + b.w + b.dx for b in bs)) / 2
                shown = text if below or len(run) == 1 else f"{len(run)} × {text}"
                size = font_px if below else font_px * 0.9
                label = _place_label(shown, cx, below, size, box_rects, placed)
                labels.append(replace(label, covers=tuple(run)))

        # Everything so far in one frame, then the caption under it.
        rects = box_rects + placed
        x0 = min(r[0] for r in rects)
        y0 = min(r[1] for r in rects)
        x1 = max(r[2] for r in rects)
        y1 = max(r[3] for r in rects)
        if title:
            y0 -= font_px * 1.6
        width = x1 - x0 + 2 * margin
        if width <= max_width:
            break
        # Labels reach past the outermost boxes: give the boxes that much less room and lay out again.
        avail -= width - max_width + 1
        unit = min(12.0, avail / span)
        if unit < 1.2:
            raise ValueError(f"the labels need more than {max_width} pixels; use a larger --width")
    cap_size = font_px * 0.85
    if caption is None:
        caption = [_totals(result)]
    if streams > 1:
        groups = sorted({r.layer.groups for r in result.layers if r.layer.kind == "conv"} - {1})
        caption = [
            *caption,
            f"two streams: each holds half of every map's channels; the convolutions with "
            f"groups={'/'.join(map(str, groups)) or 1} read only their own stream, the others "
            "read both (AlexNet's two GPUs)",
        ]
    cap_lines = [ln for text in caption for ln in _wrap(text, cap_size, max_width - 2 * margin)]
    cap_width = max((text_width(t, cap_size) for t in cap_lines), default=0.0)
    width = max(width, cap_width + 2 * margin)
    shift_x = margin - x0 + (width - 2 * margin - (x1 - x0)) / 2
    shift_y = margin - y0
    out_labels = [replace(lb, at=(lb.at[0] + shift_x, lb.at[1] + shift_y)) for lb in labels]
    if title:
        out_labels.append(
            TextLabel(title, (margin, margin + ASCENT * font_px), font_px, "start", "title")
        )
    y = y1 + shift_y + cap_size * 1.2
    for text in cap_lines:
        y += cap_size * 1.3
        out_labels.append(
            TextLabel(text, (margin, y - DESCENT * cap_size), cap_size, "start", "caption")
        )
    height = y + margin
    return NetworkFigure(
        width=math.ceil(width),
        height=math.ceil(height),
        boxes=tuple(b.moved(shift_x, shift_y) for b in boxes),
        windows=tuple(windows),
        lines=tuple(
            Line(
                (ln.a[0] + shift_x, ln.a[1] + shift_y),
                (ln.b[0] + shift_x, ln.b[1] + shift_y),
                ln.role,
            )
            for ln in lines
        ),
        labels=tuple(out_labels),
        theme=theme,
        unit=unit,
    )


def _runs(texts: Sequence[str]) -> list[tuple[str, list[int]]]:
    """Consecutive equal texts grouped: ``(text, indices)``.

    >>> _runs(["a", "a", "b", "a"])
    [('a', [0, 1]), ('b', [2]), ('a', [3])]
    """
    runs: list[tuple[str, list[int]]] = []
    for i, text in enumerate(texts):
        if runs and runs[-1][0] == text:
            runs[-1][1].append(i)
        else:
            runs.append((text, [i]))
    return runs


def _overlaps(a: Sequence[float], b: Sequence[float], pad: float = 2.0) -> bool:
    """Do two ``(x0, y0, x1, y1)`` rectangles come closer than ``pad``?"""
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _place_label(
    text: str,
    cx: float,
    below: bool,
    size: float,
    box_rects: Sequence[tuple[float, float, float, float]],
    placed: list[tuple[float, float, float, float]],
) -> TextLabel:
    """Centre ``text`` at ``cx`` just below (or above) the boxes under it, then move it away
    from the boxes one line at a time until it touches no label already ``placed``."""
    role = "size" if below else "layer"
    x0, _, x1, _ = TextLabel(text, (cx, 0.0), size).rect()
    near = [r for r in box_rects if r[0] < x1 and x0 < r[2]] or list(box_rects)
    if below:
        y = max(r[3] for r in near) + size * 0.35 + ASCENT * size
    else:
        y = min(r[1] for r in near) - size * 0.35 - DESCENT * size
    label = TextLabel(text, (cx, y), size, "middle", role)
    while any(_overlaps(label.rect(), q) for q in placed):
        y += size * 1.25 if below else -size * 1.25
        label = TextLabel(text, (cx, y), size, "middle", role)
    placed.append(label.rect())
    return label


def _size_text(sizes: Sequence[int]) -> str:
    return "×".join(str(v) for v in sizes)


def _totals(result: StackResult) -> str:
    rf = _size_text(result.receptive_field)
    return (
        f"{result.params:,} parameters · {result.multiply_adds:,} multiply-adds · "
        f"receptive field {rf} (jump {_size_text(result.jump)}) · "
        f"input {_size_text(result.input)}×{result.in_channels}"
    )


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Greedy word wrap by measured width."""
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and text_width(trial, size) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


# ---------------------------------------------------------------------------------------------
# Receptive fields walked back through the maps
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionStep:
    """Where one output unit's receptive field lies in one map (cells of that map).

    ``start``/``stop`` per dimension are the unclipped interval (cells before 0 or past the end
    are padding); ``span`` is its length. ``receptive_field`` and ``jump`` are the shape core's
    numbers for this map's units (input pixels), so ``(span − 1)·jump + receptive_field`` is
    the receptive field of the unit the walk started from.
    """

    layer: int  # 0 = the stack's input, k = the k-th convolution or pooling's output
    name: str
    size: tuple[int, ...]
    channels: int
    start: tuple[int, ...]
    stop: tuple[int, ...]  # exclusive
    receptive_field: tuple[int, ...]
    jump: tuple[int, ...]
    seen: tuple[tuple[int, int], ...] = ()

    @property
    def span(self) -> tuple[int, ...]:
        return tuple(b - a for a, b in zip(self.start, self.stop, strict=True))

    def clipped(self) -> tuple[tuple[int, int], ...]:
        """The cells of this map the unit really depends on, per dimension: the interval walked
        back from the cells of the next map (not from its padding), inside this map. Empty
        (``(a, a)``) when only padding lies under the windows."""
        return self.seen


def receptive_field_walk(
    result: StackResult, target: Sequence[int] | None = None
) -> list[RegionStep]:
    """From one unit of the last spatial map back to the input, one map per step.

    Each layer maps an interval ``[a, b]`` of its output to ``[a·s − p, b·s − p + K − 1]`` of its
    input (``K`` the effective kernel, ``p`` the left padding): the recurrence of the shape
    core read top-down. ``target`` is the unit (default: the centre).

    >>> from convanim.core.stack import PRESETS, analyse_stack
    >>> p = PRESETS["vgg16"]
    >>> walk = receptive_field_walk(analyse_stack(p.input_size, p.layers(), 3))
    >>> walk[0].span, walk[-1].span, walk[-1].layer
    ((1, 1), (212, 212), 0)
    """
    # LRN keeps every position where it is: no step of its own (and no box in the figure).
    spatial = [r for r in result.layers if r.layer.kind not in ("fc", "lrn")]
    if not spatial:
        raise ValueError("the stack has no convolution or pooling layer to walk back through")
    last = spatial[-1]
    t = tuple((n - 1) // 2 for n in last.output) if target is None else tuple(target)
    if len(t) != len(last.output) or not all(
        0 <= v < n for v, n in zip(t, last.output, strict=True)
    ):
        raise ValueError(f"the unit must lie in the last map ({_size_text(last.output)})")
    lo, hi = list(t), [v + 1 for v in t]
    # The same walk from real cells only: padding (and rows the floor drops) has no preimage.
    seen = [(v, v + 1) for v in t]
    steps: list[RegionStep] = []
    for index in range(len(spatial), -1, -1):
        if index == 0:
            name, size, ch = "input", result.input, result.in_channels
            rf, jump = (1,) * len(size), (1,) * len(size)
        else:
            r = spatial[index - 1]
            name, size, ch = _kernel_text(r), r.output, r.out_channels
            rf, jump = r.receptive_field, r.jump
        seen = [(max(0, a), max(0, min(n, b))) for (a, b), n in zip(seen, size, strict=True)]
        seen = [(a, max(a, b)) for a, b in seen]
        steps.append(RegionStep(index, name, size, ch, tuple(lo), tuple(hi), rf, jump, tuple(seen)))
        if index:
            for axis, (K, s, p) in enumerate(_layer_taps(spatial[index - 1])):
                lo[axis], hi[axis] = lo[axis] * s - p, (hi[axis] - 1) * s - p + K
                a, b = seen[axis]
                seen[axis] = (a * s - p, (b - 1) * s - p + K) if b > a else (0, 0)
    return steps


def layout_receptive_field(
    result: StackResult,
    target: Sequence[int] | None = None,
    *,
    max_width: int = DEFAULT_WIDTH,
    font_px: float = DEFAULT_FONT_PX,
    theme: str = "solarized",
) -> tuple[NetworkFigure, list[tuple[tuple[Window, ...], tuple[str, ...]]]]:
    """The network figure (one stream, no kernels) and, per frame, the highlighted regions and
    the caption: frame ``k`` shows the walk of :func:`receptive_field_walk` down to its ``k``-th
    map, with the arithmetic ``(n − 1)·j + r = R`` for the map reached."""
    walk = receptive_field_walk(result, target)
    total = walk[0].receptive_field
    captions: list[tuple[str, ...]] = []
    for step in walk:
        n, j, r = step.span, step.jump, step.receptive_field
        where = "the input" if step.layer == 0 else f"map {step.layer} ({step.name})"
        first = (
            f"{where}, {_size_text(step.size)}×{step.channels}: the unit reads "
            f"{_size_text(n)} of its cells"
        )
        per_axis = dict.fromkeys(  # a square map needs its sum once
            f"({a} − 1)·{b} + {c} = {(a - 1) * b + c}" for a, b, c in zip(n, j, r, strict=True)
        )
        sums = ", ".join(per_axis)
        second = (
            f"cells {_size_text(j)} input pixels apart, each seeing {_size_text(r)}: {sums} "
            f"= receptive field {_size_text(total)}"
        )
        captions.append((first, second))
    # Reserve the caption's room with the longest lines, then swap the text per frame.
    longest = tuple(max((c[i] for c in captions), key=lambda s: text_width(s, 1)) for i in (0, 1))
    fig = layout_network(
        result, max_width=max_width, font_px=font_px, streams=1, theme=theme,
        caption=[longest[0], longest[1], _totals(result)],
    )  # fmt: skip
    fig = replace(fig, windows=(), lines=())
    frames: list[tuple[tuple[Window, ...], tuple[str, ...]]] = []
    shown: list[Window] = []
    for step, cap in zip(walk, captions, strict=True):
        box = fig.box(f"{step.layer}.0")  # map k of the walk is element k of the figure
        clip = step.clipped()
        rows = clip[-2] if len(clip) >= 2 else clip[0]
        cols = clip[-1] if len(clip) >= 2 else (0, 1)
        if rows[1] > rows[0] and cols[1] > cols[0]:  # (padding alone under the windows: none)
            shown.append(Window(box.key, rows, cols, (0.0, 1.0), "region"))
        frames.append((tuple(shown), cap))
    return fig, frames


# ---------------------------------------------------------------------------------------------
# Drawing: colours, SVG, PNG
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


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _f(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def svg_text(fig: NetworkFigure, transparent: bool = False, extra: Sequence[Window] = ()) -> str:
    """The figure as an SVG document (vector; the same coordinates the PNG is drawn from)."""
    t = THEMES[fig.theme]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{fig.width}" height="{fig.height}" '
        f'viewBox="0 0 {fig.width} {fig.height}">',
    ]
    if not transparent:
        out.append(f'<rect width="{fig.width}" height="{fig.height}" fill="{t.background}"/>')
    stroke = max(1.0, fig.unit / 9)
    out.append(f'<g stroke="{t.line}" stroke-width="{_f(stroke)}" stroke-linejoin="round">')
    for poly, fill in _faces_with_colours(fig, extra):
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in poly)
        out.append(f'<polygon points="{pts}" fill="{fill}"/>')
    out.append("</g>")
    out.append(f'<g stroke-width="{_f(stroke)}" stroke-linecap="round">')
    for ln in fig.lines:
        out.append(
            f'<line x1="{_f(ln.a[0])}" y1="{_f(ln.a[1])}" x2="{_f(ln.b[0])}" y2="{_f(ln.b[1])}" '
            f'stroke="{_line_colour(t, ln.role)}"/>'
        )
    out.append("</g>")
    out.append('<g font-family="DejaVu Sans, Verdana, sans-serif">')
    for lb in fig.labels:
        out.append(
            f'<text x="{_f(lb.at[0])}" y="{_f(lb.at[1])}" font-size="{_f(lb.size)}" '
            f'text-anchor="{lb.anchor}" fill="{_text_colour(t, lb.role)}">{_esc(lb.text)}</text>'
        )
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


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


def render_network(
    result: StackResult,
    out: Path,
    *,
    transparent: bool = False,
    **layout: Any,
) -> Path:
    """Draw a stack to ``out``: ``.png`` (Pillow) or ``.svg`` (vector), written atomically."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"a network figure is .png or .svg, got {out.name!r}")
    fig = layout_network(result, **layout)
    if suffix == ".svg":
        return _write(out, svg_text(fig, transparent).encode())
    return _write(out, _png_bytes(render_png(fig, transparent)))


#: A 1-D stack of convolutions at most this long and deep is drawn position by position.
GRAPH_MAX_LENGTH, GRAPH_MAX_LAYERS = 48, 12


def graph_fits(result: StackResult) -> bool:
    """Is ``result`` a 1-D stack of convolutions small enough for the WaveNet-style graph?"""
    return (
        len(result.input) == 1
        and result.input[0] <= GRAPH_MAX_LENGTH
        and 0 < len(result.layers) <= GRAPH_MAX_LAYERS
        and all(r.layer.kind == "conv" for r in result.layers)
    )


def receptive_field_graph(
    result: StackResult,
    target: int | None = None,
    duration_ms: int = 1600,
    hold_last_ms: int = 4000,
) -> Any:
    """The WaveNet figure's graph for any small 1-D stack of convolutions: one node per position,
    the engine's traces for the edges, the receptive field grown from the output down one layer
    per frame (:func:`convanim.draw.stackplan.build_stack_plan`, the code ``wavenet_before`` and
    ``wavenet_after`` are drawn with), each layer labelled with the shape core's ``r`` and ``j``.
    """
    import numpy as np

    from convanim.draw.stackplan import build_stack_plan
    from convanim.engine import tracing

    if not graph_fits(result):
        raise ValueError(
            f"the graph view takes 1-D stacks of at most {GRAPH_MAX_LAYERS} convolutions on at "
            f"most {GRAPH_MAX_LENGTH} positions"
        )
    traces, length = [], result.input[0]
    for r in result.layers:
        layer = r.layer
        traces.append(
            tracing.trace_conv(
                np.zeros(length),
                np.ones(shapes.per_dim(layer.kernel_size, 1, "kernel_size")[0]),
                stride=1 if layer.stride is None else layer.stride,
                padding=_resolve_padding(layer, 1),
                dilation=layer.dilation,
            )
        )
        length = r.output[0]
    names = ["input", *(_kernel_text(r) for r in result.layers)]
    right = [f"r {r.receptive_field[0]}, j {r.jump[0]}" for r in result.layers]
    return build_stack_plan(
        traces,
        layer_names=names,
        right_labels=right,
        target=target,
        duration_ms=duration_ms,
        hold_last_ms=hold_last_ms,
        name="receptive_field",
    )


def _render_graph(
    result: StackResult,
    out: Path,
    target: Sequence[int] | None,
    theme: str,
    transparent: bool,
    duration_ms: int,
    hold_last_ms: int,
) -> Path:
    from convanim.draw import gif
    from convanim.draw.figures import _draw_stack

    plan = receptive_field_graph(
        result, None if target is None else target[0], duration_ms, hold_last_ms
    )
    opts = gif.RenderOptions(theme=theme, transparent=transparent)
    w, h = plan.pixel_size(opts.cell_px, opts.margin_px)
    if out.suffix.lower() == ".png":
        gif.check_budget(1, w, h)
        return gif.write_png(_draw_stack(plan, -1, opts), out, theme, transparent)
    gif.check_budget(len(plan.frames), w, h)
    frames = [_draw_stack(plan, i, opts) for i in range(len(plan.frames))]
    return gif.write_gif(frames, plan.durations, out, theme, transparent)


def render_receptive_field(
    result: StackResult,
    out: Path,
    *,
    target: Sequence[int] | None = None,
    transparent: bool = False,
    duration_ms: int = 1600,
    hold_last_ms: int = 4000,
    graph: bool | None = None,
    **layout: Any,
) -> Path:
    """The receptive-field walk as a looping GIF (one frame per map), a PNG of its last frame,
    or an SVG of its last frame. ``graph`` (default: when :func:`graph_fits`) draws a small 1-D
    stack as the WaveNet figure's graph of positions instead of boxes."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".png", ".svg"):
        raise ValueError(f"a receptive-field animation is .gif, .png or .svg, got {out.name!r}")
    if graph and not graph_fits(result):
        receptive_field_graph(result)  # raises, saying which stacks the graph takes
    if graph is None:
        graph = graph_fits(result) and suffix != ".svg"
    if graph:
        if suffix == ".svg":
            raise ValueError("the graph view is drawn as .gif or .png")
        theme = layout.get("theme", "solarized")
        return _render_graph(result, out, target, theme, transparent, duration_ms, hold_last_ms)
    fig, frames = layout_receptive_field(result, target, **layout)

    def framed(index: int) -> NetworkFigure:
        regions, cap = frames[index]
        labels = list(fig.labels)
        slots = [i for i, lb in enumerate(labels) if lb.role == "caption"][:2]
        for slot, text in zip(slots, cap, strict=True):
            labels[slot] = replace(labels[slot], text=text, role="step")
        return replace(fig, highlights=regions, labels=tuple(labels))

    if suffix == ".svg":
        return _write(out, svg_text(framed(-1), transparent).encode())
    if suffix == ".png":
        return _write(out, _png_bytes(render_png(framed(-1), transparent)))
    if transparent:
        raise ValueError("--transparent works for .png and .svg; a GIF is drawn on its background")
    from PIL import Image

    from convanim._files import write_atomic

    _check_pixels(fig, len(frames))
    images = [render_png(framed(i)).convert("RGB") for i in range(len(frames))]
    # One palette for every frame, from the first and last frames side by side: every map's
    # own colours and every highlight's.
    both = Image.new("RGB", (fig.width, 2 * fig.height))
    both.paste(images[0], (0, 0))
    both.paste(images[-1], (0, fig.height))
    palette = both.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    quantized = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    durations = [duration_ms] * (len(frames) - 1) + [hold_last_ms]

    buf = io.BytesIO()
    quantized[0].save(
        buf, format="GIF", save_all=True, append_images=quantized[1:], duration=durations,
        loop=0, optimize=False,
    )  # fmt: skip
    write_atomic(out, buf.getvalue())  # gif.py's own writer went: one atomic writer (issue 9)
    return out


# ---------------------------------------------------------------------------------------------
# Stacks by name or layer list, and the deck's named figures
# ---------------------------------------------------------------------------------------------


def stack_for(
    preset: str | None = None,
    layers: Sequence[str] = (),
    input_size: Sequence[int] | None = None,
    in_channels: int | None = None,
    blocks: int = 1,
) -> tuple[StackResult, list[str]]:
    """The analysed stack and the preset's notes, from ``shape stack``'s arguments."""
    if preset is not None:
        if layers:
            raise ValueError("give LAYER arguments or --preset, not both")
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        chosen = PRESETS[preset]
        stack_layers = chosen.layers(blocks)
        size = tuple(input_size) if input_size is not None else chosen.input_size
        channels = in_channels if in_channels is not None else chosen.in_channels
        notes = list(chosen.notes)
    else:
        if not layers:
            raise ValueError("give LAYER arguments (e.g. conv:k=3,p=1,c=16) or --preset")
        if input_size is None:
            raise ValueError("a LAYER list needs an input size (-i / --input)")
        if blocks < 1:
            raise ValueError(f"--blocks must be at least 1, got {blocks}")
        parsed = parse_layers(layers)
        check_layer_count(len(parsed) * blocks)
        stack_layers, size, notes = parsed * blocks, tuple(input_size), []
        channels = 1 if in_channels is None else in_channels
    return analyse_stack(size, stack_layers, channels), notes


def figure_caption(result: StackResult, preset: str | None = None) -> list[str]:
    """The caption's lines: the totals, and for the paper's AlexNet why its input is 227."""
    lines = [_totals(result)]
    if preset == "alexnet2012" and result.input == PRESETS[preset].input_size:
        # The paper's 224 through the same first layer, by the shape core.
        first = PRESETS[preset].layers()[0]
        at_224 = analyse_stack((224, 224), [first], result.in_channels).layers[0].output
        r = result.layers[0]
        lines.append(
            f"input {_size_text(result.input)}: the paper says 224×224, but conv1 "
            f"({_kernel_text(r)}, no padding) gives {_size_text(r.output)} only from 227; "
            f"from 224 it gives {_size_text(at_224)}"
        )
    return lines


#: Named figures a deck can reference by file name (``assets/images/01-history/alexnet.png``)
#: or placeholder (``{{CONVANIM:stack preset=alexnet2012}}``): name -> (preset, kind).
NAMED: dict[str, tuple[str | None, str]] = {
    "alexnet": ("alexnet2012", "stack"),  # the deck's AlexNet slide: the 2012 paper's figure
    "stack": (None, "stack"),
    "receptive_field": (None, "receptive_field"),
}
_DECK_KEYS = {
    "preset", "layers", "input", "size", "in_channels", "blocks", "max_width", "font_size", "theme",
    "transparent", "streams", "unit", "view", "duration", "hold",
}  # fmt: skip


def names() -> list[str]:
    """The names the deck build may ask this module for."""
    return list(NAMED)


def default_ext(name: str) -> str:
    return ".gif" if NAMED[name][1] == "receptive_field" else ".png"


def _deck_stack(name: str, params: dict[str, Any]) -> tuple[StackResult, str | None]:
    unknown = sorted(set(params) - _DECK_KEYS)
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)} for {name}; "
            f"known: {', '.join(sorted(_DECK_KEYS))}"
        )
    preset = params.get("preset", NAMED[name][0])
    layers = params.get("layers", ())
    if isinstance(layers, tuple):  # the deck split "conv:k=3,c=8 fc:c=10" at its commas
        layers = ",".join(map(str, layers))
    tokens = str(layers).split() if layers else []
    size = params.get("input", params.get("size"))
    if isinstance(size, int):
        size = (size,)
    result, _ = stack_for(
        preset if not tokens else params.get("preset"),
        tokens,
        size,
        params.get("in_channels"),
        int(params.get("blocks", 1)),
    )
    return result, (preset if not tokens else params.get("preset"))


def check_params(name: str, params: dict[str, Any]) -> None:
    """Refuse a deck's parameters the renderer would refuse (the stack is analysed: cheap)."""
    _deck_stack(name, params)
    if params.get("theme", "solarized") not in THEMES:
        raise ValueError(f"theme={params['theme']!r}: one of {', '.join(THEMES)}")
    if params.get("view", "auto") not in ("auto", "boxes", "graph"):
        raise ValueError(f"view={params['view']!r}: one of auto, boxes, graph")
    if params.get("streams", "auto") not in ("auto", 1, 2):
        raise ValueError(f"streams={params['streams']!r}: one of auto, 1, 2")
    width = params.get("max_width", DEFAULT_WIDTH)  # (the deck's width= sizes the <img>)
    if not isinstance(width, int) or not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"max_width={width!r}: between {MIN_WIDTH} and {MAX_WIDTH} pixels")


def render_named(name: str, out: Path, **params: Any) -> Path:
    """Draw a named figure (:data:`NAMED`) to ``out``, as the deck build calls it."""
    if name not in NAMED:
        raise ValueError(f"unknown network figure {name!r}; one of {', '.join(NAMED)}")
    result, preset = _deck_stack(name, params)
    look = {
        "max_width": int(params.get("max_width", DEFAULT_WIDTH)),
        "font_px": float(params.get("font_size", DEFAULT_FONT_PX)),
        "theme": str(params.get("theme", "solarized")),
    }
    transparent = bool(params.get("transparent", False))
    if NAMED[name][1] == "receptive_field":
        unit = params.get("unit")
        view = params.get("view", "auto")
        return render_receptive_field(
            result,
            Path(out),
            target=(unit,) if isinstance(unit, int) else unit,
            transparent=transparent,
            duration_ms=int(params.get("duration", 1600)),
            hold_last_ms=int(params.get("hold", 4000)),
            graph={"auto": None, "boxes": False, "graph": True}[view],
            **look,
        )
    streams = params.get("streams", "auto")
    return render_network(
        result,
        Path(out),
        transparent=transparent,
        streams=None if streams == "auto" else int(streams),
        caption=figure_caption(result, preset),
        **look,
    )

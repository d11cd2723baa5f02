"""Network layout: a stack of layers placed as a paper's figure, every size from the shape core.

Each feature map is a 3-D box (height down the page, width receding, channels along the flow on
a compressed scale so that 3 and 4096 both read), the kernel of each convolution (and the window
of each pooling) a small box inside the map it reads with lines to the cell it produces, fully
connected layers bars, labels pushed clear of boxes and of each other, the totals in a caption.
Standard library only: the result (:class:`~convanim.draw.network_figure.NetworkFigure`) is plain
data that tests check without drawing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from convanim.core import shapes
from convanim.core.stack import LayerResult, StackResult, _resolve_padding
from convanim.draw.labels import ASCENT, DESCENT, text_width
from convanim.draw.network_figure import Box, Line, NetworkFigure, TextLabel, Window
from convanim.draw.themes import THEMES

#: Default upper bound of the figure's width in pixels (the deck shows AlexNet 1200 px wide).
DEFAULT_WIDTH = 1600
#: Default label size: 20 px labels are 15 px on the deck's 1200 px wide AlexNet slide.
DEFAULT_FONT_PX = 20.0
MIN_WIDTH = 200
MAX_WIDTH = 8000
#: A receptive-field animation's milliseconds per map, and on its last frame.
DEFAULT_STEP_MS, DEFAULT_HOLD_MS = 1600, 4000
#: How a receptive field may be drawn (``--view``): None, the graph when it fits.
VIEWS: dict[str, bool | None] = {"auto": None, "boxes": False, "graph": True}
#: Maps as streams (``--streams``): None, two when the convolutions use groups=2 (AlexNet's GPUs).
STREAMS: dict[str, int | None] = {"auto": None, "1": 1, "2": 2}

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
    streams = _checked_streams(result, max_width, streams, theme)
    elements = _elements(result, streams)
    margin = round(font_px)
    geo = [_geometry(e, streams) for e in elements]
    span = sum(w + dx for w, _, dx, _ in geo) + _GAP * (len(elements) - 1)
    avail = max_width - 2 * margin
    unit = min(12.0, avail / span)
    if unit < 1.2:
        need = math.ceil(span * 1.2 + 2 * margin)
        raise ValueError(
            f"{len(elements)} maps do not fit in {max_width} pixels; use --width {need} or more"
        )

    while True:  # at most a few rounds: each one only narrows the boxes
        boxes = _place_boxes(elements, geo, unit, streams, font_px)
        by_element: dict[int, list[Box]] = {}
        for b in boxes:
            by_element.setdefault(b.element, []).append(b)
        windows, lines = _kernels(elements, by_element, streams)
        box_rects = [b.bounds() for b in boxes]
        labels, placed = _place_labels(elements, by_element, box_rects, font_px)

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
    cap_lines = _caption_lines(result, caption, streams, cap_size, max_width - 2 * margin)
    cap_width = max((text_width(t, cap_size) for t in cap_lines), default=0.0)
    width = max(width, cap_width + 2 * margin)
    shift_x = margin - x0 + (width - 2 * margin - (x1 - x0)) / 2
    shift_y = margin - y0
    out_labels = [replace(lb, at=(lb.at[0] + shift_x, lb.at[1] + shift_y)) for lb in labels]
    texts, y = _title_and_caption(title, cap_lines, margin, font_px, y1 + shift_y)
    out_labels += texts
    height = y + margin
    return NetworkFigure(
        width=math.ceil(width),
        height=math.ceil(height),
        boxes=tuple(b.moved(shift_x, shift_y) for b in boxes),
        windows=tuple(windows),
        lines=tuple(_moved_line(ln, shift_x, shift_y) for ln in lines),
        labels=tuple(out_labels),
        theme=theme,
        unit=unit,
    )


def _checked_streams(result: StackResult, max_width: int, streams: int | None, theme: str) -> int:
    """Refuse a layout's arguments before any work; the number of streams (``None``: auto)."""
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
    return streams


def _geometry(e: _Element, streams: int) -> tuple[float, float, float, float]:
    """An element's boxes' shape in layout units: ``(w, h, dx, dy)``."""
    if e.kind == "fc":
        dx, dy = _recede(1)
        per = e.channels // streams if e.split else e.channels
        return 1.0, _bar_height(per), dx, dy
    rows = e.size[-2] if len(e.size) >= 2 else e.size[0]
    cols = e.size[-1] if len(e.size) >= 2 else 1
    per = e.channels // streams if e.split else e.channels
    dx, dy = _recede(cols)
    return _depth(per), _height(rows), dx, dy


def _place_boxes(
    elements: Sequence[_Element],
    geo: Sequence[tuple[float, float, float, float]],
    unit: float,
    streams: int,
    font_px: float,
) -> list[Box]:
    """Boxes, in pixels, left to right, the streams' axes at ±offset around y = 0."""
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
    return boxes


def _kernels(
    elements: Sequence[_Element], by_element: dict[int, list[Box]], streams: int
) -> tuple[list[Window], list[Line]]:
    """Kernels inside the map they read, lines to the cell they produce (dense layers: lines
    from the map they read to the bar)."""
    windows: list[Window] = []
    lines: list[Line] = []
    for e in elements[1:]:
        r = e.result
        assert r is not None
        sources = by_element[e.index - 1]
        for dest in by_element[e.index]:
            if e.kind == "fc":
                lines += _dense_lines(r, sources, dest, streams)
                continue
            several = len(by_element[e.index]) > 1
            more_windows, more_lines = _kernel_windows(e, r, sources, dest, several, streams)
            windows += more_windows
            lines += more_lines
    return windows, lines


def _dense_lines(r: LayerResult, sources: Sequence[Box], dest: Box, streams: int) -> list[Line]:
    """Two lines from the middle of each map a dense layer reads to the ends of its bar."""
    lines: list[Line] = []
    for src in sources if _cross(r, streams) else [sources[min(dest.stream, len(sources) - 1)]]:
        a0, a1 = src.point(0.5 * src.rows, src.cols / 2, 1), dest.point(0, 0.5, 0)
        lines.append(Line(a0, a1, "dense"))
        lines.append(Line(a0, dest.point(dest.rows, 0.5, 0), "dense"))
    return lines


def _kernel_windows(
    e: _Element,
    r: LayerResult,
    sources: Sequence[Box],
    dest: Box,
    several: bool,
    streams: int,
) -> tuple[list[Window], list[Line]]:
    """The cell a convolution or pooling produces in ``dest`` (``several``: one of its
    streams), the window it reads in each source map (where the shape core's stride and
    padding put it) and the four lines from that window's corners to the cell."""
    taps = _layer_taps(r)
    frac = (0.32, 0.62)[dest.stream] if dest.stream or several else 0.4
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
    readers = sources if _cross(r, streams) or len(sources) == 1 else [sources[dest.stream]]
    cell_d = min(1.0, _depth(1) / _depth(dest.channels)) if role == "pool" else 0.18
    windows = [Window(dest.key, (out_r, out_r + 1), (out_c, out_c + 1), (0.0, cell_d), "cell")]
    lines: list[Line] = []
    for src in readers:
        if role == "kernel":
            reads = r.in_channels // r.layer.groups
            depth = min(1.0, _depth(reads) / _depth(src.channels)) if src.channels else 1
        else:
            depth = min(1.0, _depth(1) / _depth(src.channels))
        windows.append(Window(src.key, (r0, r1), (c0, c1), (1 - depth, 1.0), role))
        for rr in (r0, r1):
            for cc in (c0, c1):
                lines.append(
                    Line(src.point(rr, cc, 1.0), dest.point(out_r + 0.5, out_c + 0.5, 0.0), role)
                )
    return windows, lines


def _place_labels(
    elements: Sequence[_Element],
    by_element: dict[int, list[Box]],
    box_rects: Sequence[tuple[float, float, float, float]],
    font_px: float,
) -> tuple[list[TextLabel], list[tuple[float, float, float, float]]]:
    """Sizes under each element, kernel/stride above, pushed clear of boxes and each other;
    the labels and the rectangles they cover."""
    labels: list[TextLabel] = []
    placed: list[tuple[float, float, float, float]] = []
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
    return labels, placed


def _caption_lines(
    result: StackResult,
    caption: Sequence[str] | None,
    streams: int,
    size: float,
    width: float,
) -> list[str]:
    """The caption (default: the totals; two streams: a line saying what they are), wrapped."""
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
    return [ln for text in caption for ln in _wrap(text, size, width)]


def _title_and_caption(
    title: str | None, cap_lines: Sequence[str], margin: float, font_px: float, bottom: float
) -> tuple[list[TextLabel], float]:
    """The title at the top left, the caption's lines under ``bottom`` (the figure's lowest
    box or label); the labels and the last line's bottom."""
    cap_size = font_px * 0.85
    labels: list[TextLabel] = []
    if title:
        labels.append(
            TextLabel(title, (margin, margin + ASCENT * font_px), font_px, "start", "title")
        )
    y = bottom + cap_size * 1.2
    for text in cap_lines:
        y += cap_size * 1.3
        labels.append(
            TextLabel(text, (margin, y - DESCENT * cap_size), cap_size, "start", "caption")
        )
    return labels, y


def _moved_line(ln: Line, dx: float, dy: float) -> Line:
    return Line((ln.a[0] + dx, ln.a[1] + dy), (ln.b[0] + dx, ln.b[1] + dy), ln.role)


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

"""Receptive fields you can see: one output unit's receptive field walked back map by map.

:func:`receptive_field_walk` and :func:`layout_receptive_field` (standard library) give the
frames of ``convanim render receptive_field``; :func:`render_receptive_field` draws them as a GIF
(or a PNG/SVG of the last frame), or, for a small 1-D stack, as the WaveNet figure's graph
(:func:`receptive_field_graph`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from convanim.core import shapes
from convanim.core.stack import StackResult, _resolve_padding
from convanim.draw.labels import text_width
from convanim.draw.network_figure import NetworkFigure, Window
from convanim.draw.network_layout import (
    DEFAULT_FONT_PX,
    DEFAULT_HOLD_MS,
    DEFAULT_STEP_MS,
    DEFAULT_WIDTH,
    _kernel_text,
    _layer_taps,
    _size_text,
    _totals,
    layout_network,
)
from convanim.draw.network_png import _check_pixels, _png_bytes, _write, render_png
from convanim.draw.network_svg import svg_text


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
    duration_ms: int = DEFAULT_STEP_MS,
    hold_last_ms: int = DEFAULT_HOLD_MS,
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
    duration_ms: int = DEFAULT_STEP_MS,
    hold_last_ms: int = DEFAULT_HOLD_MS,
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

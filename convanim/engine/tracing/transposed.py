"""Traces of a transposed convolution, in its two pictures: the direct view (conv_arithmetic's:
the equivalent convolution over the zero-inserted, padded input) and the scatter view (each
input cell scales the kernel and adds it into the output)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Unpack

import numpy as np

from ...core import shapes
from ...draw.trace import Op, Role, Step, Tap, Trace
from .. import _kernels as K
from ..ops import conv_transpose
from ..ops._operands import Mode, arguments, effective_weight
from ..ops.transposed import TransposedArgs
from . import _steps

__all__ = ["trace_conv_transpose", "trace_scatter"]


def _transposed_kernel(
    w: np.ndarray, groups: int, co: int, mode: str
) -> tuple[list[int], np.ndarray]:
    """Output channel ``co`` of a transposed convolution (weight (C_in, C_out/g, *k)): the
    input channels of its group and their kernels as stored, flipped in ``convolution`` mode."""
    cout_g = w.shape[1]
    group = co // cout_g
    cin_g = w.shape[0] // groups
    chans = list(range(group * cin_g, (group + 1) * cin_g))
    return chans, effective_weight(w, mode)[chans, co - group * cout_g]


class DirectView(NamedTuple):
    """A transposed convolution drawn as the direct convolution it equals."""

    steps: list[Step]
    grid: np.ndarray  # (channels, *grid_shape): the zero-inserted, padded input
    roles: dict[_steps.Coord, Role]
    applied: np.ndarray  # the kernels as they lie over the grid (rotated by 180°)
    channels: list[int]
    input_shape: tuple[int, ...]  # the spread input's (the transposed convolution's input)
    pads: tuple[tuple[int, int], ...]  # (before, after) around it; negative crops
    mode: Mode

    def trace(self, op: Op, output: np.ndarray, params: dict[str, object]) -> Trace:
        """This view as the trace of ``op`` (a transposed convolution, or ∂L/∂x of a
        convolution) landing on ``output``; ``params`` gain the view's ``grid_padding``."""
        return Trace(
            op=op,
            mode=self.mode,
            input_shape=self.input_shape,
            steps=tuple(self.steps),
            grid_roles=self.roles,
            **_steps.drawn(grid=self.grid[0], kernel=self.applied[0], output=output),
            params={**params, "grid_padding": self.pads},
        )


def _stretched_dim(
    size: int, stride: int, before: int, extent: int
) -> list[tuple[Role, int | None]]:
    """(role, source) of each of ``extent`` grid cells along one axis: the input's ``size``
    cells ``stride`` apart from ``before``, zeros inserted between them, padding around."""
    stretched = (size - 1) * stride + 1
    dim: list[tuple[Role, int | None]] = []
    for q in range(extent):
        r = q - before
        if 0 <= r < stretched and r % stride == 0:
            dim.append(("input", r // stride))
        elif 0 <= r < stretched:
            dim.append(("inserted", None))
        else:
            dim.append(("padding", None))
    return dim


def direct_view(
    xb: np.ndarray,
    w: np.ndarray,
    groups: int,
    mode: Mode,
    n: int,
    co: int,
    geom: Sequence[shapes.TransposedDim] | Sequence[shapes.ConvDim],
    pads: Sequence[tuple[int, int]],
    out_shape: Sequence[int],
    bias: float,
) -> DirectView:
    """The equivalent direct convolution of a transposed convolution (weight (C_in, C_out/g, *k)),
    ``geom`` giving each axis's stride and dilation.

    Zeros inserted between input cells, ``pads`` (before, after; negative crops) around them,
    the kernel rotated by 180°, stride 1.
    """
    chans, w_eff = _transposed_kernel(w, groups, co, mode)
    sizes = xb.shape[2:]
    dilation = [g.dilation for g in geom]
    gshape = [o + (k - 1) * d for o, k, d in zip(out_shape, w.shape[2:], dilation, strict=True)]
    per_dim = [
        _stretched_dim(size, g.stride, before, extent)
        for size, g, (before, _), extent in zip(sizes, geom, pads, gshape, strict=True)
    ]
    positions = [
        before + np.arange(size) * g.stride
        for size, g, (before, _) in zip(sizes, geom, pads, strict=True)
    ]
    keep = [(p >= 0) & (p < gs) for p, gs in zip(positions, gshape, strict=True)]
    src_idx = np.ix_(*[np.nonzero(k)[0] for k in keep])
    dst_idx = np.ix_(*[p[k] for p, k in zip(positions, keep, strict=True)])
    grid = np.zeros((len(chans), *gshape))
    for i, ch in enumerate(chans):
        grid[i][dst_idx] = xb[n, ch][src_idx]
    cells = _steps.roles_and_sources(per_dim)
    applied = K.spatial_flip(w_eff[None])[0]
    steps = _steps.window_steps(
        grid, applied, [1] * len(geom), dilation, out_shape, cells, mode != "convolution",
        chans, bias,
    )  # fmt: skip
    pads = tuple((int(a), int(b)) for a, b in pads)
    return DirectView(steps, grid, cells[0], applied, chans, tuple(sizes), pads, mode)


class TransposedTraceArgs(TransposedArgs, total=False):
    """A transposed convolution trace's keywords: :func:`conv_transpose`'s, and what it draws
    (``batch`` element, ``out_channel``; 0 unless given)."""

    batch: int
    out_channel: int


class _Transposed(NamedTuple):
    """What both views start from."""

    x: np.ndarray  # (N, C_in, *S)
    w: np.ndarray
    y: np.ndarray  # the engine's own output
    geom: list[shapes.TransposedDim]
    n: int  # the batch element traced
    co: int  # the output channel traced
    bias: float
    groups: int
    mode: Mode


def _transposed(
    x: np.ndarray, weight: np.ndarray, bias: _steps.Bias, args: TransposedTraceArgs
) -> _Transposed:
    """Arrays, output and geometry of a transposed convolution (``args``:
    :func:`conv_transpose`'s), and the batch element and channel traced."""
    batch, out_channel = _steps.selected(args, "batch", "out_channel")
    xb, w, b = _steps.conv_arrays(x, weight, bias)
    a = arguments(conv_transpose, xb, w, b, **args)
    y = conv_transpose(**a)
    geom = shapes.transposed_geometry(
        xb.shape[2:], w.shape[2:], a["stride"], a["padding"], a["dilation"], a["output_padding"]
    )
    n = _steps.pick(batch, xb.shape[0], "batch")
    co = _steps.pick(out_channel, w.shape[1] * a["groups"], "out_channel")
    return _Transposed(
        xb, w, y, list(geom), n, co, _steps.bias_value(b, co), a["groups"], a["mode"]
    )


def _transposed_params(geom: Sequence[shapes.TransposedDim], groups: int) -> dict[str, object]:
    params: dict[str, object] = _steps.geometry_params(
        geom, "stride", "padding", "output_padding", "dilation"
    )
    return {**params, "groups": groups}


@_steps.finite_values
def trace_conv_transpose(
    x: np.ndarray, weight: np.ndarray, bias: _steps.Bias = None, **args: Unpack[TransposedTraceArgs]
) -> Trace:
    """Trace a transposed convolution as its equivalent direct convolution (conv_arithmetic's
    picture): input cells spread ``stride`` apart with ``inserted`` zeros between them,
    ``padding`` cells of width ``K−1−p`` (plus ``output_padding`` at the end), the kernel
    rotated by 180°, stride 1. One step per output position.
    """
    xb, w, y, geom, n, co, bias_v, groups, mode = _transposed(x, weight, bias, args)
    pads = [(g.pad_before, g.pad_after) for g in geom]
    out_shape = tuple(g.output for g in geom)
    view = direct_view(xb, w, groups, mode, n, co, geom, pads, out_shape, bias_v)
    return view.trace(
        "transposed",
        y[n, co],
        {
            **_transposed_params(geom, groups),
            "input_positions": tuple(
                tuple(g.input_position(j) for j in range(g.size)) for g in geom
            ),
            "batch": n,
            "out_channel": co,
            "in_channels": tuple(view.channels),
        },
    )


def _scatter_step(
    cell: _steps.Coord,
    values: Sequence[float],
    kernels: Sequence[Sequence[float]],
    chans: Sequence[int],
    geom: Sequence[shapes.TransposedDim],
    taps_at: Sequence[tuple[_steps.Coord, _steps.Coord]],
) -> Step:
    """Input ``cell`` (its value in each channel) scaling the kernels into the canvas: a tap per
    product, landing at ``cell·stride + t·dilation`` (``taps_at``: each kernel entry's shift
    ``t·dilation`` and its stored index); those inside the output are its targets."""
    axes = range(len(geom))
    origin = [cell[a] * geom[a].stride - geom[a].padding for a in axes]  # on the output
    padding = [g.padding for g in geom]
    size = [g.output for g in geom]
    taps = []
    targets: dict[_steps.Coord, float] = {}
    for v, ws, ch in zip(values, kernels, chans, strict=True):
        for (shift, kept), wt in zip(taps_at, ws, strict=True):
            out = tuple(origin[a] + shift[a] for a in axes)
            pos = tuple(out[a] + padding[a] for a in axes)
            inside = all(0 <= out[a] < size[a] for a in axes)
            taps.append(Tap(pos, cell, "input" if inside else "dropped", v, kept, wt, v * wt, ch))
            if inside:
                targets[out] = targets.get(out, 0.0) + v * wt
    total = sum(targets.values())
    return Step(cell, tuple(taps), total, 0.0, total, targets=tuple(targets.items()))


@_steps.finite_values
def trace_scatter(
    x: np.ndarray, weight: np.ndarray, bias: _steps.Bias = None, **args: Unpack[TransposedTraceArgs]
) -> Trace:
    """Trace a transposed convolution as a scatter: one step per *input* cell (raster order).

    Each input cell scales the kernel and adds it into the output. The drawn grid is the
    uncropped canvas (``output + 2·padding`` per dimension); ``Tap.grid`` is where a product
    lands on it, ``role`` is ``input`` there or ``dropped`` where ``padding`` crops it away.
    ``Step.targets`` lists (output coordinate, amount added) for the cells that survive, and
    ``Step.value``/``total`` is their sum. The output is the sum of all targets plus the bias.
    """
    xb, w, y, geom, n, co, bias_v, groups, mode = _transposed(x, weight, bias, args)
    chans, w_eff = _transposed_kernel(w, groups, co, mode)
    kshape = w.shape[2:]
    offsets = _steps.raster(kshape)
    stored = [_steps.flip(t, kshape) for t in offsets] if mode == "convolution" else offsets
    canvas = tuple(g.output + 2 * g.padding for g in geom)
    xs = xb[n, chans].reshape(len(chans), -1).T.tolist()
    ws = w_eff.reshape(len(chans), -1).tolist()
    shifts = [tuple(a * g.dilation for a, g in zip(t, geom, strict=True)) for t in offsets]
    taps_at = list(zip(shifts, stored, strict=True))
    steps = [
        _scatter_step(cell, xs[j], ws, chans, geom, taps_at)
        for j, cell in enumerate(_steps.raster(xb.shape[2:]))
    ]
    kept = [range(g.padding, g.padding + g.output) for g in geom]
    return Trace(
        op="scatter",
        mode=mode,
        input_shape=tuple(xb.shape[2:]),
        grid_shape=canvas,
        steps=tuple(steps),
        grid_roles={
            cell: "input" if all(q in r for q, r in zip(cell, kept, strict=True)) else "dropped"
            for cell in _steps.raster(canvas)
        },
        **_steps.drawn(kernel=w_eff[0], output=y[n, co]),
        params={
            **_transposed_params(geom, groups),
            "bias": bias_v,
            "canvas_offset": tuple(g.padding for g in geom),
            "input_values": _steps.cell_values(xb[n, chans[0]]),
            "batch": n,
            "out_channel": co,
            "in_channels": tuple(chans),
        },
    )

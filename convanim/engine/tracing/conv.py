"""Traces of a convolution: the forward pass (one step per output position) and its two
gradients, ∂L/∂w (one step per kernel entry) and ∂L/∂x (one step per input cell)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Unpack

import numpy as np

from ...core import shapes
from ...draw.trace import Step, Trace
from .. import _kernels as K
from ..ops import conv, conv_backward
from ..ops._operands import Grads, arguments, effective_weight
from ..ops.conv import ConvArgs
from ._steps import (
    Bias,
    bias_value,
    conv_arrays,
    drawn,
    finite_values,
    flip,
    geometry_params,
    padded_roles,
    pick,
    selected,
    window_steps,
    with_dropped,
)
from .transposed import direct_view

__all__ = ["trace_conv", "trace_grad_weight", "trace_grad_input"]


class ConvTraceArgs(ConvArgs, total=False):
    """A convolution trace's keywords: :func:`conv`'s, and what it draws (``batch`` element,
    ``out_channel``, and for ∂L/∂w and ∂L/∂x the ``in_channel``; 0 unless given)."""

    batch: int
    out_channel: int
    in_channel: int


def _group_channels(w: np.ndarray, groups: int, co: int) -> list[int]:
    """The input channels output channel ``co`` reads (its group's)."""
    ci_g = w.shape[1]
    group = co // (w.shape[0] // groups)
    return list(range(group * ci_g, (group + 1) * ci_g))


def _conv_params(geom: Sequence[shapes.ConvDim], groups: int) -> dict[str, object]:
    return {
        "stride": tuple(g.stride for g in geom),
        "padding": tuple((g.pad_before, g.pad_after) for g in geom),
        "dilation": tuple(g.dilation for g in geom),
        "groups": groups,
    }


def _geometry(xb: np.ndarray, w: np.ndarray, a: dict) -> list[shapes.ConvDim]:
    """The convolution's geometry from :func:`conv`'s bound arguments ``a``."""
    return list(
        shapes.conv_geometry(
            xb.shape[2:], w.shape[2:], a["stride"], a["padding"], a["dilation"], a["padding_mode"]
        )
    )


@finite_values
def trace_conv(
    x: np.ndarray, weight: np.ndarray, bias: Bias = None, **args: Unpack[ConvTraceArgs]
) -> Trace:
    """Trace a convolution: one step per output position (raster order).

    ``x``/``weight`` in torch layouts, or a plain 1-d/2-d array and kernel (one channel);
    ``args`` are :func:`~convanim.engine.conv`'s (``stride``, ``padding``, …, ``mode``).
    Padding cells of a non-zero ``padding_mode`` carry the value they copy and, as ``source``,
    the real cell it comes from.
    """
    batch, out_channel = selected(args, "batch", "out_channel")
    xb, w, b = conv_arrays(x, weight, bias)
    a = arguments(conv, xb, w, b, **args)
    y, geom = conv(**a), _geometry(xb, w, a)
    groups, padding_mode, mode = a["groups"], a["padding_mode"], a["mode"]
    n = pick(batch, xb.shape[0], "batch")
    co = pick(out_channel, w.shape[0], "out_channel")
    chans = _group_channels(w, groups, co)
    pairs = [(g.pad_before, g.pad_after) for g in geom]
    grid = K.pad(xb[n : n + 1, chans], pairs, padding_mode)[0]
    cells = padded_roles(geom, padding_mode)
    w_eff = effective_weight(w, mode)[co]
    out_shape = tuple(g.output for g in geom)
    params = geometry_params(geom, "stride", "dilation")
    steps = window_steps(
        grid, w_eff, params["stride"], params["dilation"], out_shape, cells,
        mode == "convolution", chans, bias_value(b, co),
    )  # fmt: skip
    return Trace(
        op="conv",
        mode=mode,
        input_shape=tuple(xb.shape[2:]),
        steps=tuple(steps),
        grid_roles=with_dropped(cells[0], grid.shape[1:], geom),
        **drawn(grid=grid[0], kernel=w_eff[0], output=y[n, co]),
        params={
            **_conv_params(geom, groups),
            "padding_mode": padding_mode,
            "batch": n,
            "out_channel": co,
            "in_channels": tuple(chans),
            "dropped": tuple(g.dropped for g in geom),
        },
    )


class _Backward(NamedTuple):
    """What both gradient traces start from."""

    x: np.ndarray  # (N, C_in, *S)
    w: np.ndarray
    geom: list[shapes.ConvDim]
    gy: np.ndarray  # ∂L/∂y as (N, C_out, *O)
    grads: Grads  # the engine's own gradients, the values the trace must land on
    n: int  # the batch element traced
    args: dict  # conv's arguments after bias, defaults filled in


def _backward(
    x: np.ndarray,
    weight: np.ndarray,
    grad_output: np.ndarray,
    args: ConvArgs,
    batch: int,
    zeros_only: bool = False,
) -> _Backward:
    """The arrays, geometry and gradients of a convolution's backward pass (``args``:
    :func:`conv`'s). A plain ∂L/∂y is one channel; one more rank is ``(C_out, …)``."""
    a = arguments(conv, x, weight, None, **args)
    if zeros_only and a["padding_mode"] != "zeros":
        raise ValueError("the grad_input trace is drawn for padding_mode='zeros' only")
    xb, w, _ = conv_arrays(x, weight, None)
    geom = _geometry(xb, w, a)
    gy = np.asarray(grad_output, dtype=np.float64)
    if gy.ndim in (len(geom), len(geom) + 1):
        gy = gy[(None,) * (len(geom) + 2 - gy.ndim)]
    a.update(input=xb, weight=w, grad_output=gy)
    del a["bias"], a["ndim"]
    grads = conv_backward(**a)
    return _Backward(xb, w, geom, gy, grads, pick(batch, xb.shape[0], "batch"), a)


def _in_stored_order(steps: list[Step], kshape: Sequence[int]) -> list[Step]:
    """Steps keyed by the stored kernel entry when the applied kernel is flipped (window
    offset t is stored entry k−1−t), in raster order of the stored kernel."""
    moved = [Step(flip(s.output, kshape), s.taps, s.total, s.bias, s.value) for s in steps]
    return sorted(moved, key=lambda s: s.output)


@finite_values
def trace_grad_weight(
    x: np.ndarray, weight: np.ndarray, grad_output: np.ndarray, **args: Unpack[ConvTraceArgs]
) -> Trace:
    """Trace ∂L/∂w of a convolution as a correlation of ∂L/∂y with the (padded) input.

    One step per kernel entry (raster order of the stored kernel): ∂L/∂y slides over the padded
    input with its entries ``stride`` apart, its origin moving by ``dilation``. ``in_channel``
    is the index within the group (``weight[out_channel, in_channel]``). With several batch
    elements the step holds element ``batch``'s share; ``grad_weight`` sums the shares.
    """
    batch, out_channel, in_channel = selected(args, "batch", "out_channel", "in_channel")
    xb, w, geom, gy, grads, n, a = _backward(x, weight, grad_output, args, batch)
    groups, padding_mode, mode = a["groups"], a["padding_mode"], a["mode"]
    co = pick(out_channel, w.shape[0], "out_channel")
    cil = pick(in_channel, w.shape[1], "in_channel")
    ch = _group_channels(w, groups, co)[cil]
    grid = K.pad(xb[n : n + 1, [ch]], [(g.pad_before, g.pad_after) for g in geom], padding_mode)[0]
    cells = padded_roles(geom, padding_mode)
    kshape = w.shape[2:]
    params = geometry_params(geom, "stride", "dilation", "output", "padded")
    # ∂L/∂y is the sliding kernel: its taps are `stride` apart, its windows `dilation` apart
    steps = window_steps(
        grid, gy[n, co][None], params["dilation"], params["stride"], kshape, cells, False, [ch], 0.0
    )
    if mode == "convolution":
        steps = _in_stored_order(steps, kshape)
    return Trace(
        op="grad_weight",
        mode=mode,
        input_shape=tuple(xb.shape[2:]),
        steps=tuple(steps),
        grid_roles=cells[0],
        **drawn(grid=grid[0], kernel=gy[n, co], output=grads.grad_weight[co, cil]),
        params={
            **_conv_params(geom, groups),
            "padding_mode": padding_mode,
            "batch": n,
            "batch_size": xb.shape[0],
            "out_channel": co,
            "in_channel": ch,
            "kernel": "grad_output",
        },
    )


@finite_values
def trace_grad_input(
    x: np.ndarray, weight: np.ndarray, grad_output: np.ndarray, **args: Unpack[ConvTraceArgs]
) -> Trace:
    """Trace ∂L/∂x of a convolution as a full convolution of ∂L/∂y with the flipped kernel.

    Drawn like a transposed convolution's direct view: ∂L/∂y's cells ``stride`` apart with
    inserted zeros, padded by ``K−1−p`` (the "full" padding when ``p = 0``), the kernel rotated
    by 180°, stride 1; one step per input cell. Only ``padding_mode="zeros"`` (other modes
    fold the padding's gradient back onto border cells, which no window shows).
    """
    batch, in_channel = selected(args, "batch", "in_channel")
    xb, w, geom, gy, grads, n, a = _backward(x, weight, grad_output, args, batch, True)
    groups, mode = a["groups"], a["mode"]
    ci = pick(in_channel, xb.shape[1], "in_channel")
    pads = [
        (g.effective_kernel - 1 - g.pad_before, g.effective_kernel - 1 - g.pad_after + g.dropped)
        for g in geom
    ]
    view = direct_view(gy, w, groups, mode, n, ci, geom, pads, xb.shape[2:], 0.0)
    return view.trace(
        "grad_input",
        grads.grad_input[n, ci],
        {
            **_conv_params(geom, groups),
            "batch": n,
            "in_channel": ci,
            "out_channels": tuple(view.channels),
        },
    )

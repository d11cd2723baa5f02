"""Step traces: every step of an operation as plain data (:mod:`convanim.draw.trace`) for the renderers.

A trace follows one batch element and one output channel. Steps come in raster order of the
output (the order an animation visits them); each step lists the cells under the window with
their role (``input``, ``padding``, ``inserted``), the kernel tap over each cell, the products,
the sum, the bias and the value that lands in the output. Values are the engine's own, so a
drawing and ``convanim compute`` can never disagree.

Conventions worth knowing when drawing:

* ``Tap.kernel`` is the kernel index *as stored* (``weight[co, ci, *kernel]``) and ``Tap.weight``
  the number applied to the cell. ``Trace.kernel_values`` is the kernel *as it lies over the
  grid* (keyed by window offset), so in ``convolution`` mode, or in the direct view of a
  transposed convolution, it is the flipped kernel. It shows the first input channel of the
  group; taps carry every channel (``Tap.channel``), listed in ``params["in_channels"]``.
* ``grid_roles`` marks grid cells no window ever reaches as ``dropped`` (e.g. the last padded
  row of conv_arithmetic's ``padding_strides_odd``); taps never touch them.

The conv_arithmetic Figure 1.1 (valid 3×3 correlation of a 5×5 input):

>>> import numpy as np
>>> x = np.array([[3,3,2,1,0],[0,0,1,3,1],[3,1,2,2,3],[2,0,0,2,2],[2,0,0,0,1]], float)
>>> w = np.array([[0,1,2],[2,2,0],[0,1,2]], float)
>>> t = trace_conv(x, w)
>>> [s.value for s in t.steps[:3]]
[12.0, 12.0, 17.0]
>>> [(tap.value, tap.weight) for tap in t.steps[0].taps[:3]]
[(3.0, 0.0), (3.0, 1.0), (2.0, 2.0)]
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np

from ..core import shapes
from ..draw.trace import Role, Step, Tap, Trace
from . import _kernels as K
from . import grad as G
from . import ops

__all__ = [
    "trace_conv",
    "trace_conv_transpose",
    "trace_scatter",
    "trace_pool",
    "trace_adaptive_pool",
    "trace_grad_weight",
    "trace_grad_input",
]

Coord = tuple[int, ...]


def _finite_values(trace_fn: Callable[..., Trace]) -> Callable[..., Trace]:
    """Refuse what ``convanim compute`` refuses: values that overflow float64 (or a negative
    sum's fractional root in lp pooling) would draw as blank cells. NumPy's warnings about
    them are silenced: the refusal is the one message. Only max pooling's windows made of
    padding alone are legitimately -inf (torch's answer)."""

    @functools.wraps(trace_fn)
    def traced(*args: object, **kwargs: object) -> Trace:
        with np.errstate(all="ignore"):
            trace = trace_fn(*args, **kwargs)
        values = trace.output_values.values()
        if all(math.isfinite(v) for v in values):
            return trace
        if any(math.isnan(v) for v in values) and trace.op == "lp_pool":
            raise ValueError(
                "lp_pool gives nan: a window's sum of x^p is negative and its 1/p-th power is "
                "not real (negative inputs with an odd or fractional norm_type)"
            )
        if trace.op == "max_pool" and all(v == -math.inf or math.isfinite(v) for v in values):
            return trace
        raise ValueError(
            f"{trace.op}: the values overflow float64 (beyond ±1.8e308); use smaller numbers"
        )

    return traced


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _conv_arrays(
    x: np.ndarray, weight: np.ndarray, bias: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Accept torch layouts, or a plain 1-d/2-d array with a plain kernel (one channel)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim <= 2:  # a plain 1-d or 2-d array and kernel: one channel
        if x.ndim != w.ndim:
            raise ValueError(
                f"a plain {w.ndim}-d kernel needs a plain {w.ndim}-d input, got shape {list(x.shape)}"
            )
        x, w = x[None, None], w[None, None]
    else:
        x, _ = ops.batched(x, w.ndim - 2, "trace")
    b = None
    if bias is not None:
        b = np.atleast_1d(np.asarray(bias, dtype=np.float64))
    return x, w, b


def _pick(n: int, count: int, what: str) -> int:
    if not 0 <= n < count:
        raise ValueError(f"{what} must be in [0, {count}), got {n}")
    return n


def _raster(shape: Sequence[int]) -> list[Coord]:
    return list(itertools.product(*(range(n) for n in shape)))


def _as_dict(coords: list[Coord], values: np.ndarray) -> dict[Coord, float]:
    return dict(zip(coords, np.asarray(values, dtype=np.float64).ravel().tolist(), strict=True))


def _covered_mask(size: int, starts: Sequence[int], span: int) -> list[bool]:
    mask = [False] * size
    for a in starts:
        for q in range(max(a, 0), min(a + span, size)):
            mask[q] = True
    return mask


def _window_steps(
    grid: np.ndarray,
    kernel: np.ndarray,
    stride: Sequence[int],
    dilation: Sequence[int],
    out_shape: Sequence[int],
    sources: dict[Coord, Coord | None],
    roles: dict[Coord, Role],
    flipped: bool,
    channels: Sequence[int],
    bias: float,
) -> list[Step]:
    """Steps of a correlation of ``grid`` (C, *G) with ``kernel`` (C, *k, as applied).

    ``flipped``: the applied kernel is the stored one rotated by 180°, so ``Tap.kernel`` names
    the stored entry ``k−1−t`` of window offset ``t``.
    """
    c = grid.shape[0]
    kshape = kernel.shape[1:]
    ndim = len(kshape)
    kk = int(np.prod(kshape))
    npos = int(np.prod(out_shape))
    cols = K.im2col(grid[None], kshape, out_shape, stride, dilation)[0]
    cols = cols.reshape(c * kk, npos)
    prods = cols * kernel.reshape(c * kk, 1)
    totals = prods.sum(axis=0).tolist()
    values = cols.T.tolist()
    products = prods.T.tolist()
    weights = kernel.reshape(-1).tolist()
    offsets = _raster(kshape)
    stored = [_flip(t, kshape) for t in offsets] if flipped else offsets
    steps = []
    for p, o in enumerate(_raster(out_shape)):
        start = [o[a] * stride[a] for a in range(ndim)]
        taps = []
        vals, prs = values[p], products[p]
        for ci in range(c):
            for ti, t in enumerate(offsets):
                g = tuple(start[a] + t[a] * dilation[a] for a in range(ndim))
                i = ci * kk + ti
                taps.append(
                    Tap(
                        g,
                        sources[g],
                        roles[g],
                        vals[i],
                        stored[ti],
                        weights[i],
                        prs[i],
                        channels[ci],
                    )
                )
        steps.append(Step(o, tuple(taps), totals[p], bias, totals[p] + bias))
    return steps


def _flip(t: Coord, kshape: Sequence[int]) -> Coord:
    """Kernel index ``t`` rotated by 180°."""
    return tuple(k - 1 - a for k, a in zip(kshape, t, strict=True))


def _roles_and_sources(
    per_dim: Sequence[Sequence[tuple[Role, int | None]]],
) -> tuple[dict[Coord, Role], dict[Coord, Coord | None]]:
    """Combine per-dimension (role, source index) lists into cell maps.

    A cell is ``input`` when it is input along every axis; ``padding`` wins over ``inserted``.
    """
    roles: dict[Coord, Role] = {}
    sources: dict[Coord, Coord | None] = {}
    for cell in _raster([len(d) for d in per_dim]):
        parts = [per_dim[a][q] for a, q in enumerate(cell)]
        kinds = {r for r, _ in parts}
        if kinds == {"input"}:
            roles[cell] = "input"
        elif "padding" in kinds:
            roles[cell] = "padding"
        else:
            roles[cell] = "inserted"
        srcs = tuple(s for _, s in parts)
        sources[cell] = None if any(s is None for s in srcs) else srcs
    return roles, sources


def _padded_roles(
    geom: Sequence[shapes.ConvDim], padding_mode: str
) -> tuple[dict[Coord, Role], dict[Coord, Coord | None]]:
    """Roles and sources of a convolution's padded input (a copied cell's source is real)."""
    per_dim = []
    for g in geom:
        idx = K.pad_source_index(g.size, g.pad_before, g.pad_after, padding_mode).tolist()
        per_dim.append(
            [
                (
                    "input" if g.pad_before <= q < g.pad_before + g.size else "padding",
                    i if i >= 0 else None,
                )
                for q, i in enumerate(idx)
            ]
        )
    return _roles_and_sources(per_dim)


def _with_dropped(
    roles: dict[Coord, Role],
    grid_shape: Sequence[int],
    geom: Sequence[shapes.ConvDim] | Sequence[shapes.PoolDim],
) -> dict[Coord, Role]:
    """``roles`` with the grid cells no window reaches marked ``dropped``."""
    masks = [
        _covered_mask(size, [i * g.stride for i in range(g.output)], g.effective_kernel)
        for size, g in zip(grid_shape, geom, strict=True)
    ]
    return {
        cell: ("dropped" if not all(masks[a][q] for a, q in enumerate(cell)) else role)
        for cell, role in roles.items()
    }


# --------------------------------------------------------------------------------------------
# Direct convolution
# --------------------------------------------------------------------------------------------


@_finite_values
def trace_conv(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    stride: int | Sequence[int] = 1,
    padding: shapes.PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    mode: ops.Mode = "correlation",
    *,
    batch: int = 0,
    out_channel: int = 0,
) -> Trace:
    """Trace a convolution: one step per output position (raster order).

    ``x``/``weight`` in torch layouts, or a plain 1-d/2-d array and kernel (one channel).
    Padding cells of a non-zero ``padding_mode`` carry the value they copy and, as ``source``,
    the real cell it comes from.
    """
    xb, w, b = _conv_arrays(x, weight, bias)
    y = ops.conv(xb, w, b, stride, padding, dilation, groups, padding_mode, mode)
    geom = shapes.conv_geometry(xb.shape[2:], w.shape[2:], stride, padding, dilation, padding_mode)
    n = _pick(batch, xb.shape[0], "batch")
    co = _pick(out_channel, w.shape[0], "out_channel")
    ci_g = w.shape[1]
    group = co // (w.shape[0] // groups)
    chans = list(range(group * ci_g, (group + 1) * ci_g))
    pairs = [(g.pad_before, g.pad_after) for g in geom]
    grid = K.pad(xb[n : n + 1, chans], pairs, padding_mode)[0]
    roles, sources = _padded_roles(geom, padding_mode)
    w_eff = ops.effective_weight(w, mode)[co]
    kshape = w.shape[2:]
    bias_value = float(b[co]) if b is not None else 0.0
    steps = _window_steps(
        grid,
        w_eff,
        [g.stride for g in geom],
        [g.dilation for g in geom],
        [g.output for g in geom],
        sources,
        roles,
        mode == "convolution",
        chans,
        bias_value,
    )
    gshape = tuple(g.padded for g in geom)
    out_shape = tuple(g.output for g in geom)
    return Trace(
        op="conv",
        mode=mode,
        input_shape=tuple(xb.shape[2:]),
        grid_shape=gshape,
        output_shape=out_shape,
        kernel_shape=tuple(kshape),
        steps=tuple(steps),
        grid_roles=_with_dropped(roles, gshape, geom),
        grid_values=_as_dict(_raster(gshape), grid[0]),
        kernel_values=_as_dict(_raster(kshape), w_eff[0]),
        output_values=_as_dict(_raster(out_shape), y[n, co]),
        params={
            "stride": tuple(g.stride for g in geom),
            "padding": tuple(pairs),
            "dilation": tuple(g.dilation for g in geom),
            "groups": groups,
            "padding_mode": padding_mode,
            "batch": n,
            "out_channel": co,
            "in_channels": tuple(chans),
            "dropped": tuple(g.dropped for g in geom),
        },
    )


# --------------------------------------------------------------------------------------------
# Transposed convolution: the direct view and the scatter view
# --------------------------------------------------------------------------------------------


def _transposed_kernel(
    w: np.ndarray, groups: int, co: int, mode: str
) -> tuple[list[int], np.ndarray]:
    """Output channel ``co`` of a transposed convolution (weight (C_in, C_out/g, *k)): the
    input channels of its group and their kernels as stored, flipped in ``convolution`` mode."""
    cout_g = w.shape[1]
    group = co // cout_g
    cin_g = w.shape[0] // groups
    chans = list(range(group * cin_g, (group + 1) * cin_g))
    return chans, ops.effective_weight(w, mode)[chans, co - group * cout_g]


def _direct_view(
    xb: np.ndarray,
    w: np.ndarray,
    groups: int,
    mode: str,
    n: int,
    co: int,
    stride: Sequence[int],
    dilation: Sequence[int],
    pads: Sequence[tuple[int, int]],
    out_shape: Sequence[int],
    bias_value: float,
) -> tuple[list[Step], np.ndarray, dict[Coord, Role], np.ndarray, list[int]]:
    """The equivalent direct convolution of a transposed convolution (weight (C_in, C_out/g, *k)).

    Zeros inserted between input cells, ``pads`` (before, after; negative crops) around them,
    the kernel rotated by 180°, stride 1.
    """
    ndim = len(stride)
    chans, w_eff = _transposed_kernel(w, groups, co, mode)
    sizes = xb.shape[2:]
    kshape = w.shape[2:]
    gshape = [o + (k - 1) * d for o, k, d in zip(out_shape, kshape, dilation, strict=True)]
    grid = np.zeros((len(chans), *gshape))
    per_dim = []
    positions = []
    for a in range(ndim):
        before = pads[a][0]
        stretched = (sizes[a] - 1) * stride[a] + 1
        dim: list[tuple[Role, int | None]] = []
        for q in range(gshape[a]):
            r = q - before
            if 0 <= r < stretched and r % stride[a] == 0:
                dim.append(("input", r // stride[a]))
            elif 0 <= r < stretched:
                dim.append(("inserted", None))
            else:
                dim.append(("padding", None))
        per_dim.append(dim)
        pos = before + np.arange(sizes[a]) * stride[a]
        positions.append(pos)
    keep = [(p >= 0) & (p < gs) for p, gs in zip(positions, gshape, strict=True)]
    src_idx = np.ix_(*[np.nonzero(k)[0] for k in keep])
    dst_idx = np.ix_(*[p[k] for p, k in zip(positions, keep, strict=True)])
    for i, ch in enumerate(chans):
        grid[i][dst_idx] = xb[n, ch][src_idx]
    roles, sources = _roles_and_sources(per_dim)
    applied = K.spatial_flip(w_eff[None])[0]
    steps = _window_steps(
        grid,
        applied,
        [1] * ndim,
        dilation,
        out_shape,
        sources,
        roles,
        mode != "convolution",
        chans,
        bias_value,
    )
    return steps, grid, roles, applied, chans


@_finite_values
def trace_conv_transpose(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
    mode: ops.Mode = "correlation",
    *,
    batch: int = 0,
    out_channel: int = 0,
) -> Trace:
    """Trace a transposed convolution as its equivalent direct convolution (conv_arithmetic's
    picture): input cells spread ``stride`` apart with ``inserted`` zeros between them,
    ``padding`` cells of width ``K−1−p`` (plus ``output_padding`` at the end), the kernel
    rotated by 180°, stride 1. One step per output position.
    """
    xb, w, b = _conv_arrays(x, weight, bias)
    y = ops.conv_transpose(xb, w, b, stride, padding, output_padding, groups, dilation, mode)
    geom = shapes.transposed_geometry(
        xb.shape[2:], w.shape[2:], stride, padding, dilation, output_padding
    )
    n = _pick(batch, xb.shape[0], "batch")
    co = _pick(out_channel, w.shape[1] * groups, "out_channel")
    pads = [(g.pad_before, g.pad_after) for g in geom]
    out_shape = tuple(g.output for g in geom)
    bias_value = float(b[co]) if b is not None else 0.0
    steps, grid, roles, applied, chans = _direct_view(
        xb,
        w,
        groups,
        mode,
        n,
        co,
        [g.stride for g in geom],
        [g.dilation for g in geom],
        pads,
        out_shape,
        bias_value,
    )
    gshape = tuple(grid.shape[1:])
    return Trace(
        op="transposed",
        mode=mode,
        input_shape=tuple(xb.shape[2:]),
        grid_shape=gshape,
        output_shape=out_shape,
        kernel_shape=tuple(w.shape[2:]),
        steps=tuple(steps),
        grid_roles=roles,
        grid_values=_as_dict(_raster(gshape), grid[0]),
        kernel_values=_as_dict(_raster(w.shape[2:]), applied[0]),
        output_values=_as_dict(_raster(out_shape), y[n, co]),
        params={
            "stride": tuple(g.stride for g in geom),
            "padding": tuple(g.padding for g in geom),
            "output_padding": tuple(g.output_padding for g in geom),
            "dilation": tuple(g.dilation for g in geom),
            "groups": groups,
            "grid_padding": tuple(pads),
            "input_positions": tuple(
                tuple(g.input_position(j) for j in range(g.size)) for g in geom
            ),
            "batch": n,
            "out_channel": co,
            "in_channels": tuple(chans),
        },
    )


@_finite_values
def trace_scatter(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
    mode: ops.Mode = "correlation",
    *,
    batch: int = 0,
    out_channel: int = 0,
) -> Trace:
    """Trace a transposed convolution as a scatter: one step per *input* cell (raster order).

    Each input cell scales the kernel and adds it into the output. The drawn grid is the
    uncropped canvas (``output + 2·padding`` per dimension); ``Tap.grid`` is where a product
    lands on it, ``role`` is ``input`` there or ``dropped`` where ``padding`` crops it away.
    ``Step.targets`` lists (output coordinate, amount added) for the cells that survive, and
    ``Step.value``/``total`` is their sum. The output is the sum of all targets plus the bias.
    """
    xb, w, b = _conv_arrays(x, weight, bias)
    y = ops.conv_transpose(xb, w, b, stride, padding, output_padding, groups, dilation, mode)
    geom = shapes.transposed_geometry(
        xb.shape[2:], w.shape[2:], stride, padding, dilation, output_padding
    )
    ndim = len(geom)
    n = _pick(batch, xb.shape[0], "batch")
    co = _pick(out_channel, w.shape[1] * groups, "out_channel")
    chans, w_eff = _transposed_kernel(w, groups, co, mode)
    kshape = w.shape[2:]
    offsets = _raster(kshape)
    stored = [_flip(t, kshape) for t in offsets] if mode == "convolution" else offsets
    canvas = tuple(g.output + 2 * g.padding for g in geom)
    out_shape = tuple(g.output for g in geom)
    xs = xb[n, chans].reshape(len(chans), -1).tolist()
    ws = w_eff.reshape(len(chans), -1).tolist()
    steps = []
    for j, cell in enumerate(_raster(xb.shape[2:])):
        taps = []
        targets: dict[Coord, float] = {}
        for ci in range(len(chans)):
            v = xs[ci][j]
            for ti, t in enumerate(offsets):
                pos = tuple(cell[a] * geom[a].stride + t[a] * geom[a].dilation for a in range(ndim))
                out = tuple(pos[a] - geom[a].padding for a in range(ndim))
                inside = all(0 <= out[a] < out_shape[a] for a in range(ndim))
                wt = ws[ci][ti]
                product = v * wt
                taps.append(
                    Tap(
                        pos,
                        cell,
                        "input" if inside else "dropped",
                        v,
                        stored[ti],
                        wt,
                        product,
                        chans[ci],
                    )
                )
                if inside:
                    targets[out] = targets.get(out, 0.0) + product
        total = sum(targets.values())
        steps.append(Step(cell, tuple(taps), total, 0.0, total, targets=tuple(targets.items())))
    bias_value = float(b[co]) if b is not None else 0.0
    return Trace(
        op="scatter",
        mode=mode,
        input_shape=tuple(xb.shape[2:]),
        grid_shape=canvas,
        output_shape=out_shape,
        kernel_shape=tuple(kshape),
        steps=tuple(steps),
        grid_roles={
            cell: (
                "input"
                if all(
                    g.padding <= q < g.padding + g.output for g, q in zip(geom, cell, strict=True)
                )
                else "dropped"
            )
            for cell in _raster(canvas)
        },
        grid_values={},
        kernel_values=_as_dict(offsets, w_eff[0]),
        output_values=_as_dict(_raster(out_shape), y[n, co]),
        params={
            "stride": tuple(g.stride for g in geom),
            "padding": tuple(g.padding for g in geom),
            "output_padding": tuple(g.output_padding for g in geom),
            "dilation": tuple(g.dilation for g in geom),
            "groups": groups,
            "bias": bias_value,
            "canvas_offset": tuple(g.padding for g in geom),
            "input_values": _as_dict(_raster(xb.shape[2:]), xb[n, chans[0]]),
            "batch": n,
            "out_channel": co,
            "in_channels": tuple(chans),
        },
    )


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------


def _pool_input(x: np.ndarray, ndim: int | None, kernel_size: object) -> tuple[np.ndarray, int]:
    x = np.asarray(x, dtype=np.float64)
    if ndim is None:
        if isinstance(kernel_size, Sequence):
            ndim = len(kernel_size)
        elif x.ndim <= 2:
            ndim = x.ndim  # a plain 1-d or 2-d array
        else:
            ndim = x.ndim - 2  # (N, C, *spatial); pass ndim for unbatched (C, *spatial)
    if x.ndim == ndim:
        x = x[None, None]
    x, _ = ops.batched(x, ndim, "pooling trace")
    return x, ndim


@_finite_values
def trace_pool(
    x: np.ndarray,
    kind: str,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    norm_type: float = 2.0,
    *,
    ndim: int | None = None,
    batch: int = 0,
    channel: int = 0,
) -> Trace:
    """Trace max (``kind="max"``), average (``"avg"``) or power-average (``"lp"``) pooling.

    The grid is the input padded by ``padding``; taps are the window cells inside it (a
    ``ceil_mode`` window hanging past the padding has fewer). Max pooling treats padding as
    ``-inf`` and names the ``winner`` (torch's: first maximum in scan order); average pooling
    gives the ``divisor``.

    >>> t = trace_pool(np.array([[1.0, 3.0], [3.0, 2.0]]), "max", 2)
    >>> t.steps[0].value, t.steps[0].winner
    (3.0, (0, 1))
    """
    if kind not in ("max", "avg", "lp"):
        raise ValueError(f"pooling kind must be one of max, avg, lp, got {kind!r}")
    xb, ndim = _pool_input(x, ndim, kernel_size)
    n = _pick(batch, xb.shape[0], "batch")
    c = _pick(channel, xb.shape[1], "channel")
    geom = shapes.pool_geometry(
        xb.shape[2:],
        kernel_size,
        stride,
        padding,
        dilation if kind == "max" else 1,
        ceil_mode,
        kind,
    )
    index = None
    if kind == "max":
        y, index = ops.max_pool(
            xb, kernel_size, stride, padding, dilation, ceil_mode, True, ndim=ndim
        )
    elif kind == "avg":
        y = ops.avg_pool(
            xb,
            kernel_size,
            stride,
            padding,
            ceil_mode,
            count_include_pad,
            divisor_override,
            ndim=ndim,
        )
        divisors = ops._avg_divisor(geom, count_include_pad, divisor_override)
    else:
        y = ops.lp_pool(xb, norm_type, kernel_size, stride, ceil_mode, ndim=ndim)
    plane = xb[n, c]
    gshape = tuple(g.size + 2 * g.padding for g in geom)
    pad_value = -np.inf if kind == "max" else 0.0
    grid = K.pad(plane[None, None], [(g.padding, g.padding) for g in geom], value=pad_value)[0, 0]
    grid_list = grid.tolist()
    roles: dict[Coord, Role] = {}
    for cell in _raster(gshape):
        inside = all(g.padding <= q < g.padding + g.size for g, q in zip(geom, cell, strict=True))
        roles[cell] = "input" if inside else "padding"
    steps = []
    out_shape = tuple(g.output for g in geom)
    yv = y[n, c].tolist()
    winners = index[n, c].tolist() if index is not None else None
    for o in _raster(out_shape):
        taps = []
        for t in _raster([g.kernel for g in geom]):
            cell = tuple(o[a] * g.stride + t[a] * g.dilation for a, g in enumerate(geom))
            if any(q >= s for q, s in zip(cell, gshape, strict=True)):
                continue  # ceil_mode overhang past the right padding: not part of the window
            v = grid_list
            for q in cell:
                v = v[q]
            src = tuple(q - g.padding for q, g in zip(cell, geom, strict=True))
            role = roles[cell]
            taps.append(Tap(cell, src if role == "input" else None, role, float(v), t, channel=c))
        value = _nested(yv, o)
        if kind == "max":
            # A window whose taps all land in the padding (dilation can do that) has no winner:
            # torch gives -inf and an index that names no cell of the window.
            winner = None
            if any(tap.role == "input" for tap in taps):
                src = np.unravel_index(int(_nested(winners, o)), xb.shape[2:])
                winner = tuple(int(s) + g.padding for s, g in zip(src, geom, strict=True))
            steps.append(Step(o, tuple(taps), value, 0.0, value, winner=winner))
        elif kind == "avg":
            total = float(sum(tap.value for tap in taps))
            steps.append(Step(o, tuple(taps), total, 0.0, value, divisor=float(divisors[o])))
        else:
            real = np.array([tap.value for tap in taps if tap.role == "input"])
            if np.isinf(norm_type):  # the largest (p = inf) or smallest (−inf) |x|
                total = float((np.max if norm_type > 0 else np.min)(np.abs(real)))
            else:
                with np.errstate(all="ignore"):  # 0^p = inf for p < 0; (−x)^0.5 is nan
                    total = float(np.sum(np.power(real, norm_type)))
            steps.append(Step(o, tuple(taps), total, 0.0, value))
    return Trace(
        op={"max": "max_pool", "avg": "avg_pool", "lp": "lp_pool"}[kind],
        mode="correlation",
        input_shape=tuple(xb.shape[2:]),
        grid_shape=gshape,
        output_shape=out_shape,
        kernel_shape=tuple(g.kernel for g in geom),
        steps=tuple(steps),
        grid_roles=_with_dropped(roles, gshape, geom),
        grid_values=_as_dict(_raster(gshape), grid),
        output_values=_as_dict(_raster(out_shape), y[n, c]),
        params={
            "stride": tuple(g.stride for g in geom),
            "padding": tuple(g.padding for g in geom),
            "dilation": tuple(g.dilation for g in geom),
            "ceil_mode": bool(ceil_mode),
            "count_include_pad": bool(count_include_pad),
            "divisor_override": divisor_override,
            "norm_type": norm_type if kind == "lp" else None,
            "batch": n,
            "channel": c,
        },
    )


def _nested(values: list, coord: Coord) -> float:
    for q in coord:
        values = values[q]
    return float(values)  # type: ignore[arg-type]


@_finite_values
def trace_adaptive_pool(
    x: np.ndarray,
    kind: str,
    output_size: int | None | Sequence[int | None],
    *,
    ndim: int | None = None,
    batch: int = 0,
    channel: int = 0,
) -> Trace:
    """Trace adaptive max (``kind="max"``) or average (``"avg"``) pooling.

    Windows ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)`` from the shape core: they overlap and differ in size.
    """
    if kind not in ("max", "avg"):
        raise ValueError(f"adaptive pooling kind must be max or avg, got {kind!r}")
    xb, ndim = _pool_input(x, ndim, output_size)
    n = _pick(batch, xb.shape[0], "batch")
    c = _pick(channel, xb.shape[1], "channel")
    if kind == "max":
        y, index = ops.adaptive_max_pool(xb, output_size, True, ndim=ndim)
    else:
        y = ops.adaptive_avg_pool(xb, output_size, ndim=ndim)
    sizes = xb.shape[2:]
    out_shape = tuple(y.shape[2:])
    windows = ops.adaptive_windows_nd(sizes, out_shape)
    plane = xb[n, c].tolist()
    steps = []
    for o in _raster(out_shape):
        spans = [windows[a][i] for a, i in enumerate(o)]
        taps = []
        for cell in itertools.product(*(range(a, b) for a, b in spans)):
            taps.append(Tap(cell, cell, "input", _nested(plane, cell), None, channel=c))
        value = float(y[(n, c, *o)])
        if kind == "max":
            winner = tuple(int(v) for v in np.unravel_index(int(index[(n, c, *o)]), sizes))
            steps.append(Step(o, tuple(taps), value, 0.0, value, winner=winner))
        else:
            total = float(sum(t.value for t in taps))
            steps.append(Step(o, tuple(taps), total, 0.0, value, divisor=float(len(taps))))
    return Trace(
        op="adaptive_max_pool" if kind == "max" else "adaptive_avg_pool",
        mode="correlation",
        input_shape=tuple(sizes),
        grid_shape=tuple(sizes),
        output_shape=out_shape,
        kernel_shape=(),
        steps=tuple(steps),
        grid_roles=dict.fromkeys(_raster(sizes), "input"),
        grid_values=_as_dict(_raster(sizes), xb[n, c]),
        output_values=_as_dict(_raster(out_shape), y[n, c]),
        params={"windows": tuple(tuple(w) for w in windows), "batch": n, "channel": c},
    )


# --------------------------------------------------------------------------------------------
# Backward
# --------------------------------------------------------------------------------------------


def _batched_grad_output(grad_output: np.ndarray, ndim: int) -> np.ndarray:
    """∂L/∂y as (N, C_out, *O): a plain array is one channel, one more rank is (C_out, …)."""
    gy = np.asarray(grad_output, dtype=np.float64)
    if gy.ndim == ndim:
        return gy[None, None]
    if gy.ndim == ndim + 1:
        return gy[None]
    return gy


@_finite_values
def trace_grad_weight(
    x: np.ndarray,
    weight: np.ndarray,
    grad_output: np.ndarray,
    stride: int | Sequence[int] = 1,
    padding: shapes.PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    mode: ops.Mode = "correlation",
    *,
    batch: int = 0,
    out_channel: int = 0,
    in_channel: int = 0,
) -> Trace:
    """Trace ∂L/∂w of a convolution as a correlation of ∂L/∂y with the (padded) input.

    One step per kernel entry (raster order of the stored kernel): ∂L/∂y slides over the padded
    input with its entries ``stride`` apart, its origin moving by ``dilation``. ``in_channel``
    is the index within the group (``weight[out_channel, in_channel]``). With several batch
    elements the step holds element ``batch``'s share; ``grad_weight`` sums the shares.
    """
    xb, w, _ = _conv_arrays(x, weight, None)
    geom = shapes.conv_geometry(xb.shape[2:], w.shape[2:], stride, padding, dilation, padding_mode)
    gy = _batched_grad_output(grad_output, len(geom))
    out_shape = tuple(g.output for g in geom)
    full = G.conv_backward(xb, w, gy, stride, padding, dilation, groups, padding_mode, mode)
    n = _pick(batch, xb.shape[0], "batch")
    co = _pick(out_channel, w.shape[0], "out_channel")
    cil = _pick(in_channel, w.shape[1], "in_channel")
    group = co // (w.shape[0] // groups)
    ch = group * w.shape[1] + cil
    pairs = [(g.pad_before, g.pad_after) for g in geom]
    grid = K.pad(xb[n : n + 1, [ch]], pairs, padding_mode)[0]
    roles, sources = _padded_roles(geom, padding_mode)
    kshape = w.shape[2:]
    steps = _window_steps(
        grid,
        gy[n, co][None],
        [g.dilation for g in geom],
        [g.stride for g in geom],
        kshape,
        sources,
        roles,
        False,
        [ch],
        0.0,
    )
    if mode == "convolution":
        # The applied kernel is flipped: window offset t is stored entry k−1−t.
        steps = [
            Step(
                _flip(s.output, kshape),
                s.taps,
                s.total,
                s.bias,
                s.value,
            )
            for s in steps
        ]
        steps.sort(key=lambda s: s.output)
    return Trace(
        op="grad_weight",
        mode=mode,
        input_shape=tuple(xb.shape[2:]),
        grid_shape=tuple(g.padded for g in geom),
        output_shape=tuple(kshape),
        kernel_shape=out_shape,
        steps=tuple(steps),
        grid_roles=roles,
        grid_values=_as_dict(_raster([g.padded for g in geom]), grid[0]),
        kernel_values=_as_dict(_raster(out_shape), gy[n, co]),
        output_values=_as_dict(_raster(kshape), full.grad_weight[co, cil]),
        params={
            "stride": tuple(g.stride for g in geom),
            "padding": tuple(pairs),
            "dilation": tuple(g.dilation for g in geom),
            "groups": groups,
            "padding_mode": padding_mode,
            "batch": n,
            "batch_size": xb.shape[0],
            "out_channel": co,
            "in_channel": ch,
            "kernel": "grad_output",
        },
    )


@_finite_values
def trace_grad_input(
    x: np.ndarray,
    weight: np.ndarray,
    grad_output: np.ndarray,
    stride: int | Sequence[int] = 1,
    padding: shapes.PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    mode: ops.Mode = "correlation",
    *,
    batch: int = 0,
    in_channel: int = 0,
) -> Trace:
    """Trace ∂L/∂x of a convolution as a full convolution of ∂L/∂y with the flipped kernel.

    Drawn like a transposed convolution's direct view: ∂L/∂y's cells ``stride`` apart with
    inserted zeros, padded by ``K−1−p`` (the "full" padding when ``p = 0``), the kernel rotated
    by 180°, stride 1; one step per input cell. Only ``padding_mode="zeros"`` (other modes
    fold the padding's gradient back onto border cells, which no window shows).
    """
    if padding_mode != "zeros":
        raise ValueError("the grad_input trace is drawn for padding_mode='zeros' only")
    xb, w, _ = _conv_arrays(x, weight, None)
    geom = shapes.conv_geometry(xb.shape[2:], w.shape[2:], stride, padding, dilation, padding_mode)
    gy = _batched_grad_output(grad_output, len(geom))
    full = G.conv_backward(xb, w, gy, stride, padding, dilation, groups, padding_mode, mode)
    n = _pick(batch, xb.shape[0], "batch")
    ci = _pick(in_channel, xb.shape[1], "in_channel")
    pads = [
        (g.effective_kernel - 1 - g.pad_before, g.effective_kernel - 1 - g.pad_after + g.dropped)
        for g in geom
    ]
    steps, grid, roles, applied, chans = _direct_view(
        gy,
        w,
        groups,
        mode,
        n,
        ci,
        [g.stride for g in geom],
        [g.dilation for g in geom],
        pads,
        xb.shape[2:],
        0.0,
    )
    gshape = tuple(grid.shape[1:])
    return Trace(
        op="grad_input",
        mode=mode,
        input_shape=tuple(gy.shape[2:]),
        grid_shape=gshape,
        output_shape=tuple(xb.shape[2:]),
        kernel_shape=tuple(w.shape[2:]),
        steps=tuple(steps),
        grid_roles=roles,
        grid_values=_as_dict(_raster(gshape), grid[0]),
        kernel_values=_as_dict(_raster(w.shape[2:]), applied[0]),
        output_values=_as_dict(_raster(xb.shape[2:]), full.grad_input[n, ci]),
        params={
            "stride": tuple(g.stride for g in geom),
            "padding": tuple((g.pad_before, g.pad_after) for g in geom),
            "dilation": tuple(g.dilation for g in geom),
            "groups": groups,
            "grid_padding": tuple(pads),
            "batch": n,
            "in_channel": ci,
            "out_channels": tuple(chans),
        },
    )

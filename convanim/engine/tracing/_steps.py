"""What every trace shares: reading the arrays, walking the windows, naming each grid cell's
role and source, refusing values no picture can show."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core import shapes
from ...draw.trace import Role, Step, Tap, Trace
from .. import _kernels as K
from ..ops._operands import batched

Coord = tuple[int, ...]


def finite_values(trace_fn: Callable[..., Trace]) -> Callable[..., Trace]:
    """Refuse what ``convanim compute`` refuses: values that overflow float64 (or a negative
    sum's fractional root in lp pooling) would draw as blank cells. NumPy's warnings about
    them are silenced: the refusal is the one message. A pooling window made of padding alone
    legitimately gives what its padding holds (max pooling's -inf: torch's answer)."""

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
        if trace.op.endswith("_pool"):
            alone = {s.output for s in trace.steps if all(t.role == "padding" for t in s.taps)}
            if all(math.isfinite(v) or o in alone for o, v in trace.output_values.items()):
                return trace
        raise ValueError(
            f"{trace.op}: the values overflow float64 (beyond ±1.8e308); use smaller numbers"
        )

    return traced


#: A trace's bias: an array (one per output channel), one number, or none.
Bias = np.ndarray | float | None


def conv_arrays(
    x: np.ndarray, weight: np.ndarray, bias: Bias
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
        x, _ = batched(x, w.ndim - 2, "trace")
    b = None
    if bias is not None:
        b = np.atleast_1d(np.asarray(bias, dtype=np.float64))
    return x, w, b


def bias_value(b: np.ndarray | None, co: int) -> float:
    """Output channel ``co``'s bias (0 without one)."""
    return float(b[co]) if b is not None else 0.0


def selected(args: dict[str, Any], *names: str) -> list[int]:
    """Take a trace's selection keywords (``batch``, ``out_channel`` …: which element and
    channel it draws, 0 unless given) out of ``args``, leaving the operation's own."""
    return [args.pop(name, 0) for name in names]


def pick(n: int, count: int, what: str) -> int:
    """``n``, checked to index one of ``count`` (a batch element, a channel)."""
    if not 0 <= n < count:
        raise ValueError(f"{what} must be in [0, {count}), got {n}")
    return n


def raster(shape: Sequence[int]) -> list[Coord]:
    """Every coordinate of ``shape``, in raster order (the order an animation visits)."""
    return list(itertools.product(*(range(n) for n in shape)))


def cell_values(values: np.ndarray) -> dict[Coord, float]:
    """An array's entries as floats keyed by coordinate, in raster order."""
    a = np.asarray(values, dtype=np.float64)
    return dict(zip(raster(a.shape), a.ravel().tolist(), strict=True))


def drawn(**arrays: np.ndarray) -> dict[str, Any]:
    """The :class:`Trace` fields ``<name>_shape`` and ``<name>_values`` of each array a trace
    draws (``grid``, ``kernel``, ``output``), both read off the array, so a drawn shape is
    always the shape of the values drawn in it.

    >>> drawn(kernel=np.array([[1, 2]]))
    {'kernel_shape': (1, 2), 'kernel_values': {(0, 0): 1.0, (0, 1): 2.0}}
    """
    fields: dict[str, Any] = {}
    for name, values in arrays.items():
        fields[f"{name}_shape"] = tuple(values.shape)
        fields[f"{name}_values"] = cell_values(values)
    return fields


def nested(values: list, coord: Coord) -> float:
    """The entry at ``coord`` of a nested list (``ndarray.tolist()``), as a float."""
    for q in coord:
        values = values[q]
    return float(values)  # type: ignore[arg-type]


def flip(t: Coord, kshape: Sequence[int]) -> Coord:
    """Kernel index ``t`` rotated by 180°."""
    return tuple(k - 1 - a for k, a in zip(kshape, t, strict=True))


def window_steps(
    grid: np.ndarray,
    kernel: np.ndarray,
    stride: Sequence[int],
    dilation: Sequence[int],
    out_shape: Sequence[int],
    cells: tuple[dict[Coord, Role], dict[Coord, Coord | None]],
    flipped: bool,
    channels: Sequence[int],
    bias: float,
) -> list[Step]:
    """Steps of a correlation of ``grid`` (C, *G) with ``kernel`` (C, *k, as applied); ``cells``
    are the grid's roles and sources.

    ``flipped``: the applied kernel is the stored one rotated by 180°, so ``Tap.kernel`` names
    the stored entry ``k−1−t`` of window offset ``t``.
    """
    roles, sources = cells
    c = grid.shape[0]
    kshape = kernel.shape[1:]
    ndim = len(kshape)
    kk = int(np.prod(kshape))
    cols = K.im2col(grid[None], kshape, out_shape, stride, dilation)[0]
    cols = cols.reshape(c * kk, int(np.prod(out_shape)))
    prods = cols * kernel.reshape(c * kk, 1)
    totals = prods.sum(axis=0).tolist()
    values, products = cols.T.tolist(), prods.T.tolist()
    weights = kernel.reshape(-1).tolist()
    offsets = raster(kshape)
    stored = [flip(t, kshape) for t in offsets] if flipped else offsets
    shifts = [tuple(t[a] * dilation[a] for a in range(ndim)) for t in offsets]
    rows = list(itertools.product(range(c), range(kk)))  # (channel, tap) of each column row
    steps = []
    for p, o in enumerate(raster(out_shape)):
        start = [o[a] * stride[a] for a in range(ndim)]
        vals, prs = values[p], products[p]
        taps = []
        for i, (ci, ti) in enumerate(rows):
            shift = shifts[ti]
            g = tuple(start[a] + shift[a] for a in range(ndim))
            taps.append(
                Tap(g, sources[g], roles[g], vals[i], stored[ti], weights[i], prs[i], channels[ci])
            )
        steps.append(Step(o, tuple(taps), totals[p], bias, totals[p] + bias))
    return steps


def roles_and_sources(
    per_dim: Sequence[Sequence[tuple[Role, int | None]]],
) -> tuple[dict[Coord, Role], dict[Coord, Coord | None]]:
    """Combine per-dimension (role, source index) lists into cell maps.

    A cell is ``input`` when it is input along every axis; ``padding`` wins over ``inserted``.
    """
    roles: dict[Coord, Role] = {}
    sources: dict[Coord, Coord | None] = {}
    for cell in raster([len(d) for d in per_dim]):
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


def padded_roles(
    geom: Sequence[shapes.ConvDim], padding_mode: str
) -> tuple[dict[Coord, Role], dict[Coord, Coord | None]]:
    """Roles and sources of a convolution's padded input (a copied cell's source is real)."""
    per_dim = []
    for g in geom:
        idx = K.pad_source_index(g.size, g.pad_before, g.pad_after, padding_mode).tolist()
        inside = range(g.pad_before, g.pad_before + g.size)
        per_dim.append(
            [
                ("input" if q in inside else "padding", i if i >= 0 else None)
                for q, i in enumerate(idx)
            ]
        )
    return roles_and_sources(per_dim)


def _covered_mask(size: int, starts: Sequence[int], span: int) -> list[bool]:
    mask = [False] * size
    for a in starts:
        for q in range(max(a, 0), min(a + span, size)):
            mask[q] = True
    return mask


def with_dropped(
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


def geometry_params(geom: Sequence[object], *names: str) -> dict[str, tuple]:
    """``{name: (per-dimension value, …)}`` for each geometry field named (``stride`` …)."""
    return {name: tuple(getattr(g, name) for g in geom) for name in names}

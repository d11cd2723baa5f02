"""Traces of pooling: windowed (max, average, power-average; one step per output position,
the window's cells as taps) and adaptive (windows that overlap and differ in size).

Each windowed kind is one entry of :data:`_REDUCTIONS`: what its padding holds and how a step
reports its window (the winner, the divisor, the power sum). The windows themselves are walked
once for every kind.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypedDict, Unpack

import numpy as np

from ...core import shapes
from ...draw.trace import Role, Step, Tap, Trace
from .. import _kernels as K
from ..ops import adaptive_avg_pool, adaptive_max_pool, avg_pool, lp_pool, max_pool
from ..ops._operands import arguments, batched
from ..ops.adaptive import adaptive_windows_nd
from ..ops.pool import avg_divisor
from ._steps import (
    Coord,
    drawn,
    finite_values,
    nested,
    pick,
    raster,
    selected,
    with_dropped,
)

__all__ = ["trace_pool", "trace_adaptive_pool"]


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
    x, _ = batched(x, ndim, "pooling trace")
    return x, ndim


class _Pool(NamedTuple):
    """One windowed pooling being traced: its engine function's bound arguments, its geometry
    and the traced plane."""

    args: dict[str, Any]  # the kind's engine function's, defaults filled in (input: (N, C, *S))
    geom: list[shapes.PoolDim]
    n: int  # the batch element traced
    c: int  # the channel traced

    @property
    def x(self) -> np.ndarray:
        return self.args["input"]


#: A kind's step: (output coordinate, the window's taps, the engine's value there) -> Step.
StepFn = Callable[[Coord, tuple[Tap, ...], float], Step]


def _max(p: _Pool) -> tuple[np.ndarray, StepFn]:
    y, index = max_pool(**{**p.args, "return_indices": True})
    winners = index[p.n, p.c].tolist()

    def step(o: Coord, taps: tuple[Tap, ...], value: float) -> Step:
        # A window whose taps all land in the padding (dilation can do that) has no winner:
        # torch gives -inf and an index that names no cell of the window.
        winner = None
        if any(tap.role == "input" for tap in taps):
            src = np.unravel_index(int(nested(winners, o)), p.x.shape[2:])
            winner = tuple(int(s) + g.padding for s, g in zip(src, p.geom, strict=True))
        return Step(o, taps, value, 0.0, value, winner=winner)

    return y, step


def _avg(p: _Pool) -> tuple[np.ndarray, StepFn]:
    y = avg_pool(**p.args)
    divisors = avg_divisor(p.geom, p.args["count_include_pad"], p.args["divisor_override"])

    def step(o: Coord, taps: tuple[Tap, ...], value: float) -> Step:
        total = float(sum(tap.value for tap in taps))
        return Step(o, taps, total, 0.0, value, divisor=float(divisors[o]))

    return y, step


def _lp(p: _Pool) -> tuple[np.ndarray, StepFn]:
    y = lp_pool(**p.args)
    norm = p.args["norm_type"]

    def step(o: Coord, taps: tuple[Tap, ...], value: float) -> Step:
        real = np.array([tap.value for tap in taps if tap.role == "input"])
        if np.isinf(norm):  # the largest (p = inf) or smallest (−inf) |x|
            total = float((np.max if norm > 0 else np.min)(np.abs(real)))
        else:
            with np.errstate(all="ignore"):  # 0^p = inf for p < 0; (−x)^0.5 is nan
                total = float(np.sum(np.power(real, norm)))
        return Step(o, taps, total, 0.0, value)

    return y, step


class _Reduction(NamedTuple):
    pad: float  # what the padding cells hold for this reduction
    op: Callable[..., Any]  # the engine function: its signature says what the kind takes
    run: Callable[[_Pool], tuple[np.ndarray, StepFn]]  # the engine's output, and its steps


#: Every windowed pooling kind the trace draws, by ``kind``.
_REDUCTIONS: dict[str, _Reduction] = {
    "max": _Reduction(-np.inf, max_pool, _max),
    "avg": _Reduction(0.0, avg_pool, _avg),
    "lp": _Reduction(0.0, lp_pool, _lp),
}


def _padded_plane(
    plane: np.ndarray, geom: Sequence[shapes.PoolDim], fill: float
) -> tuple[np.ndarray, dict[Coord, Role]]:
    """The traced plane padded by ``padding`` (holding ``fill``), and each cell's role."""
    grid = K.pad(plane[None, None], [(g.padding, g.padding) for g in geom], value=fill)[0, 0]
    inside = [range(g.padding, g.padding + g.size) for g in geom]
    roles: dict[Coord, Role] = {
        cell: "input" if all(q in r for q, r in zip(cell, inside, strict=True)) else "padding"
        for cell in raster(grid.shape)
    }
    return grid, roles


def _window_taps(
    o: Coord, geom: Sequence[shapes.PoolDim], grid: list, roles: dict[Coord, Role], channel: int
) -> tuple[Tap, ...]:
    """The cells of output ``o``'s window that lie on the (padded) grid, as taps."""
    taps = []
    for t in raster([g.kernel for g in geom]):
        cell = tuple(o[a] * g.stride + t[a] * g.dilation for a, g in enumerate(geom))
        if cell not in roles:
            continue  # ceil_mode overhang past the right padding: not part of the window
        role = roles[cell]
        src = tuple(q - g.padding for q, g in zip(cell, geom, strict=True))
        taps.append(
            Tap(
                cell, src if role == "input" else None, role, nested(grid, cell), t, channel=channel
            )
        )
    return tuple(taps)


class PoolTraceArgs(TypedDict, total=False):
    """A windowed pooling trace's keywords: those its kind's engine function takes
    (:func:`~convanim.engine.max_pool`'s ``dilation``, :func:`~convanim.engine.avg_pool`'s
    ``count_include_pad`` …, as torch's), ``ndim``, and what it draws (``batch``, ``channel``;
    0 unless given)."""

    stride: int | Sequence[int] | None
    padding: int | Sequence[int]
    dilation: int | Sequence[int]
    ceil_mode: bool
    count_include_pad: bool
    divisor_override: int | None
    norm_type: float
    ndim: int | None
    batch: int
    channel: int


@finite_values
def trace_pool(
    x: np.ndarray, kind: str, kernel_size: int | Sequence[int], **args: Unpack[PoolTraceArgs]
) -> Trace:
    """Trace max (``kind="max"``), average (``"avg"``) or power-average (``"lp"``) pooling.

    The grid is the input padded by ``padding``; taps are the window cells inside it (a
    ``ceil_mode`` window hanging past the padding has fewer). Max pooling treats padding as
    ``-inf`` and names the ``winner`` (torch's: first maximum in scan order); average pooling
    gives the ``divisor``. An argument the kind does not take (``dilation`` of an average) is
    refused, as torch refuses it.

    >>> t = trace_pool(np.array([[1.0, 3.0], [3.0, 2.0]]), "max", 2)
    >>> t.steps[0].value, t.steps[0].winner
    (3.0, (0, 1))
    """
    if kind not in _REDUCTIONS:
        raise ValueError(f"pooling kind must be one of {', '.join(_REDUCTIONS)}, got {kind!r}")
    reduction = _REDUCTIONS[kind]
    batch, channel = selected(args, "batch", "channel")
    xb, args["ndim"] = _pool_input(x, args.get("ndim"), kernel_size)
    a = arguments(reduction.op, xb, kernel_size=kernel_size, **args)
    n = pick(batch, xb.shape[0], "batch")
    c = pick(channel, xb.shape[1], "channel")
    geom = shapes.pool_geometry(
        xb.shape[2:], kernel_size, a["stride"], a.get("padding", 0), a.get("dilation", 1),
        a["ceil_mode"], kind,
    )  # fmt: skip
    pool = _Pool(a, list(geom), n, c)
    y, step = reduction.run(pool)
    grid, roles = _padded_plane(xb[n, c], geom, reduction.pad)
    grid_list = grid.tolist()
    out_shape = tuple(g.output for g in geom)
    yv = y[n, c].tolist()
    steps = [
        step(o, _window_taps(o, geom, grid_list, roles, c), nested(yv, o))
        for o in raster(out_shape)
    ]
    return Trace(
        op=f"{kind}_pool",
        mode="correlation",
        input_shape=tuple(xb.shape[2:]),
        kernel_shape=tuple(g.kernel for g in geom),
        steps=tuple(steps),
        grid_roles=with_dropped(roles, grid.shape, geom),
        **drawn(grid=grid, output=y[n, c]),
        params=_pool_params(kind, pool),
    )


def _pool_params(kind: str, p: _Pool) -> dict[str, object]:
    """A pooling trace's ``params``: the geometry per dimension, the options, what is traced."""
    return {
        "stride": tuple(g.stride for g in p.geom),
        "padding": tuple(g.padding for g in p.geom),
        "dilation": tuple(g.dilation for g in p.geom),
        "ceil_mode": bool(p.args["ceil_mode"]),
        "count_include_pad": bool(p.args.get("count_include_pad", True)),
        "divisor_override": p.args.get("divisor_override"),
        "norm_type": p.args.get("norm_type"),
        "batch": p.n,
        "channel": p.c,
    }


@finite_values
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
    n = pick(batch, xb.shape[0], "batch")
    c = pick(channel, xb.shape[1], "channel")
    if kind == "max":
        y, index = adaptive_max_pool(xb, output_size, True, ndim=ndim)
    else:
        y = adaptive_avg_pool(xb, output_size, ndim=ndim)
    sizes = xb.shape[2:]
    out_shape = tuple(y.shape[2:])
    windows = adaptive_windows_nd(sizes, out_shape)
    plane = xb[n, c].tolist()
    steps = []
    for o in raster(out_shape):
        spans = [windows[a][i] for a, i in enumerate(o)]
        taps = tuple(
            Tap(cell, cell, "input", nested(plane, cell), None, channel=c)
            for cell in itertools.product(*(range(a, b) for a, b in spans))
        )
        value = float(y[(n, c, *o)])
        if kind == "max":
            winner = tuple(int(v) for v in np.unravel_index(int(index[(n, c, *o)]), sizes))
            steps.append(Step(o, taps, value, 0.0, value, winner=winner))
        else:
            total = float(sum(t.value for t in taps))
            steps.append(Step(o, taps, total, 0.0, value, divisor=float(len(taps))))
    return Trace(
        op=f"adaptive_{kind}_pool",
        mode="correlation",
        input_shape=tuple(sizes),
        kernel_shape=(),
        steps=tuple(steps),
        grid_roles=dict.fromkeys(raster(sizes), "input"),
        **drawn(grid=xb[n, c], output=y[n, c]),
        params={"windows": tuple(tuple(w) for w in windows), "batch": n, "channel": c},
    )

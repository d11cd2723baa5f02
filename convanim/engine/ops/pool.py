"""Windowed pooling, forward and backward: torch's ``F.max_pool*d``, ``F.avg_pool*d`` and
``F.lp_pool*d`` and their autograd.

Sizes, windows and divisors come from the shape core (:func:`convanim.core.shapes.pool_geometry`);
every entry point checks :mod:`convanim.core.budget` before allocating.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...core import budget, shapes
from .. import _kernels as K
from ._operands import Grads, at_rank, grad_output_like, pool_input, pool_rank, unbatch

__all__ = [
    "max_pool",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool_backward",
    "avg_pool",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "avg_pool_backward",
    "lp_pool",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "lp_pool_backward",
]


def _operands(
    name: str,
    input: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None,
    padding: int | Sequence[int],
    dilation: int | Sequence[int],
    ceil_mode: bool,
    ndim: int | None,
) -> tuple[np.ndarray, bool, list[shapes.PoolDim]]:
    """``x`` (N, C, *S) in its computing dtype, whether it came unbatched, and the geometry of
    the ``name`` pooling (``max_pool``): torch's checks, then the work budget."""
    ndim = pool_rank(input, kernel_size, ndim)
    torch_name = f"{name}{ndim}d"
    x, unbatched = pool_input(input, ndim, torch_name)
    kind = name.removesuffix("_pool")
    geom = shapes.pool_geometry(
        x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode, kind
    )
    budget.check_pool(torch_name, *x.shape[:2], geom)
    return x, unbatched, list(geom)


def _grad_output(grad_output: np.ndarray, x: np.ndarray, unbatched: bool, geom) -> np.ndarray:
    return grad_output_like(
        grad_output, unbatched, x.dtype, (*x.shape[:2], *(g.output for g in geom))
    )


def pool_pads(geom: Sequence[shapes.PoolDim]) -> list[tuple[int, int]]:
    """(before, after) pads of the pooling grid: ``padding`` before and, after, enough to hold
    a ``ceil_mode`` window that hangs past the right padding."""
    return [(g.padding, max(g.padding, g.window(g.output - 1)[1] - g.size)) for g in geom]


def pool_windows(x: np.ndarray, geom: Sequence[shapes.PoolDim], fill: float) -> np.ndarray:
    """Every pooling window of ``x`` (N, C, *S) as ``(N, C, *kernel, *out)``.

    The grid is padded by :func:`pool_pads`; the padding cells hold ``fill``.
    """
    xp = K.pad(x, pool_pads(geom), "zeros", value=fill)
    return K.im2col(
        xp,
        [g.kernel for g in geom],
        [g.output for g in geom],
        [g.stride for g in geom],
        [g.dilation for g in geom],
    )


def torch_argmax(a: np.ndarray, axis: int) -> np.ndarray:
    """Index of each maximum along ``axis``, by torch's pooling rule: scanning in order, a cell
    wins when it is greater than the best so far or is NaN. So the first maximum wins ties, and
    the last NaN wins when there are NaNs (``numpy.argmax`` would pick the first NaN).

    >>> torch_argmax(np.array([[1.0, 3.0, 3.0], [np.nan, 2.0, np.nan]]), 1)
    array([1, 2])
    """
    arg = a.argmax(axis=axis)
    nan = np.isnan(a)
    if nan.any():
        last = a.shape[axis] - 1 - np.flip(nan, axis=axis).argmax(axis=axis)
        arg = np.where(nan.any(axis=axis), last, arg)
    return arg


def max_pool_core(
    x: np.ndarray, geom: Sequence[shapes.PoolDim]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Max pooling values, torch's flat indices, and which windows hold no real cell.

    Ties go to the first maximum in window scan order (torch updates only on ``>``). A window
    whose taps all fall in the padding (possible with dilation) gives ``-inf`` and, like
    torch, the index of its first tap moved forward by whole dilations to a non-negative
    position.
    """
    ndim = len(geom)
    n, c = x.shape[:2]
    kernel = [g.kernel for g in geom]
    out = [g.output for g in geom]
    cols = pool_windows(x, geom, -np.inf)
    kk = int(np.prod(kernel))
    flat = cols.reshape(n, c, kk, *out)
    arg = torch_argmax(flat, 2)
    values = np.take_along_axis(flat, arg[:, :, None], axis=2)[:, :, 0]
    taps = np.unravel_index(arg, kernel)
    index = np.zeros(arg.shape, dtype=np.int64)
    first = np.zeros(arg.shape, dtype=np.int64)
    empty = np.zeros([1] * (ndim + 2), dtype=bool)
    for axis, g in enumerate(geom):
        shape = [1] * (ndim + 2)
        shape[axis + 2] = g.output
        starts = (np.arange(g.output) * g.stride - g.padding).reshape(shape)
        index = index * g.size + starts + taps[axis] * g.dilation
        advanced = np.where(
            starts < 0, starts + (-starts + g.dilation - 1) // g.dilation * g.dilation, starts
        )
        first = first * g.size + advanced
        last = starts + (g.kernel - 1) * g.dilation
        empty = empty | (advanced > np.minimum(last, g.size - 1))
    stuck = values == -np.inf
    index = np.where(stuck, first, index)
    return values, index, np.broadcast_to(empty, values.shape)


def scatter_to_winners(
    x: np.ndarray, gy: np.ndarray, index: np.ndarray, keep: np.ndarray | None = None
) -> np.ndarray:
    """Add each output's gradient into the input cell its flat in-plane ``index`` names
    (``keep``: only the outputs marked True send theirs)."""
    n, c = x.shape[:2]
    plane = int(np.prod(x.shape[2:]))
    offsets = (np.arange(n * c, dtype=np.int64) * plane).reshape(n, c, *([1] * (x.ndim - 2)))
    flat = (index + offsets).ravel()
    weights = gy.ravel().astype(np.float64)
    if keep is not None:
        flat, weights = flat[keep], weights[keep]
    gx = np.bincount(flat, weights=weights, minlength=n * c * plane)
    return gx.astype(x.dtype).reshape(x.shape)


def max_pool(
    input: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
    *,
    ndim: int | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Max pooling (torch ``F.max_pool*d``); ties go to the first maximum in scan order.

    ``ndim`` (spatial rank) defaults to ``len(kernel_size)``, or ``input.ndim − 2`` for an int.

    >>> max_pool(np.array([[1.0, 3.0, 3.0, 2.0, 5.0]]), 2, return_indices=True, ndim=1)
    (array([[3., 3.]]), array([[1, 2]]))
    """
    x, unbatched, geom = _operands(
        "max_pool", input, kernel_size, stride, padding, dilation, ceil_mode, ndim
    )
    values, index, _ = max_pool_core(x, geom)
    if return_indices:
        return unbatch(values, unbatched), unbatch(index, unbatched)
    return unbatch(values, unbatched)


def max_pool_backward(
    input: np.ndarray,
    grad_output: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    *,
    ndim: int | None = None,
) -> Grads:
    """∂L/∂x through max pooling: each output's gradient goes to its window's winner.

    The winner is torch's: the first maximum in window scan order, so ties never split.

    >>> max_pool_backward(np.array([[2.0, 2.0, 1.0, 0.0]]), np.array([[1.0, 1.0]]), 2, ndim=1).grad_input
    array([[1., 0., 1., 0.]])
    """
    x, unbatched, geom = _operands(
        "max_pool", input, kernel_size, stride, padding, dilation, ceil_mode, ndim
    )
    gy = _grad_output(grad_output, x, unbatched, geom)
    _, index, empty = max_pool_core(x, geom)
    # A window with no real cell (all padding) has nowhere to send its gradient.
    return Grads(unbatch(scatter_to_winners(x, gy, index, ~empty.ravel()), unbatched))


def avg_divisor(
    geom: Sequence[shapes.PoolDim], count_include_pad: bool, divisor_override: int | None
) -> np.ndarray:
    """What average pooling divides each window's sum by (torch's rule, or the override)."""
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int | np.integer):
            raise ValueError(f"divisor_override must be an integer, got {divisor_override!r}")
        if divisor_override == 0:
            raise ValueError("divisor must be not zero")
        return np.full([g.output for g in geom], float(divisor_override))
    divisor = np.ones([], dtype=np.float64)
    for g in geom:
        divisor = np.multiply.outer(
            divisor, np.array(shapes.avg_pool_divisors(g, count_include_pad), float)
        )
    return divisor


def avg_pool(
    input: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    ndim: int | None = None,
) -> np.ndarray:
    """Average pooling (torch ``F.avg_pool*d``), with torch's divisor of each window.

    >>> avg_pool(np.ones((1, 6)), 3, stride=2, padding=1, ceil_mode=True, ndim=1)
    array([[0.66666667, 1.        , 1.        , 0.5       ]])
    """
    x, unbatched, geom = _operands(
        "avg_pool", input, kernel_size, stride, padding, 1, ceil_mode, ndim
    )
    divisor = avg_divisor(geom, count_include_pad, divisor_override)
    cols = pool_windows(x, geom, 0.0)
    total = cols.sum(axis=tuple(range(2, 2 + len(geom))))
    return unbatch((total / divisor).astype(x.dtype, copy=False), unbatched)


def avg_pool_backward(
    input: np.ndarray,
    grad_output: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    ndim: int | None = None,
) -> Grads:
    """∂L/∂x through average pooling: each output's gradient, divided by its divisor, is
    shared by every real cell of its window.

    >>> avg_pool_backward(np.zeros((1, 4)), np.array([[2.0, 4.0]]), 2, ndim=1).grad_input
    array([[1., 1., 2., 2.]])
    """
    x, unbatched, geom = _operands(
        "avg_pool", input, kernel_size, stride, padding, 1, ceil_mode, ndim
    )
    gy = _grad_output(grad_output, x, unbatched, geom)
    share = (gy / avg_divisor(geom, count_include_pad, divisor_override)).astype(
        x.dtype, copy=False
    )
    n, c = x.shape[:2]
    kernel = [g.kernel for g in geom]
    out = [g.output for g in geom]
    cols = np.broadcast_to(share.reshape(n, c, *([1] * len(geom)), *out), (n, c, *kernel, *out))
    pairs = pool_pads(geom)
    grid = [g.size + a + b for g, (a, b) in zip(geom, pairs, strict=True)]
    gxp = K.col2im(cols, grid, [g.stride for g in geom], [1] * len(geom))
    return Grads(unbatch(K.unpad(gxp, x.shape[2:], pairs, "zeros"), unbatched))


def check_norm_type(norm_type: float) -> None:
    """torch computes lp pooling for every real ``p`` but 0 (it divides by ``p``) and NaN."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, int | float | np.number):
        raise ValueError(f"norm_type must be a number, got {norm_type!r}")
    if np.isnan(norm_type) or norm_type == 0:
        raise ValueError(
            f"norm_type must be a non-zero number (lp pooling takes the 1/p-th power), "
            f"got {norm_type!r}"
        )


def lp_pool(
    input: np.ndarray,
    norm_type: float,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    ceil_mode: bool = False,
    *,
    ndim: int | None = None,
) -> np.ndarray:
    """Power-average pooling ``(Σ x^p)^(1/p)``, computed exactly as torch ``F.lp_pool*d`` does.

    torch computes ``(avg_pool(x^p) · prod(kernel))^(1/p)``: in ``ceil_mode`` a clipped window
    is therefore rescaled to the full kernel area. We follow it to the letter, negative ``p``
    included; ``p = ±inf`` is the largest (smallest) ``|x|`` of each window.

    >>> lp_pool(np.array([[3.0, 4.0]]), 2, 2, ndim=1)
    array([[5.]])
    >>> lp_pool(np.array([[1.0, 2.0, 3.0, 4.0]]), float("inf"), 2, ndim=1)
    array([[2., 4.]])
    """
    check_norm_type(norm_type)
    x, unbatched, geom = _operands("lp_pool", input, kernel_size, stride, 0, 1, ceil_mode, ndim)
    if np.isinf(norm_type):
        # torch: max_pool(|x|) for +inf, −max_pool(−|x|) (the smallest |x|) for −inf
        sign = 1.0 if norm_type > 0 else -1.0
        values, _, _ = max_pool_core(sign * np.abs(x), geom)
        return unbatch(sign * values, unbatched)
    kernel = [g.kernel for g in geom]
    # 0^p = inf for p < 0, a negative sum's fractional root is nan, large sums overflow: all
    # as in torch, which does not warn either
    with np.errstate(all="ignore"):
        powered = np.power(x, x.dtype.type(norm_type))
        avg = avg_pool(powered, kernel, [g.stride for g in geom], 0, ceil_mode, ndim=len(geom))
        area = int(np.prod(kernel))
        y = np.power(avg * x.dtype.type(area), x.dtype.type(1.0 / norm_type))
    return unbatch(y, unbatched)


def lp_pool_backward(
    input: np.ndarray,
    grad_output: np.ndarray,
    norm_type: float,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    ceil_mode: bool = False,
    *,
    ndim: int | None = None,
) -> Grads:
    """∂L/∂x through power-average pooling, along torch's own chain of operations.

    torch computes ``y = (k · avg_pool(x^p))^(1/p)``, so ``∂y/∂x_i = x_i^(p−1) · S^(1/p − 1)``
    scaled like the window; a window whose sum is 0 passes no gradient (torch's documented
    rule). For ``p = ±inf`` the gradient goes to the chosen cell, times the sign of its value.

    >>> lp_pool_backward(np.array([[3.0, 4.0]]), np.array([[1.0]]), 2, 2, ndim=1).grad_input
    array([[0.6, 0.8]])
    """
    check_norm_type(norm_type)
    x, unbatched, geom = _operands("lp_pool", input, kernel_size, stride, 0, 1, ceil_mode, ndim)
    gy = _grad_output(grad_output, x, unbatched, geom)
    n, c = x.shape[:2]
    if np.isinf(norm_type):
        sign = 1.0 if norm_type > 0 else -1.0
        _, index, _ = max_pool_core(sign * np.abs(x), geom)
        # d|x|/dx = sign(x) (0 at 0, as torch's abs), and the two signs of −inf cancel
        picked = np.take_along_axis(np.sign(x).reshape(n, c, -1), index.reshape(n, c, -1), 2)
        return Grads(
            unbatch(scatter_to_winners(x, gy * picked.reshape(gy.shape), index), unbatched)
        )
    p = x.dtype.type(norm_type)
    kernel = [g.kernel for g in geom]
    strides = [g.stride for g in geom]
    area = x.dtype.type(int(np.prod(kernel)))
    with np.errstate(all="ignore"):
        powered = np.power(x, p)
        avg = avg_pool(powered, kernel, strides, 0, ceil_mode, ndim=len(geom))
        u = avg * area
        # relu(|avg|)·sign(avg) has derivative 0 where avg is 0: torch's zero-sum rule
        g_avg = np.where(avg != 0, gy * (np.power(u, 1 / p - 1) / p) * area, 0).astype(x.dtype)
        g_pow = avg_pool_backward(powered, g_avg, kernel, strides, 0, ceil_mode, ndim=len(geom))
        gx = g_pow.grad_input * (p * np.power(x, p - 1))
    return Grads(unbatch(gx.astype(x.dtype, copy=False), unbatched))


max_pool1d = at_rank(max_pool, 1)
max_pool2d = at_rank(max_pool, 2)
max_pool3d = at_rank(max_pool, 3)
avg_pool1d = at_rank(avg_pool, 1, omit=("divisor_override",))  # as torch's avg_pool1d
avg_pool2d = at_rank(avg_pool, 2)
avg_pool3d = at_rank(avg_pool, 3)
lp_pool1d = at_rank(lp_pool, 1)
lp_pool2d = at_rank(lp_pool, 2)
lp_pool3d = at_rank(lp_pool, 3)

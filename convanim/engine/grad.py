"""Backward passes: gradients of convolution, transposed convolution and pooling.

Given the forward arguments and ``grad_output`` (∂L/∂y, the shape of the forward output),
return ∂L/∂x, ∂L/∂w and ∂L/∂b exactly as ``torch.autograd`` would. The slide formulas
(1-d, correlation, stride 1): ``∂L/∂b = Σ_n ∂L/∂y[n]``, ``∂L/∂w[k] = Σ_n ∂L/∂y[n]·x[n+k]`` (a
correlation of the output gradient with the input) and ``∂L/∂x[m] = Σ_k ∂L/∂y[m−k]·w[k]``
(a full convolution of the output gradient with the kernel, i.e. correlation with the flipped
kernel).

>>> import numpy as np
>>> g = conv_backward(np.arange(4.0)[None, None], np.array([[[1.0, 2.0]]]), np.ones((1, 1, 3)))
>>> g.grad_input, g.grad_weight, g.grad_bias
(array([[[1., 3., 3., 2.]]]), array([[[3., 6.]]]), array([3.]))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core import budget, shapes
from . import _kernels as K
from .ops import (
    Mode,
    _avg_divisor,
    _max_pool_core,
    _pool_input,
    _unbatch,
    adaptive_max_pool,
    adaptive_output_size,
    adaptive_windows_nd,
    avg_pool,
    check_norm_type,
    conv_operands,
    effective_weight,
    max_unpool,
    pool_pads,
)

__all__ = [
    "Grads",
    "conv_backward",
    "conv_transpose_backward",
    "max_pool_backward",
    "avg_pool_backward",
    "lp_pool_backward",
    "adaptive_max_pool_backward",
    "adaptive_avg_pool_backward",
    "max_unpool_backward",
]


@dataclass(frozen=True)
class Grads:
    """Gradients of one operation; ``grad_bias`` is ``None`` when the op had no bias asked for."""

    grad_input: np.ndarray
    grad_weight: np.ndarray | None = None
    grad_bias: np.ndarray | None = None


def _check_grad_output(gy: np.ndarray, expected: tuple[int, ...]) -> None:
    if gy.shape != expected:
        raise ValueError(
            f"grad_output must have the shape of the output {list(expected)}, got {list(gy.shape)}"
        )


def _grad_output(grad_output: np.ndarray, unbatched: bool, dtype: np.dtype) -> np.ndarray:
    gy = np.asarray(grad_output)
    if unbatched:
        gy = gy[None]
    return gy.astype(dtype, copy=False)


def conv_backward(
    input: np.ndarray,
    weight: np.ndarray,
    grad_output: np.ndarray,
    stride: int | Sequence[int] = 1,
    padding: shapes.PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    mode: Mode = "correlation",
    bias: bool = True,
) -> Grads:
    """∂L/∂x, ∂L/∂w, ∂L/∂b of :func:`convanim.engine.conv` (same arguments, plus ``grad_output``)."""
    x, w, unbatched = conv_operands(input, weight, groups, transposed=False)
    dtype = K.float_dtype(x, w)
    geom = shapes.conv_geometry(x.shape[2:], w.shape[2:], stride, padding, dilation, padding_mode)
    budget.check_conv(f"conv{w.ndim - 2}d", *x.shape[:2], w.shape[0], w.shape[2:], geom)
    out = tuple(g.output for g in geom)
    gy = _grad_output(grad_output, unbatched, dtype)
    _check_grad_output(gy, (x.shape[0], w.shape[0], *out))
    x = x.astype(dtype, copy=False)
    w_eff = effective_weight(w.astype(dtype, copy=False), mode)
    pairs = [(g.pad_before, g.pad_after) for g in geom]
    st = [g.stride for g in geom]
    dl = [g.dilation for g in geom]
    xp = K.pad(x, pairs, padding_mode)
    gw = K.correlation_weight_grad(xp, gy, w.shape[2:], st, dl, groups)
    if mode == "convolution":
        gw = K.spatial_flip(gw)
    gxp = K.correlation_input_grad(gy, w_eff, xp.shape[2:], st, dl, groups)
    gx = K.unpad(gxp, x.shape[2:], pairs, padding_mode)
    gb = gy.sum(axis=(0, *range(2, gy.ndim))) if bias else None
    return Grads(_unbatch(gx, unbatched), gw, gb)


def conv_transpose_backward(
    input: np.ndarray,
    weight: np.ndarray,
    grad_output: np.ndarray,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
    mode: Mode = "correlation",
    bias: bool = True,
) -> Grads:
    """Gradients of :func:`convanim.engine.conv_transpose` (torch argument order).

    ∂L/∂x is the *direct* convolution of ∂L/∂y (the transposed conv's adjoint) and ∂L/∂w the
    correlation of ∂L/∂y's windows with ``x``.
    """
    x, w, unbatched = conv_operands(input, weight, groups, transposed=True)
    dtype = K.float_dtype(x, w)
    geom = shapes.transposed_geometry(
        x.shape[2:], w.shape[2:], stride, padding, dilation, output_padding
    )
    budget.check_conv_transpose(
        f"conv_transpose{w.ndim - 2}d", *x.shape[:2], w.shape[1] * groups, w.shape[2:], geom
    )
    n = x.shape[0]
    gy = _grad_output(grad_output, unbatched, dtype)
    _check_grad_output(gy, (n, w.shape[1] * groups, *(g.output for g in geom)))
    x = x.astype(dtype, copy=False)
    w_eff = effective_weight(w.astype(dtype, copy=False), mode)
    st = [g.stride for g in geom]
    dl = [g.dilation for g in geom]
    # Put ∂L/∂y back on the uncropped canvas; the windows of input cell j start at j·s there.
    gyp = K.pad(gy, [(g.padding, g.padding) for g in geom])
    counts = list(x.shape[2:])
    # The direct conv that is this op's adjoint maps C_out channels to C_in: its weight
    # (out=C_in, in/groups=C_out/g, *k) is the transposed weight exactly as stored.
    gx = K.grouped_matmul_forward(gyp, w_eff, counts, st, dl, groups)
    # ∂L/∂w[ci, co, t] = Σ x[ci, j] · gyp[co, j·s + t·d]: the weight gradient of that direct conv.
    gw = K.correlation_weight_grad(gyp, x, w.shape[2:], st, dl, groups)
    if mode == "convolution":
        gw = K.spatial_flip(gw)
    gb = gy.sum(axis=(0, *range(2, gy.ndim))) if bias else None
    return Grads(_unbatch(gx, unbatched), gw, gb)


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
    if ndim is None:
        ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2
    x, unbatched = _pool_input(input, ndim, f"max_pool{ndim}d")
    geom = shapes.pool_geometry(
        x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode, "max"
    )
    budget.check_pool(f"max_pool{ndim}d", *x.shape[:2], geom)
    gy = _grad_output(grad_output, unbatched, x.dtype)
    n, c = x.shape[:2]
    _check_grad_output(gy, (n, c, *(g.output for g in geom)))
    _, index, empty = _max_pool_core(x, geom)
    plane = int(np.prod(x.shape[2:]))
    offsets = (np.arange(n * c, dtype=np.int64) * plane).reshape(n, c, *([1] * ndim))
    # A window with no real cell (all padding) has nowhere to send its gradient.
    keep = ~empty.ravel()
    flat = (index + offsets).ravel()[keep]
    weights = gy.ravel().astype(np.float64)[keep]
    gx = np.bincount(flat, weights=weights, minlength=n * c * plane)
    return Grads(_unbatch(gx.astype(x.dtype).reshape(x.shape), unbatched))


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
    if ndim is None:
        ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2
    x, unbatched = _pool_input(input, ndim, f"avg_pool{ndim}d")
    geom = shapes.pool_geometry(x.shape[2:], kernel_size, stride, padding, 1, ceil_mode, "avg")
    budget.check_pool(f"avg_pool{ndim}d", *x.shape[:2], geom)
    gy = _grad_output(grad_output, unbatched, x.dtype)
    n, c = x.shape[:2]
    out = tuple(g.output for g in geom)
    _check_grad_output(gy, (n, c, *out))
    divisor = _avg_divisor(geom, count_include_pad, divisor_override)
    share = (gy / divisor).astype(x.dtype, copy=False)
    kernel = [g.kernel for g in geom]
    cols = np.broadcast_to(share.reshape(n, c, *([1] * ndim), *out), (n, c, *kernel, *out))
    pairs = pool_pads(geom)
    grid = [g.size + a + b for g, (a, b) in zip(geom, pairs, strict=True)]
    gxp = K.col2im(cols, grid, [g.stride for g in geom], [1] * ndim)
    gx = K.unpad(gxp, x.shape[2:], pairs, "zeros")
    return Grads(_unbatch(gx, unbatched))


def _scatter_to_winners(
    x: np.ndarray, gy: np.ndarray, index: np.ndarray, keep: np.ndarray | None = None
) -> np.ndarray:
    """Add each output's gradient into the input cell its flat in-plane ``index`` names."""
    n, c = x.shape[:2]
    plane = int(np.prod(x.shape[2:]))
    offsets = (np.arange(n * c, dtype=np.int64) * plane).reshape(n, c, *([1] * (x.ndim - 2)))
    flat = (index + offsets).ravel()
    weights = gy.ravel().astype(np.float64)
    if keep is not None:
        flat, weights = flat[keep], weights[keep]
    gx = np.bincount(flat, weights=weights, minlength=n * c * plane)
    return gx.astype(x.dtype).reshape(x.shape)


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
    if ndim is None:
        ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2
    check_norm_type(norm_type)
    x, unbatched = _pool_input(input, ndim, f"lp_pool{ndim}d")
    geom = shapes.pool_geometry(x.shape[2:], kernel_size, stride, 0, 1, ceil_mode, "lp")
    budget.check_pool(f"lp_pool{ndim}d", *x.shape[:2], geom)
    gy = _grad_output(grad_output, unbatched, x.dtype)
    n, c = x.shape[:2]
    _check_grad_output(gy, (n, c, *(g.output for g in geom)))
    if np.isinf(norm_type):
        sign = 1.0 if norm_type > 0 else -1.0
        _, index, _ = _max_pool_core(sign * np.abs(x), geom)
        # d|x|/dx = sign(x) (0 at 0, as torch's abs), and the two signs of −inf cancel
        picked = np.take_along_axis(np.sign(x).reshape(n, c, -1), index.reshape(n, c, -1), 2)
        return Grads(
            _unbatch(_scatter_to_winners(x, gy * picked.reshape(gy.shape), index), unbatched)
        )
    p = x.dtype.type(norm_type)
    kernel = [g.kernel for g in geom]
    strides = [g.stride for g in geom]
    area = x.dtype.type(int(np.prod(kernel)))
    with np.errstate(all="ignore"):
        powered = np.power(x, p)
        avg = avg_pool(powered, kernel, strides, 0, ceil_mode, ndim=ndim)
        u = avg * area
        # relu(|avg|)·sign(avg) has derivative 0 where avg is 0: torch's zero-sum rule
        g_avg = np.where(avg != 0, gy * (np.power(u, 1 / p - 1) / p) * area, 0).astype(x.dtype)
        g_pow = avg_pool_backward(powered, g_avg, kernel, strides, 0, ceil_mode, ndim=ndim)
        gx = g_pow.grad_input * (p * np.power(x, p - 1))
    return Grads(_unbatch(gx.astype(x.dtype, copy=False), unbatched))


def adaptive_max_pool_backward(
    input: np.ndarray,
    grad_output: np.ndarray,
    output_size: int | None | Sequence[int | None],
    *,
    ndim: int | None = None,
) -> Grads:
    """∂L/∂x through adaptive max pooling: each output's gradient goes to its window's winner
    (windows may overlap, so a cell can collect several).

    >>> adaptive_max_pool_backward(np.array([[1.0, 5.0, 2.0]]), np.array([[1.0, 1.0]]), 2, ndim=1).grad_input
    array([[0., 2., 0.]])
    """
    if ndim is None:
        ndim = np.ndim(input) - 2 if isinstance(output_size, int | None) else len(output_size)
    x, unbatched = _pool_input(input, ndim, f"adaptive_max_pool{ndim}d")
    _, index = adaptive_max_pool(x, output_size, True, ndim=ndim)
    gy = _grad_output(grad_output, unbatched, x.dtype)
    _check_grad_output(gy, index.shape)
    return Grads(_unbatch(_scatter_to_winners(x, gy, index), unbatched))


def adaptive_avg_pool_backward(
    input: np.ndarray,
    grad_output: np.ndarray,
    output_size: int | None | Sequence[int | None],
    *,
    ndim: int | None = None,
) -> Grads:
    """∂L/∂x through adaptive average pooling: each output's gradient, divided by its window's
    size, is shared by the window's cells (one axis at a time: the average is separable).

    >>> adaptive_avg_pool_backward(np.zeros((1, 5)), np.array([[2.0, 4.0]]), 2, ndim=1).grad_input
    array([[0.66666667, 0.66666667, 2.        , 1.33333333, 1.33333333]])
    """
    if ndim is None:
        ndim = np.ndim(input) - 2 if isinstance(output_size, int | None) else len(output_size)
    x, unbatched = _pool_input(input, ndim, f"adaptive_avg_pool{ndim}d")
    sizes = x.shape[2:]
    out = adaptive_output_size(output_size, sizes)
    gy = _grad_output(grad_output, unbatched, x.dtype)
    _check_grad_output(gy, (*x.shape[:2], *out))
    g = gy
    for axis, spans in enumerate(adaptive_windows_nd(sizes, out)):
        # forward: y = M·x along this axis, M[i, a:b] = 1/(b − a); backward: Mᵀ·g
        m = np.zeros((len(spans), sizes[axis]), dtype=x.dtype)
        for i, (a, b) in enumerate(spans):
            m[i, a:b] = 1.0 / (b - a)
        g = np.moveaxis(np.tensordot(g, m, axes=([axis + 2], [0])), -1, axis + 2)
    return Grads(_unbatch(np.ascontiguousarray(g, dtype=x.dtype), unbatched))


def max_unpool_backward(
    input: np.ndarray,
    indices: np.ndarray,
    grad_output: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    output_size: Sequence[int] | None = None,
    *,
    ndim: int | None = None,
) -> Grads:
    """∂L/∂x through max unpooling: each input cell reads the gradient at the index it was
    placed at (the indices themselves get none).

    >>> max_unpool_backward(np.array([[3.0, 5.0]]), np.array([[1, 3]]), np.arange(4.0)[None], 2, ndim=1).grad_input
    array([[1., 3.]])
    """
    if ndim is None:
        ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2
    # the forward validates the indices and sizes (torch's messages) and gives the output shape
    y = max_unpool(input, indices, kernel_size, stride, padding, output_size, ndim=ndim)
    x, unbatched = _pool_input(input, ndim, f"max_unpool{ndim}d")
    if unbatched:
        y = y[None]
    gy = _grad_output(grad_output, unbatched, x.dtype)
    _check_grad_output(gy, y.shape)
    n, c = x.shape[:2]
    if gy.size == 0:
        return Grads(_unbatch(np.zeros_like(x), unbatched))
    idx = np.asarray(indices).reshape(n, c, -1).astype(np.int64)
    gx = np.take_along_axis(gy.reshape(n, c, -1), idx, axis=2).reshape(x.shape)
    return Grads(_unbatch(gx.astype(x.dtype, copy=False), unbatched))

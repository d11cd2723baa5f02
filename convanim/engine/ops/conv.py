"""Convolution, forward and backward: torch's ``F.conv1d/2d/3d`` and their autograd.

Two conventions, always explicit: ``mode="correlation"`` (the default, what every framework
computes: ``y[i] = Σ_k w[k]·x[i·s + k·d]``) and ``mode="convolution"`` (the kernel flipped,
the deck's ``y[n] = Σ_k w[k]·x[n − k]``).

The conv_arithmetic paper's Figure 1.2 (5×5 input, 3×3 kernel, padding 1, stride 2):

>>> x = np.array([[3,3,2,1,0],[0,0,1,3,1],[3,1,2,2,3],[2,0,0,2,2],[2,0,0,0,1]], float)
>>> w = np.array([[0,1,2],[2,2,0],[0,1,2]], float)
>>> conv2d(x[None, None], w[None, None], stride=2, padding=1)[0, 0]
array([[ 6., 17.,  3.],
       [ 8., 17., 13.],
       [ 6.,  4.,  4.]])

The slide formulas of the backward pass (1-d, correlation, stride 1): ``∂L/∂b = Σ_n ∂L/∂y[n]``,
``∂L/∂w[k] = Σ_n ∂L/∂y[n]·x[n+k]`` (a correlation of the output gradient with the input) and
``∂L/∂x[m] = Σ_k ∂L/∂y[m−k]·w[k]`` (a full convolution of the output gradient with the kernel):

>>> g = conv_backward(np.arange(4.0)[None, None], np.array([[[1.0, 2.0]]]), np.ones((1, 1, 3)))
>>> g.grad_input, g.grad_weight, g.grad_bias
(array([[[1., 3., 3., 2.]]]), array([[[3., 6.]]]), array([3.]))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np

from ...core import budget, shapes
from .. import _kernels as K
from ._operands import (
    Grads,
    Mode,
    add_bias,
    at_rank,
    bias_grad,
    check_rank,
    conv_inputs,
    effective_weight,
    grad_output_like,
    unbatch,
)

__all__ = ["conv", "conv1d", "conv2d", "conv3d", "conv_backward"]


class ConvArgs(TypedDict, total=False):
    """:func:`conv`'s arguments after ``bias``, by keyword: what its traces pass on to it."""

    stride: int | Sequence[int]
    padding: shapes.PaddingSpec
    dilation: int | Sequence[int]
    groups: int
    padding_mode: str
    mode: Mode


def _operands(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: int | Sequence[int],
    padding: shapes.PaddingSpec,
    dilation: int | Sequence[int],
    groups: int,
    padding_mode: str,
) -> tuple[np.ndarray, np.ndarray, bool, list[shapes.ConvDim]]:
    """``x`` (N, C, *S) and ``w`` in the computing dtype, whether ``x`` came unbatched, and the
    geometry: torch's checks, in torch's order, then the work budget."""
    x, w, unbatched, dtype = conv_inputs(input, weight, bias, groups, transposed=False)
    geom = shapes.conv_geometry(x.shape[2:], w.shape[2:], stride, padding, dilation, padding_mode)
    budget.check_conv(f"conv{w.ndim - 2}d", *x.shape[:2], w.shape[0], w.shape[2:], geom)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), unbatched, list(geom)


def conv(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: shapes.PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    mode: Mode = "correlation",
    *,
    ndim: int | None = None,
) -> np.ndarray:
    """N-d convolution (1, 2 or 3 spatial dims, read from ``weight``), torch's ``F.conv*d``.

    ``padding`` takes every form of the shape core: int, per-dimension ints, ``(before, after)``
    pairs, ``"valid"``, ``"same"``, ``"full"``. ``padding_mode`` is that of ``nn.Conv*d``.
    ``ndim``, when given, is the spatial rank ``weight`` must have (``conv2d``: 2).

    >>> x = np.arange(5.0)
    >>> conv(x[None], np.array([[[1.0, 0.0, -1.0]]]))                       # correlation
    array([[-2., -2., -2.]])
    >>> conv(x[None], np.array([[[1.0, 0.0, -1.0]]]), mode="convolution")   # flipped kernel
    array([[2., 2., 2.]])
    """
    check_rank(weight, ndim, "conv")
    x, w, unbatched, geom = _operands(
        input, weight, bias, stride, padding, dilation, groups, padding_mode
    )
    xp = K.pad(x, [(g.pad_before, g.pad_after) for g in geom], padding_mode)
    y = K.grouped_matmul_forward(
        xp,
        effective_weight(w, mode),
        [g.output for g in geom],
        [g.stride for g in geom],
        [g.dilation for g in geom],
        groups,
    )
    return unbatch(add_bias(y, bias), unbatched)


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
    """∂L/∂x, ∂L/∂w, ∂L/∂b of :func:`conv` (same arguments, plus ``grad_output``)."""
    x, w, unbatched, geom = _operands(
        input, weight, None, stride, padding, dilation, groups, padding_mode
    )
    out = (x.shape[0], w.shape[0], *(g.output for g in geom))
    gy = grad_output_like(grad_output, unbatched, x.dtype, out)
    w_eff = effective_weight(w, mode)
    pairs = [(g.pad_before, g.pad_after) for g in geom]
    st = [g.stride for g in geom]
    dl = [g.dilation for g in geom]
    xp = K.pad(x, pairs, padding_mode)
    gw = K.correlation_weight_grad(xp, gy, w.shape[2:], st, dl, groups)
    if mode == "convolution":
        gw = K.spatial_flip(gw)
    gxp = K.correlation_input_grad(gy, w_eff, xp.shape[2:], st, dl, groups)
    gx = K.unpad(gxp, x.shape[2:], pairs, padding_mode)
    return Grads(unbatch(gx, unbatched), gw, bias_grad(gy, bias))


conv1d = at_rank(conv, 1)
conv2d = at_rank(conv, 2)
conv3d = at_rank(conv, 3)

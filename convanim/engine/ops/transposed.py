"""Transposed convolution, forward and backward: torch's ``F.conv_transpose1d/2d/3d``.

Each input cell scales the kernel and adds it into the output at ``stride`` steps; then
``padding`` is cropped from both ends and ``output_padding`` extends the end. Weights are
``(C_in, C_out/groups, *k)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np

from ...core import budget, shapes
from .. import _kernels as K
from . import _operands

__all__ = [
    "conv_transpose",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "conv_transpose_backward",
    "transposed_output_padding",
]


class TransposedArgs(TypedDict, total=False):
    """:func:`conv_transpose`'s arguments after ``bias``, by keyword (its traces take them)."""

    stride: int | Sequence[int]
    padding: int | Sequence[int]
    output_padding: int | Sequence[int]
    groups: int
    dilation: int | Sequence[int]
    mode: _operands.Mode


def _checked(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: int | Sequence[int],
    padding: int | Sequence[int],
    output_padding: int | Sequence[int],
    groups: int,
    dilation: int | Sequence[int],
    output_size: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray, bool, list[shapes.TransposedDim]]:
    """``x`` (N, C, *S) and ``w`` in the computing dtype, whether ``x`` came unbatched, and the
    geometry: torch's checks, in torch's order, then the work budget."""
    x, w, unbatched, dtype = _operands.conv_inputs(input, weight, bias, groups, transposed=True)
    if output_size is not None:
        output_padding = transposed_output_padding(
            x.shape[2:], w.shape[2:], output_size, stride, padding, dilation, output_padding,
            unbatched,
        )  # fmt: skip
    geom = shapes.transposed_geometry(
        x.shape[2:], w.shape[2:], stride, padding, dilation, output_padding
    )
    budget.check_conv_transpose(
        f"conv_transpose{w.ndim - 2}d", *x.shape[:2], w.shape[1] * groups, w.shape[2:], geom
    )
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), unbatched, list(geom)


def conv_transpose(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
    mode: _operands.Mode = "correlation",
    output_size: Sequence[int] | None = None,
    *,
    ndim: int | None = None,
) -> np.ndarray:
    """N-d transposed convolution, torch's ``F.conv_transpose*d`` (same argument order).

    ``output_size`` picks the output size instead of ``output_padding``, as the module's
    ``forward(x, output_size)`` does (spatial sizes, or with the batch and channel sizes first).
    ``ndim``, when given, is the spatial rank ``weight`` must have.

    >>> conv_transpose(np.array([[1.0, 2.0]]), np.array([[[1.0, 1.0, 1.0]]]), stride=2)
    array([[1., 1., 3., 2., 2.]])
    >>> conv_transpose(np.array([[1.0, 2.0]]), np.ones((1, 1, 3)), stride=2, output_size=[6])
    array([[1., 1., 3., 2., 2., 0.]])
    """
    _operands.check_rank(weight, ndim, "conv_transpose")
    x, w, unbatched, geom = _checked(
        input, weight, bias, stride, padding, output_padding, groups, dilation, output_size
    )
    y = transposed_scatter(x, _operands.effective_weight(w, mode), geom, groups)
    return _operands.unbatch(_operands.add_bias(y, bias), unbatched)


def transposed_output_padding(
    sizes: Sequence[int],
    kernel_size: Sequence[int],
    output_size: Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    output_padding: int | Sequence[int] = 0,
    unbatched: bool = False,
) -> tuple[int, ...]:
    """The ``output_padding`` that gives ``output_size`` (torch's ``_output_padding``).

    ``output_size`` is spatial, or carries the batch and channel sizes first (only the
    channel size for an unbatched input), as torch accepts it.
    """
    ndim = len(sizes)
    wanted = [int(v) for v in output_size]
    lead = 1 if unbatched else 2
    if len(wanted) == ndim + lead:
        wanted = wanted[lead:]
    if len(wanted) != ndim:
        raise ValueError(
            f"ConvTranspose{ndim}D: for {ndim + lead}D input, output_size must have {ndim} or "
            f"{ndim + lead} elements (got {len(wanted)})"
        )
    if any(shapes.per_dim(output_padding, ndim, "output_padding")):
        raise ValueError("give output_size or output_padding, not both (output_size sets it)")
    return shapes.output_padding_for_size(sizes, wanted, kernel_size, stride, padding, dilation)


def transposed_scatter(
    x: np.ndarray, w: np.ndarray, geom: Sequence[shapes.TransposedDim], groups: int
) -> np.ndarray:
    """The transposed convolution itself (no bias): scatter, then crop ``padding``."""
    # A transposed conv is the input-gradient of the direct conv with the same parameters, so
    # it reuses that kernel: scatter onto the uncropped canvas of size output + 2·padding.
    canvas = [g.output + 2 * g.padding for g in geom]
    full = K.correlation_input_grad(
        x, w, canvas, [g.stride for g in geom], [g.dilation for g in geom], groups
    )
    crop = (slice(None), slice(None)) + tuple(slice(g.padding, g.padding + g.output) for g in geom)
    return np.ascontiguousarray(full[crop])


def conv_transpose_backward(
    input: np.ndarray,
    weight: np.ndarray,
    grad_output: np.ndarray,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
    mode: _operands.Mode = "correlation",
    bias: bool = True,
) -> _operands.Grads:
    """Gradients of :func:`conv_transpose` (torch argument order).

    ∂L/∂x is the *direct* convolution of ∂L/∂y (the transposed conv's adjoint) and ∂L/∂w the
    correlation of ∂L/∂y's windows with ``x``.
    """
    x, w, unbatched, geom = _checked(
        input, weight, None, stride, padding, output_padding, groups, dilation
    )
    out = (x.shape[0], w.shape[1] * groups, *(g.output for g in geom))
    gy = _operands.grad_output_like(grad_output, unbatched, x.dtype, out)
    w_eff = _operands.effective_weight(w, mode)
    st = [g.stride for g in geom]
    dl = [g.dilation for g in geom]
    # Put ∂L/∂y back on the uncropped canvas; the windows of input cell j start at j·s there.
    gyp = K.pad(gy, [(g.padding, g.padding) for g in geom])
    # The direct conv that is this op's adjoint maps C_out channels to C_in: its weight
    # (out=C_in, in/groups=C_out/g, *k) is the transposed weight exactly as stored.
    gx = K.grouped_matmul_forward(gyp, w_eff, list(x.shape[2:]), st, dl, groups)
    # ∂L/∂w[ci, co, t] = Σ x[ci, j] · gyp[co, j·s + t·d]: the weight gradient of that direct conv.
    gw = K.correlation_weight_grad(gyp, x, w.shape[2:], st, dl, groups)
    if mode == "convolution":
        gw = K.spatial_flip(gw)
    return _operands.Grads(_operands.unbatch(gx, unbatched), gw, _operands.bias_grad(gy, bias))


# torch's conv_transpose*d take no output_size (the module's forward does)
conv_transpose1d = _operands.at_rank(conv_transpose, 1, omit=("output_size",))
conv_transpose2d = _operands.at_rank(conv_transpose, 2, omit=("output_size",))
conv_transpose3d = _operands.at_rank(conv_transpose, 3, omit=("output_size",))

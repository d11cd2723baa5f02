"""Forward operations, named, shaped and parameterised like ``torch.nn.functional``.

``x`` is ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``; conv weights are
``(C_out, C_in/groups, *k)``, transposed-conv weights ``(C_in, C_out/groups, *k)``. Sizes and
validity come from :mod:`convanim.core.shapes`; this module only computes values.

Two conventions, always explicit: ``mode="correlation"`` (the default, what every framework
computes: ``y[i] = Σ_k w[k]·x[i·s + k·d]``) and ``mode="convolution"`` (the kernel flipped,
the deck's ``y[n] = Σ_k w[k]·x[n − k]``).

The conv_arithmetic paper's Figure 1.2 (5×5 input, 3×3 kernel, padding 1, stride 2):

>>> import numpy as np
>>> x = np.array([[3,3,2,1,0],[0,0,1,3,1],[3,1,2,2,3],[2,0,0,2,2],[2,0,0,0,1]], float)
>>> w = np.array([[0,1,2],[2,2,0],[0,1,2]], float)
>>> conv2d(x[None, None], w[None, None], stride=2, padding=1)[0, 0]
array([[ 6., 17.,  3.],
       [ 8., 17., 13.],
       [ 6.,  4.,  4.]])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..core import budget, shapes
from . import _kernels as K

Mode = Literal["correlation", "convolution"]
Ints = int | Sequence[int]
OutputSize = int | None | Sequence[int | None]
MODES = ("correlation", "convolution")

__all__ = [
    "MODES",
    "transposed_output_padding",
    "conv",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "max_pool",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "lp_pool",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "adaptive_max_pool",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_avg_pool",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "max_unpool",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
]


# --------------------------------------------------------------------------------------------
# Argument plumbing
# --------------------------------------------------------------------------------------------


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be 'correlation' or 'convolution', got {mode!r}")


def batched(x: np.ndarray, ndim: int, name: str) -> tuple[np.ndarray, bool]:
    """``x`` as ``(N, C, *spatial)`` and whether it came unbatched (torch's rank rule)."""
    x = np.asarray(x)
    if x.ndim == ndim + 1:
        return x[None], True
    if x.ndim == ndim + 2:
        return x, False
    raise ValueError(
        f"Expected {ndim + 1}D (unbatched) or {ndim + 2}D (batched) input to {name}, "
        f"but got input of size: {list(x.shape)}"
    )


def _unbatch(y: np.ndarray, unbatched: bool) -> np.ndarray:
    return y[0] if unbatched else y


def conv_operands(
    input: np.ndarray, weight: np.ndarray, groups: int, transposed: bool
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``input`` as ``(N, C, *spatial)``, ``weight`` as an array, and whether the input came
    unbatched; the spatial rank is read from ``weight`` and checked by torch's rules."""
    w = np.asarray(weight)
    ndim = w.ndim - 2
    if ndim not in (1, 2, 3):
        layout = "(in, out/groups, *k)" if transposed else "(out, in/groups, *k)"
        raise ValueError(f"weight must be {layout} with 1-3 spatial dims, got {list(w.shape)}")
    x, unbatched = batched(input, ndim, f"conv_transpose{ndim}d" if transposed else f"conv{ndim}d")
    check_weight(x, w, groups, transposed)
    return x, w, unbatched


def check_weight(x: np.ndarray, w: np.ndarray, groups: int, transposed: bool) -> None:
    """Channel and group rules of ``F.conv*`` / ``F.conv_transpose*`` (shape core: check_groups)."""
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups <= 0:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    c_in = x.shape[1]
    if transposed:
        if w.shape[0] != c_in:
            raise ValueError(
                f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(x.shape)} "
                f"to have {w.shape[0]} channels, but got {c_in} channels instead"
            )
        shapes.check_groups(c_in, w.shape[1] * groups, groups)
    else:
        if w.shape[0] % groups:
            raise ValueError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                f"but got weight of size {list(w.shape)} instead"
            )
        if w.shape[1] * groups != c_in:
            raise ValueError(
                f"Given groups={groups}, weight of size {list(w.shape)}, expected input{list(x.shape)} "
                f"to have {w.shape[1] * groups} channels, but got {c_in} channels instead"
            )
        shapes.check_groups(c_in, w.shape[0], groups)
    if any(n == 0 for n in w.shape[2:]):
        raise ValueError(f"kernel size should be greater than zero, but got {list(w.shape[2:])}")


def check_bias(bias: np.ndarray | None, channels: int) -> None:
    if bias is not None and (np.ndim(bias) != 1 or np.shape(bias)[0] != channels):
        raise ValueError(
            f"bias must have shape ({channels},) (one value per output channel), "
            f"but got {list(np.shape(bias))}"
        )


def effective_weight(w: np.ndarray, mode: str) -> np.ndarray:
    """The kernel the correlation actually applies: ``w`` itself, or ``w`` flipped for convolution."""
    check_mode(mode)
    return K.spatial_flip(w) if mode == "convolution" else w


def _add_bias(y: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    if bias is not None:
        y += np.asarray(bias, dtype=y.dtype).reshape((1, -1) + (1,) * (y.ndim - 2))
    return y


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------


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
) -> np.ndarray:
    """N-d convolution (1, 2 or 3 spatial dims, read from ``weight``), torch's ``F.conv*d``.

    ``padding`` takes every form of the shape core: int, per-dimension ints, ``(before, after)``
    pairs, ``"valid"``, ``"same"``, ``"full"``. ``padding_mode`` is that of ``nn.Conv*d``.

    >>> x = np.arange(5.0)
    >>> conv(x[None], np.array([[[1.0, 0.0, -1.0]]]))                       # correlation
    array([[-2., -2., -2.]])
    >>> conv(x[None], np.array([[[1.0, 0.0, -1.0]]]), mode="convolution")   # flipped kernel
    array([[2., 2., 2.]])
    """
    x, w, unbatched = conv_operands(input, weight, groups, transposed=False)
    check_bias(bias, w.shape[0])
    dtype = K.float_dtype(x, w) if bias is None else K.float_dtype(x, w, np.asarray(bias))
    geom = shapes.conv_geometry(x.shape[2:], w.shape[2:], stride, padding, dilation, padding_mode)
    budget.check_conv(f"conv{w.ndim - 2}d", *x.shape[:2], w.shape[0], w.shape[2:], geom)
    x = x.astype(dtype, copy=False)
    w = effective_weight(w.astype(dtype, copy=False), mode)
    xp = K.pad(x, [(g.pad_before, g.pad_after) for g in geom], padding_mode)
    y = K.grouped_matmul_forward(
        xp,
        w,
        [g.output for g in geom],
        [g.stride for g in geom],
        [g.dilation for g in geom],
        groups,
    )
    return _unbatch(_add_bias(y, bias), unbatched)


def _check_rank(weight: np.ndarray, ndim: int, name: str) -> None:
    if np.ndim(weight) != ndim + 2:
        raise ValueError(
            f"weight of {name} must have {ndim + 2} dimensions, "
            f"but got weight of size {list(np.shape(weight))}"
        )


def conv1d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Ints = 1,
    padding: shapes.PaddingSpec = 0,
    dilation: Ints = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    mode: Mode = "correlation",
) -> np.ndarray:
    """1-d :func:`conv` (torch ``F.conv1d``; ``padding_mode`` as ``nn.Conv1d``)."""
    _check_rank(weight, 1, "conv1d")
    return conv(input, weight, bias, stride, padding, dilation, groups, padding_mode, mode)


def conv2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Ints = 1,
    padding: shapes.PaddingSpec = 0,
    dilation: Ints = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    mode: Mode = "correlation",
) -> np.ndarray:
    """2-d :func:`conv` (torch ``F.conv2d``; ``padding_mode`` as ``nn.Conv2d``)."""
    _check_rank(weight, 2, "conv2d")
    return conv(input, weight, bias, stride, padding, dilation, groups, padding_mode, mode)


def conv3d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Ints = 1,
    padding: shapes.PaddingSpec = 0,
    dilation: Ints = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    mode: Mode = "correlation",
) -> np.ndarray:
    """3-d :func:`conv` (torch ``F.conv3d``; ``padding_mode`` as ``nn.Conv3d``)."""
    _check_rank(weight, 3, "conv3d")
    return conv(input, weight, bias, stride, padding, dilation, groups, padding_mode, mode)


def conv_transpose(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
    mode: Mode = "correlation",
    output_size: Sequence[int] | None = None,
) -> np.ndarray:
    """N-d transposed convolution, torch's ``F.conv_transpose*d`` (same argument order).

    Each input cell scales the kernel and adds it into the output at ``stride`` steps; then
    ``padding`` is cropped from both ends and ``output_padding`` extends the end.
    ``output_size`` picks the output size instead of ``output_padding``, as the module's
    ``forward(x, output_size)`` does (spatial sizes, or with the batch and channel sizes first).

    >>> conv_transpose(np.array([[1.0, 2.0]]), np.array([[[1.0, 1.0, 1.0]]]), stride=2)
    array([[1., 1., 3., 2., 2.]])
    >>> conv_transpose(np.array([[1.0, 2.0]]), np.ones((1, 1, 3)), stride=2, output_size=[6])
    array([[1., 1., 3., 2., 2., 0.]])
    """
    x, w, unbatched = conv_operands(input, weight, groups, transposed=True)
    check_bias(bias, w.shape[1] * groups)
    dtype = K.float_dtype(x, w) if bias is None else K.float_dtype(x, w, np.asarray(bias))
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
    x = x.astype(dtype, copy=False)
    w = effective_weight(w.astype(dtype, copy=False), mode)
    y = transposed_scatter(x, w, geom, groups)
    return _unbatch(_add_bias(y, bias), unbatched)


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


def conv_transpose1d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Ints = 1,
    padding: Ints = 0,
    output_padding: Ints = 0,
    groups: int = 1,
    dilation: Ints = 1,
    mode: Mode = "correlation",
) -> np.ndarray:
    """1-d :func:`conv_transpose` (torch ``F.conv_transpose1d``)."""
    _check_rank(weight, 1, "conv_transpose1d")
    return conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, mode
    )


def conv_transpose2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Ints = 1,
    padding: Ints = 0,
    output_padding: Ints = 0,
    groups: int = 1,
    dilation: Ints = 1,
    mode: Mode = "correlation",
) -> np.ndarray:
    """2-d :func:`conv_transpose` (torch ``F.conv_transpose2d``)."""
    _check_rank(weight, 2, "conv_transpose2d")
    return conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, mode
    )


def conv_transpose3d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Ints = 1,
    padding: Ints = 0,
    output_padding: Ints = 0,
    groups: int = 1,
    dilation: Ints = 1,
    mode: Mode = "correlation",
) -> np.ndarray:
    """3-d :func:`conv_transpose` (torch ``F.conv_transpose3d``)."""
    _check_rank(weight, 3, "conv_transpose3d")
    return conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, mode
    )


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------


def _pool_input(input: np.ndarray, ndim: int, name: str) -> tuple[np.ndarray, bool]:
    x, unbatched = batched(input, ndim, name)
    return x.astype(K.float_dtype(x), copy=False), unbatched


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


def _max_pool_core(
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
    if ndim is None:
        ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2
    x, unbatched = _pool_input(input, ndim, f"max_pool{ndim}d")
    geom = shapes.pool_geometry(
        x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode, "max"
    )
    budget.check_pool(f"max_pool{ndim}d", *x.shape[:2], geom)
    values, index, _ = _max_pool_core(x, geom)
    if return_indices:
        return _unbatch(values, unbatched), _unbatch(index, unbatched)
    return _unbatch(values, unbatched)


def _avg_divisor(
    geom: Sequence[shapes.PoolDim], count_include_pad: bool, divisor_override: int | None
) -> np.ndarray:
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
    if ndim is None:
        ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2
    x, unbatched = _pool_input(input, ndim, f"avg_pool{ndim}d")
    geom = shapes.pool_geometry(x.shape[2:], kernel_size, stride, padding, 1, ceil_mode, "avg")
    budget.check_pool(f"avg_pool{ndim}d", *x.shape[:2], geom)
    divisor = _avg_divisor(geom, count_include_pad, divisor_override)
    cols = pool_windows(x, geom, 0.0)
    total = cols.sum(axis=tuple(range(2, 2 + ndim)))
    return _unbatch((total / divisor).astype(x.dtype, copy=False), unbatched)


def max_pool1d(
    input: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """1-d :func:`max_pool` (torch ``F.max_pool1d``)."""
    return max_pool(
        input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, ndim=1
    )


def max_pool2d(
    input: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """2-d :func:`max_pool` (torch ``F.max_pool2d``)."""
    return max_pool(
        input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, ndim=2
    )


def max_pool3d(
    input: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """3-d :func:`max_pool` (torch ``F.max_pool3d``)."""
    return max_pool(
        input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, ndim=3
    )


def avg_pool1d(
    input: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> np.ndarray:
    """1-d :func:`avg_pool` (torch ``F.avg_pool1d``: no ``divisor_override``)."""
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, ndim=1)


def avg_pool2d(
    input: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """2-d :func:`avg_pool` (torch ``F.avg_pool2d``)."""
    return avg_pool(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, ndim=2
    )


def avg_pool3d(
    input: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """3-d :func:`avg_pool` (torch ``F.avg_pool3d``)."""
    return avg_pool(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, ndim=3
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
    if ndim is None:
        ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2
    check_norm_type(norm_type)
    x, unbatched = _pool_input(input, ndim, f"lp_pool{ndim}d")
    geom = shapes.pool_geometry(x.shape[2:], kernel_size, stride, 0, 1, ceil_mode, "lp")
    budget.check_pool(f"lp_pool{ndim}d", *x.shape[:2], geom)
    if np.isinf(norm_type):
        # torch: max_pool(|x|) for +inf, −max_pool(−|x|) (the smallest |x|) for −inf
        sign = 1.0 if norm_type > 0 else -1.0
        values, _, _ = _max_pool_core(sign * np.abs(x), geom)
        return _unbatch(sign * values, unbatched)
    # 0^p = inf for p < 0, a negative sum's fractional root is nan, large sums overflow: all
    # as in torch, which does not warn either
    with np.errstate(all="ignore"):
        powered = np.power(x, x.dtype.type(norm_type))
        avg = avg_pool(
            powered, [g.kernel for g in geom], [g.stride for g in geom], 0, ceil_mode, ndim=ndim
        )
        area = int(np.prod([g.kernel for g in geom]))
        y = np.power(avg * x.dtype.type(area), x.dtype.type(1.0 / norm_type))
    return _unbatch(y, unbatched)


def check_norm_type(norm_type: float) -> None:
    """torch computes lp pooling for every real ``p`` but 0 (it divides by ``p``) and NaN."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, int | float | np.number):
        raise ValueError(f"norm_type must be a number, got {norm_type!r}")
    if np.isnan(norm_type) or norm_type == 0:
        raise ValueError(
            f"norm_type must be a non-zero number (lp pooling takes the 1/p-th power), "
            f"got {norm_type!r}"
        )


def lp_pool1d(
    input: np.ndarray,
    norm_type: float,
    kernel_size: Ints,
    stride: Ints | None = None,
    ceil_mode: bool = False,
) -> np.ndarray:
    """1-d :func:`lp_pool` (torch ``F.lp_pool1d``)."""
    return lp_pool(input, norm_type, kernel_size, stride, ceil_mode, ndim=1)


def lp_pool2d(
    input: np.ndarray,
    norm_type: float,
    kernel_size: Ints,
    stride: Ints | None = None,
    ceil_mode: bool = False,
) -> np.ndarray:
    """2-d :func:`lp_pool` (torch ``F.lp_pool2d``)."""
    return lp_pool(input, norm_type, kernel_size, stride, ceil_mode, ndim=2)


def lp_pool3d(
    input: np.ndarray,
    norm_type: float,
    kernel_size: Ints,
    stride: Ints | None = None,
    ceil_mode: bool = False,
) -> np.ndarray:
    """3-d :func:`lp_pool` (torch ``F.lp_pool3d``)."""
    return lp_pool(input, norm_type, kernel_size, stride, ceil_mode, ndim=3)


def adaptive_output_size(
    output_size: int | None | Sequence[int | None], sizes: Sequence[int]
) -> tuple[int, ...]:
    """Expand torch's adaptive ``output_size`` (``None`` keeps that input dimension)."""
    ndim = len(sizes)
    if output_size is None or isinstance(output_size, int | np.integer):
        items = [output_size] * ndim
    else:
        items = list(output_size)
        if len(items) != ndim:
            raise ValueError(
                f"output_size must have {ndim} elements (one per spatial dimension), got {items}"
            )
    if ndim == 1 and items[0] is None:
        raise ValueError(
            "a 1-d adaptive pool needs an integer output size: None (keep the input's size) is "
            "for 2-d and 3-d pools only (torch: output_size must be tuple of ints, not NoneType)"
        )
    out = []
    for item, size in zip(items, sizes, strict=True):
        if item is None:
            out.append(int(size))
        elif isinstance(item, bool) or not isinstance(item, int | np.integer):
            raise ValueError(f"output_size elements must be integers or None, got {item!r}")
        else:
            out.append(int(item))
    return tuple(out)


def adaptive_windows_nd(sizes: Sequence[int], out: Sequence[int]) -> list[list[tuple[int, int]]]:
    """The shape core's adaptive windows, one list per dimension."""
    return [shapes.adaptive_windows(L, o) for L, o in zip(sizes, out, strict=True)]


def adaptive_max_pool(
    input: np.ndarray,
    output_size: int | None | Sequence[int | None],
    return_indices: bool = False,
    *,
    ndim: int | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Adaptive max pooling (torch ``F.adaptive_max_pool*d``), windows ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``.

    >>> adaptive_max_pool(np.array([[1.0, 5.0, 2.0, 4.0, 3.0]]), 3, ndim=1)
    array([[5., 5., 4.]])
    """
    if ndim is None:
        ndim = np.ndim(input) - 2 if isinstance(output_size, int | None) else len(output_size)
    x, unbatched = _pool_input(input, ndim, f"adaptive_max_pool{ndim}d")
    sizes = x.shape[2:]
    out = adaptive_output_size(output_size, sizes)
    budget.check_adaptive(f"adaptive_max_pool{ndim}d", *x.shape[:2], out)
    windows = adaptive_windows_nd(sizes, out)
    n, c = x.shape[:2]
    values = np.empty((n, c, *out), dtype=x.dtype)
    index = np.empty((n, c, *out), dtype=np.int64)
    for pos in itertools.product(*(range(o) for o in out)):
        spans = [windows[a][i] for a, i in enumerate(pos)]
        block = x[(slice(None), slice(None), *(slice(a, b) for a, b in spans))].reshape(n, c, -1)
        if block.shape[-1] == 0:
            continue
        arg = torch_argmax(block, -1)
        values[(slice(None), slice(None), *pos)] = np.take_along_axis(block, arg[..., None], -1)[
            ..., 0
        ]
        local = np.unravel_index(arg, [b - a for a, b in spans])
        flat = np.zeros_like(arg)
        for axis, (a, _) in enumerate(spans):
            flat = flat * sizes[axis] + a + local[axis]
        index[(slice(None), slice(None), *pos)] = flat
    if return_indices:
        return _unbatch(values, unbatched), _unbatch(index, unbatched)
    return _unbatch(values, unbatched)


def adaptive_avg_pool(
    input: np.ndarray,
    output_size: int | None | Sequence[int | None],
    *,
    ndim: int | None = None,
) -> np.ndarray:
    """Adaptive average pooling (torch ``F.adaptive_avg_pool*d``).

    >>> adaptive_avg_pool(np.arange(10.0)[None], 4, ndim=1)
    array([[1., 3., 6., 8.]])
    """
    if ndim is None:
        ndim = np.ndim(input) - 2 if isinstance(output_size, int | None) else len(output_size)
    x, unbatched = _pool_input(input, ndim, f"adaptive_avg_pool{ndim}d")
    sizes = x.shape[2:]
    out = adaptive_output_size(output_size, sizes)
    budget.check_adaptive(f"adaptive_avg_pool{ndim}d", *x.shape[:2], out)
    windows = adaptive_windows_nd(sizes, out)
    # A box average is separable: average along one axis at a time.
    y = x
    for axis, spans in enumerate(windows):
        parts = [
            y[(slice(None),) * (axis + 2) + (slice(a, b),)].mean(axis=axis + 2, keepdims=True)
            for a, b in spans
        ]
        shape = list(y.shape)
        shape[axis + 2] = 0
        y = np.concatenate(parts, axis=axis + 2) if parts else np.empty(shape, dtype=x.dtype)
    return _unbatch(y.astype(x.dtype, copy=False), unbatched)


def adaptive_max_pool1d(
    input: np.ndarray, output_size: OutputSize, return_indices: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """1-d :func:`adaptive_max_pool` (torch ``F.adaptive_max_pool1d``)."""
    return adaptive_max_pool(input, output_size, return_indices, ndim=1)


def adaptive_max_pool2d(
    input: np.ndarray, output_size: OutputSize, return_indices: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """2-d :func:`adaptive_max_pool` (torch ``F.adaptive_max_pool2d``)."""
    return adaptive_max_pool(input, output_size, return_indices, ndim=2)


def adaptive_max_pool3d(
    input: np.ndarray, output_size: OutputSize, return_indices: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """3-d :func:`adaptive_max_pool` (torch ``F.adaptive_max_pool3d``)."""
    return adaptive_max_pool(input, output_size, return_indices, ndim=3)


def adaptive_avg_pool1d(input: np.ndarray, output_size: OutputSize) -> np.ndarray:
    """1-d :func:`adaptive_avg_pool` (torch ``F.adaptive_avg_pool1d``)."""
    return adaptive_avg_pool(input, output_size, ndim=1)


def adaptive_avg_pool2d(input: np.ndarray, output_size: OutputSize) -> np.ndarray:
    """2-d :func:`adaptive_avg_pool` (torch ``F.adaptive_avg_pool2d``)."""
    return adaptive_avg_pool(input, output_size, ndim=2)


def adaptive_avg_pool3d(input: np.ndarray, output_size: OutputSize) -> np.ndarray:
    """3-d :func:`adaptive_avg_pool` (torch ``F.adaptive_avg_pool3d``)."""
    return adaptive_avg_pool(input, output_size, ndim=3)


def unpool_output_size(
    sizes: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None,
    padding: int | Sequence[int],
    output_size: Sequence[int] | None,
) -> tuple[int, ...]:
    """Spatial size of ``max_unpool``: the shape core's default, or a checked ``output_size``."""
    geom = shapes.unpool_geometry(sizes, kernel_size, stride, padding, output_size)
    return tuple(g.output for g in geom)


def max_unpool(
    input: np.ndarray,
    indices: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    output_size: Sequence[int] | None = None,
    *,
    ndim: int | None = None,
) -> np.ndarray:
    """Max unpooling (torch ``F.max_unpool*d``): each value goes back to its argmax index.

    >>> max_unpool(np.array([[3.0, 5.0]]), np.array([[1, 3]]), 2, ndim=1)
    array([[0., 3., 0., 5.]])
    """
    if ndim is None:
        ndim = len(kernel_size) if isinstance(kernel_size, Sequence) else np.ndim(input) - 2
    x, unbatched = _pool_input(input, ndim, f"max_unpool{ndim}d")
    idx = np.asarray(indices)
    if idx.ndim == ndim + 1:
        idx = idx[None]
    if idx.shape != x.shape:
        raise ValueError(
            f"Expected shape of indices to be same as that of the input tensor ({list(x.shape)}) "
            f"but got indices tensor with shape: {list(idx.shape)}"
        )
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        if not np.all(np.equal(np.mod(idx, 1), 0)):
            raise ValueError("indices must be integers")
        idx = idx.astype(np.int64)
    out_sizes = unpool_output_size(x.shape[2:], kernel_size, stride, padding, output_size)
    budget.check_work(f"max_unpool{ndim}d", *x.shape[:2], 1, x.shape[1], out_sizes)
    total = int(np.prod(out_sizes))
    n, c = x.shape[:2]
    if total == 0:  # torch returns the empty output without looking at the indices
        return _unbatch(np.zeros((n, c, *out_sizes), dtype=x.dtype), unbatched)
    flat_idx = idx.reshape(n, c, -1).astype(np.int64, copy=False)
    bad = (flat_idx < 0) | (flat_idx >= total)
    if bad.any():
        raise ValueError(
            f"Found an invalid max index: {int(flat_idx[bad][0])} "
            f"(output volumes are of size {'x'.join(map(str, out_sizes))})"
        )
    out = np.zeros((n, c, total), dtype=x.dtype)
    np.put_along_axis(out, flat_idx, x.reshape(n, c, -1), axis=2)
    return _unbatch(out.reshape(n, c, *out_sizes), unbatched)


def max_unpool1d(
    input: np.ndarray,
    indices: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    output_size: Sequence[int] | None = None,
) -> np.ndarray:
    """1-d :func:`max_unpool` (torch ``F.max_unpool1d``)."""
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, ndim=1)


def max_unpool2d(
    input: np.ndarray,
    indices: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    output_size: Sequence[int] | None = None,
) -> np.ndarray:
    """2-d :func:`max_unpool` (torch ``F.max_unpool2d``)."""
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, ndim=2)


def max_unpool3d(
    input: np.ndarray,
    indices: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    output_size: Sequence[int] | None = None,
) -> np.ndarray:
    """3-d :func:`max_unpool` (torch ``F.max_unpool3d``)."""
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, ndim=3)

"""Adaptive pooling, forward and backward: torch's ``F.adaptive_max_pool*d`` and
``F.adaptive_avg_pool*d``. Output ``i`` pools the window ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)`` (the shape
core's :func:`~convanim.core.shapes.adaptive_windows`): windows overlap and differ in size.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from ...core import budget, shapes
from ._operands import Grads, OutputSize, at_rank, grad_output_like, pool_input, unbatch
from .pool import scatter_to_winners, torch_argmax

__all__ = [
    "adaptive_max_pool",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_max_pool_backward",
    "adaptive_avg_pool",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_avg_pool_backward",
]


def adaptive_output_size(output_size: OutputSize, sizes: Sequence[int]) -> tuple[int, ...]:
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


def _operands(
    name: str, input: np.ndarray, output_size: OutputSize, ndim: int | None
) -> tuple[np.ndarray, bool, tuple[int, ...]]:
    """``x`` (N, C, *S) in its computing dtype, whether it came unbatched, and the output's
    spatial size, for the ``name`` pooling (``adaptive_max_pool``)."""
    if ndim is None:
        ndim = np.ndim(input) - 2 if isinstance(output_size, int | None) else len(output_size)
    x, unbatched = pool_input(input, ndim, f"{name}{ndim}d")
    return x, unbatched, adaptive_output_size(output_size, x.shape[2:])


def adaptive_max_pool(
    input: np.ndarray,
    output_size: OutputSize,
    return_indices: bool = False,
    *,
    ndim: int | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Adaptive max pooling (torch ``F.adaptive_max_pool*d``), windows ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``.

    >>> adaptive_max_pool(np.array([[1.0, 5.0, 2.0, 4.0, 3.0]]), 3, ndim=1)
    array([[5., 5., 4.]])
    """
    x, unbatched, out = _operands("adaptive_max_pool", input, output_size, ndim)
    budget.check_adaptive(f"adaptive_max_pool{len(out)}d", *x.shape[:2], out)
    sizes = x.shape[2:]
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
        return unbatch(values, unbatched), unbatch(index, unbatched)
    return unbatch(values, unbatched)


def adaptive_max_pool_backward(
    input: np.ndarray, grad_output: np.ndarray, output_size: OutputSize, *, ndim: int | None = None
) -> Grads:
    """∂L/∂x through adaptive max pooling: each output's gradient goes to its window's winner
    (windows may overlap, so a cell can collect several).

    >>> adaptive_max_pool_backward(np.array([[1.0, 5.0, 2.0]]), np.array([[1.0, 1.0]]), 2, ndim=1).grad_input
    array([[0., 2., 0.]])
    """
    x, unbatched, _ = _operands("adaptive_max_pool", input, output_size, ndim)
    _, index = adaptive_max_pool(x, output_size, True, ndim=x.ndim - 2)
    gy = grad_output_like(grad_output, unbatched, x.dtype, index.shape)
    return Grads(unbatch(scatter_to_winners(x, gy, index), unbatched))


def adaptive_avg_pool(
    input: np.ndarray, output_size: OutputSize, *, ndim: int | None = None
) -> np.ndarray:
    """Adaptive average pooling (torch ``F.adaptive_avg_pool*d``).

    >>> adaptive_avg_pool(np.arange(10.0)[None], 4, ndim=1)
    array([[1., 3., 6., 8.]])
    """
    x, unbatched, out = _operands("adaptive_avg_pool", input, output_size, ndim)
    budget.check_adaptive(f"adaptive_avg_pool{len(out)}d", *x.shape[:2], out)
    # A box average is separable: average along one axis at a time.
    y = x
    for axis, spans in enumerate(adaptive_windows_nd(x.shape[2:], out)):
        parts = [
            y[(slice(None),) * (axis + 2) + (slice(a, b),)].mean(axis=axis + 2, keepdims=True)
            for a, b in spans
        ]
        shape = list(y.shape)
        shape[axis + 2] = 0
        y = np.concatenate(parts, axis=axis + 2) if parts else np.empty(shape, dtype=x.dtype)
    return unbatch(y.astype(x.dtype, copy=False), unbatched)


def adaptive_avg_pool_backward(
    input: np.ndarray, grad_output: np.ndarray, output_size: OutputSize, *, ndim: int | None = None
) -> Grads:
    """∂L/∂x through adaptive average pooling: each output's gradient, divided by its window's
    size, is shared by the window's cells (one axis at a time: the average is separable).

    >>> adaptive_avg_pool_backward(np.zeros((1, 5)), np.array([[2.0, 4.0]]), 2, ndim=1).grad_input
    array([[0.66666667, 0.66666667, 2.        , 1.33333333, 1.33333333]])
    """
    x, unbatched, out = _operands("adaptive_avg_pool", input, output_size, ndim)
    sizes = x.shape[2:]
    g = grad_output_like(grad_output, unbatched, x.dtype, (*x.shape[:2], *out))
    for axis, spans in enumerate(adaptive_windows_nd(sizes, out)):
        # forward: y = M·x along this axis, M[i, a:b] = 1/(b − a); backward: Mᵀ·g
        m = np.zeros((len(spans), sizes[axis]), dtype=x.dtype)
        for i, (a, b) in enumerate(spans):
            m[i, a:b] = 1.0 / (b - a)
        g = np.moveaxis(np.tensordot(g, m, axes=([axis + 2], [0])), -1, axis + 2)
    return Grads(unbatch(np.ascontiguousarray(g, dtype=x.dtype), unbatched))


adaptive_max_pool1d = at_rank(adaptive_max_pool, 1)
adaptive_max_pool2d = at_rank(adaptive_max_pool, 2)
adaptive_max_pool3d = at_rank(adaptive_max_pool, 3)
adaptive_avg_pool1d = at_rank(adaptive_avg_pool, 1)
adaptive_avg_pool2d = at_rank(adaptive_avg_pool, 2)
adaptive_avg_pool3d = at_rank(adaptive_avg_pool, 3)

"""Max unpooling, forward and backward: torch's ``F.max_unpool*d``. Each value goes back to
the flat in-plane index max pooling gave it; every other cell is zero."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...core import budget, shapes
from ._operands import Grads, Ints, at_rank, grad_output_like, pool_input, pool_rank, unbatch

__all__ = ["max_unpool", "max_unpool1d", "max_unpool2d", "max_unpool3d", "max_unpool_backward"]


def unpool_output_size(
    sizes: Sequence[int],
    kernel_size: Ints,
    stride: Ints | None,
    padding: Ints,
    output_size: Sequence[int] | None,
) -> tuple[int, ...]:
    """Spatial size of ``max_unpool``: the shape core's default, or a checked ``output_size``."""
    geom = shapes.unpool_geometry(sizes, kernel_size, stride, padding, output_size)
    return tuple(g.output for g in geom)


def _operands(
    input: np.ndarray, indices: np.ndarray, ndim: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``x`` (N, C, *S) in its computing dtype, the indices batched alike and integer, and
    whether ``x`` came unbatched (torch's checks and messages)."""
    x, unbatched = pool_input(input, ndim, f"max_unpool{ndim}d")
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
    return x, idx, unbatched


def max_unpool(
    input: np.ndarray,
    indices: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    output_size: Sequence[int] | None = None,
    *,
    ndim: int | None = None,
) -> np.ndarray:
    """Max unpooling (torch ``F.max_unpool*d``): each value goes back to its argmax index.

    >>> max_unpool(np.array([[3.0, 5.0]]), np.array([[1, 3]]), 2, ndim=1)
    array([[0., 3., 0., 5.]])
    """
    ndim = pool_rank(input, kernel_size, ndim)
    x, idx, unbatched = _operands(input, indices, ndim)
    out_sizes = unpool_output_size(x.shape[2:], kernel_size, stride, padding, output_size)
    budget.check_work(f"max_unpool{ndim}d", *x.shape[:2], 1, x.shape[1], out_sizes)
    total = int(np.prod(out_sizes))
    n, c = x.shape[:2]
    if total == 0:  # torch returns the empty output without looking at the indices
        return unbatch(np.zeros((n, c, *out_sizes), dtype=x.dtype), unbatched)
    flat_idx = idx.reshape(n, c, -1).astype(np.int64, copy=False)
    bad = (flat_idx < 0) | (flat_idx >= total)
    if bad.any():
        raise ValueError(
            f"Found an invalid max index: {int(flat_idx[bad][0])} "
            f"(output volumes are of size {'x'.join(map(str, out_sizes))})"
        )
    out = np.zeros((n, c, total), dtype=x.dtype)
    np.put_along_axis(out, flat_idx, x.reshape(n, c, -1), axis=2)
    return unbatch(out.reshape(n, c, *out_sizes), unbatched)


def max_unpool_backward(
    input: np.ndarray,
    indices: np.ndarray,
    grad_output: np.ndarray,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    output_size: Sequence[int] | None = None,
    *,
    ndim: int | None = None,
) -> Grads:
    """∂L/∂x through max unpooling: each input cell reads the gradient at the index it was
    placed at (the indices themselves get none).

    >>> max_unpool_backward(np.array([[3.0, 5.0]]), np.array([[1, 3]]), np.arange(4.0)[None], 2, ndim=1).grad_input
    array([[1., 3.]])
    """
    ndim = pool_rank(input, kernel_size, ndim)
    # the forward validates the indices and sizes (torch's messages) and gives the output shape
    y = max_unpool(input, indices, kernel_size, stride, padding, output_size, ndim=ndim)
    x, idx, unbatched = _operands(input, indices, ndim)
    gy = grad_output_like(grad_output, unbatched, x.dtype, (1, *y.shape) if unbatched else y.shape)
    n, c = x.shape[:2]
    if gy.size == 0:
        return Grads(unbatch(np.zeros_like(x), unbatched))
    idx = idx.reshape(n, c, -1).astype(np.int64, copy=False)
    gx = np.take_along_axis(gy.reshape(n, c, -1), idx, axis=2).reshape(x.shape)
    return Grads(unbatch(gx.astype(x.dtype, copy=False), unbatched))


max_unpool1d = at_rank(max_unpool, 1)
max_unpool2d = at_rank(max_unpool, 2)
max_unpool3d = at_rank(max_unpool, 3)

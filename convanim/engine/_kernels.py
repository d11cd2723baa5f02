"""Low-level array kernels shared by the forward ops, the backward passes and the traces.

Everything here works on batched channel-first arrays ``(N, C, *spatial)`` and takes the
sizes it needs as arguments: the public functions ask the shape core for them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

# torch's padding_mode -> numpy.pad's mode
NUMPY_PAD_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype a computation runs in: float32 stays float32, float64 stays float64.

    Integers and booleans compute in float64; mixed float widths promote (NumPy's rule).
    """
    dtype = np.result_type(*arrays)
    if dtype == np.float32 or dtype == np.float64:
        return np.dtype(dtype)
    if np.issubdtype(dtype, np.floating) and dtype.itemsize < 4:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def pad(
    x: np.ndarray, pairs: Sequence[tuple[int, int]], mode: str = "zeros", value: float = 0.0
) -> np.ndarray:
    """Pad the spatial axes of ``x`` (N, C, *spatial) by ``(before, after)`` pairs."""
    pairs = [tuple(p) for p in pairs]
    if mode == "zeros":
        if not any(a or b for a, b in pairs):
            return x
        shape = x.shape[:2] + tuple(n + a + b for n, (a, b) in zip(x.shape[2:], pairs, strict=True))
        out = np.full(shape, value, dtype=x.dtype)
        inner = (slice(None), slice(None)) + tuple(
            slice(a, a + n) for n, (a, _) in zip(x.shape[2:], pairs, strict=True)
        )
        out[inner] = x
        return out
    if any(a < 0 or b < 0 for a, b in pairs):
        # negative padding crops (torch's F.pad for the non-zeros modes)
        for axis, (n, (a, b)) in enumerate(zip(x.shape[2:], pairs, strict=True)):
            x = np.take(x, pad_source_index(n, a, b, mode), axis=axis + 2)
        return x
    return np.pad(x, [(0, 0), (0, 0), *pairs], mode=NUMPY_PAD_MODE[mode])


def pad_source_index(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each padded position along one axis, the real index it copies (-1 for a zero).

    A negative ``before``/``after`` (non-zeros modes) crops that many cells off that end.
    """
    if mode == "zeros":
        idx = np.full(size + before + after, -1, dtype=np.intp)
        idx[before : before + size] = np.arange(size)
        return idx
    idx = np.pad(np.arange(size), (max(before, 0), max(after, 0)), mode=NUMPY_PAD_MODE[mode])
    return idx[max(-before, 0) : idx.size - max(-after, 0)]


def unpad(
    g: np.ndarray, sizes: Sequence[int], pairs: Sequence[tuple[int, int]], mode: str
) -> np.ndarray:
    """Adjoint of :func:`pad`: fold a gradient on the padded grid back onto the real input."""
    if mode == "zeros":
        inner = (slice(None), slice(None)) + tuple(
            slice(a, a + n) for n, (a, _) in zip(sizes, pairs, strict=True)
        )
        return np.ascontiguousarray(g[inner])
    for axis, (n, (a, b)) in enumerate(zip(sizes, pairs, strict=True)):
        idx = pad_source_index(n, a, b, mode)
        onehot = np.zeros((idx.size, n), dtype=g.dtype)
        onehot[np.arange(idx.size), idx] = 1
        g = np.moveaxis(np.tensordot(g, onehot, axes=([axis + 2], [0])), -1, axis + 2)
    return np.ascontiguousarray(g)


def _tap_slices(
    tap: Sequence[int], counts: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> tuple[slice, ...]:
    return tuple(
        slice(t * d, t * d + (n - 1) * s + 1, s)
        for t, n, s, d in zip(tap, counts, stride, dilation, strict=True)
    )


def im2col(
    xp: np.ndarray,
    kernel: Sequence[int],
    counts: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    *,
    channels_first: bool = False,
) -> np.ndarray:
    """Gather every window of ``xp`` (N, C, *P): result ``(N, C, *kernel, *counts)``, or with
    ``channels_first`` ``(C, *kernel, N, *counts)``: the batch joins the columns, so a whole
    layer is one large matrix product instead of one per batch element.

    One strided slice copy per kernel tap: much faster than copying a 2·ndim strided view.
    """
    n, c = xp.shape[:2]
    if channels_first:
        cols = np.empty((c, *kernel, n, *counts), dtype=xp.dtype)
        xp, lead = xp.swapaxes(0, 1), 1
    else:
        cols = np.empty((n, c, *kernel, *counts), dtype=xp.dtype)
        lead = 2
    for tap in itertools.product(*(range(k) for k in kernel)):
        cols[(slice(None),) * lead + tap] = xp[
            (slice(None), slice(None), *_tap_slices(tap, counts, stride, dilation))
        ]
    return cols


def col2im(
    cols: np.ndarray,
    grid: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """Adjoint of :func:`im2col`: add ``cols`` (N, C, *kernel, *counts) into a zero grid."""
    ndim = len(grid)
    n, c = cols.shape[:2]
    kernel = cols.shape[2 : 2 + ndim]
    counts = cols.shape[2 + ndim :]
    out = np.zeros((n, c, *grid), dtype=cols.dtype)
    for tap in itertools.product(*(range(k) for k in kernel)):
        out[(slice(None), slice(None), *_tap_slices(tap, counts, stride, dilation))] += cols[
            (slice(None), slice(None), *tap)
        ]
    return out


def _group_columns(
    xp: np.ndarray,
    kernel: Sequence[int],
    counts: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> np.ndarray:
    """Every window of ``xp`` (N, C, *P) as one matrix per group: ``(groups, C/g·k, N·counts)``."""
    n, c = xp.shape[:2]
    kk = int(np.prod(kernel, dtype=np.int64))
    cols = im2col(xp, kernel, counts, stride, dilation, channels_first=True)
    return cols.reshape(groups, (c // groups) * kk, n * int(np.prod(counts, dtype=np.int64)))


def grouped_matmul_forward(
    xp: np.ndarray,
    w: np.ndarray,
    counts: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> np.ndarray:
    """Cross-correlation of the padded ``xp`` (N, C, *P) with ``w`` (Co, C/g, *k): (N, Co, *counts)."""
    n = xp.shape[0]
    co = w.shape[0]
    p = int(np.prod(counts, dtype=np.int64))
    cols = _group_columns(xp, w.shape[2:], counts, stride, dilation, groups)
    wm = w.reshape(groups, co // groups, cols.shape[1])
    y = np.empty((groups, co // groups, n * p), dtype=np.result_type(xp, w))
    for g in range(groups):
        np.matmul(wm[g], cols[g], out=y[g])
    return np.ascontiguousarray(y.reshape(co, n, p).swapaxes(0, 1)).reshape(n, co, *counts)


def correlation_weight_grad(
    xp: np.ndarray,
    gy: np.ndarray,
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> np.ndarray:
    """∂L/∂w of ``y = corr(xp, w)``: the correlation of ``gy`` (N, Co, *O) with ``xp``."""
    n, c = xp.shape[:2]
    co = gy.shape[1]
    p = int(np.prod(gy.shape[2:], dtype=np.int64))
    cols = _group_columns(xp, kernel, gy.shape[2:], stride, dilation, groups)
    gyt = np.ascontiguousarray(gy.reshape(n, co, p).swapaxes(0, 1))
    gyt = gyt.reshape(groups, co // groups, n * p)
    gw = np.empty((groups, co // groups, cols.shape[1]), dtype=np.result_type(xp, gy))
    for g in range(groups):
        # (cols · gyᵀ)ᵀ, not gy · colsᵀ: OpenBLAS is several times slower on the latter's
        # transposed right operand with this long inner dimension.
        gw[g] = np.matmul(cols[g], gyt[g].T).T
    return gw.reshape(co, c // groups, *kernel)


def correlation_input_grad(
    gy: np.ndarray,
    w: np.ndarray,
    grid: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> np.ndarray:
    """∂L/∂xp of ``y = corr(xp, w)`` on the padded grid: scatter ``wᵀ·gy`` back through the windows.

    One product per kernel tap, added straight into that tap's strided slice of the grid: no
    ``(N, C·k, P)`` column buffer, so it stays in cache better than im2col's adjoint.
    """
    n, co = gy.shape[:2]
    counts = gy.shape[2:]
    ci_g = w.shape[1]
    co_g = co // groups
    kernel = w.shape[2:]
    p = int(np.prod(counts, dtype=np.int64))
    dtype = np.result_type(gy, w)
    full = [(c - 1) + (k - 1) * d for c, k, d in zip(counts, kernel, dilation, strict=True)]
    if all(s == 1 for s in stride) and list(grid) == [f + 1 for f in full]:
        # Stride 1: the gradient is the full correlation of gy with the rotated kernel, its
        # in/out channels swapped: one forward pass with a long inner dimension (C_out·k),
        # which BLAS runs far better than one product per tap.
        gyp = pad(gy, [((k - 1) * d, (k - 1) * d) for k, d in zip(kernel, dilation, strict=True)])
        wr = spatial_flip(w).reshape(groups, co_g, ci_g, *kernel).swapaxes(1, 2)
        wr = np.ascontiguousarray(wr).reshape(groups * ci_g, co_g, *kernel)
        return grouped_matmul_forward(gyp, wr, grid, [1] * len(grid), dilation, groups)
    # Channels first, batch folded into the columns: one large BLAS call per tap and group
    # (many small calls thrash multi-threaded BLAS on a busy machine).
    out = np.zeros((groups * ci_g, n, *grid), dtype=dtype)
    gyt = np.ascontiguousarray(gy.reshape(n, co, p).swapaxes(0, 1)).reshape(co, n * p)
    for tap in itertools.product(*(range(k) for k in kernel)):
        where = _tap_slices(tap, counts, stride, dilation)
        for g in range(groups):
            wt = np.ascontiguousarray(w[(slice(g * co_g, (g + 1) * co_g), slice(None), *tap)].T)
            part = (wt @ gyt[g * co_g : (g + 1) * co_g]).reshape(ci_g, n, *counts)
            out[(slice(g * ci_g, (g + 1) * ci_g), slice(None), *where)] += part
    return np.ascontiguousarray(out.swapaxes(0, 1))


def spatial_flip(w: np.ndarray) -> np.ndarray:
    """The kernel rotated by 180° in every spatial axis (axes 2 and up)."""
    return np.ascontiguousarray(
        w[(slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)]
    )

"""Pooling sizes: max/avg/lp windows with torch's ``ceil_mode`` rule, average divisors,
adaptive windows and max-unpooling sizes.

Standard library only; torch's rules and messages. Re-exported by :mod:`convanim.core.shapes`.

>>> pool_output_shape((5,), 1, stride=3, ceil_mode=True)
(2,)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from convanim.core.dims import (
    SymmetricWindow,
    check_input_sizes,
    check_int64,
    output_shape_of,
    output_too_small,
    per_dim,
    size_text,
)
from convanim.core.record import Record, record

__all__ = [
    "PoolKind",
    "POOL_KINDS",
    "PoolDim",
    "pool_geometry",
    "pool_output_shape",
    "avg_pool_divisor",
    "avg_pool_divisors",
    "adaptive_window",
    "adaptive_windows",
    "AdaptiveDim",
    "adaptive_geometry",
    "unpool_default_size",
    "unpool_size_range",
    "unpool_output_size",
    "UnpoolDim",
    "unpool_geometry",
]

PoolKind = Literal["max", "avg", "lp"]
#: The pooling kinds, for choices and messages.
POOL_KINDS: tuple[str, ...] = get_args(PoolKind)


@record
class PoolDim(SymmetricWindow):
    """One dimension of a max/avg/lp pooling, resolved with torch's ``ceil_mode`` rule."""

    ceil_mode: bool

    @property
    def padded(self) -> int:
        """Length of the padded input."""
        return self.size + 2 * self.padding

    @property
    def output(self) -> int:
        num = self.padded - self.effective_kernel
        if self.ceil_mode:
            num += self.stride - 1
        out = num // self.stride + 1
        # torch drops a last window that would start in the right padding.
        if self.ceil_mode and (out - 1) * self.stride >= self.size + self.padding:
            out -= 1
        return out

    @property
    def covered(self) -> int:
        """Padded cells the windows reach (more than ``padded`` when ceil mode overhangs)."""
        return (self.output - 1) * self.stride + self.effective_kernel

    def window(self, i: int) -> tuple[int, int]:
        """Half-open ``[start, stop)`` of window ``i`` in unpadded input coordinates.

        ``stop`` may pass the right padding (ceil mode); taps are every ``dilation`` cells.
        """
        start = i * self.stride - self.padding
        return start, start + self.effective_kernel


def _check_pool_numbers(
    k: Sequence[int], s: Sequence[int], p: Sequence[int], d: Sequence[int]
) -> None:
    """torch's checks of a pooling's kernel, stride, padding and dilation, in torch's order."""
    if any(v <= 0 for v in k):
        raise ValueError(f"kernel_size must be greater than zero, but got {list(k)}")
    if any(v <= 0 for v in s):
        raise ValueError(
            "stride should not be zero"
            if any(v == 0 for v in s)
            else f"stride must be greater than zero, but got {list(s)}"
        )
    if any(v < 0 for v in p):
        raise ValueError(f"pad must be non-negative, but got pad: {list(p)}")
    if any(v <= 0 for v in d):
        raise ValueError(f"dilation should be greater than zero, but got {list(d)}")
    for kk, pp, dd in zip(k, p, d, strict=True):
        if pp > kk // 2:
            raise ValueError(
                "pad should be at most half of effective kernel size, but got "
                f"pad={pp}, kernel_size={kk} and dilation={dd}"
            )


def pool_geometry(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    kind: PoolKind = "max",
) -> tuple[PoolDim, ...]:
    """Validate a pooling (torch rules) and resolve every dimension.

    >>> [g.output for g in pool_geometry((6,), 3, stride=2, padding=1, ceil_mode=True)]
    [4]
    >>> [g.output for g in pool_geometry((5,), 1, stride=3, ceil_mode=True)]
    [2]
    >>> pool_geometry((5,), 3, padding=2)
    Traceback (most recent call last):
    ...
    ValueError: pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1
    >>> pool_geometry((5,), 3, padding="same")
    Traceback (most recent call last):
    ...
    ValueError: pooling takes symmetric integer padding (at most half the kernel), got 'same'
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"pooling has 1, 2 or 3 spatial dimensions, got {ndim}")
    if kind not in POOL_KINDS:
        raise ValueError(f"pooling kind must be one of max, avg, lp, got {kind!r}")
    k = per_dim(kernel_size, ndim, "kernel_size")
    s = k if stride is None else per_dim(stride, ndim, "stride")
    if isinstance(padding, str) or (
        not isinstance(padding, int) and not all(isinstance(v, int) for v in padding)
    ):
        # torch pooling has no 'same'/'valid' and no (before, after) pairs.
        raise ValueError(
            "pooling takes symmetric integer padding (at most half the kernel), got "
            f"{list(padding) if isinstance(padding, tuple) else padding!r}"
        )
    p = per_dim(padding, ndim, "padding")
    d = per_dim(dilation, ndim, "dilation")
    if kind != "max" and any(v != 1 for v in d):
        raise ValueError(f"{kind} pooling has no dilation (got dilation={list(d)})")
    if kind == "lp" and any(v != 0 for v in p):
        raise ValueError(f"lp pooling has no padding (got padding={list(p)})")
    _check_pool_numbers(k, s, p, d)
    check_input_sizes(sizes, "a pooling")
    dims = tuple(
        PoolDim(L, kk, ss, pp, dd, bool(ceil_mode))
        for L, kk, ss, pp, dd in zip(sizes, k, s, p, d, strict=True)
    )
    if kind in ("avg", "lp") and ndim == 3 and any(g.size < g.kernel for g in dims):
        # pool3d_shape_check(check_input_size=True); lp_pool3d runs on avg_pool3d.
        raise ValueError(
            f"input image {size_text(sizes)} smaller than kernel size {size_text(k)} "
            "(avg_pool3d needs every unpadded dimension at least the kernel)"
        )
    if any(g.output < 1 for g in dims):
        raise output_too_small(sizes, [g.output for g in dims])
    return dims


pool_output_shape = output_shape_of(
    pool_geometry,
    "pool_output_shape",
    "Spatial output shape of a pooling (Relationship 7 when padding is 0 and no ceil mode).",
)


def avg_pool_divisor(dim: PoolDim, index: int, count_include_pad: bool = True) -> int:
    """The divisor of average-pooling window ``index`` along one dimension (torch's rule).

    The window is clipped at the right padding edge (never at ``start + k``), so a ceil-mode
    window hanging past the padding counts only up to ``L + p``; ``count_include_pad=False``
    counts only real cells.

    >>> g = pool_geometry((6,), 3, stride=2, padding=1, ceil_mode=True, kind="avg")[0]
    >>> avg_pool_divisor(g, 3), avg_pool_divisor(g, 3, count_include_pad=False)
    (2, 1)
    """
    start = index * dim.stride - dim.padding
    end = min(start + dim.kernel, dim.size + dim.padding)
    if count_include_pad:
        return end - start
    return min(end, dim.size) - max(start, 0)


def avg_pool_divisors(
    dim: PoolDim, count_include_pad: bool = True, divisor_override: int | None = None
) -> list[int]:
    """The divisor of each average-pooling window along one dimension (torch's rule).

    The window is clipped at the right padding edge; ``count_include_pad=False`` counts only
    real cells. (For N-d the divisor is the product over dimensions, unless overridden.)

    >>> g = pool_geometry((6,), 3, stride=2, padding=1, ceil_mode=True, kind="avg")[0]
    >>> avg_pool_divisors(g)
    [3, 3, 3, 2]
    >>> avg_pool_divisors(g, count_include_pad=False)
    [2, 3, 3, 1]
    """
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("divisor must be not zero")
        return [divisor_override] * dim.output
    return [avg_pool_divisor(dim, i, count_include_pad) for i in range(dim.output)]


def adaptive_window(size: int, output: int, index: int) -> tuple[int, int]:
    """Half-open window ``index`` of adaptive pooling: ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``.

    >>> adaptive_window(10, 4, 1)
    (2, 5)
    """
    return (index * size) // output, -((-(index + 1) * size) // output)


def adaptive_windows(size: int, output: int) -> list[tuple[int, int]]:
    """Half-open windows of adaptive pooling: ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``.

    >>> adaptive_windows(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    >>> adaptive_windows(10, 4)
    [(0, 3), (2, 5), (5, 8), (7, 10)]
    """
    check_int64((size, output), "adaptive size")
    if output < 0:
        raise ValueError(
            f"elements of output_size must be greater than or equal to 0 but received {output}"
        )
    if size <= 0:
        raise ValueError(
            "Expected input to have non-zero size for non-batch dimensions, "
            f"but got input size {size}"
        )
    return [adaptive_window(size, output, i) for i in range(output)]


def unpool_default_size(size: int, kernel: int, stride: int | None = None, padding: int = 0) -> int:
    """Default output length of max-unpool: ``(L−1)s + k − 2p``.

    >>> unpool_default_size(5, 3, 2, 1)   # a 10-long input pooled to 5 unpools to 9
    9
    """
    s = kernel if stride is None else stride
    return (size - 1) * s + kernel - 2 * padding


def unpool_size_range(size: int, kernel: int, stride: int | None = None, padding: int = 0) -> range:
    """Output lengths max-unpool accepts: strictly between ``default − s`` and ``default + s``.

    >>> unpool_size_range(5, 3, 2, 1)
    range(8, 11)
    """
    s = kernel if stride is None else stride
    default = unpool_default_size(size, kernel, s, padding)
    # torch's Python check is strict on both sides; an empty output (0) passes it and torch
    # returns an empty tensor.
    return range(max(default - s + 1, 0), default + s)


def unpool_output_size(
    size: int,
    kernel: int,
    stride: int | None = None,
    padding: int = 0,
    output_size: int | None = None,
) -> int:
    """Validate max-unpool's output length along one dimension (torch's rules and messages).

    >>> unpool_output_size(5, 3, 2, 1), unpool_output_size(5, 3, 2, 1, output_size=10)
    (9, 10)
    >>> unpool_output_size(5, 3, 2, 1, output_size=11)
    Traceback (most recent call last):
    ...
    ValueError: invalid output_size "[11]" (dim 0 must be between 7 and 11)
    """
    s = kernel if stride is None else stride
    default = unpool_default_size(size, kernel, s, padding)
    if output_size is None:
        output_size = default
        if output_size >= 0:
            return default
    if output_size < 0:
        raise ValueError(
            "max_unpooling: output_size must contain non-negative spatial dimensions, "
            f"but got output_size[0]={output_size}"
        )
    if output_size not in unpool_size_range(size, kernel, s, padding):
        raise ValueError(
            f'invalid output_size "[{output_size}]" (dim 0 must be between '
            f"{default - s} and {default + s})"
        )
    return output_size


@record
class AdaptiveDim(Record):
    """One dimension of adaptive pooling: ``output`` windows over ``size`` cells."""

    size: int
    output: int

    def window(self, i: int) -> tuple[int, int]:
        """Half-open window ``i``: ``[⌊iL/O⌋, ⌈(i+1)L/O⌉)``."""
        return adaptive_window(self.size, self.output, i)

    def windows(self) -> list[tuple[int, int]]:
        """Every window (``output`` of them: list only reasonable sizes)."""
        return adaptive_windows(self.size, self.output)


def adaptive_geometry(
    input_size: Sequence[int], output_size: Sequence[int | None]
) -> tuple[AdaptiveDim, ...]:
    """Validate adaptive pooling (torch's checks) and resolve every dimension.

    ``output_size`` has one value (every dimension) or one per dimension; ``None`` keeps that
    dimension's input size.

    >>> [g.output for g in adaptive_geometry((10, 7), (3, None))]
    [3, 7]
    >>> adaptive_geometry((10, 7), (3, 3, 3))
    Traceback (most recent call last):
    ...
    ValueError: output_size must have 1 or 2 elements for a 2-d input, got 3
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"adaptive pooling has 1, 2 or 3 spatial dimensions, got {ndim}")
    wanted = tuple(output_size)
    if len(wanted) == 1:
        wanted = wanted * ndim
    if len(wanted) != ndim:
        raise ValueError(
            f"output_size must have {'1 or ' if ndim > 1 else ''}{ndim} element{'s' if ndim > 1 else ''}"
            f" for a {ndim}-d input, got {len(wanted)}"
        )
    if ndim == 1 and wanted[0] is None:
        raise ValueError(
            "a 1-d adaptive pool needs an integer output size: None (keep the input's size) is "
            "for 2-d and 3-d pools only (torch: output_size must be tuple of ints, not NoneType)"
        )
    outs = tuple(L if out is None else out for L, out in zip(sizes, wanted, strict=True))
    check_int64(outs, "output_size")
    for L, out in zip(sizes, outs, strict=True):
        adaptive_windows(L, min(out, 0))  # torch's checks on both numbers, nothing listed
    return tuple(AdaptiveDim(L, out) for L, out in zip(sizes, outs, strict=True))


@record
class UnpoolDim(Record):
    """One dimension of max-unpooling: the max pool's ``kernel, stride, padding`` and the
    output length (its default, or the ``output_size`` asked for)."""

    size: int
    kernel: int
    stride: int
    padding: int
    output: int

    @property
    def default(self) -> int:
        """``(L−1)s + k − 2p``: the length without ``output_size``."""
        return unpool_default_size(self.size, self.kernel, self.stride, self.padding)

    @property
    def accepted(self) -> range:
        """The ``output_size`` lengths torch accepts (strictly within default ± stride)."""
        return unpool_size_range(self.size, self.kernel, self.stride, self.padding)


def unpool_geometry(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    output_size: Sequence[int] | None = None,
) -> tuple[UnpoolDim, ...]:
    """Validate max-unpool's sizes (torch's rules and messages) and resolve every dimension.

    ``output_size`` may also carry the batch and channel sizes first (``ndim + 2`` values).

    >>> [g.output for g in unpool_geometry((5,), 3, 2, 1)]
    [9]
    >>> unpool_geometry((5, 5), 3, 2, 1, (9, 11))
    Traceback (most recent call last):
    ...
    ValueError: invalid output_size "[9, 11]" (dim 1 must be between 7 and 11)
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    k = per_dim(kernel_size, ndim, "kernel_size")
    s = k if stride is None else per_dim(stride, ndim, "stride")
    p = per_dim(padding, ndim, "padding")
    if any(v <= 0 for v in k) or any(v <= 0 for v in s) or any(v < 0 for v in p):
        raise ValueError(
            "max_unpool needs positive kernel_size and stride and non-negative padding"
        )
    if output_size is None:
        outs = [unpool_default_size(*args) for args in zip(sizes, k, s, p, strict=True)]
        for axis, size in enumerate(outs):
            if size < 0:  # torch's _unpool_output_size check, its message
                raise ValueError(
                    "max_unpooling: output_size must contain non-negative spatial dimensions, "
                    f"but got output_size[{axis}]={size}"
                )
    else:
        outs = [int(v) for v in output_size]
        if len(outs) == ndim + 2:
            outs = outs[2:]
        elif len(outs) != ndim:
            raise ValueError(
                f"output_size should be a sequence containing {ndim} or {ndim + 2} elements, "
                f"but it has a length of '{len(outs)}'"
            )
        for axis, (L, kk, ss, pp, w) in enumerate(zip(sizes, k, s, p, outs, strict=True)):
            allowed = unpool_size_range(L, kk, ss, pp)
            if w not in allowed:
                raise ValueError(
                    f'invalid output_size "{outs}" (dim {axis} must be between '
                    f"{allowed.start - 1} and {allowed.stop})"
                )
    return tuple(UnpoolDim(*args) for args in zip(sizes, k, s, p, outs, strict=True))

"""Transposed convolution sizes: the output, every reachable size, the direct-conv twin.

Standard library only; torch's rules and messages. Re-exported by :mod:`convanim.core.shapes`.

>>> transposed_output_shape((3, 3), 3, stride=2, padding=1, output_padding=1)
(6, 6)
"""

from __future__ import annotations

from collections.abc import Sequence

from convanim.core import dims
from convanim.core.record import record

__all__ = [
    "TransposedDim",
    "transposed_geometry",
    "transposed_output_size",
    "transposed_output_shape",
    "transposed_output_range",
    "output_padding_for_size",
    "transposed_output_sizes",
]


@record
class TransposedDim(dims.SymmetricWindow):
    """One dimension of a transposed convolution and its equivalent direct convolution.

    The equivalent direct convolution (the conv_arithmetic picture): insert ``stride − 1``
    zeros between input cells, pad ``K − 1 − p`` before and ``K − 1 − p + output_padding``
    after (the extra ``output_padding`` cells go at the end: bottom/right), then slide the
    180°-rotated kernel with stride 1. ``pad_before`` is negative when ``p > K − 1``: the
    stretched input is then cropped instead of padded.
    """

    output_padding: int

    @property
    def output(self) -> int:
        return (
            (self.size - 1) * self.stride
            - 2 * self.padding
            + self.effective_kernel
            + self.output_padding
        )

    @property
    def zeros_between(self) -> int:
        return self.stride - 1

    @property
    def stretched(self) -> int:
        """ĩ′: the input with ``stride − 1`` zeros inserted between cells."""
        return (self.size - 1) * self.stride + 1 if self.size else 0

    @property
    def pad_before(self) -> int:
        return self.effective_kernel - 1 - self.padding

    @property
    def pad_after(self) -> int:
        return self.effective_kernel - 1 - self.padding + self.output_padding

    @property
    def grid(self) -> int:
        """Side of the equivalent direct convolution's input (= output + K − 1)."""
        return self.stretched + self.pad_before + self.pad_after

    def input_position(self, j: int) -> int:
        """Where input cell ``j`` sits in the equivalent direct convolution's grid."""
        return self.pad_before + j * self.stride


def _transposed_params(
    ndim: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int],
    padding: int | Sequence[int],
    dilation: int | Sequence[int],
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    if isinstance(padding, str):
        raise ValueError(
            f"transposed convolution takes integer padding, not {padding!r} "
            "(torch: argument 'padding' must be tuple of ints, but found element of type str)"
        )
    k = dims.per_dim(kernel_size, ndim, "kernel_size")
    s = dims.per_dim(stride, ndim, "stride")
    p = dims.per_dim(padding, ndim, "padding")
    d = dims.per_dim(dilation, ndim, "dilation")
    if any(v <= 0 for v in k):
        raise ValueError(f"kernel size should be greater than zero, but got kernel_size={list(k)}")
    if any(v <= 0 for v in s):
        raise ValueError("non-positive stride is not supported")
    if any(v < 0 for v in p):
        raise ValueError("negative padding is not supported")
    if any(v <= 0 for v in d):
        raise ValueError(f"dilation should be greater than zero, but got {list(d)}")
    return k, s, p, d


def transposed_geometry(
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    output_padding: int | Sequence[int] = 0,
) -> tuple[TransposedDim, ...]:
    """Validate a transposed convolution (torch rules) and resolve every dimension.

    >>> g = transposed_geometry((3,), 3, stride=2, padding=1, output_padding=1)[0]
    >>> g.output, g.stretched, g.pad_before, g.pad_after, g.grid
    (6, 5, 1, 2, 8)
    >>> transposed_geometry((5,), 3, stride=2, output_padding=2)
    Traceback (most recent call last):
    ...
    ValueError: output padding must be smaller than either stride or dilation, but got output_padding=[2] stride=[2] dilation=[1]
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"convolutions have 1, 2 or 3 spatial dimensions, got {ndim}")
    k, s, p, d = _transposed_params(ndim, kernel_size, stride, padding, dilation)
    op = dims.per_dim(output_padding, ndim, "output_padding")
    dims.check_input_sizes(sizes, "a transposed convolution")
    if any(v < 0 for v in op):
        raise ValueError("negative output_padding is not supported")
    if any(o >= max(ss, dd) for o, ss, dd in zip(op, s, d, strict=True)):
        raise ValueError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(op)} stride={list(s)} dilation={list(d)}"
        )
    resolved = tuple(TransposedDim(*args) for args in zip(sizes, k, s, p, d, op, strict=True))
    if any(g.output > dims.INT64_MAX for g in resolved):
        raise ValueError(
            f"Calculated output size per channel: {dims.size_text([g.output for g in resolved])} does "
            "not fit in a 64-bit integer (torch's sizes are int64)"
        )
    if any(g.output < 1 for g in resolved):
        raise dims.output_too_small(sizes, [g.output for g in resolved], per_channel=True)
    return resolved


def transposed_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    output_padding: int = 0,
) -> int:
    """``(L−1)s − 2p + d(k−1) + output_padding + 1`` (Relationship 14 with k̂).

    >>> transposed_output_size(2, 3, stride=2)   # Fig 4.5
    5
    """
    return transposed_geometry((size,), kernel, stride, padding, dilation, output_padding)[0].output


transposed_output_shape = dims.output_shape_of(
    transposed_geometry,
    "transposed_output_shape",
    "Spatial output shape of a transposed convolution.",
)


def transposed_output_sizes(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> range:
    """Every output length torch can produce, a ``range``: ``output_padding = size − start``.

    ``output_padding`` runs over ``0 … max(stride, dilation) − 1`` from the size with
    ``output_padding = 0``; sizes below 1 are dropped (so ``range.start`` may exceed it).
    A ``range`` stays instant for any stride; :func:`transposed_output_range` lists it.

    >>> transposed_output_sizes(3, 3, stride=2, padding=1)
    range(5, 7)
    >>> transposed_output_sizes(1, 1, stride=3, padding=1)   # −1 and 0 are not sizes
    range(1, 2)
    """
    dims.check_int64((size, kernel, stride, padding, dilation), "transposed parameter")
    low = TransposedDim(size, kernel, stride, padding, dilation, 0).output
    return range(max(low, 1), low + max(stride, dilation))


def transposed_output_range(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> list[tuple[int, int]]:
    """Every output size torch can produce, as ``(size, output_padding)`` pairs.

    ``output_padding`` ranges over ``0 … max(stride, dilation) − 1``; sizes below 1 are dropped.
    (The list has up to ``max(stride, dilation)`` entries: for huge strides use
    :func:`transposed_output_sizes`.)

    >>> transposed_output_range(3, 3, stride=2, padding=1)
    [(5, 0), (6, 1)]
    >>> transposed_output_range(5, 3, stride=1, dilation=2)
    [(9, 0), (10, 1)]
    """
    low = TransposedDim(size, kernel, stride, padding, dilation, 0).output
    return [
        (out, out - low) for out in transposed_output_sizes(size, kernel, stride, padding, dilation)
    ]


def output_padding_for_size(
    input_size: Sequence[int],
    output_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> tuple[int, ...]:
    """The ``output_padding`` torch derives from ``forward(x, output_size=…)``.

    torch accepts sizes in ``[min, min + stride − 1]`` per dimension, where ``min`` is the size
    with ``output_padding = 0`` (the range ignores dilation).

    >>> output_padding_for_size((3, 3), (6, 6), 3, stride=2, padding=1)
    (1, 1)
    >>> output_padding_for_size((5,), (13,), 3, stride=2)
    Traceback (most recent call last):
    ...
    ValueError: requested an output size of [13], but valid sizes range from [11] to [12] (for an input of [5])
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    k, s, p, d = _transposed_params(ndim, kernel_size, stride, padding, dilation)
    wanted = tuple(output_size)
    if len(wanted) != ndim:
        raise ValueError(f"output_size must have {ndim} spatial elements (got {len(wanted)})")
    mins = [
        TransposedDim(L, kk, ss, pp, dd, 0).output
        for L, kk, ss, pp, dd in zip(sizes, k, s, p, d, strict=True)
    ]
    maxs = [m + ss - 1 for m, ss in zip(mins, s, strict=True)]
    if any(not (lo <= w <= hi) for w, lo, hi in zip(wanted, mins, maxs, strict=True)):
        raise ValueError(
            f"requested an output size of {list(wanted)}, but valid sizes range from "
            f"{mins} to {maxs} (for an input of {list(sizes)})"
        )
    if any(w < 1 for w in wanted):
        # torch's Python check passes these when min <= 0; its C++ kernel then refuses them.
        raise dims.output_too_small(sizes, wanted, per_channel=True)
    return tuple(w - m for w, m in zip(wanted, mins, strict=True))
